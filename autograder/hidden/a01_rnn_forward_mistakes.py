"""Known mistakes in a01_rnn_forward: per graded function, a wrong implementation and what it tells the student.

The one list of typical wrong implementations: tests/test_hidden_a01_rnn_forward.py proves that the hidden cases reject
each one and that the grader recognises each as itself (autograder/diagnosis.py); the grader names a mistake
in a student's feedback when it agrees with the student's outputs on every hidden case. Runs only on the
grader's side, never in a student's kernel.
"""
import numpy as np

from ..reference import activations as act
from ..reference import rnn as ref
from ..judge.mistakes import catalogue_of


def naive_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x)))


def naive_tanh(x):
    x = np.asarray(x)
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


def step_with(pre_activation, nonlinearity_map=None):
    """An rnn_step built from a (possibly wrong) pre-activation formula."""
    def step(x_t, h_prev, W_xh, W_hh, b_h, nonlinearity="tanh"):
        z = pre_activation(x_t, h_prev, W_xh, W_hh, b_h)
        return (nonlinearity_map or act.NONLINEARITIES)[nonlinearity](z)
    return step


def forward_with(step):
    def forward(x, h0, W_xh, W_hh, b_h, nonlinearity="tanh"):
        h_t, states = h0, []
        for t in range(x.shape[1]):
            h_t = step(x[:, t], h_t, W_xh, W_hh, b_h, nonlinearity)
            states.append(h_t)
        return np.stack(states, axis=1)
    return forward


def forward_restarting_from_h0(x, h0, W_xh, W_hh, b_h, nonlinearity="tanh"):
    return np.stack([ref.rnn_step(x[:, t], h0, W_xh, W_hh, b_h, nonlinearity) for t in range(x.shape[1])], axis=1)


def forward_time_major(x, h0, W_xh, W_hh, b_h, nonlinearity="tanh"):
    # Reads axis 0 as time: only works by accident when N == T.
    h_t, states = h0, []
    for t in range(x.shape[0]):
        h_t = ref.rnn_step(x[t], h_t, W_xh, W_hh, b_h, nonlinearity)
        states.append(h_t)
    return np.stack(states, axis=1)


def forward_including_h0(*args, **kwargs):
    h = ref.rnn_forward(*args, **kwargs)
    return np.concatenate([args[1][:, None], h[:, :-1]], axis=1)


def softmax_global_max(z):
    """Subtracts one maximum for the whole batch: a row far below the others underflows to 0 / 0."""
    z = np.asarray(z)
    e = np.exp(z - z.max())
    return e / e.sum(axis=-1, keepdims=True)


def softmax_shifting_in_place(z):
    z -= z.max(axis=-1, keepdims=True)  # rewrites the caller's logits
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid_in_float64(x):
    """Right values, wrong dtype: a float32 input comes back float64."""
    x = np.asarray(x, dtype=np.float64)
    return act.sigmoid(x)


def tanh_in_float64(x):
    return act.tanh(np.asarray(x, dtype=np.float64))


def forward_writing_into_h0(x, h0, W_xh, W_hh, b_h, nonlinearity="tanh"):
    h_t, states = h0, []
    for t in range(x.shape[1]):
        h_t[...] = ref.rnn_step(x[:, t], h_t, W_xh, W_hh, b_h, nonlinearity)  # h_t is h0: overwritten
        states.append(h_t.copy())
    return np.stack(states, axis=1)


def step_in_float64(x_t, h_prev, W_xh, W_hh, b_h, nonlinearity="tanh"):
    cast = lambda a: np.asarray(a, dtype=np.float64)
    return ref.rnn_step(cast(x_t), cast(h_prev), cast(W_xh), cast(W_hh), cast(b_h), nonlinearity)


MUTANTS = {
    "sigmoid": {
        "naive formula (overflows)": naive_sigmoid,
        "sign flip": lambda x: act.sigmoid(-np.asarray(x)),
        "tanh instead of sigmoid": np.tanh,
        # exp(x), capped where float32 still holds it: the mistake, without overflow warnings of its own
        "missing 1 + in the denominator": lambda x: np.exp(np.minimum(np.asarray(x), 80)),
        "float32 input answered in float64": sigmoid_in_float64,
    },
    "tanh": {
        "naive formula (overflows)": naive_tanh,
        "sigmoid instead of tanh": act.sigmoid,
        "forgot the factor 2 inside": lambda x: 2 * act.sigmoid(np.asarray(x)) - 1,
        "sign flip": lambda x: -act.tanh(x),
        "float32 input answered in float64": tanh_in_float64,
    },
    "rnn_step": {
        "sigmoid where tanh belongs": step_with(lambda x, h, Wx, Wh, b: x @ Wx.T + h @ Wh.T + b,
                                                {"tanh": act.sigmoid, "relu": act.relu}),
        "dropped bias": step_with(lambda x, h, Wx, Wh, b: x @ Wx.T + h @ Wh.T),
        "dropped recurrent term": step_with(lambda x, h, Wx, Wh, b: x @ Wx.T + b),
        "missing transpose of W_hh": step_with(lambda x, h, Wx, Wh, b: x @ Wx.T + h @ Wh + b),
        "sign flip on the recurrent term": step_with(lambda x, h, Wx, Wh, b: x @ Wx.T - h @ Wh.T + b),
        "relu ignored (always tanh)": step_with(lambda x, h, Wx, Wh, b: x @ Wx.T + h @ Wh.T + b,
                                                {"tanh": act.tanh, "relu": act.tanh}),
        "float32 input answered in float64": step_in_float64,
    },
    "rnn_forward": {
        "state not carried (restarts from h0)": forward_restarting_from_h0,
        "time-major loop": forward_time_major,
        "returns h0..h_{T-1} instead of h1..h_T": forward_including_h0,
        "returns only the last state": lambda *a, **k: ref.rnn_forward(*a, **k)[:, -1],
        "missing transpose of W_xh": forward_with(step_with(lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh.T + b)),
        "writes each state into h0": forward_writing_into_h0,
    },
    "softmax": {
        "no max subtraction (overflows)": lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True),
        "normalised over the first axis": lambda z: act.softmax(np.moveaxis(np.asarray(z), 0, -1)).swapaxes(0, -1)
        if np.ndim(z) == 2 else act.softmax(z)[::-1],
        "sign flip": lambda z: act.softmax(-np.asarray(z)),
        "not normalised": lambda z: np.exp(np.asarray(z) - np.max(z, axis=-1, keepdims=True)),
        "one maximum for the whole batch": softmax_global_max,
        "shifts the logits in place": softmax_shifting_in_place,
    },
    "rnn_output": {
        "dropped bias": lambda h, W, b: act.softmax(h @ W.T),
        "logits, not probabilities": lambda h, W, b: h @ W.T + b,
        "sigmoid instead of softmax": lambda h, W, b: act.sigmoid(h @ W.T + b),
    },
    "many_to_one_forward": {
        "classifies from the first state": lambda x, h0, Wx, Wh, b, Wy, by:
            ref.rnn_output(ref.rnn_forward(x, h0, Wx, Wh, b)[:, 0], Wy, by),
        "classifies from the mean state": lambda x, h0, Wx, Wh, b, Wy, by:
            ref.rnn_output(ref.rnn_forward(x, h0, Wx, Wh, b).mean(axis=1), Wy, by),
        "ignores h0": lambda x, h0, Wx, Wh, b, Wy, by:
            ref.many_to_one_forward(x, np.zeros_like(h0) + 1, Wx, Wh, b, Wy, by),
    },
}


S = "02_vanilla_rnn#"
STABLE = S + "numerical-stability"
NOTES = {
    "sigmoid": {
        "naive formula (overflows)": (STABLE, "1 / (1 + exp(-x)) computes exp(1000) for x = -1000, which overflows to "
                                      "inf; the answer happens to round right, but numpy warns and a float32 input "
                                      "overflows much sooner. Compute exp only of non-positive numbers: split on the "
                                      "sign of x, or use exp(-|x|)."),
        "sign flip": (S + "sigmoid-versus-tanh", "Your sigmoid returns 1 - sigmoid(x): it is decreasing, so a large "
                      "pre-activation closes the gate instead of opening it. The formula is 1 / (1 + exp(-x))."),
        "tanh instead of sigmoid": (S + "sigmoid-versus-tanh", "Your sigmoid returns values in (-1, 1): that is tanh. "
                                    "A sigmoid lies in (0, 1) and gives 0.5 at zero."),
        "missing 1 + in the denominator": (S + "sigmoid-versus-tanh", "Your sigmoid computes exp(x) (1 / exp(-x)), "
                                           "which is unbounded: the 1 + in the denominator is what keeps the result "
                                           "between 0 and 1."),
        "float32 input answered in float64": (STABLE, "The values are right, but a float32 input comes back as "
                                              "float64: something converts it (np.asarray(x, dtype=float), a float64 "
                                              "constant array). Keep the input's dtype; the book's reference does."),
    },
    "tanh": {
        "naive formula (overflows)": (STABLE, "(exp(x) - exp(-x)) / (exp(x) + exp(-x)) overflows for |x| near 1000 and "
                                      "gives inf / inf = nan. Rewrite it with exp of non-positive numbers only, e.g. "
                                      "through 2 sigmoid(2x) - 1 with a stable sigmoid, or use np.tanh."),
        "sigmoid instead of tanh": (S + "why-tanh", "Your tanh returns values in (0, 1): that is the sigmoid. tanh is "
                                    "centred at zero and lies in (-1, 1)."),
        "forgot the factor 2 inside": (S + "sigmoid-versus-tanh", "Your tanh computes 2 sigmoid(x) - 1; the identity is "
                                       "tanh(x) = 2 sigmoid(2x) - 1, with 2x inside the sigmoid."),
        "sign flip": (S + "why-tanh", "Your tanh returns -tanh(x): the sign of every state is flipped."),
        "float32 input answered in float64": (STABLE, "The values are right, but a float32 input comes back as "
                                              "float64. Keep the input's dtype."),
    },
    "rnn_step": {
        "sigmoid where tanh belongs": (S + "why-tanh", "Your step squashes the pre-activation with the sigmoid; the "
                                       "vanilla cell uses tanh, so its states are centred at zero in (-1, 1)."),
        "dropped bias": (S + "the-vanilla-cell", "Your step leaves out b_h: h_t = tanh(x_t W_xh^T + h_prev W_hh^T + b_h)."),
        "dropped recurrent term": (S + "the-vanilla-cell", "Your step ignores h_prev: without h_prev W_hh^T the cell "
                                   "has no memory, and every step sees only its own input."),
        "missing transpose of W_hh": (S + "from-scratch", "Your step multiplies h_prev by W_hh instead of W_hh^T. With "
                                      "H x H weights the shapes still fit, so nothing fails, but the recurrence mixes "
                                      "the wrong entries: rows of h_prev times W_hh's transpose, as in the book. "
                                      "CS231n and Keras store W_hh as (inputs, outputs) and write h @ Wh: the "
                                      "page Conventions across courses and libraries converts their layout to "
                                      "the book's."),
        "sign flip on the recurrent term": (S + "the-vanilla-cell", "Your step subtracts h_prev W_hh^T; the two terms "
                                            "are added."),
        "relu ignored (always tanh)": (S + "from-scratch", "Your step applies tanh even when nonlinearity='relu' is "
                                       "asked for: the argument must choose the activation."),
        "float32 input answered in float64": (STABLE, "The values are right, but float32 inputs give a float64 state: "
                                              "something casts them. Keep the inputs' dtype."),
    },
    "rnn_forward": {
        "state not carried (restarts from h0)": ("01_sequences#a-recurrence-carries-the-past-forward",
                                                 "Every step of your loop starts again from h0, so nothing is "
                                                 "carried forward; each step must feed its new state to the next."),
        "time-major loop": (S + "from-scratch", "Your loop walks axis 0 of x, but x is batch-first, (N, T, D): time is "
                            "axis 1, x[:, t]. It only ran because N equals T in one case."),
        "returns h0..h_{T-1} instead of h1..h_T": (S + "from-scratch", "Your result starts with h0 and stops one step "
                                                   "early; the states to return are h_1 ... h_T, one per input."),
        "returns only the last state": (S + "from-scratch", "Your function returns only h_T; rnn_forward returns every "
                                        "state, shape (N, T, H)."),
        "missing transpose of W_xh": (S + "from-scratch", "Your step multiplies x_t by W_xh instead of W_xh^T; W_xh has "
                                      "shape (H, D). x @ Wx is CS231n's and Keras's formula, for weights "
                                      "stored as (D, H): the page Conventions across courses and libraries "
                                      "converts one layout to the other."),
        "writes each state into h0": (S + "from-scratch", "Your loop writes each new state into the array h0 it was "
                                      "given (h_t = h0, then h_t[...] = ...): the caller's h0 is destroyed. Assign a "
                                      "new array instead (h_t = rnn_step(...))."),
    },
    "softmax": {
        "no max subtraction (overflows)": (STABLE, "exp(z) / sum(exp(z)) overflows for logits near 1000. Subtract "
                                           "each row's maximum first: it cancels in the ratio, and every exponent "
                                           "is then <= 0."),
        "normalised over the first axis": (STABLE, "Your probabilities sum to 1 down the first axis; softmax "
                                           "normalises over the last axis (axis=-1, keepdims=True), one "
                                           "distribution per row."),
        "sign flip": (STABLE, "Your softmax uses exp(-z): the largest logit gets the smallest probability."),
        "not normalised": (STABLE, "Your softmax returns exp(z - max) without dividing by its sum over the last "
                           "axis, so the rows do not sum to 1."),
        "one maximum for the whole batch": (STABLE, "Your softmax subtracts the maximum of the whole array, not each "
                                            "row's: a row far below the others (logits near -1000 next to a row "
                                            "near +1000) underflows to 0 / 0 = nan. Use "
                                            "z.max(axis=-1, keepdims=True)."),
        "shifts the logits in place": (STABLE, "Your softmax subtracts the maximum in place (z -= ...), so the caller's "
                                       "logits are changed. Write z = z - z.max(axis=-1, keepdims=True)."),
    },
    "rnn_output": {
        "dropped bias": (S + "a-many-to-one-classifier-trained", "Your output layer leaves out b_y: "
                         "y = softmax(h W_hy^T + b_y)."),
        "logits, not probabilities": (S + "a-many-to-one-classifier-trained", "Your output layer returns the logits "
                                      "h W_hy^T + b_y; the softmax that turns them into probabilities is missing."),
        "sigmoid instead of softmax": (S + "a-many-to-one-classifier-trained", "Your output layer applies the sigmoid "
                                       "to each logit on its own; the classes' probabilities need a softmax over the "
                                       "last axis, so that they sum to 1."),
    },
    "many_to_one_forward": {
        "classifies from the first state": ("01_sequences#input-and-output-structures", "Your classifier reads h_1, "
                                            "which has seen only the first input; many-to-one reads the last state "
                                            "h_T, h[:, -1]."),
        "classifies from the mean state": ("01_sequences#input-and-output-structures", "Your classifier averages the "
                                           "states over time; the book's many-to-one model reads the last state h_T."),
        "ignores h0": (S + "a-many-to-one-classifier-trained", "Your classifier does not start from the h0 it is "
                       "given: pass h0 on to rnn_forward."),
    },
}

# Each mistake's kind of fault (judge.mistakes.FAULT_CLASSES) and where it sits: an argument of the graded
# function, or a term or axis in a few words. The root cause as the implementation above makes it, not what a
# probe would see; a comment explains each label that needed judgement.
FAULTS = {
    "sigmoid": {
        "naive formula (overflows)": ("overflow", None),
        "sign flip": ("sign", "x"),
        "tanh instead of sigmoid": ("activation", None),
        "missing 1 + in the denominator": ("missing-term", "denominator"),
        "float32 input answered in float64": ("dtype", None),
    },
    "tanh": {
        "naive formula (overflows)": ("overflow", None),
        "sigmoid instead of tanh": ("activation", None),
        # sigmoid(x) for sigmoid(2x): a constant factor on the argument is wrong, nothing is left out
        "forgot the factor 2 inside": ("scale", "x"),
        "sign flip": ("sign", None),
        "float32 input answered in float64": ("dtype", None),
    },
    "rnn_step": {
        "sigmoid where tanh belongs": ("activation", None),
        "dropped bias": ("missing-term", "b_h"),
        "dropped recurrent term": ("missing-term", "recurrent term"),
        "missing transpose of W_hh": ("transpose", "W_hh"),
        "sign flip on the recurrent term": ("sign", "recurrent term"),
        # tanh where relu is asked for: the wrong nonlinearity, because the argument that chooses it is ignored
        "relu ignored (always tanh)": ("activation", "nonlinearity"),
        "float32 input answered in float64": ("dtype", None),
    },
    "rnn_forward": {
        "state not carried (restarts from h0)": ("time", "hidden state"),
        # the loop runs along axis 0 (the batch) where time is axis 1: a wrong axis rather than a slip in time
        "time-major loop": ("axis", "axis 0"),
        "returns h0..h_{T-1} instead of h1..h_T": ("time", None),
        "returns only the last state": ("type-shape", None),
        # built by forward_with from a step whose x_t @ W_xh lacks the transpose: the loop is right, its step is not
        "missing transpose of W_xh": ("upstream", "rnn_step"),
        "writes each state into h0": ("in-place", "h0"),
    },
    "softmax": {
        "no max subtraction (overflows)": ("overflow", None),
        "normalised over the first axis": ("axis", "axis 0"),
        "sign flip": ("sign", "logits"),
        "not normalised": ("scale", None),
        # z.max() over the whole array for z.max(axis=-1): the wrong axis; what it causes is underflow, not overflow
        "one maximum for the whole batch": ("axis", "max"),
        "shifts the logits in place": ("in-place", "logits"),
    },
    "rnn_output": {
        "dropped bias": ("missing-term", "b_y"),
        # the softmax left out entirely (not a wrong nonlinearity in its place)
        "logits, not probabilities": ("missing-term", "softmax"),
        "sigmoid instead of softmax": ("activation", None),
    },
    "many_to_one_forward": {
        "classifies from the first state": ("time", None),
        # reads every state, averaged, where the last state h_T alone belongs: which step(s) it reads is wrong
        "classifies from the mean state": ("time", None),
        # h0 is replaced (by ones): the input it is given is left out
        "ignores h0": ("missing-term", "h0"),
    },
}

MISTAKES = catalogue_of(MUTANTS, NOTES, FAULTS)
