"""Grading speed: plain serial `nbgrader autograde` against `python -m autograder grade`, same submissions.

    .venv/bin/python benchmarks/grading.py [--assignment A ...] [--students 24] [--workers N]

By default it runs a01_rnn_forward (numpy only) and a03_lstm (imports torch). Both sides grade the same honest
submissions: the released notebook filled in with the solutions. The baseline is the stock nbgrader command
on a stock course folder, run once for the whole class: `autograde` alone (what the speed goal names), and
`autograde` followed by `generate_feedback` (the same work as ours, which also writes feedback, in a sandbox).
Neither side's time includes recording the assignment (`generate_assignment`, or our template gradebook);
ours includes starting its kernel zygote and its workers. Prints wall times, seconds per submission and both
ratios. A benchmark, not a test: nothing here asserts a time.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import nbformat

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from autograder.assignments import SOLUTIONS_DIR  # noqa: E402
from autograder.grading import GradingOptions, grade_class, make_template, template_folder  # noqa: E402
from autograder.nbgrader_config import REPO_ROOT  # noqa: E402
from autograder.testing import solved_exercise  # noqa: E402


def plain_nbgrader(assignment, submissions, scratch):
    """Stock nbgrader: course root with source/ and submitted/, one `nbgrader autograde` for everyone."""
    course = os.path.join(scratch, "course")
    shutil.copytree(os.path.join(SOLUTIONS_DIR, assignment), os.path.join(course, "source", assignment))
    for student in os.listdir(submissions):
        shutil.copytree(os.path.join(submissions, student), os.path.join(course, "submitted", student, assignment))
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
               PYTHONPATH=REPO_ROOT)  # its hidden tests import autograder in the kernel
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run(nbgrader + ["generate_assignment", assignment, "--force"], cwd=course, env=env, check=True,
                   capture_output=True)
    start = time.perf_counter()
    subprocess.run(nbgrader + ["autograde", assignment, "--force"], cwd=course, env=env, check=True,
                   capture_output=True)
    autograde = time.perf_counter() - start
    subprocess.run(nbgrader + ["generate_feedback", assignment, "--force"], cwd=course, env=env, check=True,
                   capture_output=True)
    return autograde, time.perf_counter() - start


def ours(assignment, submissions, scratch, workers):
    out, options = os.path.join(scratch, "out"), GradingOptions(regrade=True)
    make_template(assignment, template_folder(out), options)  # grade_class reuses it, as a second run would
    start = time.perf_counter()
    rows = grade_class(assignment, submissions, out, workers=workers, options=options)
    elapsed = time.perf_counter() - start
    bad = [row for row in rows if row.status != "ok" or row.score != row.max_score]
    if bad:
        sys.exit(f"honest submissions did not get full marks: {bad[:2]}")
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", action="append", help="repeatable (default: a01_rnn_forward, a03_lstm)")
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    n = args.students
    for assignment in args.assignment or ["a01_rnn_forward", "a03_lstm"]:
        with tempfile.TemporaryDirectory() as scratch:
            submissions = os.path.join(scratch, "submissions")
            notebook = solved_exercise(assignment)
            for i in range(n):
                os.makedirs(os.path.join(submissions, f"s{i:03d}"))
                nbformat.write(notebook, os.path.join(submissions, f"s{i:03d}", assignment + ".ipynb"))
            autograde, with_feedback = plain_nbgrader(assignment, submissions, scratch)
            mine = ours(assignment, submissions, scratch, args.workers)
        print(f"{assignment}, {n} honest submissions, {os.cpu_count()} cores")
        for label, seconds in [("plain nbgrader autograde (serial, no sandbox)", autograde),
                               ("plain nbgrader autograde + generate_feedback", with_feedback),
                               (f"python -m autograder grade ({args.workers} workers, sandbox, feedback)", mine)]:
            print(f"  {label:<64} {seconds:7.1f} s  ({seconds / n:.2f} s per submission)")
        print(f"  speed-up over autograde alone: {autograde / mine:.2f}x; "
              f"over autograde + generate_feedback: {with_feedback / mine:.2f}x", flush=True)


if __name__ == "__main__":
    main()
