"""Deep and bidirectional vanilla RNNs, dropout between layers, the IRNN and the SCRN: reference for a05.

Conventions, as in rnn.py (batch-first x (N, T, D); W_xh (H, D), W_hh (H, H); one summed bias b_h), plus:
    * a layer's parameters are a tuple (W_xh, W_hh, b_h). Layer 0 reads the input, so its W_xh is (H, D);
      layer l > 0 reads layer l-1's hidden states, so its W_xh is (H, H), or (H, 2H) when the network is
      bidirectional (it reads both directions' states, concatenated);
    * initial and final states are stacked like torch.nn.RNN's h0 and h_n: (num_layers * num_directions, N, H),
      layer-major and direction-minor, so row 2*l + d is layer l, direction d (0 forward, 1 backward);
    * a bidirectional layer's output at step t is [forward state after x_1..x_t, backward state after
      x_T..x_t], concatenated on the last axis, exactly like torch's output;
    * dropout between layers uses one mask per sequence, shared by every time step: mask (N, H) of zeros and
      ones. It is applied to the output of every layer except the last, never to the recurrent connection.

Nothing here caches for a backward pass: a05 is forward only (gradients come from torch.autograd in the book).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .activations import sigmoid
from .rnn import rnn_forward

if TYPE_CHECKING:
    Layer = tuple[np.ndarray, np.ndarray, np.ndarray]  # (W_xh, W_hh, b_h) of one layer, one direction


def stacked_rnn_forward(x: np.ndarray, h0: np.ndarray, params: list[Layer],
                        nonlinearity: str = "tanh") -> tuple[np.ndarray, np.ndarray]:
    """A stack of L vanilla RNN layers: layer l's hidden sequence is layer l+1's input sequence.

    Args:
        x:      (N, T, D) input sequences.
        h0:     (L, N, H) initial state of every layer (torch's h0 layout for a one-directional stack).
        params: list of L tuples (W_xh, W_hh, b_h): layer 0 W_xh (H, D), later layers W_xh (H, H);
                W_hh (H, H), b_h (H,) in every layer.
        nonlinearity: "tanh" or "relu", the same in every layer.
    Returns:
        out: (N, T, H) hidden states of the last layer at every step;
        h_n: (L, N, H) final hidden state of every layer (h_n[l] equals layer l's state at step T).
    """
    return _stack(x, h0, params, nonlinearity)


def bidirectional_rnn_forward(x: np.ndarray, h0: np.ndarray, params_fwd: Layer, params_bwd: Layer,
                              nonlinearity: str = "tanh") -> tuple[np.ndarray, np.ndarray]:
    """One bidirectional layer: a forward RNN reads x_1..x_T, a backward RNN (own weights) reads x_T..x_1.

    Args:
        x:  (N, T, D) input sequences.
        h0: (2, N, H) initial states: h0[0] for the forward direction, h0[1] for the backward one.
        params_fwd, params_bwd: (W_xh (H, D), W_hh (H, H), b_h (H,)) of each direction.
        nonlinearity: "tanh" or "relu".
    Returns:
        out: (N, T, 2H); out[:, t] = [forward state after x_1..x_t, backward state after x_T..x_t]. The
             backward states are computed on the reversed sequence and put back in the original order.
        h_n: (2, N, H) final states: h_n[0] = out[:, -1, :H] (forward, after x_T) and
             h_n[1] = out[:, 0, H:] (backward, after x_1).
    """
    forward = rnn_forward(x, h0[0], *params_fwd, nonlinearity=nonlinearity)
    backward = rnn_forward(x[:, ::-1], h0[1], *params_bwd, nonlinearity=nonlinearity)[:, ::-1]
    out = np.concatenate([forward, backward], axis=-1)
    return out, np.stack([forward[:, -1], backward[:, 0]])


def deep_bidirectional_rnn_forward(x: np.ndarray, h0: np.ndarray, params: list[tuple[Layer, Layer]],
                                   nonlinearity: str = "tanh") -> tuple[np.ndarray, np.ndarray]:
    """L bidirectional layers, equal to torch.nn.RNN(num_layers=L, bidirectional=True, batch_first=True).

    Args:
        x:      (N, T, D) input sequences.
        h0:     (2L, N, H) initial states, torch's layout: h0[2*l] layer l forward, h0[2*l + 1] layer l backward.
        params: list of L pairs (params_fwd, params_bwd), each a tuple (W_xh, W_hh, b_h): layer 0 W_xh (H, D),
                later layers W_xh (H, 2H) because they read both directions of the layer below.
        nonlinearity: "tanh" or "relu".
    Returns:
        out: (N, T, 2H) output of the last layer, [forward, backward] at every step;
        h_n: (2L, N, H) final states in h0's layout.
    """
    return _stack(x, h0, params, nonlinearity, bidirectional=True)


def dropout_between_layers(h: np.ndarray, mask: np.ndarray, p: float) -> np.ndarray:
    """Inverted dropout of a layer's output sequence, with one mask for the whole sequence.

    Args:
        h:    (N, T, H) hidden states of a layer (its output sequence).
        mask: (N, H) zeros and ones: mask[n, j] = 0 drops unit j of sequence n at EVERY time step.
              Drawn with P(mask = 1) = 1 - p.
        p:    drop probability, 0 <= p < 1.
    Returns:
        (N, T, H) h * mask / (1 - p): kept units are scaled up so that the expected value of every entry
        equals h, and nothing needs rescaling at test time (when no dropout is applied).
    """
    return h * mask[:, None, :] / (1.0 - p)


def stacked_rnn_forward_dropout(x: np.ndarray, h0: np.ndarray, params: list[Layer], masks: list[np.ndarray],
                                p: float, nonlinearity: str = "tanh") -> tuple[np.ndarray, np.ndarray]:
    """stacked_rnn_forward in training mode: dropout on the connections between layers only.

    Args:
        x, h0, params, nonlinearity: as in stacked_rnn_forward (L layers).
        masks: list of L-1 arrays (N, H); masks[l] drops units of layer l's output before layer l+1 reads it.
               The last layer's output is not dropped; the recurrent connections (h_{t-1} -> h_t inside a
               layer) never are.
        p:     drop probability of the masks.
    Returns:
        out: (N, T, H) last layer's states; h_n: (L, N, H) final states, computed before any dropout.
    """
    return _stack(x, h0, params, nonlinearity, masks=masks, p=p)


def irnn_init(D: int, H: int, seed: int = 0, std: float = 0.001) -> Layer:
    """Parameters of an IRNN (Le, Jaitly & Hinton 2015): a ReLU RNN started as the identity map.

    Args:
        D, H: input and hidden sizes.
        seed: seed of numpy's default_rng, which draws the input weights.
        std:  standard deviation of the input weights (0.001 in Le et al.'s experiments).
    Returns:
        W_xh: (H, D) with entries drawn from N(0, std^2);
        W_hh: (H, H) the identity matrix;
        b_h:  (H,) zeros.
    """
    W_xh = std * np.random.default_rng(seed).standard_normal((H, D))
    return W_xh, np.eye(H), np.zeros(H)


def scrn_step(x_t: np.ndarray, s_prev: np.ndarray, h_prev: np.ndarray, params: dict[str, np.ndarray],
              alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """One step of the structurally constrained recurrent network (SCRN, Mikolov et al. 2014).

        s_t = (1 - alpha) B x_t + alpha s_{t-1}          slow context state, a leaky average of B x
        h_t = sigmoid(P s_t + A x_t + R h_{t-1})         fast hidden state, reads the NEW context s_t

    Args:
        x_t:    (N, D) inputs at this step.
        s_prev: (N, S) context state from the previous step.
        h_prev: (N, H) hidden state from the previous step.
        params: dict with B (S, D), A (H, D), P (H, S), R (H, H).
        alpha:  float in [0, 1], how much of the old context is kept.
    Returns:
        s_t: (N, S); h_t: (N, H).
    """
    s_t = (1.0 - alpha) * (x_t @ params["B"].T) + alpha * s_prev
    h_t = sigmoid(s_t @ params["P"].T + x_t @ params["A"].T + h_prev @ params["R"].T)
    return s_t, h_t


def _stack(x, h0, params, nonlinearity, bidirectional=False, masks=None, p=0.0):
    """The layer loop shared by the stacked forwards above (see their docstrings)."""
    directions = 2 if bidirectional else 1
    layer_input, h_n = x, []
    for l, layer in enumerate(params):
        if bidirectional:
            out, h_last = bidirectional_rnn_forward(layer_input, h0[2 * l:2 * l + 2], *layer, nonlinearity)
        else:
            out = rnn_forward(layer_input, h0[l], *layer, nonlinearity=nonlinearity)
            h_last = out[:, -1][None]
        h_n.append(h_last)
        if masks is not None and l < len(params) - 1:
            out = dropout_between_layers(out, masks[l], p)
        layer_input = out
    return layer_input, np.concatenate(h_n).reshape(len(params) * directions, *h0.shape[1:])
