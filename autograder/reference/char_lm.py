"""A character-level language model in numpy: reference for assignment a06_char_lm (chapter 8).

Conventions, as in the rest of the course:
    * batch-first: character ids are int arrays (N, T); embedded inputs (N, T, E); logits (N, T, V);
    * a mask (N, T) holds 1 (or True) at the positions that count and 0 on padding;
    * the model is an embedding W_emb (V, E), the LSTM of a03 (lecture layout: W_g (H, H + E), b_g (H,) for
      g in f, i, c, o; the gates read [h_{t-1}, x_t]) and a read-out W_hy (V, H), b_y (V,): logits
      y_t = h_t W_hy^T + b_y;
    * floats keep the dtype they come in (float32 in, float32 out); ids come back int64;
    * no function modifies its inputs.
"""
from __future__ import annotations

import numpy as np

from .bptt import clip_by_global_norm
from .lstm import PARAM_NAMES as LSTM_PARAM_NAMES, lstm_step_backward, lstm_step_forward

LM_PARAM_NAMES = ("W_emb",) + LSTM_PARAM_NAMES + ("W_hy", "b_y")


def embedding_forward(ids: np.ndarray, W_emb: np.ndarray) -> np.ndarray:
    """Look up the rows of an embedding matrix.

    Args:
        ids:   int array (N, T) of character ids in 0 ... V-1.
        W_emb: (V, E) embedding matrix; row v is the vector of character v.
    Returns:
        embedded: (N, T, E), embedded[n, t] = W_emb[ids[n, t]] (equal to one_hot(ids) @ W_emb).
    """
    return W_emb[np.asarray(ids)]


def embedding_backward(d_embedded: np.ndarray, ids: np.ndarray, vocab_size: int) -> np.ndarray:
    """Gradient of the loss with respect to the embedding matrix.

    Every position adds its upstream gradient to the row of its character, so a character that occurs k
    times receives the sum of k gradients (np.add.at; W[ids] += g would keep only one of them).

    Args:
        d_embedded: (N, T, E) gradient with respect to embedding_forward's output.
        ids:        int array (N, T), the ids that were looked up.
        vocab_size: V.
    Returns:
        dW_emb: (V, E), the dtype of d_embedded; rows of characters that do not occur are 0.
    """
    d_embedded = np.asarray(d_embedded)
    dW = np.zeros((vocab_size, d_embedded.shape[-1]), dtype=d_embedded.dtype)
    np.add.at(dW, np.asarray(ids).reshape(-1), d_embedded.reshape(-1, d_embedded.shape[-1]))
    return dW


def temporal_softmax_loss(logits: np.ndarray, targets: np.ndarray, mask: np.ndarray) -> tuple[float, np.ndarray]:
    """Masked softmax cross-entropy over a batch of sequences, and its gradient.

        loss = (1 / M) sum_{n,t} mask[n,t] * -log softmax(logits[n,t])[targets[n,t]],   M = sum_{n,t} mask[n,t]

    i.e. the mean over the positions that count; padded positions add nothing, to the loss or the gradient.
    The log-softmax is computed stably (the row maximum subtracted). With no position counting (M = 0) the
    loss is 0.0 and the gradient zero.

    Args:
        logits:  (N, T, V) scores.
        targets: int array (N, T) of the correct ids (any valid id on padded positions).
        mask:    (N, T) of 0/1 or bool.
    Returns:
        loss:    float.
        dlogits: (N, T, V), the dtype of logits: (softmax(logits) - one_hot(targets)) * mask / M.
    """
    logits = np.asarray(logits)
    targets = np.asarray(targets)
    weight = np.asarray(mask, dtype=logits.dtype)
    count = float(weight.sum())
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]      # (N, T)
    if count == 0:
        return 0.0, np.zeros_like(logits)
    loss = float(-(picked * weight).sum() / count)
    dlogits = np.exp(log_probs)
    np.put_along_axis(dlogits, targets[..., None],
                      np.take_along_axis(dlogits, targets[..., None], axis=-1) - 1, axis=-1)
    dlogits *= (weight / np.asarray(count, dtype=logits.dtype))[..., None]
    return loss, dlogits


def stream_batches(ids: np.ndarray, batch_size: int, steps: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Cut one long stream of ids into batch_size parallel streams, in chunks for truncated BPTT.

    With L = len(ids) and n = (L - 1) // batch_size, row b of the inputs is the b-th consecutive piece
    ids[b n : (b + 1) n], and the targets are the same shifted by one: ids[b n + 1 : (b + 1) n + 1] (the
    leftover characters at the end are dropped). Chunk k holds the columns k steps ... (k + 1) steps - 1,
    the last chunk the columns that remain. Row b of chunk k + 1 continues row b of chunk k, so a hidden
    state carried across chunks has read exactly the text that precedes.

    Args:
        ids:        int array (L,), L >= batch_size + 1.
        batch_size: B, the number of parallel streams.
        steps:      the chunk length T.
    Returns:
        chunks: list of (x, y) pairs, each int64 (B, T) (the last maybe narrower), ceil(n / T) of them.
    """
    ids = np.asarray(ids, dtype=np.int64)
    n = (len(ids) - 1) // batch_size
    x = ids[:n * batch_size].reshape(batch_size, n)
    y = ids[1:n * batch_size + 1].reshape(batch_size, n)
    return [(x[:, s:s + steps].copy(), y[:, s:s + steps].copy()) for s in range(0, n, steps)]


def lm_forward_backward(params: dict[str, np.ndarray], x_ids: np.ndarray, y_ids: np.ndarray, mask: np.ndarray,
                        h0: np.ndarray, c0: np.ndarray) -> tuple[float, dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Loss and gradients of the embedding-LSTM-read-out model on one chunk (teacher forcing).

    Args:
        params: dict with W_emb (V, E), the LSTM's W_f, b_f, W_i, b_i, W_c, b_c, W_o, b_o (lecture layout,
                W_g (H, H + E)), W_hy (V, H), b_y (V,).
        x_ids, y_ids: int (N, T), the inputs and the characters to predict.
        mask:   (N, T), 0/1.
        h0, c0: (N, H), the state carried in from the previous chunk.
    Returns:
        loss (float), grads (dict, the keys and shapes of params), h_T, c_T (N, H) the last state.
    """
    N, T = np.shape(x_ids)
    emb = embedding_forward(x_ids, params["W_emb"])
    lstm_params = {k: params[k] for k in LSTM_PARAM_NAMES}
    h, c, caches, hs = h0, c0, [], []
    for t in range(T):
        h, c, cache = lstm_step_forward(emb[:, t], h, c, lstm_params)
        caches.append(cache)
        hs.append(h)
    hs = np.stack(hs, axis=1)                                             # (N, T, H)
    logits = hs @ params["W_hy"].T + params["b_y"]
    loss, dlogits = temporal_softmax_loss(logits, y_ids, mask)
    grads = {"W_hy": np.einsum("ntv,nth->vh", dlogits, hs), "b_y": dlogits.sum(axis=(0, 1))}
    dhs = dlogits @ params["W_hy"]
    d_emb = np.zeros_like(emb)
    dh, dc = np.zeros_like(h0), np.zeros_like(c0)         # nothing flows back from after the chunk
    lstm_grads = {k: np.zeros_like(lstm_params[k]) for k in LSTM_PARAM_NAMES}
    for t in reversed(range(T)):
        dx, dh, dc, g = lstm_step_backward(dhs[:, t] + dh, dc, caches[t])
        d_emb[:, t] = dx
        for k in LSTM_PARAM_NAMES:
            lstm_grads[k] += g[k]
    grads.update(lstm_grads)
    grads["W_emb"] = embedding_backward(d_emb, x_ids, params["W_emb"].shape[0])
    return loss, {k: grads[k] for k in LM_PARAM_NAMES}, h, c


def lm_train_step(params: dict[str, np.ndarray], x_ids: np.ndarray, y_ids: np.ndarray, mask: np.ndarray, h0: np.ndarray,
                  c0: np.ndarray, lr: float, max_norm: float
                  ) -> tuple[dict[str, np.ndarray], float, float, np.ndarray, np.ndarray]:
    """One step of truncated-BPTT training with plain gradient descent and clipping by the global norm.

    Runs lm_forward_backward on the chunk, clips all gradients together to a global norm of at most
    max_norm (chapter 3), and returns new parameters params[k] - lr * clipped[k]. The last state is returned
    to be carried into the next chunk; as a numpy array it carries no history, so the next chunk's backward
    pass stops at its start (what .detach() does in torch).

    Args:
        params, x_ids, y_ids, mask, h0, c0: as in lm_forward_backward.
        lr:       learning rate (float).
        max_norm: clipping threshold (float).
    Returns:
        new_params: a new dict (params is not modified), the same keys, shapes and dtypes.
        loss:       float, the loss before the update.
        grad_norm:  float, the global norm of the gradients before clipping.
        h_T, c_T:   (N, H), the state after the chunk.
    """
    loss, grads, h_T, c_T = lm_forward_backward(params, x_ids, y_ids, mask, h0, c0)
    clipped, norm = clip_by_global_norm([grads[k] for k in LM_PARAM_NAMES], max_norm)
    new_params = {k: params[k] - np.asarray(lr, dtype=params[k].dtype) * g
                  for k, g in zip(LM_PARAM_NAMES, clipped)}
    return new_params, loss, norm, h_T, c_T


def softmax_with_temperature(logits: np.ndarray, temperature: float) -> np.ndarray:
    """The distribution softmax(logits / temperature) over the last axis, stable for large logits.

    temperature > 0; as temperature -> 0 it tends to a one-hot at the argmax (the first one on a tie,
    for temperature == 0 exactly), as temperature -> infinity to the uniform distribution.

    Args:
        logits:      (N, V).
        temperature: float >= 0.
    Returns:
        probs: (N, V), the dtype of logits, rows summing to 1.
    """
    logits = np.asarray(logits)
    if temperature == 0:
        probs = np.zeros_like(logits)
        probs[np.arange(logits.shape[0]), logits.argmax(axis=-1)] = 1
        return probs
    scaled = logits / np.asarray(temperature, dtype=logits.dtype)
    e = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sample_next(logits: np.ndarray, temperature: float, rng: np.random.Generator) -> np.ndarray:
    """Draw the next character of each row from softmax(logits / temperature).

    The draws are made with `rng` (a numpy Generator), one call per row in row order:
    ids[n] = rng.choice(V, p=probs[n]). With temperature == 0 no random number is drawn: ids is the
    argmax of each row (greedy decoding).

    Args:
        logits:      (N, V).
        temperature: float >= 0.
        rng:         np.random.Generator.
    Returns:
        ids: int64 (N,).
    """
    logits = np.asarray(logits)
    if temperature == 0:
        return logits.argmax(axis=-1).astype(np.int64)
    probs = softmax_with_temperature(logits, temperature).astype(np.float64)
    V = probs.shape[-1]
    return np.array([rng.choice(V, p=p / p.sum()) for p in probs], dtype=np.int64)
