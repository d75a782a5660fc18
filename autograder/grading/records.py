"""What a grading run records about each student: the row, the options it was graded with, and the saved result
that lets a re-run skip a student whose submission and assignment have not changed."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field

from ..course import REPO_ROOT, SOLUTIONS_DIR
from ..i18n import translation
from ..isolation import sandbox
from ..isolation.safe_files import MiB, tree_hash
from ..pipeline.config import CELL_TIMEOUT, NOTEBOOK_TIMEOUT
from .layout import Layout
from .submissions import MAX_NOTEBOOK_BYTES, StudentInfo

MAX_SUBMISSION_BYTES = 128 * MiB  # a notebook and whatever files the student put beside it
CSV_COLUMNS = ["student_id", "assignment", "score", "max_score", "status", "detail", "cases", "display_name",
               "submitted_at", "late"]


@dataclass
class GradeRow:
    student_id: str
    assignment: str
    score: float
    max_score: float
    status: str  # ok | timeout | kernel died | invalid notebook | missing notebook | refused | error
    detail: str = ""
    tests: list = field(default_factory=list)  # [{cell, score, max_score, passed, message, cases, mistakes}]
    cases: str = ""  # passed hidden cases per function, "sigmoid 4/4, tanh 3/4" (report.case_summary)
    display_name: str = ""  # the student's name as the LMS wrote it, beside its id; "" for a folder of ids
    submitted_at: str = ""  # the graded notebook's time stamp, ISO 8601 as the LMS (or the file) recorded it
    late: bool | None = None  # the LMS's own late marker (Canvas's LATE); None where the LMS writes none

    def csv_row(self) -> dict:
        """The row as grades.csv writes it: `late` is yes, no, or empty where the LMS says nothing."""
        return {**asdict(self), "late": {True: "yes", False: "no"}.get(self.late, "")}


@dataclass
class GradingOptions:
    cell_timeout: int = CELL_TIMEOUT
    notebook_timeout: int = NOTEBOOK_TIMEOUT
    max_notebook_bytes: int = MAX_NOTEBOOK_BYTES
    max_submission_bytes: int = MAX_SUBMISSION_BYTES
    use_sandbox: bool = True
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    regrade: bool = False


@dataclass
class GradingJob:
    """One student to grade: the arguments of student.grade_student but the template and the zygote."""
    assignment: str
    student_id: str
    student_dir: str    # their submitted folder
    work: str           # the run's work folder (Layout.work)
    options: GradingOptions
    note: str = ""      # what happened to the submission before grading (an LMS zip's set-aside attempts)
    refused: str | None = None  # why the submission cannot be graded at all, if it cannot
    fingerprint: dict | None = None  # what the saved result must match to be reused (result_fingerprint())
    info: StudentInfo | None = None  # what the LMS says of the submission (display name, time, late)


def assignment_fingerprint(assignment: str, options: GradingOptions) -> str:
    """What a template, and every result graded with it, depends on: the source, the grader, the options.

    Every module of the grader counts (checks, references, verdicts, the shim): a change to any of them may
    change a verdict. Hashing them all takes a few milliseconds.
    """
    package = os.path.join(REPO_ROOT, "autograder")
    code = sorted(os.path.join(d, f) for d, _, names in os.walk(package) for f in names if f.endswith(".py"))
    # The catalogues a feedback's text comes from count too: a corrected translation is a changed feedback.
    catalogues = [path for language in translation.LANGUAGES
                  for path in (translation.grader_catalogue_path(language),
                               translation.catalogue_path(assignment, language)) if os.path.isfile(path)]
    inputs = [os.path.join(SOLUTIONS_DIR, assignment, assignment + ".ipynb"), *code, *catalogues]
    return (_files_hash(inputs) + f"-timeout{options.cell_timeout}-notebook{options.notebook_timeout}"
            f"-sandbox{int(options.use_sandbox)}")


def result_fingerprint(student_dir: str, note: str, refused: str | None, assignment_fingerprint: str,
                       info: StudentInfo) -> dict:
    """What a student's saved result depends on: their submission, what happened to it, what the LMS says of
    it, and the assignment."""
    return {"submission": refused or _folder_hash(student_dir), "note": note, "assignment": assignment_fingerprint,
            "lms": asdict(info)}


def saved_row(layout: Layout, student_id: str, fingerprint: dict) -> GradeRow | None:
    """The saved result of this very submission and assignment, if there is one worth keeping."""
    path = layout.result(student_id)
    try:
        with open(path, encoding="utf-8") as handle:
            saved = json.load(handle)
        # A grader-side error is worth another try; anything about the submission itself is final.
        if saved.get("fingerprint") == fingerprint and saved["row"]["status"] != "error":
            return GradeRow(**saved["row"])
    except (OSError, ValueError, KeyError, TypeError):  # none, or unreadable: grade again
        pass
    return None


def _folder_hash(folder):
    return "a symbolic link" if os.path.islink(folder) else tree_hash(folder)


def _files_hash(paths):
    digest = hashlib.sha256()
    for path in paths:
        digest.update(os.path.relpath(path, "/").encode())
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:16]


def one_line(text: object, limit: int = 300) -> str:
    """`text` on one line, cut to `limit` characters: for a row's detail."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
