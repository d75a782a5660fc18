"""The LSTM, gate by gate: reference for assignment a03_lstm.

Lecture notation, used by the chapter and the assignment:
    * the gates read the concatenation z_t = [h_{t-1}, x_t] of shape (N, H + D), hidden state FIRST, then input;
    * each of the four gates g in (f, i, c, o) has its own weight W_g of shape (H, H + D) and bias b_g of shape
      (H,), so W_g[:, :H] multiplies h_{t-1} and W_g[:, H:] multiplies x_t;
    * the parameters travel as one dict {"W_f", "b_f", "W_i", "b_i", "W_c", "b_c", "W_o", "b_o"};
    * batch-first as everywhere in the course: x (N, T, D), states (N, H); rows are multiplied by W.T.

    f_t  = sigmoid(W_f [h_{t-1}, x_t] + b_f)          forget gate
    i_t  = sigmoid(W_i [h_{t-1}, x_t] + b_i)          input gate
    c~_t = tanh(W_c [h_{t-1}, x_t] + b_c)             candidate
    o_t  = sigmoid(W_o [h_{t-1}, x_t] + b_o)          output gate
    c_t  = f_t * c_{t-1} + i_t * c~_t                 cell update (element-wise products)
    h_t  = o_t * tanh(c_t)                            hidden state

torch.nn.LSTM stores the same numbers differently: weight_ih_l0 (4H, D) and weight_hh_l0 (4H, H) with the four
gates stacked in the order (i, f, g, o), where g is the candidate, and two biases bias_ih_l0, bias_hh_l0 (4H,)
that only ever appear summed. `params_from_torch` converts; W_g = [W_hh_g | W_ih_g] and b_g = b_ih_g + b_hh_g.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .activations import sigmoid, tanh

if TYPE_CHECKING:
    from collections.abc import Mapping

PARAM_NAMES = ("W_f", "b_f", "W_i", "b_i", "W_c", "b_c", "W_o", "b_o")
TORCH_GATE_ORDER = ("i", "f", "c", "o")  # torch's (i, f, g, o), with its g renamed to the lecture's c
CACHE_KEYS = ("x_t", "h_prev", "c_prev", "f", "i", "c_tilde", "o", "c_next", "params")


def concat_hx(h_prev: np.ndarray, x_t: np.ndarray) -> np.ndarray:
    """[h_{t-1}, x_t]: (N, H) and (N, D) -> (N, H + D), hidden state first."""
    return np.concatenate([h_prev, x_t], axis=1)


def forget_gate(h_prev: np.ndarray, x_t: np.ndarray, W_f: np.ndarray, b_f: np.ndarray) -> np.ndarray:
    """f_t = sigmoid(W_f [h_{t-1}, x_t] + b_f): how much of each unit of c_{t-1} to keep.

    Args:
        h_prev: (N, H) previous hidden state.
        x_t:    (N, D) input at this step.
        W_f:    (H, H + D) weights; columns :H act on h_prev, columns H: on x_t.
        b_f:    (H,) bias.
    Returns:
        f: (N, H), values in [0, 1].
    """
    return sigmoid(concat_hx(h_prev, x_t) @ W_f.T + b_f)


def input_gate(h_prev: np.ndarray, x_t: np.ndarray, W_i: np.ndarray, b_i: np.ndarray) -> np.ndarray:
    """i_t = sigmoid(W_i [h_{t-1}, x_t] + b_i): how much of the candidate to write. Shapes as forget_gate."""
    return sigmoid(concat_hx(h_prev, x_t) @ W_i.T + b_i)


def candidate(h_prev: np.ndarray, x_t: np.ndarray, W_c: np.ndarray, b_c: np.ndarray) -> np.ndarray:
    """c~_t = tanh(W_c [h_{t-1}, x_t] + b_c): the proposed new content, in [-1, 1]. Shapes as forget_gate."""
    return tanh(concat_hx(h_prev, x_t) @ W_c.T + b_c)


def output_gate(h_prev: np.ndarray, x_t: np.ndarray, W_o: np.ndarray, b_o: np.ndarray) -> np.ndarray:
    """o_t = sigmoid(W_o [h_{t-1}, x_t] + b_o): how much of tanh(c_t) to expose as h_t. Shapes as forget_gate."""
    return sigmoid(concat_hx(h_prev, x_t) @ W_o.T + b_o)


def cell_update(c_prev: np.ndarray, f: np.ndarray, i: np.ndarray, c_tilde: np.ndarray) -> np.ndarray:
    """c_t = f_t * c_{t-1} + i_t * c~_t, element-wise.

    Args:
        c_prev: (N, H) previous cell state.
        f, i:   (N, H) forget and input gates.
        c_tilde: (N, H) candidate.
    Returns:
        c_next: (N, H).
    """
    return f * c_prev + i * c_tilde


def hidden_state(o: np.ndarray, c: np.ndarray) -> np.ndarray:
    """h_t = o_t * tanh(c_t), element-wise: (N, H), (N, H) -> (N, H)."""
    return o * tanh(c)


def lstm_step_forward(x_t: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, params: dict[str, np.ndarray]
                      ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray | dict[str, np.ndarray]]]:
    """One LSTM step for a batch.

    Args:
        x_t:    (N, D) inputs at this step.
        h_prev: (N, H) previous hidden state.
        c_prev: (N, H) previous cell state.
        params: dict with W_f, W_i, W_c, W_o of shape (H, H + D) and b_f, b_i, b_c, b_o of shape (H,).
    Returns:
        h_next: (N, H) new hidden state.
        c_next: (N, H) new cell state.
        cache:  dict with exactly what lstm_step_backward reads:
                x_t, h_prev, c_prev (the inputs), f, i, c_tilde, o (the gates, each (N, H)),
                c_next (N, H), and params (the same dict that was passed in).
    """
    p = params
    f = forget_gate(h_prev, x_t, p["W_f"], p["b_f"])
    i = input_gate(h_prev, x_t, p["W_i"], p["b_i"])
    c_tilde = candidate(h_prev, x_t, p["W_c"], p["b_c"])
    o = output_gate(h_prev, x_t, p["W_o"], p["b_o"])
    c_next = cell_update(c_prev, f, i, c_tilde)
    h_next = hidden_state(o, c_next)
    cache = dict(x_t=x_t, h_prev=h_prev, c_prev=c_prev, f=f, i=i, c_tilde=c_tilde, o=o, c_next=c_next,
                 params=params)
    return h_next, c_next, cache


def lstm_forward(x: np.ndarray, h0: np.ndarray, c0: np.ndarray, params: dict[str, np.ndarray]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Run lstm_step_forward over a batch of sequences, with the same parameters at every step.

    Args:
        x:  (N, T, D) input sequences, batch-first.
        h0: (N, H) initial hidden state.
        c0: (N, H) initial cell state.
        params: as in lstm_step_forward.
    Returns:
        h: (N, T, H); h[:, t] is the hidden state after reading x[:, t] (h0 not included).
        c: (N, T, H); c[:, t] is the cell state after reading x[:, t] (c0 not included).
    torch.nn.LSTM's `output` equals h, and its (h_n, c_n) equal (h[:, -1], c[:, -1]).
    """
    N, T, _ = x.shape
    H = h0.shape[1]
    dtype = np.result_type(x, h0, c0, params["W_f"])
    h, c = np.empty((N, T, H), dtype=dtype), np.empty((N, T, H), dtype=dtype)
    h_t, c_t = h0, c0
    for t in range(T):
        h_t, c_t, _ = lstm_step_forward(x[:, t], h_t, c_t, params)
        h[:, t], c[:, t] = h_t, c_t
    return h, c


def params_from_torch(state_dict: Mapping[str, torch.Tensor | np.ndarray]) -> dict[str, np.ndarray]:
    """Lecture parameters from the state dict of a one-layer torch.nn.LSTM (or its layer 0).

    Args:
        state_dict: mapping with torch tensors (or arrays)
            weight_ih_l0 (4H, D), weight_hh_l0 (4H, H), bias_ih_l0 (4H,), bias_hh_l0 (4H,);
            the rows of each are the gates stacked in torch's order (i, f, g, o).
    Returns:
        params: dict of numpy arrays, W_f, W_i, W_c, W_o (H, H + D) and b_f, b_i, b_c, b_o (H,), where
            W_g = [W_hh_g | W_ih_g] (hidden-state columns first) and b_g = bias_ih_g + bias_hh_g.
    """
    def array(key):
        value = state_dict[key]
        return value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)

    W_ih, W_hh = array("weight_ih_l0"), array("weight_hh_l0")
    b = array("bias_ih_l0") + array("bias_hh_l0")
    H = W_hh.shape[1]
    params = {}
    for k, gate in enumerate(TORCH_GATE_ORDER):
        rows = slice(k * H, (k + 1) * H)
        params["W_" + gate] = np.concatenate([W_hh[rows], W_ih[rows]], axis=1)
        params["b_" + gate] = b[rows]
    return {name: params[name] for name in PARAM_NAMES}


def lstm_step_backward(dh_next: np.ndarray, dc_next: np.ndarray, cache: dict[str, np.ndarray | dict[str, np.ndarray]]
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Backward pass of one LSTM step.

    Args:
        dh_next: (N, H) gradient of the loss with respect to h_next.
        dc_next: (N, H) gradient of the loss with respect to c_next arriving from LATER steps (zeros for the last
                 step); the path through h_next = o * tanh(c_next) is added here.
        cache:   the dict returned by lstm_step_forward (keys listed there).
    Returns:
        dx:      (N, D) gradient with respect to x_t.
        dh_prev: (N, H) gradient with respect to h_prev.
        dc_prev: (N, H) gradient with respect to c_prev.
        grads:   dict with dW_f, db_f, dW_i, db_i, dW_c, db_c, dW_o, db_o under the parameter names
                 ("W_f", "b_f", ...), each the shape of its parameter (biases summed over the batch).
    """
    x_t, h_prev, c_prev = cache["x_t"], cache["h_prev"], cache["c_prev"]
    f, i, c_tilde, o, c_next = cache["f"], cache["i"], cache["c_tilde"], cache["o"], cache["c_next"]
    p = cache["params"]
    H = h_prev.shape[1]
    tanh_c = tanh(c_next)

    do = dh_next * tanh_c
    dc = dc_next + dh_next * o * (1.0 - tanh_c ** 2)      # both routes into c_t
    df, di, dc_tilde, dc_prev = dc * c_prev, dc * c_tilde, dc * i, dc * f

    pre = {"f": df * f * (1.0 - f), "i": di * i * (1.0 - i),   # through the sigmoids ...
           "c": dc_tilde * (1.0 - c_tilde ** 2),               # ... the tanh of the candidate ...
           "o": do * o * (1.0 - o)}                            # ... and the output sigmoid
    z = concat_hx(h_prev, x_t)
    grads, dz = {}, 0.0
    for gate in ("f", "i", "c", "o"):
        grads["W_" + gate] = pre[gate].T @ z
        grads["b_" + gate] = pre[gate].sum(axis=0)
        dz = dz + pre[gate] @ p["W_" + gate]
    grads = {name: grads[name] for name in PARAM_NAMES}
    return dz[:, H:], dz[:, :H], dc_prev, grads


try:  # the numpy reference above works without torch; the module reference below needs it
    import torch
except ImportError:  # pragma: no cover
    torch = None

if torch is not None:
    class LSTMCellReference(torch.nn.Module):
        """Reference for the students' LSTMCellScratch: an LSTM cell from tensor operations, laid out exactly as
        torch.nn.LSTMCell (weight_ih (4H, D), weight_hh (4H, H), bias_ih and bias_hh (4H,), gates (i, f, g, o)),
        so nn.LSTMCell's state dict loads into it. forward(x (N, D), (h, c) each (N, H)) -> (h_next, c_next).
        """

        def __init__(self, input_size: int, hidden_size: int) -> None:
            super().__init__()
            bound = 1.0 / hidden_size ** 0.5

            def uniform(*shape):
                return torch.nn.Parameter(torch.empty(*shape).uniform_(-bound, bound))

            self.weight_ih = uniform(4 * hidden_size, input_size)
            self.weight_hh = uniform(4 * hidden_size, hidden_size)
            self.bias_ih = uniform(4 * hidden_size)
            self.bias_hh = uniform(4 * hidden_size)

        def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
                    ) -> tuple[torch.Tensor, torch.Tensor]:
            h, c = state
            a_i, a_f, a_g, a_o = (x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh).chunk(4, 1)
            c_next = torch.sigmoid(a_f) * c + torch.sigmoid(a_i) * torch.tanh(a_g)
            return torch.sigmoid(a_o) * torch.tanh(c_next), c_next
