"""A Korean student reads the judge's own words in Korean: what is wrong in a case (checking.Detail), what a
probe's own check said (a hidden module's PROBE_MESSAGES) and where a fault is (faults.Place). The English stays
the id that results and cases.csv keep."""
from __future__ import annotations

import numpy as np
import pytest

from autograder import hidden
from autograder.course import list_assignments
from autograder.i18n.hints import wording
from autograder.i18n.template import grader_messages
from autograder.i18n.translation import grader_text
from autograder.judge.checking import (Case, Detail, Label, Message, Raised, judge, judge_case, label_templates,
                                       labelled, probe_said)
from autograder.judge.faults import Finding, Place, render_place
from autograder.judge.verdicts import function_verdict

# Templates that only join translated parts, and a text no template matches: nothing in them to translate.
JOINING = {"{text}", "{argument}[{rest}", "{name}[{quote}{label}{quote}]", "{first}{second}"}


def templates_of(message: Message):
    yield message.template
    for value in message.values.values():
        if isinstance(value, Message):
            yield from templates_of(value)


@pytest.fixture(scope="module")
def listed() -> set[str]:
    return {text for text, _origin in grader_messages()}


@pytest.mark.parametrize("assignment", list_assignments())
def test_what_every_known_mistake_is_told_has_korean_words(assignment, listed):
    """Every case detail a catalogued mistake gets, a probe's check included, is a listed template with a Korean
    translation, and renders as it: a wrong answer nobody wrote reaches the same few templates."""
    seen = set()
    for function, expected in hidden.expected(assignment, kinds_of_fault=False).items():
        for mistake, observations in zip(expected.mistakes, expected.mistake_observations):
            for result in judge(function, expected.cases, observations, expected.observations,
                                expected.output_name, expected.parameters, expected.probe_messages):
                if result.passed:
                    continue
                assert result.detail.template != "{text}", (function, mistake.name, result.message)
                assert result.message == f"{function} [{result.name}]: {result.detail}", "the English id"
                for template in set(templates_of(result.detail)) - JOINING:
                    seen.add(template)
                    assert template in listed, f"{template!r} is not in the grader's catalogue template"
                    assert grader_text(template, "ko"), f"{template!r} has no Korean in autograder.po"
                korean = result.detail.render(wording("ko").text)
                assert korean != str(result.detail) or not any(c.isalpha() for c in result.detail.template)
    assert seen, "the catalogue's mistakes fail some case"


def test_every_template_of_the_judge_and_the_probes_is_translated(listed):
    from autograder.judge.checking import detail_templates
    from autograder.judge.faults import place_templates
    probes = [t for a in list_assignments() for t in getattr(hidden.load(a), "PROBE_MESSAGES", {}).values()]
    for template in [*detail_templates(), *place_templates(), *probes]:
        assert template in listed and grader_text(template, "ko"), template


def test_a_probes_message_is_worded_from_its_template():
    module = hidden.load("a03_lstm")
    text = ("LSTMCellScratch [float32 module]: " +
            module.PROBE_MESSAGES["parameter unused"].format(name="W_f"))
    said = probe_said(text, tuple(module.PROBE_MESSAGES.values()))
    assert said.template == module.PROBE_MESSAGES["parameter unused"] and said.values == {"name": "W_f"}
    assert said.render(wording("ko").text) == "W_f에 기울기가 전달되지 않았다. forward에서 쓰이는지 확인하라."
    # The judge's own structural templates serve the probes too ("expected (h, c)").
    assert probe_said("lstm_forward [x]: expected (h, c)", ()).render(wording("ko").text) == "기대한 반환값: (h, c)"
    assert probe_said("irnn_init should return a tuple (W_xh, W_hh, b_h), got list", (), "irnn_init") is not None
    assert probe_said("expected (h, c)", ()) is None, "without a place or the function's name: the student's own"
    # A student's own assert is a call that raised, never a probe's words; one that imitates a probe's place is
    # shown as it is.
    case = Case("x", args=(np.zeros(2),))
    expected = case.observe(lambda x: x)
    own = judge_case(case, Raised("AssertionError", "my own check"), expected, "result")
    assert own.template == Detail.CALL_RAISED
    imitated = judge_case(case, Raised("AssertionError", "sigmoid [x]: anything at all"), expected, "result")
    assert imitated == Message.literal("anything at all")


def test_a_detail_is_korean_with_its_values_as_they_are():
    message = Message(Detail.WRONG_SHAPE, {"name": "h_next", "got": (5,), "expected": (3, 5)})
    assert str(message) == "h_next has shape (5,), expected (3, 5)"
    assert message.render(wording("ko").text) == "h_next의 형태: (5,), 기대한 형태: (3, 5)"
    kind = Message(Detail.WRONG_KIND, {"name": "h", "want": Message(Detail.NUMPY_ARRAY), "have": "list"})
    assert kind.render(wording("ko").text) == "h의 종류: list, 기대한 종류: numpy 배열"


def test_a_translation_that_loses_a_field_falls_back_to_english():
    message = Message(Detail.WRONG_SHAPE, {"name": "h", "got": (1,), "expected": (2,)})
    assert message.render(lambda template: "{name}의 형태: {shape}") == "h has shape (1,), expected (2,)"
    assert message.render(lambda template: "{0}") == "h has shape (1,), expected (2,)"


def test_a_place_is_joined_in_korean_and_kept_english_as_an_id():
    where = Place.join([Place.IN.format(name="tanh", site="rnn_step"),
                        Place.BOTH.format(first="W_xh", second="W_hh")])
    assert where == "tanh in rnn_step or W_xh and W_hh"
    korean = wording("ko")
    assert render_place(where, korean.text) == "rnn_step의 tanh 또는 W_xh 및 W_hh"
    assert render_place("z and 1 - z", korean.text) == "z 및 1 - z"
    assert render_place("params['W_f']") == "params['W_f']"
    sentence = korean.fault_message("rnn_step", Finding(fault="swap", where="W_xh and W_hh"))
    assert "W_xh 및 W_hh" in sentence and " and " not in sentence


def test_the_english_id_is_unchanged_by_the_students_language():
    table = hidden.expected("a01_rnn_forward", kinds_of_fault=False)["sigmoid"]
    wrong = [(-np.asarray(outputs), inputs) for outputs, inputs in table.observations]
    results = judge("sigmoid", table.cases, wrong, table.observations, table.output_name, table.parameters)
    verdict = function_verdict("sigmoid", results, None, True, wording("ko"))
    assert verdict.failed and all(c.message.startswith(f"sigmoid [{c.name}]: result differs from the reference")
                                  for c in verdict.cases if not c.passed)
    assert "참조 구현과" in verdict.text and "differs" not in verdict.text
    assert verdict.headline.startswith("sigmoid [") and "참조 구현과" in verdict.headline


def keys_in(value, depth=0):
    if isinstance(value, dict) and depth < 6:
        for key, item in value.items():
            yield key
            yield from keys_in(item, depth + 1)
    elif isinstance(value, (tuple, list)) and depth < 6:
        for item in value:
            yield from keys_in(item, depth + 1)


@pytest.mark.parametrize("assignment", list_assignments())
def test_every_label_a_probe_gives_an_output_has_a_form(assignment):
    """A label of words ("h_next minus torch's h"), on any hidden case's outputs or inputs, is read through one of
    Label's forms: a probe that gains a label without one fails here, not on a Korean page."""
    labels = set()
    for expected in hidden.expected(assignment, kinds_of_fault=False).values():
        for observation in expected.observations:
            labels |= {key for key in keys_in(observation) if isinstance(key, str) and " " in key}
    for label in labels:
        assert Message.parse(label, label_templates()) is not None, label


def test_a_label_is_read_in_korean_and_its_name_kept_in_english():
    name = """(h_next, c_next, cache)["h_next minus torch's h"]"""
    message = Message(Detail.NOT_FINITE, {"name": labelled(name)})
    assert str(message) == name + " contains nan or inf; the reference is finite (an overflow?)"
    korean = message.render(wording("ko").text)
    assert korean.startswith('(h_next, c_next, cache)["h_next − torch의 h"]에 nan이나 inf가 있다'), korean
    nested = labelled("""result["params['W_f'] after the call"][0]""")
    assert str(nested) == """result["params['W_f'] after the call"][0]"""
    assert nested.render(wording("ko").text) == """result["호출 뒤의 params['W_f']"][0]"""
    escaped = "result['it\\'s after the call']"
    assert labelled(escaped) == escaped, "a key written with escapes is kept as it is"
    assert labelled("result['W_f'][1]") == "result['W_f'][1]"
    assert Label.UNCHANGED.format(name="x") == "x after the call (must be unchanged)"


def test_a_grader_translation_that_renames_a_placeholder_is_a_catalogue_problem(tmp_path):
    import catalogue_check  # book/_ext (pyproject.toml)
    import polib
    catalogue = polib.POFile()
    catalogue.append(polib.POEntry(msgid=Detail.WRONG_SHAPE, msgstr="{name}의 형태: {shape}"))
    catalogue.append(polib.POEntry(msgid=Place.BOTH, msgstr="{first} 및 {second"))
    catalogue.append(polib.POEntry(msgid=Place.IN, msgstr="{site}의 {name}"))
    catalogue.save(str(tmp_path / "autograder.po"))
    found = catalogue_check.problems(tmp_path / "autograder.po")
    assert len(found) == 2 and "lost {expected}, {got}; added {shape}" in found[0] and "a brace" in found[1]


def test_reading_a_message_back_never_backtracks_on_a_crafted_text():
    """A student's own AssertionError reaches Message.parse: a text made of the templates' separators, many
    times over, is read in one pass (a regular expression with several fields would take exponential time)."""
    crafted = "f [x]: " + ("h differs from the reference by up to  (at index : got , expected ; tolerance "
                           "rtol=, atol=)" * 30)[:1990]
    said = probe_said(crafted, ())
    assert said is None or str(said) == crafted[len("f [x]: "):]
    for text, template in [("x after the call after the call", Label.AFTER),
                           ("a and b and c", Place.BOTH), ("expected (h, c)", Detail.EXPECTED_OUTPUTS)]:
        message = Message.parse(text, [template])
        assert message is not None and str(message) == text, text
    assert Message.parse("h has shape (1,), expected", [Detail.WRONG_SHAPE]) is None
    assert Message.parse(" after the call", [Label.AFTER]) is None, "a field is never empty"


def test_what_the_grader_could_not_read_is_worded_too():
    """A forged or broken emission fails its case with words of the grader's (judge/wire.py), in Korean too."""
    from autograder.judge.wire import decode, decode_observation
    case = Case("x", args=(np.zeros(2),))
    expected = case.observe(lambda x: x)
    forged = [{"__ndarray__": "AAAA", "dtype": "object", "shape": [1]}, {"__ndarray__": "!", "dtype": "float64"},
              {"__unsupported__": "array of dtype object"}]
    for value in forged:
        detail = judge_case(case, (decode(value), {}), expected, "result")
        assert set(templates_of(detail)) - JOINING <= set(map(str, listed_templates())), detail
        assert not any(word in detail.render(wording("ko").text) for word in ("array of", "malformed")), detail
    broken = judge_case(case, decode_observation({"__observed__": "x"}), expected, "result")
    assert broken.render(wording("ko").text).startswith("테스트 셀의 출력을 읽을 수 없다: ")


def listed_templates():
    from autograder.judge.checking import detail_templates
    return detail_templates()
