"""Grade a whole class's submissions of one assignment through nbgrader.

    python -m autograder grade ASSIGNMENT SUBMISSIONS [--out DIR] [--workers N]

SUBMISSIONS holds one folder per student, named by the student id, with that student's copy of
<assignment>.ipynb (and any files released with it). Results land in DIR (default grading/<assignment>):

    DIR/grades.csv                          one row per student, whatever happened to their notebook
    DIR/feedback/<student>/<assignment>.html nbgrader's feedback page
    DIR/work/                               nbgrader's own course folders, one per student

Every student is autograded in a course folder and sqlite gradebook of their own, seeded from one template
gradebook made by `generate_assignment`. No two workers ever share a database, so students can be graded
in parallel, and a broken submission can only ever spoil its own folder.
"""
import csv
import multiprocessing
import os
import re
import shutil
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass

import nbformat
from tqdm import tqdm

from .assignments import CourseError, last_line, require_assignment
from .nbgrader_config import CELL_TIMEOUT, REPO_ROOT, course_config

STUDENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")
CSV_COLUMNS = ["student_id", "assignment", "score", "max_score", "status", "detail"]


@dataclass
class GradeRow:
    student_id: str
    assignment: str
    score: float
    max_score: float
    status: str  # ok | timeout | kernel died | invalid notebook | missing notebook | error
    detail: str = ""


def grade_class(assignment, submissions, out=None, workers=None, cell_timeout=CELL_TIMEOUT):
    """Autograde every student folder in `submissions`; write grades.csv and feedback; return the rows."""
    require_assignment(assignment)
    if not os.path.isdir(submissions):
        raise CourseError(f"submissions directory {submissions!r} does not exist")
    out = os.path.abspath(out or os.path.join(REPO_ROOT, "grading", assignment))
    students = sorted(name for name in os.listdir(submissions)
                      if os.path.isdir(os.path.join(submissions, name)) and not name.startswith("."))
    if not students:
        raise CourseError(f"submissions directory {submissions!r} has no student folders")

    work = os.path.join(out, "work")
    template_db, max_score = _make_template_gradebook(assignment, os.path.join(work, "_template"), cell_timeout)
    jobs = [(assignment, sid, os.path.abspath(os.path.join(submissions, sid)), work, template_db, max_score,
             cell_timeout) for sid in students]

    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    rows = []
    # spawn: each worker starts clean rather than inheriting the parent's state mid-flight.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(grade_student, *job) for job in jobs]
        for future in tqdm(as_completed(futures), total=len(futures), desc=f"grading {assignment}",
                           unit="student", disable=None):
            rows.append(future.result())
    rows.sort(key=lambda row: row.student_id)

    for row in rows:
        feedback = os.path.join(work, row.student_id, "feedback", row.student_id, assignment, assignment + ".html")
        if os.path.isfile(feedback):
            os.makedirs(os.path.join(out, "feedback", row.student_id), exist_ok=True)
            shutil.copyfile(feedback, os.path.join(out, "feedback", row.student_id, assignment + ".html"))
    _write_csv(os.path.join(out, "grades.csv"), rows)
    return rows


def grade_student(assignment, student_id, student_dir, work, template_db, max_score, cell_timeout):
    """Autograde one student in their own course folder; never raises, always returns a GradeRow."""
    def row(status, score=0.0, detail=""):
        return GradeRow(student_id, assignment, score, max_score, status, detail)

    if not STUDENT_ID_PATTERN.match(student_id):
        return row("error", detail="student folder name is not a valid id (letters, digits, _ . @ -)")
    notebook_path = os.path.join(student_dir, assignment + ".ipynb")
    if not os.path.isfile(notebook_path):
        found = sorted(f for f in os.listdir(student_dir) if f.endswith(".ipynb"))
        detail = f"no {assignment}.ipynb" + (f" (found: {', '.join(found)})" if found else "")
        return row("missing notebook", detail=detail)
    try:
        nbformat.validate(nbformat.read(notebook_path, as_version=4))
    except Exception as error:  # any parse or schema failure means the same thing to the student
        return row("invalid notebook", detail=_one_line(f"{assignment}.ipynb: {type(error).__name__}: {error}"))

    root = os.path.join(work, student_id)
    shutil.rmtree(root, ignore_errors=True)  # regrading starts from a clean folder
    submitted = os.path.join(root, "submitted", student_id, assignment)
    shutil.copytree(student_dir, submitted)
    shutil.copyfile(template_db, os.path.join(root, "gradebook.db"))

    # nbgrader's own SQLAlchemy usage warns on every autograde; nothing an instructor can act on.
    warnings.filterwarnings("ignore", module="nbgrader")
    # The hidden tests import autograder.hidden, so the kernel needs the repo on its path.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO_ROOT, os.environ.get("PYTHONPATH")]))
    api = _api(root, cell_timeout)
    result = api.autograde(assignment, student_id)
    if not result["success"]:
        text = (result.get("error") or "") + (result.get("log") or "")
        if "DeadKernelError" in text or "Kernel died" in text or "kernel died" in text:
            return row("kernel died", detail="the kernel exited mid-notebook (os._exit, a crash, or killed)")
        if "CellTimeoutError" in text or "TimeoutError" in text:
            return row("timeout", detail=f"a cell ran longer than {cell_timeout} s and could not be interrupted")
        return row("error", detail=_one_line(last_line(text)))

    autograded = os.path.join(root, "autograded", student_id, assignment, assignment + ".ipynb")
    status, detail = "ok", ""
    if _has_timeout(autograded):
        status, detail = "timeout", f"a cell ran longer than {cell_timeout} s and was interrupted"
    api.generate_feedback(assignment, student_id)
    score = _score(api, assignment, student_id)
    return row(status, score, detail)


def _api(root_work, cell_timeout):
    from nbgrader.apps import NbGraderAPI

    return NbGraderAPI(config=course_config(work_directory=root_work, cell_timeout=cell_timeout))


def _make_template_gradebook(assignment, template_dir, cell_timeout):
    """Record the assignment (cells, points, checksums) in a fresh gradebook that every student copies."""
    from nbgrader.api import Gradebook

    shutil.rmtree(template_dir, ignore_errors=True)
    os.makedirs(template_dir)
    config = course_config(work_directory=template_dir, release_directory=os.path.join(template_dir, "release"),
                           cell_timeout=cell_timeout)
    from nbgrader.apps import NbGraderAPI

    result = NbGraderAPI(config=config).generate_assignment(assignment, force=True)
    if not result["success"]:
        raise CourseError(f"nbgrader could not record {assignment}: {last_line(result.get('error'))}")
    db = os.path.join(template_dir, "gradebook.db")
    with Gradebook("sqlite:///" + db) as gradebook:
        max_score = gradebook.find_assignment(assignment).max_score
    return db, max_score


def _score(api, assignment, student_id):
    from nbgrader.api import Gradebook

    with Gradebook(api.coursedir.db_url) as gradebook:
        return gradebook.find_submission(assignment, student_id).score


def _has_timeout(notebook_path):
    nb = nbformat.read(notebook_path, as_version=4)
    return any(output.get("ename") == "CellTimeoutError"
               for cell in nb.cells if cell.cell_type == "code" for output in cell.get("outputs", []))


def _write_csv(path, rows):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(asdict(row))
    os.replace(tmp, path)  # a crash mid-write never leaves a half-written grades.csv


def _one_line(text, limit=300):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
