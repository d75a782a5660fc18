"""The a02 hidden tests accept the reference and reject each typical wrong implementation."""
import copy

import numpy as np
import pytest

from autograder.checking import assert_matches
from autograder.hidden import a02_bptt as hidden
from autograder.reference import bptt as ref


# ------------------------------------------------------------------------------------ rnn_step_backward
def step_backward_with(derivative=None, dx=None, dh_prev=None, dW_xh=None, dW_hh=None, db=None):
    """An rnn_step_backward with one (or more) of its formulas replaced by a wrong one."""
    def backward(dh_next, cache):
        c = cache
        da = dh_next * (derivative(c) if derivative else ref.activation_derivative(c))
        return ((dx or (lambda da, c: da @ c["W_xh"]))(da, c),
                (dh_prev or (lambda da, c: da @ c["W_hh"]))(da, c),
                (dW_xh or (lambda da, c: da.T @ c["x_t"]))(da, c),
                (dW_hh or (lambda da, c: da.T @ c["h_prev"]))(da, c),
                (db or (lambda da, c: da.sum(axis=0)))(da, c))
    return backward


def tanh_derivative_always(c):
    return 1 - c["h_next"] ** 2


# ----------------------------------------------------------------------------------------- rnn_backward
def bptt_with(step=ref.rnn_step_backward, add_upstream=True, carry=True, accumulate=True, reverse=True,
              mean_over_time=False, dh0_before_last_step=False):
    """rnn_backward with one of its bookkeeping steps got wrong."""
    def backward(dh, cache):
        N, T, H = dh.shape
        dx = np.zeros((N, T, cache[0]["x_t"].shape[1]))
        grads = [np.zeros_like(cache[0][k]) for k in ("W_xh", "W_hh", "b_h")]
        carried = np.zeros((N, H))
        order = reversed(range(T)) if reverse else range(T)
        for t in order:
            upstream = dh[:, t] if (add_upstream or t == T - 1) else 0
            incoming = upstream + carried if carry else dh[:, t]
            if dh0_before_last_step and t == 0:
                dh0 = incoming
            dx[:, t], carried, *step_grads = step(incoming, cache[t])
            for g, s in zip(grads, step_grads):
                if accumulate:
                    g += s
                else:
                    g[...] = s
        if mean_over_time:
            grads = [g / T for g in grads]
        return (dx, dh0 if dh0_before_last_step else carried, *grads)
    return backward


# ----------------------------------------------------------------------------------- numerical_gradient
def gradient_checker(kind="centred", restore=True, denominator=2, fixed_eps=None):
    def numerical_gradient(f, x, eps=1e-6):
        eps = fixed_eps or eps
        grad = np.zeros_like(x, dtype=float)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + eps
            f_plus = f(x)
            if kind == "forward":
                x[i] = old
                f_minus = f(x)
                grad[i] = (f_plus - f_minus) / eps
            else:
                x[i] = old - eps
                f_minus = f(x)
                grad[i] = (f_plus - f_minus) / (denominator * eps)
            if restore:
                x[i] = old
        return grad
    return numerical_gradient


def gradient_of_a_copy_flattened(f, x, eps=1e-6):
    return ref.numerical_gradient(f, x.copy(), eps).ravel()


# --------------------------------------------------------------------------------------- relative_error
def rel_error_cs231n(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def rel_error_no_guard(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


def rel_error_with_floor(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b) + 1e-8))


def rel_error_over_a(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), 1e-300))


def rel_error_signed_sums(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    s = abs(a.sum()) + abs(b.sum())
    return 0.0 if s == 0 else float(abs((a - b).sum()) / s)


def rel_error_max_norm(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    s = np.abs(a).max() + np.abs(b).max()
    return 0.0 if s == 0 else float(np.abs(a - b).max() / s)


# ---------------------------------------------------------------------------------- clip_by_global_norm
def clip_in_place(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    if total > max_norm:
        for g in grads:
            g *= max_norm / total
    return grads, total


def clip_per_tensor(grads, max_norm):
    clipped = []
    for g in grads:
        n = np.linalg.norm(g)
        clipped.append(g * (max_norm / n) if n > max_norm else g.copy())
    return clipped, float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))


def clip_dividing_by_zero(grads, max_norm):
    total = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    scale = np.minimum(1.0, max_norm / total)
    return [g * scale for g in grads], float(total)


def clip_always(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    return [g * (max_norm / total) if total > 0 else g.copy() for g in grads], total


def clip_returning_norm_after(grads, max_norm):
    clipped, total = ref.clip_by_global_norm(grads, max_norm)
    return clipped, min(total, max_norm)


def clip_sum_of_norms(grads, max_norm):
    total = float(sum(np.linalg.norm(g) for g in grads))
    return [g * (max_norm / total) if total > max_norm else g.copy() for g in grads], total


def clip_by_value(grads, max_norm):
    return [np.clip(g, -max_norm, max_norm) for g in grads], float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))


def clip_squared_norm(grads, max_norm):
    clipped, total = ref.clip_by_global_norm(grads, max_norm)
    return clipped, total ** 2


# --------------------------------------------------------------------------- gradient_norm_at_first_step
def first_step_norm_with(steps_back=lambda T: range(T - 1, 0, -1), step=ref.rnn_step_backward,
                         reduce=lambda g: np.linalg.norm(g, axis=1)):
    def gradient_norm_at_first_step(x, h0, W_xh, W_hh, b_h, dh_T, nonlinearity="tanh"):
        _, cache = ref.rnn_forward(x, h0, W_xh, W_hh, b_h, nonlinearity)
        g = dh_T
        for t in steps_back(len(cache)):
            _, g, *_ = step(g, cache[t])
        return reduce(g)
    return gradient_norm_at_first_step


def first_step_norm_with_loss_everywhere(x, h0, W_xh, W_hh, b_h, dh_T, nonlinearity="tanh"):
    _, cache = ref.rnn_forward(x, h0, W_xh, W_hh, b_h, nonlinearity)
    dh = np.repeat(dh_T[:, None], x.shape[1], axis=1)
    _, g, *_ = ref.rnn_backward(dh[:, 1:], cache[1:]) if x.shape[1] > 1 else (None, dh_T)
    return np.linalg.norm(g + dh_T * (x.shape[1] > 1), axis=1)


MUTANTS = {
    "rnn_step_backward": {
        "dropped tanh derivative (1 - h^2)": step_backward_with(derivative=lambda c: 1.0),
        "derivative taken at the pre-activation (1 - a^2)": step_backward_with(derivative=lambda c: 1 - c["a"] ** 2),
        "sigmoid's derivative h (1 - h)": step_backward_with(derivative=lambda c: c["h_next"] * (1 - c["h_next"])),
        "derivative 1 + h^2 (sign flip)": step_backward_with(derivative=lambda c: 1 + c["h_next"] ** 2),
        "relu ignored (always the tanh derivative)": step_backward_with(derivative=tanh_derivative_always),
        "missing transpose in dh_prev": step_backward_with(dh_prev=lambda da, c: da @ c["W_hh"].T),
        "missing transpose in dx_t": step_backward_with(dx=lambda da, c: da @ c["W_xh"].T),
        "dW_hh transposed": step_backward_with(dW_hh=lambda da, c: c["h_prev"].T @ da),
        "dW_xh from h_prev instead of x_t": step_backward_with(dW_xh=lambda da, c: (da.T @ c["h_prev"])[:, :c["x_t"].shape[1]]),
        "db_h averaged over the batch": step_backward_with(db=lambda da, c: da.mean(axis=0)),
        "db_h not summed over the batch": step_backward_with(db=lambda da, c: da),
    },
    "rnn_backward": {
        "shared-weight gradients not accumulated (last step processed only)": bptt_with(accumulate=False),
        "upstream dh[:, t] not added to the carried gradient": bptt_with(add_upstream=False),
        "carried gradient dropped (each step sees only dh[:, t])": bptt_with(carry=False),
        "walks forwards in time": bptt_with(reverse=False),
        "weight gradients averaged over time": bptt_with(mean_over_time=True),
        "returns dL/dh_1 as dh0": bptt_with(dh0_before_last_step=True),
        "built on a step without the tanh derivative": bptt_with(
            step=step_backward_with(derivative=lambda c: 1.0)),
    },
    "numerical_gradient": {
        "forward difference": gradient_checker(kind="forward"),
        "divides by eps, not 2 eps": gradient_checker(denominator=1),
        "does not restore x": gradient_checker(restore=False),
        "ignores the eps argument": gradient_checker(fixed_eps=1e-5),
        "flattened result": gradient_of_a_copy_flattened,
        "eps too large (1e-2)": gradient_checker(fixed_eps=1e-2),
    },
    "relative_error": {
        "elementwise maximum (CS231n's rel_error)": rel_error_cs231n,
        "divides by zero when both are zero": rel_error_no_guard,
        "a floor added to the denominator (not scale-free)": rel_error_with_floor,
        "divides by ||a|| only (not symmetric)": rel_error_over_a,
        "signed sums instead of norms": rel_error_signed_sums,
        "max-norm instead of the Euclidean norm": rel_error_max_norm,
    },
    "clip_by_global_norm": {
        "clips in place": clip_in_place,
        "clips each tensor by its own norm": clip_per_tensor,
        "divides by zero on zero gradients": clip_dividing_by_zero,
        "rescales even when the norm is below the threshold": clip_always,
        "returns the norm after clipping": clip_returning_norm_after,
        "sum of the norms instead of the global norm": clip_sum_of_norms,
        "clips by value": clip_by_value,
        "returns the squared norm": clip_squared_norm,
    },
    "gradient_norm_at_first_step": {
        "one Jacobian too many (norm of dL/dh_0)": first_step_norm_with(steps_back=lambda T: range(T - 1, -1, -1)),
        "one Jacobian too few": first_step_norm_with(steps_back=lambda T: range(T - 1, 1, -1)),
        "activation derivative ignored (W_hh^T only)": first_step_norm_with(
            step=step_backward_with(derivative=lambda c: 1.0)),
        "missing transpose of W_hh": first_step_norm_with(
            step=step_backward_with(dh_prev=lambda da, c: da @ c["W_hh"].T)),
        "one norm over the whole batch": first_step_norm_with(reduce=np.linalg.norm),
        "squared norms": first_step_norm_with(reduce=lambda g: np.sum(g ** 2, axis=1)),
        "loss at every step, not only the last": first_step_norm_with_loss_everywhere,
    },
}


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
    """A student that scribbles on the cache cannot change what the reference sees."""
    def vandal(dh_next, cache):
        out = ref.rnn_step_backward(dh_next, cache)
        for value in cache.values():
            if isinstance(value, np.ndarray):
                value[...] = 0
        return out
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
