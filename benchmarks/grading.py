"""Grading speed: plain serial `nbgrader autograde` against `python -m autograder grade`, same submissions.

    .venv/bin/python -m benchmarks.grading [--assignment A ...] [--students 24] [--workers N]

By default it runs a01_rnn_forward (numpy only) and a03_lstm (imports torch). Both sides grade the same honest
submissions: the released notebook filled in with the solutions. The baseline is the stock nbgrader command
on a stock course folder, run once for the whole class: `autograde` alone (what the speed goal names), and
`autograde` followed by `generate_feedback` (the same work as ours, which also writes feedback, in a sandbox).
The baseline's `generate_assignment` is not counted, as nbgrader users run it once when they release.

Ours is timed as an instructor meets it: the command itself, a new process, with a fresh output folder (cold:
recording the assignment, starting the zygote and the workers, everything), then again with `--regrade` (warm:
the recorded assignment is reused), then with nothing left to grade. Cold comes first. Prints wall times,
seconds per submission and the ratios. A benchmark, not a test: nothing here asserts a time.
"""
import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time

import nbformat

from autograder.course import SOLUTIONS_DIR
from autograder.pipeline.config import REPO_ROOT
from autograder.testing import solved_exercise


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
    """(cold, warm, idle) wall seconds of `python -m autograder grade` on a fresh output folder."""
    out = os.path.join(scratch, "out")
    command = [sys.executable, "-m", "autograder", "grade", assignment, submissions, "--out", out,
               "--workers", str(workers)]
    times = []
    for extra in ([], ["--regrade"], []):
        start = time.perf_counter()
        subprocess.run(command + extra, cwd=REPO_ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
        with open(os.path.join(out, "grades.csv"), encoding="utf-8") as handle:
            bad = [row for row in csv.DictReader(handle) if row["status"] != "ok" or row["score"] != row["max_score"]]
        if bad:
            sys.exit(f"honest submissions did not get full marks: {bad[:2]}")
    return times


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
            cold, warm, idle = ours(assignment, submissions, scratch, args.workers)
        print(f"{assignment}, {n} honest submissions, {os.cpu_count()} cores")
        for label, seconds in [("plain nbgrader autograde (serial, no sandbox)", autograde),
                               ("plain nbgrader autograde + generate_feedback", with_feedback),
                               (f"python -m autograder grade, fresh --out ({args.workers} workers, sandbox)", cold),
                               ("  the same again with --regrade (assignment already recorded)", warm)]:
            print(f"  {label:<72} {seconds:7.1f} s  ({seconds / n:.2f} s per submission)")
        print(f"  {'  the same again, nothing left to grade':<72} {idle:7.2f} s")
        print(f"  speed-up, cold: {autograde / cold:.2f}x over autograde alone, {with_feedback / cold:.2f}x over "
              f"autograde + generate_feedback; warm: {autograde / warm:.2f}x, {with_feedback / warm:.2f}x", flush=True)


if __name__ == "__main__":
    main()
