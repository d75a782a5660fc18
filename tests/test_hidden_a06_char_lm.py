"""The a06 hidden tests accept the reference and reject each typical wrong implementation."""
import numpy as np
import torch

from autograder.hidden import a06_char_lm as hidden
from autograder.reference import char_lm as ref
from autograder.reference.bptt import clip_by_global_norm
from autograder.reference.lstm import PARAM_NAMES as LSTM_NAMES, lstm_step_backward, lstm_step_forward

from mutation import mutation_tests

NAMES = ref.LM_PARAM_NAMES


# ------------------------------------------------------------------------------------------------ embedding
def embedding_transposed(ids, W_emb):
    return W_emb.T[np.asarray(ids) % W_emb.shape[1]]    # columns looked up as if W_emb were (E, V)


def embedding_upcast(ids, W_emb):
    return np.eye(W_emb.shape[0])[np.asarray(ids)] @ W_emb.astype(np.float64)     # float64 for float32 input


def embedding_as_tensor(ids, W_emb):
    return torch.nn.functional.embedding(torch.as_tensor(np.asarray(ids, dtype=np.int64)), torch.from_numpy(W_emb))


def embedding_off_by_one(ids, W_emb):
    return W_emb[np.asarray(ids) - 1]


# ----------------------------------------------------------------------------------------- embedding backward
def backward_buffered(d_embedded, ids, vocab_size):
    dW = np.zeros((vocab_size, d_embedded.shape[-1]), dtype=d_embedded.dtype)
    dW[np.asarray(ids).reshape(-1)] += d_embedded.reshape(-1, d_embedded.shape[-1])    # repeats: last one wins
    return dW


def backward_mean_over_repeats(d_embedded, ids, vocab_size):
    dW = ref.embedding_backward(d_embedded, ids, vocab_size)
    counts = np.bincount(np.asarray(ids).reshape(-1), minlength=vocab_size)
    return dW / np.maximum(counts, 1)[:, None]


def backward_sign_flip(d_embedded, ids, vocab_size):
    return -ref.embedding_backward(d_embedded, ids, vocab_size)


def backward_upcast(d_embedded, ids, vocab_size):
    return ref.embedding_backward(np.asarray(d_embedded, dtype=np.float64), ids, vocab_size)


def backward_only_present_rows(d_embedded, ids, vocab_size):
    return ref.embedding_backward(d_embedded, ids, int(np.max(ids)) + 1)   # shape (max id + 1, E)


# -------------------------------------------------------------------------------------------------- the loss
def loss_with(mask_ignored=False, mean_over_all=False, per_sequence=False, grad_sign=1.0, grad_unscaled=False,
              axis=-1, stable=True, nan_when_empty=False):
    def loss_fn(logits, targets, mask):
        logits = np.asarray(logits)
        w = np.ones(np.shape(targets), dtype=logits.dtype) if mask_ignored else np.asarray(mask, logits.dtype)
        M = w.sum()
        if mean_over_all:
            denominator = float(w.size)
        elif per_sequence:
            denominator = float(w.shape[0])
        else:
            denominator = M
        if M == 0 and not nan_when_empty:
            return 0.0, np.zeros_like(logits)
        shifted = logits - logits.max(axis=axis, keepdims=True) if stable else logits
        e = np.exp(shifted)
        p = e / e.sum(axis=axis, keepdims=True)
        picked = np.take_along_axis(np.log(p), np.asarray(targets)[..., None], axis=-1)[..., 0]
        with np.errstate(invalid="ignore", divide="ignore"):
            loss = float(-(picked * w).sum() / denominator)
        grad = p.copy()
        np.put_along_axis(grad, np.asarray(targets)[..., None],
                          np.take_along_axis(grad, np.asarray(targets)[..., None], axis=-1) - 1, axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            grad = grad_sign * grad * w[..., None] / (1.0 if grad_unscaled else denominator)
        return loss, grad.astype(logits.dtype)
    return loss_fn


# ------------------------------------------------------------------------------------------------ the stream
def stream_with(interleaved=False, unshifted=False, drop_last=False, time_major=False):
    def stream(ids, batch_size, steps):
        ids = np.asarray(ids, dtype=np.int64)
        n = (len(ids) - 1) // batch_size
        if interleaved:     # rows b, b + B, b + 2B ...: neighbouring characters land in different rows
            x = ids[:n * batch_size].reshape(n, batch_size).T
            y = ids[1:n * batch_size + 1].reshape(n, batch_size).T
        else:
            x = ids[:n * batch_size].reshape(batch_size, n)
            y = x.copy() if unshifted else ids[1:n * batch_size + 1].reshape(batch_size, n)
        starts = range(0, n - steps + 1 if drop_last else n, steps)
        chunks = [(x[:, s:s + steps], y[:, s:s + steps]) for s in starts]
        return [(a.T, b.T) for a, b in chunks] if time_major else chunks
    return stream


def stream_int32(ids, batch_size, steps):
    return [(x.astype(np.asarray(ids).dtype), y.astype(np.asarray(ids).dtype))
            for x, y in ref.stream_batches(ids, batch_size, steps)]


# ----------------------------------------------------------------------------------------------- train step
def step_with(update_sign=-1.0, clip="global", carry=True, loss_fn=None, embedding_backward=None,
              no_dh_through_time=False, no_dc_through_time=False, in_place=False):
    loss_fn = loss_fn or ref.temporal_softmax_loss
    embedding_backward = embedding_backward or ref.embedding_backward

    def step(params, x_ids, y_ids, mask, h0, c0, lr, max_norm):
        N, T = np.shape(x_ids)
        emb = params["W_emb"][x_ids]
        lstm_params = {k: params[k] for k in LSTM_NAMES}
        h, c, caches, hs = h0, c0, [], []
        for t in range(T):
            h, c, cache = lstm_step_forward(emb[:, t], h, c, lstm_params)
            caches.append(cache)
            hs.append(h)
        hs = np.stack(hs, axis=1)
        loss, dlogits = loss_fn(hs @ params["W_hy"].T + params["b_y"], y_ids, mask)
        grads = {"W_hy": np.einsum("ntv,nth->vh", dlogits, hs), "b_y": dlogits.sum(axis=(0, 1))}
        dhs = dlogits @ params["W_hy"]
        d_emb = np.zeros_like(emb)
        dh, dc = np.zeros_like(h0), np.zeros_like(c0)
        sums = {k: np.zeros_like(lstm_params[k]) for k in LSTM_NAMES}
        for t in reversed(range(T)):
            dx, dh, dc, g = lstm_step_backward(dhs[:, t] + dh, dc, caches[t])
            dh = np.zeros_like(dh) if no_dh_through_time else dh
            dc = np.zeros_like(dc) if no_dc_through_time else dc
            d_emb[:, t] = dx
            for k in LSTM_NAMES:
                sums[k] += g[k]
        grads.update(sums)
        grads["W_emb"] = embedding_backward(d_emb, x_ids, params["W_emb"].shape[0])
        flat = [grads[k] for k in NAMES]
        norm = float(np.sqrt(sum((g ** 2).sum() for g in flat)))
        if clip == "global":
            flat, _ = clip_by_global_norm(flat, max_norm)
        elif clip == "value":
            flat = [np.clip(g, -max_norm, max_norm) for g in flat]
        elif clip == "each":
            flat = [g * min(1.0, max_norm / max(np.linalg.norm(g), 1e-12)) for g in flat]
        if in_place:
            for k, g in zip(NAMES, flat):
                params[k] += update_sign * lr * g
            new = params
        else:
            new = {k: params[k] + update_sign * np.asarray(lr, params[k].dtype) * g for k, g in zip(NAMES, flat)}
        return new, loss, norm, (h if carry else h0), (c if carry else c0)
    return step


def step_upcast(params, x_ids, y_ids, mask, h0, c0, lr, max_norm):
    params = {k: v.astype(np.float64) for k, v in params.items()}
    return ref.lm_train_step(params, x_ids, y_ids, mask, h0.astype(np.float64), c0.astype(np.float64), lr,
                             max_norm)


# ----------------------------------------------------------------------------------------- temperature, sampling
def softmax_times_temperature(logits, temperature):
    return ref.softmax_with_temperature(np.asarray(logits) * temperature * temperature, temperature) \
        if temperature else ref.softmax_with_temperature(logits, 0.0)


def softmax_unstable(logits, temperature):
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(np.asarray(logits) / temperature)
        return e / e.sum(axis=-1, keepdims=True)


def softmax_uniform_at_zero(logits, temperature):
    if temperature == 0:
        return np.full_like(np.asarray(logits), 1.0 / np.shape(logits)[-1])
    return ref.softmax_with_temperature(logits, temperature)


def softmax_last_maximum(logits, temperature):
    if temperature == 0:
        flipped = np.asarray(logits)[:, ::-1]
        probs = np.zeros_like(flipped)
        probs[np.arange(len(flipped)), flipped.argmax(-1)] = 1
        return probs[:, ::-1]
    return ref.softmax_with_temperature(logits, temperature)


def softmax_upcast(logits, temperature):
    return ref.softmax_with_temperature(np.asarray(logits, dtype=np.float64), temperature)


def sample_times_temperature(logits, temperature, rng):
    if temperature == 0:
        return ref.sample_next(logits, 0.0, rng)
    return ref.sample_next(np.asarray(logits) * temperature * temperature, temperature, rng)


def sample_global_random(logits, temperature, rng):
    if temperature == 0:
        return ref.sample_next(logits, 0.0, rng)
    return ref.sample_next(logits, temperature, np.random.default_rng())


def sample_draws_when_greedy(logits, temperature, rng):
    rng.random(len(logits))
    return ref.sample_next(logits, temperature, rng)


def sample_always_greedy(logits, temperature, rng):
    return ref.sample_next(logits, 0.0, rng)


def sample_first_row_probabilities(logits, temperature, rng):
    if temperature == 0:
        return ref.sample_next(logits, 0.0, rng)
    p = ref.softmax_with_temperature(logits, temperature)[0].astype(np.float64)
    return rng.choice(len(p), size=len(logits), p=p / p.sum()).astype(np.int64)


def sample_int32(logits, temperature, rng):
    return ref.sample_next(logits, temperature, rng).astype(np.int32)


MUTANTS = {
    "embedding_forward": {
        "W_emb read as (E, V)": embedding_transposed,
        "float64 for a float32 matrix": embedding_upcast,
        "a torch tensor instead of a numpy array": embedding_as_tensor,
        "ids off by one": embedding_off_by_one,
    },
    "embedding_backward": {
        "W[ids] += g (repeated ids counted once)": backward_buffered,
        "mean instead of sum over repeats": backward_mean_over_repeats,
        "sign flip": backward_sign_flip,
        "float64 for a float32 gradient": backward_upcast,
        "only as many rows as the largest id": backward_only_present_rows,
    },
    "temporal_softmax_loss": {
        "mask ignored": loss_with(mask_ignored=True),
        "mean over all positions, padding included": loss_with(mean_over_all=True),
        "mean per sequence instead of per character": loss_with(per_sequence=True),
        "gradient sign flipped": loss_with(grad_sign=-1.0),
        "gradient not divided by the count": loss_with(grad_unscaled=True),
        "softmax over the time axis": loss_with(axis=1),
        "no max subtraction (overflow)": loss_with(stable=False),
        "nan when nothing is masked in": loss_with(nan_when_empty=True),
    },
    "stream_batches": {
        "interleaved rows (reshape(n, B).T)": stream_with(interleaved=True),
        "targets not shifted": stream_with(unshifted=True),
        "narrower last chunk dropped": stream_with(drop_last=True),
        "time-major chunks (T, B)": stream_with(time_major=True),
        "int32 kept for int32 input": stream_int32,
    },
    "lm_train_step": {
        "update sign flipped (ascent)": step_with(update_sign=1.0),
        "no clipping": step_with(clip=None),
        "clipping by value": step_with(clip="value"),
        "each gradient clipped on its own": step_with(clip="each"),
        "state not carried (returns h0, c0)": step_with(carry=False),
        "mask ignored in the loss": step_with(loss_fn=loss_with(mask_ignored=True)),
        "mean over all positions, padding included": step_with(loss_fn=loss_with(mean_over_all=True)),
        "embedding gradient with W[ids] += g": step_with(embedding_backward=backward_buffered),
        "dh not carried back through time": step_with(no_dh_through_time=True),
        "dc not carried back through time": step_with(no_dc_through_time=True),
        "parameters updated in place": step_with(in_place=True),
        "float64 for float32 inputs": step_upcast,
    },
    "softmax_with_temperature": {
        "temperature multiplied instead of divided": softmax_times_temperature,
        "no max subtraction (overflow)": softmax_unstable,
        "uniform at temperature 0": softmax_uniform_at_zero,
        "the last maximum on a tie": softmax_last_maximum,
        "float64 for float32 logits": softmax_upcast,
    },
    "sample_next": {
        "temperature multiplied instead of divided": sample_times_temperature,
        "a generator of its own instead of rng": sample_global_random,
        "draws from rng even when greedy": sample_draws_when_greedy,
        "always greedy": sample_always_greedy,
        "every row drawn from the first row's distribution": sample_first_row_probabilities,
        "int32 ids": sample_int32,
    },
}

test_reference_passes, test_mutant_is_rejected, test_every_graded_function_has_mutants = \
    mutation_tests(hidden, MUTANTS)
