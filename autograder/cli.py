"""`python -m autograder`: the instructor's commands.

    python -m autograder grade ASSIGNMENT SUBMISSIONS [--out DIR] [--workers N] [--timeout S]
    python -m autograder release [ASSIGNMENT ...]
    python -m autograder cases [ASSIGNMENT ...]
"""
import argparse
import importlib
import os
import sys

from .assignments import CourseError, generate_release, list_assignments, require_assignment
from .nbgrader_config import CELL_TIMEOUT


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    grade = commands.add_parser("grade", help="autograde every student's submission of one assignment")
    grade.add_argument("assignment", help="assignment name, e.g. a01_rnn_forward")
    grade.add_argument("submissions", help="folder with one sub-folder per student, named by student id")
    grade.add_argument("--out", help="where grades.csv and feedback/ go (default: grading/ASSIGNMENT)")
    grade.add_argument("--workers", type=int, default=None, help="students graded at once (default: CPU count)")
    grade.add_argument("--timeout", type=int, default=CELL_TIMEOUT,
                       help=f"seconds one cell may run (default: {CELL_TIMEOUT})")

    release = commands.add_parser("release", help="regenerate exercises/ from solutions/ (nbgrader generate_assignment)")
    release.add_argument("assignments", nargs="*", help="default: every assignment")

    cases = commands.add_parser("cases", help="count the hidden test cases of each graded function")
    cases.add_argument("assignments", nargs="*", help="default: every assignment")

    args = parser.parse_args(argv)
    try:
        if args.command == "grade":
            return _grade(args)
        if args.command == "release":
            generate_release(args.assignments or None)
            print(f"exercises/ regenerated: {', '.join(args.assignments or list_assignments())}")
            return 0
        if args.command == "cases":
            return _cases(args.assignments or list_assignments())
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 1


def _grade(args):
    from .grading import grade_class

    if args.workers is not None and args.workers < 1:
        raise CourseError("--workers must be at least 1")
    rows = grade_class(args.assignment, args.submissions, args.out, args.workers, args.timeout)
    width = max(len("student"), *(len(row.student_id) for row in rows))
    print(f"\n{'student':<{width}}  {'score':>11}  status")
    for row in rows:
        detail = f" ({row.detail})" if row.detail else ""
        print(f"{row.student_id:<{width}}  {row.score:>5g} / {row.max_score:<3g}  {row.status}{detail}")
    out = args.out or os.path.join("grading", args.assignment)
    print(f"\n{len(rows)} students graded; grades in {os.path.join(out, 'grades.csv')}")
    return 0


def _cases(names):
    for name in names:
        hidden = importlib.import_module(f"autograder.hidden.{require_assignment(name)}")
        counts = {function: len(cases) for function, cases in hidden.CHECKS.items()}
        print(f"{name}: " + ", ".join(f"{function} {count}" for function, count in counts.items())
              + f" (total {sum(counts.values())})")
    return 0
