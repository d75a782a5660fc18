"""The vanilla (Elman) RNN, forward only: reference for assignment a01_rnn_forward.

Conventions, shared by every chapter and assignment:
    * batch-first: a sequence batch is x of shape (N, T, D);
    * weights are stored as in the equations and in torch.nn: W_xh (H, D), W_hh (H, H),
      so a batch of row vectors is multiplied by the transpose: x_t @ W_xh.T;
    * torch.nn.RNN keeps two biases, b_ih and b_hh; they only ever appear summed, so b_h = b_ih + b_hh.
"""
from __future__ import annotations

import numpy as np

from .activations import NONLINEARITIES, softmax


def rnn_step(x_t: np.ndarray, h_prev: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray, b_h: np.ndarray,
             nonlinearity: str = "tanh") -> np.ndarray:
    """One time step: h_t = phi(W_xh x_t + W_hh h_{t-1} + b_h).

    Args:
        x_t:    (N, D) inputs at this step.
        h_prev: (N, H) hidden state from the previous step.
        W_xh:   (H, D) input-to-hidden weights.
        W_hh:   (H, H) hidden-to-hidden weights.
        b_h:    (H,) bias.
        nonlinearity: "tanh" (default) or "relu".
    Returns:
        h_next: (N, H).
    """
    phi = NONLINEARITIES[nonlinearity]
    return phi(x_t @ W_xh.T + h_prev @ W_hh.T + b_h)


def rnn_forward(x: np.ndarray, h0: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray, b_h: np.ndarray,
                nonlinearity: str = "tanh") -> np.ndarray:
    """Run rnn_step over a whole batch of sequences, with the same weights at every step.

    Args:
        x:  (N, T, D) input sequences, batch-first.
        h0: (N, H) initial hidden state.
        W_xh, W_hh, b_h, nonlinearity: as in rnn_step.
    Returns:
        h: (N, T, H); h[:, t] is the hidden state after reading x[:, t] (h0 is not included).
    """
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.empty((N, T, H), dtype=np.result_type(x, h0, W_xh))
    h_t = h0
    for t in range(T):
        h_t = rnn_step(x[:, t], h_t, W_xh, W_hh, b_h, nonlinearity)
        h[:, t] = h_t
    return h


def rnn_output(h: np.ndarray, W_hy: np.ndarray, b_y: np.ndarray) -> np.ndarray:
    """Output layer y = softmax(W_hy h + b_y), applied to every hidden state given.

    Args:
        h:    (..., H) hidden states, e.g. (N, H) or (N, T, H).
        W_hy: (K, H) hidden-to-output weights.
        b_y:  (K,) output bias.
    Returns:
        y: (..., K) class probabilities; each sums to 1 over the last axis.
    """
    return softmax(h @ W_hy.T + b_y)


def many_to_one_forward(x: np.ndarray, h0: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray, b_h: np.ndarray,
                        W_hy: np.ndarray, b_y: np.ndarray) -> np.ndarray:
    """Many-to-one classifier: read the whole sequence, classify from the last hidden state.

    Args:
        x: (N, T, D); h0: (N, H); W_xh, W_hh, b_h as in rnn_step (tanh); W_hy: (K, H); b_y: (K,).
    Returns:
        y: (N, K) class probabilities from h_T.
    """
    h = rnn_forward(x, h0, W_xh, W_hh, b_h)
    return rnn_output(h[:, -1], W_hy, b_y)
