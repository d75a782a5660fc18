"""How long a student waits for `python -m autograder check` on a solved notebook, as they run it.

    .venv/bin/python -m benchmarks.check [--assignment A ...] [--runs 5]

Each run is the whole command in a new process: interpreter start, imports, the sandbox (where bubblewrap is
installed; `--no-sandbox` otherwise, as on a student's laptop), the kernel, every cell. By default a01_rnn_forward
(numpy) and a03_lstm (torch: its import is the floor). Prints the median and the range of the runs, after one
unreported warm-up run that fills the operating system's file cache. A benchmark, not a test.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import nbformat

from autograder.pipeline.config import REPO_ROOT
from autograder.isolation.sandbox import missing_tools
from autograder.testing import solved_exercise


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", action="append", help="repeatable (default: a01_rnn_forward, a03_lstm)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    where = "in the sandbox" if not missing_tools() else "directly (no bubblewrap here)"
    for assignment in args.assignment or ["a01_rnn_forward", "a03_lstm"]:
        with tempfile.TemporaryDirectory() as scratch:
            path = os.path.join(scratch, assignment + ".ipynb")
            nbformat.write(solved_exercise(assignment), path)
            command = [sys.executable, "-m", "autograder", "check", path]
            times = []
            for run in range(args.runs + 1):
                start = time.perf_counter()
                result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
                if result.returncode != 0:
                    sys.exit(f"check failed on a solved {assignment}: {result.stdout}{result.stderr}")
                times.append(time.perf_counter() - start)
        median = statistics.median(times[1:])
        print(f"check {assignment} {where}: median {median:.2f} s over {args.runs} runs "
              f"(from {min(times[1:]):.2f} to {max(times[1:]):.2f} s)", flush=True)


if __name__ == "__main__":
    main()
