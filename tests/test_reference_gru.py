"""The a04 GRU reference equals torch.nn.GRU / nn.GRUCell, its backward equals torch.autograd, and the
conventions behave as the chapter says (reset before != reset after; the z side is a relabelling)."""
import numpy as np
import pytest
import torch

from autograder.reference import gru
from autograder.reference.bptt import numerical_gradient


def torch_gru(D, H, dtype, cell=False):
    layer = (torch.nn.GRUCell(D, H) if cell else torch.nn.GRU(D, H, batch_first=True)).to(dtype)
    with torch.no_grad():  # non-zero, distinct biases on both sides, so a dropped or misplaced bias cannot pass
        for p in layer.parameters():
            p.normal_(0.0, 0.7)
    return layer


def cell_state_dict(cell):
    """nn.GRUCell's state dict under nn.GRU's names."""
    return {name + "_l0": value for name, value in cell.state_dict().items()}


@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-10), (torch.float32, 1e-5)])
@pytest.mark.parametrize("D, H", [(4, 5), (5, 5), (3, 1)])
def test_gru_forward_equals_torch(dtype, tol, D, H):
    N, T = 3, 7
    layer = torch_gru(D, H, dtype)
    x, h0 = torch.randn(N, T, D, dtype=dtype), torch.randn(1, N, H, dtype=dtype)
    expected, h_last = layer(x, h0)
    params = gru.params_from_torch(layer.state_dict())
    got = gru.gru_forward(x.numpy(), h0[0].numpy(), params)  # reset="after" is the default
    np.testing.assert_allclose(got, expected.detach().numpy(), rtol=0, atol=tol)
    np.testing.assert_allclose(got[:, -1], h_last[0].detach().numpy(), rtol=0, atol=tol)


def test_gru_step_equals_torch_gru_cell():
    cell = torch_gru(4, 6, torch.float64, cell=True)
    x, h = torch.randn(2, 4, dtype=torch.float64), torch.randn(2, 6, dtype=torch.float64)
    params = gru.params_from_torch(cell_state_dict(cell))
    np.testing.assert_allclose(gru.gru_step(x.numpy(), h.numpy(), params), cell(x, h).detach().numpy(),
                               rtol=0, atol=1e-12)


def test_gates_and_candidate_equal_torch_formulas():
    """The documented torch.nn.GRU equations, written with torch ops on the stacked (r, z, n) tensors."""
    cell = torch_gru(3, 4, torch.float64, cell=True)
    x, h = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, 4, dtype=torch.float64)
    gi = x @ cell.weight_ih.T + cell.bias_ih
    gh = h @ cell.weight_hh.T + cell.bias_hh
    i_r, i_z, i_n = gi.chunk(3, dim=1)
    h_r, h_z, h_n = gh.chunk(3, dim=1)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    p = gru.params_from_torch(cell_state_dict(cell))
    xn, hn = x.numpy(), h.numpy()
    np.testing.assert_allclose(gru.reset_gate(xn, hn, p), r.detach().numpy(), rtol=0, atol=1e-14)
    np.testing.assert_allclose(gru.update_gate(xn, hn, p), z.detach().numpy(), rtol=0, atol=1e-14)
    np.testing.assert_allclose(gru.candidate(xn, hn, r.detach().numpy(), p), n.detach().numpy(), rtol=0, atol=1e-14)
    # Cho et al.'s "reset before", written in torch ops with the same weights.
    W_hn, b_hn = cell.weight_hh[8:], cell.bias_hh[8:]
    n_before = torch.tanh(i_n + (r * h) @ W_hn.T + b_hn)
    np.testing.assert_allclose(gru.candidate(xn, hn, r.detach().numpy(), p, reset="before"),
                               n_before.detach().numpy(), rtol=0, atol=1e-14)


def test_loader_reads_torch_gate_order():
    cell = torch_gru(2, 3, torch.float64, cell=True)
    p = gru.params_from_torch(cell_state_dict(cell))
    W_ih, W_hh = cell.weight_ih.detach().numpy(), cell.weight_hh.detach().numpy()
    b_ih, b_hh = cell.bias_ih.detach().numpy(), cell.bias_hh.detach().numpy()
    np.testing.assert_array_equal(p["W_r"], W_ih[0:3])
    np.testing.assert_array_equal(p["U_z"], W_hh[3:6])
    np.testing.assert_array_equal(p["W_n"], W_ih[6:9])
    np.testing.assert_array_equal(p["b_z"], b_ih[3:6] + b_hh[3:6])
    np.testing.assert_array_equal(p["b_in"], b_ih[6:9])
    np.testing.assert_array_equal(p["b_hn"], b_hh[6:9])
    assert set(p) == set(gru.PARAM_NAMES)
    assert all(isinstance(v, np.ndarray) for v in p.values())


def test_reset_before_and_after_are_different_functions():
    layer = torch_gru(4, 5, torch.float64)
    p = gru.params_from_torch(layer.state_dict())
    x, h0 = np.random.default_rng(1).normal(size=(3, 8, 4)), np.zeros((3, 5))
    after, before = gru.gru_forward(x, h0, p, reset="after"), gru.gru_forward(x, h0, p, reset="before")
    assert np.abs(after - before).max() > 1e-2
    # ... but agree when the reset gate is pinned open (r = 1): then both are the simplified GRU.
    p.update(W_r=0 * p["W_r"], U_r=0 * p["U_r"], b_r=np.full(5, 40.0))
    np.testing.assert_allclose(gru.gru_forward(x, h0, p, reset="after"), gru.gru_forward(x, h0, p, reset="before"),
                               rtol=0, atol=1e-14)
    h = h0
    for t in range(x.shape[1]):
        h = gru.simplified_gru_step(x[:, t], h, p)
    np.testing.assert_allclose(h, gru.gru_forward(x, h0, p)[:, -1], rtol=0, atol=1e-14)


def test_z_side_is_a_relabelling():
    """Chung's h = (1 - z') h_prev + z' n equals torch's cell when z' uses negated W_z, U_z, b_z."""
    p = gru.params_from_torch(torch_gru(3, 4, torch.float64).state_dict())
    rng = np.random.default_rng(2)
    x, h = rng.normal(size=(6, 3)), rng.normal(size=(6, 4))
    flipped = {**p, "W_z": -p["W_z"], "U_z": -p["U_z"], "b_z": -p["b_z"]}
    z_prime = gru.update_gate(x, h, flipped)
    n = gru.candidate(x, h, gru.reset_gate(x, h, p), p)
    np.testing.assert_allclose((1 - z_prime) * h + z_prime * n, gru.gru_step(x, h, p), rtol=0, atol=1e-14)


def test_simplified_gru_equals_torch_gru_with_reset_pinned_open():
    cell = torch_gru(3, 4, torch.float64, cell=True)
    with torch.no_grad():
        cell.weight_ih[:4] = 0
        cell.weight_hh[:4] = 0
        cell.bias_ih[:4] = 40.0
        cell.bias_hh[:4] = 0
    p = gru.params_from_torch(cell_state_dict(cell))
    for key in ("W_r", "U_r", "b_r"):
        del p[key]
    x, h = torch.randn(3, 3, dtype=torch.float64), torch.randn(3, 4, dtype=torch.float64)
    np.testing.assert_allclose(gru.simplified_gru_step(x.numpy(), h.numpy(), p), cell(x, h).detach().numpy(),
                               rtol=0, atol=1e-14)


def relative_error(a, b):
    return np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b)))


@pytest.mark.parametrize("N, D, H", [(3, 4, 5), (1, 5, 5), (4, 2, 1)])
def test_backward_equals_torch_autograd(N, D, H):
    cell = torch_gru(D, H, torch.float64, cell=True)
    x = torch.randn(N, D, dtype=torch.float64, requires_grad=True)
    h = torch.randn(N, H, dtype=torch.float64, requires_grad=True)
    dh_next = torch.randn(N, H, dtype=torch.float64)
    (cell(x, h) * dh_next).sum().backward()
    p = gru.params_from_torch(cell_state_dict(cell))
    h_next, cache = gru.gru_step_forward(x.detach().numpy(), h.detach().numpy(), p)
    np.testing.assert_allclose(h_next, cell(x, h).detach().numpy(), rtol=0, atol=1e-12)
    dx, dh_prev, grads = gru.gru_step_backward(dh_next.numpy(), cache)
    g_ih, g_hh = cell.weight_ih.grad.numpy(), cell.weight_hh.grad.numpy()
    gb_ih, gb_hh = cell.bias_ih.grad.numpy(), cell.bias_hh.grad.numpy()
    r, z, n = slice(0, H), slice(H, 2 * H), slice(2 * H, 3 * H)
    expected = {
        "W_r": g_ih[r], "U_r": g_hh[r], "b_r": gb_ih[r],
        "W_z": g_ih[z], "U_z": g_hh[z], "b_z": gb_ih[z],
        "W_n": g_ih[n], "b_in": gb_ih[n], "U_n": g_hh[n], "b_hn": gb_hh[n],
    }
    # A summed gate bias has the gradient of either of torch's two.
    np.testing.assert_allclose(gb_ih[:2 * H], gb_hh[:2 * H], rtol=0, atol=1e-14)
    assert set(grads) == set(gru.PARAM_NAMES)
    for key, value in expected.items():
        assert grads[key].shape == value.shape, key
        assert relative_error(grads[key], value) < 1e-8, key
    assert relative_error(dx, x.grad.numpy()) < 1e-8
    assert relative_error(dh_prev, h.grad.numpy()) < 1e-8


def test_backward_passes_a_finite_difference_check():
    rng = np.random.default_rng(3)
    N, D, H = 2, 3, 4
    p = {k: rng.normal(size=v.shape) for k, v in
         gru.params_from_torch(torch_gru(D, H, torch.float64).state_dict()).items()}
    x, h, dh_next = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))

    def loss():
        return np.sum(dh_next * gru.gru_step(x, h, p))

    dx, dh_prev, grads = gru.gru_step_backward(dh_next, gru.gru_step_forward(x, h, p)[1])
    for array, analytic in [(x, dx), (h, dh_prev)] + [(p[k], grads[k]) for k in gru.PARAM_NAMES]:
        numeric = numerical_gradient(lambda _: loss(), array)  # the a02 reference checker
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_unknown_reset_convention_is_an_error():
    p = gru.params_from_torch(torch_gru(2, 2, torch.float64).state_dict())
    with pytest.raises(ValueError, match="reset"):
        gru.gru_step(np.zeros((1, 2)), np.zeros((1, 2)), p, reset="sideways")
