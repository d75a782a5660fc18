"""The adding problem, longer run: the five recurrent cells of chapter 6
at longer sequences and more steps.

The chapter "Deep and bidirectional RNNs, and the variants" runs a short
version of this experiment when the book is built (T = 20 and 50, 300
steps). This script runs the same code for longer; its results are saved
as JSON, and the chapter plots them:

    # writes book/data/adding_problem_long.json
    .venv/bin/python book/scripts/adding_problem.py
    # a quick try
    .venv/bin/python book/scripts/adding_problem.py --lengths 50 \
        --steps 500 --out /tmp/try.json

The data, the models and the training loop are the chapter's, line for
line (keep them in step). Every run is seeded (model initialisation,
training batches, test set), and one process uses one thread, so a run
gives the same numbers whenever it is repeated with the same torch
version on the same kind of CPU. Runs are independent, so --workers N
runs N of them at once.
"""
import argparse
import json
import math
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor

import torch

MODELS = ["tanh RNN", "IRNN", "LSTM", "GRU", "SCRN"]
# every model: 32 hidden units; the SCRN also 16 context units
HIDDEN, CONTEXT, ALPHA = 32, 16, 0.95
BATCH, LR, CLIP = 64, 0.01, 1.0       # Adam, gradient norm clipped to 1
N_TEST = 1000


# ----------------------------------------------------------------------
# the chapter's code, unchanged
def adding_batch(N, T, generator):
    """N sequences of the adding problem: x (N, T, 2) = (value, marker),
    y (N, 1) = sum of the marked values.

    Values are U[0, 1]; one marker lies in the first half of the
    sequence, the other in the second half.
    """
    values = torch.rand(N, T, generator=generator)
    first = torch.randint(0, T // 2, (N,), generator=generator)
    second = torch.randint(T // 2, T, (N,), generator=generator)
    markers = torch.zeros(N, T)
    markers[torch.arange(N), first] = 1.0
    markers[torch.arange(N), second] = 1.0
    return torch.stack([values, markers], dim=-1), (
        values * markers
    ).sum(dim=1, keepdim=True)


class SCRN(torch.nn.Module):
    """Structurally constrained recurrent network: context s_t = (1 - a)
    B x_t + a s_{t-1}, fast state h_t = sigmoid(P s_t + A x_t + R
    h_{t-1}). Returns [h_t, s_t] at every step, (N, T, H + S)."""

    def __init__(self, D, H, S, alpha):
        super().__init__()
        self.alpha = alpha
        self.B = torch.nn.Linear(D, S, bias=False)
        self.A = torch.nn.Linear(D, H, bias=False)
        self.P = torch.nn.Linear(S, H, bias=False)
        self.R = torch.nn.Linear(H, H, bias=False)

    def forward(self, x):
        N, T, _ = x.shape
        # The context recurrence is linear, so it unrolls into a
        # weighted sum over the past:
        # s_t = (1 - a) * sum_{k <= t} a^(t - k) B x_k, one matrix
        # product with a lower-triangular decay matrix.
        lag = torch.arange(T)[:, None] - torch.arange(T)[None, :]
        decay = torch.where(lag >= 0,
                            self.alpha ** lag.clamp(min=0).to(x.dtype),
                            torch.zeros((), dtype=x.dtype))
        s = torch.einsum("tk,nkj->ntj", decay,
                         (1 - self.alpha) * self.B(x))
        # everything but the fast recurrence, for all t at once
        drive = self.P(s) + self.A(x)
        h_t, hs = x.new_zeros(N, self.R.in_features), []
        for t in range(T):
            h_t = torch.sigmoid(drive[:, t] + self.R(h_t))
            hs.append(h_t)
        return torch.cat([torch.stack(hs, dim=1), s], dim=-1)


class Regressor(torch.nn.Module):
    """A recurrent layer read out linearly at the last step."""

    def __init__(self, kind, D=2, H=HIDDEN, S=CONTEXT, alpha=ALPHA):
        super().__init__()
        if kind == "tanh RNN":
            self.rnn = torch.nn.RNN(D, H, batch_first=True)
        elif kind == "IRNN":
            self.rnn = torch.nn.RNN(D, H, nonlinearity="relu",
                                    batch_first=True)
        elif kind == "LSTM":
            self.rnn = torch.nn.LSTM(D, H, batch_first=True)
        elif kind == "GRU":
            self.rnn = torch.nn.GRU(D, H, batch_first=True)
        elif kind == "SCRN":
            self.rnn = SCRN(D, H, S, alpha)
        self.readout = torch.nn.Linear(
            H + S if kind == "SCRN" else H, 1)
        with torch.no_grad():
            # Le et al.: W_hh = I, zero biases, other weights N(0,
            # 0.001^2)
            if kind == "IRNN":
                self.rnn.weight_hh_l0.copy_(torch.eye(H))
                self.rnn.bias_ih_l0.zero_()
                self.rnn.bias_hh_l0.zero_()
                self.rnn.weight_ih_l0.normal_(0.0, 0.001)
                self.readout.weight.normal_(0.0, 0.001)
                self.readout.bias.zero_()
            # forget-gate bias 1 (torch's gate order is i, f, g, o; the
            # biases add up)
            if kind == "LSTM":
                self.rnn.bias_ih_l0[H:2 * H].fill_(1.0)
                self.rnn.bias_hh_l0[H:2 * H].zero_()

    def forward(self, x):
        out = self.rnn(x)
        out = out[0] if isinstance(out, tuple) else out
        return self.readout(out[:, -1])


def train(kind, T, steps, seed=0, record_every=10):
    """Train one model with Adam; return the training MSE averaged over
    every `record_every` steps (each batch is fresh data, so this is an
    unbiased estimate of the test error), the test MSE on N_TEST
    held-out sequences at the end, and the CPU seconds it took."""
    torch.manual_seed(seed)
    model = Regressor(kind)
    optimiser = torch.optim.Adam(model.parameters(), lr=LR)
    data = torch.Generator().manual_seed(1000 + T)
    start, losses, curve = time.process_time(), [], []
    for step in range(steps):
        x, y = adding_batch(BATCH, T, data)
        loss = torch.nn.functional.mse_loss(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        optimiser.step()
        losses.append(loss.item())
        if len(losses) == record_every:
            curve.append(sum(losses) / record_every)
            losses = []
    x_test, y_test = adding_batch(N_TEST, T,
                                  torch.Generator().manual_seed(7))
    with torch.no_grad():
        test_mse = torch.nn.functional.mse_loss(
            model(x_test), y_test
        ).item()
    return curve, test_mse, time.process_time() - start
# ----------------------------------------------------------------------


def run_one(job):
    kind, T, steps, record_every = job
    torch.set_num_threads(1)
    curve, test_mse, cpu = train(kind, T, steps,
                                 record_every=record_every)
    print(f"T={T:4d} {kind:9s} test MSE {test_mse:.4f}  ({cpu:.0f} s "
          "CPU)", flush=True)
    return kind, T, curve, test_mse, cpu


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0])
    parser.add_argument("--lengths", type=int, nargs="+",
                        default=[50, 100, 200])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--record-every", type=int, default=25)
    parser.add_argument("--models", nargs="+", default=MODELS,
                        choices=MODELS)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out",
                        default=os.path.join(
                            os.path.dirname(os.path.abspath(__file__)),
                            "..", "data", "adding_problem_long.json"))
    args = parser.parse_args()
    jobs = [(kind, T, args.steps, args.record_every)
            for T in args.lengths for kind in args.models]
    start = time.time()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        finished = list(pool.map(run_one, jobs))
    results = {str(T): {} for T in args.lengths}
    for kind, T, curve, test_mse, cpu in finished:
        # A run whose state overflowed has nan losses from then on:
        # saved as null (JSON has no nan), with the
        # first step at which the loss was no longer finite.
        bad = [i for i, v in enumerate(curve) if not math.isfinite(v)]
        results[str(T)][kind] = {
            "curve": [round(v, 6) if math.isfinite(v) else None
                      for v in curve],
            "test_mse": round(test_mse, 6) if math.isfinite(test_mse)
            else None,
            "diverged_after_step": bad[0] * args.record_every if bad
            else None, "cpu_seconds": round(cpu, 1)}
    saved = {
        "description": "Adding problem, longer run of "
                       "book/scripts/adding_problem.py (see its "
                       "docstring).",
        "config": {
            "lengths": args.lengths,
            "steps": args.steps,
            "record_every": args.record_every,
            "batch": BATCH,
            "optimiser": "Adam",
            "lr": LR,
            "clip_grad_norm": CLIP,
            "hidden": HIDDEN,
            "scrn_context": CONTEXT,
            "scrn_alpha": ALPHA,
            "test_sequences": N_TEST,
            "seed": 0,
            "curve": "training MSE on fresh batches, averaged over "
                     "each block of record_every steps; "
            "null where the loss was not finite (the run diverged)",
        },
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "wall_seconds": round(time.time() - start),
        },
        "results": results,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)),
                exist_ok=True)
    with open(args.out, "w") as handle:
        json.dump(saved, handle, indent=1, allow_nan=False)
    print("wrote", os.path.abspath(args.out))


if __name__ == "__main__":
    main()
