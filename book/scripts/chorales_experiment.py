"""The longer, faithful run of chapter 7: tanh RNN vs GRU vs LSTM on the
Bach chorales.

Trains each unit at the sizes of Chung et al. (2014), Table 1, with
RMSProp, gradient-norm clipping at 1 and early stopping on the
validation NLL, at two learning rates (each unit keeps the one with the
better validation NLL), and saves learning curves, train/valid/test NLL
per time step, seconds per epoch and the settings to
book/data/chorales_results.json, which the chapter reads.

    # music21 corpus, the book's split
    python book/scripts/chorales_experiment.py
    # the standard JSB file too
    python book/scripts/chorales_experiment.py --jsb PATH --skip-music21

Each data set is stored under its own key ("music21", "jsb"); running
one leaves the other's results in place. One CPU thread: these matrices
are so small that a second thread costs more than it saves.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

# book/, for `import chorales`
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import chorales  # noqa: E402


def train_unit(unit: str, splits: dict, lr: float, args):
    """One model of `unit`, seeded, trained with early stopping at
    learning rate lr: (model, history)."""
    torch.manual_seed(args.seed)
    model = chorales.NextStep(unit)
    chorales.init_readout_bias(model, splits["train"])
    hist = chorales.train(model, splits["train"], splits["valid"],
                          epochs=args.epochs, lr=lr,
                          optimizer=args.optimizer,
                          batch_size=args.batch_size, clip=args.clip,
                          patience=args.patience, seed=args.seed,
                          progress=args.progress)
    return model, hist


def run_dataset(splits: dict, args) -> dict:
    """Train every unit on one data set, at each learning rate of
    args.lrs, and keep for each unit the run with the best validation
    NLL (the paper, too, chose each model's learning rate on the
    validation set). Returns {"units": {unit: results}}."""
    out = {}
    for unit in args.units:
        started = time.perf_counter()
        runs = {lr: train_unit(unit, splits, lr, args)
                for lr in args.lrs}
        lr = min(runs, key=lambda k: min(runs[k][1]["valid_nll"]))
        model, hist = runs[lr]
        result = {
            "hidden": model.rnn.hidden_size,
            "parameters": chorales.count_parameters(model),
            "lr": lr,
            "lr_search": {str(k): round(min(h["valid_nll"]), 4)
                          for k, (_, h) in runs.items()},
            **{f"{s}_nll": chorales.evaluate(model, splits[s])
               for s in chorales.SPLITS},
            "curves": {k: [round(v, 4) for v in hist[k]]
                       for k in ("train_nll", "valid_nll")},
            "seconds_per_epoch": float(
                np.mean([t for _, h in runs.values()
                         for t in h["seconds"]])),
            "cpu_seconds_per_epoch": float(
                np.mean([t for _, h in runs.values()
                         for t in h["cpu_seconds"]])),
            "epochs_run": len(hist["train_nll"]),
            "best_epoch": hist["best_epoch"],
            "stopped": hist["stopped"],
            "total_seconds": time.perf_counter() - started,
        }
        out[unit] = result
        print(f"  {unit:>4} H={result['hidden']:3d} lr={lr:g}: train "
              f"{result['train_nll']:.3f}  valid "
              f"{result['valid_nll']:.3f}  test "
              f"{result['test_nll']:.3f}  (best epoch "
              f"{hist['best_epoch']} of {result['epochs_run']}, "
              f"{result['seconds_per_epoch']:.2f} s/epoch; valid NLL "
              f"per lr {result['lr_search']})", flush=True)
    return {"units": out}


def key_frequency_nll(splits: dict) -> float:
    """Test NLL per step of a model without memory: p_k = frequency of
    key k in the training steps."""
    freq = torch.from_numpy(
        np.concatenate(splits["train"]).mean(axis=0).clip(
            1e-3, 1 - 1e-3))
    _, targets, mask = chorales.pad_batch(splits["test"])
    logits = torch.log(freq / (1 - freq)).float().expand_as(targets)
    return (
        chorales.nll_sum(logits, targets, mask).item()
        / mask.sum().item()
    )


def describe(splits: dict, source: str,
             ids: dict | None = None) -> dict:
    """Sizes of a data set (chorales and time steps per split), where it
    came from, and what its rolls hold: notes per step, the lowest and
    highest MIDI note, and how many chorales end on each pitch class in
    the bass (0 = C, 7 = G): a data set transposed to one key ends
    almost always on the same one. Also the test NLL of the memoryless
    baseline that predicts each key with its training frequency."""
    every = [r for s in chorales.SPLITS for r in splits[s]]
    stacked = np.concatenate(every)
    used = np.flatnonzero(stacked.any(axis=0)) + chorales.LOWEST
    last_bass = [
        int(np.flatnonzero(r[np.flatnonzero(r.any(axis=1))[-1]])[0]
            + chorales.LOWEST) % 12
        for r in every]
    info = {
        "source": source,
        "chorales": {s: len(splits[s]) for s in chorales.SPLITS},
        "time_steps": {
            s: int(sum(len(r) for r in splits[s]))
            for s in chorales.SPLITS
        },
        "notes_per_step": round(float(stacked.sum(axis=1).mean()), 3),
        "midi_range": [int(used.min()), int(used.max())],
        "final_bass_pitch_class": np.bincount(
            last_bass, minlength=12
        ).tolist(),
        "key_frequency_test_nll": round(key_frequency_nll(splits), 4),
    }
    if ids is not None:
        info["ids"] = ids
    return info


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--jsb",
                   help="also run on this standard JSB Chorales file "
                        "(.pkl or .json)")
    p.add_argument("--skip-music21", action="store_true",
                   help="do not run on the music21 corpus")
    p.add_argument("--out", default=str(chorales.RESULTS),
                   help="results JSON (merged into if it exists)")
    p.add_argument("--units", nargs="+",
                   default=["tanh", "gru", "lstm"],
                   choices=sorted(chorales.UNITS))
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--patience", type=int, default=10)
    p.add_argument("--optimizer", default="rmsprop",
                   choices=["rmsprop", "adam"])
    p.add_argument("--lrs", type=float, nargs="+", default=[3e-3, 1e-2],
                   help="learning rates to try; each unit keeps the "
                        "one with the best validation NLL")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--progress", action="store_true", default=None,
                   help="force the progress bars on")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)

    out = Path(args.out)
    results = json.loads(out.read_text()) if out.is_file() else {}
    settings = {k: getattr(args, k)
                for k in ("epochs", "patience", "optimizer", "lrs",
                          "batch_size", "clip", "seed", "threads")}
    settings.update(torch=torch.__version__,
                    python=platform.python_version(),
                    machine=platform.machine(),
                    init="read-out bias = log-odds of each key's "
                         "training frequency; torch defaults elsewhere")
    datasets = []
    if not args.skip_music21:
        splits, ids = chorales.music21_splits()
        datasets.append(("music21", splits,
                         describe(splits,
                                  "music21 corpus, cached in "
                                  "book/data/chorales_music21.npz; "
                                  "split by split_ids", ids)))
    if args.jsb:
        splits = chorales.load_jsb(args.jsb)
        datasets.append(("jsb", splits,
                         describe(splits,
                                  "standard JSB Chorales file "
                                  f"{Path(args.jsb).name}")))
    for key, splits, info in datasets:
        print(f"{key}: {info['chorales']} chorales, "
              f"{info['time_steps']} time steps", flush=True)
        started = time.perf_counter()
        results[key] = {"data": info, "settings": settings,
                        **run_dataset(splits, args),
                        "wall_seconds": time.perf_counter() - started}
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
