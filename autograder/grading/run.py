"""Grade a whole class's submissions of one assignment through nbgrader.

    python -m autograder grade ASSIGNMENT SUBMISSIONS [--out DIR] [--workers N] ...

SUBMISSIONS is a folder with one sub-folder per student, named by the student id, holding that student's
<assignment>.ipynb (and any files released with it), or an LMS .zip (see submissions.py). Results, in DIR
(default grading/<assignment>), are laid out as layout.py says: grades.csv, results/, feedback/, the class
report, template/ and work/ (the nbgrader course folders, each named by a key made from the student's id).

Design:
  * Every student is autograded in a course folder and sqlite gradebook of their own, copied from one
    template gradebook made by `generate_assignment`. No two workers ever share a database, so students
    are graded in parallel, and a broken submission can only spoil its own folder.
  * Workers are long-lived processes forked from a parent that has already loaded nbgrader, the feedback
    exporter (pipeline/feedback.py) and the reference's expected outputs, so no student pays for imports; the
    template gradebook (template.py) is reused between runs while its inputs are unchanged.
  * Student code runs in the sandbox kernel (isolation/sandbox.py), forked from a zygote that has already
    imported ipykernel and the assignment's heavy libraries (isolation/zygote.py); hidden tests are judged
    outside it (pipeline/hidden_tests.py, judge/verdicts.py).
  * A student whose result is on disk for the same submission and the same assignment is not regraded, so
    re-running is idempotent and resumes an interrupted batch.
"""
from __future__ import annotations

import contextlib
import csv
import io
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed

import nbformat
from tqdm import tqdm

from ..course import SOLUTIONS_DIR, CourseError, require_assignment
from ..isolation import sandbox, zygote
from .layout import Layout, default_out, student_work_folder, write_atomically
from .records import (CSV_COLUMNS, GradeRow, GradingJob, GradingOptions, assignment_fingerprint,
                      result_fingerprint, saved_row)
from .report import case_summary, write_class_report
from .submissions import StudentInfo, Unpacked


def grade_class(assignment: str, submissions: str, out: str | None = None, workers: int | None = None,
                options: GradingOptions | None = None, unpacked: Unpacked | None = None) -> list[GradeRow]:
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
    layout = Layout(out or default_out(assignment))
    # A link among the folders is a student too: one whose submission is refused, with a row saying so.
    students = sorted(name for name in os.listdir(submissions) if not name.startswith(".")
                      and (os.path.isdir(os.path.join(submissions, name))
                           or os.path.islink(os.path.join(submissions, name))))
    unpacked = unpacked or Unpacked()
    students = sorted(set(students) | set(unpacked.refused))
    if not students:
        raise CourseError(f"submissions directory {submissions!r} has no student folders")
    folders = {}
    for sid in students:  # a hash's collision must never put two students in one course folder
        other = folders.setdefault(student_work_folder("", sid), sid)
        if other != sid:
            raise CourseError(f"students {other!r} and {sid!r} would share a work folder; nothing was graded")

    recorded = assignment_fingerprint(assignment, options)
    jobs = []
    rows = []
    for sid in students:
        note, refused = unpacked.notes.get(sid, ""), unpacked.refused.get(sid)
        info = unpacked.students.get(sid, StudentInfo())
        student_dir = os.path.abspath(os.path.join(submissions, sid))
        fingerprint = result_fingerprint(student_dir, note, refused, recorded, info)
        saved = None if options.regrade else saved_row(layout, sid, fingerprint)
        if saved:
            rows.append(saved)
        else:
            jobs.append(GradingJob(assignment=assignment, student_id=sid, student_dir=student_dir, work=layout.work,
                                   options=options, note=note, refused=refused, fingerprint=fingerprint,
                                   info=info))
    if jobs:  # nothing to grade costs no kernel, no nbgrader and no template
        rows.extend(_grade_jobs(assignment, jobs, layout.template, options, workers))
    rows.sort(key=lambda row: row.student_id)
    for row in rows:
        row.cases = case_summary(row.tests)
    changed = _write_csv(layout.grades_csv, rows)
    if changed or not os.path.isfile(layout.report_html):  # plots cost more than the rest
        write_class_report(layout, assignment, rows)  # report.html, report.json, cases.csv
    return rows


def _grade_jobs(assignment, jobs, template_dir, options, workers):
    """Grade the students of `jobs` in parallel worker processes; return their rows."""
    # Only now, with someone to grade, the grading machinery: nbgrader, nbconvert's exporter and the kernel
    # client cost about 1.4 s of CPU to import (measured: a fresh `python -c "import autograder.grading.student"`
    # against one that imports this module), which a re-run with nothing left to grade never pays.
    from .student import grade_student, prewarm
    from .template import make_template

    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    rows = []
    # The zygote imports ipykernel (and torch) in its own process while this one records the template.
    with _kernel_zygote(assignment, options) as kernels:
        template = make_template(assignment, template_dir, options)
        prewarm(assignment, template)
        zygote_socket = kernels and kernels.socket
        if kernels:
            kernels.wait()
        # fork: workers start with nbgrader, the feedback exporter and the expected outputs already loaded. The
        # parent holds no kernel, thread or open database at this point, so nothing unsafe is copied.
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(grade_student, template=template, zygote_socket=zygote_socket, **vars(job))
                       for job in jobs]
            for future in tqdm(as_completed(futures), total=len(futures), desc=f"grading {assignment}",
                               unit="student", disable=None):
                rows.append(future.result())
    return rows


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


def _write_csv(path, rows):
    """Write grades.csv; return whether its content changed."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row.csv_row())
    text = buffer.getvalue()
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            changed = handle.read() != text
    except OSError:
        changed = True
    write_atomically(path, text)  # a crash mid-write never leaves a half-written grades.csv
    return changed
