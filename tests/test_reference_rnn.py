"""The a01 reference implementations equal torch.nn.RNN and torch's activations."""
import numpy as np
import pytest
import torch

from autograder.reference import activations, rnn


def torch_rnn(D, H, nonlinearity, dtype):
    layer = torch.nn.RNN(D, H, nonlinearity=nonlinearity, batch_first=True).to(dtype)
    with torch.no_grad():  # non-zero biases, so a dropped bias cannot pass
        layer.bias_ih_l0.normal_()
        layer.bias_hh_l0.normal_()
    return layer


def weights(layer):
    W_xh = layer.weight_ih_l0.detach().numpy()
    W_hh = layer.weight_hh_l0.detach().numpy()
    b_h = (layer.bias_ih_l0 + layer.bias_hh_l0).detach().numpy()
    return W_xh, W_hh, b_h


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-10), (torch.float32, 1e-5)])
def test_rnn_forward_equals_torch(nonlinearity, dtype, tol):
    N, T, D, H = 3, 7, 4, 5
    layer = torch_rnn(D, H, nonlinearity, dtype)
    x = torch.randn(N, T, D, dtype=dtype)
    h0 = torch.randn(1, N, H, dtype=dtype)
    expected, h_last = layer(x, h0)
    got = rnn.rnn_forward(x.numpy(), h0[0].numpy(), *weights(layer), nonlinearity=nonlinearity)
    np.testing.assert_allclose(got, expected.detach().numpy(), rtol=0, atol=tol)
    np.testing.assert_allclose(got[:, -1], h_last[0].detach().numpy(), rtol=0, atol=tol)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_step_equals_torch_rnn_cell(nonlinearity):
    cell = torch.nn.RNNCell(4, 6, nonlinearity=nonlinearity).double()
    x, h = torch.randn(2, 4, dtype=torch.float64), torch.randn(2, 6, dtype=torch.float64)
    b_h = (cell.bias_ih + cell.bias_hh).detach().numpy()
    got = rnn.rnn_step(x.numpy(), h.numpy(), cell.weight_ih.detach().numpy(), cell.weight_hh.detach().numpy(), b_h,
                       nonlinearity)
    np.testing.assert_allclose(got, cell(x, h).detach().numpy(), rtol=0, atol=1e-12)


def test_activations_equal_torch_and_never_overflow():
    x = np.concatenate([np.linspace(-30, 30, 601), [-1000.0, -745.0, 0.0, 745.0, 1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is harmless
        np.testing.assert_allclose(activations.sigmoid(x), torch.sigmoid(torch.from_numpy(x)).numpy(), rtol=0, atol=1e-15)
        np.testing.assert_allclose(activations.tanh(x), torch.tanh(torch.from_numpy(x)).numpy(), rtol=0, atol=1e-15)
        logits = np.random.default_rng(0).normal(size=(4, 3, 9)) * 300
        np.testing.assert_allclose(activations.softmax(logits),
                                   torch.softmax(torch.from_numpy(logits), dim=-1).numpy(), rtol=0, atol=1e-15)


def test_output_layer_and_classifier_equal_torch():
    N, T, D, H, K = 2, 5, 3, 4, 6
    layer = torch_rnn(D, H, "tanh", torch.float64)
    readout = torch.nn.Linear(H, K).double()
    x = torch.randn(N, T, D, dtype=torch.float64)
    h0 = torch.zeros(1, N, H, dtype=torch.float64)
    out, _ = layer(x, h0)
    expected = torch.softmax(readout(out[:, -1]), dim=-1).detach().numpy()
    W_hy, b_y = readout.weight.detach().numpy(), readout.bias.detach().numpy()
    got = rnn.many_to_one_forward(x.numpy(), h0[0].numpy(), *weights(layer), W_hy, b_y)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    all_steps = rnn.rnn_output(out.detach().numpy(), W_hy, b_y)
    np.testing.assert_allclose(all_steps, torch.softmax(readout(out), -1).detach().numpy(), rtol=0, atol=1e-12)
