"""Hidden cases for a03_lstm: the four gates, the cell update, the hidden state, one step, the sequence, the loader
from torch.nn.LSTM, the backward pass of one step, and an nn.Module cell written from scratch.

Besides the comparisons with the reference, some cases compare with torch directly: torch.nn.LSTMCell,
torch.nn.LSTM, torch.autograd, and a numerical gradient. Their probes (see "probes" below) return differences
and relative errors, which are judged like any other output, against the reference's, outside the kernel.
"""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import numpy as np
import torch

from ..judge.checking import FLOAT32_TOL, Case, Detail, check_function, random_normal as rn
from ..reference import activations, lstm
from ..reference.activations import ACTIVATIONS as ACTIVATION_FUNCTIONS

if TYPE_CHECKING:
    from collections.abc import Callable

f32 = dict(dtype="float32")
GATES = ("f", "i", "c", "o")
PARAM_NAMES = ("W_f", "b_f", "W_i", "b_i", "W_c", "b_c", "W_o", "b_o")
TORCH_GATE_ORDER = ("i", "f", "c", "o")  # torch's (i, f, g, o), its g being the lecture's candidate c
BACKWARD_OUTPUT = "(dx, dh_prev, dc_prev, grads)"
AUTOGRAD_RELATIVE_ERROR = 1e-8
NUMERICAL_RELATIVE_ERROR = 1e-6


def _params(seed, D, H, scale=0.5, dtype="float64"):
    """Lecture parameters: W_g (H, H + D) and b_g (H,) for g in f, i, c, o, all seeded and different."""
    params = {}
    for k, gate in enumerate(GATES):
        params["W_" + gate] = rn(seed + 2 * k, H, H + D, scale=scale, dtype=dtype)
        params["b_" + gate] = rn(seed + 2 * k + 1, H, dtype=dtype)
    return params


def _gate_args(seed, N, D, H, scale=0.5, dtype="float64"):
    """h_prev (N, H), x_t (N, D), W (H, H + D), b (H,)."""
    return (rn(seed, N, H, dtype=dtype), rn(seed + 1, N, D, dtype=dtype),
            rn(seed + 2, H, H + D, scale=scale, dtype=dtype), rn(seed + 3, H, dtype=dtype))


def _gate_cases(seed):
    return [
        Case("N=3, D=4, H=5", _gate_args(seed, 3, 4, 5)),
        Case("D equal to H", _gate_args(seed + 10, 3, 5, 5)),
        Case("batch of 1, one input feature", _gate_args(seed + 20, 1, 1, 4)),
        Case("large pre-activations", _gate_args(seed + 30, 4, 3, 5, scale=300.0), strict_fp=True),
        Case("float32 input", _gate_args(seed + 40, 3, 4, 5, **f32), **FLOAT32_TOL),
    ]


def _update_args(seed, N, H, dtype="float64"):
    """c_prev (N, H); f, i in (0, 1); c_tilde in (-1, 1)."""
    return (rn(seed, N, H, scale=2.0, dtype=dtype), activations.sigmoid(rn(seed + 1, N, H, scale=2.0, dtype=dtype)),
            activations.sigmoid(rn(seed + 2, N, H, scale=2.0, dtype=dtype)),
            activations.tanh(rn(seed + 3, N, H, scale=2.0, dtype=dtype)))


def _keep_everything(seed, N, H):
    """f = 1 and i = 0: a correct update returns c_prev unchanged."""
    c_prev, _, _, c_tilde = _update_args(seed, N, H)
    return c_prev, np.ones((N, H)), np.zeros((N, H)), c_tilde


def _from_empty_memory(seed, N, H):
    """c_prev = 0: a correct update writes i * c_tilde into the empty memory."""
    _, f, i, c_tilde = _update_args(seed, N, H)
    return np.zeros((N, H)), f, i, c_tilde


def _step_args(seed, N, D, H, scale=0.5, dtype="float64"):
    """x_t (N, D), h_prev (N, H), c_prev (N, H), params."""
    return (rn(seed, N, D, dtype=dtype), rn(seed + 1, N, H, dtype=dtype), rn(seed + 2, N, H, scale=2.0, dtype=dtype),
            _params(seed + 3, D, H, scale=scale, dtype=dtype))


def _sequence_args(seed, N, T, D, H, dtype="float64"):
    """x (N, T, D), h0 (N, H), c0 (N, H), params."""
    return (rn(seed, N, T, D, dtype=dtype), rn(seed + 1, N, H, scale=0.5, dtype=dtype),
            rn(seed + 2, N, H, dtype=dtype), _params(seed + 3, D, H, dtype=dtype))


def _torch_state(seed, D, H, dtype="float64", suffix="_l0"):
    """A torch LSTM state dict (torch gate order i, f, g, o) with seeded, all-different values."""
    tensors = {"weight_ih": rn(seed, 4 * H, D, scale=0.5, dtype=dtype), "weight_hh": rn(seed + 1, 4 * H, H, scale=0.5,
                                                                                        dtype=dtype),
               "bias_ih": rn(seed + 2, 4 * H, dtype=dtype), "bias_hh": rn(seed + 3, 4 * H, dtype=dtype)}
    return {name + suffix: torch.from_numpy(value) for name, value in tensors.items()}


def _torch_layout(params):
    """Lecture parameters -> nn.LSTMCell's state dict (torch gate order i, f, g, o; the bias all in bias_ih)."""
    H = np.shape(params["b_f"])[0]
    order = TORCH_GATE_ORDER
    stack = lambda blocks: torch.from_numpy(np.ascontiguousarray(np.concatenate(blocks), dtype=np.float64))
    return {"weight_ih": stack([np.asarray(params["W_" + g])[:, H:] for g in order]),
            "weight_hh": stack([np.asarray(params["W_" + g])[:, :H] for g in order]),
            "bias_ih": stack([np.asarray(params["b_" + g]) for g in order]),
            "bias_hh": torch.zeros(4 * H, dtype=torch.float64)}


def _with_extremes(values):
    """Seeded values with +-1000 planted at the front, so an exp of them must overflow if done naively."""
    values = values.copy()
    values.flat[0], values.flat[1] = 1000.0, -1000.0
    return values


def _relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    # a Python float: the kernel shim sends 0-d arrays back as shape (1,)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), 1e-300))


# What the probes' own checks say that checking.Detail does not (the grader words them from these templates).
PROBE_MESSAGES = {
    "forward called torch": "the cell must be written from scratch, but forward called torch's {used}",
    "forward's outputs": "forward must return a tuple (h, c), got {kind}",
    "forward's shapes": "forward returned h {h} and c {c}, expected {expected} each",
    "input detached": "no gradient reached the input {name}: is it detached?",
    "parameter unused": "{name} received no gradient: is it used in forward?",
    "constructor raised": "LSTMCellScratch({D}, {H}) raised {error}",
    "not a module": "LSTMCellScratch must be a subclass of torch.nn.Module",
    "contains torch's": "the cell must be written from scratch, but it contains a torch.nn.{module}",
    "parameter shapes": ("the module's parameters are {shapes}; the grader loads nn.LSTMCell's weights, so they "
                         "must be exactly {expected}"),
}


def _require(condition, where, message):
    """Structural problems fail inside the kernel with a clear message; passing is only ever judged outside."""
    if not condition:
        raise AssertionError(f"{where}: {message}")


# ---------------------------------------------------------------------------------------------- probes
# A probe runs in the student's kernel (the grader pickles CHECKS by value), so it may use numpy, torch and this
# module, never autograder.reference. It returns numbers; the grader compares them with what the same probe
# returns for the reference, outside the kernel. Where the probe compares with torch, it returns the
# DIFFERENCE from torch, so the verdict is "as close to torch as the reference is" (about 1e-16 in float64).


def _step_inputs_untouched(args):
    """lstm_step_forward must not modify x_t, h_prev, c_prev or params in place: return them after the call."""
    def run(fn):
        given = copy.deepcopy(args)
        fn(*given)
        after = {f"{name} after the call": value for name, value in zip(("x_t", "h_prev", "c_prev"), given[:3])}
        after.update({f"params[{k!r}] after the call": given[3].get(k) for k in PARAM_NAMES})
        return after
    return Case("inputs not modified", run=run)


def _step_vs_torch_cell(seed, N, D, H):
    """lstm_step_forward's (h_next, c_next) minus torch.nn.LSTMCell's, with the same weights, float64."""
    args = _step_args(seed, N, D, H)
    where = "lstm_step_forward [equals torch.nn.LSTMCell (float64)]"

    def run(fn):
        result = fn(*copy.deepcopy(args))
        _require(isinstance(result, (tuple, list)) and len(result) == 3, where,
                 Detail.EXPECTED_OUTPUTS.format(outputs="(h_next, c_next, cache)"))
        cell = torch.nn.LSTMCell(D, H).double()
        cell.load_state_dict(_torch_layout(args[3]))
        with torch.no_grad():
            h_t, c_t = cell(torch.from_numpy(args[0]), (torch.from_numpy(args[1]), torch.from_numpy(args[2])))
        for name, value in (("h_next", result[0]), ("c_next", result[1])):
            _require(np.shape(value) == (N, H), where,
                     Detail.WRONG_SHAPE.format(name=name, got=np.shape(value), expected=(N, H)))
        return {"h_next minus torch's h": np.asarray(result[0], dtype=float) - h_t.numpy(),
                "c_next minus torch's c": np.asarray(result[1], dtype=float) - c_t.numpy()}
    return Case("equals torch.nn.LSTMCell (float64)", run=run, rtol=0.0, atol=1e-10)


def _forward_vs_torch_lstm(seed, N, T, D, H):
    """lstm_forward's h and last c minus torch.nn.LSTM's output and c_n, with the same weights, float64."""
    args = _sequence_args(seed, N, T, D, H)
    where = "lstm_forward [equals torch.nn.LSTM (float64)]"

    def run(fn):
        result = fn(*copy.deepcopy(args))
        _require(isinstance(result, (tuple, list)) and len(result) == 2, where,
                 Detail.EXPECTED_OUTPUTS.format(outputs="(h, c)"))
        for name, value in zip("hc", result):
            _require(np.shape(value) == (N, T, H), where,
                     Detail.WRONG_SHAPE.format(name=name, got=np.shape(value), expected=(N, T, H)))
        x, h0, c0, params = args
        layer = torch.nn.LSTM(D, H, batch_first=True).double()
        layer.load_state_dict({k + "_l0": v for k, v in _torch_layout(params).items()})
        with torch.no_grad():
            output, (_, c_n) = layer(torch.from_numpy(x), (torch.from_numpy(h0)[None], torch.from_numpy(c0)[None]))
        return {"h minus torch's output": np.asarray(result[0], dtype=float) - output.numpy(),
                "c[:, -1] minus torch's c_n": np.asarray(result[1], dtype=float)[:, -1] - c_n[0].numpy()}
    return Case("equals torch.nn.LSTM (float64)", run=run, rtol=0.0, atol=1e-10)


def _loader_reproduces_torch_lstm(seed, N, T, D, H):
    """The student's parameters, put back into a torch.nn.LSTM, reproduce the original layer's output."""
    state = _torch_state(seed, D, H)
    x, h0, c0 = rn(seed + 10, N, T, D), rn(seed + 11, N, H, scale=0.5), rn(seed + 12, N, H)
    where = "params_from_torch [a real torch.nn.LSTM]"

    def run(fn):
        original = torch.nn.LSTM(D, H, batch_first=True).double()
        original.load_state_dict(state)
        params = fn(copy.deepcopy(original.state_dict()))
        _require(isinstance(params, dict) and set(PARAM_NAMES) <= set(params), where,
                 Detail.MUST_BE_DICT.format(name="params", keys=list(PARAM_NAMES)))
        for name in PARAM_NAMES:
            shape = (H, H + D) if name[0] == "W" else (H,)
            _require(np.shape(params[name]) == shape, where,
                     Detail.WRONG_SHAPE.format(name=name, got=np.shape(params[name]), expected=shape))
        rebuilt = torch.nn.LSTM(D, H, batch_first=True).double()
        rebuilt.load_state_dict({k + "_l0": v for k, v in _torch_layout(params).items()})
        inputs = (torch.from_numpy(x), (torch.from_numpy(h0)[None], torch.from_numpy(c0)[None]))
        with torch.no_grad():
            return {"output of a layer rebuilt from your params minus the original's":
                    (rebuilt(*inputs)[0] - original(*inputs)[0]).numpy()}
    return Case("a real torch.nn.LSTM: your parameters reproduce its output", run=run, rtol=0.0, atol=1e-10)


def _backward_args(seed, N, D, H, dtype="float64"):
    """dh_next, dc_next and a cache built by the reference forward (inputs for the kernel, not answers)."""
    x_t, h_prev, c_prev, params = _step_args(seed, N, D, H, scale=0.7, dtype=dtype)
    _, _, cache = lstm.lstm_step_forward(x_t, h_prev, c_prev, params)
    return rn(seed + 20, N, H, dtype=dtype), rn(seed + 21, N, H, dtype=dtype), cache


def _zero(args, which):
    args = list(copy.deepcopy(args))
    args[which] = np.zeros_like(args[which])
    return tuple(args)


def _lecture_step_torch(x_t, h_prev, c_prev, params):
    """The lecture's equations in torch: (h_next, c_next). Used for autograd and for numerical gradients."""
    z = torch.cat([h_prev, x_t], dim=1)
    f = torch.sigmoid(z @ params["W_f"].T + params["b_f"])
    i = torch.sigmoid(z @ params["W_i"].T + params["b_i"])
    c_tilde = torch.tanh(z @ params["W_c"].T + params["b_c"])
    o = torch.sigmoid(z @ params["W_o"].T + params["b_o"])
    c_next = f * c_prev + i * c_tilde
    return o * torch.tanh(c_next), c_next


def _leaves(cache):
    inputs = {k: torch.tensor(np.asarray(cache[k], dtype=np.float64), requires_grad=True)
              for k in ("x_t", "h_prev", "c_prev")}
    params = {k: torch.tensor(np.asarray(cache["params"][k], dtype=np.float64), requires_grad=True)
              for k in PARAM_NAMES}
    return inputs, params


def _autograd_gradients(dh_next, dc_next, cache):
    """Gradients of L = sum(dh_next * h_next) + sum(dc_next * c_next) by torch.autograd, float64."""
    inputs, params = _leaves(cache)
    h_next, c_next = _lecture_step_torch(inputs["x_t"], inputs["h_prev"], inputs["c_prev"], params)
    ((torch.from_numpy(dh_next) * h_next).sum() + (torch.from_numpy(dc_next) * c_next).sum()).backward()
    return ({k: inputs[k].grad.numpy() for k in ("x_t", "h_prev", "c_prev")},
            {k: params[k].grad.numpy() for k in PARAM_NAMES})


def _numerical_gradients(dh_next, dc_next, cache, eps=1e-6):
    """The same gradients by central differences, float64."""
    inputs, params = _leaves(cache)
    inputs = {k: v.detach() for k, v in inputs.items()}
    params = {k: v.detach() for k, v in params.items()}
    dh, dc = torch.from_numpy(dh_next), torch.from_numpy(dc_next)

    def loss():
        h_next, c_next = _lecture_step_torch(inputs["x_t"], inputs["h_prev"], inputs["c_prev"], params)
        return float((dh * h_next).sum() + (dc * c_next).sum())

    def numeric(tensor):
        grad = np.zeros(tuple(tensor.shape))
        flat = tensor.view(-1)
        for index in range(flat.numel()):
            old = float(flat[index])
            flat[index] = old + eps
            up = loss()
            flat[index] = old - eps
            down = loss()
            flat[index] = old
            grad.flat[index] = (up - down) / (2 * eps)
        return grad

    with torch.no_grad():
        return ({k: numeric(inputs[k]) for k in ("x_t", "h_prev", "c_prev")},
                {k: numeric(params[k]) for k in PARAM_NAMES})


def _gradient_case(name, args, gradients, tolerance):
    """The relative error of each of the backward's results against `gradients` (autograd or numerical)."""
    dh_next, _, cache = args
    N, H = np.shape(dh_next)
    D = np.shape(cache["x_t"])[1]
    where = f"lstm_step_backward [{name}]"

    def run(fn):
        result = fn(*copy.deepcopy(args))
        _require(isinstance(result, (tuple, list)) and len(result) == 4, where,
                 Detail.EXPECTED_OUTPUTS.format(outputs="(dx, dh_prev, dc_prev, grads)"))
        dx, dh_prev, dc_prev, grads = result
        for label, value, shape in (("dx", dx, (N, D)), ("dh_prev", dh_prev, (N, H)), ("dc_prev", dc_prev, (N, H))):
            _require(np.shape(value) == shape, where,
                     Detail.WRONG_SHAPE.format(name=label, got=np.shape(value), expected=shape))
        _require(isinstance(grads, dict) and set(PARAM_NAMES) <= set(grads), where,
                 Detail.MUST_BE_DICT.format(name="grads", keys=list(PARAM_NAMES)))
        wanted_inputs, wanted_params = gradients(*copy.deepcopy(args))
        errors = {"dx": _relative_error(dx, wanted_inputs["x_t"]), "dh_prev": _relative_error(dh_prev, wanted_inputs["h_prev"]),
                  "dc_prev": _relative_error(dc_prev, wanted_inputs["c_prev"])}
        for key in PARAM_NAMES:
            _require(np.shape(grads[key]) == wanted_params[key].shape, where,
                     Detail.WRONG_SHAPE.format(name=f"grads[{key!r}]", got=np.shape(grads[key]),
                                               expected=wanted_params[key].shape))
            errors[f"grads[{key!r}]"] = _relative_error(grads[key], wanted_params[key])
        return {f"relative error of {label} against {name}": value for label, value in errors.items()}
    return Case(name, run=run, rtol=0.0, atol=tolerance)


class _TorchCallRecorder(torch.overrides.TorchFunctionMode):
    """Records the name of every torch function called while active."""

    def __init__(self):
        super().__init__()
        self.names = set()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.names.add(getattr(func, "__name__", str(func)))
        return func(*args, **(kwargs or {}))


MODULE_PARAMETERS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _module_case(name, seed, N, D, H, dtype=torch.float64, zero_state=False, tolerance=None):
    """Build the class, load a seeded nn.LSTMCell's weights, run forward and backward on a fixed loss.

    Returns (outputs, differences): the outputs and gradients themselves (judged against the reference cell),
    and their differences from torch.nn.LSTMCell's on the same weights and inputs.
    """
    np_dtype = "float64" if dtype == torch.float64 else "float32"
    state = {k[:-3]: v.to(dtype) for k, v in _torch_state(seed, D, H).items()}
    x = rn(seed + 10, N, D, dtype=np_dtype)
    h0 = rn(seed + 11, N, H, dtype=np_dtype) * (0 if zero_state else 1)
    c0 = rn(seed + 12, N, H, dtype=np_dtype) * (0 if zero_state else 1)
    w_h, w_c = rn(seed + 13, N, H, dtype=np_dtype), rn(seed + 14, N, H, dtype=np_dtype)
    where = f"LSTMCellScratch [{name}]"

    def forward_backward(module, check_scratch):
        inputs = [torch.tensor(a, requires_grad=True) for a in (x, h0, c0)]
        recorder = _TorchCallRecorder()
        with recorder:
            result = module(inputs[0], (inputs[1], inputs[2]))
        if check_scratch:
            used = sorted(n for n in recorder.names if any(w in n.lower() for w in ("lstm", "rnn", "gru")))
            _require(not used, where, PROBE_MESSAGES["forward called torch"].format(used=used))
        _require(isinstance(result, (tuple, list)) and len(result) == 2, where,
                 PROBE_MESSAGES["forward's outputs"].format(kind=type(result).__name__))
        h, c = result
        _require(tuple(h.shape) == tuple(c.shape) == (N, H), where,
                 PROBE_MESSAGES["forward's shapes"].format(h=tuple(h.shape), c=tuple(c.shape), expected=(N, H)))
        ((h * torch.from_numpy(w_h)).sum() + (c * torch.from_numpy(w_c)).sum()).backward()
        parameters = dict(module.named_parameters())
        outputs = {"h": h.detach().numpy(), "c": c.detach().numpy()}
        for key, tensor in zip(("dx", "dh", "dc"), inputs):
            _require(tensor.grad is not None, where, PROBE_MESSAGES["input detached"].format(name=key[1:]))
            outputs[key] = tensor.grad.numpy()
        for key in MODULE_PARAMETERS:
            _require(parameters[key].grad is not None, where, PROBE_MESSAGES["parameter unused"].format(name=key))
            outputs["d" + key] = parameters[key].grad.numpy()
        return outputs

    def run(cls):
        try:
            module = cls(D, H)
        except Exception as error:
            raise AssertionError(f"{where}: " + PROBE_MESSAGES["constructor raised"].format(
                D=D, H=H, error=f"{type(error).__name__}: {error}")) from None
        _require(isinstance(module, torch.nn.Module), where, PROBE_MESSAGES["not a module"])
        for sub in module.modules():
            _require(not isinstance(sub, (torch.nn.RNNBase, torch.nn.RNNCellBase)), where,
                     PROBE_MESSAGES["contains torch's"].format(module=type(sub).__name__))
        module = module.to(dtype)
        shapes = {k: tuple(v.shape) for k, v in module.state_dict().items()}
        expected_shapes = {k: tuple(v.shape) for k, v in state.items()}
        _require(shapes == expected_shapes, where,
                 PROBE_MESSAGES["parameter shapes"].format(shapes=shapes, expected=expected_shapes))
        module.load_state_dict(state)
        outputs = forward_backward(module, check_scratch=True)
        torch_cell = torch.nn.LSTMCell(D, H).to(dtype)
        torch_cell.load_state_dict(state)
        expected = forward_backward(torch_cell, check_scratch=False)
        return outputs, {f"{key} minus nn.LSTMCell's": outputs[key] - expected[key] for key in outputs}

    return Case(name, run=run, **(tolerance or {}))


CHECKS = {
    "forget_gate": _gate_cases(100),
    "input_gate": _gate_cases(200),
    "candidate": _gate_cases(300),
    "output_gate": _gate_cases(400),
    "cell_update": [
        Case("N=3, H=5", _update_args(500, 3, 5)),
        Case("keep everything: f = 1, i = 0", _keep_everything(510, 2, 4)),
        Case("from an empty memory: c_prev = 0", _from_empty_memory(520, 3, 4)),
        Case("batch of 1", _update_args(530, 1, 6)),
        Case("float32 input", _update_args(540, 3, 5, **f32), **FLOAT32_TOL),
    ],
    "hidden_state": [
        Case("N=3, H=5", (activations.sigmoid(rn(600, 3, 5)), rn(601, 3, 5, scale=2.0))),
        Case("output gate fully open: o = 1", (np.ones((2, 4)), rn(611, 2, 4, scale=2.0))),
        Case("large cell states, |c| up to 1000", (activations.sigmoid(rn(620, 4, 6)), _with_extremes(rn(621, 4, 6,
             scale=400.0))), strict_fp=True),
        Case("float32 input", (activations.sigmoid(rn(630, 3, 5, **f32)), rn(631, 3, 5, scale=2.0, **f32)),
             **FLOAT32_TOL),
    ],
    "lstm_step_forward": [
        Case("N=3, D=4, H=5", _step_args(700, 3, 4, 5)),
        Case("D equal to H", _step_args(710, 3, 5, 5)),
        Case("batch of 1, one input feature", _step_args(720, 1, 1, 4)),
        Case("large pre-activations", _step_args(730, 3, 4, 5, scale=200.0), strict_fp=True),
        Case("float32 input", _step_args(740, 3, 4, 5, **f32), **FLOAT32_TOL),
        _step_inputs_untouched(_step_args(750, 2, 3, 4)),
        _step_vs_torch_cell(760, 3, 5, 5),
    ],
    "lstm_forward": [
        Case("N=2, T=6, D=3, H=4", _sequence_args(800, 2, 6, 3, 4)),
        Case("batch of 1", _sequence_args(810, 1, 5, 3, 4)),
        Case("sequence of length 1", _sequence_args(820, 3, 1, 3, 4)),
        Case("N equal to T (batch-first, not time-first)", _sequence_args(830, 4, 4, 3, 4)),
        Case("D equal to H", _sequence_args(840, 2, 5, 4, 4)),
        Case("float32 input", _sequence_args(850, 2, 6, 3, 4, **f32), **FLOAT32_TOL),
        _forward_vs_torch_lstm(860, 3, 7, 4, 5),
    ],
    "params_from_torch": [
        Case("D=3, H=4", (_torch_state(900, 3, 4),)),
        Case("D equal to H", (_torch_state(910, 5, 5),)),
        Case("one input feature, H=2", (_torch_state(920, 1, 2),)),
        Case("float32 weights", (_torch_state(930, 4, 3, **f32),), **FLOAT32_TOL),
        _loader_reproduces_torch_lstm(940, 2, 6, 3, 4),
    ],
    "lstm_step_backward": [
        Case("N=3, D=4, H=5", _backward_args(1000, 3, 4, 5)),
        Case("D equal to H", _backward_args(1010, 2, 5, 5)),
        Case("batch of 1", _backward_args(1020, 1, 3, 4)),
        Case("last step: dc_next = 0", _zero(_backward_args(1030, 3, 4, 5), 1)),
        Case("only the cell path: dh_next = 0", _zero(_backward_args(1040, 3, 4, 5), 0)),
        Case("float32 input", _backward_args(1050, 3, 4, 5, **f32), **FLOAT32_TOL),
        _gradient_case("numerical gradient check", _backward_args(1060, 2, 3, 4), _numerical_gradients,
                       NUMERICAL_RELATIVE_ERROR),
        _gradient_case("torch.autograd, float64", _backward_args(1070, 3, 4, 5), _autograd_gradients,
                       AUTOGRAD_RELATIVE_ERROR),
    ],
    "LSTMCellScratch": [
        _module_case("float64, N=3, D=4, H=5", 1100, 3, 4, 5),
        _module_case("D equal to H", 1110, 2, 5, 5),
        _module_case("batch of 1, zero initial state", 1120, 1, 3, 4, zero_state=True),
        _module_case("float32", 1130, 3, 4, 5, dtype=torch.float32, tolerance=FLOAT32_TOL),
    ],
}

REFERENCES = {
    "forget_gate": lstm.forget_gate,
    "input_gate": lstm.input_gate,
    "candidate": lstm.candidate,
    "output_gate": lstm.output_gate,
    "cell_update": lstm.cell_update,
    "hidden_state": lstm.hidden_state,
    "lstm_step_forward": lstm.lstm_step_forward,
    "lstm_forward": lstm.lstm_forward,
    "params_from_torch": lstm.params_from_torch,
    "lstm_step_backward": lstm.lstm_step_backward,
    "LSTMCellScratch": lstm.LSTMCellReference,  # from scratch too; every case also compares with nn.LSTMCell
}

OUTPUT_NAMES = {
    "forget_gate": "f", "input_gate": "i", "candidate": "c_tilde", "output_gate": "o", "cell_update": "c_next",
    "hidden_state": "h", "lstm_step_forward": "(h_next, c_next, cache)", "lstm_forward": "(h, c)",
    "params_from_torch": "params", "lstm_step_backward": BACKWARD_OUTPUT,
    "LSTMCellScratch": "(outputs and gradients, differences from nn.LSTMCell)",
}


# Which graded functions each may call, as the solution does (None: as the reference calls it): a function that
# gives what the correct one gives over a failing callee is diagnosed `upstream` of it (judge/faults.py).
CALLS = {"lstm_step_forward": dict.fromkeys(("forget_gate", "input_gate", "candidate", "output_gate", "cell_update",
                                            "hidden_state")),
         "lstm_forward": {"lstm_step_forward": None}}
ACTIVATIONS = ACTIVATION_FUNCTIONS  # the nonlinearities a fault model may put in place of one another

# Scoring: a test cell earns the fraction of its hidden cases that pass (failing visible asserts count as one
# more failed case). False: all or nothing.
PARTIAL_CREDIT = True
# A function that gives what the correct one gives over a failing graded function it calls (diagnosed `upstream`)
# still loses the cases it fails (False), or earns them, its mistake costing points once, where it is made (True).
# False by default: a grade then rests on the hidden cases alone, never on an inference about the student's code.
UPSTREAM_CREDIT = False


def check(function_name: str, student_fn: Callable) -> None:
    """Run the hidden cases of one graded function against the student's implementation."""
    check_function(function_name, student_fn, REFERENCES[function_name], CHECKS[function_name],
                   OUTPUT_NAMES.get(function_name, "result"))


from .a03_lstm_mistakes import MISTAKES  # noqa: E402, F401  (re-exported; the catalogue builds on this module's cases)
