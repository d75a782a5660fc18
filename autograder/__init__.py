"""Gate by Gate autograder: reference implementations, hidden checks and the instructor CLI.

Layout:
    reference/   one reference implementation of every graded function (numpy), tested against torch.nn
    checking.py  the comparison machinery hidden tests use (seeded cases, tolerances, clear messages)
    hidden/      one module per assignment: its hidden cases, called from the solution notebooks' test cells
    nbgrader_config.py  the course's nbgrader configuration
    grading.py   batch grading of a class through nbgrader; cli.py / __main__.py: `python -m autograder`
    translation.py  the student notebooks and feedback in Korean, from the catalogues in locale/
"""
import sys

# jsonschema, which nbformat imports, imports rfc3987_syntax when it is installed (jupyter-events requires it),
# and that module builds a Lark grammar at import: about 1.8 s of CPU in every command that reads a notebook.
# It serves only jsonschema's "iri" and "uri" format checks, which nothing here asks for.
sys.modules.setdefault("rfc3987_syntax", None)
