"""The visible tests catch what students do: a transposed weight or two exchanged arguments, gates, blocks, states
or outputs fail the asserts a student sees and runs, not only the hidden cases after hand-in.

Each assignment's released notebook (exercises/), its answers filled in from the solutions, is executed cell by
cell in one namespace. For every graded function, its test cell's visible asserts are then run again with a wrong
implementation in the function's place, in the namespace as it was just before the function's answer cell (as a
student's notebook runs it). The wrong implementations are known mistakes of the assignment's catalogue
(autograder/hidden/<a>_mistakes.py) and transpose and swap variants written below, of every function that has a
weight or two inputs of one shape; each variant written here is also rejected by the hidden cases, so it is a
mistake and not an equivalent form. Variants of the kind "other" are the catalogue's mistakes that the visible
tests were changed to catch besides (issue 25).
"""
from __future__ import annotations

import contextlib
import copy
import functools
import importlib
import inspect
import io
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest

from autograder.course import list_assignments
from autograder.hidden import a03_lstm_mistakes
from autograder.reference import bptt, char_lm, deep, gru, lstm, rnn
from autograder.testing import grade_id, solved_exercise

ASSIGNMENTS = list_assignments()


# ------------------------------------------------------------------------------------ the visible tests, rerun
@dataclass
class VisibleCell:
    namespace: dict[str, Any]   # before the function's answer cell
    between: list[str]          # code cells between the answer cell and the test cell (given code)
    source: str                 # the test cell, as released: its visible asserts only


@functools.lru_cache(maxsize=None)
def visible_cells(assignment: str) -> dict[str, VisibleCell]:
    """{graded function: its test cell, ready to rerun}, from one execution of the solved release."""
    cells = [cell for cell in solved_exercise(assignment).cells if cell.cell_type == "code"]
    namespace: dict[str, Any] = {"__name__": "__main__"}
    before: dict[str, tuple[dict, int]] = {}
    for index, cell in enumerate(cells):
        if cell.metadata.get("nbgrader", {}).get("solution"):
            before[grade_id(cell)] = (snapshot(namespace), index)
        quietly(cell.source, namespace, f"{assignment}:{grade_id(cell)}")
    found = {}
    for function, (namespace, index) in before.items():
        test = next(k for k in range(index, len(cells)) if grade_id(cells[k]) == f"test_{function}")
        found[function] = VisibleCell(namespace, [c.source for c in cells[index + 1:test]], cells[test].source)
    return found


def snapshot(namespace: dict[str, Any]) -> dict[str, Any]:
    """A copy deep enough that rerunning a test cell cannot change what the next run starts from."""
    copied = {}
    for name, value in namespace.items():
        try:
            copied[name] = value if name.startswith("__") else copy.deepcopy(value)
        except Exception:  # a module, a torch tensor with a history: nothing a test cell changes
            copied[name] = value
    return copied


def quietly(source: str, namespace: dict[str, Any], label: str) -> None:
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        exec(compile(source, label, "exec"), namespace)


def visible_failure(assignment: str, function: str, implementation: Any) -> BaseException | None:
    """What the function's visible asserts raise with `implementation` in its place; None when they pass."""
    cell = visible_cells(assignment)[function]
    namespace = snapshot(cell.namespace)
    namespace[function] = implementation
    try:
        for source in cell.between:
            quietly(source, namespace, f"{assignment}: given code")
        quietly(cell.source, namespace, f"{assignment}:test_{function}")
    except Exception as failure:  # an assert, or the student's code raising: the student sees the test fail
        return failure
    return None


# ------------------------------------------------------------------------------------- wrong implementations
@dataclass(frozen=True)
class Known:
    """A mistake of the assignment's catalogue, by name."""
    name: str


def bound(fn: Callable, args: tuple, kwargs: dict) -> inspect.BoundArguments:
    arguments = inspect.signature(fn).bind(*args, **kwargs)
    arguments.apply_defaults()
    return arguments


def transposed(fn: Callable, argument: str, key: str | None = None) -> Callable:
    """fn with one argument (or one entry of a dict argument) transposed: what forgetting a .T does."""
    def wrong(*args, **kwargs):
        arguments = bound(fn, args, kwargs)
        value = arguments.arguments[argument]
        arguments.arguments[argument] = np.transpose(value) if key is None else dict(value, **{key: value[key].T})
        return fn(*arguments.args, **arguments.kwargs)
    return wrong


def exchanged(fn: Callable, first: str, second: str) -> Callable:
    """fn with two of its arguments exchanged."""
    def wrong(*args, **kwargs):
        arguments = bound(fn, args, kwargs)
        a = arguments.arguments
        a[first], a[second] = a[second], a[first]
        return fn(*arguments.args, **arguments.kwargs)
    return wrong


def outputs_exchanged(fn: Callable, first: int, second: int) -> Callable:
    """fn returning two of its outputs in each other's place."""
    def wrong(*args, **kwargs):
        outputs = list(fn(*args, **kwargs))
        outputs[first], outputs[second] = outputs[second], outputs[first]
        return tuple(outputs)
    return wrong


def output_changed(fn: Callable, index: int | None, change: Callable) -> Callable:
    """fn with one output (index None: its only output) passed through `change`."""
    def wrong(*args, **kwargs):
        result = fn(*args, **kwargs)
        if index is None:
            return change(result)
        outputs = list(result)
        outputs[index] = change(outputs[index])
        return tuple(outputs)
    return wrong


def every_layer(fn: Callable, change: Callable, argument: str = "params") -> Callable:
    """fn with each (W_xh, W_hh, b_h) layer of a list argument passed through `change`."""
    def wrong(*args, **kwargs):
        arguments = bound(fn, args, kwargs)
        arguments.arguments[argument] = [change(layer) for layer in arguments.arguments[argument]]
        return fn(*arguments.args, **arguments.kwargs)
    return wrong


def W_hh_transposed(layer):
    W_xh, W_hh, b_h = layer
    return W_xh, W_hh.T, b_h


def relative_error_over_b(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b)) if np.any(b) else 0.0


def rnn_backward_carrying_through_W_hh_T(dh, cache):
    return bptt.rnn_backward(dh, [dict(step, W_hh=step["W_hh"].T) for step in cache])


def gru_backward_U_z_and_U_r_exchanged(dh_next, cache):
    dx, dh_prev, grads = gru.gru_step_backward(dh_next, cache)
    return dx, dh_prev, dict(grads, U_z=grads["U_r"], U_r=grads["U_z"])


def lstm_params_transposed(state_dict):
    return {k: (v.T if k.startswith("W") else v) for k, v in lstm.params_from_torch(state_dict).items()}


def bidirectional_backward_W_hh_transposed(x, h0, params_fwd, params_bwd, nonlinearity="tanh"):
    return deep.bidirectional_rnn_forward(x, h0, params_fwd, W_hh_transposed(params_bwd), nonlinearity)


def deep_bidirectional_W_hh_transposed(x, h0, params, nonlinearity="tanh"):
    params = [(W_hh_transposed(forward), W_hh_transposed(backward)) for forward, backward in params]
    return deep.deep_bidirectional_rnn_forward(x, h0, params, nonlinearity)


def stacked_h0_read_as_N_L_H(x, h0, params, nonlinearity="tanh"):
    return deep.stacked_rnn_forward(x, np.swapaxes(h0, 0, 1), params, nonlinearity)


def stream_pairs_exchanged(ids, batch_size, steps):
    return [(y, x) for x, y in char_lm.stream_batches(ids, batch_size, steps)]


class CellWeightHHNotTransposed(a03_lstm_mistakes.CellBase):
    def pre_activations(self, x, h):
        return x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh + self.bias_hh


class CellReturnsCThenH(a03_lstm_mistakes.CellBase):
    def forward(self, x, state):
        h_next, c_next = super().forward(x, state)
        return c_next, h_next


def gate_variants(gate: Callable) -> list:
    return [("transpose", Known("missing transpose")),
            ("swap", Known("concatenation order [x, h] instead of [h, x]")),
            ("swap", "h_prev and x_t exchanged", exchanged(gate, "h_prev", "x_t"))]


# For every graded function with a weight or two inputs of one shape: at least one transpose and one swap.
VARIANTS: dict[str, dict[str, list[tuple]]] = {
    "a01_rnn_forward": {
        "rnn_step": [
            ("transpose", Known("missing transpose of W_hh")),
            ("transpose", "W_xh not transposed", transposed(rnn.rnn_step, "W_xh")),
            ("swap", "W_xh and W_hh exchanged", exchanged(rnn.rnn_step, "W_xh", "W_hh")),
        ],
        "rnn_forward": [
            ("transpose", Known("missing transpose of W_xh")),
            ("transpose", "W_hh not transposed", transposed(rnn.rnn_forward, "W_hh")),
            ("swap", "W_xh and W_hh exchanged", exchanged(rnn.rnn_forward, "W_xh", "W_hh")),
            ("swap", "the states in reverse time order", output_changed(rnn.rnn_forward, None, lambda h: h[:, ::-1])),
        ],
        "rnn_output": [
            ("transpose", "W_hy not transposed", transposed(rnn.rnn_output, "W_hy")),
            ("swap", "the class scores in reverse order", output_changed(rnn.rnn_output, None, lambda y: y[..., ::-1])),
        ],
        "many_to_one_forward": [
            ("transpose", "W_hh not transposed", transposed(rnn.many_to_one_forward, "W_hh")),
            ("transpose", "W_hy not transposed", transposed(rnn.many_to_one_forward, "W_hy")),
            ("swap", "W_xh and W_hh exchanged", exchanged(rnn.many_to_one_forward, "W_xh", "W_hh")),
            ("swap", Known("classifies from the first state")),
            ("other", Known("ignores h0")),
        ],
    },
    "a02_bptt": {
        "rnn_step_backward": [
            ("transpose", Known("missing transpose in dh_prev")),
            ("transpose", Known("missing transpose in dx_t")),
            ("transpose", Known("dW_hh transposed")),
            ("transpose", "dW_xh transposed", output_changed(bptt.rnn_step_backward, 2, np.transpose)),
            ("swap", Known("dW_xh from h_prev instead of x_t")),
            ("swap", "dx_t and dh_prev exchanged", outputs_exchanged(bptt.rnn_step_backward, 0, 1)),
            ("swap", "dW_xh and dW_hh exchanged", outputs_exchanged(bptt.rnn_step_backward, 2, 3)),
            ("other", Known("relu ignored (always the tanh derivative)")),
            ("other", Known("db_h averaged over the batch")),
        ],
        "rnn_backward": [
            ("transpose", "gradient carried back through W_hh^T", rnn_backward_carrying_through_W_hh_T),
            ("transpose", "dW_hh transposed", output_changed(bptt.rnn_backward, 3, np.transpose)),
            ("swap", "dx in reverse time order", output_changed(bptt.rnn_backward, 0, lambda dx: dx[:, ::-1])),
            ("swap", "dW_xh and dW_hh exchanged", outputs_exchanged(bptt.rnn_backward, 2, 3)),
        ],
        "relative_error": [
            ("transpose", "b transposed", transposed(bptt.relative_error, "b")),
            ("swap", "divides by ||b|| only (a and b exchanged in the denominator)", relative_error_over_b),
        ],
        "clip_by_global_norm": [
            ("transpose", "each clipped gradient transposed",
             output_changed(bptt.clip_by_global_norm, 0, lambda grads: [np.transpose(g) for g in grads])),
            ("swap", "the clipped gradients in reverse order",
             output_changed(bptt.clip_by_global_norm, 0, lambda grads: grads[::-1])),
        ],
        "gradient_norm_at_first_step": [
            ("transpose", Known("missing transpose of W_hh")),
            ("swap", "W_xh and W_hh exchanged", exchanged(bptt.gradient_norm_at_first_step, "W_xh", "W_hh")),
            ("other", Known("activation derivative ignored (W_hh^T only)")),
        ],
    },
    "a03_lstm": {
        "forget_gate": gate_variants(lstm.forget_gate),
        "input_gate": gate_variants(lstm.input_gate) + [("other", Known("dropped bias")),
                                                         ("other", Known("dropped recurrent term"))],
        "candidate": gate_variants(lstm.candidate) + [("other", Known("dropped bias"))],
        "output_gate": gate_variants(lstm.output_gate) + [("other", Known("sign flip"))],
        "cell_update": [
            ("transpose", "f transposed", transposed(lstm.cell_update, "f")),
            ("swap", Known("f and i swapped")),
            ("swap", "c_prev and c_tilde exchanged", exchanged(lstm.cell_update, "c_prev", "c_tilde")),
        ],
        "hidden_state": [
            ("transpose", "c transposed", transposed(lstm.hidden_state, "c")),
            ("swap", "o and c exchanged", exchanged(lstm.hidden_state, "o", "c")),
        ],
        "lstm_step_forward": [
            ("transpose", "W_f not transposed", transposed(lstm.lstm_step_forward, "params", "W_f")),
            ("swap", Known("forget and input gates swapped")),
            ("swap", Known("input and output gates swapped")),
            ("swap", Known("concatenation order [x, h]")),
            ("swap", Known("returns (c_next, h_next, cache)")),
            ("other", Known("cache stores c_next as c_prev")),
            ("other", Known("modifies c_prev in place")),
        ],
        "lstm_forward": [
            ("transpose", "W_o not transposed", transposed(lstm.lstm_forward, "params", "W_o")),
            ("swap", Known("forget and input gates swapped")),
            ("swap", "h0 and c0 exchanged", exchanged(lstm.lstm_forward, "h0", "c0")),
            ("swap", "returns (c, h)", outputs_exchanged(lstm.lstm_forward, 0, 1)),
        ],
        "params_from_torch": [
            ("transpose", "every W_g transposed", lstm_params_transposed),
            ("swap", Known("torch gate order misread as (i, f, o, g)")),
            ("swap", Known("W = [W_ih | W_hh] (x first)")),
            ("other", Known("returns torch tensors, not numpy arrays")),
        ],
        "lstm_step_backward": [
            ("transpose", Known("weight gradients transposed")),
            ("swap", Known("df and di swapped")),
            ("swap", Known("dx and dh_prev sliced from the wrong ends")),
            ("swap", "dh_prev and dc_prev exchanged", outputs_exchanged(lstm.lstm_step_backward, 1, 2)),
            ("other", Known("dW_i copied from the forget gate's line")),
        ],
        "LSTMCellScratch": [
            ("transpose", "weight_hh not transposed", CellWeightHHNotTransposed),
            ("swap", Known("gate order read as (i, f, o, g)")),
            ("swap", Known("gate order read as (f, i, g, o)")),
            ("swap", "returns (c_next, h_next)", CellReturnsCThenH),
        ],
    },
    "a04_gru": {
        "update_gate": [
            ("transpose", Known("missing transpose of U_z")),
            ("transpose", "W_z not transposed", transposed(gru.update_gate, "params", "W_z")),
            ("swap", Known("reads the reset gate's parameters")),
            ("swap", "x_t and h_prev exchanged", exchanged(gru.update_gate, "x_t", "h_prev")),
        ],
        "reset_gate": [
            ("transpose", Known("missing transpose of U_r")),
            ("swap", Known("reads the update gate's parameters")),
            ("swap", "x_t and h_prev exchanged", exchanged(gru.reset_gate, "x_t", "h_prev")),
            ("other", Known("dropped bias")),
        ],
        "candidate": [
            ("transpose", Known("missing transpose of U_n")),
            ("swap", Known("the two conventions exchanged")),
            ("swap", "h_prev and r exchanged", exchanged(gru.candidate, "h_prev", "r")),
            ("other", Known("dropped b_in")),
            ("other", Known("after: reset multiplies the input side too")),
        ],
        "gru_step": [
            ("transpose", Known("missing transpose of W_z")),
            ("transpose", "U_z not transposed", transposed(gru.gru_step, "params", "U_z")),
            ("swap", Known("reset gate and update gate swapped")),
            ("swap", Known("z on the wrong side (Chung's convention with torch's weights)")),
            ("other", Known("b_hn outside the reset")),
            ("other", Known("plain sum instead of interpolation")),
        ],
        "gru_forward": [
            ("transpose", "U_n not transposed", transposed(gru.gru_forward, "params", "U_n")),
            ("swap", Known("reset and update gates swapped")),
            ("swap", Known("z on the wrong side")),
            ("other", Known("reset argument not passed on (always after)")),
        ],
        "simplified_gru_step": [
            ("transpose", Known("missing transpose of U_n")),
            ("swap", Known("z on the wrong side")),
        ],
        "params_from_torch": [
            ("transpose", Known("weights transposed")),
            ("swap", Known("weight_ih and weight_hh exchanged")),
            ("swap", Known("reads torch's order as (z, r, n)")),
        ],
        "gru_step_backward": [
            ("transpose", Known("weight gradients transposed, (D, H)")),
            ("transpose", Known("missing transposes: dh_prev through U.T")),
            ("swap", Known("b_hn gets b_in's gradient")),
            ("swap", "the gradients of U_z and U_r exchanged", gru_backward_U_z_and_U_r_exchanged),
        ],
    },
    "a05_deep_variants": {
        "stacked_rnn_forward": [
            ("transpose", "W_hh transposed in every layer", every_layer(deep.stacked_rnn_forward, W_hh_transposed)),
            ("transpose", "h0 read as (N, L, H)", stacked_h0_read_as_N_L_H),
            ("swap", Known("every layer starts from h0[0]")),
            ("swap", Known("h_n in reverse layer order")),
            ("other", Known("modifies x in place")),
        ],
        "bidirectional_rnn_forward": [
            ("transpose", "the backward direction's W_hh transposed", bidirectional_backward_W_hh_transposed),
            ("swap", Known("initial states of the directions swapped")),
            ("swap", Known("backward direction uses the forward weights")),
            ("swap", Known("concatenated as [backward, forward]")),
        ],
        "deep_bidirectional_rnn_forward": [
            ("transpose", "W_hh transposed in every direction", deep_bidirectional_W_hh_transposed),
            ("swap", Known("layers above read [backward, forward]")),
            ("swap", Known("h0 read direction-major")),
        ],
        "dropout_between_layers": [
            ("other", Known("divided by p instead of (1-p)")),
            ("other", Known("mask broadcast over the batch, not over time")),
        ],
        "stacked_rnn_forward_dropout": [
            ("transpose", "W_hh transposed in every layer",
             every_layer(deep.stacked_rnn_forward_dropout, W_hh_transposed)),
            ("swap", Known("masks applied in reverse order")),
            ("other", Known("no 1/(1-p) rescaling")),
            ("other", Known("dropout on the last layer's output too")),
        ],
        "irnn_init": [
            ("transpose", Known("W_xh transposed (D, H)")),
            ("other", Known("seed ignored")),
            ("other", Known("Gaussian with mean std")),
        ],
        "scrn_step": [
            ("transpose", Known("missing transpose of R")),
            ("transpose", "P not transposed", transposed(deep.scrn_step, "params", "P")),
            ("swap", Known("alpha and 1 - alpha swapped")),
            ("swap", Known("returns (h_t, s_t)")),
            ("other", Known("missing A x_t term")),
            ("other", Known("missing R h_{t-1} term")),
        ],
    },
    "a06_char_lm": {
        "embedding_forward": [
            ("transpose", Known("W_emb read as (E, V)")),
        ],
        "embedding_backward": [
            ("transpose", "dW_emb transposed", output_changed(char_lm.embedding_backward, None, np.transpose)),
        ],
        "temporal_softmax_loss": [
            ("transpose", "dlogits as (T, N, V)",
             output_changed(char_lm.temporal_softmax_loss, 1, lambda d: np.swapaxes(d, 0, 1))),
            ("swap", "targets and mask exchanged", exchanged(char_lm.temporal_softmax_loss, "targets", "mask")),
        ],
        "stream_batches": [
            ("transpose", Known("time-major chunks (T, B)")),
            ("swap", "(y, x) pairs", stream_pairs_exchanged),
        ],
        "lm_train_step": [
            ("transpose", "W_hy not transposed in the read-out", transposed(char_lm.lm_train_step, "params", "W_hy")),
            ("swap", "h_T and c_T exchanged", outputs_exchanged(char_lm.lm_train_step, 3, 4)),
            ("other", Known("update sign flipped (ascent)")),
            ("other", Known("state not carried (returns h0, c0)")),
        ],
        "softmax_with_temperature": [
            ("other", Known("the last maximum on a tie")),
        ],
        "sample_next": [
            ("other", Known("temperature multiplied instead of divided")),
            ("other", Known("a generator of its own instead of rng")),
            ("other", Known("always greedy")),
        ],
    },
}

# Graded functions with neither a weight nor two inputs of one shape: no transpose or swap to hide.
NEITHER = {"sigmoid", "tanh", "softmax", "numerical_gradient", "dropout_between_layers", "softmax_with_temperature",
           "sample_next"}
# With a weight but nothing of one shape to exchange (the embedding reads one matrix; irnn_init makes its weights).
TRANSPOSE_ONLY = {"embedding_forward", "embedding_backward", "irnn_init"}


def implementation(assignment: str, function: str, variant: tuple) -> tuple[str, Any]:
    """(name, implementation) of a VARIANTS entry."""
    if isinstance(variant[1], Known):
        mutants = importlib.import_module(f"autograder.hidden.{assignment}_mistakes").MUTANTS[function]
        return variant[1].name, mutants[variant[1].name]
    return variant[1], variant[2]


CASES = [(a, f, v[0], *implementation(a, f, v), isinstance(v[1], Known))
         for a in VARIANTS for f in VARIANTS[a] for v in VARIANTS[a][f]]
OWN = [case for case in CASES if not case[5]]


def case_id(case: tuple) -> str:
    return f"{case[0]}-{case[1]}-{case[2]}: {case[3]}"


def solution(assignment: str, function: str) -> Any:
    """The solution's function, as the notebook defines it in its answer cell."""
    namespace = snapshot(visible_cells(assignment)[function].namespace)
    answer = next(c for c in solved_exercise(assignment).cells if grade_id(c) == function)
    quietly(answer.source, namespace, f"{assignment}:{function}")
    return namespace[function]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_solution_passes_every_visible_test(assignment):
    """The rerun is sound: the released notebook, answered with the solutions, passes each test cell again."""
    hidden = importlib.import_module(f"autograder.hidden.{assignment}")
    assert set(visible_cells(assignment)) == set(hidden.CHECKS)
    for function in hidden.CHECKS:
        failure = visible_failure(assignment, function, solution(assignment, function))
        assert failure is None, f"{assignment}: the solution fails test_{function}: {failure!r}"


@pytest.mark.parametrize("assignment, function, kind, name, wrong, known", CASES, ids=[case_id(c) for c in CASES])
def test_the_visible_tests_reject(assignment, function, kind, name, wrong, known):
    failure = visible_failure(assignment, function, wrong)
    assert failure is not None, f"{assignment}: the visible tests of {function} pass with the {kind} variant {name!r}"
    assert not isinstance(failure, NameError), f"the rerun lacks a name, not a test that failed: {failure!r}"


@pytest.mark.parametrize("assignment, function, kind, name, wrong, known", OWN, ids=[case_id(c) for c in OWN])
def test_each_variant_written_here_is_a_mistake(assignment, function, kind, name, wrong, known):
    """A variant the hidden cases accept would be an equivalent form, not a mistake the visible tests must catch."""
    hidden = importlib.import_module(f"autograder.hidden.{assignment}")
    with pytest.raises(Exception), warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        hidden.check(function, wrong)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_function_with_a_weight_or_two_inputs_of_one_shape_has_a_transpose_and_a_swap_variant(assignment):
    hidden = importlib.import_module(f"autograder.hidden.{assignment}")
    for function in hidden.CHECKS:
        kinds = {variant[0] for variant in VARIANTS[assignment].get(function, [])}
        needed = {"transpose", "swap"} - ({"transpose", "swap"} if function in NEITHER else
                                          {"swap"} if function in TRANSPOSE_ONLY else set())
        assert needed <= kinds, f"{assignment}: {function} has no {sorted(needed - kinds)} variant"
