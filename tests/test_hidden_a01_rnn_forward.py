"""The a01 hidden tests accept the reference and reject each typical wrong implementation."""
import numpy as np
import pytest

from autograder.hidden import a01_rnn_forward as hidden
from autograder.reference import rnn as ref

from diagnosis_tests import diagnosis_tests
from mutation import mutation_tests
from autograder.hidden.a01_rnn_forward_mistakes import MUTANTS, naive_sigmoid


test_reference_passes, test_mutant_is_rejected, test_every_graded_function_has_mutants = \
    mutation_tests(hidden, MUTANTS)
test_mistake_is_diagnosed_as_itself, test_reference_matches_no_mistake, test_every_mistake_links_to_a_book_section = \
    diagnosis_tests(hidden)


def rnn_step_always_three_rows(*args, **kwargs):
    h_next = ref.rnn_step(*args, **kwargs)
    return h_next if len(h_next) > 1 else np.repeat(h_next, 3, axis=0)


def test_messages_say_what_is_wrong():
    with pytest.raises(AssertionError, match=r"rnn_step \[batch of 1\]: h_next has shape \(3, 5\), expected \(1, 5\)"):
        hidden.check("rnn_step", rnn_step_always_three_rows)
    with pytest.raises(AssertionError, match="numerically stable"):
        hidden.check("sigmoid", naive_sigmoid)
