"""The a02 hidden tests accept the reference and reject each typical wrong implementation."""
import copy

import numpy as np
import pytest

from autograder.judge.checking import assert_matches
from autograder.hidden import a02_bptt as hidden
from autograder.reference import bptt as ref
from diagnosis_tests import diagnosis_tests
from autograder.hidden.a02_bptt_mistakes import MUTANTS, bptt_with, clip_in_place, rel_error_no_guard


@pytest.mark.parametrize("function", list(hidden.CHECKS))
def test_reference_passes(function, capsys):
    hidden.check(function, hidden.REFERENCES[function])
    assert f"{function}: {len(hidden.CHECKS[function])} hidden cases passed" in capsys.readouterr().out


@pytest.mark.parametrize("function", list(hidden.AGAINST_TORCH))
def test_numpy_reference_passes_the_torch_cases(function, capsys):
    """The plain numpy reference, judged on the torch cases by torch.autograd, passes at 1e-8."""
    twin = hidden.REFERENCES[function]
    assert isinstance(twin, hidden.AutogradTwin)
    hidden.check(function, twin.numpy_fn)
    assert f"{function}: {len(hidden.CHECKS[function])} hidden cases passed" in capsys.readouterr().out


@pytest.mark.parametrize("function", list(hidden.AGAINST_TORCH))
def test_torch_and_numpy_references_agree_on_every_float64_case(function):
    twin = hidden.REFERENCES[function]
    for case in hidden.CHECKS[function]:
        if case.name.startswith("float32"):
            continue
        if case.name.startswith("torch.autograd"):
            from_torch, from_numpy = case.outputs(twin), case.outputs(twin.numpy_fn)
        else:
            from_torch, from_numpy = case.outputs(twin.torch_fn), case.outputs(twin.numpy_fn)
        assert_matches(from_torch, from_numpy, f"{function} [{case.name}]", rtol=1e-9, atol=1e-13)


def test_every_case_is_in_checks_and_torch_cases_are_tight():
    for function, cases in hidden.AGAINST_TORCH.items():
        assert cases and all(c.name.startswith("torch.autograd") and c.rtol <= 1e-8 for c in cases)
        assert all(c in hidden.CHECKS[function] for c in cases)


@pytest.mark.parametrize("function, mutant", [(f, m) for f in MUTANTS for m in MUTANTS[f]])
def test_mutant_is_rejected(function, mutant):
    with pytest.raises(Exception) as failure:
        hidden.check(function, MUTANTS[function][mutant])
    # Students read these messages in their feedback: they must name the function.
    if failure.type is AssertionError:
        assert function in str(failure.value)


def test_every_graded_function_has_mutants():
    assert set(MUTANTS) == set(hidden.CHECKS)


def test_torch_style_clipping_epsilon_is_accepted():
    """torch.nn.utils.clip_grad_norm_ divides by (total + 1e-6): close enough to be a correct answer."""
    def clip_like_torch(grads, max_norm):
        total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
        coef = min(1.0, max_norm / (total + 1e-6))
        return [g * coef for g in grads], total
    hidden.check("clip_by_global_norm", clip_like_torch)


def test_checker_restoring_by_arithmetic_is_accepted():
    """x[i] += eps; x[i] -= 2 eps; x[i] += eps leaves x within an ulp of where it was: a correct answer."""
    def numerical_gradient(f, x, eps=1e-6):
        grad = np.zeros_like(x, dtype=float)
        it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
        while not it.finished:
            i = it.multi_index
            x[i] += eps
            f_plus = f(x)
            x[i] -= 2 * eps
            f_minus = f(x)
            x[i] += eps
            grad[i] = (f_plus - f_minus) / (2 * eps)
            it.iternext()
        return grad
    hidden.check("numerical_gradient", numerical_gradient)


def test_known_gradients_are_what_the_reference_checker_finds():
    """The functions the checker is tested on have the gradients we claim; centred passes 1e-8, forward fails."""
    forward = MUTANTS["numerical_gradient"]["forward difference"]
    for name, (f, gradient, x) in hidden.KNOWN_GRADIENTS.items():
        x_in = x.copy()
        assert ref.relative_error(ref.numerical_gradient(f, x_in), gradient(x)) < 1e-8, name
        assert np.array_equal(x_in, x), name
        assert ref.relative_error(forward(f, x.copy()), gradient(x)) > 1e-8, name


def test_messages_say_what_is_wrong():
    with pytest.raises(AssertionError, match=r"clip_by_global_norm \[.*\]: output\[.grads after the call"):
        hidden.check("clip_by_global_norm", clip_in_place)
    with pytest.raises(AssertionError, match=r"numpy reported"):
        hidden.check("relative_error", rel_error_no_guard)
    with pytest.raises(AssertionError, match=r"rnn_backward \[N=2, T=6, D=3, H=4, upstream gradient at every step\]: \(dx, dh0, dW_xh, dW_hh, db_h\)\[1\] differs"):
        hidden.check("rnn_backward", bptt_with(dh0_before_last_step=True))


def test_inputs_are_not_shared_between_student_and_reference():
    """A student that scribbles on the cache fails, by name, and cannot change what the reference sees."""
    def vandal(dh_next, cache):
        out = ref.rnn_step_backward(dh_next, cache)
        for value in cache.values():
            if isinstance(value, np.ndarray):
                value[...] = 0
        return out
    with pytest.raises(AssertionError, match=r"changed its input cache\['x_t'\]"):
        hidden.check("rnn_step_backward", vandal)
    case = hidden.CHECKS["rnn_step_backward"][0]
    assert np.any(case.args[1]["W_hh"] != 0)
    assert copy.deepcopy(case.args)[1]["nonlinearity"] == "tanh"


@pytest.mark.parametrize("function", list(hidden.AGAINST_TORCH))
def test_torch_cases_are_judged_at_1e_8(function):
    """Off by 1e-7 relative: inside the float64 tolerance of the reference cases, outside torch's 1e-8."""
    numpy_fn = hidden.REFERENCES[function].numpy_fn

    def nearly(*args, **kwargs):
        out = numpy_fn(*args, **kwargs)
        return tuple(o * (1 + 1e-7) for o in out) if isinstance(out, tuple) else out * (1 + 1e-7)
    with pytest.raises(AssertionError, match=rf"{function} \[torch\.autograd: "):
        hidden.check(function, nearly)


test_mistake_is_diagnosed_as_itself, test_reference_matches_no_mistake, test_every_mistake_links_to_a_book_section = \
    diagnosis_tests(hidden)
