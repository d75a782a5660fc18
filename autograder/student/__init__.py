"""The student edition's check, on practice cases: the front of the check package `gatebygate` (autograder/edition.py
assembles it from this package, judge/, isolation/, the kernel client and course.py) and of the instructors'
`python -m autograder check`, which feeds it practice data computed from this repository (selfcheck.py).

    practice.py   the practice data (one folder per assignment) and check_function, the in-process check
    notebook.py   a notebook run and judged: visible tests, then each graded function on the practice cases
    cli.py        `python -m gatebygate check NOTEBOOK` and the report both commands print

It imports only course, judge, isolation and the kernel client (tests/test_layers.py): the check package holds
nothing else of the grader.
"""
