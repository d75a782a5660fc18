"""The kinds of fault (issue 25): how well they name the catalogue's mistakes, and what they cost.

    .venv/bin/python -m benchmarks.fault_classes [--assignment A ...] [--check]

Per assignment:
  * leave-one-out over the catalogue of known mistakes (autograder.diagnosis.leave_one_out): each mistake judged as
    a student's function with its own catalogue entry removed; of the rejected ones with a label (the catalogue's
    FAULTS), how many are named with their own class, with another, or not at all;
  * once per run: computing the reference's, the known mistakes' and the fault models' observations on every
    hidden case (before the grading workers fork), with the kinds of fault and without them;
  * per student: judging every graded function of a student whose every function is a catalogued mistake that
    the catalogue does not hold (its entry left out, so every model is compared): the worst case of the judging;
  * with --check: `check_notebook` without the sandbox, in this process but with a fresh judge's table each run
    (as a new `check` process has): on a solved notebook with the diagnosis probe (every run now) and without it
    (as before, when the visible tests passed); and on a notebook with one wrong function, whose diagnosis
    computes the fault models of that function and of those it calls.
A benchmark, not a test: nothing here asserts a time. The machine is shared: figures are noisy.
"""
import argparse
import os
import statistics
import tempfile
import time
import warnings

import nbformat

from autograder import hidden as hidden_tests
from autograder import selfcheck
from autograder.diagnosis import emission_of, figures, leave_one_out
from autograder.judge.faults import diagnose
from autograder.judge.verdicts import decoded_emission, expected_outputs
from autograder.testing import set_answer, solved_exercise


def once_per_run(assignment):
    module = hidden_tests.load(assignment)
    times = {}
    for label, kinds in (("with", True), ("without", False)):
        start = time.perf_counter()
        expected_outputs(module, kinds_of_fault=kinds)
        times[label] = time.perf_counter() - start
    return times


def worst_student(assignment):
    """Seconds to diagnose one student whose every function is its first catalogued mistake, left out."""
    table = hidden_tests.expected(assignment)
    seconds = 0.0
    for function, expected in table.items():
        if not expected.mistakes:
            continue
        mistake = expected.mistakes[0]
        got, trace = decoded_emission(expected, emission_of(assignment, function, mistake.fn))
        start = time.perf_counter()
        diagnose(function, table, got, trace, {}, leave_out=mistake.name)
        seconds += time.perf_counter() - start
    return seconds


WRONG = {  # one wrong answer cell per assignment: (cell, source)
    "a01_rnn_forward": ("rnn_step", "import numpy as np\ndef rnn_step(x_t, h_prev, W_xh, W_hh, b_h, nonlinearity='tanh'):\n"
                                    "    a = W_xh @ x_t + W_hh @ h_prev + b_h\n"
                                    "    return np.tanh(a) if nonlinearity == 'tanh' else np.maximum(a, 0)\n"),
    "a03_lstm": ("cell_update", "def cell_update(c_prev, f, i, c_tilde):\n    return c_prev * f * c_tilde * i\n"),
}


def check_seconds(assignment, runs):
    """Median seconds of check_notebook (no sandbox): solved with the probe and without it; one wrong function."""
    results = {}
    original = selfcheck.add_selfcheck_probe
    wrong = solved_exercise(assignment)
    set_answer(wrong, *WRONG[assignment])
    with tempfile.TemporaryDirectory() as scratch:
        for label, notebook, probe in (("solved, with the probe", solved_exercise(assignment), original),
                                       ("solved, without it", solved_exercise(assignment),
                                        lambda notebook, path: (None, None)),
                                       (f"{WRONG[assignment][0]} wrong", wrong, original)):
            path = os.path.join(scratch, assignment + ".ipynb")
            nbformat.write(notebook, path)
            selfcheck.add_selfcheck_probe = probe
            try:
                times = []
                for _ in range(runs):
                    hidden_tests.forget_expected()  # a new `check` process computes its table again
                    start = time.perf_counter()
                    selfcheck.check_notebook(path, use_sandbox=False)
                    times.append(time.perf_counter() - start)
            finally:
                selfcheck.add_selfcheck_probe = original
            results[label] = statistics.median(times)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", action="append", help="repeatable (default: every assignment)")
    parser.add_argument("--check", action="store_true", help="also time check_notebook (a01, a03)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    assignments = args.assignment or [a for a in sorted(os.listdir(os.path.dirname(hidden_tests.__file__)))
                                      if a.startswith("a0") and a.endswith(".py") and "_mistakes" not in a]
    assignments = [a.removesuffix(".py") for a in assignments]
    total = []
    print(f"{'assignment':<20} {'mistakes':>8} {'labelled':>8} {'rejected':>8} {'right':>6} {'wrong':>6} "
          f"{'not named':>9} {'right %':>8} {'wrong % of named':>17}")
    for assignment in assignments:
        results = leave_one_out(assignment)
        total += results
        f = figures(results)
        print(f"{assignment:<20} {f['mistakes']:>8} {f['labelled']:>8} {f['rejected']:>8} {f['right']:>6} "
              f"{f['wrong']:>6} {f['not_named']:>9} {100 * f['right_share']:>7.1f}% "
              f"{100 * f['wrong_share_of_named']:>16.1f}%", flush=True)
    f = figures(total)
    print(f"{'all':<20} {f['mistakes']:>8} {f['labelled']:>8} {f['rejected']:>8} {f['right']:>6} {f['wrong']:>6} "
          f"{f['not_named']:>9} {100 * f['right_share']:>7.1f}% {100 * f['wrong_share_of_named']:>16.1f}%")
    print()
    for assignment in assignments:
        times = once_per_run(assignment)
        models = sum(len(e.fault_models) + len(e.callee_models) for e in hidden_tests.expected(assignment).values())
        print(f"{assignment}: {models} fault models; once per run {times['with']:.1f} s (without the kinds of "
              f"fault {times['without']:.1f} s); judging one all-wrong student {1000 * worst_student(assignment):.0f}"
              f" ms", flush=True)
    if args.check:
        for assignment in ("a01_rnn_forward", "a03_lstm"):
            seconds = check_seconds(assignment, args.runs)
            print(f"check {assignment} (no sandbox, median of {args.runs}): "
                  + ", ".join(f"{label} {value:.2f} s" for label, value in seconds.items()), flush=True)


if __name__ == "__main__":
    main()
