"""The a05 references equal torch.nn.RNN stacks (deep, bidirectional, both) with weights copied across."""
import numpy as np
import pytest
import torch

from autograder.reference import deep, rnn
from autograder.reference.activations import sigmoid


def torch_stack(D, H, L, bidirectional, nonlinearity="tanh", dtype=torch.float64):
    module = torch.nn.RNN(D, H, num_layers=L, bidirectional=bidirectional, nonlinearity=nonlinearity,
                          batch_first=True).to(dtype)
    with torch.no_grad():  # non-zero biases everywhere, so a dropped bias cannot pass
        for name, value in module.named_parameters():
            if name.startswith("bias"):
                value.normal_()
    return module


def layer_params(module, l, suffix=""):
    get = lambda name: getattr(module, f"{name}_l{l}{suffix}").detach().numpy()
    return get("weight_ih"), get("weight_hh"), get("bias_ih") + get("bias_hh")


def stack_params(module):
    if module.bidirectional:
        return [(layer_params(module, l), layer_params(module, l, "_reverse")) for l in range(module.num_layers)]
    return [layer_params(module, l) for l in range(module.num_layers)]


def run_torch(module, x, h0):
    out, h_n = module(torch.from_numpy(x), torch.from_numpy(h0))
    return out.detach().numpy(), h_n.detach().numpy()


def inputs(N, T, D, H, rows, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, T, D)).astype(dtype), (0.5 * rng.standard_normal((rows, N, H))).astype(dtype)


TOLERANCES = [(torch.float64, np.float64, 1e-10), (torch.float32, np.float32, 1e-5)]


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("L", [1, 2, 3])
@pytest.mark.parametrize("torch_dtype, np_dtype, tol", TOLERANCES)
def test_stacked_equals_torch(nonlinearity, L, torch_dtype, np_dtype, tol):
    N, T, D, H = 3, 6, 4, 5
    module = torch_stack(D, H, L, False, nonlinearity, torch_dtype)
    x, h0 = inputs(N, T, D, H, L, np_dtype)
    out, h_n = deep.stacked_rnn_forward(x, h0, stack_params(module), nonlinearity)
    expected_out, expected_h_n = run_torch(module, x, h0)
    np.testing.assert_allclose(out, expected_out, rtol=0, atol=tol)
    np.testing.assert_allclose(h_n, expected_h_n, rtol=0, atol=tol)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("torch_dtype, np_dtype, tol", TOLERANCES)
def test_bidirectional_layer_equals_torch(nonlinearity, torch_dtype, np_dtype, tol):
    N, T, D, H = 3, 7, 4, 5
    module = torch_stack(D, H, 1, True, nonlinearity, torch_dtype)
    x, h0 = inputs(N, T, D, H, 2, np_dtype, seed=1)
    (fwd, bwd), = stack_params(module)
    out, h_n = deep.bidirectional_rnn_forward(x, h0, fwd, bwd, nonlinearity)
    expected_out, expected_h_n = run_torch(module, x, h0)
    assert out.shape == (N, T, 2 * H) and h_n.shape == (2, N, H)
    np.testing.assert_allclose(out, expected_out, rtol=0, atol=tol)
    np.testing.assert_allclose(h_n, expected_h_n, rtol=0, atol=tol)
    # The documented identities: final forward state at the last step, final backward state at the first.
    np.testing.assert_array_equal(h_n[0], out[:, -1, :H])
    np.testing.assert_array_equal(h_n[1], out[:, 0, H:])


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("L", [1, 2, 3])
@pytest.mark.parametrize("torch_dtype, np_dtype, tol", TOLERANCES)
def test_deep_bidirectional_equals_torch(nonlinearity, L, torch_dtype, np_dtype, tol):
    N, T, D, H = 2, 5, 3, 4
    module = torch_stack(D, H, L, True, nonlinearity, torch_dtype)
    x, h0 = inputs(N, T, D, H, 2 * L, np_dtype, seed=2)
    out, h_n = deep.deep_bidirectional_rnn_forward(x, h0, stack_params(module), nonlinearity)
    expected_out, expected_h_n = run_torch(module, x, h0)
    np.testing.assert_allclose(out, expected_out, rtol=0, atol=tol)
    np.testing.assert_allclose(h_n, expected_h_n, rtol=0, atol=tol)


def test_dropout_scales_kept_units_and_shares_the_mask_across_time():
    rng = np.random.default_rng(3)
    N, T, H, p = 4, 6, 5, 0.25
    h = rng.standard_normal((N, T, H))
    mask = (rng.random((N, H)) >= p).astype(float)
    before = h.copy()
    got = deep.dropout_between_layers(h, mask, p)
    np.testing.assert_array_equal(h, before)  # not in place
    for t in range(T):
        np.testing.assert_allclose(got[:, t], h[:, t] * mask / (1 - p), rtol=0, atol=1e-15)
    dropped = np.broadcast_to(mask[:, None, :] == 0, got.shape)
    assert np.all(got[dropped] == 0) and dropped.any() and not dropped.all()
    # Inverted dropout keeps the expectation: average over many masks -> h.
    masks = (rng.random((20000, N, H)) >= p).astype(float)
    mean = np.mean([deep.dropout_between_layers(h, m, p) for m in masks[:4000]], axis=0)
    np.testing.assert_allclose(mean, h, atol=0.1 * np.abs(h).max())


def test_stacked_dropout_equals_torch_layers_with_the_masks_in_between():
    N, T, D, H, L, p = 3, 5, 4, 6, 3, 0.4
    rng = np.random.default_rng(4)
    layers = [torch_stack(D if l == 0 else H, H, 1, False) for l in range(L)]
    params = [layer_params(m, 0) for m in layers]
    x, h0 = inputs(N, T, D, H, L, seed=5)
    masks = [(rng.random((N, H)) >= p).astype(float) for _ in range(L - 1)]
    out, h_n = deep.stacked_rnn_forward_dropout(x, h0, params, masks, p)
    layer_input, finals = torch.from_numpy(x), []
    for l, module in enumerate(layers):
        layer_out, last = module(layer_input, torch.from_numpy(h0[l:l + 1]))
        finals.append(last)
        if l < L - 1:  # dropout between layers, the same mask at every step
            layer_out = layer_out * torch.from_numpy(masks[l])[:, None, :] / (1 - p)
        layer_input = layer_out
    np.testing.assert_allclose(out, layer_input.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(h_n, torch.cat(finals).detach().numpy(), rtol=0, atol=1e-10)
    # With every unit kept and p = 0 it is the plain stack; in eval mode torch's dropout= does nothing either.
    ones = [np.ones((N, H))] * (L - 1)
    plain = deep.stacked_rnn_forward(x, h0, params)
    for got, want in zip(deep.stacked_rnn_forward_dropout(x, h0, params, ones, 0.0), plain):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)
    module = torch_stack(D, H, L, False)
    module.dropout = 0.5
    module.eval()
    expected_out, _ = run_torch(module, x, h0)
    np.testing.assert_allclose(deep.stacked_rnn_forward(x, h0, stack_params(module))[0], expected_out,
                               rtol=0, atol=1e-10)


def test_irnn_init_is_identity_zero_bias_small_gaussian_inputs():
    W_xh, W_hh, b_h = deep.irnn_init(50, 80, seed=0, std=0.001)
    assert W_xh.shape == (80, 50) and W_hh.shape == (80, 80) and b_h.shape == (80,)
    np.testing.assert_array_equal(W_hh, np.eye(80))
    np.testing.assert_array_equal(b_h, np.zeros(80))
    assert abs(W_xh.std() / 0.001 - 1) < 0.05 and abs(W_xh.mean()) < 0.05 * 0.001
    np.testing.assert_array_equal(W_xh, deep.irnn_init(50, 80, seed=0, std=0.001)[0])
    assert not np.array_equal(W_xh, deep.irnn_init(50, 80, seed=1, std=0.001)[0])
    # With no input the IRNN copies its state forever: relu(I h + 0) = h for h >= 0.
    h0 = np.abs(np.random.default_rng(6).standard_normal((2, 80)))
    h = rnn.rnn_forward(np.zeros((2, 30, 50)), h0, W_xh, W_hh, b_h, nonlinearity="relu")
    np.testing.assert_array_equal(h[:, -1], h0)


class TorchSCRN(torch.nn.Module):
    """The SCRN written with torch ops, independently of the numpy reference."""

    def __init__(self, D, S, H, alpha):
        super().__init__()
        self.alpha = alpha
        self.B = torch.nn.Linear(D, S, bias=False)
        self.A = torch.nn.Linear(D, H, bias=False)
        self.P = torch.nn.Linear(S, H, bias=False)
        self.R = torch.nn.Linear(H, H, bias=False)

    def forward(self, x_t, s_prev, h_prev):
        s_t = (1 - self.alpha) * self.B(x_t) + self.alpha * s_prev
        return s_t, torch.sigmoid(self.P(s_t) + self.A(x_t) + self.R(h_prev))


@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.95, 1.0])
def test_scrn_step_equals_a_torch_implementation(alpha):
    N, D, S, H = 3, 4, 2, 5
    module = TorchSCRN(D, S, H, alpha).double()
    rng = np.random.default_rng(7)
    x, s, h = rng.standard_normal((N, D)), rng.standard_normal((N, S)), rng.random((N, H))
    params = {name: getattr(module, name).weight.detach().numpy() for name in "BAPR"}
    s_t, h_t = deep.scrn_step(x, s, h, params, alpha)
    expected_s, expected_h = module(*(torch.from_numpy(a) for a in (x, s, h)))
    np.testing.assert_allclose(s_t, expected_s.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(h_t, expected_h.detach().numpy(), rtol=0, atol=1e-12)


def test_scrn_context_is_a_leaky_average_of_the_input():
    # One impulse, then silence: s decays as alpha^k; h sees it through P.
    D, S, H, alpha = 1, 1, 1, 0.9
    params = dict(B=np.ones((S, D)), A=np.zeros((H, D)), P=np.ones((H, S)), R=np.zeros((H, H)))
    s, h = np.zeros((1, S)), np.zeros((1, H))
    trace = []
    for t in range(6):
        s, h = deep.scrn_step(np.full((1, D), 1.0 if t == 0 else 0.0), s, h, params, alpha)
        trace.append(s[0, 0])
        np.testing.assert_allclose(h, sigmoid(s), rtol=0, atol=1e-15)
    np.testing.assert_allclose(trace, (1 - alpha) * alpha ** np.arange(6), rtol=1e-12)
