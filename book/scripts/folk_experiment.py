"""The longer run of chapter 8: tanh RNN vs GRU vs LSTM as
character-level models of O'Neill's tunes.

Gives the three units the same number of parameters (that of an LSTM
with 128 hidden units, embedding 32), trains each for the same number of
updates with truncated BPTT (32 parallel streams, chunks of 100
characters, the state carried across chunks and detached), Adam and
gradient-norm clipping, and records the validation bits per character
against updates and against training seconds. The weights with the best
validation score are kept; their test bits per character, the n-gram
baselines on the same test tunes and the settings go to
book/data/folk_results.json, and the weights (float32) to
book/data/folk_weights.npz, which the chapter reads.

    # about 10 minutes of one CPU core
    python book/scripts/folk_experiment.py

One CPU thread: these matrices are so small that a second thread costs
more than it saves.
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

# book/, for `import folk`
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import folk  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--units", nargs="+",
                   default=["tanh", "gru", "lstm"],
                   choices=sorted(folk.UNITS))
    p.add_argument("--lstm-hidden", type=int, default=128,
                   help="sets the parameter budget of every unit")
    p.add_argument("--embed", type=int, default=32)
    p.add_argument("--updates", type=int, default=3000)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--steps", type=int, default=100,
                   help="truncation length of BPTT, in characters")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--eval-every", type=int, default=125)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default=str(folk.RESULTS))
    p.add_argument("--weights", default=str(folk.WEIGHTS))
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    started, cpu_started = time.perf_counter(), time.process_time()

    splits, info = folk.load_splits()
    vocab = folk.Vocabulary(splits["train"] + splits["valid"]
                            + splits["test"])
    pairs = {s: folk.tune_pairs(vocab, splits[s]) for s in folk.SPLITS}
    V = len(vocab)
    budget = folk.parameter_count("lstm", V, args.lstm_hidden,
                                  args.embed)
    baselines = {}
    for name, order in (("uniform", 0), ("unigram", 1), ("bigram", 2)):
        # k chosen on the validation tunes, then scored on the test
        # tunes
        k = min((0.01, 0.03, 0.1, 0.3, 1.0),
                key=lambda k: folk.ngram_bits(
                    splits["train"], splits["valid"], vocab, order, k))
        baselines[name] = {
            "k": k,
            **{
                f"{s}_bits": folk.ngram_bits(
                    splits["train"], splits[s], vocab, order, k
                )
                for s in ("valid", "test")
            },
        }
    print(f"{info['tunes']} tunes, V={V}, budget {budget} parameters; "
          "baselines (test bits/char): "
          + ", ".join(f"{n} {b['test_bits']:.3f}"
                      for n, b in baselines.items()), flush=True)

    units, weights = {}, {}
    for unit in args.units:
        hidden = folk.hidden_for_budget(unit, budget, V, args.embed)
        torch.manual_seed(args.seed)
        model = folk.CharLM(unit, V, hidden, args.embed)
        hist = folk.train_tbptt(model, vocab, splits["train"],
                                pairs["valid"], updates=args.updates,
                                batch_size=args.batch_size,
                                steps=args.steps, lr=args.lr,
                                clip=args.clip,
                                eval_every=args.eval_every,
                                seed=args.seed)
        result = {
            "hidden": hidden,
            "parameters": sum(p.numel() for p in model.parameters()),
            **{
                f"{s}_bits": folk.evaluate_bits(model, pairs[s])
                for s in folk.SPLITS
            },
            "curves": {
                k: [round(v, 4) for v in hist[k]]
                for k in (
                    "updates",
                    "valid_bits",
                    "train_bits",
                    "seconds",
                    "cpu_seconds",
                )
            },
            "best_update": hist["best_update"],
            "stopped": hist["stopped"],
            "seconds_per_update": hist["seconds"][-1]
            / hist["updates"][-1],
            "cpu_seconds_per_update": hist["cpu_seconds"][-1]
            / hist["updates"][-1],
        }
        units[unit] = result
        weights.update(
            {f"{unit}/{k}": v.detach().numpy().astype(np.float32)
             for k, v in model.state_dict().items()})
        print(f"  {unit:>4} H={hidden} ({result['parameters']} "
              "parameters): bits/char train "
              f"{result['train_bits']:.3f} valid "
              f"{result['valid_bits']:.3f} test "
              f"{result['test_bits']:.3f} (best at update "
              f"{hist['best_update']}; "
              f"{result['cpu_seconds_per_update'] * 1e3:.0f} ms CPU "
              "per update)", flush=True)

    settings = {k: getattr(args, k)
                for k in ("lstm_hidden", "embed", "updates",
                          "batch_size", "steps", "lr", "clip",
                          "eval_every", "seed", "threads")}
    settings.update(torch=torch.__version__,
                    python=platform.python_version(),
                    machine=platform.machine(),
                    optimizer="Adam (folk.Adam: torch.optim.Adam's "
                              "rule), one learning rate for all units")
    data = {k: v for k, v in info.items() if k != "duplicates"}
    data.update(duplicates=len(info["duplicates"]),
                vocabulary="".join(vocab.chars),
                characters={s: int(sum(len(y) for _, y in pairs[s]))
                            for s in folk.SPLITS})
    results = {"data": data, "settings": settings, "budget": budget,
               "baselines": baselines, "units": units,
               "wall_seconds": time.perf_counter() - started,
               "cpu_seconds": time.process_time() - cpu_started}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
    np.savez_compressed(args.weights, **weights)
    print(f"wrote {args.out} and {args.weights} in "
          f"{results['wall_seconds']:.0f} s "
          f"({results['cpu_seconds']:.0f} s CPU)")


if __name__ == "__main__":
    main()
