"""Hidden cases for a06_char_lm: the embedding forward and backward, the masked temporal softmax loss, the
batching of a stream for truncated BPTT, one training step of the LSTM language model, the softmax with a
temperature, and sampling from it with a given generator.

Besides the comparisons with the reference, some probes compare with torch directly (nn.Embedding, masked
cross-entropy, an nn.LSTM language model trained one step), check that the inputs come back unchanged, that
arrays come back as numpy arrays of the right dtype, and how the random generator was used. They return
numbers, which the grader compares, outside the kernel, with what the same probe returns for the reference.
"""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import numpy as np
import torch

from ..judge.checking import (FLOAT32_TOL, Case, Detail, Label, Observed, arrays_in, check_function, generator,
                               random_normal as rn, seeded)
from ..reference import char_lm
from ..reference.activations import ACTIVATIONS as ACTIVATION_FUNCTIONS

if TYPE_CHECKING:
    from collections.abc import Callable

f32 = dict(dtype="float32")
LSTM_NAMES = ("W_f", "b_f", "W_i", "b_i", "W_c", "b_c", "W_o", "b_o")
PARAM_NAMES = ("W_emb",) + LSTM_NAMES + ("W_hy", "b_y")
STEP_OUTPUT = "(new_params, loss, grad_norm, h_T, c_T)"


# What the probes' own checks say that checking.Detail does not (the grader words them from these templates).
PROBE_MESSAGES = {"chunks": "expected a list of (x, y)", "chunk": "each chunk must be a pair (x, y)"}


def _require(condition, where, message):
    """Structural problems fail inside the kernel with a clear message; passing is only ever judged outside."""
    if not condition:
        raise AssertionError(f"{where}: {message}")


def _ids(seed, *shape, V, dtype=np.int64):
    return generator(seed).integers(0, V, size=shape).astype(dtype)


def _arrays(value):
    """The arrays inside an output (a tuple, list or dict of them), in order."""
    if isinstance(value, dict):
        return [a for k in sorted(value, key=str) for a in _arrays(value[k])]
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in _arrays(v)]
    return [value] if hasattr(value, "shape") and np.ndim(value) > 0 else []


def _typed(name, args, kind, inputs=(), **tolerance):
    """A case that also reports what kind of arrays came back, and the inputs as they are after the call.

    kind: "float32", "float64" (every float array returned must have that dtype) or "int64" (every array
    returned must be an int64 array). All returned arrays must be numpy arrays, not torch tensors or lists.
    inputs: names of the positional arguments to return after the call (they must be unchanged).
    """
    def run(fn):
        given = copy.deepcopy(args)
        result = fn(*given)
        arrays = _arrays(result)
        report = {"result": result,
                  "every array returned is a numpy array (1 = yes)":
                      float(bool(arrays) and all(isinstance(a, np.ndarray) for a in arrays))}
        if kind == "int64":
            report["every array returned has dtype int64 (1 = yes)"] = float(
                all(getattr(a, "dtype", None) == np.int64 for a in arrays))
        else:
            floats = [a for a in arrays if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
            report[f"every float array returned has dtype {kind} (1 = yes)"] = float(
                bool(floats) and all(a.dtype == np.dtype(kind) for a in floats))
        for label, value in zip(inputs, given):
            if label:
                report[Label.UNCHANGED.format(name=label)] = value
        return report
    return Case(name, run=run, **tolerance)


# ----------------------------------------------------------------------------------------------- embedding
def _embedding_args(seed, N, T, V, E, dtype="float64", id_dtype=np.int64):
    return _ids(seed, N, T, V=V, dtype=id_dtype), rn(seed + 1, V, E, dtype=dtype)


def _embedding_vs_torch(seed, N, T, V, E):
    """embedding_forward minus torch.nn.Embedding's output with the same matrix, and the same done by a
    one-hot matrix product: both must be (about) zero."""
    ids, W = _embedding_args(seed, N, T, V, E)

    def run(fn):
        got = np.asarray(fn(ids.copy(), W.copy()), dtype=float)
        layer = torch.nn.Embedding.from_pretrained(torch.from_numpy(W))
        with torch.no_grad():
            torch_out = layer(torch.from_numpy(ids)).numpy()
        return {"minus torch.nn.Embedding's output": got - torch_out,
                "minus one_hot(ids) @ W_emb": got - np.eye(V)[ids] @ W}
    return Case("equals torch.nn.Embedding and one_hot(ids) @ W_emb", run=run, rtol=0.0, atol=1e-12)


def _repeated_ids(seed, N, T, V, E, dtype="float64"):
    """Upstream gradients with ids full of repeats: id 1 at every other position, id 0 at the first."""
    ids = _ids(seed, N, T, V=V)
    ids[:, ::2] = 1
    ids[0, 0] = 0
    return rn(seed + 1, N, T, E, dtype=dtype), ids, V


def _backward_vs_autograd(seed, N, T, V, E):
    """embedding_backward minus torch.autograd's gradient of sum(embedding(ids) * g), repeated ids."""
    g, ids, _ = _repeated_ids(seed, N, T, V, E)

    def run(fn):
        W = torch.zeros(V, E, dtype=torch.float64, requires_grad=True)
        (torch.nn.functional.embedding(torch.from_numpy(ids), W) * torch.from_numpy(g)).sum().backward()
        got = fn(g.copy(), ids.copy(), V)
        where = "embedding_backward [equals torch.autograd]"
        _require(np.shape(got) == (V, E), where,
                 Detail.WRONG_SHAPE.format(name="dW_emb", got=np.shape(got), expected=(V, E)))
        return {"dW_emb minus torch.autograd's gradient": np.asarray(got, dtype=float) - W.grad.numpy()}
    return Case("equals torch.autograd (repeated ids)", run=run, rtol=0.0, atol=1e-12)


# -------------------------------------------------------------------------------------------------- mask
def _mask(N, T, pad_from=None, pad_until=None, gaps=()):
    """An (N, T) mask of ones with padding (zeros): at the end of row n from pad_from[n] on, at its start up to
    pad_until[n], and in its middle over each (n, start, stop) of gaps."""
    mask = np.ones((N, T))
    for n, start in enumerate(pad_from or []):
        mask[n, start:] = 0
    for n, stop in enumerate(pad_until or []):
        mask[n, :stop] = 0
    for n, start, stop in gaps:
        mask[n, start:stop] = 0
    return mask


# -------------------------------------------------------------------------------------------------- loss
def _loss_args(seed, N, T, V, scale=2.0, dtype="float64", pad_from=None, pad_until=None, gaps=(), bool_mask=False):
    logits = rn(seed, N, T, V, scale=scale, dtype=dtype)
    targets = _ids(seed + 1, N, T, V=V)
    mask = _mask(N, T, pad_from, pad_until, gaps)
    return logits, targets, (mask > 0) if bool_mask else mask


def _loss_vs_torch(seed, N, T, V, name="equals torch's masked cross-entropy and its autograd gradient", **padding):
    """loss and dlogits minus torch's masked cross-entropy (sum over real positions / their number).

    padding: as _mask takes it; by default rows padded at the end, one not at all and one entirely."""
    logits, targets, mask = _loss_args(seed, N, T, V, **(padding or dict(pad_from=[T, T - 2, 0][:N])))

    def run(fn):
        result = fn(logits.copy(), targets.copy(), mask.copy())
        where = "temporal_softmax_loss [equals torch]"
        _require(isinstance(result, (tuple, list)) and len(result) == 2, where,
                 Detail.EXPECTED_OUTPUTS.format(outputs="(loss, dlogits)"))
        x = torch.tensor(logits, requires_grad=True)
        per = torch.nn.functional.cross_entropy(x.reshape(-1, V), torch.from_numpy(targets).reshape(-1),
                                                reduction="none")
        m = torch.from_numpy(mask).reshape(-1)
        loss = (per * m).sum() / m.sum()
        loss.backward()
        _require(np.shape(result[1]) == (N, T, V), where,
                 Detail.WRONG_SHAPE.format(name="dlogits", got=np.shape(result[1]), expected=(N, T, V)))
        return {"loss minus torch's": float(result[0]) - loss.item(),
                "dlogits minus torch.autograd's": np.asarray(result[1], dtype=float) - x.grad.numpy()}
    return Case(name, run=run, rtol=0.0, atol=1e-12)


# ------------------------------------------------------------------------------------------------ stream
def _stream(seed, L, V=20, dtype=np.int64):
    return _ids(seed, L, V=V, dtype=dtype)


def _stream_carries(seed, L, B, T):
    """Reading the chunks in order, row by row, must give back the stream: row b of chunk k + 1 continues
    row b of chunk k, and the rows are consecutive pieces. Returns the rows glued across chunks."""
    ids = np.arange(L, dtype=np.int64) * 3 + 1               # distinct values: any reordering shows

    def run(fn):
        chunks = fn(ids.copy(), B, T)
        where = "stream_batches [chunks glued together]"
        _require(isinstance(chunks, (list, tuple)) and len(chunks) > 0, where, PROBE_MESSAGES["chunks"])
        _require(all(isinstance(c, (list, tuple)) and len(c) == 2 for c in chunks), where,
                 PROBE_MESSAGES["chunk"])
        return {"inputs glued across chunks": np.concatenate([np.asarray(c[0]) for c in chunks], axis=1),
                "targets glued across chunks": np.concatenate([np.asarray(c[1]) for c in chunks], axis=1)}
    return Case("each row continues across chunks", run=run, rtol=0.0, atol=0.0)


# --------------------------------------------------------------------------------------------- the model
def _params(seed, V, E, H, dtype="float64", scale=0.5):
    params = {"W_emb": rn(seed, V, E, dtype=dtype), "W_hy": rn(seed + 1, V, H, scale=scale, dtype=dtype),
              "b_y": rn(seed + 2, V, dtype=dtype)}
    for k, g in enumerate("fico"):
        params["W_" + g] = rn(seed + 3 + 2 * k, H, H + E, scale=scale, dtype=dtype)
        params["b_" + g] = rn(seed + 4 + 2 * k, H, dtype=dtype)
    return {k: params[k] for k in PARAM_NAMES}


def _step_args(seed, N, T, V, E, H, lr=0.1, max_norm=0.05, dtype="float64", pad_from=None, pad_until=None, gaps=(),
               zero_state=False, repeated=False):
    """params, x_ids, y_ids, mask, h0, c0, lr, max_norm; the padding of the mask as _mask takes it."""
    x_ids, y_ids = _ids(seed + 20, N, T, V=V), _ids(seed + 21, N, T, V=V)
    if repeated:
        x_ids[:, 1::2] = 0
    mask = _mask(N, T, pad_from, pad_until, gaps)
    scale = 0.0 if zero_state else 1.0
    h0 = (scale * rn(seed + 22, N, H)).astype(dtype)
    c0 = (scale * rn(seed + 23, N, H)).astype(dtype)
    return _params(seed, V, E, H, dtype), x_ids, y_ids, mask, h0, c0, lr, max_norm


def _step_structure(result, where, params):
    _require(isinstance(result, (tuple, list)) and len(result) == 5, where,
             Detail.EXPECTED_OUTPUTS.format(outputs=STEP_OUTPUT))
    _require(isinstance(result[0], dict) and set(PARAM_NAMES) <= set(result[0]), where,
             Detail.MUST_BE_DICT.format(name="new_params", keys=list(PARAM_NAMES)))
    for k in PARAM_NAMES:
        _require(np.shape(result[0][k]) == np.shape(params[k]), where,
                 Detail.WRONG_SHAPE.format(name=f"new_params[{k!r}]", got=np.shape(result[0][k]),
                                           expected=np.shape(params[k])))


def _two_chunks(seed, N, V, E, H):
    """Train on two consecutive chunks of one stream: the second call gets the first's new parameters and
    its last state. Reports the parameters and the state after both."""
    params = _params(seed, V, E, H)
    ids = _ids(seed + 30, N * 12 + 1, V=V)
    (x1, y1), (x2, y2) = char_lm_stream(ids, N, 6)
    zeros = np.zeros((N, H))
    where = "lm_train_step [two chunks, the state carried]"

    def run(fn):
        first = fn(copy.deepcopy(params), x1, y1, np.ones((N, 6)), zeros.copy(), zeros.copy(), 0.05, 5.0)
        _step_structure(first, where, params)
        second = fn(copy.deepcopy(first[0]), x2, y2, np.ones((N, 6)), np.array(first[3]), np.array(first[4]),
                    0.05, 5.0)
        _step_structure(second, where, params)
        return {"loss of the second chunk": second[1], "h_T after the second chunk": second[3],
                "c_T after the second chunk": second[4], "parameters after two steps": second[0]}
    return Case("two chunks: the state of the first carried into the second", run=run)


def char_lm_stream(ids: np.ndarray, B: int, T: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The chunks of a stream (the same rule the students implement), for building the hidden inputs."""
    n = (len(ids) - 1) // B
    x, y = ids[:n * B].reshape(B, n), ids[1:n * B + 1].reshape(B, n)
    return [(x[:, s:s + T], y[:, s:s + T]) for s in range(0, n, T)]


def _torch_step(params, x_ids, y_ids, mask, h0, c0, lr, max_norm):
    """The same training step with torch.nn: Embedding, LSTM, Linear, masked cross-entropy, autograd,
    clip_grad_norm_ and plain gradient descent. Returns (new params in the lecture layout, loss, norm, h, c)."""
    V, E = params["W_emb"].shape
    H = params["b_f"].shape[0]
    order = ("i", "f", "c", "o")
    emb = torch.nn.Embedding(V, E).double()
    layer = torch.nn.LSTM(E, H, batch_first=True).double()
    readout = torch.nn.Linear(H, V).double()
    stack = lambda blocks: torch.from_numpy(np.ascontiguousarray(np.concatenate(blocks)))
    with torch.no_grad():
        emb.weight.copy_(torch.from_numpy(params["W_emb"]))
        layer.weight_ih_l0.copy_(stack([params["W_" + g][:, H:] for g in order]))
        layer.weight_hh_l0.copy_(stack([params["W_" + g][:, :H] for g in order]))
        layer.bias_ih_l0.copy_(stack([params["b_" + g] for g in order]))
        layer.bias_hh_l0.zero_()
        readout.weight.copy_(torch.from_numpy(params["W_hy"]))
        readout.bias.copy_(torch.from_numpy(params["b_y"]))
    out, (h, c) = layer(emb(torch.from_numpy(x_ids)), (torch.from_numpy(h0)[None], torch.from_numpy(c0)[None]))
    per = torch.nn.functional.cross_entropy(readout(out).reshape(-1, V), torch.from_numpy(y_ids).reshape(-1),
                                            reduction="none")
    m = torch.from_numpy(mask).reshape(-1)
    loss = (per * m).sum() / m.sum()
    loss.backward()
    modules = list(emb.parameters()) + [layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0] + \
        list(readout.parameters())
    norm = torch.nn.utils.clip_grad_norm_(modules, max_norm)
    with torch.no_grad():
        for p in modules:
            p -= lr * p.grad
    new = {"W_emb": emb.weight.detach().numpy(), "W_hy": readout.weight.detach().numpy(),
           "b_y": readout.bias.detach().numpy()}
    w_ih, w_hh, b = (layer.weight_ih_l0.detach().numpy(), layer.weight_hh_l0.detach().numpy(),
                     layer.bias_ih_l0.detach().numpy())
    for k, g in enumerate(order):
        rows = slice(k * H, (k + 1) * H)
        new["W_" + g] = np.concatenate([w_hh[rows], w_ih[rows]], axis=1)
        new["b_" + g] = b[rows]
    return new, loss.item(), float(norm), h[0].detach().numpy(), c[0].detach().numpy()


def _step_vs_torch(seed, N, T, V, E, H, name="equals the same step in torch (float64)", **padding):
    """lm_train_step's results minus those of the same step done with torch.nn and autograd.

    padding: as _mask takes it; by default the second row padded at the end."""
    args = _step_args(seed, N, T, V, E, H, repeated=True, **(padding or dict(pad_from=[T, T - 3][:N])))
    where = "lm_train_step [equals torch.nn + autograd + clip_grad_norm_]"

    def run(fn):
        result = fn(*copy.deepcopy(args))
        _step_structure(result, where, args[0])
        new, loss, norm, h, c = _torch_step(*copy.deepcopy(args))
        return {"loss minus torch's": float(result[1]) - loss, "grad_norm minus torch's": float(result[2]) - norm,
                "h_T minus torch's h_n": np.asarray(result[3], dtype=float) - h,
                "c_T minus torch's c_n": np.asarray(result[4], dtype=float) - c,
                **{f"new_params[{k!r}] minus torch's": np.asarray(result[0][k], dtype=float) - new[k]
                   for k in PARAM_NAMES}}
    # atol 1e-8, not 1e-10: torch's clip_grad_norm_ scales by max_norm / (norm + 1e-6), the reference by
    # max_norm / norm, and here the two steps differ by 3.8e-10. Both are right: a student who writes torch's
    # factor (the convention chapters 3 and 8 teach) equals torch, and must pass, not be told the opposite.
    return Case(name, run=run, rtol=0.0, atol=1e-8)


# ------------------------------------------------------------------------------------------------ sampling
def _ties(dtype="float64"):
    """Rows with the maximum twice: greedy decoding takes the first."""
    logits = rn(1400, 3, 6, dtype=dtype)
    logits[:, 2] = logits[:, 4] = logits.max() + 1
    return logits


def _sampling(name, logits, temperature, seed, **tolerance):
    """sample_next with np.random.default_rng(seed): the ids, their type, and the generator's next number
    after the call, which tells how many numbers the call drew; and the logits as they are after the call."""
    seed = seeded(seed)  # resolved here: the probe runs in the student's kernel, outside practice_seeds

    def run(fn):
        rng = np.random.default_rng(seed)
        given = np.array(logits)
        ids = fn(given, temperature, rng)
        return Observed({"ids": ids, "ids is a numpy array of dtype int64 (1 = yes)":
                         float(isinstance(ids, np.ndarray) and ids.dtype == np.int64),
                         "the generator's next number after the call (it tells how many numbers were drawn)":
                         rng.random()}, arrays_in((given, temperature), {}))
    return Case(name, run=run, rtol=0.0, atol=0.0)


def _frequencies(seed):
    """500 draws from one row at temperature 0.5, each call continuing the same generator: the counts."""
    logits = np.log(np.array([[0.1, 0.2, 0.3, 0.4]]))
    seed = seeded(seed)  # resolved here: the probe runs in the student's kernel, outside practice_seeds

    def run(fn):
        rng = np.random.default_rng(seed)
        draws = [int(np.asarray(fn(logits.copy(), 0.5, rng)).reshape(-1)[0]) for _ in range(500)]
        return {"how often each id was drawn in 500 calls": np.bincount(draws, minlength=4)}
    return Case("500 draws, temperature 0.5", run=run, rtol=0.0, atol=0.0)


CHECKS = {
    "embedding_forward": [
        Case("N=2, T=5, V=7, E=3", _embedding_args(100, 2, 5, 7, 3)),
        Case("repeated ids", (np.array([[3, 3, 3], [0, 3, 0]]), rn(101, 5, 4))),
        Case("batch of one, one step", _embedding_args(102, 1, 1, 6, 2)),
        Case("N equal to T", _embedding_args(103, 4, 4, 9, 4)),
        Case("int32 ids", _embedding_args(104, 3, 2, 8, 3, id_dtype=np.int32)),
        _typed("float32 matrix: float32 out", _embedding_args(105, 2, 4, 6, 3, **f32), "float32",
               inputs=("ids", "W_emb"), **FLOAT32_TOL),
        _typed("numpy out, inputs unchanged", _embedding_args(106, 2, 3, 5, 2), "float64", inputs=("ids", "W_emb")),
        _embedding_vs_torch(107, 3, 4, 10, 5),
    ],
    "embedding_backward": [
        Case("N=2, T=5, V=7, E=3", (rn(200, 2, 5, 3), _ids(201, 2, 5, V=7), 7)),
        Case("repeated ids", _repeated_ids(202, 3, 6, 5, 4)),
        Case("every position the same id", (rn(203, 2, 4, 3), np.full((2, 4), 2), 4)),
        Case("ids that never occur get zero rows", (rn(204, 2, 3, 2), np.array([[0, 1, 0], [1, 1, 0]]), 9)),
        Case("batch of one, one step", (rn(205, 1, 1, 3), np.array([[4]]), 6)),
        _typed("float32 gradient: float32 out", _repeated_ids(206, 2, 5, 6, 3, **f32), "float32",
               inputs=("d_embedded", "ids"), **FLOAT32_TOL),
        _typed("numpy out, inputs unchanged", _repeated_ids(207, 2, 4, 5, 3), "float64",
               inputs=("d_embedded", "ids")),
        _backward_vs_autograd(208, 3, 7, 6, 4),
    ],
    "temporal_softmax_loss": [
        Case("N=2, T=4, V=5, no padding", _loss_args(300, 2, 4, 5)),
        Case("padding at the end of rows", _loss_args(301, 3, 6, 7, pad_from=[6, 3, 1])),
        Case("an all-padding row", _loss_args(302, 3, 5, 4, pad_from=[5, 0, 2])),
        Case("bool mask", _loss_args(303, 2, 5, 6, pad_from=[2, 5], bool_mask=True)),
        Case("N equal to T equal to V", _loss_args(304, 4, 4, 4, pad_from=[4, 1, 3, 2])),
        Case("batch of one", _loss_args(305, 1, 6, 5, pad_from=[4])),
        Case("large logits, up to 1000", _loss_args(306, 2, 3, 5, scale=500.0, pad_from=[3, 2]), strict_fp=True),
        Case("nothing to predict: mask all zero", _loss_args(307, 2, 3, 4, pad_from=[0, 0])),
        _typed("float32 logits: float32 gradient", _loss_args(308, 2, 5, 6, pad_from=[5, 3], **f32), "float32",
               inputs=("logits", "targets", "mask"), **FLOAT32_TOL),
        _typed("numpy out, inputs unchanged", _loss_args(309, 2, 4, 5, pad_from=[4, 2]), "float64",
               inputs=("logits", "targets", "mask")),
        _loss_vs_torch(310, 3, 6, 8),
        Case("padding at the start of rows", _loss_args(311, 3, 6, 7, pad_until=[2, 0, 5])),
        Case("padding in the middle of rows", _loss_args(312, 3, 7, 5, gaps=[(0, 2, 4), (2, 1, 6)])),
        Case("padding at the start, in the middle and at the end, bool mask",
             _loss_args(313, 2, 8, 6, pad_from=[7, 6], pad_until=[1], gaps=[(0, 3, 5), (1, 2, 3)], bool_mask=True)),
        _typed("float32, nothing counted: 0.0 and a float32 zero gradient",
               _loss_args(314, 2, 4, 5, pad_from=[0, 0], **f32), "float32", inputs=("logits", "targets", "mask"),
               **FLOAT32_TOL),
        _loss_vs_torch(315, 3, 7, 6, "padding at the start and in the middle: equals torch",
                       pad_from=[7, 7, 5], pad_until=[3, 0, 0], gaps=[(1, 2, 5)]),
    ],
    "stream_batches": [
        Case("L=23, B=2, T=4: a narrower last chunk", (_stream(400, 23), 2, 4), rtol=0.0, atol=0.0),
        Case("L=41, B=4, T=5: no leftover", (_stream(401, 41), 4, 5), rtol=0.0, atol=0.0),
        Case("batch of one", (_stream(402, 17), 1, 5), rtol=0.0, atol=0.0),
        Case("chunk longer than the rows: one chunk", (_stream(403, 30), 3, 50), rtol=0.0, atol=0.0),
        Case("B equal to T", (_stream(404, 50), 4, 4), rtol=0.0, atol=0.0),
        Case("characters left over at the end", (_stream(405, 29), 3, 3), rtol=0.0, atol=0.0),
        _typed("int32 stream: int64 chunks, input unchanged", (_stream(406, 33, dtype=np.int32), 4, 3), "int64",
               inputs=("ids",), rtol=0.0, atol=0.0),
        _stream_carries(407, 61, 3, 7),
    ],
    "lm_train_step": [
        Case("N=2, T=5, V=6, E=3, H=4, clipped", _step_args(500, 2, 5, 6, 3, 4)),
        Case("norm below the threshold: not clipped", _step_args(501, 2, 4, 5, 3, 3, max_norm=1e6)),
        Case("padding, an all-padding row", _step_args(502, 3, 5, 6, 2, 4, pad_from=[5, 0, 2])),
        Case("repeated ids", _step_args(503, 2, 6, 5, 3, 4, repeated=True)),
        Case("batch of one", _step_args(504, 1, 5, 6, 3, 4)),
        Case("zero initial state", _step_args(505, 2, 4, 6, 3, 4, zero_state=True)),
        _typed("float32: float32 out, inputs unchanged", _step_args(506, 2, 4, 6, 3, 4, **f32), "float32",
               inputs=("params", "x_ids", "y_ids", "mask", "h0", "c0"), **FLOAT32_TOL),
        _typed("numpy out, inputs unchanged", _step_args(507, 2, 4, 5, 3, 4), "float64",
               inputs=("params", "x_ids", "y_ids", "mask", "h0", "c0")),
        _two_chunks(508, 2, 6, 3, 4),
        _step_vs_torch(509, 2, 6, 7, 3, 4),
        Case("padding at the start and in the middle of rows",
             _step_args(510, 3, 6, 6, 3, 4, pad_until=[2, 0, 0], gaps=[(1, 1, 4)])),
        _typed("float32, nothing counted: float32 out, parameters unchanged",
               _step_args(511, 2, 4, 6, 3, 4, pad_from=[0, 0], **f32), "float32",
               inputs=("params", "x_ids", "y_ids", "mask", "h0", "c0"), **FLOAT32_TOL),
        _step_vs_torch(512, 2, 6, 7, 3, 4, "padding at the start and in the middle: equals torch",
                       pad_until=[3], gaps=[(1, 1, 3)]),
    ],
    "softmax_with_temperature": [
        Case("temperature 1", (rn(600, 3, 5), 1.0)),
        Case("temperature 0.5: sharper", (rn(601, 3, 5, scale=2.0), 0.5)),
        Case("temperature 3: flatter", (rn(602, 2, 6, scale=2.0), 3.0)),
        Case("temperature 0: one-hot at the argmax", (rn(603, 4, 5), 0.0)),
        Case("temperature 0 with ties: the first maximum", (_ties(), 0.0)),
        Case("temperature 1e-8: stable", (rn(604, 3, 5), 1e-8), strict_fp=True),
        Case("large logits, temperature 0.1", (rn(605, 2, 4, scale=300.0), 0.1), strict_fp=True),
        Case("batch of one", (rn(606, 1, 7), 0.8)),
        _typed("float32 logits: float32 out", (rn(607, 3, 5, **f32), 0.7), "float32", inputs=("logits",),
               **FLOAT32_TOL),
        _typed("temperature 0, float32: float32 out", (rn(608, 2, 4, **f32), 0.0), "float32", inputs=("logits",),
               **FLOAT32_TOL),
        Case("temperature 0.001, logits within 0.01 of each other", (rn(609, 4, 6, scale=0.002), 1e-3), strict_fp=True),
        Case("temperature 0.05, close logits", (rn(610, 3, 5, scale=0.05), 0.05), strict_fp=True),
        _typed("temperature 0.001, close float32 logits: float32 out", (rn(611, 3, 5, scale=0.002, **f32), 1e-3),
               "float32", inputs=("logits",), **FLOAT32_TOL),
    ],
    "sample_next": [
        _sampling("temperature 1, five rows", rn(700, 5, 6), 1.0, 70),
        _sampling("temperature 0.5", rn(701, 4, 5, scale=2.0), 0.5, 71),
        _sampling("temperature 2", rn(702, 4, 5, scale=2.0), 2.0, 72),
        _sampling("temperature 0: greedy, draws nothing", rn(703, 4, 6), 0.0, 73),
        _sampling("temperature 0 with ties: the first maximum", _ties(), 0.0, 74),
        _sampling("batch of one", rn(704, 1, 8), 1.0, 75),
        _sampling("float32 logits", rn(705, 4, 6, **f32), 1.0, 76),
        _sampling("large logits, temperature 0.2", rn(706, 3, 5, scale=300.0), 0.2, 77),
        _frequencies(78),
        _sampling("temperature 0.001, logits within 0.01 of each other", rn(707, 5, 6, scale=0.002), 1e-3, 79),
        _sampling("temperature 0.05, close logits", rn(708, 4, 5, scale=0.05), 0.05, 80),
    ],
}

REFERENCES = {
    "embedding_forward": char_lm.embedding_forward,
    "embedding_backward": char_lm.embedding_backward,
    "temporal_softmax_loss": char_lm.temporal_softmax_loss,
    "stream_batches": char_lm.stream_batches,
    "lm_train_step": char_lm.lm_train_step,
    "softmax_with_temperature": char_lm.softmax_with_temperature,
    "sample_next": char_lm.sample_next,
}

OUTPUT_NAMES = {
    "embedding_forward": "embedded", "embedding_backward": "dW_emb", "temporal_softmax_loss": "(loss, dlogits)",
    "stream_batches": "chunks", "lm_train_step": STEP_OUTPUT, "softmax_with_temperature": "probs",
    "sample_next": "ids",
}


# Which graded functions each may call, as the solution does (None: as the reference calls it): a function that
# gives what the correct one gives over a failing callee is diagnosed `upstream` of it (judge/faults.py).
CALLS = {"sample_next": {"softmax_with_temperature": None},
         "lm_train_step": dict.fromkeys(("embedding_forward", "embedding_backward", "temporal_softmax_loss"))}
ACTIVATIONS = ACTIVATION_FUNCTIONS  # the nonlinearities a fault model may put in place of one another

# Scoring: a test cell earns the fraction of its hidden cases (and its visible asserts, as one) that pass.
PARTIAL_CREDIT = True
# A function that gives what the correct one gives over a failing graded function it calls (diagnosed `upstream`)
# still loses the cases it fails (False), or earns them, its mistake costing points once, where it is made (True).
# False by default: a grade then rests on the hidden cases alone, never on an inference about the student's code.
UPSTREAM_CREDIT = False


def check(function_name: str, student_fn: Callable) -> None:
    """Run the hidden cases of one graded function against the student's implementation."""
    check_function(function_name, student_fn, REFERENCES[function_name], CHECKS[function_name],
                   OUTPUT_NAMES.get(function_name, "result"))


from .a06_char_lm_mistakes import MISTAKES  # noqa: E402, F401  (re-exported; the catalogue builds on this module's cases)
