"""The a05 hidden tests accept the reference and reject each typical wrong implementation."""
import numpy as np
import pytest

from autograder.checking import check_function
from autograder.hidden import a05_deep_variants as hidden
from autograder.reference import activations as act
from autograder.reference import deep as ref
from autograder.reference import rnn

from mutation import mutation_tests


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


test_reference_passes, test_mutant_is_rejected, test_every_graded_function_has_mutants = \
    mutation_tests(hidden, MUTANTS)


def test_torch_cases_take_their_expected_output_from_torch():
    """The "torch:" cases' expected outputs come from the torch twins, which agree with the reference."""
    for function, cases in hidden.CHECKS.items():
        reference = hidden.REFERENCES[function]
        for case in cases:
            if case.name.startswith("torch:"):
                assert isinstance(reference, hidden.ReferenceWithTwins), function
                from_torch = case.outputs(reference)
                from_numpy = case.run(reference.numpy_fn)
                for a, b in zip(from_torch, from_numpy):
                    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_messages_say_what_is_wrong():
    with pytest.raises(AssertionError, match=r"bidirectional_rnn_forward \[.*\]: \(out, h_n\)\[0\] differs"):
        hidden.check("bidirectional_rnn_forward", MUTANTS["bidirectional_rnn_forward"]["backward outputs not re-reversed"])
    with pytest.raises(AssertionError, match=r"irnn_init \[.*\]: checked properties\['W_hh'\] differs"):
        hidden.check("irnn_init", MUTANTS["irnn_init"]["W_hh all ones"])
    with pytest.raises(AssertionError, match="the same seed gives the same W_xh"):
        hidden.check("irnn_init", irnn_unseeded)
    with pytest.raises(AssertionError, match="numerically stable"):
        hidden.check("scrn_step", MUTANTS["scrn_step"]["naive sigmoid (overflows)"])


# Mutants that a shape error rejects in most cases; the named case has the shapes on which they run, and must
# reject them by their values.
SHAPE_BLIND = {
    ("stacked_rnn_forward", "layers above the first read the input x"): "D equal to H",
    ("stacked_rnn_forward", "the first layer's weights in every layer"): "D equal to H",
    ("deep_bidirectional_rnn_forward", "layers above the first read the input x"): "D equal to 2H",
    ("dropout_between_layers", "mask broadcast over the batch, not over time"): "N equal to T",
    ("stacked_rnn_forward_dropout", "masks applied one layer early (x dropped)"): "D equal to H",
    ("scrn_step", "returns (h_t, s_t)"): "D, S and H all equal",
}


@pytest.mark.parametrize("function, mutant", list(SHAPE_BLIND))
def test_shape_blind_mutants_are_rejected_by_their_values(function, mutant):
    cases = [c for c in hidden.CHECKS[function] if c.name.startswith(SHAPE_BLIND[function, mutant])]
    assert len(cases) == 1
    with pytest.raises(AssertionError, match="differs from the reference"):
        check_function(function, MUTANTS[function][mutant], hidden.REFERENCES[function], cases,
                       hidden.OUTPUT_NAMES[function])
