"""The a03 reference LSTM equals torch.nn.LSTM / nn.LSTMCell, and its backward equals torch.autograd."""
import numpy as np
import pytest
import torch

from autograder.reference import lstm


def torch_lstm(D, H, dtype):
    layer = torch.nn.LSTM(D, H, batch_first=True).to(dtype)
    with torch.no_grad():  # non-zero, different biases, so a dropped or misplaced bias cannot pass
        layer.bias_ih_l0.normal_()
        layer.bias_hh_l0.normal_()
    return layer


@pytest.mark.parametrize("D, H", [(4, 5), (5, 5), (1, 3)])
@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-10), (torch.float32, 1e-5)])
def test_lstm_forward_equals_torch(D, H, dtype, tol):
    N, T = 3, 9
    layer = torch_lstm(D, H, dtype)
    x = torch.randn(N, T, D, dtype=dtype)
    h0, c0 = torch.randn(1, N, H, dtype=dtype), torch.randn(1, N, H, dtype=dtype)
    expected, (h_n, c_n) = layer(x, (h0, c0))
    params = lstm.params_from_torch(layer.state_dict())
    h, c = lstm.lstm_forward(x.numpy(), h0[0].numpy(), c0[0].numpy(), params)
    assert h.dtype == np.dtype(str(dtype).split(".")[1])
    np.testing.assert_allclose(h, expected.detach().numpy(), rtol=0, atol=tol)
    np.testing.assert_allclose(h[:, -1], h_n[0].detach().numpy(), rtol=0, atol=tol)
    np.testing.assert_allclose(c[:, -1], c_n[0].detach().numpy(), rtol=0, atol=tol)


def test_loader_shapes_and_notation():
    D, H = 3, 4
    layer = torch_lstm(D, H, torch.float64)
    params = lstm.params_from_torch(layer.state_dict())
    assert list(params) == list(lstm.PARAM_NAMES)
    for gate_index, gate in enumerate(("i", "f", "c", "o")):  # torch's (i, f, g, o)
        rows = slice(gate_index * H, (gate_index + 1) * H)
        assert params["W_" + gate].shape == (H, H + D) and params["b_" + gate].shape == (H,)
        np.testing.assert_array_equal(params["W_" + gate][:, :H], layer.weight_hh_l0[rows].detach().numpy())
        np.testing.assert_array_equal(params["W_" + gate][:, H:], layer.weight_ih_l0[rows].detach().numpy())
        np.testing.assert_array_equal(params["b_" + gate],
                                      (layer.bias_ih_l0 + layer.bias_hh_l0)[rows].detach().numpy())


def test_step_equals_torch_lstm_cell_and_gates_are_what_torch_computes():
    D, H, N = 4, 6, 2
    cell = torch.nn.LSTMCell(D, H).double()
    x, h, c = (torch.randn(N, n, dtype=torch.float64) for n in (D, H, H))
    state = {k + "_l0": v for k, v in cell.state_dict().items()}
    params = lstm.params_from_torch(state)
    h_next, c_next, cache = lstm.lstm_step_forward(x.numpy(), h.numpy(), c.numpy(), params)
    h_t, c_t = cell(x, (h, c))
    np.testing.assert_allclose(h_next, h_t.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(c_next, c_t.detach().numpy(), rtol=0, atol=1e-12)
    # torch's pre-activations, split in its own gate order
    gates = (x @ cell.weight_ih.T + cell.bias_ih + h @ cell.weight_hh.T + cell.bias_hh).detach()
    i, f, g, o = gates.chunk(4, dim=1)
    for name, expected in (("i", torch.sigmoid(i)), ("f", torch.sigmoid(f)), ("c_tilde", torch.tanh(g)),
                           ("o", torch.sigmoid(o))):
        np.testing.assert_allclose(cache[name], expected.numpy(), rtol=0, atol=1e-12)
    assert set(cache) == set(lstm.CACHE_KEYS)


def step_inputs(seed, N, D, H):
    rng = np.random.default_rng(seed)
    params = {name: rng.normal(scale=0.7, size=(H, H + D) if name[0] == "W" else (H,)) for name in lstm.PARAM_NAMES}
    return rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H)), params, \
        rng.normal(size=(N, H)), rng.normal(size=(N, H))


def torch_step_gradients(x, h, c, params, dh, dc):
    """dx, dh_prev, dc_prev, grads of sum(dh * h_next) + sum(dc * c_next) by torch.autograd, float64."""
    leaves = {k: torch.tensor(v, requires_grad=True) for k, v in dict(x=x, h=h, c=c, **params).items()}
    P = leaves
    z = torch.cat([P["h"], P["x"]], dim=1)
    f = torch.sigmoid(z @ P["W_f"].T + P["b_f"])
    i = torch.sigmoid(z @ P["W_i"].T + P["b_i"])
    g = torch.tanh(z @ P["W_c"].T + P["b_c"])
    o = torch.sigmoid(z @ P["W_o"].T + P["b_o"])
    c_next = f * P["c"] + i * g
    h_next = o * torch.tanh(c_next)
    ((torch.from_numpy(dh) * h_next).sum() + (torch.from_numpy(dc) * c_next).sum()).backward()
    grad = {k: v.grad.numpy() for k, v in leaves.items()}
    return grad["x"], grad["h"], grad["c"], {name: grad[name] for name in lstm.PARAM_NAMES}


def relative_error(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), 1e-300)


@pytest.mark.parametrize("N, D, H", [(3, 4, 5), (1, 2, 3), (4, 5, 5)])
def test_step_backward_equals_torch_autograd(N, D, H):
    x, h, c, params, dh, dc = step_inputs(N * 100 + D * 10 + H, N, D, H)
    _, _, cache = lstm.lstm_step_forward(x, h, c, params)
    got = lstm.lstm_step_backward(dh, dc, cache)
    expected = torch_step_gradients(x, h, c, params, dh, dc)
    for name, g, e in zip(("dx", "dh_prev", "dc_prev"), got[:3], expected[:3]):
        assert g.shape == e.shape
        assert relative_error(g, e) < 1e-8, name
    for name in lstm.PARAM_NAMES:
        assert got[3][name].shape == params[name].shape
        assert relative_error(got[3][name], expected[3][name]) < 1e-8, name


def test_step_backward_passes_a_numerical_gradient_check():
    x, h, c, params, dh, dc = step_inputs(7, 2, 3, 4)
    _, _, cache = lstm.lstm_step_forward(x, h, c, params)
    dx, dh_prev, dc_prev, grads = lstm.lstm_step_backward(dh, dc, cache)

    def loss():
        h_next, c_next, _ = lstm.lstm_step_forward(x, h, c, params)
        return np.sum(dh * h_next) + np.sum(dc * c_next)

    for array, analytic in [(x, dx), (h, dh_prev), (c, dc_prev)] + [(params[k], grads[k]) for k in lstm.PARAM_NAMES]:
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            old = array[index]
            array[index] = old + 1e-6
            up = loss()
            array[index] = old - 1e-6
            down = loss()
            array[index] = old
            numeric[index] = (up - down) / 2e-6
        assert relative_error(analytic, numeric) < 1e-7
