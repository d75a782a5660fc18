"""Grade a whole class's submissions of one assignment through nbgrader.

    python -m autograder grade ASSIGNMENT SUBMISSIONS [--out DIR] [--workers N] ...

SUBMISSIONS is a folder with one sub-folder per student, named by the student id, holding that student's
<assignment>.ipynb (and any files released with it), or an LMS .zip (see submissions.py). Results, in DIR
(default grading/<assignment>):

    DIR/grades.csv                            one row per student, whatever happened to their notebook
    DIR/results/<student>.json                that row, plus which test cells passed and why not
    DIR/feedback/<student>/<assignment>.html  nbgrader's feedback page, without hidden-test source
    DIR/work/<key>/                           that student's nbgrader course folders and gradebook
    DIR/template/                             the assignment as nbgrader recorded it, copied for every student

A student id is data, never a name of the grader's own: the template is not under work/, and each student's
course folder is named by a key made from the id (student_work_folder), because nbgrader reads that folder's
path as a regular expression and its kernel's socket path must stay short; `Kim (Minjun)`, `a+b@uni.example`
or `_template` are ids like any other.

Design:
  * Every student is autograded in a course folder and sqlite gradebook of their own, copied from one
    template gradebook made by `generate_assignment`. No two workers ever share a database, so students
    are graded in parallel, and a broken submission can only spoil its own folder.
  * Workers are long-lived processes forked from a parent that has already loaded nbgrader, the feedback
    exporter (feedback.py) and the reference's expected outputs, so no student pays for imports; the template
    gradebook is reused between runs while its inputs are unchanged.
  * Student code runs in the sandbox kernel (sandbox.py), forked from a zygote that has already imported
    ipykernel and the assignment's heavy libraries (zygote.py); hidden tests are judged outside it (verdicts.py).
  * A student whose result is on disk for the same submission and the same assignment is not regraded, so
    re-running is idempotent and resumes an interrupted batch.
"""
import contextlib
import csv
import filecmp
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import datetime

import nbformat
from tqdm import tqdm

from . import sandbox, translation, zygote
from .assignments import SOLUTIONS_DIR, CourseError, last_line, require_assignment
from .nbgrader_config import CELL_TIMEOUT, NOTEBOOK_TIMEOUT, REPO_ROOT, course_config
from .repair import repair
from .safe_files import MiB, Refused, copy_tree, read_regular, tree_hash, unsafe_name
from .submissions import MAX_NOTEBOOK_BYTES, StudentInfo, Unpacked, answers_changed

# Inside a student's own course folder and gradebook, nbgrader knows them by this id. Their real id, any
# Unicode an LMS writes, then names only our folders and rows, never an nbgrader glob pattern or query.
NBGRADER_STUDENT = "student"
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


def grade_class(assignment, submissions, out=None, workers=None, options=None, unpacked=None):
    """Autograde every student folder in `submissions`; write the outputs listed above; return the rows.

    unpacked: the submissions.Unpacked of an LMS zip unpacked into `submissions`, whose notes and refusals
    reach the students' rows.
    """
    options = options or GradingOptions()
    require_assignment(assignment)
    if options.use_sandbox and sandbox.missing_tools():
        raise CourseError(f"the grading sandbox needs {', '.join(sandbox.missing_tools())}: {sandbox.INSTALL_HINT}"
                          f", or pass --no-sandbox to grade without isolation")
    if not os.path.isdir(submissions):
        raise CourseError(f"submissions directory {submissions!r} does not exist")
    out = os.path.abspath(out or os.path.join(REPO_ROOT, "grading", assignment))
    # A link among the folders is a student too: one whose submission is refused, with a row saying so.
    students = sorted(name for name in os.listdir(submissions) if not name.startswith(".")
                      and (os.path.isdir(os.path.join(submissions, name))
                           or os.path.islink(os.path.join(submissions, name))))
    unpacked = unpacked or Unpacked()
    students = sorted(set(students) | set(unpacked.refused))
    if not students:
        raise CourseError(f"submissions directory {submissions!r} has no student folders")

    work = os.path.join(out, "work")
    template_dir = template_folder(out)
    assignment_fingerprint = _assignment_fingerprint(assignment, options)
    jobs = []
    rows = []
    for sid in students:
        note, refused = unpacked.notes.get(sid, ""), unpacked.refused.get(sid)
        info = unpacked.students.get(sid, StudentInfo())
        student_dir = os.path.abspath(os.path.join(submissions, sid))
        fingerprint = _fingerprint(student_dir, note, refused, assignment_fingerprint, info)
        saved = None if options.regrade else _saved_row(out, sid, fingerprint)
        if saved:
            rows.append(saved)
        else:
            jobs.append(dict(assignment=assignment, student_id=sid, student_dir=student_dir, work=work,
                             options=options, note=note, refused=refused, fingerprint=fingerprint, info=info))
    if jobs:  # nothing to grade costs no kernel, no nbgrader and no template
        rows.extend(_grade_jobs(assignment, jobs, template_dir, options, workers))
    rows.sort(key=lambda row: row.student_id)
    from .report import case_summary, write_class_report

    for row in rows:
        row.cases = case_summary(row.tests)
    changed = _write_csv(os.path.join(out, "grades.csv"), rows)
    if changed or not os.path.isfile(os.path.join(out, "report.html")):  # plots cost more than the rest
        write_class_report(out, assignment, rows)  # report.html, report.json, cases.csv
    return rows


def _grade_jobs(assignment, jobs, template_dir, options, workers):
    """Grade the students of `jobs` in parallel worker processes; return their rows."""
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    rows = []
    # The zygote imports ipykernel (and torch) in its own process while this one records the template.
    with _kernel_zygote(assignment, options) as kernels:
        template = make_template(assignment, template_dir, options)
        _prewarm(assignment, template)
        zygote_socket = kernels and kernels.socket
        if kernels:
            kernels.wait()
        # fork: workers start with nbgrader, the feedback exporter and the expected outputs already loaded. The
        # parent holds no kernel, thread or open database at this point, so nothing unsafe is copied.
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(grade_student, template=template, zygote_socket=zygote_socket, **job)
                       for job in jobs]
            for future in tqdm(as_completed(futures), total=len(futures), desc=f"grading {assignment}",
                               unit="student", disable=None):
                rows.append(future.result())
    return rows


def grade_student(assignment, student_id, student_dir, work, template, options, zygote_socket=None, note="",
                  refused=None, fingerprint=None, info=None):
    """Autograde one student in their own course folder; never raises, always returns a GradeRow.

    zygote_socket: the running kernel zygote, when options.use_sandbox (see _kernel_zygote).
    note: what happened to the submission before grading (an LMS zip's set-aside attempts), for the detail.
    refused: why the submission cannot be graded at all, if it cannot (a zip entry over its cap, say).
    fingerprint: what the saved result must match to be reused (see _fingerprint).
    info: what the LMS says of the submission (display name, time, late), for the row.
    """
    out = os.path.dirname(work)
    info = info or StudentInfo()
    if unsafe_name(student_id):
        return GradeRow(student_id, assignment, 0.0, template["max_score"], "refused", unsafe_name(student_id))
    result_path = os.path.join(out, "results", f"{student_id}.json")
    fingerprint = fingerprint or _fingerprint(student_dir, note, refused, template["fingerprint"], info)
    saved = None if options.regrade else _saved_row(out, student_id, fingerprint)
    if saved:
        return saved
    feedback_path = os.path.join(out, "feedback", student_id, assignment + ".html")
    if os.path.isfile(feedback_path):
        os.remove(feedback_path)  # a page from an earlier submission must not outlive its grade
    try:
        row = _grade(assignment, student_id, student_dir, student_work_folder(out, student_id), feedback_path,
                     template, options, zygote_socket, note, refused)
    except Exception as error:  # a grader bug must cost one row, not the batch
        row = GradeRow(student_id, assignment, 0.0, template["max_score"], "error",
                       _one_line(f"{type(error).__name__}: {error}"))
    row.display_name, row.late = info.display_name, info.late
    row.submitted_at = info.submitted_at or row.submitted_at
    kernel_log = os.path.join(student_work_folder(out, student_id), "kernel.log")
    if row.status not in ("kernel died", "error") and os.path.isfile(kernel_log):
        os.remove(kernel_log)  # what the kernel printed outside cells: kept only to explain a death
    os.makedirs(os.path.dirname(result_path), exist_ok=True)
    _write_atomically(result_path, json.dumps({"fingerprint": fingerprint, "row": asdict(row)}, indent=1))
    return row


def _grade(assignment, student_id, student_dir, root, feedback_path, template, options, zygote_socket, note="",
           refused=None):
    notes = [note] if note else []
    submitted_at = ""  # set once the notebook graded is chosen; row() reads it when called

    def row(status, score=0.0, detail="", tests=()):
        detail = "; ".join(filter(None, [detail, *notes]))
        return GradeRow(student_id, assignment, score, template["max_score"], status, _one_line(detail), list(tests),
                        submitted_at=submitted_at)

    if refused:
        return row("refused", detail=refused)
    if os.path.islink(student_dir):
        return row("refused", detail="the student's folder is a symbolic link; links are not followed")
    notebook_name = assignment + ".ipynb"
    handed_in = [name for name in translation.student_notebook_names(assignment)
                 if os.path.lexists(os.path.join(student_dir, name))]
    if not handed_in:
        found = sorted(f for f in os.listdir(student_dir) if f.endswith(".ipynb"))
        detail = f"no {notebook_name}" + (f" (found: {', '.join(found)})" if found else "")
        return row("missing notebook", detail=detail)
    # A student who handed in both languages' notebooks is graded on the one saved last, unless that one is the
    # release with no answer written: the student's work is never traded for an untouched copy.
    paths = {name: os.path.join(student_dir, name) for name in handed_in}
    if len(handed_in) > 1:
        saved = {name: os.lstat(path).st_mtime_ns for name, path in paths.items()}
        answered = {name: answers_changed(path, assignment, options.max_notebook_bytes) for name, path in paths.items()}
        handed_in.sort(key=lambda name: (answered[name], saved[name]), reverse=True)
        later = [name for name in handed_in[1:] if saved[name] > saved[handed_in[0]]]  # untouched releases
        notes.append(f"graded {handed_in[0]}, the later saved" + (" with an answer written" if later else "")
                     + "; set aside " + ", ".join(f"{name} (the release, no answer changed)" if name in later
                                                  else name for name in handed_in[1:]))
    submitted_at = datetime.fromtimestamp(os.lstat(paths[handed_in[0]]).st_mtime).isoformat(timespec="seconds")
    try:
        data = read_regular(os.path.join(student_dir, handed_in[0]), options.max_notebook_bytes, handed_in[0])
    except Refused as refusal:
        return row("refused", detail=f"{refusal} (--max-notebook-mb)" if refusal.too_large else str(refusal))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat warns while it fixes duplicate cell ids
            notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
            nbformat.validate(notebook)
    except Exception as error:  # any decoding, parse or schema failure means the same thing to the student
        return row("invalid notebook", detail=f"{handed_in[0]}: {type(error).__name__}: {error}")

    shutil.rmtree(root, ignore_errors=True)  # regrading starts from a clean folder
    submitted = os.path.join(root, "submitted", NBGRADER_STUDENT, assignment)
    left_out = copy_tree(student_dir, submitted, options.max_notebook_bytes, options.max_submission_bytes)
    if left_out:
        notes.append(f"left out of grading: {', '.join(left_out)}")
    for name in handed_in:  # nbgrader grades <assignment>.ipynb, written below; a second notebook would confuse it
        if os.path.lexists(os.path.join(submitted, name)):
            os.remove(os.path.join(submitted, name))
    language = translation.notebook_language(notebook)
    release = nbformat.read(template["release"], as_version=4)
    notebook, repairs = repair(notebook, release)
    notes[:0] = repairs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nbformat.write(notebook, os.path.join(submitted, notebook_name))
    shutil.copyfile(template["gradebook"], os.path.join(root, "gradebook.db"))
    api = _api(root, template, options, zygote_socket)
    result = api.autograde(assignment, NBGRADER_STUDENT)
    if not result["success"]:
        text = (result.get("error") or "") + (result.get("log") or "")
        if zygote_socket and not zygote.is_alive(zygote_socket):  # not the student's fault: worth a retry
            return row("error", detail="the grader's kernel zygote has stopped; grade again to retry this student")
        if "DeadKernelError" in text or "Kernel died" in text or "kernel died" in text:
            return row("kernel died", detail="the kernel exited mid-notebook (os._exit, a crash, a limit, or killed)")
        if "CellTimeoutError" in text or "TimeoutError" in text:
            return row("timeout", detail=f"a cell ran longer than {options.cell_timeout} s and could not be stopped")
        return row("error", detail=last_line(text))

    autograded = nbformat.read(autograded_notebook(root, assignment), as_version=4)
    status, limit = _time_limit_reached(autograded, options)
    if limit:
        notes.insert(0, limit)
    from . import feedback

    if language != "en":  # nbgrader restored the release's English instructions: the feedback shows the student's
        autograded = translation.localize_release_cells(autograded, release, assignment, language)
    feedback.write_feedback(autograded, feedback_path, assignment, NBGRADER_STUDENT, api.coursedir.db_url)
    score, tests = _scores(api, assignment, NBGRADER_STUDENT, autograded)
    return row(status, score, tests=tests)


def autograded_notebook(root, assignment):
    """Where nbgrader leaves a student's executed notebook, in the course folder `root` of their own."""
    return os.path.join(root, "autograded", NBGRADER_STUDENT, assignment, assignment + ".ipynb")


def _time_limit_reached(autograded, options):
    """("timeout", what the student reads) when a cell or the whole notebook ran out of time, else ("ok", "")."""
    from .preprocessors import NOT_RUN

    errors = [o for cell in autograded.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    not_run = sum(o.get("ename") == NOT_RUN for o in errors)
    timed_out = [o for o in errors if o.get("ename") == "CellTimeoutError"]
    if not_run or any("wall-clock" in str(o.get("evalue")) for o in timed_out):
        return "timeout", (f"the notebook reached its {options.notebook_timeout} s wall-clock limit "
                           f"(--notebook-timeout); {not_run} cells after it were not run and count as failed")
    if timed_out:
        return "timeout", f"a cell ran longer than {options.cell_timeout} s and was interrupted (--timeout)"
    return "ok", ""


def _api(root, template, options, zygote_socket):
    from nbgrader.apps import NbGraderAPI

    # nbgrader's own SQLAlchemy usage warns on every autograde; nothing an instructor can act on.
    warnings.filterwarnings("ignore", module="nbgrader")
    config = course_config(work_directory=root, cell_timeout=options.cell_timeout,
                           notebook_timeout=options.notebook_timeout)
    kernel_env = {"AUTOGRADER_CASES": template["cases"]}
    if options.use_sandbox:
        jupyter_dir = os.path.join(root, "jupyter")
        sandbox.write_kernelspec(os.path.join(jupyter_dir, "kernels"), zygote_socket,
                                 readonly_paths=[template["cases"]], limits=options.limits, env=kernel_env,
                                 uid=sandbox.UID_BASE + os.getpid())
        os.environ["JUPYTER_PATH"] = jupyter_dir
        config.Execute.kernel_name = sandbox.KERNEL_NAME
        config.KernelManager.transport = "ipc"
        # Not a folder here: the launcher links it to the sockets' tmpfs inside the sandbox (sandbox.py).
        config.KernelManager.ip = os.path.join(root, "sockets", "kernel")
    else:
        # Still judged outside the kernel; but nothing stops the kernel reading or writing anything.
        os.environ.update(kernel_env)
        os.environ["PYTHONPATH"] = sandbox.SHIM_DIR
    return NbGraderAPI(config=config)


def template_folder(out):
    """The template's folder: beside work/, never inside it, so that no student id can name it."""
    return os.path.join(out, "template")


def student_work_folder(out, student_id):
    """A student's nbgrader course folder: work/<key>, the key made from the id, never the id itself.

    nbgrader matches this folder's path as a regular expression and the kernel's socket path lies inside it, so
    the key has only ASCII letters, digits and `-`, and a bounded length: the id's letters and digits, for an
    instructor who looks, then a hash of the whole id, so that two ids never share a folder.
    """
    readable = re.sub(r"[^A-Za-z0-9]+", "-", student_id).strip("-")[:24]
    digest = hashlib.sha256(student_id.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return os.path.join(out, "work", f"{readable}-{digest}" if readable else digest)


def make_template(assignment, template_dir, options):
    """Record the assignment (cells, points, checksums) in a gradebook every student copies, and its cases.

    Kept between runs while nothing it depends on has changed, so a re-run starts grading at once.
    """
    fingerprint = _assignment_fingerprint(assignment, options)
    template = {"gradebook": os.path.join(template_dir, "gradebook.db"),
                "cases": os.path.join(template_dir, "cases.pkl"),
                "release": os.path.join(template_dir, "release", assignment, assignment + ".ipynb"),
                "fingerprint": fingerprint}
    stamp = os.path.join(template_dir, "fingerprint.json")
    if os.path.isfile(stamp):
        with open(stamp) as handle:
            saved = json.load(handle)
        if saved.get("fingerprint") == fingerprint:
            return saved

    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI

    from .verdicts import write_cases_file

    shutil.rmtree(template_dir, ignore_errors=True)
    os.makedirs(template_dir)
    _stamped_gradebook(template["gradebook"])
    config = course_config(work_directory=template_dir, release_directory=os.path.join(template_dir, "release"),
                           cell_timeout=options.cell_timeout)
    result = NbGraderAPI(config=config).generate_assignment(assignment, force=True)
    if not result["success"]:
        raise CourseError(f"nbgrader could not record {assignment}: {last_line(result.get('error'))}")
    with Gradebook("sqlite:///" + template["gradebook"]) as gb:
        template["max_score"] = gb.find_assignment(assignment).max_score
    write_cases_file(assignment, template["cases"])
    os.chmod(template_dir, 0o755)
    os.chmod(template["cases"], 0o644)
    _write_atomically(stamp, json.dumps(template, indent=1))
    return template


def _stamped_gradebook(path):
    """Start a new gradebook as nbgrader does, but for the one step it does in a subprocess.

    nbgrader's Gradebook() stamps a new database with the alembic revision of its schema, which it learns by
    running the `alembic heads` command: a Python start-up and alembic's imports, more than half of recording
    an assignment. Here the same revision comes from alembic's own API, in this process; given a database that
    already has that stamp, nbgrader creates its tables around it and runs nothing.
    """
    import sqlite3

    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    head = ScriptDirectory.from_config(config).get_current_head()
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        db.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (head,))


def _assignment_fingerprint(assignment, options):
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


def _fingerprint(student_dir, note, refused, assignment_fingerprint, info):
    return {"submission": refused or _folder_hash(student_dir), "note": note, "assignment": assignment_fingerprint,
            "lms": asdict(info)}


def _saved_row(out, student_id, fingerprint):
    """The saved result of this very submission and assignment, if there is one worth keeping."""
    path = os.path.join(out, "results", f"{student_id}.json")
    try:
        with open(path, encoding="utf-8") as handle:
            saved = json.load(handle)
        # A grader-side error is worth another try; anything about the submission itself is final.
        if saved.get("fingerprint") == fingerprint and saved["row"]["status"] != "error":
            return GradeRow(**saved["row"])
    except (OSError, ValueError, KeyError, TypeError):  # none, or unreadable: grade again
        pass
    return None


@contextlib.contextmanager
def _kernel_zygote(assignment, options):
    """The zygote every sandboxed kernel of this run is forked from, not yet ready; None without the sandbox.

    It preloads what the assignment's notebook imports, read from its source, so it can start before the
    template (and its release notebook) is recorded.
    """
    if not options.use_sandbox:
        yield None
        return
    source = nbformat.read(os.path.join(SOLUTIONS_DIR, assignment, assignment + ".ipynb"), as_version=4)
    with zygote.KernelZygote(zygote.preloadable_imports(source), sandbox.environment(), wait=False) as running:
        yield running


def _prewarm(assignment, template):
    """Do once, before forking the workers, what every worker would otherwise do for its first student."""
    import nbgrader.apps  # noqa: F401

    from . import feedback
    from .verdicts import JudgeHiddenTests

    feedback.prewarm(nbformat.read(template["release"], as_version=4))
    JudgeHiddenTests()._cases(assignment)  # the reference's outputs, cached on the class, inherited by workers


def _scores(api, assignment, student_id, autograded):
    """Total score, and per test cell: points and the message a failing cell showed."""
    from nbgrader.api import Gradebook

    from .report import cell_verdicts

    messages, verdicts = {}, cell_verdicts(autograded)
    for cell in autograded.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if grade_id and errors:
            messages[grade_id] = _one_line(f"{errors[0].ename}: {errors[0].evalue}")
        elif grade_id in verdicts and verdicts[grade_id]["headline"]:
            messages[grade_id] = _one_line(verdicts[grade_id]["headline"])
    with Gradebook(api.coursedir.db_url) as gradebook:
        submission = gradebook.find_submission_notebook(assignment, assignment, student_id)
        # Per test cell: its hidden cases (name, passed, message) and the known mistakes diagnosed.
        tests = [{"cell": grade.name, "score": grade.score, "max_score": grade.max_score,
                  "passed": grade.score == grade.max_score, "message": messages.get(grade.name, ""),
                  **verdicts.get(grade.name, {}).get("results", {})}
                 for grade in sorted(submission.grades, key=lambda g: g.name)]
        return gradebook.find_submission(assignment, student_id).score, tests


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


def _write_csv(path, rows):
    """Write grades.csv; return whether its content changed."""
    tmp = path + ".tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row.csv_row())
    changed = not (os.path.isfile(path) and filecmp.cmp(tmp, path, shallow=False))
    os.replace(tmp, path)  # a crash mid-write never leaves a half-written grades.csv
    return changed


def _write_atomically(path, text):
    with open(path + ".tmp", "w") as handle:
        handle.write(text)
    os.replace(path + ".tmp", path)


def _one_line(text, limit=300):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
