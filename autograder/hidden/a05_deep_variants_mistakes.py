"""Known mistakes in a05_deep_variants: per graded function, a wrong implementation and what it tells the student.

The one list of typical wrong implementations: tests/test_hidden_a05_deep_variants.py proves that the hidden cases reject
each one and that the grader recognises each as itself (autograder/diagnosis.py); the grader names a mistake
in a student's feedback when it agrees with the student's outputs on every hidden case. Runs only on the
grader's side, never in a student's kernel.
"""
import numpy as np

from ..reference import activations as act
from ..reference import deep as ref
from ..reference import rnn


from ..judge.mistakes import catalogue_of


# ----------------------------------------------------------------------------- stacked_rnn_forward mutants
def stack_with(feed_input=False, same_h0=False, same_weights=False, first_layer_out=False, h_n_at=-1,
               h_n_reversed=False, upper_nonlinearity=None):
    """A stacked forward with one (possibly) wrong detail."""
    def forward(x, h0, params, nonlinearity="tanh"):
        layer_input, outs, finals = x, [], []
        for l, layer in enumerate(params):
            weights = params[0] if same_weights else layer
            phi = upper_nonlinearity if (upper_nonlinearity and l > 0) else nonlinearity
            out = rnn.rnn_forward(x if feed_input else layer_input, h0[0] if same_h0 else h0[l], *weights,
                                  nonlinearity=phi)
            outs.append(out)
            finals.append(out[:, h_n_at])
            layer_input = out
        finals = finals[::-1] if h_n_reversed else finals
        return (outs[0] if first_layer_out else outs[-1]), np.stack(finals)
    return forward


# ----------------------------------------------------------------------- bidirectional_rnn_forward mutants
def bi_with(rereverse=True, order="fb", read_backward=True, h_n_bwd_at=0, swap_h0=False, shared_weights=False,
            reverse_axis=1):
    def forward(x, h0, params_fwd, params_bwd, nonlinearity="tanh"):
        h0f, h0b = (h0[1], h0[0]) if swap_h0 else (h0[0], h0[1])
        fwd = rnn.rnn_forward(x, h0f, *params_fwd, nonlinearity=nonlinearity)
        xb = np.flip(x, axis=reverse_axis) if read_backward else x
        bwd = rnn.rnn_forward(xb, h0b, *(params_fwd if shared_weights else params_bwd), nonlinearity=nonlinearity)
        if rereverse and read_backward:
            bwd = np.flip(bwd, axis=reverse_axis)
        out = np.concatenate([fwd, bwd] if order == "fb" else [bwd, fwd], axis=-1)
        return out, np.stack([fwd[:, -1], bwd[:, h_n_bwd_at]])
    return forward


# ------------------------------------------------------------------ deep_bidirectional_rnn_forward mutants
def deep_bi_with(h0_direction_major=False, h_n_direction_major=False, feed_input=False, layer=None,
                 upper_order="fb"):
    layer = layer or ref.bidirectional_rnn_forward

    def forward(x, h0, params, nonlinearity="tanh"):
        L = len(params)
        index = (lambda l, d: d * L + l)
        layer_input, finals = x, []
        for l, (pf, pb) in enumerate(params):
            rows = [index(l, 0), index(l, 1)] if h0_direction_major else [2 * l, 2 * l + 1]
            out, h_n = layer(x if feed_input else layer_input, h0[rows], pf, pb, nonlinearity)
            finals.append(h_n)
            H = h_n.shape[-1]
            layer_input = out if upper_order == "fb" else np.concatenate([out[..., H:], out[..., :H]], -1)
        finals = np.concatenate(finals)
        if h_n_direction_major:
            finals = np.concatenate([finals[0::2], finals[1::2]])
        return out, finals
    return forward


# ------------------------------------------------------------------------ stacked_rnn_forward_dropout mutants
def stack_dropout_with(drop_last=False, scale=True, h_n_from_dropped=False, reverse_masks=False,
                       drop_inputs=False, no_dropout=False):
    def forward(x, h0, params, masks, p, nonlinearity="tanh"):
        masks = masks[::-1] if reverse_masks else masks
        layer_input, finals = x, []
        L = len(params)
        for l, layer in enumerate(params):
            if drop_inputs and l < L - 1:  # off by one layer: x dropped, the last layer's input not
                layer_input = layer_input * masks[l][:, None, :] / (1 - p)
            out = rnn.rnn_forward(layer_input, h0[l], *layer, nonlinearity=nonlinearity)
            if not no_dropout and not drop_inputs and (l < L - 1 or drop_last):
                mask = masks[min(l, L - 2)]
                out = out * mask[:, None, :] / ((1 - p) if scale else 1.0)
            finals.append(out[:, -1] if h_n_from_dropped else rnn.rnn_forward(
                layer_input, h0[l], *layer, nonlinearity=nonlinearity)[:, -1])
            layer_input = out
        return layer_input, np.stack(finals)
    return forward


def stack_dropout_on_recurrence(x, h0, params, masks, p, nonlinearity="tanh"):
    """Drops units of h_{t-1} inside each layer (the recurrent connection) instead of between layers."""
    layer_input, finals = x, []
    for l, layer in enumerate(params):
        h, states = h0[l], []
        for t in range(x.shape[1]):
            if l < len(params) - 1:
                h = h * masks[l] / (1 - p)
            h = rnn.rnn_step(layer_input[:, t], h, *layer, nonlinearity=nonlinearity)
            states.append(h)
        layer_input = np.stack(states, axis=1)
        finals.append(h)
    return layer_input, np.stack(finals)


# -------------------------------------------------------------------------------------- irnn_init mutants
def irnn_with(W_hh=None, bias=0.0, transpose=False, draw=None):
    def init(D, H, seed=0, std=0.001):
        rng = np.random.default_rng(seed)
        W_xh = draw(rng, D, H, std) if draw else rng.normal(0.0, std, size=(H, D))
        return (W_xh.T if transpose else W_xh), (np.eye(H) if W_hh is None else W_hh(rng, H)), np.full(H, bias)
    return init


def irnn_unseeded(D, H, seed=0, std=0.001):
    return std * np.random.standard_normal((H, D)), np.eye(H), np.zeros(H)


def irnn_fixed_seed(D, H, seed=0, std=0.001):
    return ref.irnn_init(D, H, seed=0, std=std)


def irnn_fixed_std(D, H, seed=0, std=0.001):
    return ref.irnn_init(D, H, seed=seed, std=0.001)


# -------------------------------------------------------------------------------------- scrn_step mutants
def scrn_with(keep="alpha", phi=act.sigmoid, context_for_h="new", A_term=True, R_term=True, R_T=True,
              leak=True, swap_outputs=False):
    def step(x_t, s_prev, h_prev, params, alpha):
        B, A, P, R = (params[k] for k in "BAPR")
        Bx = x_t @ B.T
        if keep == "alpha":
            s_t = ((1 - alpha) * Bx if leak else Bx) + alpha * s_prev
        else:  # alpha and 1 - alpha swapped
            s_t = alpha * Bx + (1 - alpha) * s_prev
        s_for_h = s_t if context_for_h == "new" else s_prev
        z = s_for_h @ P.T
        if A_term:
            z = z + x_t @ A.T
        if R_term:
            z = z + h_prev @ (R.T if R_T else R)
        h_t = phi(z)
        return (h_t, s_t) if swap_outputs else (s_t, h_t)
    return step


def naive_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


MUTANTS = {
    "stacked_rnn_forward": {
        "layers above the first read the input x": stack_with(feed_input=True),
        "every layer starts from h0[0]": stack_with(same_h0=True),
        "the first layer's weights in every layer": stack_with(same_weights=True),
        "returns the first layer's output": stack_with(first_layer_out=True),
        "h_n in reverse layer order": stack_with(h_n_reversed=True),
        "h_n taken at the first step": stack_with(h_n_at=0),
        "relu ignored above the first layer": stack_with(upper_nonlinearity="tanh"),
        "h_n holds only the last layer": lambda x, h0, params, nonlinearity="tanh":
            (ref.stacked_rnn_forward(x, h0, params, nonlinearity)[0],
             ref.stacked_rnn_forward(x, h0, params, nonlinearity)[1][-1:]),
        "modifies x in place": lambda x, h0, params, nonlinearity="tanh":
            (ref.stacked_rnn_forward(x, h0, params, nonlinearity), x.__imul__(0))[0],
    },
    "bidirectional_rnn_forward": {
        "backward outputs not re-reversed": bi_with(rereverse=False),
        "concatenated as [backward, forward]": bi_with(order="bf"),
        "backward direction reads the sequence forwards": bi_with(read_backward=False),
        "h_n[1] taken at the last step": bi_with(h_n_bwd_at=-1),
        "initial states of the directions swapped": bi_with(swap_h0=True),
        "backward direction uses the forward weights": bi_with(shared_weights=True),
        "reverses the batch axis instead of time": bi_with(reverse_axis=0),
        "h_n as (N, 2H) instead of (2, N, H)": lambda x, h0, pf, pb, nonlinearity="tanh":
            (lambda out, h_n: (out, np.concatenate([h_n[0], h_n[1]], -1)))(
                *ref.bidirectional_rnn_forward(x, h0, pf, pb, nonlinearity)),
        "out as (N, T, 2, H)": lambda x, h0, pf, pb, nonlinearity="tanh":
            (lambda out, h_n: (out.reshape(*out.shape[:2], 2, -1), h_n))(
                *ref.bidirectional_rnn_forward(x, h0, pf, pb, nonlinearity)),
    },
    "deep_bidirectional_rnn_forward": {
        "h0 and h_n read direction-major (row d*L + l)": deep_bi_with(h0_direction_major=True,
                                                                      h_n_direction_major=True),
        "h0 read direction-major": deep_bi_with(h0_direction_major=True),
        "h_n written direction-major": deep_bi_with(h_n_direction_major=True),
        "layers above the first read the input x": deep_bi_with(feed_input=True),
        "layers above read [backward, forward]": deep_bi_with(upper_order="bf"),
        "backward outputs not re-reversed": deep_bi_with(layer=bi_with(rereverse=False)),
        "concatenated as [backward, forward]": deep_bi_with(layer=bi_with(order="bf")),
        "layers above read only the forward half": lambda x, h0, params, nonlinearity="tanh":
            stack_with()(x, h0[0::2], [pf for pf, pb in params], nonlinearity),
        "h_n holds only the last layer": lambda x, h0, params, nonlinearity="tanh":
            (lambda out, h_n: (out, h_n[-2:]))(*ref.deep_bidirectional_rnn_forward(x, h0, params, nonlinearity)),
    },
    "dropout_between_layers": {
        "no 1/(1-p) rescaling": lambda h, mask, p: h * mask[:, None, :],
        "multiplied by (1-p) instead of divided": lambda h, mask, p: h * mask[:, None, :] * (1 - p),
        "divided by p instead of (1-p)": lambda h, mask, p: h * mask[:, None, :] / p if p else h,
        "keeps the units where the mask is 0": lambda h, mask, p: h * (1 - mask[:, None, :]) / (1 - p),
        "mask broadcast over the batch, not over time": lambda h, mask, p: h * mask[None, :, :] / (1 - p),
        "drops in place": lambda h, mask, p: np.multiply(h, mask[:, None, :] / (1 - p), out=h),
        "returns the mask": lambda h, mask, p: np.broadcast_to(mask[:, None, :], h.shape) / (1 - p),
    },
    "stacked_rnn_forward_dropout": {
        "dropout on the last layer's output too": stack_dropout_with(drop_last=True),
        "no 1/(1-p) rescaling": stack_dropout_with(scale=False),
        "dropout on the recurrent connection instead": stack_dropout_on_recurrence,
        "h_n taken from the dropped outputs": stack_dropout_with(h_n_from_dropped=True),
        "masks applied in reverse order": stack_dropout_with(reverse_masks=True),
        "masks applied one layer early (x dropped)": stack_dropout_with(drop_inputs=True),
        "masks ignored (no dropout)": stack_dropout_with(no_dropout=True),
    },
    "irnn_init": {
        "W_hh all ones": irnn_with(W_hh=lambda rng, H: np.ones((H, H))),
        "W_hh random orthogonal": irnn_with(W_hh=lambda rng, H: np.linalg.qr(rng.standard_normal((H, H)))[0]),
        "W_hh drawn like W_xh": irnn_with(W_hh=lambda rng, H: 0.001 * rng.standard_normal((H, H))),
        "nonzero bias": irnn_with(bias=0.01),
        "W_xh transposed (D, H)": irnn_with(transpose=True),
        "std used as the variance": irnn_with(draw=lambda rng, D, H, std: rng.normal(0, np.sqrt(std), (H, D))),
        "uniform in [-std, std]": irnn_with(draw=lambda rng, D, H, std: rng.uniform(-std, std, (H, D))),
        "Gaussian with mean std": irnn_with(draw=lambda rng, D, H, std: rng.normal(std, std, (H, D))),
        "not seeded": irnn_unseeded,
        "seed ignored": irnn_fixed_seed,
        "std ignored": irnn_fixed_std,
    },
    "scrn_step": {
        "alpha and 1 - alpha swapped": scrn_with(keep="swapped"),
        "tanh instead of sigmoid": scrn_with(phi=act.tanh),
        "P s_{t-1} instead of P s_t": scrn_with(context_for_h="old"),
        "missing A x_t term": scrn_with(A_term=False),
        "missing R h_{t-1} term": scrn_with(R_term=False),
        "missing transpose of R": scrn_with(R_T=False),
        "missing (1 - alpha) on B x_t": scrn_with(leak=False),
        "returns (h_t, s_t)": scrn_with(swap_outputs=True),
        "naive sigmoid (overflows)": scrn_with(phi=naive_sigmoid),
    },
}


S = "06_deep_and_variants#"
STACK, BI, DEEP, DROP, IRNN, SCRN = (S + "stacking-layers", S + "reading-in-both-directions",
                                     S + "deep-bidirectional-stacks", S + "dropout-between-layers",
                                     S + "the-irnn-a-relu-rnn-started-at-the-identity",
                                     S + "the-scrn-a-slow-context-next-to-a-fast-state")
NOTES = {
    "stacked_rnn_forward": {
        "layers above the first read the input x": (STACK, "Every layer of your stack reads x; layer l reads the "
                                                    "outputs of layer l - 1 (only the first reads x)."),
        "every layer starts from h0[0]": (STACK, "Every layer of your stack starts from h0[0]; layer l starts "
                                          "from h0[l]."),
        "the first layer's weights in every layer": (STACK, "Your stack uses params[0] in every layer; layer l has "
                                                     "its own params[l]."),
        "returns the first layer's output": (STACK, "Your stack returns the first layer's states; out is the last "
                                             "(top) layer's."),
        "h_n in reverse layer order": (STACK, "Your h_n lists the layers top first; h_n[l] is layer l's last state."),
        "h_n taken at the first step": (STACK, "Your h_n holds each layer's first state; it is the last, at t = T."),
        "relu ignored above the first layer": (STACK, "Your layers above the first use tanh even when relu is asked "
                                               "for: the nonlinearity applies to every layer."),
        "h_n holds only the last layer": (STACK, "Your h_n has the top layer only; it has one final state per "
                                          "layer, shape (L, N, H)."),
        "modifies x in place": (STACK, "Your stack writes into x, the caller's array: leave inputs unchanged."),
    },
    "bidirectional_rnn_forward": {
        "backward outputs not re-reversed": (BI, "Your backward direction's outputs are still in reversed time: flip "
                                             "them back, so out[:, t] pairs both directions' states at time t."),
        "concatenated as [backward, forward]": (BI, "Your outputs put the backward half first; torch's layout is "
                                                "[forward, backward]."),
        "backward direction reads the sequence forwards": (BI, "Your backward direction reads x from t = 1; it "
                                                           "reads the sequence from the last step to the first."),
        "h_n[1] taken at the last step": (BI, "Your backward direction's final state is taken at t = T; that "
                                          "direction ends at t = 1."),
        "initial states of the directions swapped": (BI, "Your directions start from each other's h0: h0[0] is the "
                                                     "forward one's, h0[1] the backward one's."),
        "backward direction uses the forward weights": (BI, "Your backward direction uses params_fwd; it has its own "
                                                        "params_bwd."),
        "reverses the batch axis instead of time": (BI, "Your backward direction flips axis 0 (the batch); time is "
                                                    "axis 1."),
        "h_n as (N, 2H) instead of (2, N, H)": (BI, "Your h_n concatenates the directions; it stacks them, shape "
                                                "(2, N, H)."),
        "out as (N, T, 2, H)": (BI, "Your out keeps the directions on an axis of their own; concatenate them on "
                                "the last axis, (N, T, 2H)."),
    },
    "deep_bidirectional_rnn_forward": {
        "h0 and h_n read direction-major (row d*L + l)": (DEEP, "Your h0 and h_n are indexed d * L + l; torch's "
                                                          "layout is layer-major, row 2l + d."),
        "h0 read direction-major": (DEEP, "Your h0 is read as row d * L + l; it is row 2l + d."),
        "h_n written direction-major": (DEEP, "Your h_n is written as row d * L + l; it is row 2l + d."),
        "layers above the first read the input x": (DEEP, "Your upper layers read x; layer l reads layer l - 1's "
                                                    "concatenated [forward, backward] outputs."),
        "layers above read [backward, forward]": (DEEP, "Your upper layers read the halves in the wrong order; the "
                                                  "layer below outputs [forward, backward]."),
        "backward outputs not re-reversed": (BI, "Your backward direction's outputs are still in reversed time."),
        "concatenated as [backward, forward]": (BI, "Your outputs put the backward half first; the layout is "
                                                "[forward, backward]."),
        "layers above read only the forward half": (DEEP, "Your upper layers read only the forward half; they read "
                                                    "both directions, 2H features."),
        "h_n holds only the last layer": (DEEP, "Your h_n has the top layer only; it has 2L rows, one per layer "
                                          "and direction."),
    },
    "dropout_between_layers": {
        "no 1/(1-p) rescaling": (DROP, "Your dropout zeroes units but does not divide the kept ones by 1 - p, so "
                                 "the expected activation shrinks; inverted dropout rescales at training time."),
        "multiplied by (1-p) instead of divided": (DROP, "Your dropout multiplies by 1 - p; inverted dropout divides "
                                                   "the kept units by 1 - p."),
        "divided by p instead of (1-p)": (DROP, "Your dropout divides by p; p is the drop probability, the keep "
                                          "probability is 1 - p."),
        "keeps the units where the mask is 0": (DROP, "Your dropout keeps the units the mask drops: a mask of 1 "
                                                "means kept."),
        "mask broadcast over the batch, not over time": (DROP, "Your mask is shared across the batch; it is one mask "
                                                         "per sequence, shared over time, shape (N, 1, H)."),
        "drops in place": (DROP, "Your dropout writes into h, the caller's array: return a new array."),
        "returns the mask": (DROP, "Your function returns the mask; it returns the dropped-out h."),
    },
    "stacked_rnn_forward_dropout": {
        "dropout on the last layer's output too": (DROP, "Your stack drops the top layer's outputs too; dropout sits "
                                                   "between layers only."),
        "no 1/(1-p) rescaling": (DROP, "Your stack's dropout does not divide the kept units by 1 - p."),
        "dropout on the recurrent connection instead": (DROP, "Your stack drops the recurrent state; dropout here "
                                                        "sits on the connections between layers, not through time."),
        "h_n taken from the dropped outputs": (DROP, "Your h_n holds dropped-out states; h_n is each layer's "
                                               "undropped final state."),
        "masks applied in reverse order": (DROP, "Your stack applies masks[l] at the wrong layer: masks[l] drops "
                                           "layer l's outputs on their way to layer l + 1."),
        "masks applied one layer early (x dropped)": (DROP, "Your stack drops the input x; dropout starts between "
                                                      "the first and second layers."),
        "masks ignored (no dropout)": (DROP, "Your stack never applies the masks it is given: no dropout happens."),
    },
    "irnn_init": {
        "W_hh all ones": (IRNN, "Your W_hh is all ones; the IRNN starts from the identity, np.eye(H)."),
        "W_hh random orthogonal": (IRNN, "Your W_hh is a random orthogonal matrix; the IRNN's is the identity."),
        "W_hh drawn like W_xh": (IRNN, "Your W_hh is drawn at random; the IRNN's is the identity."),
        "nonzero bias": (IRNN, "Your bias is not zero; the IRNN starts with b_h = 0."),
        "W_xh transposed (D, H)": (IRNN, "Your W_xh has shape (D, H); it is (H, D)."),
        "std used as the variance": (IRNN, "Your W_xh has standard deviation sqrt(std); std is the standard "
                                     "deviation itself."),
        "uniform in [-std, std]": (IRNN, "Your W_xh is uniform; it is Gaussian, N(0, std^2)."),
        "Gaussian with mean std": (IRNN, "Your W_xh has mean std; it has mean 0 and standard deviation std."),
        "not seeded": (IRNN, "Your W_xh ignores the seed: draw it from np.random.default_rng(seed)."),
        "seed ignored": (IRNN, "Your W_xh does not depend on the seed argument."),
        "std ignored": (IRNN, "Your W_xh does not use the std argument."),
    },
    "scrn_step": {
        "alpha and 1 - alpha swapped": (SCRN, "Your context update weights the old context by 1 - alpha; it is "
                                        "s_t = (1 - alpha) B x_t + alpha s_{t-1}, slow for alpha near 1."),
        "tanh instead of sigmoid": (SCRN, "Your fast state uses tanh; the SCRN's hidden layer is a sigmoid."),
        "P s_{t-1} instead of P s_t": (SCRN, "Your fast state reads the old context; it reads the new one, P s_t."),
        "missing A x_t term": (SCRN, "Your fast state leaves out A x_t."),
        "missing R h_{t-1} term": (SCRN, "Your fast state leaves out R h_{t-1}."),
        "missing transpose of R": (SCRN, "Your fast state multiplies h_{t-1} by R without transposing it."),
        "missing (1 - alpha) on B x_t": (SCRN, "Your context adds B x_t unscaled; it is (1 - alpha) B x_t."),
        "returns (h_t, s_t)": (SCRN, "Your step returns (h_t, s_t); the order is (s_t, h_t)."),
        "naive sigmoid (overflows)": (SCRN, "Your sigmoid overflows on large pre-activations; use the stable one."),
    },
}

# Each mistake's kind of fault (judge.mistakes.FAULT_CLASSES) and where it sits: the root cause, as a teacher would
# name it after reading the implementation above. A deep mutant built from a wrong bidirectional layer is `upstream`;
# one written into the function itself is labelled by its own kind. Using one of two like things in place of the
# other (x for the layer below's output, params[0] for params[l], a layout's layer and direction indices) is `swap`;
# an order of layers reversed is `swap` too (it exchanges layers, not time steps); an off-by-one in layers, not in
# time, is `boundary`.
FAULTS = {
    "stacked_rnn_forward": {
        "layers above the first read the input x": ("swap", "x and the layer below's output"),
        "every layer starts from h0[0]": ("swap", "h0[0] and h0[l]"),
        "the first layer's weights in every layer": ("swap", "params[0] and params[l]"),
        "returns the first layer's output": ("swap", "first and last layer's output"),
        "h_n in reverse layer order": ("swap", "h_n's layers"),
        "h_n taken at the first step": ("time", "h_n"),
        # judgement: the layers above compute tanh where relu is asked (nonlinearity not passed on): the wrong
        # nonlinearity is what the student must fix, so activation rather than an argument left out
        "relu ignored above the first layer": ("activation", "nonlinearity"),
        "h_n holds only the last layer": ("type-shape", "h_n"),
        "modifies x in place": ("in-place", "x"),
    },
    "bidirectional_rnn_forward": {
        "backward outputs not re-reversed": ("time", "backward direction"),
        "concatenated as [backward, forward]": ("swap", "forward and backward halves"),
        "backward direction reads the sequence forwards": ("time", "backward direction"),
        "h_n[1] taken at the last step": ("time", "h_n[1]"),
        "initial states of the directions swapped": ("swap", "h0[0] and h0[1]"),
        "backward direction uses the forward weights": ("swap", "params_fwd and params_bwd"),
        "reverses the batch axis instead of time": ("axis", "axis 0"),
        "h_n as (N, 2H) instead of (2, N, H)": ("type-shape", "h_n"),
        "out as (N, T, 2, H)": ("type-shape", "out"),
    },
    "deep_bidirectional_rnn_forward": {
        # judgement: direction-major rows d*L + l for layer-major 2l + d: the layer and direction indices exchanged
        "h0 and h_n read direction-major (row d*L + l)": ("swap", "h0 and h_n: layer and direction"),
        "h0 read direction-major": ("swap", "h0: layer and direction"),
        "h_n written direction-major": ("swap", "h_n: layer and direction"),
        "layers above the first read the input x": ("swap", "x and the layer below's output"),
        "layers above read [backward, forward]": ("swap", "forward and backward halves"),
        "backward outputs not re-reversed": ("upstream", "bidirectional_rnn_forward"),     # deep_bi_with(layer=...)
        "concatenated as [backward, forward]": ("upstream", "bidirectional_rnn_forward"),  # deep_bi_with(layer=...)
        "layers above read only the forward half": ("missing-term", "backward direction"),
        "h_n holds only the last layer": ("type-shape", "h_n"),
    },
    "dropout_between_layers": {
        "no 1/(1-p) rescaling": ("scale", "1 / (1 - p)"),
        "multiplied by (1-p) instead of divided": ("scale", "1 / (1 - p)"),
        "divided by p instead of (1-p)": ("scale", "1 / (1 - p)"),
        # judgement: 1 - mask: the units the mask keeps are dropped and the dropped ones kept, a mask read inverted
        "keeps the units where the mask is 0": ("mask", "mask"),
        "mask broadcast over the batch, not over time": ("axis", "mask"),
        "drops in place": ("in-place", "h"),
        "returns the mask": ("missing-term", "h"),
    },
    "stacked_rnn_forward_dropout": {
        # judgement: the loop's last layer handled like the others (its output dropped): the end of the range
        "dropout on the last layer's output too": ("boundary", "last layer"),
        "no 1/(1-p) rescaling": ("scale", "1 / (1 - p)"),
        # judgement: the masks moved from the connections between layers to the recurrent one: two places exchanged
        "dropout on the recurrent connection instead": ("swap", "recurrent and between-layer connections"),
        # judgement: h_n read after the dropout: a mask factor on h_n that does not belong
        "h_n taken from the dropped outputs": ("extra-term", "h_n"),
        "masks applied in reverse order": ("swap", "masks"),
        # judgement: off by one layer (x dropped, the top layer's input not): the ends of the layer range, not time
        "masks applied one layer early (x dropped)": ("boundary", "x"),
        "masks ignored (no dropout)": ("missing-term", "masks"),
    },
    "irnn_init": {
        # judgement: ones off the diagonal that the identity does not have
        "W_hh all ones": ("extra-term", "W_hh"),
        # judgement: W_hh drawn from the generator where the identity needs no draw (and more numbers drawn)
        "W_hh random orthogonal": ("random", "W_hh"),
        "W_hh drawn like W_xh": ("random", "W_hh"),
        "nonzero bias": ("extra-term", "b_h"),
        "W_xh transposed (D, H)": ("transpose", "W_xh"),
        "std used as the variance": ("scale", "std"),
        # judgement: the draws come from the wrong distribution (uniform for Gaussian): a fault of the random draw
        "uniform in [-std, std]": ("random", "W_xh"),
        # normal(std, std) is the right draw plus a constant std: an offset that does not belong
        "Gaussian with mean std": ("extra-term", "W_xh"),
        "not seeded": ("random", "seed"),
        "seed ignored": ("random", "seed"),
        "std ignored": ("missing-term", "std"),
    },
    "scrn_step": {
        "alpha and 1 - alpha swapped": ("swap", "alpha and 1 - alpha"),
        "tanh instead of sigmoid": ("activation", None),
        "P s_{t-1} instead of P s_t": ("time", "s_prev"),
        "missing A x_t term": ("missing-term", "params['A']"),
        "missing R h_{t-1} term": ("missing-term", "params['R']"),
        "missing transpose of R": ("transpose", "params['R']"),
        "missing (1 - alpha) on B x_t": ("missing-term", "1 - alpha"),
        "returns (h_t, s_t)": ("swap", "s_t and h_t"),
        "naive sigmoid (overflows)": ("overflow", None),
    },
}

MISTAKES = catalogue_of(MUTANTS, NOTES, FAULTS)
