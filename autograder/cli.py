"""`python -m autograder`: the course's commands.

    python -m autograder grade ASSIGNMENT SUBMISSIONS [--out DIR] [--workers N] [--timeout S] ...
    python -m autograder check NOTEBOOK
    python -m autograder student [--out DIR] [--site HTML]
    python -m autograder release [ASSIGNMENT ...]
    python -m autograder cases [ASSIGNMENT ...]
    python -m autograder export ASSIGNMENT [--roster CANVAS.csv] [--column NAME] [--grades CSV] [--out DIR]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile

from . import hidden
from .course import CourseError, list_assignments, require_assignment
from .edition import EDITION_DIR, build_edition
from .grading.layout import default_out
from .grading.records import GradingOptions
from .grading.run import grade_class
from .grading.submissions import MAX_ARCHIVE_BYTES, MAX_NOTEBOOK_BYTES, is_lms_folder, unpack_download
from .isolation.sandbox import Limits, MiB
from .lms import export
from .pipeline.config import CELL_TIMEOUT, NOTEBOOK_TIMEOUT
from .selfcheck import practice_data
from .student import cli as student_cli


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run its command; return the exit status (2 for bad instructor input)."""
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    grade = commands.add_parser("grade", help="autograde every student's submission of one assignment")
    grade.add_argument("assignment", help="assignment name, e.g. a01_rnn_forward")
    grade.add_argument("submissions", help="folder with one sub-folder per student, named by student id, "
                                           "or an LMS download (Canvas, Moodle, Blackboard): its .zip or the "
                                           "folder it unpacks to")
    grade.add_argument("--out", help="where grades.csv, results/ and feedback/ go (default: grading/ASSIGNMENT)")
    grade.add_argument("--workers", type=int, default=None, help="students graded at once (default: CPU count)")
    grade.add_argument("--id-pattern", default=None,
                       help="for a download no LMS layout reads: regex with a (?P<student_id>...) group, matched "
                            "against each file's path (default: Canvas, Moodle and Blackboard names are "
                            "recognised; else s001/… or s001_….ipynb)")
    grade.add_argument("--regrade", action="store_true", help="regrade students whose results are already saved")
    grade.add_argument("--notebook-timeout", type=int, default=NOTEBOOK_TIMEOUT,
                       help="seconds all cells of a notebook together may run; cells after it are not run and "
                            "fail (default: %(default)s, a hundred times the slowest solution notebook)")
    grade.add_argument("--max-notebook-mb", type=float, default=MAX_NOTEBOOK_BYTES / MiB,
                       help="a larger notebook (or zip entry) is refused, not read (default: %(default)g)")
    grade.add_argument("--max-archive-mb", type=float, default=MAX_ARCHIVE_BYTES / MiB,
                       help="for a .zip: what it may unpack to in all; entries past it are refused "
                            "(default: %(default)g)")
    _add_sandbox_options(grade, "run student code WITHOUT isolation (it can read and write anything you can)")

    check = commands.add_parser("check", help="run a notebook's visible tests, then its functions on the practice "
                                              "cases, as the student edition's check does (in the grading sandbox "
                                              "where it can run); exit 1 if anything fails")
    check.add_argument("notebook")
    _add_sandbox_options(check, "run the notebook directly, as Jupyter would, even where the sandbox exists")

    student = commands.add_parser("student", help="build the student edition (make student also builds its site)")
    student.add_argument("--out", default=None, help="where (default: _build/student; replaced)")
    student.add_argument("--site", default=None, help="the student site built by `book/_ext/editions.py student` "
                                                      "(default: none, an edition without its site)")

    release = commands.add_parser("release", help="regenerate exercises/ from solutions/ (nbgrader generate_assignment)")
    release.add_argument("assignments", nargs="*", help="default: every assignment")

    export = commands.add_parser("export", help="grade exports for an LMS: Canvas gradebook CSV, plain id,score CSV")
    export.add_argument("assignment")
    export.add_argument("--grades", help="grades.csv to export (default: grading/ASSIGNMENT/grades.csv)")
    export.add_argument("--roster", help="the gradebook CSV exported from Canvas (Grades > Export)")
    export.add_argument("--column", help="the assignment's column as Canvas names it (default: ASSIGNMENT)")
    export.add_argument("--match", help="roster column holding the student ids (default: the best match)")
    export.add_argument("--out", help="where the exports go (default: the folder of --grades)")

    cases = commands.add_parser("cases", help="count the hidden test cases of each graded function")
    cases.add_argument("assignments", nargs="*", help="default: every assignment")

    args = parser.parse_args(argv)
    # nbgrader runs the `alembic` executable beside this Python, which is not on PATH when the venv's python
    # is called by path without activating the venv.
    os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    try:
        if args.command == "grade":
            return _grade(args)
        if args.command == "check":
            return student_cli.run(args, practice_data(), _limits(args))
        if args.command == "student":
            return _student(args)
        if args.command == "release":
            return _release(args.assignments)
        if args.command == "export":
            return _export(args)
        if args.command == "cases":
            return _cases(args.assignments or list_assignments())
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 1


def _add_sandbox_options(parser, no_sandbox_help):
    defaults = Limits()
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT,
                        help=f"seconds one cell may run (default: {CELL_TIMEOUT})")
    parser.add_argument("--memory-gb", type=float, default=defaults.memory_bytes / 1024 ** 3,
                        help="address-space limit of a student's kernel, in GiB (default: %(default)g)")
    parser.add_argument("--cpu-seconds", type=int, default=defaults.cpu_seconds,
                        help="CPU time limit for a whole notebook (default: %(default)s)")
    parser.add_argument("--tmp-mb", type=int, default=defaults.tmp_bytes // MiB,
                        help="size of the kernel's /tmp, a tmpfs gone after grading (default: %(default)s)")
    parser.add_argument("--workdir-mb", type=int, default=defaults.workdir_bytes // MiB,
                        help="size of the kernel's working folder, a tmpfs holding a copy of the submission, "
                             "gone after grading (default: %(default)s)")
    parser.add_argument("--no-sandbox", action="store_true", help=no_sandbox_help)


def _limits(args):
    return Limits(memory_bytes=int(args.memory_gb * 1024 ** 3), cpu_seconds=args.cpu_seconds,
                  tmp_bytes=args.tmp_mb * MiB, workdir_bytes=args.workdir_mb * MiB)


def _student(args):
    out = build_edition(args.out or EDITION_DIR, args.site)
    print(f"student edition in {os.path.relpath(out)}: publish that folder; keep this repository")
    return 0


def _release(assignments):
    # nbgrader's apps cost about 1.3 s of CPU to import (measured: a fresh `python -c "import autograder.release"`
    # against `import autograder`), which only `release` needs (`grade` imports them once it has someone to
    # grade: grading/run.py).
    from .release import generate_release

    generate_release(assignments or None)
    print(f"exercises/ regenerated: {', '.join(assignments or list_assignments())}")
    return 0


def _grade(args):
    if args.workers is not None and args.workers < 1:
        raise CourseError("--workers must be at least 1")
    if args.no_sandbox:
        print("WARNING: --no-sandbox: student code runs unisolated, with your permissions. "
              "Use it only for code you trust.", file=sys.stderr)
    for name in ("timeout", "notebook_timeout", "cpu_seconds", "tmp_mb", "workdir_mb", "max_notebook_mb",
                 "max_archive_mb"):
        if getattr(args, name) <= 0:
            raise CourseError(f"--{name.replace('_', '-')} must be positive")
    options = GradingOptions(cell_timeout=args.timeout, notebook_timeout=args.notebook_timeout,
                             max_notebook_bytes=int(args.max_notebook_mb * MiB), use_sandbox=not args.no_sandbox,
                             limits=_limits(args), regrade=args.regrade)
    submissions, unpacked = args.submissions, None
    if submissions.endswith(".zip") and not os.path.isfile(submissions):
        raise CourseError(f"{submissions}: no such file")
    if not os.path.exists(submissions):
        raise CourseError(f"submissions directory {submissions!r} does not exist")
    if os.path.isfile(submissions) or args.id_pattern is not None or is_lms_folder(submissions):
        folder = tempfile.mkdtemp(prefix="lms-")
        try:
            unpacked = unpack_download(submissions, folder, args.assignment, args.id_pattern,
                                       options.max_notebook_bytes, int(args.max_archive_mb * MiB))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        print(f"{args.submissions}: read as {_layout_line(unpacked.layout)}; "
              f"{len(set(os.listdir(folder)) | set(unpacked.refused))} students")
        for name in unpacked.skipped:
            if name.endswith(".ipynb"):
                print(f"skipped {name}: no student id in its name ({unpacked.layout})", file=sys.stderr)
        submissions = folder
    else:
        print(f"{submissions}: read as one folder per student, named by student id")
    try:
        rows = grade_class(args.assignment, submissions, args.out, args.workers, options, unpacked)
    finally:
        if unpacked is not None:  # the results keep what is needed; the unpacked copies may be large
            shutil.rmtree(submissions, ignore_errors=True)
    # The LMS's display name beside its id, where it wrote one: ids alone (200104, 200120) are hard to read.
    names = [f"{row.student_id} ({row.display_name})" if row.display_name else row.student_id for row in rows]
    width = max(len("student"), *(len(name) for name in names))
    print(f"\n{'student':<{width}}  {'score':>11}  status")
    for name, row in zip(names, rows):
        detail = f" ({row.detail})" if row.detail else ""
        late = ", late" if row.late else ""
        print(f"{name:<{width}}  {row.score:>5g} / {row.max_score:<3g}  {row.status}{late}{detail}")
    out = args.out or os.path.relpath(default_out(args.assignment))
    statuses = {}
    for row in rows:
        statuses[row.status] = statuses.get(row.status, 0) + 1
    summary = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    print(f"\n{len(rows)} students graded ({summary}); grades in {os.path.join(out, 'grades.csv')}")
    return 0


def _layout_line(layout):
    return {"Canvas": "a Canvas download (ids: Canvas user ids; LATE marks kept)",
            "Moodle": "a Moodle download (ids: participant ids)",
            "Blackboard": "a Blackboard download (ids: user names; attempt times kept)",
            "the default pattern": "folders or name prefixes (ids: s001/… or s001_….ipynb)"}.get(
        layout, f"{layout} (ids from the pattern)")


def _export(args):
    grades = args.grades or os.path.join(os.path.relpath(default_out(args.assignment)), "grades.csv")
    if not os.path.isfile(grades):
        raise CourseError(f"{grades}: no such file (grade the class first, or pass --grades)")
    if args.roster and not os.path.isfile(args.roster):
        raise CourseError(f"{args.roster}: no such file")
    try:
        result = export(grades, args.out or os.path.dirname(os.path.abspath(grades)), args.assignment,
                        args.roster, args.column, args.match)
    except ValueError as error:
        raise CourseError(str(error)) from None
    for path in result.paths:
        print(f"wrote {path}")
    for student_id in result.not_on_roster:
        print(f"graded but not on the roster: {student_id}", file=sys.stderr)
    for who in result.without_grade:
        print(f"on the roster but not graded (left empty): {who}", file=sys.stderr)
    return 0


def _cases(names):
    for name in names:
        checks = hidden.load(require_assignment(name)).CHECKS
        counts = {function: len(cases) for function, cases in checks.items()}
        print(f"{name}: " + ", ".join(f"{function} {count}" for function, count in counts.items())
              + f" (total {sum(counts.values())})")
    return 0
