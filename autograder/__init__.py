"""Gate by Gate autograder: reference implementations, hidden checks and the instructor CLI.

Packages, each importing only those listed before it (tests/test_layers.py):
    course.py    where the course lives and which assignments it has (standard library only)
    judge/       cases and probes, comparison, known mistakes, the wire format, verdict records (numpy only)
    reference/   one reference implementation of every graded function (numpy), tested against torch.nn
    hidden/      one module per assignment: its hidden cases and known mistakes
    isolation/   the sandbox, the kernel zygote, safe file reading, the kernel shim (standard library only)
    i18n/        the student notebooks and feedback in Korean, from the catalogues in locale/
    pipeline/    nbgrader: the course's configuration, preprocessors, kernel client, gradebook, feedback pages
    grading/     a class graded: one run, one student, the template, the output layout, intake, the report
    student/     the student edition's check on practice cases (course, judge and isolation below it only)
    cli.py (`python -m autograder`), release.py, selfcheck.py (the check, here), edition.py (the student
    edition), diagnosis.py (`diagnose_function`, and the leave-one-out measure of the kinds of fault), lms.py,
    testing.py (the tests' helpers), and nbgrader_config.py (the configuration as a file, for plain nbgrader
    commands)

autograder.diagnose_function(assignment, function_name, fn, language="en") names what is wrong with a student's
function (a known mistake, a kind of fault and where) as the grader's feedback does (diagnosis.py);
autograder.check_function(assignment, function_name, fn) judges it on the practice cases, as the student
edition's check does (selfcheck.py).
"""
import sys

# jsonschema, which nbformat imports, imports rfc3987_syntax when it is installed (jupyter-events requires it),
# and that module builds a Lark grammar at import: about 1.8 s of CPU in every command that reads a notebook.
# It serves only jsonschema's "iri" and "uri" format checks, which nothing here asks for.
sys.modules.setdefault("rfc3987_syntax", None)


def __getattr__(name: str):
    """`autograder.check_function` and `autograder.diagnose_function`, imported on first use."""
    if name == "check_function":
        # On first use only: selfcheck (nbformat, the translations, the edition builder) costs about 0.4 s of CPU
        # (a fresh `python -c "import autograder.selfcheck"`), which no command that imports autograder needs.
        from .selfcheck import check_function
        return check_function
    if name == "diagnose_function":
        # The diagnosis imports the hidden modules, the references and numpy: about 0.4 s of CPU (measured: a fresh
        # `import autograder` then `import autograder.diagnosis`), which no command that does not diagnose pays.
        from .diagnosis import diagnose_function
        return diagnose_function
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
