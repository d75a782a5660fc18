"""Hidden cases for a04_gru: both gates, the candidate in both reset conventions, the cell, the sequence, the
simplified GRU, the loader from torch.nn.GRU, and the backward pass of one step.

Most cases compare with the numpy reference (autograder.reference.gru) on seeded inputs. Some have a second
opinion as their expected output, computed in the grader's process, never in the student's kernel:

  * "torch: ..." cases: torch.nn.GRUCell / torch.nn.GRU holding the same weights, in float64 ("reset after" is
    torch's convention), and torch.autograd through nn.GRUCell for the backward pass (rtol=1e-8);
  * "gradient check: ..." cases: central differences of L = sum(dh_next * h_next) through the reference forward.

For those, REFERENCES holds a `ReferenceWithTwins`: called, it is the numpy reference; the probes of the
second-opinion cases call its twin of the named kind instead. A student's function is always called as itself.
Some cases tell the two reset conventions apart (the same inputs with reset="after" and reset="before"), so a
cell that ignores the argument or mixes the two placements fails.

Cases and probes use nothing of the autograder package but autograder.judge.checking: the grader pickles them by
value for a kernel that has no autograder package, and no expected output is stored in them.
"""
from __future__ import annotations

import copy
from collections import OrderedDict
from typing import TYPE_CHECKING

import numpy as np

from ..judge.checking import FLOAT32_TOL, Case, Detail, ReferenceWithTwins, check_function, generator
from ..judge.checking import call_probe as _call
from ..judge.checking import random_normal as rn
from ..reference import gru
from ..reference.activations import ACTIVATIONS as ACTIVATION_FUNCTIONS

if TYPE_CHECKING:
    from collections.abc import Callable

PARAM_NAMES = ("W_z", "U_z", "b_z", "W_r", "U_r", "b_r", "W_n", "b_in", "U_n", "b_hn")
# float64 against torch: any correct order of operations agrees to ~1e-15.
TORCH_TOL = dict(rtol=1e-8, atol=1e-10)
# Central differences with eps = 1e-6 are off by ~1e-10 (rounding) + ~1e-12 (eps^2); a wrong term by far more.
GRADCHECK_TOL = dict(rtol=1e-6, atol=1e-8)


# ----------------------------------------------------------------------------------------------- inputs
def _params(seed, D, H, dtype="float64", w_scale=0.6, bias_scale=0.8):
    """The ten seeded arrays, all different, so reading one gate's weights for another's changes the result."""
    shapes = {"W": (H, D), "U": (H, H), "b": (H,)}
    return {name: rn(seed + i, *shapes[name[0]], scale=bias_scale if name[0] == "b" else w_scale, dtype=dtype)
            for i, name in enumerate(PARAM_NAMES)}


def _step_args(seed, N, D, H, scale=1.0, dtype="float64", **kw):
    """x_t (N, D), h_prev (N, H), params."""
    return (rn(seed + 20, N, D, scale=scale, dtype=dtype), rn(seed + 21, N, H, scale=0.8, dtype=dtype),
            _params(seed, D, H, dtype, **kw))


def _candidate_args(seed, N, D, H, scale=1.0, dtype="float64", r=None):
    """x_t, h_prev, r (N, H) in (0, 1), params; weights and biases large enough for the conventions to differ."""
    x, h, p = _step_args(seed, N, D, H, scale, dtype, w_scale=1.0, bias_scale=1.5)
    if r is None:
        r = generator(seed + 22).uniform(0.02, 0.98, size=(N, H))
    return x, h, np.asarray(r, dtype=dtype), p


def _sequence_args(seed, N, T, D, H, dtype="float64"):
    """x (N, T, D), h0 (N, H), params."""
    return rn(seed + 20, N, T, D, dtype=dtype), rn(seed + 21, N, H, scale=0.5, dtype=dtype), _params(seed, D, H, dtype)


def _state_dict(seed, D, H, dtype="float64"):
    """A seeded nn.GRU state dict (torch tensors); every block and both biases differ."""
    import torch

    shapes = {"weight_ih_l0": (3 * H, D), "weight_hh_l0": (3 * H, H), "bias_ih_l0": (3 * H,), "bias_hh_l0": (3 * H,)}
    return OrderedDict((name, torch.from_numpy(rn(seed + i, *shape, scale=0.6, dtype=dtype)))
                       for i, (name, shape) in enumerate(shapes.items()))


def _backward_args(seed, N, D, H, scale=1.0, dtype="float64"):
    """(dh_next, cache): a seeded step run forward by the reference, and a seeded upstream gradient."""
    x, h, params = _step_args(seed, N, D, H, scale=scale, dtype=dtype)
    return rn(seed + 30, N, H, dtype=dtype), gru.gru_step_forward(x, h, params)[1]


# ------------------------------------------------------------------------------------------------ probes
def _named_gradients(result):
    """(dx, dh_prev, grads) as one flat dict {dx, dh_prev, dW_z, ...}, so that a mismatch names its gradient."""
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise AssertionError(Detail.SHOULD_RETURN.format(function="gru_step_backward", outputs="(dx, dh_prev, grads)",
                                                         kind=type(result).__name__))
    dx, dh_prev, grads = result
    if not isinstance(grads, dict):
        raise AssertionError(Detail.NOT_A_DICT.format(name="gru_step_backward: grads", keys=list(PARAM_NAMES),
                                                      kind=type(grads).__name__))
    return {"dx": dx, "dh_prev": dh_prev, **{"d" + str(k): v for k, v in grads.items()}}




def _both_conventions(args):
    """Probe: the same inputs with reset="after" and with reset="before". A function that ignores the argument,
    or mixes the two placements, cannot match both."""
    def run(fn):
        return {"reset='after'": fn(*copy.deepcopy(args), reset="after"),
                "reset='before'": fn(*copy.deepcopy(args), reset="before")}
    return run


# ---------------------------------------------------------------------- second opinions (grader side only)


def _torch_module(params, cell):
    """A float64 nn.GRUCell / nn.GRU (batch_first) holding params, stacked in torch's gate order (r, z, n).
    The summed gate biases go in bias_ih, with zeros in bias_hh; b_in and b_hn go where they belong."""
    import torch

    p = {k: torch.from_numpy(np.asarray(v, dtype=np.float64)) for k, v in params.items()}
    H, D = p["W_n"].shape
    zeros = torch.zeros(H, dtype=torch.float64)
    weights = {"weight_ih": torch.cat([p["W_r"], p["W_z"], p["W_n"]]),
               "weight_hh": torch.cat([p["U_r"], p["U_z"], p["U_n"]]),
               "bias_ih": torch.cat([p["b_r"], p["b_z"], p["b_in"]]),
               "bias_hh": torch.cat([zeros, zeros, p["b_hn"]])}
    if cell:
        module = torch.nn.GRUCell(D, H, dtype=torch.float64)
    else:
        module = torch.nn.GRU(D, H, batch_first=True, dtype=torch.float64)
        weights = {k + "_l0": v for k, v in weights.items()}
    module.load_state_dict(weights)
    return module


def torch_gru_step(x_t: np.ndarray, h_prev: np.ndarray, params: dict[str, np.ndarray],
                   reset: str = "after") -> np.ndarray:
    """gru_step computed by torch.nn.GRUCell (torch's convention only)."""
    import torch

    assert reset == "after", "torch implements the 'reset after' convention only"
    with torch.no_grad():
        return _torch_module(params, cell=True)(torch.from_numpy(x_t), torch.from_numpy(h_prev)).numpy()


def torch_gru_forward(x: np.ndarray, h0: np.ndarray, params: dict[str, np.ndarray], reset: str = "after") -> np.ndarray:
    """gru_forward computed by torch.nn.GRU (batch_first)."""
    import torch

    assert reset == "after", "torch implements the 'reset after' convention only"
    with torch.no_grad():
        return _torch_module(params, cell=False)(torch.from_numpy(x), torch.from_numpy(h0)[None])[0].numpy()


def torch_simplified_gru_step(x_t: np.ndarray, h_prev: np.ndarray, params: dict[str, np.ndarray]) -> np.ndarray:
    """The simplified GRU as nn.GRUCell with its reset gate pinned open: W_r = U_r = 0 and b_r = 40, so that
    r = sigmoid(40) = 1 exactly in float64."""
    H, D = params["W_n"].shape
    pinned = dict(params, W_r=np.zeros((H, D)), U_r=np.zeros((H, H)), b_r=np.full(H, 40.0))
    return torch_gru_step(x_t, h_prev, pinned)


def torch_gru_step_backward(dh_next: np.ndarray, cache: dict[str, np.ndarray | dict[str, np.ndarray]]
                            ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """gru_step_backward by torch.autograd through nn.GRUCell holding the cache's parameters."""
    import torch

    cell = _torch_module(cache["params"], cell=True)
    x = torch.tensor(cache["x_t"], dtype=torch.float64, requires_grad=True)
    h = torch.tensor(cache["h_prev"], dtype=torch.float64, requires_grad=True)
    cell(x, h).backward(torch.from_numpy(np.asarray(dh_next, dtype=np.float64)))
    H = h.shape[1]
    g_ih, g_hh = cell.weight_ih.grad.numpy(), cell.weight_hh.grad.numpy()
    gb_ih, gb_hh = cell.bias_ih.grad.numpy(), cell.bias_hh.grad.numpy()
    r, z, n = slice(0, H), slice(H, 2 * H), slice(2 * H, 3 * H)
    return x.grad.numpy(), h.grad.numpy(), {
        "W_z": g_ih[z], "U_z": g_hh[z], "b_z": gb_ih[z], "W_r": g_ih[r], "U_r": g_hh[r], "b_r": gb_ih[r],
        "W_n": g_ih[n], "b_in": gb_ih[n], "U_n": g_hh[n], "b_hn": gb_hh[n]}


def central_differences_backward(dh_next: np.ndarray, cache: dict[str, np.ndarray | dict[str, np.ndarray]],
                                 eps: float = 1e-6) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """gru_step_backward estimated by central differences of L = sum(dh_next * gru_step(x, h, params))."""
    x, h = cache["x_t"].copy(), cache["h_prev"].copy()
    params = {k: np.array(cache["params"][k], dtype=np.float64) for k in PARAM_NAMES}

    def loss():
        return np.sum(dh_next * gru.gru_step(x, h, params))

    def estimate(array):
        grad = np.zeros_like(array)
        for i in np.ndindex(array.shape):
            old = array[i]
            array[i] = old + eps
            up = loss()
            array[i] = old - eps
            down = loss()
            array[i] = old
            grad[i] = (up - down) / (2 * eps)
        return grad

    return estimate(x), estimate(h), {k: estimate(params[k]) for k in PARAM_NAMES}


# ------------------------------------------------------------------------------------------------ cases
def _gate_cases(base):
    """The two gates get the same kinds of case, with their own seeds."""
    return [
        Case("N=3, D=4, H=5", _step_args(base, 3, 4, 5)),
        Case("batch of 1", _step_args(base + 1, 1, 4, 5)),
        Case("D equal to H (where a missing transpose raises no shape error)", _step_args(base + 2, 3, 5, 5)),
        Case("large pre-activations", _step_args(base + 3, 3, 4, 5, scale=1500.0), strict_fp=True),
        Case("inputs not modified in place",
             run=_call(_step_args(base + 4, 2, 3, 4), inputs_after=("x_t", "h_prev", "params"))),
        Case("float32 input", _step_args(base + 5, 3, 4, 5, dtype="float32"), **FLOAT32_TOL),
    ]


def _without_reset_gate(args):
    x, h, params = args
    return x, h, {k: v for k, v in params.items() if k not in ("W_r", "U_r", "b_r")}


_grads = _named_gradients  # short, for the backward cases

CHECKS = {
    "update_gate": _gate_cases(100),
    "reset_gate": _gate_cases(200),
    "candidate": [
        Case("reset after (the default), N=3, D=4, H=5", _candidate_args(300, 3, 4, 5)),
        Case("reset before", _candidate_args(301, 3, 4, 5), kwargs=dict(reset="before")),
        Case("the same inputs in both conventions: they differ", run=_both_conventions(_candidate_args(302, 4, 3, 5))),
        Case("r = 0: 'after' drops b_hn along with U_n h, 'before' keeps b_hn",
             run=_both_conventions(_candidate_args(303, 3, 4, 5, r=np.zeros((3, 5))))),
        Case("batch of 1", _candidate_args(304, 1, 4, 5)),
        Case("D equal to H, reset before", _candidate_args(305, 3, 5, 5), kwargs=dict(reset="before")),
        Case("D equal to H, reset after", _candidate_args(306, 3, 5, 5), kwargs=dict(reset="after")),
        Case("large pre-activations", _candidate_args(307, 3, 4, 5, scale=1500.0), strict_fp=True),
        Case("float32 input", _candidate_args(308, 3, 4, 5, dtype="float32"), **FLOAT32_TOL),
    ],
    "gru_step": [
        Case("N=3, D=4, H=5, reset after (the default)", _step_args(400, 3, 4, 5)),
        Case("reset before", _step_args(401, 3, 4, 5), kwargs=dict(reset="before")),
        Case("the same inputs in both conventions: they differ",
             run=_both_conventions(_step_args(402, 4, 3, 5, w_scale=1.0, bias_scale=1.5))),
        Case("torch: equals nn.GRUCell with the same weights (float64, reset after)",
             run=_call(_step_args(403, 4, 3, 6), dict(reset="after"), twin="torch"), **TORCH_TOL),
        Case("batch of 1", _step_args(404, 1, 4, 5)),
        Case("D equal to H (where a missing transpose raises no shape error)", _step_args(405, 3, 5, 5)),
        Case("large pre-activations", _step_args(406, 3, 4, 5, scale=1500.0), strict_fp=True),
        Case("inputs not modified in place",
             run=_call(_step_args(407, 2, 3, 4), inputs_after=("x_t", "h_prev", "params"))),
        Case("float32 input", _step_args(408, 3, 4, 5, dtype="float32"), **FLOAT32_TOL),
    ],
    "gru_forward": [
        Case("N=2, T=6, D=3, H=4, reset after (the default)", _sequence_args(500, 2, 6, 3, 4)),
        Case("reset before", _sequence_args(501, 2, 6, 3, 4), kwargs=dict(reset="before")),
        Case("torch: equals nn.GRU with the same weights (float64, reset after)",
             run=_call(_sequence_args(502, 3, 7, 4, 5), dict(reset="after"), twin="torch"), **TORCH_TOL),
        Case("batch of 1", _sequence_args(503, 1, 5, 3, 4)),
        Case("sequence of length 1", _sequence_args(504, 3, 1, 3, 4)),
        Case("N equal to T (batch-first, not time-first)", _sequence_args(505, 4, 4, 3, 4)),
        Case("float32 input", _sequence_args(506, 2, 6, 3, 4, dtype="float32"), **FLOAT32_TOL),
    ],
    "simplified_gru_step": [
        Case("N=3, D=4, H=5", _step_args(600, 3, 4, 5)),
        Case("torch: equals nn.GRUCell with its reset gate pinned at 1; params without W_r, U_r, b_r",
             run=_call(_without_reset_gate(_step_args(601, 3, 4, 5)), twin="torch"), **TORCH_TOL),
        Case("batch of 1", _step_args(602, 1, 4, 5)),
        Case("D equal to H (where a missing transpose raises no shape error)", _step_args(603, 3, 5, 5)),
        Case("large pre-activations", _step_args(604, 3, 4, 5, scale=1500.0), strict_fp=True),
        Case("float32 input", _step_args(605, 3, 4, 5, dtype="float32"), **FLOAT32_TOL),
    ],
    "params_from_torch": [
        Case("nn.GRU(4, 5) state dict, float64", (_state_dict(700, 4, 5),)),
        Case("D equal to H: nn.GRU(5, 5) (W and U have the same shape)", (_state_dict(701, 5, 5),)),
        Case("hidden size 1", (_state_dict(702, 3, 1),)),
        Case("state dict not modified", run=_call((_state_dict(703, 2, 3),), inputs_after=("state_dict",))),
        Case("float32 state dict", (_state_dict(704, 4, 5, dtype="float32"),), **FLOAT32_TOL),
    ],
    "gru_step_backward": [
        Case("N=3, D=4, H=5", run=_call(_backward_args(800, 3, 4, 5), after=_grads)),
        Case("torch: equals torch.autograd through nn.GRUCell (float64)",
             run=_call(_backward_args(801, 3, 4, 5), twin="torch", after=_grads), **TORCH_TOL),
        Case("torch: equals torch.autograd, batch of 1, D equal to H",
             run=_call(_backward_args(802, 1, 4, 4), twin="torch", after=_grads), **TORCH_TOL),
        Case("gradient check: equals central differences of sum(dh_next * h_next) (float64)",
             run=_call(_backward_args(803, 2, 3, 4), twin="gradient check", after=_grads), **GRADCHECK_TOL),
        Case("batch of 1", run=_call(_backward_args(804, 1, 4, 5), after=_grads)),
        Case("D equal to H (where a missing transpose raises no shape error)",
             run=_call(_backward_args(805, 3, 5, 5), after=_grads)),
        Case("saturated gates (large pre-activations)", run=_call(_backward_args(806, 3, 4, 5, scale=8.0), after=_grads)),
        Case("cache not modified in place",
             run=_call(_backward_args(807, 2, 3, 4), after=_grads, inputs_after=("dh_next", "cache"))),
        Case("float32 input", run=_call(_backward_args(808, 3, 4, 5, dtype="float32"), after=_grads), **FLOAT32_TOL),
    ],
}

REFERENCES = {
    "update_gate": gru.update_gate,
    "reset_gate": gru.reset_gate,
    "candidate": gru.candidate,
    "gru_step": ReferenceWithTwins(gru.gru_step, torch=torch_gru_step),
    "gru_forward": ReferenceWithTwins(gru.gru_forward, torch=torch_gru_forward),
    "simplified_gru_step": ReferenceWithTwins(gru.simplified_gru_step, torch=torch_simplified_gru_step),
    "params_from_torch": gru.params_from_torch,
    "gru_step_backward": ReferenceWithTwins(gru.gru_step_backward, torch=torch_gru_step_backward,
                                            gradient_check=central_differences_backward),
}

OUTPUT_NAMES = {"update_gate": "z", "reset_gate": "r", "candidate": "n", "gru_step": "h_next", "gru_forward": "h",
                "simplified_gru_step": "h_next", "params_from_torch": "params", "gru_step_backward": "gradients"}


# Which graded functions each may call, as the solution does (None: as the reference calls it): a function that
# gives what the correct one gives over a failing callee is diagnosed `upstream` of it (judge/faults.py).
CALLS = {"gru_step": dict.fromkeys(("update_gate", "reset_gate", "candidate")), "gru_forward": {"gru_step": None},
         "simplified_gru_step": {"update_gate": None}}
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


from .a04_gru_mistakes import MISTAKES  # noqa: E402, F401  (re-exported; the catalogue builds on this module's cases)
