"""Why a forget-gate bias of 0 fails: the experiment behind the LSTM
appendix's section of that name.

The appendix trains a tiny LSTM (H = 16) to remember the sign of the
first of T_LONG = 40 inputs, with Adam at lr 0.01, from three
initialisations (seeds 0-2): with the forget-gate bias b_f = 0 no run
leaves chance (loss ln 2). This script tests the candidate causes in
that same setting, with b_f = 0:

* Adam's epsilon: the runs again with eps = 1e-8 (torch's default),
  1e-12 and 1e-16;
* the biases: all parameters trained; the LSTM's biases frozen at their
  initial values (only the weights and the read-out learn); or the
  biases of one gate frozen (f, i, g or o), everything else trained;
* the gradients at initialisation: the largest on any LSTM weight, the
  first Adam step that gradient gets (as a fraction of the learning
  rate), and the sign of the forget-gate biases' gradients;
* where the biases drift while the rest is trained, and the weights'
  gradients after 100 and 300 steps.

It takes a few minutes on one core, too long for every build of the
book, so the page loads its results:

    # writes book/data/forget_bias_experiment.json
    .venv/bin/python book/scripts/forget_bias_experiment.py

The model, the task and the training loop are the appendix's (keep them
in step); `train` only adds the optimiser's eps and the choice of
parameters to train. Every run is seeded and one process uses one
thread, so a repeat with the same torch version on the same kind of CPU
gives the same numbers.
"""
import argparse
import json
import math
import os
import platform
import re
import time

import torch

H, T_LONG, LR = 16, 40, 0.01
SEEDS = (0, 1, 2)
EPSILONS = (1e-8, 1e-12, 1e-16)
# Which gates' biases (b_ih and b_hh, in torch's rows) keep their
# initial values; all weights are trained.
FROZEN = ("", "ifgo", "f", "i", "g", "o")
# torch's gate order is (i, f, g, o)
GATE_ROWS = {gate: slice(k * H, (k + 1) * H)
             for k, gate in enumerate("ifgo")}
STEPS = 300
DRIFT_AT = (100, 300)        # steps after which the biases are saved
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                   "data", "forget_bias_experiment.json")


# --------------------------------------- the appendix's code, unchanged
class LastStepClassifier(torch.nn.Module):
    """A one-layer LSTM read by a linear layer at the last step;
    forget-gate bias set at initialisation."""

    def __init__(self, D, H, forget_bias):
        super().__init__()
        self.lstm = torch.nn.LSTM(D, H, batch_first=True)
        self.readout = torch.nn.Linear(H, 1)
        # torch's gate order is (i, f, g, o): rows H:2H are f
        with torch.no_grad():
            self.lstm.bias_ih_l0.zero_()
            self.lstm.bias_hh_l0.zero_()
            self.lstm.bias_ih_l0[H:2 * H] = forget_bias

    def forward(self, x):
        return self.readout(self.lstm(x)[0][:, -1]).squeeze(-1)


def first_value_batch(generator=None):
    """Both sequences of the task: +1 or -1 at step 1, then zeros; the
    target is the sign."""
    x = torch.zeros(2, T_LONG, 1)
    x[:, 0, 0] = torch.tensor([1.0, -1.0])
    return x, torch.tensor([1.0, 0.0])
# ----------------------------------------------------------------------


def gate_biases(model):
    """The lecture's b_g = b_ih,g + b_hh,g of every gate, {gate: (H,)},
    in torch's names (g: the candidate)."""
    total = (model.lstm.bias_ih_l0 + model.lstm.bias_hh_l0).detach()
    return {gate: total[rows] for gate, rows in GATE_ROWS.items()}


def largest_weight_gradient(model):
    weights = (model.lstm.weight_ih_l0, model.lstm.weight_hh_l0)
    return max(w.grad.abs().max().item() for w in weights)


def train(model, steps, eps, frozen):
    """The appendix's training loop on the 40-step task, with Adam's
    eps and the biases of the gates in `frozen` kept at their initial
    values: their gradient rows are zeroed before every step, and Adam's
    step is exactly 0 where every gradient so far was 0. Returns the
    loss at every step, and after each of DRIFT_AT steps every gate's
    biases and the largest gradient on any LSTM weight at that step.
    """
    biases = [model.lstm.bias_ih_l0, model.lstm.bias_hh_l0]
    optimiser = torch.optim.Adam(model.parameters(), lr=LR, eps=eps)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    losses, drift = [], {}
    for step in range(1, steps + 1):
        x, y = first_value_batch()
        loss = bce(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        for gate in frozen:
            for bias in biases:
                bias.grad[GATE_ROWS[gate]] = 0.0
        optimiser.step()
        losses.append(loss.item())
        if step in DRIFT_AT:
            largest = largest_weight_gradient(model)
            biases_now = gate_biases(model)
            drift[step] = {"largest_weight_gradient": largest,
                           **{"b_" + gate: b.tolist()
                              for gate, b in biases_now.items()}}
    return losses, drift


def at_initialisation(seed, forget_bias_value=0.0):
    """The gradients of the first step, and the first step Adam
    (eps = 1e-8) takes with them."""
    torch.manual_seed(seed)
    model = LastStepClassifier(D=1, H=H, forget_bias=forget_bias_value)
    x, y = first_value_batch()
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    bce(model(x), y).backward()
    weights = [model.lstm.weight_ih_l0, model.lstm.weight_hh_l0]
    largest = largest_weight_gradient(model)
    # each forget row's gradient (b_ih and b_hh get the same one)
    lstm = model.lstm
    forget_gradient = (lstm.bias_ih_l0.grad
                       + lstm.bias_hh_l0.grad)[H:2 * H] / 2
    before = [w.detach().clone() for w in weights]
    torch.optim.Adam(model.parameters(), lr=LR).step()
    # Adam's first step is lr * g / (|g| + eps) for every entry (its
    # running averages start at g and g^2).
    step_of_largest = max((w.detach() - b).abs().max().item()
                          for w, b in zip(weights, before)) / LR
    return {"largest_weight_gradient": largest,
            "adam_first_step_of_largest_weight_over_lr":
                step_of_largest,
            "forget_bias_gradients_positive":
                int((forget_gradient > 0).sum()),
            "forget_bias_gradient_mean": forget_gradient.mean().item()}


def rounded(drift):
    """The saved biases to 6 decimals; the gradient as it is."""
    return {str(k): {name: value if name == "largest_weight_gradient"
                     else [round(v, 6) for v in value]
                     for name, value in d.items()}
            for k, d in drift.items()}


def one_run(frozen, eps, seed):
    torch.manual_seed(seed)
    model = LastStepClassifier(D=1, H=H, forget_bias=0.0)
    losses, drift = train(model, STEPS, eps, frozen)
    below = [i + 1 for i, v in enumerate(losses) if v < 0.1]
    after = drift[100]
    print(f"biases frozen: {frozen or '-':4s} eps {eps:.0e} "
          f"seed {seed}: loss {losses[99]:.4f} after 100 steps, "
          f"{losses[-1]:.2e} after {STEPS}; after 100 steps mean b_f "
          f"{sum(after['b_f']) / H:+.3f}, mean b_g "
          f"{sum(after['b_g']) / H:+.3f}, largest weight gradient "
          f"{after['largest_weight_gradient']:.1e}", flush=True)
    return {"frozen": frozen, "eps": eps, "seed": seed,
            "losses": [float(f"{v:.4g}") for v in losses],
            "first_step_below_0.1": below[0] if below else None,
            "after": rounded(drift)}


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = time.time()
    runs = [one_run(frozen, eps, seed)
            for frozen in FROZEN for eps in EPSILONS for seed in SEEDS]
    initial = {str(seed): at_initialisation(seed) for seed in SEEDS}
    saved = {
        "description": "Why a forget-gate bias of 0 fails: "
                       "book/scripts/forget_bias_experiment.py "
                       "(see its docstring).",
        "config": {
            "hidden": H, "T": T_LONG, "lr": LR, "optimiser": "Adam",
            "seeds": list(SEEDS), "epsilons": list(EPSILONS),
            "frozen": list(FROZEN),
            "frozen_means": "the gates (torch's i, f, g, o) whose "
                            "biases were kept at their initial values",
            "steps": STEPS, "forget_bias": 0.0,
            "losses": "training loss at every step (both sequences of "
                      "the task), 4 significant digits",
            "after": "after that many steps: the largest |gradient| on "
                     "any LSTM weight at that step, and every gate's "
                     "bias b_ih + b_hh of every unit (torch's gates i, "
                     "f, g, o; g is the candidate)"},
        "environment": {"torch": torch.__version__,
                        "python": platform.python_version(),
                        "machine": platform.machine(),
                        "wall_seconds": round(time.time() - start)},
        "at_initialisation": initial,
        "runs": runs,
    }
    assert all(math.isfinite(v) for run in runs for v in run["losses"])
    folder = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(folder, exist_ok=True)
    text = json.dumps(saved, indent=1, allow_nan=False)
    # Lists of numbers on one line each: a few hundred lines, not
    # twenty thousand.
    text = re.sub(r"\[\s*([-+.\deE,\s]+?)\s*\]",
                  lambda m: "[" + re.sub(r"\s+", "", m.group(1)) + "]",
                  text)
    with open(args.out, "w") as handle:
        handle.write(text + "\n")
    print("wrote", os.path.abspath(args.out))


if __name__ == "__main__":
    main()
