"""`python -m autograder check NOTEBOOK` and `autograder.check_function`: the student edition's check, here.

The same code as the check package students install (student/), fed with practice data computed from this
repository (edition.write_practice_data, the very function `make student` ships the data with), so that an
instructor sees what a student sees: the notebook's visible tests, then each graded function on the practice
cases, the known mistake named when one agrees, and where the grade comes from. Unlike `nbgrader validate`, it
exits non-zero when a test fails. It needs no nbgrader and no gradebook.

The data is kept in _build/practice/<fingerprint>/, made again when anything it is made from changes.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from typing import Any, Callable

from .course import LANGUAGES, REPO_ROOT, list_assignments
from .edition import write_practice_data
from .isolation.sandbox import Limits
from .student import notebook
from .student.notebook import CELL_TIMEOUT, NotebookCheck
from .student.practice import FunctionCheck, PracticeData
from .student.practice import check_function as check_on_practice

PRACTICE_CACHE = os.path.join(REPO_ROOT, "_build", "practice")
# What the practice data is made from: the grader (cases, references, mistakes, judge), the grader's catalogues
# (the words), the book's headings (a hint's section title), the releases and the solutions (notebook marks).
SOURCES = (("autograder", ".py"), ("locale", "autograder.po"), ("book", ".md"), ("exercises", ".ipynb"),
           ("solutions", ".ipynb"))


def can_sandbox() -> bool:
    """Whether the grading sandbox can run the check here (student/notebook.py)."""
    return notebook.can_sandbox()


def practice_data() -> PracticeData:
    """Practice data of every assignment, computed from this repository (cached while nothing changes)."""
    folder = os.path.join(PRACTICE_CACHE, _fingerprint())
    if not os.path.isdir(folder):
        os.makedirs(PRACTICE_CACHE, exist_ok=True)
        scratch = tempfile.mkdtemp(prefix="new-", dir=PRACTICE_CACHE)
        try:
            for assignment in list_assignments():
                write_practice_data(assignment, os.path.join(scratch, assignment))
            os.replace(scratch, folder)
        except OSError:
            if not os.path.isdir(folder):  # another process made it first: theirs is the same
                raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        for stale in os.listdir(PRACTICE_CACHE):  # made from sources that are no more
            if stale != os.path.basename(folder) and not stale.startswith("new-"):
                shutil.rmtree(os.path.join(PRACTICE_CACHE, stale), ignore_errors=True)
    return PracticeData(folder)


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for top, suffix in SOURCES:
        for directory, folders, names in sorted(os.walk(os.path.join(REPO_ROOT, top))):
            folders[:] = sorted(f for f in folders if f not in ("__pycache__", ".ipynb_checkpoints"))
            for name in sorted(n for n in names if n.endswith(suffix)):
                path = os.path.join(directory, name)
                digest.update(os.path.relpath(path, REPO_ROOT).encode() + b"\0")
                with open(path, "rb") as handle:
                    digest.update(handle.read())
    digest.update(repr(LANGUAGES).encode())
    return digest.hexdigest()[:16]


def check_notebook(path: str, use_sandbox: bool | None = None, cell_timeout: int = CELL_TIMEOUT,
                   limits: Limits | None = None) -> NotebookCheck:
    """Run a notebook and judge it on the practice cases, as the student edition's check does."""
    return notebook.check_notebook(path, practice_data(), use_sandbox, cell_timeout, limits)


def check_function(assignment: str, function_name: str, fn: Callable[..., Any], language: str = "en") -> FunctionCheck:
    """One function, in this process, on the practice cases: as `from gatebygate import check_function` does."""
    return check_on_practice(assignment, function_name, fn, practice_data(), language)
