"""The one owner of a grading run's output folder: every path in it, and the one way a file there is written.

    OUT/grades.csv                             one row per student, whatever happened to their notebook
    OUT/results/<student>.json                 that row and its fingerprint, plus which test cells passed and why not
    OUT/feedback/<student>/<assignment>.html   nbgrader's feedback page, without hidden-test source
    OUT/static/mathjax/                        MathJax, which every feedback page loads: one copy for the run
    OUT/report.json, report.html, cases.csv    the class report (report.py)
    OUT/template/                              the assignment as nbgrader recorded it, copied for every student
    OUT/work/<key>/                            that student's nbgrader course folder and gradebook

A student id is data, never a name of the grader's own: the template is not under work/, and each student's
course folder is named by a key made from the id (student_work_folder), because nbgrader reads that folder's
path as a regular expression and its kernel's socket path must stay short; `Kim (Minjun)`, `a+b@uni.example`
or `_template` are ids like any other. Inside a student's own course folder and gradebook, nbgrader knows them
by NBGRADER_STUDENT. Their real id, any Unicode an LMS writes, then names only our folders and rows, never an
nbgrader glob pattern or query.
"""
from __future__ import annotations

import hashlib
import os

from ..course import REPO_ROOT

NBGRADER_STUDENT = "student"


def default_out(assignment: str) -> str:
    """The output folder of an assignment's grading when none is given: grading/<assignment> in the repository."""
    return os.path.join(REPO_ROOT, "grading", assignment)


class Layout:
    """The paths of one output folder, `out` (made absolute)."""

    def __init__(self, out: str):
        self.out = os.path.abspath(out)

    @property
    def grades_csv(self) -> str:
        return os.path.join(self.out, "grades.csv")

    @property
    def report_json(self) -> str:
        return os.path.join(self.out, "report.json")

    @property
    def report_html(self) -> str:
        return os.path.join(self.out, "report.html")

    @property
    def cases_csv(self) -> str:
        return os.path.join(self.out, "cases.csv")

    @property
    def results(self) -> str:
        """The folder of the students' saved results."""
        return os.path.join(self.out, "results")

    def result(self, student_id: str) -> str:
        return os.path.join(self.results, f"{student_id}.json")

    def feedback(self, student_id: str, assignment: str) -> str:
        return os.path.join(self.out, "feedback", student_id, assignment + ".html")

    @property
    def mathjax(self) -> str:
        """MathJax's folder, which the feedback pages load by a relative address (outside feedback/, where every
        name is a student's)."""
        return os.path.join(self.out, "static", "mathjax")

    @property
    def work(self) -> str:
        """The folder of the students' nbgrader course folders (the template's is beside it, in template/)."""
        return os.path.join(self.out, "work")

    @property
    def template(self) -> str:
        return template_folder(self.out)

    def course(self, student_id: str) -> str:
        """A student's own nbgrader course folder (their gradebook, submitted/ and autograded/ copies)."""
        return student_work_folder(self.out, student_id)

    def kernel_log(self, student_id: str) -> str:
        """What the student's kernel printed outside cells: kept only to explain a death."""
        return os.path.join(self.course(student_id), "kernel.log")

    def submitted_notebook(self, student_id: str, assignment: str) -> str:
        return os.path.join(submitted_folder(self.course(student_id), assignment), assignment + ".ipynb")


def template_folder(out: str) -> str:
    """The template's folder: beside work/, never inside it, so that no student id can name it."""
    return os.path.join(out, "template")


def student_work_folder(out: str, student_id: str) -> str:
    """A student's nbgrader course folder: work/<key>, the key a hash of the id, never the id itself.

    nbgrader matches this folder's path as a regular expression, and the kernel's socket path lies inside it:
    a unix socket's path has at most 107 bytes, which pytest's own temporary folders already come near. So the
    key is 12 hex digits, whatever the id (the id's letters beside it made the path long enough to stop the
    kernel in the tests' folders). Two ids share a key with probability 2^-48 per pair.
    """
    return os.path.join(out, "work", hashlib.sha256(student_id.encode("utf-8", "surrogateescape")).hexdigest()[:12])


def submitted_folder(course: str, assignment: str) -> str:
    """Where nbgrader expects the submission, in a student's course folder `course`."""
    return os.path.join(course, "submitted", NBGRADER_STUDENT, assignment)


def autograded_notebook(course: str, assignment: str) -> str:
    """Where nbgrader leaves a student's executed notebook, in their course folder `course`."""
    return os.path.join(course, "autograded", NBGRADER_STUDENT, assignment, assignment + ".ipynb")


def write_atomically(path: str, text: str) -> str:
    """Write `text` to `path` by way of a temporary file beside it: a crash mid-write never leaves half a file.
    Returns the path."""
    with open(path + ".tmp", "w", newline="", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(path + ".tmp", path)
    return path
