"""The a04 hidden tests accept the reference and reject each typical wrong implementation of a GRU."""
import numpy as np
import pytest

from autograder.hidden import a04_gru as hidden

from diagnosis_tests import diagnosis_tests
from mutation import mutation_tests
from autograder.hidden.a04_gru_mistakes import MUTANTS, backward_clobbering_cache, backward_missing_key, backward_with, in_place_gate, step_with


test_reference_passes, test_mutant_is_rejected, test_every_graded_function_has_mutants = \
    mutation_tests(hidden, MUTANTS)
test_mistake_is_diagnosed_as_itself, test_reference_matches_no_mistake, test_every_mistake_links_to_a_book_section = \
    diagnosis_tests(hidden)


def test_conventions_are_told_apart_by_a_wide_margin():
    """The cases that separate "reset before" from "reset after" do so by far more than the tolerance."""
    for name in ("candidate", "gru_step"):
        case = next(c for c in hidden.CHECKS[name] if "both conventions" in c.name)
        outputs = case.outputs(hidden.REFERENCES[name])
        assert np.abs(outputs["reset='after'"] - outputs["reset='before'"]).max() > 1e-2, name


def test_messages_say_what_is_wrong():
    with pytest.raises(AssertionError, match=r"gru_step \[reset before\]: h_next differs from the reference"):
        hidden.check("gru_step", step_with(pass_reset=False))
    with pytest.raises(AssertionError, match=r"gru_step_backward \[N=3, D=4, H=5\]: gradients\[.dh_prev.\] differs"):
        hidden.check("gru_step_backward", backward_with(drop_z_path=True))
    with pytest.raises(AssertionError, match="is missing the keys \\[.db_hn.\\]"):
        hidden.check("gru_step_backward", backward_missing_key)


def test_in_place_edits_are_named():
    # Every case observes its inputs after the call, so the first case already names the changed one.
    with pytest.raises(AssertionError, match=r"update_gate \[N=3, D=4, H=5\]: the call changed its input x_t\."):
        hidden.check("update_gate", in_place_gate)
    with pytest.raises(AssertionError, match=r"gru_step_backward \[.*\]: the call changed its input cache\['z'\]"):
        hidden.check("gru_step_backward", backward_clobbering_cache)


def test_second_opinions_really_come_from_torch_and_finite_differences():
    """The reference answers the "torch:" cases through torch and the gradient check through central
    differences, and each agrees with the numpy reference far inside the case's tolerance."""
    for name, cases in hidden.CHECKS.items():
        reference = hidden.REFERENCES[name]
        for case in cases:
            if not case.name.startswith(("torch:", "gradient check:")):
                continue
            assert isinstance(reference, hidden.ReferenceWithTwins), name
            second = case.outputs(reference)
            plain = case.outputs(reference.numpy_fn)  # the same probe, the numpy reference called as a student
            flat = lambda v: v if isinstance(v, dict) else {"": v}  # noqa: E731
            for key, value in flat(second).items():
                gap = np.max(np.abs(np.asarray(flat(plain)[key]) - np.asarray(value)))
                assert gap < (1e-12 if case.name.startswith("torch:") else 1e-8), (name, case.name, key, gap)
