"""The a06 reference (a character-level LSTM language model in numpy) against torch: float64 to 1e-10,
float32 to 1e-5."""
import numpy as np
import pytest
import torch

from autograder.reference import char_lm as ref
from autograder.reference import lstm

TOL = {np.float64: 1e-10, np.float32: 1e-5}


def lecture_params_to_torch(params, E, H):
    """The lecture's LSTM parameters as a torch.nn.LSTM state dict (gates i, f, g, o; W_g = [W_hh | W_ih])."""
    order = ("i", "f", "c", "o")
    stack = lambda blocks: torch.from_numpy(np.ascontiguousarray(np.concatenate(blocks)))
    return {"weight_ih_l0": stack([params["W_" + g][:, H:] for g in order]),
            "weight_hh_l0": stack([params["W_" + g][:, :H] for g in order]),
            "bias_ih_l0": stack([params["b_" + g] for g in order]),
            "bias_hh_l0": torch.zeros(4 * H, dtype=torch.from_numpy(params["b_f"]).dtype)}


def model_params(seed, V, E, H, dtype=np.float64):
    rng = np.random.default_rng(seed)
    params = {"W_emb": rng.normal(size=(V, E)), "W_hy": 0.5 * rng.normal(size=(V, H)), "b_y": rng.normal(size=V)}
    for g in "fico":
        params["W_" + g] = 0.5 * rng.normal(size=(H, H + E))
        params["b_" + g] = rng.normal(size=H)
    return {k: v.astype(dtype) for k, v in params.items()}


def torch_loss(params, x_ids, y_ids, mask, h0, c0, dtype):
    """The same model in torch.nn (Embedding, LSTM, masked cross-entropy): (loss, grads, h_T, c_T)."""
    V, E = params["W_emb"].shape
    H = params["b_f"].shape[0]
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    emb = torch.nn.Embedding(V, E).to(tdtype)
    layer = torch.nn.LSTM(E, H, batch_first=True).to(tdtype)
    readout = torch.nn.Linear(H, V).to(tdtype)
    with torch.no_grad():
        emb.weight.copy_(torch.from_numpy(params["W_emb"]))
        layer.load_state_dict(lecture_params_to_torch(params, E, H))
        readout.weight.copy_(torch.from_numpy(params["W_hy"]))
        readout.bias.copy_(torch.from_numpy(params["b_y"]))
    out, (h_T, c_T) = layer(emb(torch.from_numpy(x_ids)), (torch.from_numpy(h0)[None], torch.from_numpy(c0)[None]))
    logits = readout(out)
    per = torch.nn.functional.cross_entropy(logits.reshape(-1, V), torch.from_numpy(y_ids).reshape(-1),
                                            reduction="none")
    m = torch.from_numpy(mask.astype(dtype)).reshape(-1)
    loss = (per * m).sum() / m.sum()
    loss.backward()
    lecture = lstm.params_from_torch({k: v.grad for k, v in layer.named_parameters()} |
                                     {"bias_hh_l0": layer.bias_hh_l0.grad * 0})
    grads = {"W_emb": emb.weight.grad.numpy(), "W_hy": readout.weight.grad.numpy(),
             "b_y": readout.bias.grad.numpy(), **lecture}
    return loss.item(), grads, h_T[0].detach().numpy(), c_T[0].detach().numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_embedding_forward_is_one_hot_times_matrix_and_equals_nn_embedding(dtype):
    rng = np.random.default_rng(0)
    W = rng.normal(size=(7, 3)).astype(dtype)
    ids = np.array([[0, 3, 3], [6, 0, 1]])
    got = ref.embedding_forward(ids, W)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, np.eye(7, dtype=dtype)[ids] @ W, atol=TOL[dtype])
    emb = torch.nn.Embedding.from_pretrained(torch.from_numpy(W))
    np.testing.assert_allclose(got, emb(torch.from_numpy(ids)).numpy(), atol=TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_embedding_backward_equals_autograd_with_repeated_ids(dtype):
    rng = np.random.default_rng(1)
    W = torch.tensor(rng.normal(size=(6, 4)).astype(dtype), requires_grad=True)
    ids = np.array([[2, 2, 2, 5], [2, 0, 5, 5]])                      # 2 four times, 5 three times, 1 never
    g = rng.normal(size=(2, 4, 4)).astype(dtype)
    (torch.nn.functional.embedding(torch.from_numpy(ids), W) * torch.from_numpy(g)).sum().backward()
    got = ref.embedding_backward(g, ids, 6)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, W.grad.numpy(), atol=TOL[dtype])
    assert not got[1].any() and not got[3].any() and not got[4].any()
    wrong = np.zeros((6, 4), dtype)
    wrong[ids.ravel()] += g.reshape(-1, 4)                             # buffered: one of the repeats survives
    assert not np.allclose(wrong[2], got[2])


def padded(N, T, where):
    """An (N, T) mask: row 0 padded at the end or, for "start and middle", at its start and row 1 in its middle;
    the last row all padding."""
    mask = np.ones((N, T))
    if where == "end":
        mask[0, 3:] = 0
    else:
        mask[0, :2] = 0
        mask[1, 1:3] = 0
    mask[-1, :] = 0
    return mask


@pytest.mark.parametrize("where", ["end", "start and middle"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_temporal_softmax_loss_equals_masked_torch_cross_entropy(dtype, where):
    rng = np.random.default_rng(2)
    N, T, V = 3, 5, 7
    logits = (3 * rng.normal(size=(N, T, V))).astype(dtype)
    targets = rng.integers(0, V, size=(N, T))
    mask = padded(N, T, where)
    x = torch.tensor(logits, requires_grad=True)
    per = torch.nn.functional.cross_entropy(x.reshape(-1, V), torch.from_numpy(targets).reshape(-1), reduction="none")
    m = torch.from_numpy(mask.astype(dtype)).reshape(-1)
    loss = (per * m).sum() / m.sum()
    loss.backward()
    got_loss, got_grad = ref.temporal_softmax_loss(logits, targets, mask)
    assert got_grad.dtype == dtype
    assert got_loss == pytest.approx(loss.item(), abs=TOL[dtype])
    np.testing.assert_allclose(got_grad, x.grad.numpy(), atol=TOL[dtype])
    assert not got_grad[mask == 0].any()


def test_temporal_softmax_loss_is_stable_and_handles_an_empty_mask():
    logits = np.array([[[1000.0, 0.0, -1000.0]]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, grad = ref.temporal_softmax_loss(logits, np.array([[1]]), np.ones((1, 1)))
    assert loss == pytest.approx(1000.0)
    np.testing.assert_allclose(grad, [[[1.0, -1.0, 0.0]]], atol=1e-12)
    loss, grad = ref.temporal_softmax_loss(logits, np.array([[1]]), np.zeros((1, 1)))
    assert loss == 0.0 and not grad.any()
    loss, grad = ref.temporal_softmax_loss(logits.astype(np.float32), np.array([[1]]), np.zeros((1, 1)))
    assert loss == 0.0 and not grad.any() and grad.dtype == np.float32


def test_stream_batches_rows_are_consecutive_pieces():
    chunks = ref.stream_batches(np.arange(23), 2, 4)                 # n = 11: rows 0..10 and 11..21
    assert [x.shape for x, _ in chunks] == [(2, 4), (2, 4), (2, 3)]
    x = np.concatenate([c[0] for c in chunks], axis=1)
    y = np.concatenate([c[1] for c in chunks], axis=1)
    np.testing.assert_array_equal(x, [np.arange(11), np.arange(11, 22)])
    np.testing.assert_array_equal(y, x + 1)
    assert all(c[0].dtype == np.int64 for c in chunks)


@pytest.mark.parametrize("where", ["end", "start and middle"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_backward_equals_torch_nn(dtype, where):
    V, E, H, N, T = 9, 4, 5, 3, 6
    params = model_params(3, V, E, H, dtype)
    rng = np.random.default_rng(4)
    x_ids, y_ids = rng.integers(0, V, (N, T)), rng.integers(0, V, (N, T))
    x_ids[0, :3] = 2                                                   # repeated ids in the embedding
    mask = padded(N, T, where)
    h0, c0 = rng.normal(size=(N, H)).astype(dtype), rng.normal(size=(N, H)).astype(dtype)
    loss, grads, h_T, c_T = ref.lm_forward_backward(params, x_ids, y_ids, mask, h0, c0)
    t_loss, t_grads, t_h, t_c = torch_loss(params, x_ids, y_ids, mask, h0, c0, dtype)
    tol = TOL[dtype]
    assert loss == pytest.approx(t_loss, abs=tol)
    np.testing.assert_allclose(h_T, t_h, atol=tol)
    np.testing.assert_allclose(c_T, t_c, atol=tol)
    for k in ref.LM_PARAM_NAMES:
        assert grads[k].dtype == dtype, k
        np.testing.assert_allclose(grads[k], t_grads[k], atol=tol, err_msg=k)


def test_train_step_clips_by_global_norm_and_leaves_params_alone():
    V, E, H, N, T = 6, 3, 4, 2, 5
    params = model_params(5, V, E, H)
    before = {k: v.copy() for k, v in params.items()}
    rng = np.random.default_rng(6)
    x_ids, y_ids, mask = rng.integers(0, V, (N, T)), rng.integers(0, V, (N, T)), np.ones((N, T))
    h0 = c0 = np.zeros((N, H))
    loss, grads, h_T, c_T = ref.lm_forward_backward(params, x_ids, y_ids, mask, h0, c0)
    norm = np.sqrt(sum((g ** 2).sum() for g in grads.values()))
    new, got_loss, got_norm, got_h, got_c = ref.lm_train_step(params, x_ids, y_ids, mask, h0, c0, 0.1, norm / 2)
    assert got_norm == pytest.approx(norm) and got_loss == pytest.approx(loss)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        np.testing.assert_allclose(new[k], params[k] - 0.1 * grads[k] / 2, atol=1e-12)
    np.testing.assert_allclose(got_h, h_T)


def test_a_float32_step_in_which_nothing_counts_changes_no_parameter_but_carries_the_state():
    V, E, H, N, T = 6, 3, 4, 2, 5
    params = model_params(12, V, E, H, np.float32)
    rng = np.random.default_rng(13)
    x_ids, y_ids = rng.integers(0, V, (N, T)), rng.integers(0, V, (N, T))
    h0, c0 = rng.normal(size=(N, H)).astype(np.float32), rng.normal(size=(N, H)).astype(np.float32)
    with np.errstate(all="raise"):
        new, loss, norm, h_T, c_T = ref.lm_train_step(params, x_ids, y_ids, np.zeros((N, T)), h0, c0, 0.1, 1.0)
    assert loss == 0.0 and norm == 0.0
    for k in params:
        assert new[k].dtype == np.float32
        np.testing.assert_array_equal(new[k], params[k])
    _, _, t_h, t_c = torch_loss(params, x_ids, y_ids, np.ones((N, T)), h0, c0, np.float32)   # the same forward
    np.testing.assert_allclose(h_T, t_h, atol=TOL[np.float32])
    np.testing.assert_allclose(c_T, t_c, atol=TOL[np.float32])


def test_carried_state_makes_chunks_equal_one_long_forward():
    """Two chunks with the state carried give the same last state and loss sum as one chunk of twice the length."""
    V, E, H = 5, 3, 4
    params = model_params(7, V, E, H)
    rng = np.random.default_rng(8)
    ids = rng.integers(0, V, 41)
    (x1, y1), (x2, y2) = ref.stream_batches(ids, 2, 10)
    h0 = c0 = np.zeros((2, H))
    m = np.ones((2, 10))
    l1, _, h1, c1 = ref.lm_forward_backward(params, x1, y1, m, h0, c0)
    l2, _, h2, c2 = ref.lm_forward_backward(params, x2, y2, m, h1, c1)
    lw, _, hw, cw = ref.lm_forward_backward(params, np.hstack([x1, x2]), np.hstack([y1, y2]), np.ones((2, 20)), h0, c0)
    assert (l1 + l2) / 2 == pytest.approx(lw, abs=1e-12)
    np.testing.assert_allclose(h2, hw, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_with_temperature_equals_torch(dtype):
    logits = np.random.default_rng(9).normal(size=(4, 6)).astype(dtype) * 3
    for T in (0.3, 1.0, 2.5):
        want = torch.softmax(torch.from_numpy(logits) / T, dim=-1).numpy()
        got = ref.softmax_with_temperature(logits, T)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, atol=TOL[dtype])
    greedy = ref.softmax_with_temperature(logits, 0.0)
    np.testing.assert_array_equal(greedy.argmax(-1), logits.argmax(-1))
    np.testing.assert_allclose(ref.softmax_with_temperature(logits, 1e-6), greedy, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_with_temperature_far_below_1_on_close_logits_equals_torch(dtype):
    logits = (0.002 * np.random.default_rng(14).normal(size=(4, 6))).astype(dtype)
    for T in (1e-3, 0.05):
        want = torch.softmax(torch.from_numpy(logits) / T, dim=-1).numpy()
        with np.errstate(all="raise"):
            got = ref.softmax_with_temperature(logits, T)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, atol=TOL[dtype])
    assert ref.softmax_with_temperature(logits, 1e-3).max() < 0.99, "close logits at 0.001 are not one-hot yet"


def test_sample_next_at_a_small_temperature_draws_from_close_logits_and_leaves_them_alone():
    logits = np.array([[0.0, 0.001, 0.002]])                           # / 0.001: softmax([0, 1, 2])
    rng = np.random.default_rng(15)
    counts = np.bincount([ref.sample_next(logits, 1e-3, rng)[0] for _ in range(4000)], minlength=3) / 4000
    np.testing.assert_allclose(counts, np.exp([0, 1, 2]) / np.exp([0, 1, 2]).sum(), atol=0.03)
    np.testing.assert_array_equal(logits, [[0.0, 0.001, 0.002]])


def test_sample_next_uses_the_generator_one_draw_per_row():
    logits = np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]))
    got = ref.sample_next(logits, 1.0, np.random.default_rng(10))
    rng = np.random.default_rng(10)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, [rng.choice(3, p=[0.1, 0.2, 0.7]), rng.choice(3, p=[0.5, 0.25, 0.25])])
    rng = np.random.default_rng(11)
    state = rng.bit_generator.state
    np.testing.assert_array_equal(ref.sample_next(logits, 0.0, rng), [2, 0])
    assert rng.bit_generator.state == state, "greedy decoding must not draw"
    counts = np.bincount([ref.sample_next(logits[:1], 1.0, rng)[0] for _ in range(4000)], minlength=3) / 4000
    np.testing.assert_allclose(counts, [0.1, 0.2, 0.7], atol=0.03)
