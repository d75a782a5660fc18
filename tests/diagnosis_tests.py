"""The diagnosis tests every assignment's catalogue of known mistakes gets (autograder/hidden/<a>_mistakes.py).

In a test module:  test_mistake_is_diagnosed_as_itself, test_reference_matches_no_mistake = diagnosis_tests(hidden)

Each mistake's outputs travel as they would from a sandboxed kernel (the shim's encoding, JSON, the grader's
decoding) and are judged by the grader's own code, so "diagnosed as itself" here is what the feedback says.
"""
import json
import warnings

import pytest

from autograder.judge import mistakes as diagnosis
from autograder.judge.checking import observe_safely
from autograder.judge.verdicts import JudgeHiddenTests, decode_observation


def emitted(case, fn, shim):
    """One case's observation, as the grader receives it from the kernel."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        observation = observe_safely(case, fn)
    if hasattr(observation, "kind"):
        raw = {"__raised__": [observation.kind, observation.message]}
    else:
        raw = {"__observed__": [shim.encode(observation[0]), shim.encode(observation[1])]}
    return decode_observation(json.loads(json.dumps(raw)))


def diagnosis_tests(hidden):
    from test_verdicts import shim

    assignment = hidden.__name__.rsplit(".", 1)[1]
    mistakes = [(f, m) for f, ms in hidden.MISTAKES.items() for m in ms]

    @pytest.mark.parametrize("function, mistake", mistakes, ids=[f"{f}: {m.name}" for f, m in mistakes])
    def test_mistake_is_diagnosed_as_itself(function, mistake):
        judge = JudgeHiddenTests()
        cases = hidden.CHECKS[function]
        module = shim()
        got = [emitted(case, mistake.fn, module) for case in cases]
        _, expected, output_name, known, theirs = judge._cases(assignment)[function]
        found = diagnosis.diagnose(cases, got, known, theirs)
        assert [m.name for m in found] == [mistake.name], \
            f"{function}: {mistake.name!r} is diagnosed as {[m.name for m in found]}"

    @pytest.mark.parametrize("function", list(hidden.CHECKS))
    def test_reference_matches_no_mistake(function):
        cases = hidden.CHECKS[function]
        reference = hidden.REFERENCES[function]
        module = shim()
        got = [emitted(case, getattr(reference, "numpy_fn", reference), module) for case in cases]
        _, _, _, known, theirs = JudgeHiddenTests()._cases(assignment)[function]
        assert diagnosis.diagnose(cases, got, known, theirs) == []

    @pytest.mark.parametrize("function", list(hidden.CHECKS))
    def test_every_mistake_links_to_a_book_section_that_exists(function):
        for mistake in hidden.MISTAKES.get(function, []):
            chapter, _, anchor = mistake.section.partition("#")
            assert anchor in diagnosis.book_sections(chapter), f"{mistake.name}: no section {mistake.section}"
            assert len(mistake.message) > 30, f"{mistake.name}: the message says too little"

    return test_mistake_is_diagnosed_as_itself, test_reference_matches_no_mistake, \
        test_every_mistake_links_to_a_book_section_that_exists
