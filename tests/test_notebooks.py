"""Every assignment: the solution passes its own tests, the release fails them, and the release is generated."""
import filecmp
import importlib
import os
import re

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.course import EXERCISES_DIR, SOLUTIONS_DIR, list_assignments
from autograder.release import generate_release
from autograder.testing import exercise_notebook, solution_notebook

ASSIGNMENTS = list_assignments()


def execute(notebook, cwd):
    NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": cwd}}).execute()
    return notebook


def errors(cell):
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def stdout(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stdout")


def is_test_cell(cell):
    return cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"


def test_assignments_exist_and_are_well_named():
    assert ASSIGNMENTS, "no assignments found in solutions/"
    for name in ASSIGNMENTS:
        assert re.fullmatch(r"a\d\d_[a-z0-9_]+", name), f"{name}: names are aNN_words, in [a-z0-9_]"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_passes_visible_and_hidden_tests(assignment):
    notebook = execute(solution_notebook(assignment), os.path.join(SOLUTIONS_DIR, assignment))
    for cell in notebook.cells:
        failures = errors(cell)
        assert not failures, f"{assignment}, cell {cell.metadata.get('nbgrader', {}).get('grade_id')}: " \
                             f"{failures[0].ename}: {failures[0].evalue}"
        if is_test_cell(cell):
            assert "hidden cases passed" in stdout(cell), f"{assignment}: a test cell ran no hidden cases"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_exercise_fails_every_test(assignment):
    notebook = execute(exercise_notebook(assignment), os.path.join(EXERCISES_DIR, assignment))
    test_cells = [cell for cell in notebook.cells if is_test_cell(cell)]
    assert test_cells
    for cell in test_cells:
        assert errors(cell), f"{assignment}: test cell {cell.metadata.nbgrader.grade_id} passes on an untouched exercise"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_hidden_tests_cover_every_graded_function(assignment):
    """Each test cell calls hidden.check for one function, and each function with hidden cases is called."""
    hidden = importlib.import_module(f"autograder.hidden.{assignment}")
    called = []
    for cell in solution_notebook(assignment).cells:
        if is_test_cell(cell):
            assert "### BEGIN HIDDEN TESTS" in cell.source, f"{cell.metadata.nbgrader.grade_id} has no hidden tests"
            called += re.findall(r'hidden\.check\("(\w+)"', cell.source)
    assert sorted(called) == sorted(hidden.CHECKS), "test cells and autograder.hidden disagree on the functions"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_hides_solutions_and_hidden_tests(assignment):
    text = open(os.path.join(EXERCISES_DIR, assignment, assignment + ".ipynb")).read()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "autograder"):
        assert marker not in text, f"exercises/{assignment} contains {marker!r}"


def test_exercises_are_what_make_exercises_generates(tmp_path):
    generate_release(release_directory=tmp_path / "release", work_directory=str(tmp_path / "work"))
    assert sorted(os.listdir(tmp_path / "release")) == sorted(os.listdir(EXERCISES_DIR)), \
        "exercises/ and solutions/ list different assignments: run `make exercises`"
    for assignment in ASSIGNMENTS:
        fresh, committed = tmp_path / "release" / assignment, os.path.join(EXERCISES_DIR, assignment)
        comparison = filecmp.dircmp(fresh, committed)
        assert not (comparison.left_only or comparison.right_only), f"exercises/{assignment}: files differ"
        for name in comparison.common_files:
            if name.endswith(".ipynb"):
                same = nbformat.read(fresh / name, 4) == nbformat.read(os.path.join(committed, name), 4)
            else:
                same = filecmp.cmp(fresh / name, os.path.join(committed, name), shallow=False)
            assert same, f"exercises/{assignment}/{name} is stale or hand-edited: run `make exercises`"
