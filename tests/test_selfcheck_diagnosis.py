"""`python -m autograder check` names a known mistake before the student submits, from practice cases only.

It is the student edition's check (autograder/student/) fed with practice data computed from this repository:
per function the practice cases with their values, the known mistake, the note on the grade, and never a
graded case's expected output.
"""
import dataclasses
import os

import nbformat
import pytest

from autograder import hidden
from autograder.isolation import sandbox
from autograder.selfcheck import check_function, check_notebook, practice_data
from autograder.student.cli import report
from autograder.testing import set_answer, solved_exercise

import edition_leaks

ASSIGNMENT = "a03_lstm"
PRODUCT_BUG = "def cell_update(c_prev, f, i, c_tilde):\n    return c_prev * f * c_tilde * i\n"


@pytest.mark.parametrize("use_sandbox", [pytest.param(True, marks=pytest.mark.skipif(
    bool(sandbox.missing_tools()) or os.geteuid() != 0, reason=f"needs root and {sandbox.INSTALL_HINT}")), False])
def test_check_names_the_mistake_on_practice_cases_and_shows_no_graded_output(tmp_path, use_sandbox):
    notebook = set_answer(solved_exercise(ASSIGNMENT), "cell_update", PRODUCT_BUG)
    path = tmp_path / f"{ASSIGNMENT}.ipynb"
    nbformat.write(notebook, str(path))
    before = path.read_bytes()
    check = check_notebook(str(path), use_sandbox)
    assert (check.assignment, check.sandboxed, check.passed) == (ASSIGNMENT, use_sandbox, False)
    visible = {test.cell: test.passed for test in check.visible}
    assert not visible["test_cell_update"] and visible["test_forget_gate"]
    functions = {f.function: f for f in check.functions}
    update = functions["cell_update"]
    assert not update.passed and update.mistakes == ["the source's ct = prev_ct * ft * candidate * it"]
    practice_names = [c.name for c in hidden.practice(ASSIGNMENT).CHECKS["cell_update"]]
    assert list(update.cases) == practice_names and not any(update.cases.values())
    assert "0 of 5 practice cases passed" in update.diagnosis
    assert "This is what you get with the source's ct = prev_ct * ft * candidate * it" in update.diagnosis
    assert "book/04_lstm.html#a-worked-correction" in update.diagnosis
    # What does not build on cell_update passes (the step and the sequence call it, and fail with it).
    assert all(functions[name].passed for name in ("forget_gate", "input_gate", "candidate", "output_gate",
                                                   "hidden_state", "params_from_torch"))
    practice = practice_data()[ASSIGNMENT]
    lines = report(check, practice)
    text = "\n".join(lines)
    # The report's own lines in the notebook's language: English here, Korean for a Korean notebook.
    failed = sum(not test.passed for test in check.visible)
    passed, cases = len(check.visible) - failed, [ok for f in check.functions for ok in f.cases.values()]
    assert "FAIL  test_cell_update" in text and "PASS  test_forget_gate" in text
    assert lines[-3:] == [f"{passed} passed, {failed} failed",
                          f"practice cases: {sum(cases)} of {len(cases)} passed", practice.grade_note("en")]
    korean = report(dataclasses.replace(check, language="ko"), practice)
    assert "실패  test_cell_update" in "\n".join(korean) and "통과  test_forget_gate" in korean
    assert korean[-3:] == [f"테스트 셀 {passed}개 통과, {failed}개 실패",
                           f"연습 사례: {len(cases)}개 중 {sum(cases)}개 통과", practice.grade_note("ko")]
    assert "hidden case" not in text.lower() and "hidden test" not in text.lower()
    # Values are shown (got ..., expected ... of the practice case), but never a graded one.
    texts, _ = edition_leaks.graded_outputs()
    assert "expected" in update.diagnosis and not edition_leaks._numbers_windows(text) & texts.keys()
    assert path.read_bytes() == before and os.listdir(tmp_path) == [path.name]


def test_check_function_tells_the_same_story_in_process():
    from autograder.hidden.a03_lstm_mistakes import MUTANTS

    wrong = check_function(ASSIGNMENT, "cell_update", MUTANTS["cell_update"]["the source's ct = prev_ct * ft * "
                                                                           "candidate * it"])
    assert not wrong.passed and wrong.mistakes == ["the source's ct = prev_ct * ft * candidate * it"]
    assert wrong.diagnosis.splitlines()[0] == "cell_update: 0 of 5 practice cases passed"
    right = check_function(ASSIGNMENT, "cell_update", hidden.load(ASSIGNMENT).REFERENCES["cell_update"])
    assert right.passed and all(right.cases.values()) and right.diagnosis == "cell_update: 5 practice cases passed"
    korean = check_function(ASSIGNMENT, "cell_update", lambda c_prev, f, i, c_tilde: c_prev * f * c_tilde * i,
                            language="ko")
    assert "연습 사례 5개 중 0개 통과" in korean.diagnosis and "진단" in korean.diagnosis


def test_check_function_is_importable_from_the_package():
    import autograder

    assert autograder.check_function is check_function


def test_a_notebook_is_recognised_by_its_content_then_by_its_name():
    from autograder.selfcheck import practice_data
    from autograder.student.notebook import recognise
    from autograder.testing import exercise_notebook

    data = practice_data()
    # Content wins over the name: a02 saved under a01's name, and a Korean a03 saved by a browser a second time.
    assert recognise(exercise_notebook("a02_bptt"), "a01_rnn_forward.ipynb", data) == "a02_bptt"
    assert recognise(exercise_notebook("a03_lstm", "ko"), "download (1).ipynb", data) == "a03_lstm"
    # With every mark gone (metadata and cell ids stripped), the name, as Colab and browsers change it.
    bare = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    for name in ("Copy of a04_gru.ipynb", "a04_gru (2).ipynb", "a04_gru.ko (1).ipynb", "사본 - a04_gru.ko.ipynb"):
        assert recognise(bare, name, data) == "a04_gru", name
    with pytest.raises(Exception, match="not a notebook of this course"):
        recognise(bare, "homework.ipynb", data)
