"""Feedback pages' speed: milliseconds per page of pipeline.feedback.write_feedback, as a grading worker pays them.

    .venv/bin/python -m benchmarks.feedback [--repeat 5]

Grades a small a01 class once, without the sandbox (an honest submission, the untouched release, and a known
mistake in English and in Korean), for their autograded notebooks and gradebooks; then, in this one process
and after the grading run's prewarm() (as a worker forked from its parent has it), renders every student's
page `--repeat` times and prints the milliseconds per page: the first page (which also installs MathJax beside
the pages), then the median of the rest, in wall-clock and in CPU time. A benchmark, not a test: nothing here
asserts a time.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import nbformat

from autograder.course import EXERCISES_DIR
from autograder.grading.layout import Layout, autograded_notebook
from autograder.grading.records import GradingOptions
from autograder.grading.run import grade_class
from autograder.grading.student import prewarm
from autograder.i18n.translation import localize_release_cells
from autograder.pipeline import feedback
from autograder.testing import exercise_notebook, set_answer, solved_exercise, write_submission

ASSIGNMENT = "a01_rnn_forward"


# sigmoid(-x), computed stably: a01's known mistake "sign flip", which the feedback names with a book reference
SIGN_FLIPPED_SIGMOID = "def sigmoid(x):\n    return np.exp(-np.logaddexp(0, x))"


def a01_class():
    """{student: (notebook, its language)}: honest, the untouched release, and the sign flip in either language."""
    return {"honest": (solved_exercise(ASSIGNMENT), "en"), "untouched": (exercise_notebook(ASSIGNMENT), "en"),
            **{f"sign_flip_{language}": (set_answer(solved_exercise(ASSIGNMENT, language), "sigmoid",
                                                    SIGN_FLIPPED_SIGMOID), language) for language in ("en", "ko")}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    assignment = ASSIGNMENT
    with tempfile.TemporaryDirectory() as scratch:
        subs = os.path.join(scratch, "subs")
        students = a01_class()
        for student, (notebook, _) in students.items():
            write_submission(Path(subs), student, assignment, notebook)
        out = os.path.join(scratch, "out")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            grade_class(assignment, subs, out, workers=2, options=GradingOptions(use_sandbox=False))
        layout = Layout(out)
        release = exercise_notebook(assignment)
        pages = []
        for student, (_, language) in students.items():
            course = layout.course(student)
            autograded = nbformat.read(autograded_notebook(course, assignment), as_version=4)
            if language != "en":
                autograded = localize_release_cells(autograded, release, assignment, language)
            pages.append((student, autograded, "sqlite:///" + os.path.join(course, "gradebook.db"), language))
        prewarm(assignment, SimpleNamespace(release=os.path.join(EXERCISES_DIR, assignment, assignment + ".ipynb")))
        pages_out = Layout(os.path.join(scratch, "pages"))
        timings, cpu = [], []
        for round_ in range(args.repeat):
            for student, autograded, db_url, language in pages:
                node = nbformat.from_dict(autograded)  # the exporter's preprocessors change the node
                start, start_cpu = time.perf_counter(), time.process_time()
                feedback.write_feedback(node, pages_out.feedback(student, assignment), assignment, "student",
                                        db_url, language, pages_out.mathjax)
                timings.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
        size = os.path.getsize(pages_out.feedback("sign_flip_en", assignment))
    first, rest = timings[0], timings[1:]
    print(f"{assignment}: {len(pages)} students' feedback pages, {args.repeat} times each, in one process "
          f"({os.cpu_count()} cores; {sys.version.split()[0]})")
    print(f"  first page (with MathJax's copy)   {1000 * first:7.1f} ms")
    print(f"  per page, median of the rest        {1000 * statistics.median(rest):7.1f} ms "
          f"(min {1000 * min(rest):.1f}, max {1000 * max(rest):.1f})")
    print(f"  CPU per page, median of the rest    {1000 * statistics.median(cpu[1:]):7.1f} ms "
          "(the figure a shared machine disturbs least)")
    print(f"  a page's size                       {size / 1000:7.1f} kB")


if __name__ == "__main__":
    main()
