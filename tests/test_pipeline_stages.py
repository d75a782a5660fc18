"""Each of the grader's nbgrader preprocessors on its own, on small notebooks (tests/files/), as nbgrader tests
its own (nbgrader/tests/preprocessors): what a whole class grading does with them is tests/test_grading*.py."""
import os

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.hidden import a01_rnn_forward as hidden
from autograder.hidden.a01_rnn_forward_mistakes import naive_sigmoid
from autograder.judge.verdicts import cell_verdicts
from autograder.judge.wire import CELL_VERDICT_KEY, MIME_TYPE, VERDICT_KEY
from autograder.pipeline.config import course_config
from autograder.pipeline.execute import NOT_RUN, GradingExecute
from autograder.pipeline.hidden_tests import ClearReleasedHiddenTests, JudgeHiddenTests
from autograder.pipeline.outputs import CapOutputs
from autograder.testing import kernel_shim

FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files")


def read(name):
    return nbformat.read(os.path.join(FILES, name), as_version=4)


# ------------------------------------------------------------------------------------------ GradingExecute
def execute(notebook, tmp_path, notebook_timeout):
    # Through the configuration, as nbgrader sets it: Execute.preprocess re-initialises itself from it.
    executor = GradingExecute(config=course_config(notebook_timeout=notebook_timeout))
    executed, _ = executor.preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    return executed


def test_a_notebook_past_its_wall_clock_limit_is_interrupted_and_the_rest_not_run(tmp_path):
    first, sleeping, after = execute(read("sleepy.ipynb"), tmp_path, notebook_timeout=3).cells
    assert first.outputs == [] and first.execution_count == 1
    error, = [o for o in sleeping.outputs if o.output_type == "error" and o.ename == "CellTimeoutError"]
    assert "its 3 s wall-clock limit during this cell" in error.evalue
    not_run, = after.outputs
    assert not_run.ename == NOT_RUN and after.execution_count is None


def test_an_output_the_notebook_cannot_store_becomes_a_note(tmp_path):
    unstorable, later = execute(read("unstorable-output.ipynb"), tmp_path, notebook_timeout=60).cells
    assert [o.text for o in unstorable.outputs] == ["(a display_data the notebook cannot store was left out)\n"]
    assert later.outputs[0].text == "still running\n"


# ---------------------------------------------------------------------------------------- JudgeHiddenTests
def emission(fn):
    """What the kernel shim sends for `fn` on a01's hidden sigmoid cases."""
    shim, outputs = kernel_shim(), []
    for case in hidden.CHECKS["sigmoid"]:
        try:
            with np.errstate(over="raise", invalid="raise", divide="raise") if case.strict_fp else np.errstate():
                result, inputs = case.observe(fn)
            outputs.append({"__observed__": [shim.encode(result), shim.encode(inputs)]})
        except Exception as error:
            outputs.append({"__raised__": [type(error).__name__, str(error)]})
    return {"assignment": "a01_rnn_forward", "function": "sigmoid", "outputs": outputs}


def graded_cell(*outputs, points=2):
    return new_code_cell(
        "### BEGIN HIDDEN TESTS\nfrom autograder.hidden import a01_rnn_forward as hidden\n"
        'hidden.check("sigmoid", sigmoid)\n### END HIDDEN TESTS\nassert sigmoid(0) == 0.5',
        metadata={"nbgrader": {"grade": True, "solution": False, "points": points, "grade_id": "test_sigmoid"}},
        outputs=list(outputs))


def judged(cell):
    notebook, _ = JudgeHiddenTests().preprocess(new_notebook(cells=[cell]), {})
    return notebook


def test_a_right_answer_is_judged_passed_and_its_verdict_read_back():
    right = emission(hidden.REFERENCES["sigmoid"])
    notebook = judged(graded_cell(new_output("display_data", data={MIME_TYPE: right})))
    outputs = notebook.cells[0].outputs
    assert not any(o.output_type == "error" or MIME_TYPE in o.get("data", {}) for o in outputs)
    assert [o.metadata.get(VERDICT_KEY, {}).get("function") for o in outputs][0] == "sigmoid"
    assert outputs[-1].data["text/plain"] == "All tests passed: 2 of 2 points."
    verdict = cell_verdicts(notebook)["test_sigmoid"]
    assert verdict.score == 2 and verdict.headline == "" and all(c.passed for c in verdict.functions[0].cases)
    assert verdict.as_dict() == outputs[-1].metadata[CELL_VERDICT_KEY]


def test_a_known_mistake_is_named_and_scored_in_part():
    notebook = judged(graded_cell(new_output("display_data", data={MIME_TYPE: emission(naive_sigmoid)})))
    verdict = cell_verdicts(notebook)["test_sigmoid"]
    function, = verdict.functions
    assert function.failed and 0 < verdict.passed_units < verdict.units
    assert verdict.score == pytest.approx(2 * verdict.passed_units / verdict.units)
    assert function.mistakes and "Diagnosis: " in function.text


def test_outputs_that_never_arrived_fail_the_cell():
    notebook = judged(graded_cell(new_output("stream", name="stderr", text="a warning\n")))
    outputs = notebook.cells[0].outputs
    assert outputs[0].name == "stdout" and outputs[0].text == "[stderr] a warning\n"
    error, = [o for o in outputs if o.output_type == "error"]
    assert "did not run to completion" in error.evalue
    assert cell_verdicts(notebook)["test_sigmoid"].score == 0


def test_a_verdict_the_students_code_displays_is_dropped_in_every_cell():
    """display(..., metadata={VERDICT_KEY: ...}) from the student's code reaches neither the results nor the
    report: only the judge writes verdicts, in test cells, after the kernel has run."""
    forged = {"function": "sigmoid", "failed": False, "headline": "", "cases": [{"name": "forged", "passed": True,
                                                                                 "message": ""}],
              "mistakes": [], "text": "all passed"}
    summary = {"functions": [forged], "visible": {"passed": True, "message": ""}, "partial_credit": True,
               "units": 1, "passed_units": 1, "score": 2.0, "max_score": 2.0}
    fake = new_output("display_data", data={"text/plain": "ok"}, metadata={VERDICT_KEY: forged,
                                                                            CELL_VERDICT_KEY: summary})
    answer = new_code_cell("def sigmoid(x): ...", outputs=[fake.copy()],
                           metadata={"nbgrader": {"grade": False, "solution": True, "grade_id": "sigmoid"}})
    test = graded_cell(fake.copy(), new_output("display_data", data={MIME_TYPE: emission(naive_sigmoid)}))
    notebook, _ = JudgeHiddenTests().preprocess(new_notebook(cells=[answer, test]), {})
    verdicts = cell_verdicts(notebook)
    assert "sigmoid" not in verdicts and [c.name for c in verdicts["test_sigmoid"].functions[0].cases] == \
        [case.name for case in hidden.CHECKS["sigmoid"]]
    assert not any(VERDICT_KEY in o.get("metadata", {}) for o in notebook.cells[0].outputs)


def test_a_traceback_is_cut_to_its_last_line_and_a_students_number_is_no_score():
    cell = graded_cell(new_output("execute_result", data={"text/plain": "2.0"}, execution_count=1),
                     new_output("error", ename="NameError", evalue="name 'secret' is not defined",
                                traceback=["File hidden.py line 3", "    secret", "NameError: ..."]))
    cell.source = "assert sigmoid(0) == 0.5"  # a visible test only: nothing hidden to judge
    outputs = judged(cell).cells[0].outputs
    assert outputs[0].output_type == "display_data"
    assert outputs[1].traceback == ["NameError: name 'secret' is not defined"]


# -------------------------------------------------------------------------------------------- CapOutputs
def test_large_outputs_are_cut_and_huge_images_dropped():
    cell = new_code_cell("pass", outputs=[
        new_output("stream", name="stdout", text="x" * 30_000),
        new_output("display_data", data={"image/png": "A" * 3_000_000, "text/html": "<p>" + "y" * 25_000}),
        new_output("display_data", data={"text/plain": "short"}),
    ])
    notebook, _ = CapOutputs().preprocess(new_notebook(cells=[cell]), {})
    stream, display, short = notebook.cells[0].outputs
    assert stream.text.endswith("… output cut at 20000 characters\n") and len(stream.text) < 20_100
    assert "image/png" not in display.data and display.data["text/plain"] == "(image removed: too large)"
    assert display.data["text/html"].endswith("\n… output cut\n") and len(display.data["text/html"]) < 20_100
    assert short.data == {"text/plain": "short"}


# ------------------------------------------------------------------------------- ClearReleasedHiddenTests
def test_hidden_tests_are_cleared_from_test_cells_only():
    notebook = read("hidden-tests.ipynb")
    answer_before = notebook.cells[0].source
    cleared, _ = ClearReleasedHiddenTests(config=course_config()).preprocess(notebook, {})
    answer, test = cleared.cells
    assert answer.source == answer_before  # a student's text that reads like the marker is only text
    assert "BEGIN HIDDEN TESTS" not in test.source and "f(2)" not in test.source
    assert test.source.startswith("assert f(1) == 1")
