"""The a01 hidden tests accept the reference and reject each typical wrong implementation."""
import numpy as np
import pytest

from autograder.hidden import a01_rnn_forward as hidden
from autograder.reference import activations as act
from autograder.reference import rnn as ref

from mutation import mutation_tests


def naive_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x)))


def naive_tanh(x):
    x = np.asarray(x)
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


def step_with(pre_activation, nonlinearity_map=None):
    """An rnn_step built from a (possibly wrong) pre-activation formula."""
    def step(x_t, h_prev, W_xh, W_hh, b_h, nonlinearity="tanh"):
        z = pre_activation(x_t, h_prev, W_xh, W_hh, b_h)
        return (nonlinearity_map or act.NONLINEARITIES)[nonlinearity](z)
    return step


def forward_with(step):
    def forward(x, h0, W_xh, W_hh, b_h, nonlinearity="tanh"):
        h_t, states = h0, []
        for t in range(x.shape[1]):
            h_t = step(x[:, t], h_t, W_xh, W_hh, b_h, nonlinearity)
            states.append(h_t)
        return np.stack(states, axis=1)
    return forward


def forward_restarting_from_h0(x, h0, W_xh, W_hh, b_h, nonlinearity="tanh"):
    return np.stack([ref.rnn_step(x[:, t], h0, W_xh, W_hh, b_h, nonlinearity) for t in range(x.shape[1])], axis=1)


def forward_time_major(x, h0, W_xh, W_hh, b_h, nonlinearity="tanh"):
    # Reads axis 0 as time: only works by accident when N == T.
    h_t, states = h0, []
    for t in range(x.shape[0]):
        h_t = ref.rnn_step(x[t], h_t, W_xh, W_hh, b_h, nonlinearity)
        states.append(h_t)
    return np.stack(states, axis=1)


def forward_including_h0(*args, **kwargs):
    h = ref.rnn_forward(*args, **kwargs)
    return np.concatenate([args[1][:, None], h[:, :-1]], axis=1)


MUTANTS = {
    "sigmoid": {
        "naive formula (overflows)": naive_sigmoid,
        "sign flip": lambda x: act.sigmoid(-np.asarray(x)),
        "tanh instead of sigmoid": np.tanh,
        "missing 1 + in the denominator": lambda x: np.minimum(np.exp(np.minimum(np.asarray(x), 700)), 1e300),
    },
    "tanh": {
        "naive formula (overflows)": naive_tanh,
        "sigmoid instead of tanh": act.sigmoid,
        "forgot the factor 2 inside": lambda x: 2 * act.sigmoid(np.asarray(x)) - 1,
        "sign flip": lambda x: -act.tanh(x),
    },
    "rnn_step": {
        "sigmoid where tanh belongs": step_with(lambda x, h, Wx, Wh, b: x @ Wx.T + h @ Wh.T + b,
                                                {"tanh": act.sigmoid, "relu": act.relu}),
        "dropped bias": step_with(lambda x, h, Wx, Wh, b: x @ Wx.T + h @ Wh.T),
        "dropped recurrent term": step_with(lambda x, h, Wx, Wh, b: x @ Wx.T + b),
        "missing transpose of W_hh": step_with(lambda x, h, Wx, Wh, b: x @ Wx.T + h @ Wh + b),
        "sign flip on the recurrent term": step_with(lambda x, h, Wx, Wh, b: x @ Wx.T - h @ Wh.T + b),
        "relu ignored (always tanh)": step_with(lambda x, h, Wx, Wh, b: x @ Wx.T + h @ Wh.T + b,
                                                {"tanh": act.tanh, "relu": act.tanh}),
    },
    "rnn_forward": {
        "state not carried (restarts from h0)": forward_restarting_from_h0,
        "time-major loop": forward_time_major,
        "returns h0..h_{T-1} instead of h1..h_T": forward_including_h0,
        "returns only the last state": lambda *a, **k: ref.rnn_forward(*a, **k)[:, -1],
        "missing transpose of W_xh": forward_with(step_with(lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh.T + b)),
    },
    "softmax": {
        "no max subtraction (overflows)": lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True),
        "normalised over the first axis": lambda z: act.softmax(np.moveaxis(np.asarray(z), 0, -1)).swapaxes(0, -1)
        if np.ndim(z) == 2 else act.softmax(z)[::-1],
        "sign flip": lambda z: act.softmax(-np.asarray(z)),
        "not normalised": lambda z: np.exp(np.asarray(z) - np.max(z, axis=-1, keepdims=True)),
    },
    "rnn_output": {
        "dropped bias": lambda h, W, b: act.softmax(h @ W.T),
        "logits, not probabilities": lambda h, W, b: h @ W.T + b,
        "sigmoid instead of softmax": lambda h, W, b: act.sigmoid(h @ W.T + b),
    },
    "many_to_one_forward": {
        "classifies from the first state": lambda x, h0, Wx, Wh, b, Wy, by:
            ref.rnn_output(ref.rnn_forward(x, h0, Wx, Wh, b)[:, 0], Wy, by),
        "classifies from the mean state": lambda x, h0, Wx, Wh, b, Wy, by:
            ref.rnn_output(ref.rnn_forward(x, h0, Wx, Wh, b).mean(axis=1), Wy, by),
        "ignores h0": lambda x, h0, Wx, Wh, b, Wy, by:
            ref.many_to_one_forward(x, np.zeros_like(h0) + 1, Wx, Wh, b, Wy, by),
    },
}


test_reference_passes, test_mutant_is_rejected, test_every_graded_function_has_mutants = \
    mutation_tests(hidden, MUTANTS)


def rnn_step_always_three_rows(*args, **kwargs):
    h_next = ref.rnn_step(*args, **kwargs)
    return h_next if len(h_next) > 1 else np.repeat(h_next, 3, axis=0)


def test_messages_say_what_is_wrong():
    with pytest.raises(AssertionError, match=r"rnn_step \[batch of 1\]: h_next has shape \(3, 5\), expected \(1, 5\)"):
        hidden.check("rnn_step", rnn_step_always_three_rows)
    with pytest.raises(AssertionError, match="numerically stable"):
        hidden.check("sigmoid", naive_sigmoid)
