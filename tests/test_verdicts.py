"""What travels out of the sandbox: the kernel shim's encoding and the grader's decoding are exact inverses."""
import json

import numpy as np
import pytest
import torch

from autograder.judge.wire import MIME_TYPE, decode
from autograder.testing import kernel_shim as shim


def test_round_trip_is_exact_through_json():
    value = {"h": np.arange(12.0).reshape(3, 4).T, "scalar": np.float64(2.5), "f32": np.ones(3, np.float32),
             "ints": np.arange(3), "pair": (np.zeros((0, 2)), 1.5), "list": [1, None, "x"], "flag": True,
             "tensor": torch.tensor([[1.0, -2.0]], dtype=torch.float64)}
    back = decode(json.loads(json.dumps(shim().encode(value))))
    assert back["h"].shape == (4, 3) and np.array_equal(back["h"], value["h"])
    assert back["scalar"].shape == () and back["scalar"] == 2.5
    assert back["f32"].dtype == np.float32 and back["ints"].dtype == value["ints"].dtype
    assert isinstance(back["pair"], tuple) and back["pair"][0].shape == (0, 2) and back["pair"][1] == 1.5
    assert back["list"] == [1, None, "x"] and back["flag"] is True
    assert np.array_equal(back["tensor"], [[1.0, -2.0]])


def test_objects_never_decode_to_numbers():
    class Sneaky(np.ndarray):
        def __eq__(self, other):
            return True
    encoded = shim().encode([object(), np.array(["a"]), np.zeros(2).view(Sneaky)])
    decoded = decode(json.loads(json.dumps(encoded)))
    assert "object" in repr(decoded[0]) and "dtype" in repr(decoded[1])
    assert type(decoded[2]) is np.ndarray  # a subclass arrives as plain data: its __eq__ stays in the kernel
    forged = decode({"__ndarray__": "AAAA", "dtype": "|O", "shape": [1]})
    assert not isinstance(forged, np.ndarray)


def test_malformed_emissions_decode_to_failures_never_to_errors():
    """Whatever the kernel sends (a student may replace IPython's display), decoding never raises."""
    import functools

    from autograder.judge.checking import Raised, Unreadable, judge_case
    from autograder.hidden import a01_rnn_forward as hidden
    from autograder.judge.wire import decode_observation
    from autograder.pipeline.hidden_tests import JudgeHiddenTests
    from autograder.pipeline.kernel_client import bounded_unpacker

    good = shim().encode(np.ones(3))
    forged = [
        {**good, "shape": [7, 7]},                      # wrong shape for its bytes
        {**good, "dtype": "nonsense"},                  # unknown dtype
        {**good, "dtype": "<c16"},                      # a dtype that is not real numbers
        {**good, "__ndarray__": "not base64!"},
        {"__ndarray__": 5, "dtype": [], "shape": "x"},  # wrong types everywhere
        {"__tuple__": 5}, {"__dict__": [[1]]}, {"__dict__": 3},
        functools.reduce(lambda v, _: [v], range(5000), 1.0),  # nested far too deep
    ]
    for value in forged:
        assert isinstance(decode(value), Unreadable), value
    for raw in [None, "text", 3.5, {"__observed__": "x"}, {"__observed__": [1]}, {"__raised__": [1, 2, 3]}, {}]:
        assert isinstance(decode_observation(raw), Raised), raw
    case = hidden.CHECKS["sigmoid"][0]
    expected = case.observe(hidden.REFERENCES["sigmoid"])
    for value in forged:
        message = judge_case(case, (decode(value), {}), expected, "result")
        assert message is not None and str(message).startswith("result"), message
    verdict = JudgeHiddenTests().judge("a01_rnn_forward", "sigmoid",
                                       [{"function": "sigmoid", "outputs": {"a": 1}}]).as_dict()
    assert verdict["failed"] and "did not run to completion" in verdict["text"]
    deep = json.dumps({"data": {"x": functools.reduce(lambda v, _: [v], range(500), 1)}}).encode()
    assert "nested more than" in bounded_unpacker(deep)["data"]["text/plain"]
    assert bounded_unpacker(b'{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}


def test_the_shim_reports_each_case_on_its_own():
    """A function that raises on one case still has its other cases judged (partial credit needs them)."""
    import pickle

    from autograder.hidden import a01_rnn_forward as hidden
    from autograder.judge.wire import decode_observation
    from autograder.pipeline.hidden_tests import JudgeHiddenTests

    module = shim()
    module._cases = pickle.loads(pickle.dumps({"a01_rnn_forward": hidden.CHECKS}))
    sent = []
    import IPython.display

    original = IPython.display.display
    IPython.display.display = lambda obj, raw=False: sent.append(obj)
    try:
        def sigmoid(x):
            if np.ndim(x) == 1 and x.dtype == np.float32:
                raise ValueError("no float32 here")
            return hidden.REFERENCES["sigmoid"](x)
        module.__getattr__("a01_rnn_forward").check("sigmoid", sigmoid)
    finally:
        IPython.display.display = original
    outputs = json.loads(json.dumps(sent[0][module.MIME_TYPE]["outputs"]))
    assert [type(decode_observation(o)).__name__ for o in outputs] == ["tuple", "tuple", "tuple", "Raised"]
    verdict = JudgeHiddenTests().judge("a01_rnn_forward", "sigmoid",
                                       [{"function": "sigmoid", "outputs": outputs}]).as_dict()
    assert [c["passed"] for c in verdict["cases"]] == [True, True, True, False]
    assert "ValueError: no float32 here" in verdict["cases"][3]["message"]


def _judged_naive_sigmoid_cell(monkeypatch, partial, language="en"):
    """A sigmoid test cell as the grader judges it, the student's sigmoid the naive one (3 of 4 cases pass)."""
    from nbformat import NotebookNode

    from autograder.hidden import a01_rnn_forward as hidden
    from autograder.hidden.a01_rnn_forward_mistakes import naive_sigmoid
    from autograder.pipeline.hidden_tests import JudgeHiddenTests

    module = shim()
    outputs = []
    for case in hidden.CHECKS["sigmoid"]:
        with np.errstate(over="raise", invalid="raise", divide="raise") if case.strict_fp else np.errstate():
            try:
                result, inputs = case.observe(naive_sigmoid)
                outputs.append({"__observed__": [module.encode(result), module.encode(inputs)]})
            except FloatingPointError as error:
                outputs.append({"__raised__": ["FloatingPointError", str(error)]})
    emission = {"assignment": "a01_rnn_forward", "function": "sigmoid", "outputs": outputs}
    cell = NotebookNode(cell_type="code", execution_count=1, source=(
        '### BEGIN HIDDEN TESTS\nfrom autograder.hidden import a01_rnn_forward as hidden\n'
        'hidden.check("sigmoid", sigmoid)\n### END HIDDEN TESTS\nassert sigmoid(0) == 0.5'),
        metadata={"nbgrader": {"grade": True, "solution": False, "points": 2, "grade_id": "test_sigmoid"}},
        outputs=[NotebookNode(output_type="display_data", metadata={}, data={MIME_TYPE: emission}),
                 NotebookNode(output_type="execute_result", execution_count=1, metadata={},
                              data={"text/plain": "2.0"})])  # a number the student's code left: no credit
    monkeypatch.setattr("autograder.hidden.partial_credit", lambda assignment: partial)
    judge = JudgeHiddenTests()
    judge._language = language  # as preprocess() reads it from the student's notebook
    judged, _ = judge.preprocess_cell(cell, {}, 0)
    return judged


@pytest.mark.parametrize("partial", [True, False])
def test_a_cell_scores_the_passed_fraction_or_all_or_nothing(partial, monkeypatch):
    """nbgrader's own scoring of the judged cell: points x passed cases / cases, or 0 without partial credit."""
    from nbgrader.utils import determine_grade

    judged = _judged_naive_sigmoid_cell(monkeypatch, partial)
    score, points = determine_grade(judged)
    assert points == 2 and score == (pytest.approx(2 * 3 / 4) if partial else 0)
    text = "".join(o.get("data", {}).get("text/plain", "") for o in judged.outputs)
    assert "FAIL  large pre-activations" in text and "naive formula (overflows)" in text


def test_a_korean_students_case_lines_and_summary_are_korean(monkeypatch):
    """The feedback page's sentences around the cases come from autograder.po, as the mistakes' do."""
    from autograder.judge.verdicts import wording_sentences

    judged = _judged_naive_sigmoid_cell(monkeypatch, True, language="ko")
    text = "".join(o.get("data", {}).get("text/plain", "") for o in judged.outputs)
    assert "sigmoid: 숨겨진 사례 4개 중 3개 통과" in text and "실패  큰 활성화 전 값, |x|가 최대 1000" in text, text
    assert "진단: " in text and "검사 4개 중 3개 통과" in text and "부분 점수" in text, text
    english = [sentence for sentence in wording_sentences().values()
               if sentence.split("{")[0].strip(": ") and sentence.split("{")[0] in text]
    assert not english and "hidden cases passed" not in text and "checks passed" not in text, english
