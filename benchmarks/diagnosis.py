"""What diagnosis and per-case judging cost: per student, and once per run.

    .venv/bin/python -m benchmarks.diagnosis [--assignment A ...] [--students 8] [--workers 2]

Three figures per assignment, with the catalogue of known mistakes and without it (every mistake list
emptied; everything else the same):
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
import tempfile
import time
import warnings

from autograder import hidden as hidden_tests
from autograder.i18n.hints import wording
from autograder.judge.verdicts import judge_emission
from autograder.testing import emitted, kernel_shim, mistake_batch


def emission(hidden, function, fn):
    """What the kernel would send for `fn` on the function's hidden cases."""
    module, raws = kernel_shim(), []
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
    hidden = hidden_tests.load(assignment)
    real_catalogue = hidden.MISTAKES
    results = {}
    emissions = [emission(hidden, f, ms[0].fn) for f, ms in hidden.MISTAKES.items()]
    english = wording("en")
    for label, catalogue in (("with diagnosis", real_catalogue), ("without", {})):
        hidden.MISTAKES = catalogue
        hidden_tests.forget_expected()
        try:
            once = timed(lambda: hidden_tests.expected(assignment))
            expected = hidden_tests.expected(assignment)
            per_student = timed(lambda: [judge_emission(e["function"], expected[e["function"]], e, english)
                                         for e in emissions], repeat=3)
            with tempfile.TemporaryDirectory() as scratch, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                hidden_tests.forget_expected()
                start = time.perf_counter()
                rows, _ = mistake_batch(assignment, {f: f for f in hidden.CHECKS}, _Path(scratch), workers=workers,
                                        depth=students)
                wall = time.perf_counter() - start
            results[label] = (once, per_student, wall / len(rows), len(rows))
        finally:
            hidden.MISTAKES = real_catalogue
            hidden_tests.forget_expected()
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
        count = sum(len(ms) for ms in hidden_tests.mistakes(assignment).values())
        print(f"{assignment}: {count} catalogued mistakes, {results['without'][3]} students, {args.workers} workers")
        for label, (once, per_student, wall, _) in results.items():
            print(f"  {label:<15} once per run {once:6.2f} s | judging one all-wrong student {1000 * per_student:7.1f}"
                  f" ms | grade_class {wall:5.2f} s per student")


if __name__ == "__main__":
    main()
