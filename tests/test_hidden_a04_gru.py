"""The a04 hidden tests accept the reference and reject each typical wrong implementation of a GRU."""
import numpy as np
import pytest

from autograder.hidden import a04_gru as hidden
from autograder.reference import activations as act
from autograder.reference import gru as ref

from mutation import mutation_tests

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


test_reference_passes, test_mutant_is_rejected, test_every_graded_function_has_mutants = \
    mutation_tests(hidden, MUTANTS)


def test_conventions_are_told_apart_by_a_wide_margin():
    """The cases that separate "reset before" from "reset after" do so by far more than the tolerance."""
    for name in ("candidate", "gru_step"):
        case = next(c for c in hidden.CHECKS[name] if "both conventions" in c.name)
        outputs = case.outputs(hidden.REFERENCES[name])
        assert np.abs(outputs["reset='after'"] - outputs["reset='before'"]).max() > 1e-2, name


def test_messages_say_what_is_wrong():
    with pytest.raises(AssertionError, match=r"gru_step \[reset before\]: h_next differs from the reference"):
        hidden.check("gru_step", step_with(pass_reset=False))
    with pytest.raises(AssertionError, match=r"gru_step_backward \[N=3, D=4, H=5\]: gradients\[.dh_prev.\] differs"):
        hidden.check("gru_step_backward", backward_with(drop_z_path=True))
    with pytest.raises(AssertionError, match="is missing the keys \\[.db_hn.\\]"):
        hidden.check("gru_step_backward", backward_missing_key)


def test_in_place_edits_are_named():
    with pytest.raises(AssertionError, match=r"update_gate \[inputs not modified in place\]: "
                                             r"z\['x_t after the call \(must be unchanged\)'\] differs"):
        hidden.check("update_gate", in_place_gate)
    with pytest.raises(AssertionError, match=r"gru_step_backward \[cache not modified in place\]: "
                                             r"gradients\['cache after the call \(must be unchanged\)'\]\['z'\]"):
        hidden.check("gru_step_backward", backward_clobbering_cache)


def test_second_opinions_really_come_from_torch_and_finite_differences():
    """The reference answers the "torch:" cases through torch and the gradient check through central
    differences, and each agrees with the numpy reference far inside the case's tolerance."""
    for name, cases in hidden.CHECKS.items():
        reference = hidden.REFERENCES[name]
        for case in cases:
            if not case.name.startswith(("torch:", "gradient check:")):
                continue
            assert isinstance(reference, hidden.ReferenceWithTwins), name
            second = case.outputs(reference)
            plain = case.outputs(reference.numpy_fn)  # the same probe, the numpy reference called as a student
            flat = lambda v: v if isinstance(v, dict) else {"": v}  # noqa: E731
            for key, value in flat(second).items():
                gap = np.max(np.abs(np.asarray(flat(plain)[key]) - np.asarray(value)))
                assert gap < (1e-12 if case.name.startswith("torch:") else 1e-8), (name, case.name, key, gap)


def test_cases_run_in_a_kernel_without_the_autograder_package(tmp_path):
    """The grader pickles the cases by value; a kernel with no autograder package must be able to run them."""
    import subprocess
    import sys

    from autograder import verdicts

    path = tmp_path / "cases.pkl"
    verdicts.write_cases_file("a04_gru", str(path))
    script = f"""
import pickle, sys
assert not any("autograder" in m for m in sys.modules)
cases = pickle.load(open({str(path)!r}, "rb"))["a04_gru"]
def student(*args, **kwargs):
    return args[0]
ran = 0
for name, function_cases in cases.items():
    for case in function_cases:
        try:
            case.outputs(student)
        except (AssertionError, TypeError, KeyError, ValueError, AttributeError):
            pass  # a wrong answer may fail inside a probe; a missing module may not
        ran += 1
assert not any(m.startswith("autograder") for m in sys.modules), [m for m in sys.modules if "autograder" in m]
print(ran)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == sum(len(c) for c in hidden.CHECKS.values())
