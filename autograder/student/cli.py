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
from .practice import Practice, PracticeData, PracticeError, installed


def report(check: NotebookCheck, practice: Practice) -> list[str]:
    """The lines a check prints, in the notebook's language (`practice`'s words): each test cell as it passed or
    failed in the notebook, under it the practice verdict of each function it checks, then the counts and the
    note on where the grade comes from."""
    lines, shown = [], set()
    by_function = {f.function: f for f in check.functions}
    wording, words = practice.wording(check.language), practice.report_words(check.language)
    for test in check.visible:
        outcome = wording.case_passed if test.passed else wording.case_failed
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
    lines.append(words["counts"].format(passed=len(check.visible) - failed, failed=failed))
    lines.append(words["practice_counts"].format(passed=sum(cases), total=len(cases)))
    lines.append(practice.grade_note(check.language))
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

    def starting(practice: Practice, language: str) -> None:  # once the notebook is read: in its language
        if not args.no_sandbox and not use_sandbox:
            reason = "no_bubblewrap" if sandbox.missing_tools() else "not_root"
            print(practice.report_words(language)[reason], flush=True)

    check = check_notebook(args.notebook, data, use_sandbox, args.timeout, limits, starting)
    for line in report(check, data[check.assignment]):
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
