"""One student graded: their submission read as plain files, repaired, run by nbgrader in the sandbox kernel, judged
outside it, and their row, result file and feedback page written (paths as layout.py says)."""
from __future__ import annotations

import json
import os
import shutil
import stat
import warnings
from dataclasses import asdict
from datetime import datetime

import nbformat
from nbgrader.apps import NbGraderAPI

from .. import hidden
from ..course import last_line
from ..i18n import translation
from ..isolation import sandbox, zygote
from ..isolation.safe_files import Refused, copy_tree, read_regular, unsafe_name
from ..judge.verdicts import cell_verdicts
from ..pipeline import feedback
from ..pipeline.config import course_config
from ..pipeline.execute import NOT_RUN
from ..pipeline.gradebook import cell_scores
from .layout import NBGRADER_STUDENT, Layout, autograded_notebook, submitted_folder, write_atomically
from .records import GradeRow, GradingOptions, one_line, result_fingerprint, saved_row
from .repair import repair
from .submissions import StudentInfo, answers_changed
from .template import Template


def grade_student(assignment: str, student_id: str, student_dir: str, work: str, template: Template,
                  options: GradingOptions, zygote_socket: str | None = None, note: str = "",
                  refused: str | None = None, fingerprint: dict | None = None,
                  info: StudentInfo | None = None) -> GradeRow:
    """Autograde one student in their own course folder; never raises, always returns a GradeRow.

    work: the run's work folder (Layout.work): the student's course folder is made in it.
    zygote_socket: the running kernel zygote, when options.use_sandbox (see run._kernel_zygote).
    note: what happened to the submission before grading (an LMS zip's set-aside attempts), for the detail.
    refused: why the submission cannot be graded at all, if it cannot (a zip entry over its cap, say).
    fingerprint: what the saved result must match to be reused (see records.result_fingerprint).
    info: what the LMS says of the submission (display name, time, late), for the row.
    """
    layout = Layout(os.path.dirname(work))
    info = info or StudentInfo()
    if unsafe_name(student_id):
        return GradeRow(student_id, assignment, 0.0, template.max_score, "refused", unsafe_name(student_id))
    result_path = layout.result(student_id)
    fingerprint = fingerprint or result_fingerprint(student_dir, note, refused, template.fingerprint, info)
    saved = None if options.regrade else saved_row(layout, student_id, fingerprint)
    if saved:
        return saved
    feedback_path = layout.feedback(student_id, assignment)
    if os.path.isfile(feedback_path):
        os.remove(feedback_path)  # a page from an earlier submission must not outlive its grade
    try:
        row = _grade(assignment, student_id, student_dir, layout.course(student_id), feedback_path, template,
                     options, zygote_socket, note, refused, mathjax=layout.mathjax)
    except Exception as error:  # a grader bug must cost one row, not the batch
        row = GradeRow(student_id, assignment, 0.0, template.max_score, "error",
                       one_line(f"{type(error).__name__}: {error}"))
    row.display_name, row.late = info.display_name, info.late
    row.submitted_at = info.submitted_at or row.submitted_at
    kernel_log = layout.kernel_log(student_id)
    if row.status not in ("kernel died", "error") and os.path.isfile(kernel_log):
        os.remove(kernel_log)  # what the kernel printed outside cells: kept only to explain a death
    os.makedirs(os.path.dirname(result_path), exist_ok=True)
    write_atomically(result_path, json.dumps({"fingerprint": fingerprint, "row": asdict(row)}, indent=1))
    return row


def _grade(assignment, student_id, student_dir, root, feedback_path, template, options, zygote_socket, note="",
           refused=None, *, mathjax):
    notes = [note] if note else []
    submitted_at = ""  # set once the notebook graded is chosen; row() reads it when called

    def row(status, score=0.0, detail="", tests=()):
        detail = "; ".join(filter(None, [detail, *notes]))
        return GradeRow(student_id, assignment, score, template.max_score, status, one_line(detail), list(tests),
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
        status = {name: os.lstat(path) for name, path in paths.items()}
        saved = {name: info.st_mtime_ns for name, info in status.items()}
        # A link or special file is refused when read: it never wins over a regular file, as in an LMS download.
        regular = {name: stat.S_ISREG(info.st_mode) for name, info in status.items()}
        answered = {name: answers_changed(path, assignment, options.max_notebook_bytes) for name, path in paths.items()}
        handed_in.sort(key=lambda name: (regular[name], answered[name], saved[name]), reverse=True)
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
    submitted = submitted_folder(root, assignment)
    left_out = copy_tree(student_dir, submitted, options.max_notebook_bytes, options.max_submission_bytes)
    if left_out:
        notes.append(f"left out of grading: {', '.join(left_out)}")
    for name in handed_in:  # nbgrader grades <assignment>.ipynb, written below; a second notebook would confuse it
        if os.path.lexists(os.path.join(submitted, name)):
            os.remove(os.path.join(submitted, name))
    language = translation.notebook_language(notebook)
    release = nbformat.read(template.release, as_version=4)
    notebook, repairs = repair(notebook, release)
    notes[:0] = repairs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nbformat.write(notebook, os.path.join(submitted, notebook_name))
    shutil.copyfile(template.gradebook, os.path.join(root, "gradebook.db"))
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
    shown = autograded
    if language != "en":  # nbgrader restored the release's English cells: the feedback shows the student's, while
        shown = translation.localize_release_cells(autograded, release, assignment, language)  # results keep English
    feedback.write_feedback(shown, feedback_path, assignment, NBGRADER_STUDENT, api.coursedir.db_url, language,
                            mathjax)
    score, tests = _scores(api, assignment, NBGRADER_STUDENT, autograded)
    return row(status, score, tests=tests)


def _time_limit_reached(autograded, options):
    """("timeout", what the student reads) when a cell or the whole notebook ran out of time, else ("ok", "")."""
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
    # nbgrader's own SQLAlchemy usage warns on every autograde; nothing an instructor can act on.
    warnings.filterwarnings("ignore", module="nbgrader")
    config = course_config(work_directory=root, cell_timeout=options.cell_timeout,
                           notebook_timeout=options.notebook_timeout)
    kernel_env = {"AUTOGRADER_CASES": template.cases}
    if options.use_sandbox:
        jupyter_dir = os.path.join(root, "jupyter")
        sandbox.write_kernelspec(os.path.join(jupyter_dir, "kernels"), zygote_socket,
                                 readonly_paths=[template.cases], limits=options.limits, env=kernel_env,
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


def _scores(api, assignment, student_id, autograded):
    """Total score, and per test cell: points and the message a failing cell showed."""
    messages, verdicts = {}, cell_verdicts(autograded)
    for cell in autograded.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if grade_id and errors:
            messages[grade_id] = one_line(f"{errors[0].ename}: {errors[0].evalue}")
        elif grade_id in verdicts and verdicts[grade_id].headline:
            messages[grade_id] = one_line(verdicts[grade_id].headline)
    score, cells = cell_scores(api.coursedir.db_url, assignment, student_id)
    # Per test cell: its hidden cases (name, passed, message) and the known mistakes diagnosed.
    tests = [{"cell": name, "score": cell_score, "max_score": cell_max, "passed": cell_score == cell_max,
              "message": messages.get(name, ""), **(verdicts[name].results() if name in verdicts else {})}
             for name, cell_score, cell_max in cells]
    return score, tests


def prewarm(assignment: str, template: Template) -> None:
    """Do once, before forking the workers, what every worker would otherwise do for its first student."""
    release = nbformat.read(template.release, as_version=4)
    feedback.prewarm(release, [translation.translate_notebook(release, assignment, language)[0]
                               for language in translation.LANGUAGES])
    hidden.expected(assignment)  # the reference's outputs, cached in the process, inherited by the workers
