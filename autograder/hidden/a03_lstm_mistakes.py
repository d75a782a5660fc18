"""Known mistakes in a03_lstm: per graded function, a wrong implementation and what it tells the student.

The one list of typical wrong implementations: tests/test_hidden_a03_lstm.py proves that the hidden cases reject
each one and that the grader recognises each as itself (autograder/diagnosis.py); the grader names a mistake
in a student's feedback when it agrees with the student's outputs on every hidden case. Runs only on the
grader's side, never in a student's kernel.
"""
import numpy as np
import torch

from ..reference import lstm as ref
from ..reference.activations import sigmoid, tanh
from ..judge.mistakes import catalogue_of


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


def cell_update_in_place(c_prev, f, i, c_tilde):
    c_prev *= f  # "saves memory": rewrites the caller's cell state
    c_prev += i * c_tilde
    return c_prev


def loader_returning_tensors(state_dict):
    """Right values, but torch tensors: the student's numpy LSTM then fails on them."""
    return {name: torch.from_numpy(np.array(value)) for name, value in ref.params_from_torch(state_dict).items()}


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
        "updates c_prev in place": cell_update_in_place,
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
        "returns torch tensors, not numpy arrays": loader_returning_tensors,
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


S = "04_lstm#"
GATE_SECTIONS = {"forget_gate": S + "the-forget-gate", "input_gate": S + "the-input-gate-and-the-candidate",
                 "candidate": S + "the-input-gate-and-the-candidate", "output_gate": S + "the-output-gate-and-the-hidden-state"}


def gate_notes(function, activation):
    """The notes of the gate mistakes, which every gate can make (gate_mutants)."""
    section = GATE_SECTIONS[function]
    other = "tanh" if activation == "sigmoid" else "sigmoid"
    what = "a gate, in (0, 1)," if activation == "sigmoid" else "the candidate, in (-1, 1),"
    notes = {
        f"{other} instead of {activation}": (section, f"Your {function} squashes with {other}; {what} needs "
                                                      f"{activation}."),
        "concatenation order [x, h] instead of [h, x]": (section, f"Your {function} multiplies W by [x_t, h_prev]; "
                                                         "the course writes W_g [h_{t-1}, x_t] + b_g, h first, and "
                                                         "W's first H columns belong to h."),
        "the source's combine = h + x (through W's h-block)": (S + "a-worked-correction", "Your gate adds h_prev and "
                                                               "x_t (the source's combine = prev_ht + input) instead "
                                                               "of concatenating them; that only runs when D equals "
                                                               "H, and even then mixes the two inputs."),
        "the source's combine = h + x (through the sum of both blocks)": (S + "a-worked-correction", "Your gate adds "
                                                                          "h_prev and x_t before one layer (the "
                                                                          "source's pseudocode); the gate reads "
                                                                          "their concatenation [h_{t-1}, x_t]."),
        "dropped bias": (section, f"Your {function} leaves out b: W [h_{{t-1}}, x_t] + b."),
        "dropped recurrent term": (section, f"Your {function} reads x_t only; it also reads h_prev, through the "
                                            "first H columns of W."),
        "missing transpose": (section, f"Your {function} multiplies by W, shape (H, H + D), without transposing: "
                                       "z @ W.T."),
        "sign flip": (section, f"Your {function} negates the pre-activation."),
    }
    if activation == "sigmoid":
        notes["naive sigmoid (overflows)"] = (S + "sigmoid-as-a-gate", "Your sigmoid computes exp of large positive "
                                              "numbers (1 / (1 + exp(-z)) at z = -1000) and overflows; use the "
                                              "stable sigmoid of chapter 2.")
    return notes


UPDATE, HIDDEN, FULL, TORCH, BACK = (S + "the-cell-update", S + "the-output-gate-and-the-hidden-state",
                                      S + "the-full-cell-and-the-sequence", S + "equivalence-with-torch-nn-lstm",
                                      S + "the-backward-pass-of-one-step")
PRODUCT = ("Your update multiplies everything, c_prev * f * c_tilde * i, as the source's pseudocode does; the "
           "cell state is a sum of what is kept and what is written, c = f * c_prev + i * c_tilde.")
NOTES = {
    "forget_gate": gate_notes("forget_gate", "sigmoid"),
    "input_gate": gate_notes("input_gate", "sigmoid"),
    "candidate": gate_notes("candidate", "tanh"),
    "output_gate": gate_notes("output_gate", "sigmoid"),
    "cell_update": {
        "the source's ct = prev_ct * ft * candidate * it": (S + "a-worked-correction", PRODUCT),
        "no forgetting: c_prev + i * c_tilde": (UPDATE, "Your update keeps all of c_prev; the forget gate scales it "
                                                "first: f * c_prev + i * c_tilde."),
        "f and i swapped": (UPDATE, "Your update scales c_prev by i and the candidate by f; the forget gate keeps "
                            "the old memory, the input gate writes the candidate."),
        "dropped the write": (UPDATE, "Your update only forgets (f * c_prev): i * c_tilde, the new content, is "
                              "missing."),
        "dropped the old memory": (UPDATE, "Your update returns i * c_tilde alone: f * c_prev, the memory carried "
                                   "forward, is missing."),
        "squashed: tanh(f * c + i * c_tilde)": (UPDATE, "Your update squashes the new cell state with tanh; c is "
                                                "not squashed (that is what lets it carry information far), only "
                                                "h = o * tanh(c) is."),
        "gates added, not multiplied": (UPDATE, "Your update adds the gates to the values they should scale; "
                                        "gates multiply: f * c_prev + i * c_tilde."),
        "updates c_prev in place": (UPDATE, "Your update writes into c_prev (c_prev *= f): the caller's cell state "
                                    "is destroyed, and a sequence loop that keeps c_prev for the backward pass "
                                    "breaks. Compute a new array: f * c_prev + i * c_tilde."),
    },
    "hidden_state": {
        "h = o * c (missing tanh)": (HIDDEN, "Your hidden state is o * c; the cell state passes through tanh "
                                     "first, h = o * tanh(c)."),
        "h = tanh(o * c)": (HIDDEN, "Your hidden state is tanh(o * c): the gate goes outside, h = o * tanh(c)."),
        "sigmoid instead of tanh": (HIDDEN, "Your hidden state squashes c with the sigmoid; it is tanh, "
                                    "h = o * tanh(c)."),
        "h = o + tanh(c)": (HIDDEN, "Your hidden state adds the gate; the output gate multiplies, h = o * tanh(c)."),
        "naive tanh (overflows)": (HIDDEN, "Your tanh overflows for large c; use np.tanh or a stable formulation."),
    },
    "lstm_step_forward": {
        "forget and input gates swapped": (FULL, "Your step computes the forget gate with the input gate's weights "
                                           "and the other way round: W_f, b_f belong to f."),
        "input and output gates swapped": (FULL, "Your step uses W_i for the output gate and W_o for the input gate."),
        "tanh where the forget gate's sigmoid belongs": (S + "the-forget-gate", "Your forget gate uses tanh; a gate is "
                                                         "a sigmoid, in (0, 1)."),
        "tanh where the output gate's sigmoid belongs": (HIDDEN, "Your output gate uses tanh; a gate is a sigmoid."),
        "sigmoid for the candidate": (S + "the-input-gate-and-the-candidate", "Your candidate uses the sigmoid; it "
                                      "uses tanh, so that it can write negative values."),
        "the source's combine = prev_ht + input": (S + "a-worked-correction", "Your step adds h_prev and x_t, as the "
                                                   "source's pseudocode does; the gates read [h_{t-1}, x_t]."),
        "the source's ct = prev_ct * ft * candidate * it": (S + "a-worked-correction", PRODUCT),
        "h = o * c (missing tanh)": (HIDDEN, "Your step's hidden state is o * c; it is o * tanh(c)."),
        "h = tanh(o * c)": (HIDDEN, "Your step's hidden state is tanh(o * c); it is o * tanh(c)."),
        "concatenation order [x, h]": (S + "two-notations-one-cell", "Your step concatenates [x_t, h_prev]; the "
                                       "course's weights W_g multiply [h_{t-1}, x_t]."),
        "returns (c_next, h_next, cache)": (FULL, "Your step returns c_next first; the order is (h_next, c_next, "
                                            "cache)."),
        "returns no cache": (FULL, "Your step returns no cache; the backward pass needs it: (h_next, c_next, cache)."),
        "cache stores c_next as c_prev": (BACK, "Your cache's c_prev holds c_next; the backward pass needs the "
                                          "state the step started from."),
        "modifies c_prev in place": (FULL, "Your step overwrites the caller's c_prev; compute new arrays and leave "
                                     "the inputs as they were."),
    },
    "lstm_forward": {
        "hidden state carried, cell state restarts from c0": (FULL, "Your loop carries h but starts every step from "
                                                              "c0: the cell state must be carried too, it is the "
                                                              "LSTM's memory."),
        "time-major loop": (FULL, "Your loop walks axis 0; x is batch-first (N, T, D), time is x[:, t]."),
        "returns h0..h_{T-1} instead of h1..h_T": (FULL, "Your result starts with the initial state; return "
                                                   "h_1 ... h_T."),
        "returns only the last states": (FULL, "Your function returns only the last step; it returns every "
                                         "step's h and c, shape (N, T, H)."),
        "ignores c0": (FULL, "Your loop does not start from the c0 it is given. CS231n's and Coursera's "
                             "lstm_forward start from zero and take no c0; this one takes it, as torch's does "
                             "(the page Conventions across courses and libraries)."),
        "forget and input gates swapped": (FULL, "Your step behind the loop uses the input gate's weights for the "
                                           "forget gate and the other way round."),
        "h = o * c (missing tanh)": (HIDDEN, "Your step behind the loop computes h = o * c; it is o * tanh(c)."),
        "returns only h": (FULL, "Your function returns only the hidden states; it returns (h, c)."),
    },
    "params_from_torch": {
        "torch gate order misread as (i, f, o, g)": (TORCH, "Your loader reads torch's blocks as (i, f, o, g); "
                                                     "torch stacks them (i, f, g, o), g being the candidate. "
                                                     "(i, f, o, g) is CS231n's order; the page Conventions "
                                                     "across courses and libraries lists each library's."),
        "torch gate order misread as (f, i, g, o)": (TORCH, "Your loader reads torch's blocks as (f, i, g, o); "
                                                     "torch's order is (i, f, g, o)."),
        "gate order read backwards (o, g, f, i)": (TORCH, "Your loader reads torch's gate blocks backwards; the "
                                                   "order is (i, f, g, o)."),
        "forgot bias_hh": (TORCH, "Your loader leaves out bias_hh; torch adds both biases, so b = b_ih + b_hh."),
        "forgot bias_ih": (TORCH, "Your loader leaves out bias_ih; b = b_ih + b_hh."),
        "biases averaged, not summed": (TORCH, "Your loader averages the two biases; torch adds them."),
        "W = [W_ih | W_hh] (x first)": (TORCH, "Your loader puts the input block first; the course's W_g is "
                                        "[W_hh block | W_ih block], matching [h_{t-1}, x_t]."),
        "rows interleaved: reshape (H, 4, ·) instead of (4, H, ·)": (TORCH, "Your loader takes every fourth row; "
                                                                     "torch's gates are four consecutive blocks "
                                                                     "of H rows."),
        "returns torch tensors, not numpy arrays": (TORCH, "Your loader returns torch tensors; the course's LSTM is "
                                                    "numpy code and needs arrays (.detach().numpy())."),
    },
    "lstm_step_backward": {
        "missing the tanh'(c) path": (BACK, "Your dc leaves out the path through h = o * tanh(c): "
                                      "dc += dh * o * (1 - tanh(c)^2)."),
        "missing the dc_next contribution": (BACK, "Your dc ignores dc_next, the gradient arriving along the cell "
                                             "state from the next step."),
        "dropped the path through h_next into c": (BACK, "Your dc takes only dc_next; h_next depends on c_next too, "
                                                   "so dh_next * o * tanh'(c_next) adds to it."),
        "dc_prev not multiplied by f": (BACK, "Your dc_prev is dc; through c = f * c_prev + ... it is dc * f."),
        "sigmoid derivative taken as sigmoid": (BACK, "Your gate derivatives use s instead of s (1 - s)."),
        "tanh derivative of the candidate taken as 1 - g": (BACK, "Your candidate's derivative is 1 - g; tanh' is "
                                                            "1 - g^2."),
        "do uses c instead of tanh(c)": (BACK, "Your do multiplies by c; h = o * tanh(c), so do = dh * tanh(c)."),
        "df and di swapped": (BACK, "Your df and di are exchanged: df = dc * c_prev, di = dc * c_tilde."),
        "dx and dh_prev sliced from the wrong ends": (BACK, "Your dz is split with x first; z = [h_{t-1}, x_t], so "
                                                      "dh_prev is the first H columns."),
        "weight gradients transposed": (BACK, "Your weight gradients are transposed: dW = da^T z, shape (H, H + D)."),
        "bias gradients averaged over the batch": (BACK, "Your bias gradients are averaged; they are summed over "
                                                   "the batch."),
        "dW_i copied from the forget gate's line": (BACK, "Your dW_i is the forget gate's gradient (a copied line)."),
    },
    "LSTMCellScratch": {
        "gate order read as (i, f, o, g)": (TORCH, "Your module slices its (4H, ·) weights as (i, f, o, g); torch's "
                                            "order, which the loaded weights follow, is (i, f, g, o). "
                                            "(i, f, o, g) is CS231n's order; the page Conventions across "
                                            "courses and libraries lists each library's."),
        "gate order read as (f, i, g, o)": (TORCH, "Your module slices its weights as (f, i, g, o); torch's order is "
                                            "(i, f, g, o)."),
        "forgot bias_hh": (TORCH, "Your module never uses bias_hh: both biases are added."),
        "h = o * c (missing tanh)": (HIDDEN, "Your module's h is o * c; it is o * tanh(c)."),
        "tanh where the forget gate's sigmoid belongs": (S + "the-forget-gate", "Your module's forget gate uses tanh; "
                                                         "a gate is a sigmoid."),
        "the source's ct = prev_ct * ft * candidate * it": (S + "a-worked-correction", PRODUCT),
        "wrong recurrent weights": (TORCH, "Your module multiplies h by the wrong weights; h goes through "
                                    "weight_hh, x through weight_ih."),
        "detaches the incoming state (no dh, dc)": (TORCH, "Your module detaches the incoming state, so no gradient "
                                                    "flows back to the previous step."),
        "wraps torch.nn.LSTMCell": (TORCH, "Your module wraps torch.nn.LSTMCell; the exercise is to write the cell "
                                    "from its gates."),
        "calls torch's fused lstm_cell": (TORCH, "Your module calls torch's fused LSTM kernel; write the gates "
                                          "yourself."),
        "parameters nn.LSTMCell's weights cannot be loaded into": (TORCH, "Your module's parameters are named or "
                                                                   "shaped differently from nn.LSTMCell's "
                                                                   "(weight_ih, weight_hh, bias_ih, bias_hh)."),
        "forward returns only h": (TORCH, "Your forward returns h alone; it returns the pair (h, c)."),
    },
}

GATE_LETTERS = {"forget_gate": "f", "input_gate": "i", "candidate": "c", "output_gate": "o"}


def gate_faults(function, activation):
    """The fault labels of the gate mistakes (gate_mutants), with the gate's own W and b as where."""
    letter = GATE_LETTERS[function]
    other = "tanh" if activation == "sigmoid" else "sigmoid"
    faults = {
        f"{other} instead of {activation}": ("activation", None),
        "concatenation order [x, h] instead of [h, x]": ("swap", "h_prev and x_t"),
        # h_prev + x_t, (N, H), where the concatenation [h_prev, x_t], (N, H + D), belongs: the wrong shape of
        # the intermediate the weights multiply (what follows, which block meets x_t, comes from it)
        "the source's combine = h + x (through W's h-block)": ("type-shape", "[h_prev, x_t]"),
        "the source's combine = h + x (through the sum of both blocks)": ("type-shape", "[h_prev, x_t]"),
        "dropped bias": ("missing-term", f"b_{letter}"),
        "dropped recurrent term": ("missing-term", "recurrent term"),
        "missing transpose": ("transpose", f"W_{letter}"),
        "sign flip": ("sign", "pre-activation"),
    }
    if activation == "sigmoid":
        faults["naive sigmoid (overflows)"] = ("overflow", None)
    return faults


# Each mistake's kind of fault (judge.mistakes.FAULT_CLASSES) and where it sits: an argument of the graded
# function (params['W_f'], state_dict['bias_hh_l0'] for what a dict carries), or a gate, term or output in a few
# words. The root cause as the implementation above makes it, not what a probe would see; a comment explains each
# label that needed judgement.
FAULTS = {
    "forget_gate": gate_faults("forget_gate", "sigmoid"),
    "input_gate": gate_faults("input_gate", "sigmoid"),
    "candidate": gate_faults("candidate", "tanh"),
    "output_gate": gate_faults("output_gate", "sigmoid"),
    "cell_update": {
        # the write i * c_tilde multiplies the kept memory instead of being added to it: a factor that does not
        # belong (and with it the sum's second term gone)
        "the source's ct = prev_ct * ft * candidate * it": ("extra-term", "i * c_tilde"),
        "no forgetting: c_prev + i * c_tilde": ("missing-term", "f"),
        "f and i swapped": ("swap", "f and i"),
        "dropped the write": ("missing-term", "i * c_tilde"),
        "dropped the old memory": ("missing-term", "f * c_prev"),
        # a tanh where no nonlinearity belongs (not a wrong one in place of a right one)
        "squashed: tanh(f * c + i * c_tilde)": ("extra-term", "tanh"),
        # the gates added as terms of their own where they should scale c_prev and c_tilde
        "gates added, not multiplied": ("extra-term", "f and i"),
        "updates c_prev in place": ("in-place", "c_prev"),
    },
    "hidden_state": {
        # tanh left out entirely (not a wrong nonlinearity in its place)
        "h = o * c (missing tanh)": ("missing-term", "tanh"),
        # the gate and the tanh applied in exchanged order: tanh(o * c) for o * tanh(c)
        "h = tanh(o * c)": ("swap", "o and tanh"),
        "sigmoid instead of tanh": ("activation", None),
        # the gate added as a term of its own where it should scale tanh(c)
        "h = o + tanh(c)": ("extra-term", "o"),
        "naive tanh (overflows)": ("overflow", None),
    },
    "lstm_step_forward": {
        "forget and input gates swapped": ("swap", "forget and input gates"),
        "input and output gates swapped": ("swap", "input and output gates"),
        "tanh where the forget gate's sigmoid belongs": ("activation", "forget gate"),
        "tanh where the output gate's sigmoid belongs": ("activation", "output gate"),
        "sigmoid for the candidate": ("activation", "candidate"),
        # written into the step itself (combine_by_addition), as the gates' own mistake
        "the source's combine = prev_ht + input": ("type-shape", "[h_prev, x_t]"),
        # step_with(update=...): the step is right, the cell update it calls is the source's product
        "the source's ct = prev_ct * ft * candidate * it": ("upstream", "cell_update"),
        # step_with(output=...): the step is right, the hidden_state it calls is not
        "h = o * c (missing tanh)": ("upstream", "hidden_state"),
        "h = tanh(o * c)": ("upstream", "hidden_state"),
        "concatenation order [x, h]": ("swap", "h_prev and x_t"),
        "returns (c_next, h_next, cache)": ("swap", "h_next and c_next"),
        "returns no cache": ("type-shape", "cache"),
        # the cache holds the cell state one step later than the one the step started from
        "cache stores c_next as c_prev": ("time", "cache['c_prev']"),
        "modifies c_prev in place": ("in-place", "c_prev"),
    },
    "lstm_forward": {
        "hidden state carried, cell state restarts from c0": ("time", "cell state"),
        # the loop runs along axis 0 (the batch) where time is axis 1: a wrong axis rather than a slip in time
        "time-major loop": ("axis", "axis 0"),
        "returns h0..h_{T-1} instead of h1..h_T": ("time", None),
        "returns only the last states": ("type-shape", None),
        # c0 replaced by zeros: the input it is given is left out
        "ignores c0": ("missing-term", "c0"),
        # forward_with over a step with the gates' weights exchanged: the loop is right, its step is not
        "forget and input gates swapped": ("upstream", "lstm_step_forward"),
        # forward_with over a step whose h is o * c: the loop is right, its step is not
        "h = o * c (missing tanh)": ("upstream", "lstm_step_forward"),
        "returns only h": ("type-shape", None),
    },
    "params_from_torch": {
        # torch's g and o blocks read in each other's place
        "torch gate order misread as (i, f, o, g)": ("swap", "candidate and output gate"),
        "torch gate order misread as (f, i, g, o)": ("swap", "forget and input gates"),
        # two pairs of blocks exchanged: i with o, f with g
        "gate order read backwards (o, g, f, i)": ("swap", "gate order"),
        "forgot bias_hh": ("missing-term", "state_dict['bias_hh_l0']"),
        "forgot bias_ih": ("missing-term", "state_dict['bias_ih_l0']"),
        "biases averaged, not summed": ("scale", "biases"),
        "W = [W_ih | W_hh] (x first)": ("swap", "weight_ih and weight_hh blocks"),
        # the (4H, .) rows reshaped with their two axes in the wrong order, (H, 4) for (4, H)
        "rows interleaved: reshape (H, 4, ·) instead of (4, H, ·)": ("axis", "rows"),
        "returns torch tensors, not numpy arrays": ("type-shape", None),
    },
    "lstm_step_backward": {
        "missing the tanh'(c) path": ("missing-term", "tanh'(c)"),
        "missing the dc_next contribution": ("missing-term", "dc_next"),
        "dropped the path through h_next into c": ("missing-term", "dh_next * o * tanh'(c)"),
        "dc_prev not multiplied by f": ("missing-term", "forget gate"),
        "sigmoid derivative taken as sigmoid": ("activation", "sigmoid derivative"),
        "tanh derivative of the candidate taken as 1 - g": ("activation", "candidate"),
        # tanh left out of do = dh_next * tanh(c)
        "do uses c instead of tanh(c)": ("missing-term", "tanh(c)"),
        "df and di swapped": ("swap", "df and di"),
        "dx and dh_prev sliced from the wrong ends": ("swap", "dx and dh_prev"),
        "weight gradients transposed": ("transpose", "weight gradients"),
        "bias gradients averaged over the batch": ("scale", "bias gradients"),
        # dW_i computed from the forget gate's pre-activation gradient: one gate's quantity in another's place
        "dW_i copied from the forget gate's line": ("swap", "dW_i"),
    },
    "LSTMCellScratch": {
        "gate order read as (i, f, o, g)": ("swap", "candidate and output gate"),
        "gate order read as (f, i, g, o)": ("swap", "forget and input gates"),
        "forgot bias_hh": ("missing-term", "bias_hh"),
        "h = o * c (missing tanh)": ("missing-term", "tanh"),
        "tanh where the forget gate's sigmoid belongs": ("activation", "forget gate"),
        # written into the module's forward, as cell_update's own mistake
        "the source's ct = prev_ct * ft * candidate * it": ("extra-term", "i * c_tilde"),
        # weight_hh's first block (the input gate's) serves all four gates: another block in each gate's place
        "wrong recurrent weights": ("swap", "weight_hh"),
        # the incoming state's gradient path to the previous step is cut: the backward state is not carried
        "detaches the incoming state (no dh, dc)": ("time", "state"),
        # no class names a forbidden shortcut; torch's own cell is a piece that does not belong in a cell
        # written from its gates
        "wraps torch.nn.LSTMCell": ("extra-term", "torch.nn.LSTMCell"),
        "calls torch's fused lstm_cell": ("extra-term", "torch's lstm_cell"),
        # an extra parameter W: the module's set of parameters has the wrong structure for nn.LSTMCell's weights
        "parameters nn.LSTMCell's weights cannot be loaded into": ("type-shape", "parameters"),
        "forward returns only h": ("type-shape", None),
    },
}

MISTAKES = catalogue_of(MUTANTS, NOTES, FAULTS)
