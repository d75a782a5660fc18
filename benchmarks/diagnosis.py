"""What diagnosis and per-case judging cost: per student, and once per run.

    .venv/bin/python benchmarks/diagnosis.py [--assignment A ...] [--students 8] [--workers 2]

Three figures per assignment, with the catalogue of known mistakes and without it (diagnosis.catalogue
patched to return nothing; everything else the same):
  * once per run: computing the reference's and the mistakes' outputs on every hidden case (done before the
    grading workers fork, never per student);
  * per student, in the grader: judging every graded function of one student whose every function is a
    catalogued mistake (the worst case: every function fails, so every mistake is compared);
  * per student, end to end: `grade_class` wall time over a class of such students and honest ones, in the
    sandbox, divided by the class size.
A benchmark, not a test: nothing here asserts a time.
"""
import argparse
import json
import os
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))

from autograder.judge import mistakes as diagnosis  # noqa: E402
from autograder.judge.verdicts import JudgeHiddenTests  # noqa: E402


def emission(hidden, function, fn):
    """What the kernel would send for `fn` on the function's hidden cases."""
    from diagnosis_tests import emitted  # the tests' own shim round trip
    from test_verdicts import shim

    module, raws = shim(), []
    for case in hidden.CHECKS[function]:
        observation = emitted(case, fn, module)
        raws.append({"__raised__": [observation.kind, observation.message]} if hasattr(observation, "kind") else
                    {"__observed__": [module.encode(observation[0]), module.encode(observation[1])]})
    return {"function": function, "outputs": json.loads(json.dumps(raws))}


def timed(fn, repeat=1):
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def measure(assignment, students, workers):
    import importlib

    from test_diagnosis_grading import batch

    hidden = importlib.import_module(f"autograder.hidden.{assignment}")
    real_catalogue = diagnosis.catalogue
    results = {}
    emissions = [emission(hidden, f, ms[0].fn) for f, ms in hidden.MISTAKES.items()]
    for label, catalogue in (("with diagnosis", real_catalogue), ("without", lambda module: {})):
        diagnosis.catalogue = catalogue
        JudgeHiddenTests._expected = {}
        try:
            judge = JudgeHiddenTests()
            once = timed(lambda: judge._cases(assignment))
            per_student = timed(lambda: [judge._judge(assignment, e["function"], e) for e in emissions], repeat=3)
            with tempfile.TemporaryDirectory() as scratch, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                JudgeHiddenTests._expected = {}
                start = time.perf_counter()
                rows, _ = batch(assignment, {f: f for f in hidden.CHECKS}, _Path(scratch), workers=workers,
                                depth=students)
                wall = time.perf_counter() - start
            results[label] = (once, per_student, wall / len(rows), len(rows))
        finally:
            diagnosis.catalogue = real_catalogue
            JudgeHiddenTests._expected = {}
    return results


class _Path(str):
    """The tmp_path the tests' batch helper expects (it joins with /)."""

    def __truediv__(self, other):
        return _Path(os.path.join(self, other))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", action="append", help="repeatable (default: a01_rnn_forward, a03_lstm)")
    parser.add_argument("--students", type=int, default=6, help="students with mistakes (plus one honest)")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    for assignment in args.assignment or ["a01_rnn_forward", "a03_lstm"]:
        results = measure(assignment, args.students, args.workers)
        count = sum(len(ms) for ms in diagnosis.catalogue(assignment).values())
        print(f"{assignment}: {count} catalogued mistakes, {results['without'][3]} students, {args.workers} workers")
        for label, (once, per_student, wall, _) in results.items():
            print(f"  {label:<15} once per run {once:6.2f} s | judging one all-wrong student {1000 * per_student:7.1f}"
                  f" ms | grade_class {wall:5.2f} s per student")


if __name__ == "__main__":
    main()
