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
    cli.py (`python -m autograder`), release.py, selfcheck.py, lms.py, testing.py (the tests' helpers),
    diagnosis.py (`diagnose_function`, and the leave-one-out measure of the kinds of fault), and
    nbgrader_config.py (the configuration as a file, for plain nbgrader commands)

autograder.diagnose_function(assignment, function_name, fn, language="en") names what is wrong with a student's
function (a known mistake, a kind of fault and where) as the grader's feedback and `check` do (diagnosis.py).
"""
import sys

# jsonschema, which nbformat imports, imports rfc3987_syntax when it is installed (jupyter-events requires it),
# and that module builds a Lark grammar at import: about 1.8 s of CPU in every command that reads a notebook.
# It serves only jsonschema's "iri" and "uri" format checks, which nothing here asks for.
sys.modules.setdefault("rfc3987_syntax", None)


def __getattr__(name: str):
    """autograder.diagnose_function, imported on first use."""
    if name == "diagnose_function":
        # The diagnosis imports the hidden modules, the references and numpy: about 0.4 s of CPU (measured: a fresh
        # `import autograder` then `import autograder.diagnosis`), which no command that does not diagnose pays.
        from .diagnosis import diagnose_function
        return diagnose_function
    raise AttributeError(f"module 'autograder' has no attribute {name!r}")
