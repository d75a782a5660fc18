"""The diagnosis tests every assignment's catalogue of known mistakes gets (autograder/hidden/<a>_mistakes.py).

In a test module:  test_mistake_is_diagnosed_as_itself, test_reference_matches_no_mistake = diagnosis_tests(hidden)

Each mistake's outputs travel as they would from a sandboxed kernel (the shim's encoding, JSON, the grader's
decoding) and are judged by the grader's own code, so "diagnosed as itself" here is what the feedback says.
"""
import pytest

from autograder import hidden as hidden_tests
from autograder.i18n.sections import book_sections
from autograder.judge import mistakes as diagnosis
from autograder.testing import emitted, kernel_shim as shim


def diagnosis_tests(hidden):
    assignment = hidden.__name__.rsplit(".", 1)[1]
    mistakes = [(f, m) for f, ms in hidden.MISTAKES.items() for m in ms]

    @pytest.mark.parametrize("function, mistake", mistakes, ids=[f"{f}: {m.name}" for f, m in mistakes])
    def test_mistake_is_diagnosed_as_itself(function, mistake):
        cases = hidden.CHECKS[function]
        module = shim()
        got = [emitted(case, mistake.fn, module) for case in cases]
        expected = hidden_tests.expected(assignment)[function]
        found = diagnosis.diagnose(cases, got, expected.mistakes, expected.mistake_observations)
        assert [m.name for m in found] == [mistake.name], \
            f"{function}: {mistake.name!r} is diagnosed as {[m.name for m in found]}"

    @pytest.mark.parametrize("function", list(hidden.CHECKS))
    def test_reference_matches_no_mistake(function):
        cases = hidden.CHECKS[function]
        reference = hidden.REFERENCES[function]
        module = shim()
        got = [emitted(case, getattr(reference, "numpy_fn", reference), module) for case in cases]
        expected = hidden_tests.expected(assignment)[function]
        assert diagnosis.diagnose(cases, got, expected.mistakes, expected.mistake_observations) == []

    @pytest.mark.parametrize("function", list(hidden.CHECKS))
    def test_every_mistake_links_to_a_book_section_that_exists(function):
        for mistake in hidden.MISTAKES.get(function, []):
            chapter, _, anchor = mistake.section.partition("#")
            assert anchor in book_sections(chapter), f"{mistake.name}: no section {mistake.section}"
            assert len(mistake.message) > 30, f"{mistake.name}: the message says too little"

    return test_mistake_is_diagnosed_as_itself, test_reference_matches_no_mistake, \
        test_every_mistake_links_to_a_book_section_that_exists
