"""`python -m autograder check` names a known mistake before the student submits, and never says more."""
import os

import nbformat
import pytest

from autograder.isolation import sandbox
from autograder.selfcheck import check_notebook
from autograder.testing import set_answer, solved_exercise

ASSIGNMENT = "a03_lstm"
PRODUCT_BUG = "def cell_update(c_prev, f, i, c_tilde):\n    return c_prev * f * c_tilde * i\n"


@pytest.mark.parametrize("use_sandbox", [pytest.param(True, marks=pytest.mark.skipif(
    bool(sandbox.missing_tools()), reason=f"needs {sandbox.INSTALL_HINT}")), False])
def test_check_names_the_mistake_of_a_failing_visible_test(tmp_path, use_sandbox):
    notebook = set_answer(solved_exercise(ASSIGNMENT), "cell_update", PRODUCT_BUG)
    path = tmp_path / f"{ASSIGNMENT}.ipynb"
    nbformat.write(notebook, str(path))
    before = path.read_bytes()
    results = {cell: (passed, message) for cell, passed, message in check_notebook(str(path), use_sandbox)}
    passed, message = results["test_cell_update"]
    assert not passed
    assert "This is what you get with the source's ct = prev_ct * ft * candidate * it" in message
    assert "book/04_lstm.html#a-worked-correction" in message
    assert "hidden" not in message.lower() and "expected" not in message.split("This is what")[1]
    assert results["test_forget_gate"] == (True, "")  # a passing test gets no note
    assert path.read_bytes() == before and os.listdir(tmp_path) == [path.name]
