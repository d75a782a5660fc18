"""The a05 hidden tests accept the reference and reject each typical wrong implementation."""
import numpy as np
import pytest

from autograder.judge.checking import check_function
from autograder.hidden import a05_deep_variants as hidden

from diagnosis_tests import diagnosis_tests
from mutation import mutation_tests
from autograder.hidden.a05_deep_variants_mistakes import MUTANTS, irnn_unseeded


test_reference_passes, test_mutant_is_rejected, test_every_graded_function_has_mutants = \
    mutation_tests(hidden, MUTANTS)
test_mistake_is_diagnosed_as_itself, test_reference_matches_no_mistake, test_every_mistake_links_to_a_book_section = \
    diagnosis_tests(hidden)


def test_torch_cases_take_their_expected_output_from_torch():
    """The "torch:" cases' expected outputs come from the torch twins, which agree with the reference."""
    for function, cases in hidden.CHECKS.items():
        reference = hidden.REFERENCES[function]
        for case in cases:
            if case.name.startswith("torch:"):
                assert isinstance(reference, hidden.ReferenceWithTwins), function
                from_torch = case.outputs(reference)
                from_numpy = case.outputs(reference.numpy_fn)
                for a, b in zip(from_torch, from_numpy):
                    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_messages_say_what_is_wrong():
    with pytest.raises(AssertionError, match=r"bidirectional_rnn_forward \[.*\]: \(out, h_n\)\[0\] differs"):
        hidden.check("bidirectional_rnn_forward", MUTANTS["bidirectional_rnn_forward"]["backward outputs not re-reversed"])
    with pytest.raises(AssertionError, match=r"irnn_init \[.*\]: checked properties\['W_hh'\] differs"):
        hidden.check("irnn_init", MUTANTS["irnn_init"]["W_hh all ones"])
    with pytest.raises(AssertionError, match="the same seed gives the same W_xh"):
        hidden.check("irnn_init", irnn_unseeded)
    with pytest.raises(AssertionError, match="numerically stable"):
        hidden.check("scrn_step", MUTANTS["scrn_step"]["naive sigmoid (overflows)"])


# Mutants that a shape error rejects in most cases; the named case has the shapes on which they run, and must
# reject them by their values.
SHAPE_BLIND = {
    ("stacked_rnn_forward", "layers above the first read the input x"): "D equal to H",
    ("stacked_rnn_forward", "the first layer's weights in every layer"): "D equal to H",
    ("deep_bidirectional_rnn_forward", "layers above the first read the input x"): "D equal to 2H",
    ("dropout_between_layers", "mask broadcast over the batch, not over time"): "N equal to T",
    ("stacked_rnn_forward_dropout", "masks applied one layer early (x dropped)"): "D equal to H",
    ("scrn_step", "returns (h_t, s_t)"): "D, S and H all equal",
}


@pytest.mark.parametrize("function, mutant", list(SHAPE_BLIND))
def test_shape_blind_mutants_are_rejected_by_their_values(function, mutant):
    cases = [c for c in hidden.CHECKS[function] if c.name.startswith(SHAPE_BLIND[function, mutant])]
    assert len(cases) == 1
    with pytest.raises(AssertionError, match="differs from the reference"):
        check_function(function, MUTANTS[function][mutant], hidden.REFERENCES[function], cases,
                       hidden.OUTPUT_NAMES[function])
