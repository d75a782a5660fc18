"""Known mistakes in a04_gru: per graded function, a wrong implementation and what it tells the student.

The one list of typical wrong implementations: tests/test_hidden_a04_gru.py proves that the hidden cases reject
each one and that the grader recognises each as itself (autograder/diagnosis.py); the grader names a mistake
in a student's feedback when it agrees with the student's outputs on every hidden case. Runs only on the
grader's side, never in a student's kernel.
"""
import numpy as np

from ..reference import activations as act
from ..reference import gru as ref


from ..judge.mistakes import catalogue_of

sig, tanh = act.sigmoid, act.tanh


# ---------------------------------------------------------------- gates

def gate(W, U, b, f=sig, transpose_W=True, transpose_U=True, with_bias=True):
    def fn(x_t, h_prev, p):
        a = x_t @ (p[W].T if transpose_W else p[W]) + h_prev @ (p[U].T if transpose_U else p[U])
        return f(a + p[b] if with_bias else a)
    return fn


def in_place_gate(x_t, h_prev, p):
    z = ref.update_gate(x_t, h_prev, p)
    x_t *= 0.0  # the right answer, but the caller's input is clobbered
    return z


def in_place_reset_gate(x_t, h_prev, p):
    r = ref.reset_gate(x_t, h_prev, p)
    p["U_r"][...] = 0.0
    return r


# ---------------------------------------------------------------- candidate

def candidate_with(after, before):
    """A candidate whose two branches are given formulas; each takes (x, h, r, p) and returns the pre-activation."""
    def fn(x_t, h_prev, r, p, reset="after"):
        return tanh((after if reset == "after" else before)(x_t, h_prev, r, p))
    return fn


def pre_after(x, h, r, p):
    return x @ p["W_n"].T + p["b_in"] + r * (h @ p["U_n"].T + p["b_hn"])


def pre_before(x, h, r, p):
    return x @ p["W_n"].T + p["b_in"] + (r * h) @ p["U_n"].T + p["b_hn"]


def candidate_sigmoid(x_t, h_prev, r, p, reset="after"):
    return sig((pre_after if reset == "after" else pre_before)(x_t, h_prev, r, p))


# ---------------------------------------------------------------- cell

def step_with(z_fn=ref.update_gate, r_fn=ref.reset_gate, cand=ref.candidate, combine=None, pass_reset=True):
    combine = combine or (lambda z, n, h: (1 - z) * n + z * h)

    def fn(x_t, h_prev, p, reset="after"):
        z, r = z_fn(x_t, h_prev, p), r_fn(x_t, h_prev, p)
        n = cand(x_t, h_prev, r, p, reset) if pass_reset else cand(x_t, h_prev, r, p)
        return combine(z, n, h_prev)
    return fn


def swapped(name_a, name_b, fn):
    """fn run on params with two entries exchanged (e.g. r's and z's weights)."""
    def wrapped(*args, **kwargs):
        args = list(args)
        for i, a in enumerate(args):
            if isinstance(a, dict):
                p = dict(a)
                p[name_a], p[name_b] = a[name_b], a[name_a]
                args[i] = p
        return fn(*args, **kwargs)
    return wrapped


def rz_swapped(fn):
    return swapped("W_r", "W_z", swapped("U_r", "U_z", swapped("b_r", "b_z", fn)))


# ---------------------------------------------------------------- sequence

def forward_with(step):
    def fn(x, h0, p, reset="after"):
        h, out = h0, []
        for t in range(x.shape[1]):
            h = step(x[:, t], h, p, reset)
            out.append(h)
        return np.stack(out, axis=1)
    return fn


def forward_restarting_from_h0(x, h0, p, reset="after"):
    return np.stack([ref.gru_step(x[:, t], h0, p, reset) for t in range(x.shape[1])], axis=1)


def forward_time_major(x, h0, p, reset="after"):
    h, out = h0, []
    for t in range(x.shape[0]):
        h = ref.gru_step(x[t], h, p, reset)
        out.append(h)
    return np.stack(out, axis=1)


def forward_including_h0(x, h0, p, reset="after"):
    h = ref.gru_forward(x, h0, p, reset)
    return np.concatenate([h0[:, None], h[:, :-1]], axis=1)


# ---------------------------------------------------------------- simplified GRU

def simplified_with(z_side="torch", reset=None, f_n=tanh, drop_b_hn=False, transpose_U=True):
    def fn(x_t, h_prev, p):
        z = ref.update_gate(x_t, h_prev, p)
        rh = h_prev if reset is None else reset(x_t, h_prev, p) * h_prev
        U = p["U_n"].T if transpose_U else p["U_n"]
        n = f_n(x_t @ p["W_n"].T + p["b_in"] + rh @ U + (0 if drop_b_hn else p["b_hn"]))
        return (1 - z) * n + z * h_prev if z_side == "torch" else (1 - z) * h_prev + z * n
    return fn


# ---------------------------------------------------------------- loader

def loader_with(order=("r", "z", "n"), use_bias_hh=True, fold_b_hn=False, transpose=False, swap_ih_hh=False):
    def fn(sd):
        W_ih, W_hh = sd["weight_ih_l0"].detach().numpy(), sd["weight_hh_l0"].detach().numpy()
        b_ih, b_hh = sd["bias_ih_l0"].detach().numpy(), sd["bias_hh_l0"].detach().numpy()
        if swap_ih_hh:
            W_ih, W_hh = W_hh, W_ih
        if not use_bias_hh:
            b_hh = np.zeros_like(b_hh)
        H = b_ih.shape[0] // 3
        block = {g: slice(i * H, (i + 1) * H) for i, g in enumerate(order)}
        t = (lambda a: a.T) if transpose else (lambda a: a)
        p = {"W_z": t(W_ih[block["z"]]), "U_z": t(W_hh[block["z"]]), "b_z": b_ih[block["z"]] + b_hh[block["z"]],
             "W_r": t(W_ih[block["r"]]), "U_r": t(W_hh[block["r"]]), "b_r": b_ih[block["r"]] + b_hh[block["r"]],
             "W_n": t(W_ih[block["n"]]), "b_in": b_ih[block["n"]], "U_n": t(W_hh[block["n"]]),
             "b_hn": b_hh[block["n"]]}
        if fold_b_hn:
            p["b_in"], p["b_hn"] = p["b_in"] + p["b_hn"], np.zeros_like(p["b_hn"])
        return p
    return fn


def loader_only_ih_bias(sd):
    p = ref.params_from_torch(sd)
    H = p["b_z"].shape[0]
    b_ih = sd["bias_ih_l0"].detach().numpy()
    return dict(p, b_r=b_ih[:H], b_z=b_ih[H:2 * H])


# ---------------------------------------------------------------- backward

def backward_with(drop_z_path=False, wrong_dz_sign=False, no_reset_in_dhn=False, b_hn_as_b_in=False,
                  tanh_grad=lambda n: 1 - n * n, sig_grad=lambda s: s * (1 - s), transpose_dx=False,
                  transpose_dh=False, grads_transposed=False, dr_from_h=False, no_gate_paths=False,
                  mean_over_batch=False):
    def fn(dh_next, cache):
        x, h, z, r, n, hn, p = (cache[k] for k in ("x_t", "h_prev", "z", "r", "n", "hn", "params"))
        dn = dh_next * (1 - z)
        dz = dh_next * ((n - h) if wrong_dz_sign else (h - n))
        da_n = dn * tanh_grad(n)
        dhn = da_n if no_reset_in_dhn else da_n * r
        dr = da_n * (h if dr_from_h else hn)
        da_z, da_r = dz * sig_grad(z), dr * sig_grad(r)
        red = (lambda a: a.mean(axis=0)) if mean_over_batch else (lambda a: a.sum(axis=0))
        outer = (lambda d, v: v.T @ d) if grads_transposed else (lambda d, v: d.T @ v)
        grads = {"W_z": outer(da_z, x), "U_z": outer(da_z, h), "b_z": red(da_z),
                 "W_r": outer(da_r, x), "U_r": outer(da_r, h), "b_r": red(da_r),
                 "W_n": outer(da_n, x), "b_in": red(da_n),
                 "U_n": outer(dhn, h), "b_hn": red(da_n) if b_hn_as_b_in else red(dhn)}
        tx = (lambda W: W.T) if transpose_dx else (lambda W: W)
        th = (lambda U: U.T) if transpose_dh else (lambda U: U)
        dx = da_z @ tx(p["W_z"]) + da_r @ tx(p["W_r"]) + da_n @ tx(p["W_n"])
        dh_prev = (0 if drop_z_path else dh_next * z)
        if not no_gate_paths:
            dh_prev = dh_prev + da_z @ th(p["U_z"]) + da_r @ th(p["U_r"])
        dh_prev = dh_prev + dhn @ th(p["U_n"])
        return dx, dh_prev, grads
    return fn


def backward_reset_before(dh_next, cache):
    """The backward of Cho's "reset before" cell, fed a "reset after" cache: the wrong convention."""
    x, h, z, r, n, p = (cache[k] for k in ("x_t", "h_prev", "z", "r", "n", "params"))
    dn = dh_next * (1 - z)
    dz = dh_next * (h - n)
    da_n = dn * (1 - n * n)
    d_rh = da_n @ p["U_n"]
    dr = d_rh * h
    da_z, da_r = dz * z * (1 - z), dr * r * (1 - r)
    grads = {"W_z": da_z.T @ x, "U_z": da_z.T @ h, "b_z": da_z.sum(0), "W_r": da_r.T @ x, "U_r": da_r.T @ h,
             "b_r": da_r.sum(0), "W_n": da_n.T @ x, "b_in": da_n.sum(0), "U_n": da_n.T @ (r * h),
             "b_hn": da_n.sum(0)}
    dx = da_z @ p["W_z"] + da_r @ p["W_r"] + da_n @ p["W_n"]
    dh_prev = dh_next * z + da_z @ p["U_z"] + da_r @ p["U_r"] + d_rh * r
    return dx, dh_prev, grads


def backward_clobbering_cache(dh_next, cache):
    result = ref.gru_step_backward(dh_next, cache)
    cache["z"] *= 0.0
    return result


def backward_missing_key(dh_next, cache):
    dx, dh_prev, grads = ref.gru_step_backward(dh_next, cache)
    return dx, dh_prev, {k: v for k, v in grads.items() if k != "b_hn"}


def forward_updating_h0_in_place(x, h0, params, reset="after"):
    h_t, states = h0, []
    for t in range(x.shape[1]):
        new = ref.gru_step(x[:, t], h_t, params, reset)
        h_t *= 0  # h_t is h0 on the first step: the caller's initial state is overwritten
        h_t += new
        states.append(h_t.copy())
    return np.stack(states, axis=1)


def loader_returning_tensors(state_dict):
    """Right values, but torch tensors where the numpy GRU needs arrays."""
    import torch

    return {name: torch.from_numpy(np.array(value)) for name, value in ref.params_from_torch(state_dict).items()}


MUTANTS = {
    "update_gate": {
        "tanh instead of sigmoid": gate("W_z", "U_z", "b_z", f=tanh),
        "reads the reset gate's parameters": gate("W_r", "U_r", "b_r"),
        "dropped bias": gate("W_z", "U_z", "b_z", with_bias=False),
        "missing transpose of U_z": gate("W_z", "U_z", "b_z", transpose_U=False),
        "dropped recurrent term": lambda x, h, p: sig(x @ p["W_z"].T + p["b_z"]),
        "naive sigmoid (overflows)": lambda x, h, p: 1 / (1 + np.exp(-(x @ p["W_z"].T + h @ p["U_z"].T + p["b_z"]))),
        "returns 1 - z": lambda x, h, p: 1 - ref.update_gate(x, h, p),
        "overwrites its input x_t": in_place_gate,
    },
    "reset_gate": {
        "tanh instead of sigmoid": gate("W_r", "U_r", "b_r", f=tanh),
        "reads the update gate's parameters": gate("W_z", "U_z", "b_z"),
        "dropped bias": gate("W_r", "U_r", "b_r", with_bias=False),
        "missing transpose of U_r": gate("W_r", "U_r", "b_r", transpose_U=False),
        "reads the candidate's U_n": gate("W_r", "U_n", "b_r"),
        "overwrites its parameters": in_place_reset_gate,
    },
    "candidate": {
        "always reset after (ignores the argument)": candidate_with(pre_after, pre_after),
        "always reset before (ignores the argument)": candidate_with(pre_before, pre_before),
        "the two conventions exchanged": candidate_with(pre_before, pre_after),
        "after: b_hn outside the reset": candidate_with(
            lambda x, h, r, p: x @ p["W_n"].T + p["b_in"] + p["b_hn"] + r * (h @ p["U_n"].T), pre_before),
        "before: b_hn inside the reset (a mix of the two)": candidate_with(
            pre_after, lambda x, h, r, p: x @ p["W_n"].T + p["b_in"] + (r * h) @ p["U_n"].T + r * p["b_hn"]),
        "after: reset applied twice, before and after U_n": candidate_with(
            lambda x, h, r, p: x @ p["W_n"].T + p["b_in"] + r * ((r * h) @ p["U_n"].T + p["b_hn"]), pre_before),
        "after: reset multiplies the input side too": candidate_with(
            lambda x, h, r, p: r * (x @ p["W_n"].T + p["b_in"] + h @ p["U_n"].T + p["b_hn"]), pre_before),
        "after: (1 - r) instead of r": candidate_with(lambda x, h, r, p: pre_after(x, h, 1 - r, p),
                                                      lambda x, h, r, p: pre_before(x, h, 1 - r, p)),
        "sigmoid instead of tanh": candidate_sigmoid,
        "dropped b_in": candidate_with(lambda x, h, r, p: pre_after(x, h, r, p) - p["b_in"],
                                       lambda x, h, r, p: pre_before(x, h, r, p) - p["b_in"]),
        "missing transpose of U_n": candidate_with(
            lambda x, h, r, p: x @ p["W_n"].T + p["b_in"] + r * (h @ p["U_n"] + p["b_hn"]),
            lambda x, h, r, p: x @ p["W_n"].T + p["b_in"] + (r * h) @ p["U_n"] + p["b_hn"]),
    },
    "gru_step": {
        "z on the wrong side (Chung's convention with torch's weights)": step_with(
            combine=lambda z, n, h: (1 - z) * h + z * n),
        "reset argument ignored (always after)": step_with(pass_reset=False),
        "reset gate and update gate swapped": rz_swapped(ref.gru_step),
        "b_hn outside the reset": step_with(cand=candidate_with(
            lambda x, h, r, p: x @ p["W_n"].T + p["b_in"] + p["b_hn"] + r * (h @ p["U_n"].T), pre_before)),
        "tanh for the gates": step_with(z_fn=gate("W_z", "U_z", "b_z", f=tanh), r_fn=gate("W_r", "U_r", "b_r", f=tanh)),
        "sigmoid for the candidate": step_with(cand=candidate_sigmoid),
        "candidate without the reset gate": step_with(cand=lambda x, h, r, p, reset="after": ref.candidate(
            x, h, np.ones_like(r), p, reset)),
        "plain sum instead of interpolation": step_with(combine=lambda z, n, h: n + z * h),
        "missing transpose of W_z": step_with(z_fn=gate("W_z", "U_z", "b_z", transpose_W=False)),
        "overwrites h_prev": lambda x, h, p, reset="after": h.__setitem__(Ellipsis, ref.gru_step(x, h, p, reset)) or h,
    },
    "gru_forward": {
        "state not carried (restarts from h0)": forward_restarting_from_h0,
        "time-major loop": forward_time_major,
        "returns h0..h_{T-1} instead of h1..h_T": forward_including_h0,
        "returns only the last state": lambda *a, **k: ref.gru_forward(*a, **k)[:, -1],
        "updates h0 in place": forward_updating_h0_in_place,
        "reset argument not passed on (always after)": lambda x, h0, p, reset="after": ref.gru_forward(x, h0, p),
        "z on the wrong side": forward_with(step_with(combine=lambda z, n, h: (1 - z) * h + z * n)),
        "reset and update gates swapped": rz_swapped(ref.gru_forward),
    },
    "simplified_gru_step": {
        "z on the wrong side": simplified_with(z_side="chung"),
        "keeps the reset gate": simplified_with(reset=ref.reset_gate),
        "dropped b_hn": simplified_with(drop_b_hn=True),
        "sigmoid for the candidate": simplified_with(f_n=sig),
        "missing transpose of U_n": simplified_with(transpose_U=False),
        "no candidate: h = z * h_prev": lambda x, h, p: ref.update_gate(x, h, p) * h,
    },
    "params_from_torch": {
        "reads torch's order as (z, r, n)": loader_with(order=("z", "r", "n")),
        "reads torch's order as (n, r, z)": loader_with(order=("n", "r", "z")),
        "drops bias_hh": loader_with(use_bias_hh=False),
        "gate biases from bias_ih only": loader_only_ih_bias,
        "b_hn folded into b_in": loader_with(fold_b_hn=True),
        "weights transposed": loader_with(transpose=True),
        "returns torch tensors, not numpy arrays": loader_returning_tensors,
        "weight_ih and weight_hh exchanged": loader_with(swap_ih_hh=True),
    },
    "gru_step_backward": {
        "missing the z path into dh_prev": backward_with(drop_z_path=True),
        "sign error in dz (Chung's z side)": backward_with(wrong_dz_sign=True),
        "reset not applied to the U_n gradient": backward_with(no_reset_in_dhn=True),
        "b_hn gets b_in's gradient": backward_with(b_hn_as_b_in=True),
        "tanh derivative 1 - n instead of 1 - n^2": backward_with(tanh_grad=lambda n: 1 - n),
        "sigmoid derivative 1 - s^2": backward_with(sig_grad=lambda s: 1 - s * s),
        "missing transposes: dx through W.T": backward_with(transpose_dx=True),
        "missing transposes: dh_prev through U.T": backward_with(transpose_dh=True),
        "weight gradients transposed, (D, H)": backward_with(grads_transposed=True),
        "dr from h_prev instead of U_n h + b_hn": backward_with(dr_from_h=True),
        "no dh_prev paths through the gates": backward_with(no_gate_paths=True),
        "bias gradients averaged over the batch": backward_with(mean_over_batch=True),
        "backward of the 'reset before' cell": backward_reset_before,
        "grads dict misses b_hn": backward_missing_key,
        "modifies the cache": backward_clobbering_cache,
    },
}


S = "05_gru#"
UPD, RES, CAND, FINAL, SIMPLE, CONV, TORCH, BACK = (S + "the-update-gate", S + "the-reset-gate",
                                                    S + "the-current-memory-content", S + "the-final-memory",
                                                    S + "the-simplified-gru", S + "the-conventions-made-exact",
                                                    S + "checked-against-torch-nn-gru", S + "the-backward-pass-of-one-step")
INTERP = "h_t = (1 - z) * n + z * h_prev, torch's convention, which the course uses"
NOTES = {
    "update_gate": {
        "tanh instead of sigmoid": (UPD, "Your update gate uses tanh; a gate is a sigmoid, in (0, 1)."),
        "reads the reset gate's parameters": (UPD, "Your update gate uses W_r, U_r, b_r; it has its own W_z, U_z, b_z."),
        "dropped bias": (UPD, "Your update gate leaves out b_z: sigmoid(x W_z^T + h U_z^T + b_z)."),
        "missing transpose of U_z": (UPD, "Your update gate multiplies h_prev by U_z without transposing it."),
        "dropped recurrent term": (UPD, "Your update gate ignores h_prev; it reads h_prev through U_z."),
        "naive sigmoid (overflows)": (UPD, "Your sigmoid overflows on large pre-activations; use the stable one."),
        "returns 1 - z": (UPD, "Your function returns 1 - z: the gate itself is sigmoid(...), and which side it "
                          "weights is the step's business."),
        "overwrites its input x_t": (UPD, "Your gate writes into x_t, the caller's array: leave inputs unchanged."),
    },
    "reset_gate": {
        "tanh instead of sigmoid": (RES, "Your reset gate uses tanh; a gate is a sigmoid, in (0, 1)."),
        "reads the update gate's parameters": (RES, "Your reset gate uses W_z, U_z, b_z; it has its own W_r, U_r, b_r."),
        "dropped bias": (RES, "Your reset gate leaves out b_r."),
        "missing transpose of U_r": (RES, "Your reset gate multiplies h_prev by U_r without transposing it."),
        "reads the candidate's U_n": (RES, "Your reset gate uses U_n; its recurrent weights are U_r."),
        "overwrites its parameters": (RES, "Your gate writes into the params arrays it was given: leave inputs "
                                      "unchanged."),
    },
    "candidate": {
        "always reset after (ignores the argument)": (CONV, "Your candidate always puts the reset after U_n; "
                                                      "reset='before' asks for tanh(W_n x + b_in + U_n (r * h) + b_hn)."),
        "always reset before (ignores the argument)": (CONV, "Your candidate always puts the reset before U_n; "
                                                       "reset='after' (the default, torch's) is "
                                                       "tanh(W_n x + b_in + r * (U_n h + b_hn)). Reset before is "
                                                       "the default of ONNX's GRU (linear_before_reset=0); the "
                                                       "page Conventions across courses and libraries converts "
                                                       "it."),
        "the two conventions exchanged": (CONV, "Your candidate computes 'before' when 'after' is asked for, and the "
                                          "other way round."),
        "after: b_hn outside the reset": (CONV, "In the 'after' convention b_hn sits inside the reset: "
                                          "r * (U_n h + b_hn)."),
        "before: b_hn inside the reset (a mix of the two)": (CONV, "In the 'before' convention the reset scales "
                                                             "h only: U_n (r * h) + b_hn."),
        "after: reset applied twice, before and after U_n": (CONV, "Your candidate applies r twice; once, after U_n."),
        "after: reset multiplies the input side too": (CONV, "Your reset also scales W_n x + b_in; it scales only "
                                                       "the recurrent part."),
        "after: (1 - r) instead of r": (RES, "Your candidate scales by 1 - r; the reset gate r itself multiplies "
                                        "the recurrent part (r near 0 forgets the past)."),
        "sigmoid instead of tanh": (CAND, "Your candidate uses the sigmoid; it is tanh, in (-1, 1)."),
        "dropped b_in": (CAND, "Your candidate leaves out b_in."),
        "missing transpose of U_n": (CAND, "Your candidate multiplies by U_n without transposing it."),
    },
    "gru_step": {
        "z on the wrong side (Chung's convention with torch's weights)": (CONV, "Your step computes "
                                                                          "z * n + (1 - z) * h_prev; with torch's "
                                                                          f"weights it is {INTERP}. The page Conventions "
                                                                          "across courses and libraries converts "
                                                                          "Chung's side to torch's by negating "
                                                                          "W_z, U_z and b_z."),
        "reset argument ignored (always after)": (CONV, "Your step does not pass reset on to the candidate."),
        "reset gate and update gate swapped": (FINAL, "Your step uses the reset gate where the update gate belongs "
                                               "and the other way round."),
        "b_hn outside the reset": (CONV, "Your step's candidate puts b_hn outside the reset; it belongs inside, "
                                   "r * (U_n h + b_hn)."),
        "tanh for the gates": (UPD, "Your step's gates use tanh; gates are sigmoids."),
        "sigmoid for the candidate": (CAND, "Your step's candidate uses the sigmoid; it is tanh."),
        "candidate without the reset gate": (RES, "Your step's candidate ignores r."),
        "plain sum instead of interpolation": (FINAL, f"Your step adds n and h_prev; the final memory interpolates: "
                                               f"{INTERP}."),
        "missing transpose of W_z": (UPD, "Your step multiplies x_t by W_z without transposing it."),
        "overwrites h_prev": (FINAL, "Your step writes into h_prev, the caller's array: leave inputs unchanged."),
    },
    "gru_forward": {
        "state not carried (restarts from h0)": (FINAL, "Every step of your loop starts from h0; carry each new "
                                                 "state to the next step."),
        "time-major loop": (FINAL, "Your loop walks axis 0; x is batch-first (N, T, D)."),
        "returns h0..h_{T-1} instead of h1..h_T": (FINAL, "Your result starts with h0; return h_1 ... h_T."),
        "returns only the last state": (FINAL, "Your function returns only h_T; it returns every state."),
        "updates h0 in place": (FINAL, "Your loop starts with h_t = h0 and then updates h_t in place (h_t *= ..., "
                                "h_t += ...), which overwrites the caller's h0. Assign a new array each step."),
        "reset argument not passed on (always after)": (CONV, "Your loop does not pass reset on to gru_step."),
        "z on the wrong side": (CONV, f"Your step weights the wrong side with z: {INTERP}."),
        "reset and update gates swapped": (FINAL, "Your step uses the reset gate where the update gate belongs."),
    },
    "simplified_gru_step": {
        "z on the wrong side": (SIMPLE, f"Your simplified step weights the wrong side with z: {INTERP}."),
        "keeps the reset gate": (SIMPLE, "Your simplified step still applies a reset gate; the simplified GRU has "
                                 "the update gate only."),
        "dropped b_hn": (SIMPLE, "Your simplified candidate leaves out b_hn."),
        "sigmoid for the candidate": (SIMPLE, "Your simplified candidate uses the sigmoid; it is tanh."),
        "missing transpose of U_n": (SIMPLE, "Your simplified candidate multiplies by U_n without transposing it."),
        "no candidate: h = z * h_prev": (SIMPLE, "Your simplified step has no candidate term; "
                                         "h = (1 - z) * n + z * h_prev."),
    },
    "params_from_torch": {
        "reads torch's order as (z, r, n)": (TORCH, "Your loader reads torch's blocks as (z, r, n); torch stacks "
                                             "them (r, z, n). (z, r, n) is the order of ONNX and Keras; the page "
                                             "Conventions across courses and libraries lists each library's."),
        "reads torch's order as (n, r, z)": (TORCH, "Your loader reads torch's blocks as (n, r, z); torch's order "
                                             "is (r, z, n)."),
        "drops bias_hh": (TORCH, "Your loader leaves out bias_hh: b_r = b_ir + b_hr, b_z = b_iz + b_hz, and b_hn "
                          "stays separate."),
        "gate biases from bias_ih only": (TORCH, "Your gate biases leave out bias_hh's rows."),
        "b_hn folded into b_in": (CONV, "Your loader adds b_hn to b_in; in the 'after' convention b_hn sits inside "
                                  "the reset, so it must stay separate."),
        "weights transposed": (TORCH, "Your loader transposes the weights; W_g is (H, D), U_g is (H, H)."),
        "returns torch tensors, not numpy arrays": (TORCH, "Your loader returns torch tensors; the course's GRU is "
                                                    "numpy code and needs arrays (.detach().numpy())."),
        "weight_ih and weight_hh exchanged": (TORCH, "Your loader takes W from weight_hh and U from weight_ih."),
    },
    "gru_step_backward": {
        "missing the z path into dh_prev": (BACK, "Your dh_prev leaves out the direct path z * dh through "
                                            "h_t = (1 - z) n + z h_prev."),
        "sign error in dz (Chung's z side)": (BACK, "Your dz has the wrong sign: dz = dh * (h_prev - n)."),
        "reset not applied to the U_n gradient": (BACK, "Your U_n gradient ignores r: the recurrent part is "
                                                  "scaled by r before the tanh."),
        "b_hn gets b_in's gradient": (BACK, "Your b_hn gradient is b_in's; b_hn sits inside the reset, so its "
                                      "gradient is scaled by r."),
        "tanh derivative 1 - n instead of 1 - n^2": (BACK, "Your candidate derivative is 1 - n; tanh' is 1 - n^2."),
        "sigmoid derivative 1 - s^2": (BACK, "Your gate derivatives are 1 - s^2 (tanh's); sigmoid' is s (1 - s)."),
        "missing transposes: dx through W.T": (BACK, "Your dx multiplies by W^T; from x W^T it is da W."),
        "missing transposes: dh_prev through U.T": (BACK, "Your dh_prev multiplies by U^T; from h U^T it is da U."),
        "weight gradients transposed, (D, H)": (BACK, "Your weight gradients are transposed: dW = da^T x, (H, D)."),
        "dr from h_prev instead of U_n h + b_hn": (BACK, "Your dr uses h_prev; r multiplies U_n h + b_hn, so "
                                                   "dr = dn_pre * (U_n h + b_hn)."),
        "no dh_prev paths through the gates": (BACK, "Your dh_prev takes only the direct path; the gates and the "
                                               "candidate read h_prev too, and their paths add up."),
        "bias gradients averaged over the batch": (BACK, "Your bias gradients are averaged; they are summed over "
                                                   "the batch."),
        "backward of the 'reset before' cell": (CONV, "Your backward pass is the 'reset before' cell's; the "
                                                "forward pass is 'reset after'."),
        "grads dict misses b_hn": (BACK, "Your gradients dict has no b_hn entry: every parameter gets its gradient."),
        "modifies the cache": (BACK, "Your backward pass writes into the cache: leave inputs unchanged."),
    },
}

# Each mistake's kind of fault (judge.mistakes.FAULT_CLASSES) and where it sits: the root cause, as a teacher would
# name it after reading the implementation above. A mistake built from a wrong version of another graded function
# (step_with's gates or candidate, forward_with's step) is `upstream`, naming that function; one written into the
# function itself is labelled by its own kind. Using one of two like things in place of the other (another gate's
# parameters, the other convention) is `swap`; an argument the function ignores (`reset`) is `missing-term`.
FAULTS = {
    "update_gate": {
        "tanh instead of sigmoid": ("activation", None),
        "reads the reset gate's parameters": ("swap", "update gate and reset gate"),
        "dropped bias": ("missing-term", "params['b_z']"),
        "missing transpose of U_z": ("transpose", "params['U_z']"),
        "dropped recurrent term": ("missing-term", "recurrent term"),
        "naive sigmoid (overflows)": ("overflow", None),
        # judgement: 1 - z is the gate's complement, the z / 1 - z roles exchanged (sigmoid of the negated sum)
        "returns 1 - z": ("swap", "z and 1 - z"),
        "overwrites its input x_t": ("in-place", "x_t"),
    },
    "reset_gate": {
        "tanh instead of sigmoid": ("activation", None),
        "reads the update gate's parameters": ("swap", "reset gate and update gate"),
        "dropped bias": ("missing-term", "params['b_r']"),
        "missing transpose of U_r": ("transpose", "params['U_r']"),
        # judgement: one weight of another gate read in place of the gate's own, the like-for-like confusion of swap
        "reads the candidate's U_n": ("swap", "params['U_r'] and params['U_n']"),
        "overwrites its parameters": ("in-place", "params['U_r']"),
    },
    "candidate": {
        # judgement: right in one convention and wrong in the other because the `reset` argument is never read
        "always reset after (ignores the argument)": ("missing-term", "reset"),
        "always reset before (ignores the argument)": ("missing-term", "reset"),
        "the two conventions exchanged": ("swap", "reset before and after"),
        # judgement: b_hn added outside r * (...): the factor r that b_hn takes in the 'after' convention left out
        "after: b_hn outside the reset": ("missing-term", "params['b_hn']"),
        # judgement: r * b_hn in the 'before' convention: a factor r on b_hn that does not belong there
        "before: b_hn inside the reset (a mix of the two)": ("extra-term", "params['b_hn']"),
        "after: reset applied twice, before and after U_n": ("extra-term", "r"),
        "after: reset multiplies the input side too": ("extra-term", "r"),
        # judgement: 1 - r for r, as 1 - z for z: the gate's complement in its place
        "after: (1 - r) instead of r": ("swap", "r and 1 - r"),
        "sigmoid instead of tanh": ("activation", None),
        "dropped b_in": ("missing-term", "params['b_in']"),
        "missing transpose of U_n": ("transpose", "params['U_n']"),
    },
    "gru_step": {
        "z on the wrong side (Chung's convention with torch's weights)": ("swap", "z and 1 - z"),
        "reset argument ignored (always after)": ("missing-term", "reset"),
        "reset gate and update gate swapped": ("swap", "reset gate and update gate"),
        "b_hn outside the reset": ("upstream", "candidate"),           # step_with over a wrong candidate
        "tanh for the gates": ("upstream", "update_gate and reset_gate"),   # step_with over wrong gates
        "sigmoid for the candidate": ("upstream", "candidate"),        # step_with over a wrong candidate
        # the right candidate, called by the step with ones where r belongs: the step leaves r out
        "candidate without the reset gate": ("missing-term", "reset gate"),
        "plain sum instead of interpolation": ("missing-term", "1 - z"),
        "missing transpose of W_z": ("upstream", "update_gate"),       # step_with over a wrong update gate
        "overwrites h_prev": ("in-place", "h_prev"),
    },
    "gru_forward": {
        "state not carried (restarts from h0)": ("time", "h0"),
        "time-major loop": ("axis", "axis 0"),
        "returns h0..h_{T-1} instead of h1..h_T": ("time", "h0"),
        "returns only the last state": ("type-shape", None),
        "updates h0 in place": ("in-place", "h0"),
        "reset argument not passed on (always after)": ("missing-term", "reset"),
        "z on the wrong side": ("upstream", "gru_step"),                # forward_with over a wrong step
        # judgement: built as the right forward on params with r's and z's entries exchanged, not from a wrong step
        "reset and update gates swapped": ("swap", "reset gate and update gate"),
    },
    "simplified_gru_step": {
        "z on the wrong side": ("swap", "z and 1 - z"),
        "keeps the reset gate": ("extra-term", "reset gate"),
        "dropped b_hn": ("missing-term", "params['b_hn']"),
        "sigmoid for the candidate": ("activation", "candidate"),
        "missing transpose of U_n": ("transpose", "params['U_n']"),
        "no candidate: h = z * h_prev": ("missing-term", "candidate"),
    },
    "params_from_torch": {
        "reads torch's order as (z, r, n)": ("swap", "r and z blocks"),
        # judgement: a rotation of the three blocks rather than an exchange of two; still blocks exchanged
        "reads torch's order as (n, r, z)": ("swap", "gate blocks"),
        "drops bias_hh": ("missing-term", "bias_hh_l0"),
        "gate biases from bias_ih only": ("missing-term", "bias_hh_l0"),
        # judgement: b_hn added to b_in, where it does not belong (b_hn left zero follows from that)
        "b_hn folded into b_in": ("extra-term", "b_in"),
        "weights transposed": ("transpose", "weights"),
        "returns torch tensors, not numpy arrays": ("type-shape", None),
        "weight_ih and weight_hh exchanged": ("swap", "weight_ih_l0 and weight_hh_l0"),
    },
    "gru_step_backward": {
        "missing the z path into dh_prev": ("missing-term", "z * dh_next"),
        # judgement: only dz has Chung's sign (dn and dh_prev keep torch's side): a sign error, not the convention
        "sign error in dz (Chung's z side)": ("sign", "dz"),
        "reset not applied to the U_n gradient": ("missing-term", "r"),
        "b_hn gets b_in's gradient": ("missing-term", "grads['b_hn']"),    # its factor r left out
        "tanh derivative 1 - n instead of 1 - n^2": ("activation", "candidate"),
        "sigmoid derivative 1 - s^2": ("activation", "gates"),
        "missing transposes: dx through W.T": ("transpose", "dx"),
        "missing transposes: dh_prev through U.T": ("transpose", "dh_prev"),
        "weight gradients transposed, (D, H)": ("transpose", "weight gradients"),
        # judgement: dr multiplies by h_prev alone where r's operand is U_n h + b_hn: U_n and b_hn left out
        "dr from h_prev instead of U_n h + b_hn": ("missing-term", "dr"),
        "no dh_prev paths through the gates": ("missing-term", "dh_prev"),
        "bias gradients averaged over the batch": ("scale", "bias gradients"),
        # judgement: the other named convention differentiated, as z / 1 - z is the other convention: swap
        "backward of the 'reset before' cell": ("swap", "reset before and after"),
        "grads dict misses b_hn": ("type-shape", "grads['b_hn']"),
        "modifies the cache": ("in-place", "cache"),
    },
}

MISTAKES = catalogue_of(MUTANTS, NOTES, FAULTS)
