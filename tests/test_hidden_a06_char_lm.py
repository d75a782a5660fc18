"""The a06 hidden tests accept the reference and reject each typical wrong implementation, and the grader
recognises each known mistake (autograder/hidden/a06_char_lm_mistakes.py) as itself."""
from autograder.hidden import a06_char_lm as hidden
from autograder.hidden.a06_char_lm_mistakes import MUTANTS

from diagnosis_tests import diagnosis_tests
from mutation import mutation_tests

test_reference_passes, test_mutant_is_rejected, test_every_graded_function_has_mutants = \
    mutation_tests(hidden, MUTANTS)
test_mistake_is_diagnosed_as_itself, test_reference_matches_no_mistake, test_every_mistake_links_to_a_book_section = \
    diagnosis_tests(hidden)


def torch_clip_factor_step(params, x_ids, y_ids, mask, h0, c0, lr, max_norm):
    """lm_train_step clipped as torch.nn.utils.clip_grad_norm_ does: every gradient times
    min(1, max_norm / (norm + 1e-6)), torch's guard against a zero norm."""
    import numpy as np
    from autograder.reference import char_lm

    loss, grads, h_T, c_T = char_lm.lm_forward_backward(params, x_ids, y_ids, mask, h0, c0)
    flat = [grads[k] for k in char_lm.LM_PARAM_NAMES]
    norm = float(np.sqrt(sum(np.sum(np.asarray(g, dtype=np.float64) ** 2) for g in flat)))
    factor = min(1.0, max_norm / (norm + 1e-6))
    new = {k: params[k] - np.asarray(lr, params[k].dtype) * (g * np.asarray(factor, g.dtype))
           for k, g in zip(char_lm.LM_PARAM_NAMES, flat)}
    return new, loss, norm, h_T, c_T


def test_torch_clip_grad_norm_factor_passes():
    """torch's own factor is the convention chapters 3 and 8 teach: a step that equals torch's passes every case,
    the comparison with torch included (it differs from the reference's exact factor by 3.8e-10)."""
    hidden.check("lm_train_step", torch_clip_factor_step)
