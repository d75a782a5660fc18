"""Known mistakes in a02_bptt: per graded function, a wrong implementation and what it tells the student.

The one list of typical wrong implementations: tests/test_hidden_a02_bptt.py proves that the hidden cases reject
each one and that the grader recognises each as itself (autograder/diagnosis.py); the grader names a mistake
in a student's feedback when it agrees with the student's outputs on every hidden case. Runs only on the
grader's side, never in a student's kernel.
"""
import numpy as np

from ..judge.mistakes import catalogue_of
from ..reference import bptt as ref


# ------------------------------------------------------------------------------------ rnn_step_backward
def step_backward_with(derivative=None, dx=None, dh_prev=None, dW_xh=None, dW_hh=None, db=None):
    """An rnn_step_backward with one (or more) of its formulas replaced by a wrong one."""
    def backward(dh_next, cache):
        c = cache
        da = dh_next * (derivative(c) if derivative else ref.activation_derivative(c))
        return ((dx or (lambda da, c: da @ c["W_xh"]))(da, c),
                (dh_prev or (lambda da, c: da @ c["W_hh"]))(da, c),
                (dW_xh or (lambda da, c: da.T @ c["x_t"]))(da, c),
                (dW_hh or (lambda da, c: da.T @ c["h_prev"]))(da, c),
                (db or (lambda da, c: da.sum(axis=0)))(da, c))
    return backward


def step_backward_in_place(dh_next, cache):
    da = dh_next
    da *= ref.activation_derivative(cache)  # da is dh_next: the caller's gradient is overwritten
    c = cache
    return da @ c["W_xh"], da @ c["W_hh"], da.T @ c["x_t"], da.T @ c["h_prev"], da.sum(axis=0)


def tanh_derivative_always(c):
    return 1 - c["h_next"] ** 2


# ----------------------------------------------------------------------------------------- rnn_backward
def bptt_with(step=ref.rnn_step_backward, add_upstream=True, carry=True, accumulate=True, reverse=True,
              mean_over_time=False, dh0_before_last_step=False):
    """rnn_backward with one of its bookkeeping steps got wrong."""
    def backward(dh, cache):
        N, T, H = dh.shape
        dx = np.zeros((N, T, cache[0]["x_t"].shape[1]))
        grads = [np.zeros_like(cache[0][k]) for k in ("W_xh", "W_hh", "b_h")]
        carried = np.zeros((N, H))
        order = reversed(range(T)) if reverse else range(T)
        for t in order:
            upstream = dh[:, t] if (add_upstream or t == T - 1) else 0
            incoming = upstream + carried if carry else dh[:, t]
            if dh0_before_last_step and t == 0:
                dh0 = incoming
            dx[:, t], carried, *step_grads = step(incoming, cache[t])
            for g, s in zip(grads, step_grads):
                if accumulate:
                    g += s
                else:
                    g[...] = s
        if mean_over_time:
            grads = [g / T for g in grads]
        return (dx, dh0 if dh0_before_last_step else carried, *grads)
    return backward


# ----------------------------------------------------------------------------------- numerical_gradient
def gradient_checker(kind="centred", restore=True, denominator=2, fixed_eps=None):
    def numerical_gradient(f, x, eps=1e-6):
        eps = fixed_eps or eps
        grad = np.zeros_like(x, dtype=float)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + eps
            f_plus = f(x)
            if kind == "forward":
                x[i] = old
                f_minus = f(x)
                grad[i] = (f_plus - f_minus) / eps
            else:
                x[i] = old - eps
                f_minus = f(x)
                grad[i] = (f_plus - f_minus) / (denominator * eps)
            if restore:
                x[i] = old
        return grad
    return numerical_gradient


def gradient_of_a_copy_flattened(f, x, eps=1e-6):
    return ref.numerical_gradient(f, x.copy(), eps).ravel()


def gradient_of_a_copy(f, x, eps=1e-6):
    """Perturbs a copy: right when f reads its argument, zeros when f is a closure over x (as in the book)."""
    return ref.numerical_gradient(f, x.copy(), eps)


def gradient_through_ravel(f, x, eps=1e-6):
    """Perturbs x.ravel(): a view of a contiguous x, but a copy of a non-contiguous one (x.T)."""
    flat, grad = x.ravel(), np.zeros(x.size)
    for i in range(x.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = float(f(x))
        flat[i] = old - eps
        f_minus = float(f(x))
        flat[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad.reshape(x.shape)


# --------------------------------------------------------------------------------------- relative_error
def rel_error_cs231n(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def rel_error_no_guard(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


def rel_error_with_floor(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b) + 1e-8))


def rel_error_over_a(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), 1e-300))


def rel_error_signed_sums(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    s = abs(a.sum()) + abs(b.sum())
    return 0.0 if s == 0 else float(abs((a - b).sum()) / s)


def rel_error_max_norm(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    s = np.abs(a).max() + np.abs(b).max()
    return 0.0 if s == 0 else float(np.abs(a - b).max() / s)


# ---------------------------------------------------------------------------------- clip_by_global_norm
def clip_in_place(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    if total > max_norm:
        for g in grads:
            g *= max_norm / total
    return grads, total


def clip_per_tensor(grads, max_norm):
    clipped = []
    for g in grads:
        n = np.linalg.norm(g)
        clipped.append(g * (max_norm / n) if n > max_norm else g.copy())
    return clipped, float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))


def clip_dividing_by_zero(grads, max_norm):
    total = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    scale = np.minimum(1.0, max_norm / total)
    return [g * scale for g in grads], float(total)


def clip_always(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    return [g * (max_norm / total) if total > 0 else g.copy() for g in grads], total


def clip_returning_norm_after(grads, max_norm):
    clipped, total = ref.clip_by_global_norm(grads, max_norm)
    return clipped, min(total, max_norm)


def clip_sum_of_norms(grads, max_norm):
    total = float(sum(np.linalg.norm(g) for g in grads))
    return [g * (max_norm / total) if total > max_norm else g.copy() for g in grads], total


def clip_by_value(grads, max_norm):
    return [np.clip(g, -max_norm, max_norm) for g in grads], float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))


def clip_squared_norm(grads, max_norm):
    clipped, total = ref.clip_by_global_norm(grads, max_norm)
    return clipped, total ** 2


def clip_comparing_squared_norm(grads, max_norm):
    """Compares the squared norm with the threshold (the square root skipped in the test, not in the scale)."""
    total = float(np.sqrt(sum(np.sum(np.asarray(g, dtype=np.float64) ** 2) for g in grads)))
    if total ** 2 > max_norm:
        return [g * np.asarray(max_norm / total, dtype=g.dtype) for g in grads], total
    return [g.copy() for g in grads], total


def clip_in_float64(grads, max_norm):
    """Scales by a float64 factor: float32 gradients come back float64."""
    total = float(np.sqrt(sum(np.sum(np.asarray(g, dtype=np.float64) ** 2) for g in grads)))
    scale = np.float64(min(1.0, max_norm / total)) if total > 0 else np.float64(1.0)
    return [g * scale for g in grads], total


# --------------------------------------------------------------------------- gradient_norm_at_first_step
def first_step_norm_with(steps_back=lambda T: range(T - 1, 0, -1), step=ref.rnn_step_backward,
                         reduce=lambda g: np.linalg.norm(g, axis=1)):
    def gradient_norm_at_first_step(x, h0, W_xh, W_hh, b_h, dh_T, nonlinearity="tanh"):
        _, cache = ref.rnn_forward(x, h0, W_xh, W_hh, b_h, nonlinearity)
        g = dh_T
        for t in steps_back(len(cache)):
            _, g, *_ = step(g, cache[t])
        return reduce(g)
    return gradient_norm_at_first_step


def first_step_norm_with_loss_everywhere(x, h0, W_xh, W_hh, b_h, dh_T, nonlinearity="tanh"):
    _, cache = ref.rnn_forward(x, h0, W_xh, W_hh, b_h, nonlinearity)
    dh = np.repeat(dh_T[:, None], x.shape[1], axis=1)
    _, g, *_ = ref.rnn_backward(dh[:, 1:], cache[1:]) if x.shape[1] > 1 else (None, dh_T)
    return np.linalg.norm(g + dh_T * (x.shape[1] > 1), axis=1)


MUTANTS = {
    "rnn_step_backward": {
        "dropped tanh derivative (1 - h^2)": step_backward_with(derivative=lambda c: 1.0),
        "derivative taken at the pre-activation (1 - a^2)": step_backward_with(derivative=lambda c: 1 - c["a"] ** 2),
        "sigmoid's derivative h (1 - h)": step_backward_with(derivative=lambda c: c["h_next"] * (1 - c["h_next"])),
        "derivative 1 + h^2 (sign flip)": step_backward_with(derivative=lambda c: 1 + c["h_next"] ** 2),
        "relu ignored (always the tanh derivative)": step_backward_with(derivative=tanh_derivative_always),
        "missing transpose in dh_prev": step_backward_with(dh_prev=lambda da, c: da @ c["W_hh"].T),
        "missing transpose in dx_t": step_backward_with(dx=lambda da, c: da @ c["W_xh"].T),
        "dW_hh transposed": step_backward_with(dW_hh=lambda da, c: c["h_prev"].T @ da),
        "dW_xh from h_prev instead of x_t": step_backward_with(dW_xh=lambda da, c: (da.T @ c["h_prev"])[:, :c["x_t"].shape[1]]),
        "db_h averaged over the batch": step_backward_with(db=lambda da, c: da.mean(axis=0)),
        "db_h not summed over the batch": step_backward_with(db=lambda da, c: da),
        "scales dh_next in place": step_backward_in_place,
    },
    "rnn_backward": {
        "shared-weight gradients not accumulated (last step processed only)": bptt_with(accumulate=False),
        "upstream dh[:, t] not added to the carried gradient": bptt_with(add_upstream=False),
        "carried gradient dropped (each step sees only dh[:, t])": bptt_with(carry=False),
        "walks forwards in time": bptt_with(reverse=False),
        "weight gradients averaged over time": bptt_with(mean_over_time=True),
        "returns dL/dh_1 as dh0": bptt_with(dh0_before_last_step=True),
        "built on a step without the tanh derivative": bptt_with(
            step=step_backward_with(derivative=lambda c: 1.0)),
    },
    "numerical_gradient": {
        "forward difference": gradient_checker(kind="forward"),
        "divides by eps, not 2 eps": gradient_checker(denominator=1),
        "does not restore x": gradient_checker(restore=False),
        "ignores the eps argument": gradient_checker(fixed_eps=1e-5),
        "flattened result": gradient_of_a_copy_flattened,
        "eps too large (1e-2)": gradient_checker(fixed_eps=1e-2),
        "perturbs a copy of x": gradient_of_a_copy,
        "perturbs x.ravel()": gradient_through_ravel,
    },
    "relative_error": {
        "elementwise maximum (CS231n's rel_error)": rel_error_cs231n,
        "divides by zero when both are zero": rel_error_no_guard,
        "a floor added to the denominator (not scale-free)": rel_error_with_floor,
        "divides by ||a|| only (not symmetric)": rel_error_over_a,
        "signed sums instead of norms": rel_error_signed_sums,
        "max-norm instead of the Euclidean norm": rel_error_max_norm,
    },
    "clip_by_global_norm": {
        "clips in place": clip_in_place,
        "clips each tensor by its own norm": clip_per_tensor,
        "divides by zero on zero gradients": clip_dividing_by_zero,
        "rescales even when the norm is below the threshold": clip_always,
        "returns the norm after clipping": clip_returning_norm_after,
        "sum of the norms instead of the global norm": clip_sum_of_norms,
        "clips by value": clip_by_value,
        "returns the squared norm": clip_squared_norm,
        "compares the squared norm with the threshold": clip_comparing_squared_norm,
        "float32 gradients scaled in float64": clip_in_float64,
    },
    "gradient_norm_at_first_step": {
        "one Jacobian too many (norm of dL/dh_0)": first_step_norm_with(steps_back=lambda T: range(T - 1, -1, -1)),
        "one Jacobian too few": first_step_norm_with(steps_back=lambda T: range(T - 1, 1, -1)),
        "activation derivative ignored (W_hh^T only)": first_step_norm_with(
            step=step_backward_with(derivative=lambda c: 1.0)),
        "missing transpose of W_hh": first_step_norm_with(
            step=step_backward_with(dh_prev=lambda da, c: da @ c["W_hh"].T)),
        "one norm over the whole batch": first_step_norm_with(reduce=np.linalg.norm),
        "squared norms": first_step_norm_with(reduce=lambda g: np.sum(g ** 2, axis=1)),
        "loss at every step, not only the last": first_step_norm_with_loss_everywhere,
    },
}


S = "03_training_rnns#"
BPTT, CHECK, VANISH, CLIP = (S + "backpropagation-through-time-from-scratch", S + "checking-the-gradients",
                             S + "vanishing-and-exploding-gradients", S + "gradient-clipping")
NOTES = {
    "rnn_step_backward": {
        "dropped tanh derivative (1 - h^2)": (BPTT, "Your da is dh_next itself: the chain rule through h = tanh(a) "
                                              "multiplies by tanh'(a) = 1 - h^2 first."),
        "derivative taken at the pre-activation (1 - a^2)": (BPTT, "Your derivative is 1 - a^2, with the "
                                                             "pre-activation a; tanh'(a) = 1 - tanh(a)^2 = 1 - h^2, "
                                                             "written with the output h."),
        "sigmoid's derivative h (1 - h)": (BPTT, "Your derivative is h (1 - h), the sigmoid's; the vanilla cell's "
                                           "tanh has derivative 1 - h^2."),
        "derivative 1 + h^2 (sign flip)": (BPTT, "Your derivative is 1 + h^2; tanh' is 1 - h^2, which is at most 1 "
                                           "and shrinks where the unit saturates."),
        "relu ignored (always the tanh derivative)": (BPTT, "Your backward pass uses 1 - h^2 even for "
                                                      "nonlinearity='relu'; relu's derivative is 1 where a > 0, "
                                                      "else 0."),
        "missing transpose in dh_prev": (BPTT, "Your dh_prev is da W_hh^T; from a = h_prev W_hh^T + ... the "
                                         "gradient is dh_prev = da W_hh (no transpose)."),
        "missing transpose in dx_t": (BPTT, "Your dx_t is da W_xh^T; from a = x_t W_xh^T + ... it is dx_t = da W_xh."),
        "dW_hh transposed": (BPTT, "Your dW_hh is h_prev^T da, shape (H, H) but transposed; the gradient of "
                             "h_prev W_hh^T is dW_hh = da^T h_prev."),
        "dW_xh from h_prev instead of x_t": (BPTT, "Your dW_xh is built from h_prev; W_xh multiplies x_t, so "
                                             "dW_xh = da^T x_t."),
        "db_h averaged over the batch": (BPTT, "Your db_h is the mean over the batch; the loss sums over the "
                                         "batch, so db_h = da.sum(axis=0)."),
        "scales dh_next in place": (BPTT, "Your da is dh_next itself, multiplied in place (da = dh_next; da *= ...): "
                                    "the caller's upstream gradient is overwritten, and BPTT, which still needs it, "
                                    "breaks. Write da = dh_next * (1 - h^2)."),
        "db_h not summed over the batch": (BPTT, "Your db_h has shape (N, H): sum it over the batch axis, "
                                           "da.sum(axis=0), since the one bias serves every example."),
    },
    "rnn_backward": {
        "shared-weight gradients not accumulated (last step processed only)": (
            BPTT, "Your weight gradients come from one step only. W_xh, W_hh and b_h are shared by all steps, so "
                  "their gradients are the sum over every step's contribution (+=)."),
        "upstream dh[:, t] not added to the carried gradient": (
            BPTT, "Your loop carries the gradient back but never adds the loss's own dh[:, t] at each step: the "
                  "gradient reaching h_t is dh[:, t] plus what flows back from step t + 1."),
        "carried gradient dropped (each step sees only dh[:, t])": (
            BPTT, "Each step of your loop sees only dh[:, t]; the dh_prev that step t + 1 returns must be added to "
                  "it, or no gradient flows back through time."),
        "walks forwards in time": (BPTT, "Your loop runs t = 0 ... T-1; backpropagation through time walks backwards, "
                                   "from the last step to the first, carrying dh_prev."),
        "weight gradients averaged over time": (BPTT, "Your weight gradients are averaged over the steps; the loss "
                                                "sums over time, so they are summed."),
        "returns dL/dh_1 as dh0": (BPTT, "Your dh0 is the gradient at h_1; dh0 is one step further back, the dh_prev "
                                   "of the first step."),
        "built on a step without the tanh derivative": (BPTT, "Your step backward leaves out tanh' = 1 - h^2: each "
                                                        "step multiplies the carried gradient by it."),
    },
    "numerical_gradient": {
        "forward difference": (CHECK, "Your checker uses (f(x + eps) - f(x)) / eps, whose error is O(eps); the "
                               "centred difference (f(x + eps) - f(x - eps)) / (2 eps) is O(eps^2)."),
        "divides by eps, not 2 eps": (CHECK, "Your centred difference divides by eps; the two points are 2 eps "
                                      "apart, so every entry comes out twice too large."),
        "does not restore x": (CHECK, "Your checker leaves x perturbed: after each entry it must put the original "
                               "value back (saved and re-assigned), or the later entries are measured at the "
                               "wrong point and the caller's array is changed."),
        "ignores the eps argument": (CHECK, "Your checker uses its own step instead of the eps it is given."),
        "flattened result": (CHECK, "Your gradient is flattened; it must have x's shape."),
        "eps too large (1e-2)": (CHECK, "Your step is 1e-2: the centred difference is then off by about eps^2 = "
                                 "1e-4. Use the eps argument (1e-6 by default)."),
        "perturbs a copy of x": (CHECK, "Your checker perturbs a copy of x. The book calls it with a loss that reads "
                                 "the array itself (a closure over W_hh), which never sees a change to a copy: "
                                 "all-zero gradients. Change x in place, one entry at a time, and restore it."),
        "perturbs x.ravel()": (CHECK, "Your checker perturbs x.ravel(), which is a view only when x is contiguous; "
                               "for x.T it is a copy, and a loss that reads x sees nothing. Index x itself with "
                               "np.ndindex(x.shape)."),
    },
    "relative_error": {
        "elementwise maximum (CS231n's rel_error)": (CHECK, "Yours is the largest elementwise |a - b| / (|a| + |b|); "
                                                     "the book's relative error is one ratio of norms, "
                                                     "||a - b|| / (||a|| + ||b||). The two are different numbers, "
                                                     "and CS231n's thresholds do not carry over: the page "
                                                     "Conventions across courses and libraries computes both "
                                                     "on the same gradients."),
        "divides by zero when both are zero": (CHECK, "Two all-zero arrays make your denominator 0: return 0 when "
                                               "both norms are zero."),
        "a floor added to the denominator (not scale-free)": (CHECK, "The + 1e-8 in your denominator makes the "
                                                              "error depend on the gradients' scale: tiny gradients "
                                                              "look equal. Guard the 0 / 0 case only."),
        "divides by ||a|| only (not symmetric)": (CHECK, "Your error divides by ||a|| alone, so rel(a, b) != rel(b, "
                                                  "a); divide by ||a|| + ||b||."),
        "signed sums instead of norms": (CHECK, "Your error uses signed sums, in which positive and negative "
                                         "differences cancel; use Euclidean norms."),
        "max-norm instead of the Euclidean norm": (CHECK, "Your error uses the largest entries; the book's uses the "
                                                   "Euclidean norm over all entries."),
    },
    "clip_by_global_norm": {
        "clips in place": (CLIP, "Your clip rescales the caller's arrays in place (g *= ...). Return new arrays and "
                           "leave the gradients you were given as they are."),
        "clips each tensor by its own norm": (CLIP, "Your clip rescales each array by its own norm, which changes "
                                              "the update's direction; one factor, from the global norm over all "
                                              "arrays, rescales them all."),
        "divides by zero on zero gradients": (CLIP, "All-zero gradients make your scale max_norm / 0: when the norm "
                                              "is below the threshold, nothing should be divided."),
        "rescales even when the norm is below the threshold": (CLIP, "Your clip rescales every time, so small "
                                                               "gradients are blown up to the threshold; clip only "
                                                               "when the norm exceeds it."),
        "returns the norm after clipping": (CLIP, "Your total_norm is the norm after clipping; it is the norm "
                                            "before, which is what one monitors."),
        "sum of the norms instead of the global norm": (CLIP, "Your norm is the sum of the arrays' norms; the "
                                                        "global norm is sqrt of the sum of all squared entries."),
        "clips by value": (CLIP, "Your clip caps each entry at +-max_norm (np.clip), which changes the direction; "
                           "clipping by the global norm rescales all entries by one factor. "
                           "Karpathy's min-char-rnn clips by value; the page Conventions across courses and "
                           "libraries puts the ways of clipping side by side."),
        "returns the squared norm": (CLIP, "Your total_norm is the squared norm; take the square root."),
        "compares the squared norm with the threshold": (CLIP, "Your test compares the squared norm with max_norm, "
                                                         "so a norm of 2 is clipped at a threshold of 3 and a norm "
                                                         "of 0.5 escapes a threshold of 0.4. Compare the norm itself."),
        "float32 gradients scaled in float64": (CLIP, "Your clipped float32 gradients come back float64: a float64 "
                                                "scale factor promotes them. Cast the factor to each gradient's "
                                                "dtype."),
    },
    "gradient_norm_at_first_step": {
        "one Jacobian too many (norm of dL/dh_0)": (VANISH, "Your loop goes one step too far, to dL/dh_0; the "
                                                    "quantity is dL/dh_1, a product of T - 1 Jacobians."),
        "one Jacobian too few": (VANISH, "Your loop stops one step early, at dL/dh_2: T - 1 Jacobians reach h_1."),
        "activation derivative ignored (W_hh^T only)": (VANISH, "Your Jacobians are W_hh alone; each is "
                                                        "diag(phi'(a_t)) W_hh, and the derivative is what makes "
                                                        "saturated units vanish the gradient."),
        "missing transpose of W_hh": (VANISH, "Your backward step multiplies by W_hh^T; dh_prev = da W_hh."),
        "one norm over the whole batch": (VANISH, "Your result is one norm over the whole batch; it is one norm per "
                                          "sequence, np.linalg.norm(g, axis=1)."),
        "squared norms": (VANISH, "Your norms are squared: take the square root (np.linalg.norm)."),
        "loss at every step, not only the last": (VANISH, "Your loss has a term at every step; here it sits at the "
                                                  "last step only, L = sum(dh_T * h_T)."),
    },
}

# Each mistake's kind of fault (judge.mistakes.FAULT_CLASSES) and where it sits: an argument of the graded
# function (cache['W_hh'] for what the cache carries), or a term or output in a few words. The root cause as the
# implementation above makes it, not what a probe would see; a comment explains each label that needed judgement.
FAULTS = {
    "rnn_step_backward": {
        "dropped tanh derivative (1 - h^2)": ("missing-term", "tanh derivative"),
        "derivative taken at the pre-activation (1 - a^2)": ("activation", "tanh derivative"),
        "sigmoid's derivative h (1 - h)": ("activation", "tanh derivative"),
        # a wrong derivative, but the slip that makes it is one flipped sign: 1 + h^2 for 1 - h^2
        "derivative 1 + h^2 (sign flip)": ("sign", "tanh derivative"),
        # tanh's derivative where relu's is asked for, because the nonlinearity in the cache is ignored
        "relu ignored (always the tanh derivative)": ("activation", "nonlinearity"),
        "missing transpose in dh_prev": ("transpose", "cache['W_hh']"),
        "missing transpose in dx_t": ("transpose", "cache['W_xh']"),
        "dW_hh transposed": ("transpose", "dW_hh"),
        # h_prev read where x_t belongs, in dW_xh's formula only: one input put in another's place
        "dW_xh from h_prev instead of x_t": ("swap", "dW_xh"),
        "db_h averaged over the batch": ("scale", "db_h"),
        # the sum over the batch never taken: db_h comes back (N, H) instead of (H,)
        "db_h not summed over the batch": ("type-shape", "db_h"),
        "scales dh_next in place": ("in-place", "dh_next"),
    },
    "rnn_backward": {
        # g[...] = for g +=: every step's contribution but the last one processed is left out of the sum over time
        "shared-weight gradients not accumulated (last step processed only)": ("missing-term", "weight gradients"),
        "upstream dh[:, t] not added to the carried gradient": ("missing-term", "dh"),
        # the backward pass's state, the gradient carried from step t + 1, is not carried: as a forward state
        # that restarts, a fault in time
        "carried gradient dropped (each step sees only dh[:, t])": ("time", "carried gradient"),
        "walks forwards in time": ("time", None),
        "weight gradients averaged over time": ("scale", "weight gradients"),
        "returns dL/dh_1 as dh0": ("time", "dh0"),
        # bptt_with over a step backward without tanh': the loop is right, the step it calls is not
        "built on a step without the tanh derivative": ("upstream", "rnn_step_backward"),
    },
    "numerical_gradient": {
        # f(x) in place of f(x - eps) (and eps for 2 eps): the centred difference's second point is left out
        "forward difference": ("missing-term", "f(x - eps)"),
        "divides by eps, not 2 eps": ("scale", "eps"),
        "does not restore x": ("in-place", "x"),
        "ignores the eps argument": ("missing-term", "eps"),
        # the implementation is ignores-eps with another constant (fixed_eps=1e-2): the eps argument left out
        "eps too large (1e-2)": ("missing-term", "eps"),
        "flattened result": ("type-shape", None),
        # in-place semantics the other way round: x must be perturbed in place (f may read it through a
        # closure), and a copy is perturbed instead
        "perturbs a copy of x": ("in-place", "x"),
        # as above: x.ravel() is a copy, not a view, of a non-contiguous x
        "perturbs x.ravel()": ("in-place", "x"),
    },
    "relative_error": {
        # each entry normalised by its own |a| + |b| (and the largest kept) instead of one ratio of norms:
        # a wrong normaliser
        "elementwise maximum (CS231n's rel_error)": ("scale", None),
        "divides by zero when both are zero": ("boundary", "a = b = 0"),
        # the denominator is the normaliser; its + 1e-8 makes the error depend on the gradients' scale
        "a floor added to the denominator (not scale-free)": ("scale", "denominator"),
        "divides by ||a|| only (not symmetric)": ("scale", "denominator"),
        # a wrong measure of size (signed sums, in which differences cancel) in numerator and denominator
        "signed sums instead of norms": ("scale", None),
        # a wrong measure of size (the largest entry) in numerator and denominator
        "max-norm instead of the Euclidean norm": ("scale", None),
    },
    "clip_by_global_norm": {
        "clips in place": ("in-place", "grads"),
        # each array rescaled by its own factor instead of one global factor: the factors are wrong
        "clips each tensor by its own norm": ("scale", "grads"),
        "divides by zero on zero gradients": ("boundary", "zero gradients"),
        # max_norm / total applied below the threshold too, where the factor is 1
        "rescales even when the norm is below the threshold": ("scale", "grads"),
        # the returned norm has the clip factor applied: min(total, max_norm)
        "returns the norm after clipping": ("scale", "total_norm"),
        # a wrong measure of size: sum of the arrays' norms for the norm of all entries together
        "sum of the norms instead of the global norm": ("scale", "total_norm"),
        # each entry capped on its own instead of all rescaled by one factor
        "clips by value": ("scale", "grads"),
        "returns the squared norm": ("missing-term", "square root"),
        # the square root left out of the comparison with max_norm (the factor itself is right)
        "compares the squared norm with the threshold": ("missing-term", "square root"),
        "float32 gradients scaled in float64": ("dtype", "grads"),
    },
    "gradient_norm_at_first_step": {
        "one Jacobian too many (norm of dL/dh_0)": ("time", None),
        "one Jacobian too few": ("time", None),
        # first_step_norm_with over a step backward without phi': the loop is right, the step it calls is not
        "activation derivative ignored (W_hh^T only)": ("upstream", "rnn_step_backward"),
        # first_step_norm_with over a step backward with W_hh^T: the loop is right, the step it calls is not
        "missing transpose of W_hh": ("upstream", "rnn_step_backward"),
        "one norm over the whole batch": ("axis", "norm"),
        "squared norms": ("missing-term", "square root"),
        # a loss term at every step, where only the last step's belongs
        "loss at every step, not only the last": ("extra-term", "earlier steps' losses"),
    },
}

MISTAKES = catalogue_of(MUTANTS, NOTES, FAULTS)
