"""`python -m gatebygate check NOTEBOOK`: the student edition's check, and the report it prints.

The instructors' `python -m autograder check` prints the same report, from practice data it computes first.
"""
from __future__ import annotations

import argparse
import sys

from ..course import CourseError
from ..isolation import sandbox
from ..isolation.sandbox import Limits
from .notebook import CELL_TIMEOUT, NotebookCheck, can_sandbox, check_notebook
from .practice import PracticeData, PracticeError, installed


def report(check: NotebookCheck, grade_note: str) -> list[str]:
    """The lines a check prints: each test cell as it passed or failed in the notebook, under it the practice
    verdict of each function it checks, then the counts and the note on where the grade comes from."""
    lines, shown = [], set()
    by_function = {f.function: f for f in check.functions}
    for test in check.visible:
        outcome = "PASS" if test.passed else "FAIL"
        lines.append(f"{outcome}  {test.cell}" + (f"  {test.message}" if test.message else ""))
        functions = check.cells_of.get(test.cell) or [test.cell[len("test_"):]]
        for function in functions:
            if function in by_function and function not in shown:
                shown.add(function)
                lines.extend("      " + line for line in by_function[function].diagnosis.splitlines())
    for function in by_function:
        if function not in shown:
            lines.extend("      " + line for line in by_function[function].diagnosis.splitlines())
    failed = sum(not t.passed for t in check.visible)
    cases = [passed for f in check.functions for passed in f.cases.values()]
    lines.append(f"{len(check.visible) - failed} passed, {failed} failed")
    lines.append(f"practice cases: {sum(cases)} of {len(cases)} passed")
    lines.append(grade_note)
    return lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebook", help="your notebook, e.g. a01_rnn_forward.ipynb (any name: it is recognised "
                                         "by its content)")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT,
                        help=f"seconds one cell may run (default: {CELL_TIMEOUT})")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run the notebook directly, as Jupyter would, even where the sandbox exists")


def run(args: argparse.Namespace, data: PracticeData, limits: Limits | None = None) -> int:
    """Check args.notebook with `data`; print the report; 0 when everything passed, 1 when something failed."""
    use_sandbox = not args.no_sandbox and can_sandbox()
    if not args.no_sandbox and not use_sandbox:
        reason = "bubblewrap is not installed" if sandbox.missing_tools() else "the sandbox needs root"
        print(f"{reason}: running the notebook directly, as Jupyter would (grading runs it in a sandbox)")
    check = check_notebook(args.notebook, data, use_sandbox, args.timeout, limits)
    for line in report(check, data[check.assignment].grade_note(check.language)):
        print(line)
    return 0 if check.passed else 1


def main(argv: list[str] | None = None) -> int:
    """The student edition's command line: `python -m gatebygate check NOTEBOOK`."""
    parser = argparse.ArgumentParser(prog="python -m gatebygate",
                                     description="Check a Gate by Gate notebook before you hand it in.")
    commands = parser.add_subparsers(dest="command", required=True)
    add_arguments(commands.add_parser("check", help="run the notebook's tests, then its functions on practice "
                                                    "cases; exit 1 if anything fails"))
    args = parser.parse_args(argv)
    try:
        return run(args, installed())
    except (CourseError, PracticeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
