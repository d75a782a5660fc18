"""Helpers for the project's own tests: build student submissions from the release and the solutions."""
import os

import nbformat

from .course import EXERCISES_DIR, SOLUTIONS_DIR


def exercise_notebook(assignment, language="en"):
    """The students' version, exactly as released in exercises/ (in `language`: a01.ko.ipynb for "ko")."""
    from .i18n.translation import localized_name

    return nbformat.read(os.path.join(EXERCISES_DIR, assignment, localized_name(assignment, language)), as_version=4)


def solution_notebook(assignment):
    """The instructor's version in solutions/, with solutions and hidden tests."""
    return nbformat.read(os.path.join(SOLUTIONS_DIR, assignment, assignment + ".ipynb"), as_version=4)


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def set_answer(notebook, cell_grade_id, source):
    """Replace the source of the answer cell `cell_grade_id`, as a student typing into it would."""
    for cell in notebook.cells:
        if grade_id(cell) == cell_grade_id:
            cell.source = source
            return notebook
    raise KeyError(f"no cell with grade_id {cell_grade_id!r}")


def solved_exercise(assignment, language="en"):
    """The released notebook with every answer cell filled in from the solutions: a perfect submission."""
    notebook = exercise_notebook(assignment, language)
    for cell in solution_notebook(assignment).cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            set_answer(notebook, grade_id(cell), _strip_solution_markers(cell.source))
    return notebook


def answer_cell_ids(assignment):
    return [grade_id(c) for c in solution_notebook(assignment).cells if c.metadata.get("nbgrader", {}).get("solution")]


def _strip_solution_markers(source):
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
