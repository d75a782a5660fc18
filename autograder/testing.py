"""Helpers for the project's own tests and benchmarks: student submissions built from the release and the
solutions (honest, or answering with known mistakes), and the kernel shim's side of the hidden tests."""
from __future__ import annotations

import base64
import json
import os
import sys
import warnings
from types import ModuleType
from typing import Any, Callable

import cloudpickle
import nbformat

from . import hidden
from .course import EXERCISES_DIR, SOLUTIONS_DIR
from .diagnosis import load_kernel_shim
from .grading.records import GradeRow, GradingOptions
from .grading.run import grade_class
from .i18n.code_prose import ANSWER, translate_source
from .i18n.translation import code_messages, localized_name
from .isolation import sandbox
from .judge.checking import Case, observe_safely
from .judge.wire import decode_observation


def exercise_notebook(assignment: str, language: str = "en") -> nbformat.NotebookNode:
    """The students' version, exactly as released in exercises/ (in `language`: a01.ko.ipynb for "ko")."""
    return nbformat.read(os.path.join(EXERCISES_DIR, assignment, localized_name(assignment, language)), as_version=4)


def solution_notebook(assignment: str) -> nbformat.NotebookNode:
    """The instructor's version in solutions/, with solutions and hidden tests."""
    return nbformat.read(os.path.join(SOLUTIONS_DIR, assignment, assignment + ".ipynb"), as_version=4)


def grade_id(cell: dict) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def set_answer(notebook: nbformat.NotebookNode, cell_grade_id: str, source: str) -> nbformat.NotebookNode:
    """Replace the source of the answer cell `cell_grade_id`, as a student typing into it would."""
    for cell in notebook.cells:
        if grade_id(cell) == cell_grade_id:
            cell.source = source
            return notebook
    raise KeyError(f"no cell with grade_id {cell_grade_id!r}")


def solved_exercise(assignment: str, language: str = "en") -> nbformat.NotebookNode:
    """The released notebook with every answer cell filled in from the solutions: a perfect submission. In
    another language, the answers keep that release's docstrings, as a student who writes below them would."""
    notebook = exercise_notebook(assignment, language)
    translations = code_messages(assignment, language) if language != "en" else {}
    for cell in solution_notebook(assignment).cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            answer, _, _ = translate_source(_strip_solution_markers(cell.source), ANSWER, translations)
            set_answer(notebook, grade_id(cell), answer)
    return notebook


def answer_cell_ids(assignment: str) -> list[str]:
    return [grade_id(c) for c in solution_notebook(assignment).cells if c.metadata.get("nbgrader", {}).get("solution")]


def _strip_solution_markers(source):
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


# ------------------------------------------------------------------------------ the kernel's side, in-process
kernel_shim = load_kernel_shim  # the kernel-side module, loaded afresh (inside the sandbox it is autograder.hidden)


def emitted(case: Case, fn: Callable, shim: ModuleType) -> Any:
    """One case's observation of `fn`, as the grader receives it from the kernel: the shim's encoding, JSON, and
    the grader's decoding."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        observation = observe_safely(case, fn)
    if hasattr(observation, "kind"):
        raw = {"__raised__": [observation.kind, observation.message]}
    else:
        raw = {"__observed__": [shim.encode(observation[0]), shim.encode(observation[1])]}
    return decode_observation(json.loads(json.dumps(raw)))


# ------------------------------------------------------------------ a class whose answers are known mistakes
def pickled_answer(name: str, fn: Callable, modules: list[ModuleType]) -> str:
    """An answer cell that defines `name` as `fn`, with no import of the autograder (the sandbox has none)."""
    for module in modules:
        cloudpickle.register_pickle_by_value(module)
    try:
        data = base64.b64encode(cloudpickle.dumps(fn)).decode()
    finally:
        for module in modules:
            cloudpickle.unregister_pickle_by_value(module)
    return f"import base64, pickle\n{name} = pickle.loads(base64.b64decode({data!r}))"


UNPLANTED: set[tuple[str, str]] = set()  # (function, mistake) that mistake_batch could not plant


def mistake_batch(assignment: str, answer_cells: dict[str, str], tmp_path: Any, extra: dict | None = None,
                  workers: int = 2, depth: int | None = None) -> tuple[dict[str, GradeRow], dict[str, dict]]:
    """Grade one student per index of the catalogue: student k answers every function with its k-th mistake.

    answer_cells: {function: the grade id of the answer cell that defines it}. tmp_path: a pathlib folder.
    Returns ({student: row}, {student: {function: the mistake planted}}).
    """
    catalogue = hidden.mistakes(assignment)
    mistakes_module = hidden.load(f"{assignment}_mistakes")
    modules = [mistakes_module, *(m for name, m in sorted(sys.modules.items())
                                  if name.startswith("autograder.reference.") and m is not None)]
    subs, planted = tmp_path / "subs", {}
    depth = min(depth or 10 ** 6, max(len(ms) for ms in catalogue.values()))
    for k in range(depth):
        notebook, student = solved_exercise(assignment), f"mistakes_{k:02d}"
        planted[student] = {}
        for function, mistakes in catalogue.items():
            if k < len(mistakes) and function in answer_cells:
                try:
                    answer = pickled_answer(function, mistakes[k].fn, modules)
                except TypeError:  # holds a torch internal that cannot travel (checked in-process instead)
                    UNPLANTED.add((function, mistakes[k].name))
                    continue
                set_answer(notebook, answer_cells[function], answer)
                planted[student][function] = mistakes[k].name
        write_submission(subs, student, assignment, notebook)
    write_submission(subs, "honest", assignment, solved_exercise(assignment))
    for student, notebook in (extra or {}).items():
        write_submission(subs, student, assignment, notebook)
    rows = grade_class(assignment, str(subs), str(tmp_path / "out"), workers=workers,
                       options=GradingOptions(cell_timeout=30))
    return {row.student_id: row for row in rows}, planted


def write_submission(subs: Any, student: str, assignment: str, notebook: nbformat.NotebookNode) -> None:
    """Write `notebook` as `student`'s submission in the submissions folder `subs` (a pathlib folder)."""
    os.makedirs(subs / student)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nbformat.write(notebook, str(subs / student / (assignment + ".ipynb")))


# ------------------------------------------------------------------------------- feedback pages to look at
# sigmoid(-x), computed stably: a01's known mistake "sign flip", whose diagnosis names a section of the book
SIGN_FLIPPED_SIGMOID = "def sigmoid(x):\n    return np.exp(-np.logaddexp(0, x))"
# A student's own markdown cell, as hostile as markdown gets, with math in it
STUDENT_MARKDOWN = ("My notes: $\\sigma(0) = 1/2$. <script>alert('markdown')</script>"
                    "<img src=\"javascript:alert('src')\" onerror=\"alert('onerror')\">"
                    " [a link](javascript:alert('href'))")


def feedback_class(subs: Any, out: str, workers: int = 2) -> dict[str, GradeRow]:
    """Grade a small a01 class whose feedback pages show what a page can; {student: row}. In the sandbox where
    it is installed, else without (the submissions are the course's own). subs: a pathlib folder.

        sign_flip_en, sign_flip_ko   the known mistake "sign flip" in sigmoid (a diagnosis that names a section
                                     of the book; partial credit) in the English and the Korean notebook
        own_cells                    a correct notebook with cells of the student's own: a markdown cell
                                     (STUDENT_MARKDOWN) and a code cell whose last value is shown, 0.5
        untouched                    the release as it was handed out
    """
    own = solved_exercise("a01_rnn_forward")
    at = next(k for k, cell in enumerate(own.cells) if grade_id(cell) == "sigmoid") + 1
    own.cells[at:at] = [nbformat.v4.new_markdown_cell(STUDENT_MARKDOWN), nbformat.v4.new_code_cell("sigmoid(0.0)")]
    notebooks = {"sign_flip_en": set_answer(solved_exercise("a01_rnn_forward"), "sigmoid", SIGN_FLIPPED_SIGMOID),
                 "sign_flip_ko": set_answer(solved_exercise("a01_rnn_forward", "ko"), "sigmoid", SIGN_FLIPPED_SIGMOID),
                 "own_cells": own, "untouched": exercise_notebook("a01_rnn_forward")}
    for student, notebook in notebooks.items():
        write_submission(subs, student, "a01_rnn_forward", notebook)
    rows = grade_class("a01_rnn_forward", str(subs), out, workers=workers,
                       options=GradingOptions(use_sandbox=not sandbox.missing_tools()))
    return {row.student_id: row for row in rows}
