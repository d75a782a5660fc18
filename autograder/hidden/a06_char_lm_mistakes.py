"""Known mistakes in a06_char_lm: per graded function, a wrong implementation and what it tells the student.

The one list of typical wrong implementations: tests/test_hidden_a06_char_lm.py proves that the hidden cases reject
each one and that the grader recognises each as itself (autograder/diagnosis.py); the grader names a mistake
in a student's feedback when it agrees with the student's outputs on every hidden case. Runs only on the
grader's side, never in a student's kernel.
"""
import numpy as np
import torch

from ..judge.mistakes import catalogue_of
from ..reference import char_lm as ref
from ..reference.bptt import clip_by_global_norm
from ..reference.lstm import PARAM_NAMES as LSTM_NAMES, lstm_step_backward, lstm_step_forward

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
              axis=-1, stable=True, nan_when_empty=False, padding_at_the_end=False, float64_when_empty=False):
    def loss_fn(logits, targets, mask):
        logits = np.asarray(logits)
        if mask_ignored:
            w = np.ones(np.shape(targets), dtype=logits.dtype)
        elif padding_at_the_end:    # each row's length from the mask, its first `length` positions counted
            lengths = np.asarray(mask, dtype=np.float64).sum(axis=1)
            w = (np.arange(np.shape(targets)[1]) < lengths[:, None]).astype(logits.dtype)
        else:
            w = np.asarray(mask, logits.dtype)
        M = w.sum()
        if mean_over_all:
            denominator = float(w.size)
        elif per_sequence:
            denominator = float(w.shape[0])
        else:
            denominator = M
        if M == 0 and not nan_when_empty:
            return 0.0, (np.zeros(np.shape(logits)) if float64_when_empty else np.zeros_like(logits))
        shifted = logits - logits.max(axis=axis, keepdims=True) if stable else logits
        e = np.exp(shifted)
        p = e / e.sum(axis=axis, keepdims=True)
        # The stable log-softmax where the max is subtracted, so that each mistake differs from the reference only
        # by itself: log(p) of an underflowed p is -inf at logits near 1000.
        log_p = shifted - np.log(e.sum(axis=axis, keepdims=True)) if stable else np.log(p)
        picked = np.take_along_axis(log_p, np.asarray(targets)[..., None], axis=-1)[..., 0]
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
        elif clip == "min factor":  # min(1, max_norm / norm): a zero norm is a ZeroDivisionError
            factor = min(1.0, max_norm / norm)
            flat = [g * np.asarray(factor, g.dtype) for g in flat]
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
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
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


def softmax_temperature_after(logits, temperature):
    """softmax(logits) ** (1 / temperature), renormalised: equal on paper; at a small temperature every
    probability underflows to 0 and the row is 0 / 0."""
    if temperature == 0:
        return ref.softmax_with_temperature(logits, 0.0)
    with np.errstate(under="ignore", invalid="ignore"):
        p = ref.softmax_with_temperature(logits, 1.0) ** (1.0 / temperature)
        return p / p.sum(axis=-1, keepdims=True)


def softmax_small_temperature_as_zero(logits, temperature):
    return ref.softmax_with_temperature(logits, 0.0 if temperature < 0.01 else temperature)


def softmax_upcast(logits, temperature):
    return ref.softmax_with_temperature(np.asarray(logits, dtype=np.float64), temperature)


def sample_times_temperature(logits, temperature, rng):
    if temperature == 0:
        return ref.sample_next(logits, 0.0, rng)
    return ref.sample_next(np.asarray(logits) * temperature * temperature, temperature, rng)


def sample_own_generator(logits, temperature, rng):
    if temperature == 0:
        return ref.sample_next(logits, 0.0, rng)
    return ref.sample_next(logits, temperature, np.random.default_rng(0))    # a fresh generator of its own


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


def sample_dividing_logits_in_place(logits, temperature, rng):
    if temperature == 0:
        return ref.sample_next(logits, 0.0, rng)
    logits /= temperature    # the caller's array
    return ref.sample_next(logits, 1.0, rng)


def sample_small_temperature_greedy(logits, temperature, rng):
    return ref.sample_next(logits, 0.0 if temperature < 0.01 else temperature, rng)


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
        "dW[ids] += g (repeated ids counted once)": backward_buffered,
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
        "a mask that assumes padding only at the end": loss_with(padding_at_the_end=True),
        "float64 zero gradient when nothing counts": loss_with(float64_when_empty=True),
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
        "embedding gradient with dW[ids] += g": step_with(embedding_backward=backward_buffered),
        "dh not carried back through time": step_with(no_dh_through_time=True),
        "dc not carried back through time": step_with(no_dc_through_time=True),
        "parameters updated in place": step_with(in_place=True),
        "float64 for float32 inputs": step_upcast,
        "a mask that assumes padding only at the end": step_with(loss_fn=loss_with(padding_at_the_end=True)),
        "clip factor max_norm / norm divides by a zero norm": step_with(clip="min factor"),
        "nan when nothing counts (0 / 0 in the loss)": step_with(loss_fn=loss_with(nan_when_empty=True)),
    },
    "softmax_with_temperature": {
        "temperature multiplied instead of divided": softmax_times_temperature,
        "no max subtraction (overflow)": softmax_unstable,
        "uniform at temperature 0": softmax_uniform_at_zero,
        "the last maximum on a tie": softmax_last_maximum,
        "float64 for float32 logits": softmax_upcast,
        "temperature applied after the softmax (p ** (1 / T))": softmax_temperature_after,
        "a small temperature treated as 0 (one-hot below 0.01)": softmax_small_temperature_as_zero,
    },
    "sample_next": {
        "temperature multiplied instead of divided": sample_times_temperature,
        "a generator of its own instead of rng": sample_own_generator,
        "draws from rng even when greedy": sample_draws_when_greedy,
        "always greedy": sample_always_greedy,
        "every row drawn from the first row's distribution": sample_first_row_probabilities,
        "int32 ids": sample_int32,
        "divides the caller's logits in place (logits /= temperature)": sample_dividing_logits_in_place,
        "a small temperature treated as 0 (greedy below 0.01)": sample_small_temperature_greedy,
    },
}


C = "08_folk_tunes#"
EMBEDDING = C + "characters-as-vectors-the-embedding"
LOSS = C + "the-model-and-its-loss"
TBPTT = C + "truncated-backpropagation-through-time"
SAMPLING = C + "sampling-and-the-temperature"
CLIPPING = "03_training_rnns#gradient-clipping"
KEEP_DTYPE = "The values are right, but float32 inputs come back as float64: something casts them. Keep the inputs' dtype."
NOTES = {
    "embedding_forward": {
        "W_emb read as (E, V)": (EMBEDDING, "Your lookup takes columns of W_emb, as if it were (E, V). W_emb is "
                                 "(V, E): the vector of character v is the row W_emb[v], so W_emb[ids] is (N, T, E)."),
        "float64 for a float32 matrix": (EMBEDDING, KEEP_DTYPE + " A one-hot matrix built with np.eye is float64; "
                                         "indexing, W_emb[ids], keeps W_emb's dtype and costs no products."),
        "a torch tensor instead of a numpy array": (EMBEDDING, "Your function returns a torch tensor; this assignment "
                                                    "works in numpy. Index the array: W_emb[ids]."),
        "ids off by one": (EMBEDDING, "Your lookup returns the row before each id (W_emb[ids - 1]); ids start at 0, "
                           "and row v belongs to character v."),
    },
    "embedding_backward": {
        "dW[ids] += g (repeated ids counted once)": (EMBEDDING, "dW[ids] += g is buffered: when an id occurs several "
                                                    "times, only one of its gradients survives. Every occurrence "
                                                    "must add its gradient: np.add.at(dW, ids.ravel(), g.reshape(-1, E))."),
        "mean instead of sum over repeats": (EMBEDDING, "Your gradient averages over the occurrences of an id. The row "
                                             "was used at every occurrence, so the gradients add up: a sum, not a "
                                             "mean."),
        "sign flip": (EMBEDDING, "Your gradient has the wrong sign: it is the sum of the upstream gradients d_embedded "
                      "at the positions of each id, not minus that sum."),
        "float64 for a float32 gradient": (EMBEDDING, KEEP_DTYPE + " Create dW with dtype=d_embedded.dtype."),
        "only as many rows as the largest id": (EMBEDDING, "Your gradient has as many rows as the largest id plus one. "
                                                "It must have vocab_size rows, one per row of W_emb, with zeros for "
                                                "the characters that do not occur."),
    },
    "temporal_softmax_loss": {
        "mask ignored": (LOSS, "Your loss counts the padded positions too. Weight every position's cross-entropy, and "
                         "its gradient, by the mask, and average over the positions the mask keeps."),
        "mean over all positions, padding included": (LOSS, "Your loss divides by N * T, padding included. Divide by "
                                                      "M = mask.sum(), the number of positions that count, in the "
                                                      "loss and in the gradient."),
        "mean per sequence instead of per character": (LOSS, "Your loss divides by N, the number of sequences. The "
                                                       "book's loss is the mean per character: divide by "
                                                       "M = mask.sum(). Dividing by N is CS231n's "
                                                       "temporal_softmax_loss: the page Conventions across "
                                                       "courses and libraries converts between the two."),
        "gradient sign flipped": (LOSS, "Your gradient is one_hot - softmax; the derivative of the cross-entropy "
                                  "with respect to the logits is softmax - one_hot (times mask / M)."),
        "gradient not divided by the count": (LOSS, "Your gradient is not divided by M: the loss is a mean over M "
                                              "positions, so each position's gradient is (p - one_hot) * mask / M."),
        "softmax over the time axis": (LOSS, "Your softmax normalises over axis 1, the time steps. Each position has "
                                       "its own distribution over the V characters: normalise over the last axis."),
        "no max subtraction (overflow)": (LOSS, "exp of logits near 1000 overflows. Subtract each row's maximum "
                                          "before exp (it cancels in the softmax) and compute the log-softmax as "
                                          "shifted - log(sum(exp(shifted)))."),
        "nan when nothing is masked in": (LOSS, "With an all-zero mask your loss is 0 / 0 = nan. When no position "
                                          "counts, return a loss of 0.0 and a zero gradient, as the docstring asks."),
        "a mask that assumes padding only at the end": (LOSS, "Your loss counts the first mask.sum() positions of "
                                                        "each row, as if all padding came at the end. Padding can "
                                                        "also come first (a left-padded batch) or in the middle of a "
                                                        "row: weight each position by its own mask entry, "
                                                        "mask[n, t]."),
        "float64 zero gradient when nothing counts": (LOSS, "When no position counts, your zero gradient is float64 "
                                                      "for float32 logits (np.zeros(shape) is float64). Return "
                                                      "np.zeros_like(logits), in the logits' dtype, as for any "
                                                      "other mask."),
    },
    "stream_batches": {
        "interleaved rows (reshape(n, B).T)": (TBPTT, "Your rows interleave the text: row 0 holds characters 0, B, "
                                               "2B, ... (reshape(n, B).T). Row b must be the consecutive piece "
                                               "ids[b*n : (b+1)*n], reshape(B, n), so that a state carried along "
                                               "the row reads the text in order."),
        "targets not shifted": (TBPTT, "Your targets equal the inputs. The model predicts the NEXT character: the "
                                "targets are the inputs shifted by one, ids[b*n + 1 : (b+1)*n + 1]."),
        "narrower last chunk dropped": (TBPTT, "Your chunks stop before the last, narrower one. Keep it: chunk k is "
                                        "columns k*steps to (k+1)*steps, and the last takes what remains."),
        "time-major chunks (T, B)": (TBPTT, "Your chunks are (T, B), time first. The course is batch-first: each "
                                     "x and y is (B, T)."),
        "int32 kept for int32 input": (TBPTT, "Your chunks keep the input's integer type; the docstring asks for "
                                       "int64 ids (np.asarray(ids, dtype=np.int64))."),
    },
    "lm_train_step": {
        "update sign flipped (ascent)": (CLIPPING, "Your update adds lr * gradient, which climbs the loss. Gradient "
                                         "descent subtracts it: params[k] - lr * clipped[k]."),
        "no clipping": (CLIPPING, "Your step does not clip. When the global norm of all gradients exceeds max_norm, "
                        "every gradient must be multiplied by max_norm / norm."),
        "clipping by value": (CLIPPING, "Your step clips each entry to [-max_norm, max_norm], which changes the "
                              "direction of the update. Clip by the global norm: one factor max_norm / norm for "
                              "all gradients together. Karpathy's min-char-rnn clips by value; the page "
                              "Conventions across courses and libraries puts the ways of clipping side by side."),
        "each gradient clipped on its own": (CLIPPING, "Your step clips each parameter's gradient by its own norm. "
                                             "The norm to compare with max_norm is the global one, over all eleven "
                                             "gradients together, and one factor scales them all."),
        "state not carried (returns h0, c0)": (TBPTT, "Your step returns the state it was given. It must return the "
                                               "state after the last step of the chunk, h_T and c_T: the next "
                                               "chunk continues from there."),
        "mask ignored in the loss": (LOSS, "Your step's loss and gradients count the padded positions. Pass the mask "
                                     "to the loss and let it weight every position."),
        "mean over all positions, padding included": (LOSS, "Your step's loss divides by N * T, padding included; "
                                                      "divide by the number of positions the mask keeps."),
        "embedding gradient with dW[ids] += g": (EMBEDDING, "Your embedding gradient is written with dW[ids] += g, "
                                                "which keeps one gradient per repeated id. Use np.add.at."),
        "dh not carried back through time": (TBPTT, "Your backward pass drops the gradient that step t receives from "
                                             "step t + 1 through h_t: add dh_prev of step t + 1 to the read-out's "
                                             "gradient at step t."),
        "dc not carried back through time": (TBPTT, "Your backward pass drops the gradient that flows back through "
                                             "the cell state: pass dc_prev of step t + 1 as dc_next of step t."),
        "parameters updated in place": (TBPTT, "Your step changes the params dict it was given (params[k] -= ...). "
                                        "Return a new dict and leave the caller's parameters as they were."),
        "float64 for float32 inputs": (TBPTT, KEEP_DTYPE),
        "a mask that assumes padding only at the end": (LOSS, "Your step's loss counts the first mask.sum() "
                                                        "positions of each row, as if all padding came at the end. "
                                                        "Padding can also come first or in the middle of a row: "
                                                        "weight each position by its own mask entry."),
        "clip factor max_norm / norm divides by a zero norm": (CLIPPING, "When nothing counts, every gradient is "
                                                               "zero and so is their norm: your clipping factor "
                                                               "max_norm / norm divides by zero. Clip only when the "
                                                               "norm exceeds max_norm (torch's clip_grad_norm_ "
                                                               "divides by norm + 1e-6 for the same reason)."),
        "nan when nothing counts (0 / 0 in the loss)": (LOSS, "With an all-zero mask your loss divides 0 by 0, and "
                                                        "the nan reaches every gradient and every new parameter. "
                                                        "When no position counts, the loss is 0.0 and the "
                                                        "gradients are zero, so the step leaves the parameters as "
                                                        "they are."),
    },
    "softmax_with_temperature": {
        "temperature multiplied instead of divided": (SAMPLING, "Your softmax multiplies the logits by the "
                                                      "temperature. Divide: a temperature below 1 must sharpen the "
                                                      "distribution, above 1 flatten it."),
        "no max subtraction (overflow)": (SAMPLING, "At a small temperature logits / temperature is huge and exp "
                                          "overflows. Subtract each row's maximum after dividing."),
        "uniform at temperature 0": (SAMPLING, "At temperature 0 your distribution is uniform; the limit as the "
                                     "temperature goes to 0 is one-hot at the largest logit."),
        "the last maximum on a tie": (SAMPLING, "On a tie your one-hot marks the last maximum; argmax, and the "
                                      "docstring, take the first."),
        "float64 for float32 logits": (SAMPLING, KEEP_DTYPE),
        "temperature applied after the softmax (p ** (1 / T))": (SAMPLING, "Your function raises the softmax's "
                                                                 "probabilities to the power 1 / temperature and "
                                                                 "renormalises. On paper that is softmax(logits / "
                                                                 "temperature), but at a small temperature every "
                                                                 "probability underflows to 0 and the row becomes "
                                                                 "0 / 0. Divide the logits by the temperature first, "
                                                                 "then subtract each row's maximum."),
        "a small temperature treated as 0 (one-hot below 0.01)": (SAMPLING, "Below 0.01 your function returns the "
                                                                  "one-hot of temperature 0. A small temperature is "
                                                                  "not 0: on logits that are close together, "
                                                                  "softmax(logits / temperature) is still spread over "
                                                                  "several characters. Only temperature 0 itself "
                                                                  "gives the one-hot."),
    },
    "sample_next": {
        "temperature multiplied instead of divided": (SAMPLING, "Your sampler multiplies the logits by the "
                                                      "temperature; divide them."),
        "a generator of its own instead of rng": (SAMPLING, "Your sampler draws from a generator of its own, not "
                                                  "from the rng it is given, so its draws cannot be repeated. Use "
                                                  "rng.choice(V, p=probs[n]) for each row."),
        "draws from rng even when greedy": (SAMPLING, "At temperature 0 your sampler still draws from rng. Greedy "
                                            "decoding is the argmax and must leave the generator untouched."),
        "always greedy": (SAMPLING, "Your sampler always returns the argmax, whatever the temperature. Above 0 it "
                          "must draw from softmax(logits / temperature)."),
        "every row drawn from the first row's distribution": (SAMPLING, "Your sampler draws every row from the first "
                                                              "row's distribution. Each row has its own: one "
                                                              "rng.choice per row, in row order."),
        "int32 ids": (SAMPLING, "Your ids are int32; return int64 (np.int64)."),
        "divides the caller's logits in place (logits /= temperature)": (SAMPLING, "Your sampler divides the logits "
                                                                         "it is given in place (logits /= "
                                                                         "temperature), so the caller's logits "
                                                                         "change: a second sample from them, or the "
                                                                         "text generated next, comes out wrong. "
                                                                         "Write scaled = logits / temperature."),
        "a small temperature treated as 0 (greedy below 0.01)": (SAMPLING, "Below 0.01 your sampler returns the "
                                                                 "argmax, as at temperature 0. A small temperature "
                                                                 "is not 0: on logits that are close together it "
                                                                 "still spreads the probability over several "
                                                                 "characters, and every row must be drawn with rng."),
    },
}

# Each mistake's kind of fault (judge.mistakes.FAULT_CLASSES) and where it sits: the root cause, as a teacher would
# name it after reading the implementation above. A train step built from a wrong loss or embedding backward is
# `upstream`; one written into the step itself is labelled by its own kind. An off-by-one outside time (an id's
# row) is `boundary`; an argument the function ignores is `missing-term`.
FAULTS = {
    "embedding_forward": {
        "W_emb read as (E, V)": ("transpose", "W_emb"),
        "float64 for a float32 matrix": ("dtype", None),
        "a torch tensor instead of a numpy array": ("type-shape", None),
        # judgement: W_emb[ids - 1], an off-by-one in the row index (id 0 wraps to the last row), not in time
        "ids off by one": ("boundary", "ids"),
    },
    "embedding_backward": {
        # judgement: buffered dW[ids] += g keeps one gradient per repeated id: the repeats' terms are left out
        "dW[ids] += g (repeated ids counted once)": ("missing-term", "repeated ids"),
        "mean instead of sum over repeats": ("scale", "repeated ids"),
        "sign flip": ("sign", None),
        "float64 for a float32 gradient": ("dtype", None),
        "only as many rows as the largest id": ("type-shape", "vocab_size"),
    },
    "temporal_softmax_loss": {
        "a mask that assumes padding only at the end": ("mask", "mask"),
        "float64 zero gradient when nothing counts": ("dtype", "dlogits"),
        "mask ignored": ("mask", "mask"),
        # judgement: the positions' terms are masked right; only the normaliser N * T (padding counted) is wrong
        "mean over all positions, padding included": ("scale", "M"),
        "mean per sequence instead of per character": ("scale", "M"),
        "gradient sign flipped": ("sign", "dlogits"),
        "gradient not divided by the count": ("scale", "dlogits"),
        "softmax over the time axis": ("axis", "axis 1"),
        "no max subtraction (overflow)": ("overflow", None),
        "nan when nothing is masked in": ("boundary", "empty mask"),
    },
    "stream_batches": {
        # judgement: the text laid down the columns instead of along the rows (reshape(n, B).T): the wrong axis
        "interleaved rows (reshape(n, B).T)": ("axis", "rows"),
        "targets not shifted": ("time", "targets"),
        "narrower last chunk dropped": ("boundary", "last chunk"),
        # judgement: each chunk returned transposed, (T, B) for (B, T), as a transposed weight is `transpose`
        "time-major chunks (T, B)": ("transpose", "x and y"),
        "int32 kept for int32 input": ("dtype", None),
    },
    "lm_train_step": {
        "a mask that assumes padding only at the end": ("upstream", "temporal_softmax_loss"),
        "clip factor max_norm / norm divides by a zero norm": ("boundary", "zero norm"),
        "nan when nothing counts (0 / 0 in the loss)": ("upstream", "temporal_softmax_loss"),
        "update sign flipped (ascent)": ("sign", "update"),
        "no clipping": ("missing-term", "max_norm"),
        # judgement: the one global factor max_norm / norm replaced by entrywise or per-gradient rescaling
        "clipping by value": ("scale", "max_norm"),
        "each gradient clipped on its own": ("scale", "max_norm"),
        "state not carried (returns h0, c0)": ("time", "h0, c0"),
        "mask ignored in the loss": ("upstream", "temporal_softmax_loss"),                  # step_with(loss_fn=...)
        "mean over all positions, padding included": ("upstream", "temporal_softmax_loss"),  # step_with(loss_fn=...)
        "embedding gradient with dW[ids] += g": ("upstream", "embedding_backward"),   # step_with(embedding_backward=...)
        "dh not carried back through time": ("time", "dh"),
        "dc not carried back through time": ("time", "dc"),
        "parameters updated in place": ("in-place", "params"),
        "float64 for float32 inputs": ("dtype", None),
    },
    "softmax_with_temperature": {
        # numerically unstable rather than an exp overflowing: p ** (1 / T) underflows to 0 / 0
        "temperature applied after the softmax (p ** (1 / T))": ("overflow", "probs ** (1 / temperature)"),
        "a small temperature treated as 0 (one-hot below 0.01)": ("boundary", "temperature"),
        "temperature multiplied instead of divided": ("scale", "temperature"),
        "no max subtraction (overflow)": ("overflow", None),
        "uniform at temperature 0": ("boundary", "temperature 0"),
        "the last maximum on a tie": ("boundary", "ties"),
        "float64 for float32 logits": ("dtype", None),
    },
    "sample_next": {
        "divides the caller's logits in place (logits /= temperature)": ("in-place", "logits"),
        "a small temperature treated as 0 (greedy below 0.01)": ("boundary", "temperature"),
        # written into the sampler (logits scaled before the right sampler), not a wrong softmax_with_temperature
        "temperature multiplied instead of divided": ("scale", "temperature"),
        "a generator of its own instead of rng": ("random", "rng"),
        "draws from rng even when greedy": ("random", "rng"),
        # judgement: argmax whatever the temperature: no draw from rng where one per row is due
        "always greedy": ("random", "rng"),
        # judgement: every row's draw made from row 0's probabilities, in one call: the draws are wrong
        "every row drawn from the first row's distribution": ("random", "rows"),
        "int32 ids": ("dtype", None),
    },
}

MISTAKES = catalogue_of(MUTANTS, NOTES, FAULTS)
