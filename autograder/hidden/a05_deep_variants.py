"""Hidden cases for a05_deep_variants: a stacked RNN, a bidirectional layer, a deep bidirectional stack, dropout
between layers (alone and inside a stack), the IRNN initialisation and one SCRN step.

Most cases compare with the numpy reference (autograder.reference.deep) on seeded inputs. The "torch: ..." cases
take their expected output from torch instead, computed in the grader's process, never in the student's kernel:
torch.nn.RNN stacks (num_layers, bidirectional) in float64 holding the same weights, and for dropout a chain of
one-layer torch.nn.RNNs with the given masks applied between them. For those, REFERENCES holds a
`ReferenceWithTwins`: called, it is the numpy reference; the probes of the torch cases call its torch twin
instead. A student's function is always called as itself.

irnn_init draws random numbers, so its cases compare what must hold exactly (shapes, W_hh = I, b_h = 0) and
statistics of W_xh reduced to yes/no at a fixed seed (deterministic; the tolerance is many standard errors wide).

Cases and probes use nothing of the autograder package but autograder.judge.checking: the grader pickles them by
value for a kernel that has no autograder package, and no expected output is stored in them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..judge.checking import FLOAT32_TOL, Case, Detail, ReferenceWithTwins, check_function, generator, seeded
from ..judge.checking import call_probe as _call
from ..judge.checking import random_normal as rn
from ..reference import deep
from ..reference.activations import ACTIVATIONS as ACTIVATION_FUNCTIONS

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..reference.deep import Layer

# float64 against torch: any correct order of operations agrees to ~1e-15.
TORCH_TOL = dict(rtol=1e-8, atol=1e-10)


# ----------------------------------------------------------------------------------------------- inputs
def _layer(seed, D, H, dtype="float64"):
    """(W_xh (H, D), W_hh (H, H), b_h (H,)), seeded."""
    return (rn(seed, H, D, scale=0.6, dtype=dtype), rn(seed + 1, H, H, scale=0.6, dtype=dtype),
            rn(seed + 2, H, dtype=dtype))


def _stack_params(seed, D, H, L, dtype="float64"):
    """L layers: layer 0 reads D features, later layers read the H of the layer below."""
    return [_layer(seed + 10 * l, D if l == 0 else H, H, dtype) for l in range(L)]


def _bi_stack_params(seed, D, H, L, dtype="float64"):
    """L bidirectional layers, (params_fwd, params_bwd) each: layer 0 reads D features, later layers 2H."""
    return [(_layer(seed + 10 * l, D if l == 0 else 2 * H, H, dtype),
             _layer(seed + 10 * l + 5, D if l == 0 else 2 * H, H, dtype)) for l in range(L)]


def _x_h0(seed, N, T, D, H, rows, dtype="float64"):
    return rn(seed + 100, N, T, D, dtype=dtype), rn(seed + 101, rows, N, H, scale=0.5, dtype=dtype)


def _stacked_args(seed, N, T, D, H, L, dtype="float64"):
    """x (N, T, D), h0 (L, N, H), params."""
    return _x_h0(seed, N, T, D, H, L, dtype) + (_stack_params(seed, D, H, L, dtype),)


def _bidirectional_args(seed, N, T, D, H, dtype="float64"):
    """x (N, T, D), h0 (2, N, H), params_fwd, params_bwd."""
    return _x_h0(seed, N, T, D, H, 2, dtype) + (_layer(seed, D, H, dtype), _layer(seed + 5, D, H, dtype))


def _deep_bi_args(seed, N, T, D, H, L, dtype="float64"):
    """x (N, T, D), h0 (2L, N, H), params."""
    return _x_h0(seed, N, T, D, H, 2 * L, dtype) + (_bi_stack_params(seed, D, H, L, dtype),)


def _mask(seed, N, H, p, dtype="float64"):
    """(N, H) of zeros and ones, P(1) = 1 - p; at least one of each, so neither an all-kept nor an all-dropped
    mask can hide a mistake."""
    mask = (generator(seed).random((N, H)) >= p).astype(dtype)
    mask.flat[0], mask.flat[-1] = 0, 1
    return mask


def _dropout_args(seed, N, T, H, p, dtype="float64"):
    """h (N, T, H), mask (N, H), p."""
    return rn(seed, N, T, H, dtype=dtype), _mask(seed + 1, N, H, p, dtype), p


def _stacked_dropout_args(seed, N, T, D, H, L, p, dtype="float64"):
    """x, h0, params, masks (L-1 of (N, H)), p."""
    x, h0, params = _stacked_args(seed, N, T, D, H, L, dtype)
    return x, h0, params, [_mask(seed + 200 + l, N, H, p, dtype) for l in range(L - 1)], p


def _scrn_params(seed, D, S, H, dtype="float64"):
    return {"B": rn(seed, S, D, dtype=dtype), "A": rn(seed + 1, H, D, scale=0.7, dtype=dtype),
            "P": rn(seed + 2, H, S, scale=0.7, dtype=dtype), "R": rn(seed + 3, H, H, scale=0.7, dtype=dtype)}


def _scrn_args(seed, N, D, S, H, alpha, scale=1.0, dtype="float64"):
    """x_t (N, D), s_prev (N, S), h_prev (N, H) in (0, 1), params, alpha."""
    h_prev = generator(seed + 10).uniform(0.05, 0.95, size=(N, H)).astype(dtype)
    return (rn(seed + 11, N, D, scale=scale, dtype=dtype), rn(seed + 12, N, S, dtype=dtype), h_prev,
            _scrn_params(seed, D, S, H, dtype), alpha)


# ------------------------------------------------------------------------------------------------ probes


def _irnn_properties(D, H, seed, std, statistics):
    """Probe for irnn_init: what must hold exactly, plus (for large D*H) statistics of W_xh as yes (1) / no (0).

    With D*H >= 4096 draws, the sample standard deviation is within 2% of std and the sample mean within
    0.05 std of 0 at ~3 standard errors; the bounds below are wider still, so any honest way of drawing
    N(0, std^2) passes, at any seed."""
    seed = seeded(seed)  # the seed handed to the student's function: another one in the practice cases

    def run(fn):
        result = fn(D, H, seed=seed, std=std)
        if not isinstance(result, (tuple, list)) or len(result) != 3:
            raise AssertionError(Detail.SHOULD_RETURN.format(function="irnn_init", outputs="(W_xh, W_hh, b_h)",
                                                             kind=type(result).__name__))
        W_xh, W_hh, b_h = (np.asarray(a, dtype=float) for a in result)
        props = {"W_xh.shape": np.array(W_xh.shape), "W_hh": W_hh, "b_h": b_h}
        if statistics and W_xh.shape == (H, D):
            again = np.asarray(fn(D, H, seed=seed, std=std)[0], dtype=float)
            other = np.asarray(fn(D, H, seed=seed + 1, std=std)[0], dtype=float)
            props.update({
                "W_xh.std() / std is between 0.9 and 1.1 (1 = yes)": float(0.9 <= W_xh.std() / std <= 1.1),
                "|W_xh.mean()| / std is below 0.1 (1 = yes)": float(abs(W_xh.mean()) / std < 0.1),
                "the same seed gives the same W_xh (1 = yes)": float(np.array_equal(W_xh, again)),
                "another seed gives another W_xh (1 = yes)": float(not np.array_equal(W_xh, other)),
            })
        return props
    return run


# ---------------------------------------------------------------------- second opinions (grader side only)


def _torch_rnn(layers, nonlinearity, bidirectional):
    """A float64 nn.RNN (batch_first) holding `layers`: a list of (W_xh, W_hh, b_h), or of pairs of them when
    bidirectional. The summed bias b_h goes in bias_ih, zeros in bias_hh. torch's random state is left alone."""
    import torch

    def put(state, l, suffix, W_xh, W_hh, b_h):
        state[f"weight_ih_l{l}{suffix}"] = torch.from_numpy(np.asarray(W_xh, dtype=np.float64))
        state[f"weight_hh_l{l}{suffix}"] = torch.from_numpy(np.asarray(W_hh, dtype=np.float64))
        state[f"bias_ih_l{l}{suffix}"] = torch.from_numpy(np.asarray(b_h, dtype=np.float64))
        state[f"bias_hh_l{l}{suffix}"] = torch.zeros(len(b_h), dtype=torch.float64)

    state = {}
    for l, layer in enumerate(layers):
        if bidirectional:
            put(state, l, "", *layer[0])
            put(state, l, "_reverse", *layer[1])
        else:
            put(state, l, "", *layer)
    W_xh0 = layers[0][0][0] if bidirectional else layers[0][0]
    H, D = np.shape(W_xh0)
    module = torch.nn.RNN(D, H, num_layers=len(layers), nonlinearity=nonlinearity, bidirectional=bidirectional,
                          batch_first=True, device="meta", dtype=torch.float64).to_empty(device="cpu")
    module.load_state_dict(state)
    return module


def _run_torch(module, x, h0):
    import torch

    with torch.no_grad():
        out, h_n = module(torch.from_numpy(np.asarray(x, dtype=np.float64)),
                          torch.from_numpy(np.asarray(h0, dtype=np.float64)))
    return out.numpy(), h_n.numpy()


def torch_stacked_rnn_forward(x: np.ndarray, h0: np.ndarray, params: list[Layer],
                              nonlinearity: str = "tanh") -> tuple[np.ndarray, np.ndarray]:
    """stacked_rnn_forward computed by torch.nn.RNN(num_layers=L)."""
    return _run_torch(_torch_rnn(params, nonlinearity, False), x, h0)


def torch_bidirectional_rnn_forward(x: np.ndarray, h0: np.ndarray, params_fwd: Layer, params_bwd: Layer,
                                    nonlinearity: str = "tanh") -> tuple[np.ndarray, np.ndarray]:
    """bidirectional_rnn_forward computed by torch.nn.RNN(bidirectional=True)."""
    return _run_torch(_torch_rnn([(params_fwd, params_bwd)], nonlinearity, True), x, h0)


def torch_deep_bidirectional_rnn_forward(x: np.ndarray, h0: np.ndarray, params: list[tuple[Layer, Layer]],
                                         nonlinearity: str = "tanh") -> tuple[np.ndarray, np.ndarray]:
    """deep_bidirectional_rnn_forward computed by torch.nn.RNN(num_layers=L, bidirectional=True)."""
    return _run_torch(_torch_rnn(params, nonlinearity, True), x, h0)


def torch_stacked_rnn_forward_dropout(x: np.ndarray, h0: np.ndarray, params: list[Layer],
                                      masks: list[np.ndarray], p: float,
                                      nonlinearity: str = "tanh") -> tuple[np.ndarray, np.ndarray]:
    """One-layer torch.nn.RNNs in a chain, each layer's output times masks[l] / (1 - p) before the next reads it."""
    layer_input, finals = x, []
    for l, layer in enumerate(params):
        out, h_n = _run_torch(_torch_rnn([layer], nonlinearity, False), layer_input, h0[l:l + 1])
        finals.append(h_n)
        if l < len(params) - 1:
            out = out * masks[l][:, None, :] / (1 - p)
        layer_input = out
    return layer_input, np.concatenate(finals)


# ------------------------------------------------------------------------------------------------ cases
CHECKS = {
    "stacked_rnn_forward": [
        Case("L=2, N=2, T=5, D=3, H=4", _stacked_args(100, 2, 5, 3, 4, 2)),
        Case("L=3 layers", _stacked_args(101, 2, 4, 3, 5, 3)),
        Case("L=1: a single layer", _stacked_args(102, 3, 5, 2, 4, 1)),
        Case("D equal to H (where feeding the input to every layer raises no shape error)",
             _stacked_args(103, 2, 5, 4, 4, 3)),
        Case("N equal to T (batch-first, not time-first)", _stacked_args(104, 4, 4, 3, 5, 2)),
        Case("sequence of length 1", _stacked_args(105, 3, 1, 3, 4, 2)),
        Case("relu nonlinearity", _stacked_args(106, 2, 5, 3, 4, 2), kwargs=dict(nonlinearity="relu")),
        Case("torch: equals nn.RNN(num_layers=3) with the same weights (float64)",
             run=_call(_stacked_args(107, 3, 6, 4, 5, 3), twin="torch"), **TORCH_TOL),
        Case("inputs not modified in place",
             run=_call(_stacked_args(108, 2, 4, 3, 4, 2), inputs_after=("x", "h0", "params"))),
        Case("float32 input", _stacked_args(109, 2, 5, 3, 4, 2, dtype="float32"), **FLOAT32_TOL),
    ],
    "bidirectional_rnn_forward": [
        Case("N=2, T=5, D=3, H=4", _bidirectional_args(200, 2, 5, 3, 4)),
        Case("batch of 1", _bidirectional_args(201, 1, 6, 3, 4)),
        Case("sequence of length 1", _bidirectional_args(202, 3, 1, 3, 4)),
        Case("N equal to T (batch-first, not time-first)", _bidirectional_args(203, 4, 4, 3, 5)),
        Case("relu nonlinearity", _bidirectional_args(204, 2, 5, 3, 4), kwargs=dict(nonlinearity="relu")),
        Case("torch: equals nn.RNN(bidirectional=True) with the same weights (float64)",
             run=_call(_bidirectional_args(205, 3, 7, 4, 5), twin="torch"), **TORCH_TOL),
        Case("torch: relu, D equal to H",
             run=_call(_bidirectional_args(206, 2, 6, 4, 4), dict(nonlinearity="relu"), twin="torch"), **TORCH_TOL),
        Case("inputs not modified in place",
             run=_call(_bidirectional_args(207, 2, 4, 3, 4), inputs_after=("x", "h0", "params_fwd", "params_bwd"))),
        Case("float32 input", _bidirectional_args(208, 2, 5, 3, 4, dtype="float32"), **FLOAT32_TOL),
    ],
    "deep_bidirectional_rnn_forward": [
        Case("L=2, N=2, T=5, D=3, H=4", _deep_bi_args(300, 2, 5, 3, 4, 2)),
        Case("L=3 layers", _deep_bi_args(301, 2, 4, 3, 4, 3)),
        Case("L=1: one bidirectional layer", _deep_bi_args(302, 2, 5, 3, 4, 1)),
        Case("D equal to 2H (where feeding the input to every layer raises no shape error)",
             _deep_bi_args(303, 2, 5, 6, 3, 2)),
        Case("sequence of length 1", _deep_bi_args(304, 3, 1, 3, 4, 2)),
        Case("relu nonlinearity", _deep_bi_args(305, 2, 5, 3, 4, 2), kwargs=dict(nonlinearity="relu")),
        Case("torch: equals nn.RNN(num_layers=2, bidirectional=True) with the same weights (float64)",
             run=_call(_deep_bi_args(306, 3, 6, 4, 5, 2), twin="torch"), **TORCH_TOL),
        Case("torch: num_layers=3, relu",
             run=_call(_deep_bi_args(307, 2, 5, 3, 4, 3), dict(nonlinearity="relu"), twin="torch"), **TORCH_TOL),
        Case("float32 input", _deep_bi_args(308, 2, 5, 3, 4, 2, dtype="float32"), **FLOAT32_TOL),
    ],
    "dropout_between_layers": [
        Case("N=3, T=4, H=5, p=0.5", _dropout_args(400, 3, 4, 5, 0.5)),
        Case("p=0.2", _dropout_args(401, 2, 6, 8, 0.2)),
        Case("p=0.8", _dropout_args(402, 4, 3, 6, 0.8)),
        Case("N equal to T (the mask is per sequence and shared across time)", _dropout_args(403, 4, 4, 5, 0.4)),
        Case("p=0 with a mask of ones: h unchanged", (rn(404, 2, 3, 4), np.ones((2, 4)), 0.0)),
        Case("h and mask not modified in place",
             run=_call(_dropout_args(405, 3, 4, 5, 0.5), inputs_after=("h", "mask"))),
        Case("float32 input", _dropout_args(406, 3, 4, 5, 0.3, dtype="float32"), **FLOAT32_TOL),
    ],
    "stacked_rnn_forward_dropout": [
        Case("L=3, N=2, T=5, D=3, H=4, p=0.5", _stacked_dropout_args(500, 2, 5, 3, 4, 3, 0.5)),
        Case("L=2, p=0.3", _stacked_dropout_args(501, 3, 4, 3, 5, 2, 0.3)),
        Case("L=1: no layer above, so no dropout", _stacked_dropout_args(502, 2, 5, 3, 4, 1, 0.5)),
        Case("D equal to H", _stacked_dropout_args(503, 2, 5, 4, 4, 3, 0.4)),
        Case("N equal to T", _stacked_dropout_args(504, 4, 4, 3, 5, 2, 0.5)),
        Case("relu nonlinearity", _stacked_dropout_args(505, 2, 5, 3, 4, 3, 0.5), kwargs=dict(nonlinearity="relu")),
        Case("torch: equals one-layer nn.RNNs chained with the masks applied in between (float64)",
             run=_call(_stacked_dropout_args(506, 3, 6, 4, 5, 3, 0.4), twin="torch"), **TORCH_TOL),
        Case("inputs not modified in place",
             run=_call(_stacked_dropout_args(507, 2, 4, 3, 4, 3, 0.5), inputs_after=("x", "h0", "params", "masks"))),
        Case("float32 input", _stacked_dropout_args(508, 2, 5, 3, 4, 3, 0.5, dtype="float32"), **FLOAT32_TOL),
    ],
    "irnn_init": [
        Case("D=2, H=5", run=_irnn_properties(2, 5, seed=0, std=0.001, statistics=False)),
        Case("D=64, H=128, std=0.001: W_hh, b_h, shapes and the statistics of W_xh",
             run=_irnn_properties(64, 128, seed=1, std=0.001, statistics=True)),
        Case("D=100, H=50, std=0.5 (the std argument is used)",
             run=_irnn_properties(100, 50, seed=2, std=0.5, statistics=True)),
        Case("D equal to H", run=_irnn_properties(6, 6, seed=3, std=0.01, statistics=False)),
        Case("H=1", run=_irnn_properties(4, 1, seed=4, std=0.001, statistics=False)),
    ],
    "scrn_step": [
        Case("N=3, D=4, S=2, H=5, alpha=0.95", _scrn_args(700, 3, 4, 2, 5, 0.95)),
        Case("alpha=0.3", _scrn_args(701, 3, 4, 2, 5, 0.3)),
        Case("alpha=0: the context is B x_t", _scrn_args(702, 3, 4, 2, 5, 0.0)),
        Case("alpha=1: the context is frozen", _scrn_args(703, 3, 4, 2, 5, 1.0)),
        Case("batch of 1", _scrn_args(704, 1, 4, 3, 5, 0.9)),
        Case("D, S and H all equal (where a missing transpose raises no shape error)",
             _scrn_args(705, 3, 4, 4, 4, 0.8)),
        Case("large pre-activations", _scrn_args(706, 3, 4, 2, 5, 0.7, scale=2000.0), strict_fp=True),
        Case("inputs not modified in place",
             run=_call(_scrn_args(707, 2, 3, 2, 4, 0.9), inputs_after=("x_t", "s_prev", "h_prev", "params"))),
        Case("float32 input", _scrn_args(708, 3, 4, 2, 5, 0.95, dtype="float32"), **FLOAT32_TOL),
    ],
}

REFERENCES = {
    "stacked_rnn_forward": ReferenceWithTwins(deep.stacked_rnn_forward, torch=torch_stacked_rnn_forward),
    "bidirectional_rnn_forward": ReferenceWithTwins(deep.bidirectional_rnn_forward,
                                                    torch=torch_bidirectional_rnn_forward),
    "deep_bidirectional_rnn_forward": ReferenceWithTwins(deep.deep_bidirectional_rnn_forward,
                                                         torch=torch_deep_bidirectional_rnn_forward),
    "dropout_between_layers": deep.dropout_between_layers,
    "stacked_rnn_forward_dropout": ReferenceWithTwins(deep.stacked_rnn_forward_dropout,
                                                      torch=torch_stacked_rnn_forward_dropout),
    "irnn_init": deep.irnn_init,
    "scrn_step": deep.scrn_step,
}

OUTPUT_NAMES = {"stacked_rnn_forward": "(out, h_n)", "bidirectional_rnn_forward": "(out, h_n)",
                "deep_bidirectional_rnn_forward": "(out, h_n)", "dropout_between_layers": "h_dropped",
                "stacked_rnn_forward_dropout": "(out, h_n)", "irnn_init": "checked properties",
                "scrn_step": "(s_t, h_t)"}


# Which graded functions each may call, as the solution does (None: as the reference calls it): a function that
# gives what the correct one gives over a failing callee is diagnosed `upstream` of it (judge/faults.py).
CALLS = {"deep_bidirectional_rnn_forward": {"bidirectional_rnn_forward": None},
         "stacked_rnn_forward_dropout": {"dropout_between_layers": None}}
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


from .a05_deep_variants_mistakes import MISTAKES  # noqa: E402, F401  (re-exported; the catalogue builds on this module's cases)
