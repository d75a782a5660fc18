"""Hidden cases for a02_bptt: one step backward, BPTT, the gradient checker, clipping, the gradient at step 1.

Each backward function is checked twice: against the numpy reference (autograder.reference.bptt) on seeded
inputs, and against torch.autograd, which differentiates torch.nn.RNNCell / torch.nn.RNN holding the same
weights in float64 (the cases named "torch.autograd: ..."; tolerance rtol=1e-8). For those cases the expected
outputs come from torch: REFERENCES holds an `AutogradTwin`, a callable that is the numpy reference for every
other case, and the torch cases' probes hand it their inputs through its `torch_fn`. A student's function is
always called as itself. The gradient checker is checked on functions whose gradients are known, with a
tolerance that a forward difference cannot meet, and must leave its input as it found it; clipping must not
touch its inputs and must survive all-zero gradients.

Cases and probes use nothing of the autograder package but autograder.checking (the grader pickles them by
value for a kernel that has no autograder package).
"""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import numpy as np

from ..judge.checking import FLOAT32_TOL, Case, Label, closure_probe, check_function, random_normal as rn
from ..reference import bptt
from ..reference.activations import ACTIVATIONS as ACTIVATION_FUNCTIONS

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

# Gradients from torch.autograd must agree to 1e-8 relative error (float64 everywhere).
TORCH_TOL = dict(rtol=1e-8, atol=1e-10)
# A centred difference with eps = 1e-6 is off by ~eps^2 (1e-12) plus rounding (~1e-10); a forward difference
# by ~eps * f'' / 2 (~1e-6). Student and reference, both centred, agree far inside this bound.
GRADCHECK_TOL = dict(rtol=1e-7, atol=1e-9)


# ----------------------------------------------------------------------------------------------- inputs
def _weights(seed, D, H, scale=1.0, w_scale=0.5, dtype="float64"):
    """W_xh (H, D), W_hh (H, H), b_h (H,)."""
    return (rn(seed, H, D, scale=w_scale * scale, dtype=dtype), rn(seed + 1, H, H, scale=w_scale * scale, dtype=dtype),
            rn(seed + 2, H, scale=scale, dtype=dtype))


def _step_backward_args(seed, N, D, H, nonlinearity="tanh", scale=1.0, dtype="float64"):
    """(dh_next, cache): a seeded step run forward by the reference, and a seeded upstream gradient."""
    x_t, h_prev = rn(seed, N, D, dtype=dtype), rn(seed + 1, N, H, scale=0.5, dtype=dtype)
    _, cache = bptt.rnn_step_forward(x_t, h_prev, *_weights(seed + 2, D, H, scale, dtype=dtype), nonlinearity)
    return rn(seed + 5, N, H, dtype=dtype), cache


def _backward_args(seed, N, T, D, H, nonlinearity="tanh", dtype="float64", only_last=False):
    """(dh, cache): a seeded sequence run forward by the reference, and upstream gradients on every state."""
    x, h0 = rn(seed, N, T, D, dtype=dtype), rn(seed + 1, N, H, scale=0.5, dtype=dtype)
    _, cache = bptt.rnn_forward(x, h0, *_weights(seed + 2, D, H, dtype=dtype), nonlinearity)
    dh = rn(seed + 5, N, T, H, dtype=dtype)
    if only_last:
        dh[:, :-1] = 0
    return dh, cache


def _first_step_args(seed, N, T, D, H, radius=None):
    """x, h0, W_xh, W_hh, b_h, dh_T; W_hh rescaled to the given spectral radius when one is given."""
    W_xh, W_hh, b_h = _weights(seed + 2, D, H)
    if radius is not None:
        W_hh = W_hh * (radius / np.max(np.abs(np.linalg.eigvals(W_hh))))
    return (rn(seed, N, T, D, scale=0.5), rn(seed + 1, N, H, scale=0.5), W_xh, W_hh, 0.1 * b_h, rn(seed + 5, N, H))


# ------------------------------------------------------------------------- functions with known gradients
# Each is (f, exact gradient); x is changed in place by the checker, so f must read it afresh every call.
def _cube_sum(x):
    return np.sum(x ** 3)


def _cube_sum_gradient(x):
    return 3 * x ** 2


_A = rn(200, 5, 5)
_A = _A + _A.T


def _quadratic(x):
    return 0.5 * x @ _A @ x + np.sin(x).sum()


def _quadratic_gradient(x):
    return _A @ x + np.cos(x)


_W = rn(201, 2, 3, 4)


def _tanh_readout(x):
    return np.sum(np.tanh(x) * _W)


def _tanh_readout_gradient(x):
    return (1 - np.tanh(x) ** 2) * _W


def _exp_sum(x):
    return np.sum(np.exp(2 * x))


def _exp_sum_gradient(x):
    return 2 * np.exp(2 * x)


_SEQ = (rn(202, 2, 4, 3), rn(203, 2, 5, scale=0.5), rn(204, 5, 3, scale=0.5), rn(205, 5))
_SEQ_DH = rn(206, 2, 4, 5)


def _rnn_loss_of_W_hh(W_hh):
    """L = sum(dh * h) of a small tanh RNN, as a function of W_hh (what the chapter checks)."""
    x, h0, W_xh, b_h = _SEQ
    h_t, loss = h0, 0.0
    for t in range(x.shape[1]):
        h_t = np.tanh(x[:, t] @ W_xh.T + h_t @ W_hh.T + b_h)
        loss += np.sum(h_t * _SEQ_DH[:, t])
    return loss


def _rnn_loss_gradient(W_hh):
    x, h0, W_xh, b_h = _SEQ
    _, cache = bptt.rnn_forward(x, h0, W_xh, W_hh, b_h)
    return bptt.rnn_backward(_SEQ_DH, cache)[3]


KNOWN_GRADIENTS = {  # name -> (f, exact gradient, a point x)
    "sum of cubes": (_cube_sum, _cube_sum_gradient, rn(210, 3, 4)),
    "quadratic form plus sines": (_quadratic, _quadratic_gradient, rn(211, 5)),
    "tanh read-out of a 3-D array": (_tanh_readout, _tanh_readout_gradient, rn(212, 2, 3, 4)),
    "sum of exp(2x)": (_exp_sum, _exp_sum_gradient, rn(213, 6)),
    "RNN loss as a function of W_hh": (_rnn_loss_of_W_hh, _rnn_loss_gradient, rn(207, 5, 5, scale=0.5)),
}


def _gradient_probe(f, x, **kwargs):
    """Run the checker on a copy of x; return its estimate and what x looks like afterwards."""
    def run(fn):
        x_in = x.copy()
        return {"gradient": fn(f, x_in, **kwargs), Label.UNCHANGED.format(name="x"): x_in}
    return run


def _clip_probe(grads, max_norm):
    """Call the student's clip on copies; return its result and the inputs as they are afterwards."""
    def run(fn):
        grads_in = copy.deepcopy(grads)
        return {"returned (clipped, total_norm)": fn(grads_in, max_norm),
                Label.UNCHANGED.format(name="grads"): grads_in}
    return run


def _grads(seed, scale=1.0, dtype="float64"):
    """[dW_xh (4, 3), dW_hh (4, 4), db_h (4,)] with a global norm of about 5 * scale."""
    return [rn(seed, 4, 3, scale=scale, dtype=dtype), rn(seed + 1, 4, 4, scale=scale, dtype=dtype),
            rn(seed + 2, 4, scale=scale, dtype=dtype)]


def _with_norm(grads, norm):
    """The gradients rescaled to a global norm of exactly `norm`."""
    total = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    return [g * (norm / total) for g in grads]


_UNEVEN = [rn(220, 3, 3, scale=10.0), rn(221, 3, scale=0.1)]  # one big, one small: global != per-tensor


# --------------------------------------------------------------------- torch.autograd as a second reference
def _torch_cell(cache, module):
    """A float64 torch.nn.RNNCell / RNN holding the cache's weights (b_h as bias_ih, bias_hh = 0)."""
    import torch

    W_xh, W_hh = cache["W_xh"], cache["W_hh"]
    layer = module(W_xh.shape[1], W_hh.shape[0], nonlinearity=cache["nonlinearity"], dtype=torch.float64,
                   **({"batch_first": True} if module is torch.nn.RNN else {}))
    weights = dict(zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), layer.parameters()))
    with torch.no_grad():
        weights["weight_ih"].copy_(torch.from_numpy(np.asarray(W_xh, dtype=np.float64)))
        weights["weight_hh"].copy_(torch.from_numpy(np.asarray(W_hh, dtype=np.float64)))
        weights["bias_ih"].copy_(torch.from_numpy(np.asarray(cache["b_h"], dtype=np.float64)))
        weights["bias_hh"].zero_()
    return layer, weights


def _leaf(array):
    import torch

    return torch.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def torch_rnn_step_backward(dh_next: np.ndarray, cache: dict[str, np.ndarray | str]
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """rnn_step_backward computed by torch.autograd through torch.nn.RNNCell."""
    import torch

    cell, w = _torch_cell(cache, torch.nn.RNNCell)
    x_t, h_prev = _leaf(cache["x_t"]), _leaf(cache["h_prev"])
    cell(x_t, h_prev).backward(torch.from_numpy(np.asarray(dh_next, dtype=np.float64)))
    return tuple(t.grad.numpy() for t in (x_t, h_prev, w["weight_ih"], w["weight_hh"], w["bias_ih"]))


def torch_rnn_backward(dh: np.ndarray, cache: list[dict[str, np.ndarray | str]]
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """rnn_backward computed by torch.autograd through torch.nn.RNN (batch_first)."""
    import torch

    layer, w = _torch_cell(cache[0], torch.nn.RNN)
    x = _leaf(np.stack([c["x_t"] for c in cache], axis=1))
    h0 = _leaf(cache[0]["h_prev"][None])
    out, _ = layer(x, h0)
    out.backward(torch.from_numpy(np.asarray(dh, dtype=np.float64)))
    return x.grad.numpy(), h0.grad[0].numpy(), *(w[k].grad.numpy() for k in ("weight_ih", "weight_hh", "bias_ih"))


def torch_gradient_norm_at_first_step(x: np.ndarray, h0: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray,
                                      b_h: np.ndarray, dh_T: np.ndarray, nonlinearity: str = "tanh"
                                      ) -> np.ndarray:
    """||dL/dh_1|| per sequence, with L = sum(dh_T * h_T), from torch.autograd (h_1 made a leaf)."""
    import torch

    cache = dict(W_xh=W_xh, W_hh=W_hh, b_h=b_h, nonlinearity=nonlinearity)
    cell, _ = _torch_cell(cache, torch.nn.RNNCell)
    layer, _ = _torch_cell(cache, torch.nn.RNN)
    x = torch.from_numpy(np.asarray(x, dtype=np.float64))
    with torch.no_grad():
        h1 = cell(x[:, 0], torch.from_numpy(np.asarray(h0, dtype=np.float64)))
    h1.requires_grad_(True)
    h_T = layer(x[:, 1:], h1[None])[0][:, -1] if x.shape[1] > 1 else h1
    (h_T * torch.from_numpy(np.asarray(dh_T, dtype=np.float64))).sum().backward()
    return h1.grad.norm(dim=1).numpy()


class AutogradTwin:
    """A reference with a second opinion: calling it runs the numpy reference; the cases named
    "torch.autograd: ..." call its torch_fn instead, so that their expected outputs come from torch."""

    def __init__(self, numpy_fn: Callable, torch_fn: Callable) -> None:
        self.numpy_fn, self.torch_fn = numpy_fn, torch_fn
        self.__name__ = numpy_fn.__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.numpy_fn(*args, **kwargs)


def _against_torch(args, kwargs=None):
    """Probe for a torch case: the reference answers through torch.autograd, anything else as itself."""
    def run(fn):
        a, k = copy.deepcopy(args), copy.deepcopy(kwargs or {})
        return fn.torch_fn(*a, **k) if isinstance(fn, AutogradTwin) else fn(*a, **k)
    return run


# ------------------------------------------------------------------------------------------------ cases
REFERENCE_CASES = {
    "rnn_step_backward": [
        Case("N=3, D=4, H=5", _step_backward_args(300, 3, 4, 5)),
        Case("batch of 1", _step_backward_args(301, 1, 4, 5)),
        Case("D equal to H (where a missing transpose raises no shape error)", _step_backward_args(302, 3, 5, 5)),
        Case("saturated tanh (large pre-activations, h close to +-1)", _step_backward_args(303, 3, 4, 5, scale=4.0)),
        Case("relu nonlinearity", _step_backward_args(304, 4, 5, 5, nonlinearity="relu")),
        Case("float32 input", _step_backward_args(305, 3, 4, 5, dtype="float32"), **FLOAT32_TOL),
    ],
    "rnn_backward": [
        Case("N=2, T=6, D=3, H=4, upstream gradient at every step", _backward_args(310, 2, 6, 3, 4)),
        Case("batch of 1", _backward_args(311, 1, 5, 3, 4)),
        Case("sequence of length 1", _backward_args(312, 3, 1, 3, 4)),
        Case("N equal to T, D equal to H (batch-first; transposes)", _backward_args(313, 4, 4, 4, 4)),
        Case("loss only at the last step", _backward_args(314, 2, 7, 3, 4, only_last=True)),
        Case("relu nonlinearity", _backward_args(315, 2, 6, 3, 4, nonlinearity="relu")),
        Case("float32 input", _backward_args(316, 2, 5, 3, 4, dtype="float32"), **FLOAT32_TOL),
    ],
    "numerical_gradient": [
        Case(f"known gradient: {name}", run=_gradient_probe(f, x), **GRADCHECK_TOL)
        for name, (f, _, x) in KNOWN_GRADIENTS.items()
    ] + [
        Case("eps=1e-3 is used (sum of cubes: the centred difference is off by exactly eps^2)",
             run=_gradient_probe(_cube_sum, rn(214, 2, 3), eps=1e-3), **GRADCHECK_TOL),
        Case("as the book calls it: a loss that reads W_hh itself, not its argument",
             run=closure_probe(_rnn_loss_of_W_hh, rn(215, 5, 5, scale=0.5)), **GRADCHECK_TOL),
        Case("a closure over a non-contiguous array (x.T)", run=closure_probe(_cube_sum, rn(216, 3, 4), transpose=True),
             **GRADCHECK_TOL),
    ],
    "relative_error": [
        Case("two close arrays", (rn(230, 3, 4), rn(230, 3, 4) + rn(231, 3, 4, scale=1e-3))),
        Case("identical arrays give 0", (rn(232, 5), rn(232, 5))),
        Case("both zero gives 0, without dividing by zero", (np.zeros((2, 3)), np.zeros((2, 3))), strict_fp=True),
        Case("one of them zero gives 1", (np.zeros(4), rn(233, 4))),
        Case("very different arrays (symmetric in a and b)", (rn(234, 6), 10 * rn(235, 6))),
        Case("tiny gradients, 1e-9 (a relative error must not depend on scale)",
             (rn(236, 3, 3, scale=1e-9), rn(236, 3, 3, scale=1e-9) + rn(237, 3, 3, scale=1e-12))),
        Case("3-D arrays: one norm over all entries", (rn(238, 2, 3, 4), rn(239, 2, 3, 4))),
        Case("scalars", (2.0, 2.5)),
    ],
    "clip_by_global_norm": [
        Case("norm above the threshold: rescaled", run=_clip_probe(_grads(240), 1.0)),
        Case("threshold larger than the norm: unchanged", run=_clip_probe(_grads(243), 100.0)),
        Case("zero gradients: unchanged, no division by zero", run=_clip_probe([np.zeros((4, 3)), np.zeros(4)], 1.0),
             strict_fp=True),
        Case("one large and one small tensor: one global factor, not one per tensor",
             run=_clip_probe(_UNEVEN, 5.0)),
        Case("a single gradient array", run=_clip_probe([rn(246, 5, 5, scale=2.0)], 0.5)),
        Case("norm 2, threshold 3: unchanged (the squared norm, 4, would be above it)",
             run=_clip_probe(_with_norm(_grads(248), 2.0), 3.0)),
        Case("norm 0.5, threshold 0.4: rescaled (the squared norm, 0.25, would be below it)",
             run=_clip_probe(_with_norm(_grads(249), 0.5), 0.4), rtol=1e-5),  # room for torch's +1e-6 in 0.5 + eps
        Case("float32 gradients keep their dtype", run=_clip_probe(_grads(247, dtype="float32"), 1.0),
             **FLOAT32_TOL),
    ],
    "gradient_norm_at_first_step": [
        Case("N=3, T=8, D=4, H=5", _first_step_args(250, 3, 8, 4, 5)),
        Case("batch of 1", _first_step_args(251, 1, 6, 4, 5)),
        Case("sequence of length 1: dL/dh_1 = dh_T", _first_step_args(252, 3, 1, 4, 5)),
        Case("sequence of length 2: one Jacobian", _first_step_args(253, 2, 2, 4, 5)),
        Case("relu nonlinearity", _first_step_args(254, 3, 8, 4, 5), kwargs=dict(nonlinearity="relu")),
        Case("spectral radius 0.3, T=30: a vanishing gradient, compared to rtol only",
             _first_step_args(255, 2, 30, 4, 5, radius=0.3), atol=0.0),
        Case("relu, spectral radius 2, T=20: an exploding gradient",
             _first_step_args(256, 2, 20, 4, 5, radius=2.0), kwargs=dict(nonlinearity="relu")),
    ],
}

AGAINST_TORCH = {
    "rnn_step_backward": [
        Case("torch.autograd: tanh, N=3, D=H=5", run=_against_torch(_step_backward_args(320, 3, 5, 5)), **TORCH_TOL),
        Case("torch.autograd: relu, batch of 1",
             run=_against_torch(_step_backward_args(321, 1, 4, 6, nonlinearity="relu")), **TORCH_TOL),
    ],
    "rnn_backward": [
        Case("torch.autograd: tanh, N=3, T=7, D=4, H=5", run=_against_torch(_backward_args(330, 3, 7, 4, 5)),
             **TORCH_TOL),
        Case("torch.autograd: relu, N=2, T=5, D=H=4",
             run=_against_torch(_backward_args(331, 2, 5, 4, 4, nonlinearity="relu")), **TORCH_TOL),
        Case("torch.autograd: batch of 1, sequence of length 1", run=_against_torch(_backward_args(332, 1, 1, 3, 4)),
             **TORCH_TOL),
    ],
    "gradient_norm_at_first_step": [
        Case("torch.autograd: tanh, T=10", run=_against_torch(_first_step_args(340, 2, 10, 3, 4)), **TORCH_TOL),
        Case("torch.autograd: relu, T=6",
             run=_against_torch(_first_step_args(341, 2, 6, 3, 4), dict(nonlinearity="relu")), **TORCH_TOL),
    ],
}

CHECKS = {name: cases + AGAINST_TORCH.get(name, []) for name, cases in REFERENCE_CASES.items()}

REFERENCES = {
    "rnn_step_backward": AutogradTwin(bptt.rnn_step_backward, torch_rnn_step_backward),
    "rnn_backward": AutogradTwin(bptt.rnn_backward, torch_rnn_backward),
    "numerical_gradient": bptt.numerical_gradient,
    "relative_error": bptt.relative_error,
    "clip_by_global_norm": bptt.clip_by_global_norm,
    "gradient_norm_at_first_step": AutogradTwin(bptt.gradient_norm_at_first_step, torch_gradient_norm_at_first_step),
}

OUTPUT_NAMES = {
    "rnn_step_backward": "(dx_t, dh_prev, dW_xh, dW_hh, db_h)",
    "rnn_backward": "(dx, dh0, dW_xh, dW_hh, db_h)",
    "numerical_gradient": "output",
    "relative_error": "error",
    "clip_by_global_norm": "output",
    "gradient_norm_at_first_step": "norms",
}


# Which graded functions each may call, as the solution does (None: as the reference calls it): a function that
# gives what the correct one gives over a failing callee is diagnosed `upstream` of it (judge/faults.py).
CALLS = {"rnn_backward": {"rnn_step_backward": None}, "gradient_norm_at_first_step": {"rnn_step_backward": None}}
ACTIVATIONS = ACTIVATION_FUNCTIONS  # the nonlinearities a fault model may put in place of one another

# Scoring: a test cell earns the fraction of its hidden cases that pass (failing visible asserts count as one
# more failed case). False: all or nothing.
PARTIAL_CREDIT = True
# A function that gives what the correct one gives over a failing graded function it calls (diagnosed `upstream`)
# still loses the cases it fails (False), or earns them, its mistake costing points once, where it is made (True).
# False by default: a grade then rests on the hidden cases alone, never on an inference about the student's code.
UPSTREAM_CREDIT = False


def check(function_name: str, student_fn: Callable) -> None:
    """Run the hidden cases of one graded function against the student's implementation."""
    check_function(function_name, student_fn, REFERENCES[function_name], CHECKS[function_name],
                   OUTPUT_NAMES.get(function_name, "result"))


from .a02_bptt_mistakes import MISTAKES  # noqa: E402, F401  (re-exported; the catalogue builds on this module's cases)
