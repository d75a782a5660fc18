"""Training a vanilla RNN: backpropagation through time, gradient checking, clipping.

Reference for assignment a02_bptt. Conventions as in autograder.reference.rnn: batch-first x of shape
(N, T, D); W_xh (H, D) and W_hh (H, H) stored as in the equations, so a batch of row vectors is multiplied by
the transpose; one bias b_h (torch's b_ih + b_hh).

The forward functions here are the ones of a01 with one addition: each step returns a *cache*, the values
its backward pass needs. They are given to the students (a read-only cell of the notebook); the graded
functions are rnn_step_backward, rnn_backward, numerical_gradient, relative_error, clip_by_global_norm and
gradient_norm_at_first_step.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .activations import NONLINEARITIES

if TYPE_CHECKING:
    from collections.abc import Callable


def rnn_step_forward(x_t: np.ndarray, h_prev: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray, b_h: np.ndarray,
                     nonlinearity: str = "tanh") -> tuple[np.ndarray, dict[str, np.ndarray | str]]:
    """One time step, h_next = phi(a) with a = W_xh x_t + W_hh h_prev + b_h, keeping what backward needs.

    Args:
        x_t:    (N, D) inputs at this step.
        h_prev: (N, H) hidden state from the previous step.
        W_xh:   (H, D) input-to-hidden weights.
        W_hh:   (H, H) hidden-to-hidden weights.
        b_h:    (H,) bias.
        nonlinearity: "tanh" (default) or "relu".
    Returns:
        h_next: (N, H) the new hidden state.
        cache:  dict with the step's inputs and intermediate values:
                "x_t" (N, D), "h_prev" (N, H), "W_xh" (H, D), "W_hh" (H, H), "b_h" (H,),
                "a" (N, H) the pre-activation, "h_next" (N, H) = phi(a), "nonlinearity" (str).
                The arrays are the ones passed in (not copies); backward only reads them.
    """
    phi = NONLINEARITIES[nonlinearity]
    a = x_t @ W_xh.T + h_prev @ W_hh.T + b_h
    h_next = phi(a)
    cache = dict(x_t=x_t, h_prev=h_prev, W_xh=W_xh, W_hh=W_hh, b_h=b_h, a=a, h_next=h_next,
                 nonlinearity=nonlinearity)
    return h_next, cache


def rnn_forward(x: np.ndarray, h0: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray, b_h: np.ndarray,
                nonlinearity: str = "tanh") -> tuple[np.ndarray, list[dict[str, np.ndarray | str]]]:
    """rnn_step_forward over a whole batch of sequences, with the same weights at every step.

    Args:
        x:  (N, T, D) input sequences, batch-first.
        h0: (N, H) initial hidden state.
        W_xh, W_hh, b_h, nonlinearity: as in rnn_step_forward.
    Returns:
        h:     (N, T, H); h[:, t] is the hidden state after reading x[:, t] (h0 is not included).
        cache: list of T step caches; cache[t] is the one rnn_step_forward returned at step t.
    """
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=np.result_type(x, h0, W_xh))
    cache = []
    h_t = h0
    for t in range(T):
        h_t, step_cache = rnn_step_forward(x[:, t], h_t, W_xh, W_hh, b_h, nonlinearity)
        h[:, t] = h_t
        cache.append(step_cache)
    return h, cache


def activation_derivative(cache: dict[str, np.ndarray | str]) -> np.ndarray:
    """phi'(a) from a step cache, (N, H): 1 - h_next**2 for tanh (computed from the output, not from a),
    and 1 where a > 0, else 0, for ReLU."""
    if cache["nonlinearity"] == "tanh":
        return 1.0 - cache["h_next"] ** 2
    if cache["nonlinearity"] == "relu":
        return (cache["a"] > 0).astype(cache["a"].dtype)
    raise ValueError(f"unknown nonlinearity {cache['nonlinearity']!r}")


def rnn_step_backward(dh_next: np.ndarray, cache: dict[str, np.ndarray | str]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of one step: the gradients of a scalar loss L given dL/dh_next.

    With da = dh_next * phi'(a) (element-wise), the step h_next = phi(x_t W_xh^T + h_prev W_hh^T + b_h) gives
        dx_t = da W_xh,   dh_prev = da W_hh,   dW_xh = da^T x_t,   dW_hh = da^T h_prev,   db_h = sum_n da.

    Args:
        dh_next: (N, H) upstream gradient dL/dh_next.
        cache:   the dict returned by rnn_step_forward.
    Returns:
        dx_t:    (N, D) dL/dx_t.
        dh_prev: (N, H) dL/dh_prev.
        dW_xh:   (H, D) this step's contribution to dL/dW_xh.
        dW_hh:   (H, H) this step's contribution to dL/dW_hh.
        db_h:    (H,) this step's contribution to dL/db_h (summed over the batch).
    """
    da = dh_next * activation_derivative(cache)
    dx_t = da @ cache["W_xh"]
    dh_prev = da @ cache["W_hh"]
    dW_xh = da.T @ cache["x_t"]
    dW_hh = da.T @ cache["h_prev"]
    db_h = da.sum(axis=0)
    return dx_t, dh_prev, dW_xh, dW_hh, db_h


def rnn_backward(dh: np.ndarray, cache: list[dict[str, np.ndarray | str]]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time over a whole sequence.

    The gradient reaching h_t is the upstream dh[:, t] (from a loss at step t) plus the gradient carried back
    from step t+1 through h_{t+1} = phi(... + W_hh h_t). Walking t = T-1, ..., 0, each step's backward
    receives that sum; the shared weights' gradients are the sums of every step's contribution.

    Args:
        dh:    (N, T, H) upstream gradients dL/dh_t of a scalar loss, one per hidden state (zeros where the
               loss does not look at h_t directly).
        cache: the list of step caches returned by rnn_forward.
    Returns:
        dx:    (N, T, D) dL/dx.
        dh0:   (N, H) dL/dh0.
        dW_xh: (H, D), dW_hh: (H, H), db_h: (H,) gradients of the shared weights, summed over time.
    """
    N, T, H = dh.shape
    D = cache[0]["x_t"].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dW_xh = np.zeros_like(cache[0]["W_xh"], dtype=dh.dtype)
    dW_hh = np.zeros_like(cache[0]["W_hh"], dtype=dh.dtype)
    db_h = np.zeros_like(cache[0]["b_h"], dtype=dh.dtype)
    dh_carried = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dh_carried, dW_xh_t, dW_hh_t, db_h_t = rnn_step_backward(dh[:, t] + dh_carried, cache[t])
        dW_xh += dW_xh_t
        dW_hh += dW_hh_t
        db_h += db_h_t
    return dx, dh_carried, dW_xh, dW_hh, db_h


def numerical_gradient(f: Callable[[np.ndarray], float | np.ndarray], x: np.ndarray,
                       eps: float = 1e-6) -> np.ndarray:
    """Centred-difference gradient of a scalar function: (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) per entry.

    The error of the centred difference is O(eps^2) (the forward difference's is O(eps)). x is changed in place
    one entry at a time, so f can be a closure that reads the same array, and every entry is put back exactly
    (saved and re-assigned, never re-computed by adding eps back).

    Args:
        f:   function of x returning a scalar (a float or a 0-d array).
        x:   float array of any shape; on return it holds exactly the values it had on entry.
        eps: step size.
    Returns:
        grad: float64 array of x's shape, the estimate of df/dx.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        old = x[index]
        try:
            x[index] = old + eps
            f_plus = float(f(x))
            x[index] = old - eps
            f_minus = float(f(x))
        finally:
            x[index] = old
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a: np.ndarray | float, b: np.ndarray | float) -> float:
    """||a - b|| / (||a|| + ||b||), Euclidean norms over all entries; 0.0 when a and b are both zero.

    Scale-free (multiplying both by 1e-9 leaves it unchanged), symmetric, and between 0 and 1.

    Args:
        a, b: arrays (or numbers) of the same shape.
    Returns:
        a Python float.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    if scale == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / scale)


def clip_by_global_norm(grads: list[np.ndarray], max_norm: float) -> tuple[list[np.ndarray], float]:
    """Rescale a list of gradients together so that their global norm is at most max_norm.

    total_norm = sqrt(sum over every array g of sum(g**2)). If total_norm > max_norm, every array is multiplied
    by max_norm / total_norm (one factor for all, so the update keeps its direction); otherwise they are
    returned unchanged. All-zero gradients have total_norm 0 and are returned as they are (no division).

    Args:
        grads:    list of arrays of any shapes (e.g. [dW_xh, dW_hh, db_h]). Never modified.
        max_norm: positive float, the threshold.
    Returns:
        clipped:    list of new arrays, same shapes and dtypes as grads.
        total_norm: float, the global norm of the gradients *before* clipping.
    """
    total_norm = float(np.sqrt(sum(np.sum(np.asarray(g, dtype=np.float64) ** 2) for g in grads)))
    if total_norm > max_norm:
        scale = max_norm / total_norm
        return [g * np.asarray(scale, dtype=g.dtype) for g in grads], total_norm
    return [g.copy() for g in grads], total_norm


def gradient_norm_at_first_step(x: np.ndarray, h0: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray,
                                b_h: np.ndarray, dh_T: np.ndarray, nonlinearity: str = "tanh") -> np.ndarray:
    """How much gradient from a loss at the last step reaches the first hidden state.

    The loss is L = sum_n dh_T[n] . h_T[n], so dL/dh_T = dh_T. Backpropagating through steps T, ..., 2 gives
    dL/dh_1 = dh_T (dh_T/dh_{T-1}) ... (dh_2/dh_1), a product of T - 1 Jacobians diag(phi') W_hh.
    For T = 1 there is no Jacobian and dL/dh_1 = dh_T.

    Args:
        x:  (N, T, D) inputs; h0: (N, H); W_xh, W_hh, b_h, nonlinearity: as in rnn_step_forward.
        dh_T: (N, H) dL/dh_T, the upstream gradient at the last hidden state.
    Returns:
        norms: (N,) the Euclidean norm of dL/dh_1 for each sequence of the batch.
    """
    _, cache = rnn_forward(x, h0, W_xh, W_hh, b_h, nonlinearity)
    dh_t = dh_T
    for t in range(len(cache) - 1, 0, -1):
        _, dh_t, _, _, _ = rnn_step_backward(dh_t, cache[t])
    return np.linalg.norm(dh_t, axis=1)
