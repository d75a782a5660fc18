"""The a02 reference (autograder.reference.bptt) equals torch: forward, gradients, clipping, the gradient check."""
import numpy as np
import pytest
import torch

from autograder.reference import bptt, rnn


def torch_rnn(D, H, nonlinearity, dtype=torch.float64):
    layer = torch.nn.RNN(D, H, nonlinearity=nonlinearity, batch_first=True, dtype=dtype)
    with torch.no_grad():  # non-zero biases, so a dropped bias gradient cannot pass
        layer.bias_ih_l0.normal_()
        layer.bias_hh_l0.normal_()
    return layer


def weights(layer):
    return (layer.weight_ih_l0.detach().numpy(), layer.weight_hh_l0.detach().numpy(),
            (layer.bias_ih_l0 + layer.bias_hh_l0).detach().numpy())


def torch_gradients(layer, x, h0, dh):
    """(dx, dh0, dW_xh, dW_hh, db_h) of L = sum(dh * out) by torch.autograd; db_h = grad of b_ih (= of b_hh)."""
    x = torch.tensor(x, requires_grad=True)
    h0 = torch.tensor(h0[None], requires_grad=True)
    out, _ = layer(x, h0)
    (out * torch.from_numpy(dh)).sum().backward()
    grads = (x.grad, h0.grad[0], layer.weight_ih_l0.grad, layer.weight_hh_l0.grad, layer.bias_ih_l0.grad)
    torch.testing.assert_close(layer.bias_ih_l0.grad, layer.bias_hh_l0.grad, rtol=1e-12, atol=1e-14)
    return out.detach().numpy(), [g.numpy() for g in grads]


def assert_close_relative(got, expected, tol, what):
    error = bptt.relative_error(got, expected)
    assert error < tol, f"{what}: relative error {error:.3g} >= {tol:g}"


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-10), (torch.float32, 1e-5)])
def test_forward_with_cache_equals_torch_and_a01(nonlinearity, dtype, tol):
    N, T, D, H = 3, 7, 4, 5
    layer = torch_rnn(D, H, nonlinearity, dtype)
    x, h0 = torch.randn(N, T, D, dtype=dtype), torch.randn(N, H, dtype=dtype)
    expected, _ = layer(x, h0[None])
    h, cache = bptt.rnn_forward(x.numpy(), h0.numpy(), *weights(layer), nonlinearity=nonlinearity)
    np.testing.assert_allclose(h, expected.detach().numpy(), rtol=0, atol=tol)
    np.testing.assert_array_equal(h, rnn.rnn_forward(x.numpy(), h0.numpy(), *weights(layer), nonlinearity))
    assert len(cache) == T and sorted(cache[0]) == sorted(
        ["x_t", "h_prev", "W_xh", "W_hh", "b_h", "a", "h_next", "nonlinearity"])
    for t in range(T):
        np.testing.assert_array_equal(cache[t]["h_next"], h[:, t])
        np.testing.assert_array_equal(cache[t]["h_prev"], h[:, t - 1] if t else h0.numpy())


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("N, T", [(3, 8), (1, 5), (2, 1), (1, 1)])
def test_bptt_equals_torch_autograd(nonlinearity, N, T):
    D, H = 4, 5
    layer = torch_rnn(D, H, nonlinearity)
    x, h0 = torch.randn(N, T, D, dtype=torch.float64).numpy(), torch.randn(N, H, dtype=torch.float64).numpy()
    dh = torch.randn(N, T, H, dtype=torch.float64).numpy()
    out, expected = torch_gradients(layer, x, h0, dh)
    h, cache = bptt.rnn_forward(x, h0, *weights(layer), nonlinearity)
    got = bptt.rnn_backward(dh, cache)
    for name, g, e in zip(["dx", "dh0", "dW_xh", "dW_hh", "db_h"], got, expected):
        assert g.shape == e.shape, name
        assert_close_relative(g, e, 1e-10, name)
        np.testing.assert_allclose(g, e, rtol=1e-8, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_step_backward_equals_torch_rnn_cell(nonlinearity):
    cell = torch.nn.RNNCell(4, 6, nonlinearity=nonlinearity, dtype=torch.float64)
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    h = torch.randn(3, 6, dtype=torch.float64, requires_grad=True)
    dh_next = torch.randn(3, 6, dtype=torch.float64)
    cell(x, h).backward(dh_next)
    b_h = (cell.bias_ih + cell.bias_hh).detach().numpy()
    _, cache = bptt.rnn_step_forward(x.detach().numpy(), h.detach().numpy(), cell.weight_ih.detach().numpy(),
                                     cell.weight_hh.detach().numpy(), b_h, nonlinearity)
    got = bptt.rnn_step_backward(dh_next.numpy(), cache)
    expected = [x.grad, h.grad, cell.weight_ih.grad, cell.weight_hh.grad, cell.bias_ih.grad]
    for name, g, e in zip(["dx_t", "dh_prev", "dW_xh", "dW_hh", "db_h"], got, expected):
        np.testing.assert_allclose(g, e.numpy(), rtol=1e-10, atol=1e-13, err_msg=name)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("T", [1, 2, 12])
def test_gradient_norm_at_first_step_equals_torch(nonlinearity, T):
    N, D, H = 3, 4, 5
    layer = torch_rnn(D, H, nonlinearity)
    cell = torch.nn.RNNCell(D, H, nonlinearity=nonlinearity, dtype=torch.float64)
    with torch.no_grad():  # the same weights, one step at a time, so that h_1 is a tensor we can ask about
        for mine, theirs in zip(cell.parameters(), layer.parameters()):
            mine.copy_(theirs)
    x = torch.randn(N, T, D, dtype=torch.float64)
    h0 = torch.randn(N, H, dtype=torch.float64)
    dh_T = torch.randn(N, H, dtype=torch.float64)
    states = [cell(x[:, 0], h0)]
    states[0].retain_grad()
    for t in range(1, T):
        states.append(cell(x[:, t], states[-1]))
    np.testing.assert_allclose(torch.stack(states, 1).detach().numpy(), layer(x, h0[None])[0].detach().numpy(),
                               rtol=0, atol=1e-12)
    (states[-1] * dh_T).sum().backward()
    expected = states[0].grad.norm(dim=1).numpy()
    got = bptt.gradient_norm_at_first_step(x.numpy(), h0.numpy(), *weights(layer), dh_T.numpy(), nonlinearity)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=0)


def test_gradient_norm_in_the_linear_regime_is_a_matrix_power():
    """h stays 0 when x, b and h0 are 0; tanh'(0) = 1, so dL/dh_1 = dh_T W_hh^(T-1) exactly."""
    rng = np.random.default_rng(0)
    H, T = 6, 9
    W_hh = rng.normal(size=(H, H)) / np.sqrt(H)
    dh_T = rng.normal(size=(2, H))
    got = bptt.gradient_norm_at_first_step(np.zeros((2, T, 3)), np.zeros((2, H)), rng.normal(size=(H, 3)), W_hh,
                                           np.zeros(H), dh_T)
    np.testing.assert_allclose(got, np.linalg.norm(dh_T @ np.linalg.matrix_power(W_hh, T - 1), axis=1), rtol=1e-12)


@pytest.mark.parametrize("max_norm", [0.5, 3.0, 1e3])
def test_clip_by_global_norm_equals_torch_and_leaves_inputs_alone(max_norm):
    rng = np.random.default_rng(1)
    grads = [rng.normal(size=(4, 3)), rng.normal(size=(4, 4)), rng.normal(size=4)]
    originals = [g.copy() for g in grads]
    clipped, total = bptt.clip_by_global_norm(grads, max_norm)
    params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.from_numpy(g.copy())
    torch_total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    assert total == pytest.approx(float(torch_total), rel=1e-12)
    for c, p in zip(clipped, params):  # torch divides by (total + 1e-6)
        np.testing.assert_allclose(c, p.grad.numpy(), rtol=1e-6, atol=0)
    for g, o, c in zip(grads, originals, clipped):
        np.testing.assert_array_equal(g, o)
        assert c is not g
    if total > max_norm:
        new_total = np.sqrt(sum(np.sum(c ** 2) for c in clipped))
        assert new_total == pytest.approx(max_norm, rel=1e-12)
        for c, g in zip(clipped, grads):  # norm clipping keeps the direction
            assert bptt.relative_error(c / max_norm, g / total) < 1e-14


def test_clip_zero_gradients_and_dtype():
    with np.errstate(all="raise"):
        clipped, total = bptt.clip_by_global_norm([np.zeros(3), np.zeros((2, 2))], 1.0)
    assert total == 0.0 and all(not np.any(c) for c in clipped)
    clipped, _ = bptt.clip_by_global_norm([np.full(4, 10.0, dtype=np.float32)], 1.0)
    assert clipped[0].dtype == np.float32


def test_numerical_gradient_agrees_with_torch_autograd_and_restores_its_input():
    N, T, D, H = 2, 5, 3, 4
    layer = torch_rnn(D, H, "tanh")
    x, h0 = torch.randn(N, T, D, dtype=torch.float64), torch.randn(N, H, dtype=torch.float64)
    dh = torch.randn(N, T, H, dtype=torch.float64).numpy()
    _, (_, _, dW_xh, dW_hh, db_h) = torch_gradients(layer, x.numpy(), h0.numpy(), dh)
    W_xh, W_hh, b_h = (w.copy() for w in weights(layer))

    def loss(_):
        return np.sum(dh * bptt.rnn_forward(x.numpy(), h0.numpy(), W_xh, W_hh, b_h)[0])

    for name, param, expected in (("W_xh", W_xh, dW_xh), ("W_hh", W_hh, dW_hh), ("b_h", b_h, db_h)):
        before = param.copy()
        numeric = bptt.numerical_gradient(loss, param)
        np.testing.assert_array_equal(param, before)
        assert bptt.relative_error(numeric, expected) < 1e-8, name


def test_centred_difference_beats_the_forward_difference():
    x = np.random.default_rng(2).normal(size=(3, 4))
    exact = 3 * x ** 2
    centred = bptt.numerical_gradient(lambda v: np.sum(v ** 3), x.copy())
    forward = np.array([(np.sum((x + 1e-6 * np.eye(12)[i].reshape(3, 4)) ** 3) - np.sum(x ** 3)) / 1e-6
                        for i in range(12)]).reshape(3, 4)
    assert bptt.relative_error(centred, exact) < 1e-9
    assert bptt.relative_error(forward, exact) > 1e-8


def test_numerical_gradient_restores_x_even_when_f_fails():
    x = np.arange(4.0)

    def explodes(v):
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError):
        bptt.numerical_gradient(explodes, x)
    np.testing.assert_array_equal(x, np.arange(4.0))


def test_relative_error_properties():
    a = np.random.default_rng(3).normal(size=(2, 3, 4))
    b = a + 1e-3
    assert bptt.relative_error(a, a) == 0.0
    assert bptt.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert bptt.relative_error(a, np.zeros_like(a)) == 1.0
    assert bptt.relative_error(a, b) == pytest.approx(bptt.relative_error(b, a), rel=1e-15)
    assert bptt.relative_error(1e-9 * a, 1e-9 * b) == pytest.approx(bptt.relative_error(a, b), rel=1e-12)
    assert isinstance(bptt.relative_error(1.0, 2.0), float)
