"""`python -m autograder student`: the student edition, everything a student gets, in one folder (_build/student).

    _build/student/
      README.md, README.ko.md    set up, open a notebook, check it, hand it in (English, Korean)
      exercises/<a>/<a>.ipynb    every released notebook, English and Korean (exercises/ as it is)
      check/                     the check package `gatebygate`: `pip install ./check`, then from any folder
                                 `python -m gatebygate check a01_rnn_forward.ipynb`
      site/                      the website, both editions, as make book builds it, its buttons pointing at
                                 the student edition (make student builds it: book/_ext/editions.py student)
      book/                      the chapters' sources, which the site's Binder and Colab buttons open
      requirements.txt           what those launches install: the check package and the chapters' libraries

The check package is cut from the grader along its layers, each copied whole: course.py, judge/, isolation/,
the kernel client (pipeline/kernel_client.py) and the student front (student/), plus per assignment the practice
data the front reads (student/practice.py): the practice cases pickled as the grader pickles hidden cases, the
Expected table of the practice cases as data, the verdict's words in both languages, and how to recognise the
released notebook. Nothing of solutions/, reference/ or the known mistakes' code goes in, and no graded case:
tests/test_student_edition.py searches the edition for all of them.
"""
from __future__ import annotations

import dataclasses
import gzip
import json
import os
import re
import shutil

import nbformat

from . import hidden
from .course import EXERCISES_DIR, LANGUAGES, REPO_ROOT, SOLUTIONS_DIR, list_assignments
from .i18n.hints import grade_note, hint, practice_wording
from .i18n.labels import report_words
from .i18n.translation import localized_name
from .isolation.sandbox import kernel_shim
from .judge.checking import detail_templates
from .judge.evidence import dump_expected
from .judge.faults import place_templates
from .judge.mistakes import Mistake
from .judge.verdicts import Wording
from .judge.wire import HIDDEN_CALL
from .student.notebook import notebook_marks
from .student.practice import CASES, EXPECTED, RELEASE, WORDS, hint_key

EDITION_DIR = os.path.join(REPO_ROOT, "_build", "student")
PACKAGE = "gatebygate"
GRADER_DIR = os.path.join(REPO_ROOT, "autograder")
# The grader's layers the check package is made of, each copied whole (tests/test_layers.py keeps student/
# importing only these), and the package's own two files.
LAYERS = ("course.py", "judge", "isolation", os.path.join("pipeline", "kernel_client.py"), "student")
PACKAGE_INIT = '''"""gatebygate: check a Gate by Gate notebook before you hand it in (the course's student edition).

    python -m gatebygate check a01_rnn_forward.ipynb
    >>> from gatebygate import check_function
    >>> check_function("a01_rnn_forward", "sigmoid", sigmoid)

Built from the course's grader (autograder/edition.py): its judge, its sandbox, the kernel client and the
student front, with practice cases as data. The graded cases are not in it.
"""
import sys

# As in the grader's own package: jsonschema, which nbformat imports, builds a grammar at import that nothing
# here uses (about 1.8 s of CPU).
sys.modules.setdefault("rfc3987_syntax", None)

from .student.practice import FunctionCheck, check_function  # noqa: E402

__all__ = ["check_function", "FunctionCheck"]
'''
PACKAGE_MAIN = '''import sys

from .student.cli import main

sys.exit(main())
'''
PIPELINE_INIT = '''"""The kernel client the check talks to a kernel with (copied from the grader's pipeline/)."""\n'''
# Of the course's pinned requirements, what the check needs: numpy and torch (the notebooks and the cases),
# ipykernel, nbclient, nbformat and jupyter_client (a notebook run), cloudpickle (the cases file).
CHECK_REQUIREMENTS = ("numpy", "torch", "ipykernel", "nbclient", "nbformat", "jupyter_client", "cloudpickle")
# What the chapters' Binder and Colab launches need besides the check package.
CHAPTER_REQUIREMENTS = ("matplotlib", "jupytext", "music21")
BOOK_LEFT_OUT = ("_ext", "scripts")  # the site's build extensions and the long runs: not for students


def pinned(names: tuple[str, ...]) -> list[str]:
    """The lines of requirements.txt that pin `names`, in its order (the course's one list of versions)."""
    with open(os.path.join(REPO_ROOT, "requirements.txt"), encoding="utf-8") as handle:
        lines = [line.strip() for line in handle if line.strip() and not line.startswith("#")]
    found = [line for line in lines if re.split(r"[=<>~!\[ ]", line, maxsplit=1)[0].lower().replace("_", "-")
             in {name.replace("_", "-") for name in names}]
    if len(found) != len(names):
        raise ValueError(f"requirements.txt pins {found}, not all of {names}")
    return found


# ------------------------------------------------------------------------------------------- practice data
def write_practice_data(assignment: str, folder: str) -> None:
    """The practice data of one assignment (student/practice.py lists the files) into `folder`."""
    os.makedirs(folder, exist_ok=True)
    hidden.write_cases_file(assignment, os.path.join(folder, CASES), practice_cases=True)
    table = hidden.practice_expected(assignment)
    with open(os.path.join(folder, EXPECTED), "wb") as raw, \
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:  # mtime 0: the same data, the same bytes
        handle.write(json.dumps(dump_expected(table, kernel_shim().encode)).encode("utf-8"))
    _write_json(os.path.join(folder, WORDS), practice_words(table))
    _write_json(os.path.join(folder, RELEASE), release_info(assignment))


def practice_words(table: dict) -> dict:
    """{language: {"sentences": the Wording's sentences, "grade_note": ..., "hints": {hint_key: hint},
    "case_words": {field: {English: text}}}}: every sentence the check shows, in each language, as the
    grader's catalogue words it (the check package reads no catalogue). A Wording field that is a function, but
    `hint`, words one kind of English text, and is applied here to every text of its kind: a case's name
    (Wording.case_name), a template of the judge or of the probes (Wording.text)."""
    mistakes = {hint_key(m): m for expected in table.values() for value in expected
                for m in _mistakes_in(value)}
    domains = {"case_name": sorted({case.name for expected in table.values() for case in expected.cases}),
               "text": [*detail_templates(), *place_templates(),
                        *sorted({t for expected in table.values() for t in expected.probe_messages})]}
    words = {}
    for language in ("en", *LANGUAGES):
        wording = practice_wording(language)
        values = {f.name: getattr(wording, f.name) for f in dataclasses.fields(Wording) if f.name != "hint"}
        words[language] = {
            "sentences": {field: value for field, value in values.items() if isinstance(value, str)},
            "case_words": {field: {text: value(text) for text in domains[field]}
                           for field, value in values.items() if callable(value)},
            "grade_note": grade_note(language),
            "report": report_words(language),  # the report's own lines: the counts, how the notebook runs
            "hints": {key: hint(mistake, language) for key, mistake in sorted(mistakes.items())}}
    return words


def _mistakes_in(value):
    if isinstance(value, Mistake):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _mistakes_in(item)


def release_info(assignment: str) -> dict:
    """How the check recognises the assignment's notebook (the marks of its released cells, both languages), its
    graded functions in order, and which of them each test cell checks (read from the solution's hidden-test
    blocks: names only)."""
    marks = set()
    for language in ("en", *LANGUAGES):
        path = os.path.join(EXERCISES_DIR, assignment, localized_name(assignment, language))
        if os.path.isfile(path):
            marks |= notebook_marks(nbformat.read(path, as_version=4))
    solution = nbformat.read(os.path.join(SOLUTIONS_DIR, assignment, assignment + ".ipynb"), as_version=4)
    cells = {cell.metadata["nbgrader"]["grade_id"]: HIDDEN_CALL.findall(cell.source) for cell in solution.cells
             if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")}
    return {"assignment": assignment, "marks": sorted(marks), "cells": cells,
            "functions": list(hidden.load(assignment).CHECKS)}


def _write_json(path, data):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1, sort_keys=True)
        handle.write("\n")


# ------------------------------------------------------------------------------------------- the package
def build_check_package(destination: str, assignments: list[str] | None = None) -> str:
    """The check package, pip-installable, in `destination` (pyproject.toml, gatebygate/); returns its folder."""
    package = os.path.join(destination, PACKAGE)
    shutil.rmtree(destination, ignore_errors=True)
    os.makedirs(package)
    for layer in LAYERS:
        source, target = os.path.join(GRADER_DIR, layer), os.path.join(package, layer)
        if os.path.isdir(source):
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(source, target)
    for name, text in (("__init__.py", PACKAGE_INIT), ("__main__.py", PACKAGE_MAIN),
                       (os.path.join("pipeline", "__init__.py"), PIPELINE_INIT)):
        with open(os.path.join(package, name), "w", encoding="utf-8") as handle:
            handle.write(text)
    for assignment in assignments or list_assignments():
        write_practice_data(assignment, os.path.join(package, "data", assignment))
    requirements = "".join(f'    "{line}",\n' for line in pinned(CHECK_REQUIREMENTS))
    with open(os.path.join(destination, "pyproject.toml"), "w", encoding="utf-8") as handle:
        handle.write(f'''# The check package of the Gate by Gate student edition: pip install ./check
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "{PACKAGE}"
version = "1.0"
description = "Check a Gate by Gate notebook before you hand it in, on practice cases"
requires-python = ">=3.10"
dependencies = [
{requirements}]

[tool.setuptools.packages.find]
include = ["{PACKAGE}*"]

[tool.setuptools.package-data]
{PACKAGE} = ["data/*/*"]
''')
    return destination


# ------------------------------------------------------------------------------------------- the edition
def build_edition(destination: str = EDITION_DIR, site: str | None = None,
                  assignments: list[str] | None = None) -> str:
    """The student edition in `destination` (replaced): see the module's docstring.

    site: the student site as book/_ext/editions.py student built it (_build/student-site/html), copied to
    site/; None builds an edition without it (the leak test's quick build)."""
    shutil.rmtree(destination, ignore_errors=True)
    os.makedirs(destination)
    shutil.copytree(EXERCISES_DIR, os.path.join(destination, "exercises"),
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    if assignments:
        for name in os.listdir(os.path.join(destination, "exercises")):
            if name not in assignments:
                shutil.rmtree(os.path.join(destination, "exercises", name))
    build_check_package(os.path.join(destination, "check"), assignments)
    shutil.copytree(os.path.join(REPO_ROOT, "book"), os.path.join(destination, "book"),
                    ignore=shutil.ignore_patterns(*BOOK_LEFT_OUT, "__pycache__", "*.pyc", ".ipynb_checkpoints"))
    with open(os.path.join(destination, "requirements.txt"), "w", encoding="utf-8") as handle:
        handle.write("# Binder and Colab launches of the chapters and exercises: the check package and the "
                     "chapters' libraries\n./check\n" + "".join(f"{line}\n" for line in pinned(CHAPTER_REQUIREMENTS)))
    for name in ("README.md", "README.ko.md"):
        shutil.copyfile(os.path.join(GRADER_DIR, "student", name), os.path.join(destination, name))
    if site is not None:
        if not os.path.isfile(os.path.join(site, "index.html")):
            raise FileNotFoundError(f"{site}: no built site (make student builds it)")
        shutil.copytree(site, os.path.join(destination, "site"), ignore=shutil.ignore_patterns(".buildinfo"))
    return destination
