"""The a03 hidden tests accept the reference and reject each typical wrong implementation."""
import numpy as np
import pytest
import torch

from autograder.hidden import a03_lstm as hidden
from autograder.reference import lstm as ref
from autograder.reference.activations import sigmoid, tanh

from mutation import mutation_tests


# ------------------------------------------------------------------------------------------ gate mutants

def gate_from(pre_activation, activation):
    """A gate function built from a (possibly wrong) pre-activation and activation."""
    def gate(h_prev, x_t, W, b):
        return activation(pre_activation(h_prev, x_t, W, b))
    return gate


def correct(h, x, W, b):
    return np.concatenate([h, x], axis=1) @ W.T + b


def gate_mutants(activation, wrong_activation, wrong_name):
    def naive(z):  # the textbook formula, which overflows
        return 1.0 / (1.0 + np.exp(-z)) if activation is sigmoid else np.tanh(z)
    mutants = {
        wrong_name: gate_from(correct, wrong_activation),
        "concatenation order [x, h] instead of [h, x]":
            gate_from(lambda h, x, W, b: np.concatenate([x, h], axis=1) @ W.T + b, activation),
        "the source's combine = h + x (through W's h-block)":
            gate_from(lambda h, x, W, b: (h + x) @ W[:, :h.shape[1]].T + b, activation),
        "the source's combine = h + x (through the sum of both blocks)":
            gate_from(lambda h, x, W, b: (h + x) @ (W[:, :h.shape[1]] + W[:, h.shape[1]:]).T + b, activation),
        "dropped bias": gate_from(lambda h, x, W, b: np.concatenate([h, x], axis=1) @ W.T, activation),
        "dropped recurrent term": gate_from(lambda h, x, W, b: x @ W[:, h.shape[1]:].T + b, activation),
        "missing transpose": gate_from(lambda h, x, W, b: np.concatenate([h, x], axis=1) @ W + b, activation),
        "sign flip": gate_from(lambda h, x, W, b: -correct(h, x, W, b), activation),
    }
    if activation is sigmoid:
        mutants["naive sigmoid (overflows)"] = gate_from(correct, naive)
    return mutants


# ------------------------------------------------------------------------------- step / sequence mutants

def step_with(gate_fns=None, update=None, output=None, order="hx"):
    """An lstm_step_forward assembled from (possibly wrong) parts; gate_fns maps f/i/c/o to (W key, activation)."""
    gate_fns = gate_fns or {}

    def step(x_t, h_prev, c_prev, params):
        z = np.concatenate([h_prev, x_t] if order == "hx" else [x_t, h_prev], axis=1)
        values = {}
        for gate, default_act in (("f", sigmoid), ("i", sigmoid), ("c", tanh), ("o", sigmoid)):
            key, act = gate_fns.get(gate, (gate, default_act))
            values[gate] = act(z @ params["W_" + key].T + params["b_" + key])
        f, i, c_tilde, o = values["f"], values["i"], values["c"], values["o"]
        c_next = (update or ref.cell_update)(c_prev, f, i, c_tilde)
        h_next = (output or ref.hidden_state)(o, c_next)
        cache = dict(x_t=x_t, h_prev=h_prev, c_prev=c_prev, f=f, i=i, c_tilde=c_tilde, o=o, c_next=c_next,
                     params=params)
        return h_next, c_next, cache
    return step


def combine_by_addition(x_t, h_prev, c_prev, params):
    """The source's pseudocode, line by line: combine = prev_ht + input, one layer per gate."""
    H = h_prev.shape[1]
    combine = h_prev + x_t
    ft = sigmoid(combine @ params["W_f"][:, :H].T + params["b_f"])
    candidate = tanh(combine @ params["W_c"][:, :H].T + params["b_c"])
    it = sigmoid(combine @ params["W_i"][:, :H].T + params["b_i"])
    ct = c_prev * ft + candidate * it
    ot = sigmoid(combine @ params["W_o"][:, :H].T + params["b_o"])
    h = ot * tanh(ct)
    return h, ct, dict(x_t=x_t, h_prev=h_prev, c_prev=c_prev, f=ft, i=it, c_tilde=candidate, o=ot, c_next=ct,
                       params=params)


def step_modifying_inputs(x_t, h_prev, c_prev, params):
    h_next, c_next, cache = ref.lstm_step_forward(x_t, h_prev, c_prev, params)
    c_prev[...] = c_next  # "saves memory", destroys the caller's array
    return h_next, c_next, cache


def step_cache_after_update(x_t, h_prev, c_prev, params):
    h_next, c_next, cache = ref.lstm_step_forward(x_t, h_prev, c_prev, params)
    cache["c_prev"] = c_next
    return h_next, c_next, cache


def forward_with(step):
    def forward(x, h0, c0, params):
        h_t, c_t, hs, cs = h0, c0, [], []
        for t in range(x.shape[1]):
            h_t, c_t, _ = step(x[:, t], h_t, c_t, params)
            hs.append(h_t)
            cs.append(c_t)
        return np.stack(hs, axis=1), np.stack(cs, axis=1)
    return forward


def forward_cell_not_carried(x, h0, c0, params):
    h_t, hs, cs = h0, [], []
    for t in range(x.shape[1]):
        h_t, c_t, _ = ref.lstm_step_forward(x[:, t], h_t, c0, params)
        hs.append(h_t)
        cs.append(c_t)
    return np.stack(hs, axis=1), np.stack(cs, axis=1)


def forward_time_major(x, h0, c0, params):
    h_t, c_t, hs, cs = h0, c0, [], []
    for t in range(x.shape[0]):
        h_t, c_t, _ = ref.lstm_step_forward(x[t], h_t, c_t, params)
        hs.append(h_t)
        cs.append(c_t)
    return np.stack(hs, axis=1), np.stack(cs, axis=1)


def forward_including_initial(x, h0, c0, params):
    h, c = ref.lstm_forward(x, h0, c0, params)
    return (np.concatenate([h0[:, None], h[:, :-1]], axis=1), np.concatenate([c0[:, None], c[:, :-1]], axis=1))


# ---------------------------------------------------------------------------------------- loader mutants

def loader(order=("i", "f", "c", "o"), use_bias_hh=True, use_bias_ih=True, x_first=False):
    def params_from_torch(state_dict):
        W_ih, W_hh = state_dict["weight_ih_l0"].numpy(), state_dict["weight_hh_l0"].numpy()
        b = (state_dict["bias_ih_l0"].numpy() if use_bias_ih else 0) + \
            (state_dict["bias_hh_l0"].numpy() if use_bias_hh else 0)
        H = W_hh.shape[1]
        params = {}
        for k, gate in enumerate(order):
            rows = slice(k * H, (k + 1) * H)
            blocks = [W_ih[rows], W_hh[rows]] if x_first else [W_hh[rows], W_ih[rows]]
            params["W_" + gate] = np.concatenate(blocks, axis=1)
            params["b_" + gate] = b[rows]
        return params
    return params_from_torch


def loader_bias_averaged(state_dict):
    params = ref.params_from_torch(state_dict)
    H = state_dict["weight_hh_l0"].shape[1]
    for k, gate in enumerate(("i", "f", "c", "o")):
        params["b_" + gate] = ((state_dict["bias_ih_l0"] + state_dict["bias_hh_l0"]).numpy() / 2)[k * H:(k + 1) * H]
    return params


def loader_interleaved(state_dict):
    """Reshapes (4H, D) as (H, 4, D): takes every fourth row instead of four blocks of H rows."""
    W_ih, W_hh = state_dict["weight_ih_l0"].numpy(), state_dict["weight_hh_l0"].numpy()
    b = (state_dict["bias_ih_l0"] + state_dict["bias_hh_l0"]).numpy()
    params = {}
    for k, gate in enumerate(("i", "f", "c", "o")):
        params["W_" + gate] = np.concatenate([W_hh[k::4], W_ih[k::4]], axis=1)
        params["b_" + gate] = b[k::4]
    return params


# -------------------------------------------------------------------------------------- backward mutants

def backward_with(dc_path="full", dc_prev_by_f=True, sigmoid_grad=lambda s: s * (1 - s),
                  candidate_grad=lambda g: 1 - g ** 2, do_uses="tanh_c", swap_f_i=False, swap_dx_dh=False,
                  w_grad_transposed=False):
    """The reference backward with one (named) step done wrong."""
    def backward(dh_next, dc_next, cache):
        x_t, h_prev, c_prev = cache["x_t"], cache["h_prev"], cache["c_prev"]
        f, i, c_tilde, o, c_next, p = (cache[k] for k in ("f", "i", "c_tilde", "o", "c_next", "params"))
        H = h_prev.shape[1]
        tanh_c = tanh(c_next)
        do = dh_next * (tanh_c if do_uses == "tanh_c" else c_next)
        if dc_path == "full":
            dc = dc_next + dh_next * o * (1 - tanh_c ** 2)
        elif dc_path == "no tanh'":
            dc = dc_next + dh_next * o
        elif dc_path == "no dc_next":
            dc = dh_next * o * (1 - tanh_c ** 2)
        elif dc_path == "only dc_next":
            dc = dc_next
        df, di, dg = dc * c_prev, dc * c_tilde, dc * i
        if swap_f_i:
            df, di = di, df
        dc_prev = dc * f if dc_prev_by_f else dc
        pre = {"f": df * sigmoid_grad(f), "i": di * sigmoid_grad(i), "c": dg * candidate_grad(c_tilde),
               "o": do * sigmoid_grad(o)}
        z = np.concatenate([h_prev, x_t], axis=1)
        grads, dz = {}, 0
        for gate in "fico":
            grads["W_" + gate] = (z.T @ pre[gate]).T if not w_grad_transposed else (z.T @ pre[gate])
            grads["b_" + gate] = pre[gate].sum(axis=0)
            dz = dz + pre[gate] @ p["W_" + gate]
        dx, dh_prev = dz[:, H:], dz[:, :H]
        if swap_dx_dh:
            dx, dh_prev = dz[:, :x_t.shape[1]], dz[:, x_t.shape[1]:]
        return dx, dh_prev, dc_prev, grads
    return backward


def backward_copy_paste(dh_next, dc_next, cache):
    """dW_i computed from the forget gate's pre-activation gradient: passes a check of dx, dW_f and db_o only."""
    dx, dh_prev, dc_prev, grads = ref.lstm_step_backward(dh_next, dc_next, cache)
    f = cache["f"]
    tanh_c = tanh(cache["c_next"])
    dc = dc_next + dh_next * cache["o"] * (1 - tanh_c ** 2)
    da_f = dc * cache["c_prev"] * f * (1 - f)
    grads["W_i"] = da_f.T @ np.concatenate([cache["h_prev"], cache["x_t"]], axis=1)
    return dx, dh_prev, dc_prev, grads


def backward_bias_not_summed(dh_next, dc_next, cache):
    dx, dh_prev, dc_prev, grads = ref.lstm_step_backward(dh_next, dc_next, cache)
    return dx, dh_prev, dc_prev, {k: (v / len(dh_next) if k.startswith("b") else v) for k, v in grads.items()}


# ---------------------------------------------------------------------------------------- module mutants

class CellBase(torch.nn.Module):
    """A correct from-scratch cell with torch's parameter names; subclasses override one piece."""
    order = ("i", "f", "g", "o")

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        k = 1 / hidden_size ** 0.5
        self.weight_ih = torch.nn.Parameter(torch.empty(4 * hidden_size, input_size).uniform_(-k, k))
        self.weight_hh = torch.nn.Parameter(torch.empty(4 * hidden_size, hidden_size).uniform_(-k, k))
        self.bias_ih = torch.nn.Parameter(torch.empty(4 * hidden_size).uniform_(-k, k))
        self.bias_hh = torch.nn.Parameter(torch.empty(4 * hidden_size).uniform_(-k, k))

    def pre_activations(self, x, h):
        return x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh

    def gates(self, x, h):
        chunks = dict(zip(self.order, self.pre_activations(x, h).chunk(4, dim=1)))
        return (torch.sigmoid(chunks["i"]), torch.sigmoid(chunks["f"]), torch.tanh(chunks["g"]),
                torch.sigmoid(chunks["o"]))

    def forward(self, x, state):
        h, c = state
        i, f, g, o = self.gates(x, h)
        c = f * c + i * g
        return o * torch.tanh(c), c


class CellReadsIFOG(CellBase):
    order = ("i", "f", "o", "g")


class CellReadsFIGO(CellBase):
    order = ("f", "i", "g", "o")


class CellForgetsBiasHH(CellBase):
    def pre_activations(self, x, h):
        return x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T


class CellMissingTanh(CellBase):
    def forward(self, x, state):
        h, c = state
        i, f, g, o = self.gates(x, h)
        c = f * c + i * g
        return o * c, c


class CellTanhForget(CellBase):
    def gates(self, x, h):
        i, f, g, o = self.pre_activations(x, h).chunk(4, dim=1)
        return torch.sigmoid(i), torch.tanh(f), torch.tanh(g), torch.sigmoid(o)


class CellProductUpdate(CellBase):
    def forward(self, x, state):
        h, c = state
        i, f, g, o = self.gates(x, h)
        c = c * f * g * i
        return o * torch.tanh(c), c


class CellNoTranspose(CellBase):
    def pre_activations(self, x, h):  # runs only when shapes happen to allow it; otherwise raises
        return x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh[:self.hidden_size].T.repeat(1, 4) + self.bias_hh


class CellDetachesState(CellBase):
    def forward(self, x, state):
        h, c = state
        return super().forward(x, (h.detach(), c.detach()))


class CellWrapsTorch(torch.nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.cell = torch.nn.LSTMCell(input_size, hidden_size)

    def forward(self, x, state):
        return self.cell(x, state)


class CellCallsTorchKernel(CellBase):
    def forward(self, x, state):
        return torch._VF.lstm_cell(x, state, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)


class CellOwnNames(CellBase):
    """Correct maths, but parameter names nn.LSTMCell's weights cannot be loaded into."""

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        self.W = torch.nn.Parameter(torch.zeros(4 * hidden_size, input_size + hidden_size))


class CellReturnsOnlyH(CellBase):
    def forward(self, x, state):
        return super().forward(x, state)[0]


MUTANTS = {
    "forget_gate": gate_mutants(sigmoid, tanh, "tanh instead of sigmoid"),
    "input_gate": gate_mutants(sigmoid, tanh, "tanh instead of sigmoid"),
    "candidate": gate_mutants(tanh, sigmoid, "sigmoid instead of tanh"),
    "output_gate": gate_mutants(sigmoid, tanh, "tanh instead of sigmoid"),
    "cell_update": {
        "the source's ct = prev_ct * ft * candidate * it": lambda c, f, i, g: c * f * g * i,
        "no forgetting: c_prev + i * c_tilde": lambda c, f, i, g: c + i * g,
        "f and i swapped": lambda c, f, i, g: i * c + f * g,
        "dropped the write": lambda c, f, i, g: f * c,
        "dropped the old memory": lambda c, f, i, g: i * g,
        "squashed: tanh(f * c + i * c_tilde)": lambda c, f, i, g: np.tanh(f * c + i * g),
        "gates added, not multiplied": lambda c, f, i, g: (f + c) + (i + g),
    },
    "hidden_state": {
        "h = o * c (missing tanh)": lambda o, c: o * c,
        "h = tanh(o * c)": lambda o, c: tanh(o * c),
        "sigmoid instead of tanh": lambda o, c: o * sigmoid(c),
        "h = o + tanh(c)": lambda o, c: o + tanh(c),
        "naive tanh (overflows)": lambda o, c: o * (np.exp(c) - np.exp(-c)) / (np.exp(c) + np.exp(-c)),
    },
    "lstm_step_forward": {
        "forget and input gates swapped": step_with({"f": ("i", sigmoid), "i": ("f", sigmoid)}),
        "input and output gates swapped": step_with({"i": ("o", sigmoid), "o": ("i", sigmoid)}),
        "tanh where the forget gate's sigmoid belongs": step_with({"f": ("f", tanh)}),
        "tanh where the output gate's sigmoid belongs": step_with({"o": ("o", tanh)}),
        "sigmoid for the candidate": step_with({"c": ("c", sigmoid)}),
        "the source's combine = prev_ht + input": combine_by_addition,
        "the source's ct = prev_ct * ft * candidate * it": step_with(update=lambda c, f, i, g: c * f * g * i),
        "h = o * c (missing tanh)": step_with(output=lambda o, c: o * c),
        "h = tanh(o * c)": step_with(output=lambda o, c: tanh(o * c)),
        "concatenation order [x, h]": step_with(order="xh"),
        "returns (c_next, h_next, cache)": lambda *a: (lambda h, c, k: (c, h, k))(*ref.lstm_step_forward(*a)),
        "returns no cache": lambda *a: ref.lstm_step_forward(*a)[:2],
        "cache stores c_next as c_prev": step_cache_after_update,
        "modifies c_prev in place": step_modifying_inputs,
    },
    "lstm_forward": {
        "hidden state carried, cell state restarts from c0": forward_cell_not_carried,
        "time-major loop": forward_time_major,
        "returns h0..h_{T-1} instead of h1..h_T": forward_including_initial,
        "returns only the last states": lambda *a: tuple(s[:, -1] for s in ref.lstm_forward(*a)),
        "ignores c0": lambda x, h0, c0, p: ref.lstm_forward(x, h0, np.zeros_like(c0), p),
        "forget and input gates swapped": forward_with(step_with({"f": ("i", sigmoid), "i": ("f", sigmoid)})),
        "h = o * c (missing tanh)": forward_with(step_with(output=lambda o, c: o * c)),
        "returns only h": lambda *a: ref.lstm_forward(*a)[0],
    },
    "params_from_torch": {
        "torch gate order misread as (i, f, o, g)": loader(order=("i", "f", "o", "c")),
        "torch gate order misread as (f, i, g, o)": loader(order=("f", "i", "c", "o")),
        "gate order read backwards (o, g, f, i)": loader(order=("o", "c", "f", "i")),
        "forgot bias_hh": loader(use_bias_hh=False),
        "forgot bias_ih": loader(use_bias_ih=False),
        "biases averaged, not summed": loader_bias_averaged,
        "W = [W_ih | W_hh] (x first)": loader(x_first=True),
        "rows interleaved: reshape (H, 4, ·) instead of (4, H, ·)": loader_interleaved,
    },
    "lstm_step_backward": {
        "missing the tanh'(c) path": backward_with(dc_path="no tanh'"),
        "missing the dc_next contribution": backward_with(dc_path="no dc_next"),
        "dropped the path through h_next into c": backward_with(dc_path="only dc_next"),
        "dc_prev not multiplied by f": backward_with(dc_prev_by_f=False),
        "sigmoid derivative taken as sigmoid": backward_with(sigmoid_grad=lambda s: s),
        "tanh derivative of the candidate taken as 1 - g": backward_with(candidate_grad=lambda g: 1 - g),
        "do uses c instead of tanh(c)": backward_with(do_uses="c"),
        "df and di swapped": backward_with(swap_f_i=True),
        "dx and dh_prev sliced from the wrong ends": backward_with(swap_dx_dh=True),
        "weight gradients transposed": backward_with(w_grad_transposed=True),
        "bias gradients averaged over the batch": backward_bias_not_summed,
        "dW_i copied from the forget gate's line": backward_copy_paste,
    },
    "LSTMCellScratch": {
        "gate order read as (i, f, o, g)": CellReadsIFOG,
        "gate order read as (f, i, g, o)": CellReadsFIGO,
        "forgot bias_hh": CellForgetsBiasHH,
        "h = o * c (missing tanh)": CellMissingTanh,
        "tanh where the forget gate's sigmoid belongs": CellTanhForget,
        "the source's ct = prev_ct * ft * candidate * it": CellProductUpdate,
        "wrong recurrent weights": CellNoTranspose,
        "detaches the incoming state (no dh, dc)": CellDetachesState,
        "wraps torch.nn.LSTMCell": CellWrapsTorch,
        "calls torch's fused lstm_cell": CellCallsTorchKernel,
        "parameters nn.LSTMCell's weights cannot be loaded into": CellOwnNames,
        "forward returns only h": CellReturnsOnlyH,
    },
}


test_reference_passes, test_mutant_is_rejected, test_every_graded_function_has_mutants = \
    mutation_tests(hidden, MUTANTS)


def test_a_correct_from_scratch_module_passes(capsys):
    hidden.check("LSTMCellScratch", CellBase)
    assert "LSTMCellScratch: 4 hidden cases passed" in capsys.readouterr().out


def test_the_module_reference_is_from_scratch_and_equals_torch():
    cell = ref.LSTMCellReference(3, 4).double()
    assert not any(isinstance(m, (torch.nn.RNNBase, torch.nn.RNNCellBase)) for m in cell.modules())
    torch_cell = torch.nn.LSTMCell(3, 4).double()
    cell.load_state_dict(torch_cell.state_dict())
    x, h, c = (torch.randn(2, n, dtype=torch.float64) for n in (3, 4, 4))
    for got, expected in zip(cell(x, (h, c)), torch_cell(x, (h, c))):
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)


def test_torch_comparisons_are_real():
    """The probe cases compare with torch and a numerical gradient, not only with the reference."""
    names = {function: [case.name for case in cases] for function, cases in hidden.CHECKS.items()}
    assert "equals torch.nn.LSTMCell (float64)" in names["lstm_step_forward"]
    assert "equals torch.nn.LSTM (float64)" in names["lstm_forward"]
    assert {"numerical gradient check", "torch.autograd, float64"} <= set(names["lstm_step_backward"])


def test_messages_say_what_is_wrong():
    product_bug = MUTANTS["cell_update"]["the source's ct = prev_ct * ft * candidate * it"]
    with pytest.raises(AssertionError, match=r"cell_update \[N=3, H=5\]: c_next differs from the reference"):
        hidden.check("cell_update", product_bug)
    for case in hidden.CHECKS["cell_update"][1:3]:  # keep everything / empty memory: the bug fails each alone
        assert not np.allclose(case.outputs(product_bug), case.outputs(ref.cell_update))
    with pytest.raises(AssertionError, match=r"lstm_step_forward \[.*\]: \(h_next, c_next, cache\)\[2\] is missing"):
        hidden.check("lstm_step_forward", lambda *a: (lambda h, c, k: (h, c, {"f": k["f"]}))(
            *ref.lstm_step_forward(*a)))
    with pytest.raises(AssertionError, match="written from scratch.*LSTMCell"):
        hidden.check("LSTMCellScratch", CellWrapsTorch)
    with pytest.raises(AssertionError, match=r"calls? torch's \['lstm_cell'\]|forward called torch's \['lstm_cell'\]"):
        hidden.check("LSTMCellScratch", CellCallsTorchKernel)
    with pytest.raises(AssertionError, match="must be exactly"):
        hidden.check("LSTMCellScratch", CellOwnNames)


def test_backward_probes_report_the_wrong_gradient():
    """A backward that is wrong is caught by the gradient check and by autograd on their own, too."""
    from autograder.checking import check_function
    wrong = backward_with(dc_path="no tanh'")
    for case in hidden.CHECKS["lstm_step_backward"]:
        if case.run is None:
            continue
        with pytest.raises(AssertionError, match=rf"lstm_step_backward \[{case.name}\]: .*relative error of"):
            check_function("lstm_step_backward", wrong, ref.lstm_step_backward, [case], hidden.BACKWARD_OUTPUT)


def test_torch_probes_alone_catch_wrong_code():
    """The cases that compare with torch reject wrong code by themselves (not only the reference cases)."""
    from autograder.checking import check_function
    for function, mutant, case_name in [
            ("lstm_step_forward", "forget and input gates swapped", "equals torch.nn.LSTMCell (float64)"),
            ("lstm_forward", "hidden state carried, cell state restarts from c0", "equals torch.nn.LSTM (float64)"),
            ("params_from_torch", "forgot bias_hh", "a real torch.nn.LSTM: your parameters reproduce its output")]:
        case = [c for c in hidden.CHECKS[function] if c.name == case_name]
        assert case
        with pytest.raises(AssertionError, match="minus"):
            check_function(function, MUTANTS[function][mutant], hidden.REFERENCES[function], case,
                           hidden.OUTPUT_NAMES[function])


def test_the_sources_pseudocode_fails_on_values_where_it_runs():
    """With D == H, `combine = prev_ht + input` runs without a shape error: the values must still give it away."""
    from autograder.checking import check_function
    for function in ("forget_gate", "input_gate", "candidate", "output_gate", "lstm_step_forward"):
        square = [case for case in hidden.CHECKS[function] if case.name == "D equal to H"]
        assert square, f"{function} has no case with D == H"
        mutants = {name: fn for name, fn in MUTANTS[function].items() if "combine" in name}
        assert mutants
        for name, mutant in mutants.items():
            with pytest.raises(AssertionError, match=rf"{function} \[D equal to H\]: .* differs from the reference"):
                check_function(function, mutant, hidden.REFERENCES[function], square, hidden.OUTPUT_NAMES[function])
