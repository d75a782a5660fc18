"""The gated recurrent unit (GRU), forward and one step backward: reference for assignment a04_gru.

Parameters live in a dict, in the separate-matrix notation of torch.nn.GRU's documentation:

    W_z (H, D), U_z (H, H), b_z (H,)   update gate; torch's rows H:2H, b_z = b_iz + b_hz
    W_r (H, D), U_r (H, H), b_r (H,)   reset gate;  torch's rows 0:H,  b_r = b_ir + b_hr
    W_n (H, D), b_in (H,)              candidate, input side;  rows 2H:3H of weight_ih_l0 / bias_ih_l0
    U_n (H, H), b_hn (H,)              candidate, hidden side; rows 2H:3H of weight_hh_l0 / bias_hh_l0

The gate biases only ever appear summed, so they are stored summed. The candidate's two biases are kept apart:
in the "reset after" convention b_hn sits inside the reset, r * (U_n h + b_hn), while b_in does not.

Conventions (the same as torch.nn.GRU, cuDNN and Keras' default):
    * z weights the OLD state: h_t = (1 - z_t) * n_t + z_t * h_{t-1}. Chung et al. (2014) put z on the other side;
      that is the same family with z <-> 1 - z, i.e. W_z, U_z, b_z negated.
    * reset="after" (default):  n_t = tanh(W_n x_t + b_in + r_t * (U_n h_{t-1} + b_hn))   torch, cuDNN, Keras
      reset="before":           n_t = tanh(W_n x_t + b_in + U_n (r_t * h_{t-1}) + b_hn)   Cho et al. (2014)
      These are different functions of the same weights.
    * batch-first, and a batch of row vectors is multiplied by the transpose: x_t @ W_z.T.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .activations import sigmoid, tanh

if TYPE_CHECKING:
    from collections.abc import Mapping

    import torch

PARAM_NAMES = ("W_z", "U_z", "b_z", "W_r", "U_r", "b_r", "W_n", "b_in", "U_n", "b_hn")
RESET_CONVENTIONS = ("after", "before")


def update_gate(x_t: np.ndarray, h_prev: np.ndarray, params: dict[str, np.ndarray]) -> np.ndarray:
    """Update gate z_t = sigmoid(W_z x_t + U_z h_{t-1} + b_z): the fraction of the old state carried forward.

    Args:
        x_t:    (N, D) inputs at this step.
        h_prev: (N, H) previous hidden state.
        params: dict with W_z (H, D), U_z (H, H), b_z (H,); other keys are ignored.
    Returns:
        z: (N, H), values in [0, 1].
    """
    return sigmoid(x_t @ params["W_z"].T + h_prev @ params["U_z"].T + params["b_z"])


def reset_gate(x_t: np.ndarray, h_prev: np.ndarray, params: dict[str, np.ndarray]) -> np.ndarray:
    """Reset gate r_t = sigmoid(W_r x_t + U_r h_{t-1} + b_r): how much of the old state the candidate may see.

    Args:
        x_t: (N, D); h_prev: (N, H); params: dict with W_r (H, D), U_r (H, H), b_r (H,).
    Returns:
        r: (N, H), values in [0, 1].
    """
    return sigmoid(x_t @ params["W_r"].T + h_prev @ params["U_r"].T + params["b_r"])


def candidate(x_t: np.ndarray, h_prev: np.ndarray, r: np.ndarray, params: dict[str, np.ndarray],
              reset: str = "after") -> np.ndarray:
    """Candidate ("current memory content") n_t, in either placement of the reset gate.

    reset="after":  n_t = tanh(W_n x_t + b_in + r_t * (U_n h_{t-1} + b_hn))   (torch.nn.GRU, cuDNN, Keras)
    reset="before": n_t = tanh(W_n x_t + b_in + U_n (r_t * h_{t-1}) + b_hn)   (Cho et al., 2014)

    Args:
        x_t: (N, D); h_prev: (N, H); r: (N, H) reset gate values;
        params: dict with W_n (H, D), b_in (H,), U_n (H, H), b_hn (H,).
        reset: "after" (default) or "before".
    Returns:
        n: (N, H), values in [-1, 1].
    """
    input_part = x_t @ params["W_n"].T + params["b_in"]
    if reset == "after":
        return tanh(input_part + r * (h_prev @ params["U_n"].T + params["b_hn"]))
    if reset == "before":
        return tanh(input_part + (r * h_prev) @ params["U_n"].T + params["b_hn"])
    raise ValueError(f"reset must be 'after' or 'before', got {reset!r}")


def gru_step(x_t: np.ndarray, h_prev: np.ndarray, params: dict[str, np.ndarray], reset: str = "after") -> np.ndarray:
    """One GRU step: h_t = (1 - z_t) * n_t + z_t * h_{t-1}.

    Args:
        x_t: (N, D); h_prev: (N, H); params: the ten-array dict of the module docstring;
        reset: where the reset gate sits in the candidate, "after" (default, torch) or "before" (Cho).
    Returns:
        h_next: (N, H).
    """
    z = update_gate(x_t, h_prev, params)
    r = reset_gate(x_t, h_prev, params)
    n = candidate(x_t, h_prev, r, params, reset)
    return (1.0 - z) * n + z * h_prev


def gru_forward(x: np.ndarray, h0: np.ndarray, params: dict[str, np.ndarray], reset: str = "after") -> np.ndarray:
    """Run gru_step over a batch of sequences with the same parameters at every step.

    Args:
        x: (N, T, D) input sequences, batch-first; h0: (N, H) initial state; params, reset: as in gru_step.
    Returns:
        h: (N, T, H); h[:, t] is the state after reading x[:, t] (h0 is not included).
    """
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=np.result_type(x, h0, params["U_n"]))
    h_t = h0
    for t in range(T):
        h_t = gru_step(x[:, t], h_t, params, reset)
        h[:, t] = h_t
    return h


def simplified_gru_step(x_t: np.ndarray, h_prev: np.ndarray, params: dict[str, np.ndarray]) -> np.ndarray:
    """The GRU with an update gate only: the full cell with the reset gate fixed at r_t = 1.

        z_t = sigmoid(W_z x_t + U_z h_{t-1} + b_z)
        n_t = tanh(W_n x_t + b_in + U_n h_{t-1} + b_hn)      (with r = 1 "before" and "after" agree)
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}                 (torch's side for z, as in gru_step)

    Args:
        x_t: (N, D); h_prev: (N, H);
        params: dict with W_z, U_z, b_z, W_n, b_in, U_n, b_hn (any W_r, U_r, b_r are ignored and may be absent).
    Returns:
        h_next: (N, H).
    """
    z = update_gate(x_t, h_prev, params)
    n = tanh(x_t @ params["W_n"].T + params["b_in"] + h_prev @ params["U_n"].T + params["b_hn"])
    return (1.0 - z) * n + z * h_prev


def params_from_torch(state_dict: Mapping[str, torch.Tensor | np.ndarray]) -> dict[str, np.ndarray]:
    """Parameters dict from the state dict of a one-layer, unidirectional torch.nn.GRU.

    torch stacks the three blocks in the gate order (r, z, n): weight_ih_l0 is (3H, D) = [W_ir; W_iz; W_in],
    weight_hh_l0 is (3H, H) = [W_hr; W_hz; W_hn], and bias_ih_l0 / bias_hh_l0 are (3H,) in the same order.

    Args:
        state_dict: mapping with weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0 (torch tensors or arrays).
    Returns:
        params: dict of numpy arrays W_z, U_z, b_z, W_r, U_r, b_r, W_n, b_in, U_n, b_hn (shapes as in the module
        docstring), with b_z = b_iz + b_hz and b_r = b_ir + b_hr; b_in and b_hn kept apart.
    """
    def array(name):
        value = state_dict[name]
        return (value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)).copy()

    W_ih, W_hh = array("weight_ih_l0"), array("weight_hh_l0")
    b_ih, b_hh = array("bias_ih_l0"), array("bias_hh_l0")
    H = W_hh.shape[1]
    r, z, n = slice(0, H), slice(H, 2 * H), slice(2 * H, 3 * H)
    return {
        "W_z": W_ih[z], "U_z": W_hh[z], "b_z": b_ih[z] + b_hh[z],
        "W_r": W_ih[r], "U_r": W_hh[r], "b_r": b_ih[r] + b_hh[r],
        "W_n": W_ih[n], "b_in": b_ih[n], "U_n": W_hh[n], "b_hn": b_hh[n],
    }


def gru_step_forward(x_t: np.ndarray, h_prev: np.ndarray, params: dict[str, np.ndarray]
                     ) -> tuple[np.ndarray, dict[str, np.ndarray | dict[str, np.ndarray]]]:
    """gru_step in the "reset after" convention, also returning what the backward pass needs.

    Returns:
        h_next: (N, H).
        cache: dict with x_t (N, D), h_prev (N, H), z, r, n (N, H) the gate and candidate values,
               hn (N, H) = U_n h_{t-1} + b_hn (the hidden side of the candidate, before the reset), and params.
    """
    z = update_gate(x_t, h_prev, params)
    r = reset_gate(x_t, h_prev, params)
    hn = h_prev @ params["U_n"].T + params["b_hn"]
    n = tanh(x_t @ params["W_n"].T + params["b_in"] + r * hn)
    h_next = (1.0 - z) * n + z * h_prev
    return h_next, dict(x_t=x_t, h_prev=h_prev, z=z, r=r, n=n, hn=hn, params=params)


def gru_step_backward(dh_next: np.ndarray, cache: dict[str, np.ndarray | dict[str, np.ndarray]]
                      ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Backward pass of one GRU step ("reset after", torch's convention).

    Args:
        dh_next: (N, H) upstream gradient dL/dh_t.
        cache: the dict gru_step_forward returns (x_t, h_prev, z, r, n, hn, params).
    Returns:
        dx: (N, D) dL/dx_t.
        dh_prev: (N, H) dL/dh_{t-1}: the direct path z * dh_next plus the paths through both gates and
                 the candidate.
        grads: dict with the gradient of every parameter, same keys and shapes as params, summed over the batch.
    """
    x, h, z, r, n, hn, p = (cache[k] for k in ("x_t", "h_prev", "z", "r", "n", "hn", "params"))
    dn = dh_next * (1.0 - z)
    dz = dh_next * (h - n)
    da_n = dn * (1.0 - n * n)           # through tanh
    dhn = da_n * r                      # the hidden side of the candidate, inside the reset
    dr = da_n * hn
    da_z = dz * z * (1.0 - z)           # through the sigmoids
    da_r = dr * r * (1.0 - r)
    grads = {
        "W_z": da_z.T @ x, "U_z": da_z.T @ h, "b_z": da_z.sum(axis=0),
        "W_r": da_r.T @ x, "U_r": da_r.T @ h, "b_r": da_r.sum(axis=0),
        "W_n": da_n.T @ x, "b_in": da_n.sum(axis=0),
        "U_n": dhn.T @ h, "b_hn": dhn.sum(axis=0),
    }
    dx = da_z @ p["W_z"] + da_r @ p["W_r"] + da_n @ p["W_n"]
    dh_prev = dh_next * z + da_z @ p["U_z"] + da_r @ p["U_r"] + dhn @ p["U_n"]
    return dx, dh_prev, grads
