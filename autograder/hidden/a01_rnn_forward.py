"""Hidden cases for a01_rnn_forward: activations, one RNN step, the sequence forward, the output layer."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..judge.checking import FLOAT32_TOL, Case, check_function, random_normal as rn
from ..reference import activations, rnn

if TYPE_CHECKING:
    from collections.abc import Callable

f32 = dict(dtype="float32")


def _with_extremes(values):
    """Seeded values with +-1000 planted at the front, so an exp of them must overflow if done naively."""
    values = values.copy()
    values.flat[0], values.flat[1] = 1000.0, -1000.0
    return values


def _far_apart_rows(seed, K):
    """Two rows 2000 apart: only a per-row maximum keeps both finite (a global one leaves 0 / 0 in the second)."""
    return np.stack([1000.0 + rn(seed, K), -1000.0 + rn(seed + 1, K)])


def _step_args(seed, N, D, H, scale=1.0, dtype="float64"):
    """x_t (N, D), h_prev (N, H), W_xh (H, D), W_hh (H, H), b_h (H,), all seeded."""
    return (rn(seed, N, D, scale=scale, dtype=dtype), rn(seed + 1, N, H, dtype=dtype),
            rn(seed + 2, H, D, scale=0.5, dtype=dtype), rn(seed + 3, H, H, scale=0.5, dtype=dtype),
            rn(seed + 4, H, dtype=dtype))


def _sequence_args(seed, N, T, D, H, dtype="float64"):
    """x (N, T, D), h0 (N, H), W_xh (H, D), W_hh (H, H), b_h (H,)."""
    return (rn(seed, N, T, D, dtype=dtype), rn(seed + 1, N, H, scale=0.5, dtype=dtype),
            rn(seed + 2, H, D, scale=0.5, dtype=dtype), rn(seed + 3, H, H, scale=0.5, dtype=dtype),
            rn(seed + 4, H, dtype=dtype))


def _classifier_args(seed, N, T, D, H, K, dtype="float64"):
    return _sequence_args(seed, N, T, D, H, dtype) + (rn(seed + 5, K, H, dtype=dtype), rn(seed + 6, K, dtype=dtype))


CHECKS = {
    "sigmoid": [
        Case("random values, shape (3, 4)", (rn(10, 3, 4, scale=3.0),)),
        Case("zeros give exactly 0.5", (rn(11, 5) * 0,)),
        Case("large pre-activations, |x| up to 1000", (_with_extremes(rn(12, 4, 6, scale=400.0)),), strict_fp=True),
        Case("float32 input", (rn(13, 7, scale=3.0, **f32),), **FLOAT32_TOL),
    ],
    "tanh": [
        Case("random values, shape (5, 6)", (rn(20, 5, 6, scale=2.0),)),
        Case("zeros give 0", (rn(21, 3) * 0,)),
        Case("large pre-activations, |x| up to 1000", (_with_extremes(rn(22, 4, 6, scale=400.0)),), strict_fp=True),
        Case("float32 input", (rn(23, 8, scale=2.0, **f32),), **FLOAT32_TOL),
    ],
    "rnn_step": [
        Case("N=3, D=4, H=5", _step_args(30, 3, 4, 5)),
        Case("batch of 1", _step_args(31, 1, 4, 5)),
        Case("D equal to H (where a missing transpose raises no shape error)", _step_args(32, 3, 5, 5)),
        Case("large pre-activations", _step_args(33, 3, 4, 5, scale=300.0), strict_fp=True),
        Case("relu nonlinearity", _step_args(34, 3, 4, 5), kwargs=dict(nonlinearity="relu")),
        Case("float32 input", _step_args(35, 3, 4, 5, dtype="float32"), **FLOAT32_TOL),
    ],
    "rnn_forward": [
        Case("N=2, T=6, D=3, H=4", _sequence_args(40, 2, 6, 3, 4)),
        Case("batch of 1", _sequence_args(41, 1, 5, 3, 4)),
        Case("sequence of length 1", _sequence_args(42, 3, 1, 3, 4)),
        Case("N equal to T (batch-first, not time-first)", _sequence_args(43, 4, 4, 3, 4)),
        Case("relu nonlinearity", _sequence_args(44, 2, 5, 3, 4), kwargs=dict(nonlinearity="relu")),
        Case("float32 input", _sequence_args(45, 2, 6, 3, 4, dtype="float32"), **FLOAT32_TOL),
    ],
    "softmax": [
        Case("random logits, shape (4, 7)", (rn(50, 4, 7, scale=2.0),)),
        Case("3-D logits: softmax over the last axis", (rn(51, 2, 3, 5),)),
        Case("large logits, up to 1000", (_with_extremes(rn(52, 3, 6, scale=400.0)),), strict_fp=True),
        Case("a single row", (rn(53, 1, 4),)),
        Case("one row near +1000, one near -1000: each row's own maximum", (_far_apart_rows(55, 5),), strict_fp=True),
        Case("float32 input", (rn(54, 4, 7, scale=2.0, **f32),), **FLOAT32_TOL),
    ],
    "rnn_output": [
        Case("h of shape (N, H) = (3, 4), K=6", (rn(60, 3, 4), rn(61, 6, 4), rn(62, 6))),
        Case("h of shape (N, T, H) = (2, 5, 4), K=3", (rn(63, 2, 5, 4), rn(64, 3, 4), rn(65, 3))),
        Case("large logits", (rn(66, 3, 4, scale=50.0), rn(67, 6, 4, scale=20.0), rn(68, 6)), strict_fp=True),
        Case("float32 input", (rn(69, 3, 4, **f32), rn(70, 6, 4, **f32), rn(71, 6, **f32)), **FLOAT32_TOL),
    ],
    "many_to_one_forward": [
        Case("N=3, T=7, D=4, H=5, K=3", _classifier_args(80, 3, 7, 4, 5, 3)),
        Case("batch of 1", _classifier_args(81, 1, 6, 4, 5, 3)),
        Case("sequence of length 1", _classifier_args(82, 2, 1, 4, 5, 3)),
        Case("float32 input", _classifier_args(83, 3, 7, 4, 5, 3, dtype="float32"), **FLOAT32_TOL),
    ],
}

REFERENCES = {
    "sigmoid": activations.sigmoid,
    "tanh": activations.tanh,
    "rnn_step": rnn.rnn_step,
    "rnn_forward": rnn.rnn_forward,
    "softmax": activations.softmax,
    "rnn_output": rnn.rnn_output,
    "many_to_one_forward": rnn.many_to_one_forward,
}

OUTPUT_NAMES = {"rnn_step": "h_next", "rnn_forward": "h", "rnn_output": "y", "many_to_one_forward": "y"}


# Which graded functions each may call, as the solution does (None: as the reference calls it): a function that
# gives what the correct one gives over a failing callee is diagnosed `upstream` of it (judge/faults.py).
CALLS = {"tanh": {"sigmoid": None}, "rnn_step": {"tanh": None}, "rnn_forward": {"rnn_step": None},
         "rnn_output": {"softmax": None}, "many_to_one_forward": {"rnn_forward": None, "rnn_output": None}}
ACTIVATIONS = activations.ACTIVATIONS  # the nonlinearities a fault model may put in place of one another

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


from .a01_rnn_forward_mistakes import MISTAKES  # noqa: E402, F401  (re-exported; the catalogue builds on this module's cases)
