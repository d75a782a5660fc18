"""Bach chorales as piano rolls, and next-step recurrent models for them
(chapter 7 of Gate by Gate).

Conventions
-----------
- A piano roll is a uint8 array of shape (T, 88): row t lists the keys
  sounding at quarter-note step t, column k is MIDI note 21 + k
  (A0 ... C8). Held and repeated notes are not distinguished.
- A batch is batch-first: inputs and targets float32 (N, T, 88), plus a
  mask (N, T) of real time steps.
- A split is a dict {"train": [roll, ...], "valid": [...], "test":
  [...]}.

The music21 corpus is parsed once into data/chorales_music21.npz. To
regenerate it (several minutes):

    python book/chorales.py build-cache

music21 is imported only by the parsing functions; everything else needs
numpy and torch alone.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import pickle
import struct
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

# MIDI numbers of the piano's lowest and highest keys
LOWEST, HIGHEST = 21, 108
KEYS = HIGHEST - LOWEST + 1          # 88
SPLITS = ("train", "valid", "test")
HERE = Path(__file__).resolve().parent
CACHE = HERE / "data" / "chorales_music21.npz"
RESULTS = HERE / "data" / "chorales_results.json"
VOICES = ("soprano", "alto", "tenor", "bass")


# ----------------------------------------------------------------------
# music21 corpus -> piano rolls
# ----------------------------------------------------------------------
def corpus_ids() -> list[str]:
    """Corpus paths of the Riemenschneider chorales in music21, e.g.
    'bach/bwv269', in Riemenschneider order, each path once (the set
    lists a few chorales under two numbers)."""
    from music21 import corpus

    return list(
        dict.fromkeys(corpus.chorales.Iterator(returnType="filename")))


def vocal_parts(score) -> list:
    """The soprano, alto, tenor and bass parts of a score (found by the
    first word of the part name, so that 'Soprano Oboe 1 Violin1'
    counts); all parts when the four cannot be told apart. Instrumental
    parts (trumpets, timpani, continuo) are dropped: the chorales are
    four-part harmonisations."""
    found = {}
    for part in score.parts:
        words = (part.partName or "").lower().split()
        if words and words[0] in VOICES and words[0] not in found:
            found[words[0]] = part
    return (
        [found[v] for v in VOICES]
        if len(found) == 4
        else list(score.parts)
    )


def parts_to_roll(parts) -> np.ndarray:
    """Sample music21 parts at every quarter note: returns a piano roll
    (T, 88) uint8.

    A key is on at step t when a note of that pitch sounds at
    quarter-note offset t (onset <= t < end), so notes shorter than a
    quarter between two beats are not seen. Silent steps at the start
    and the end are dropped. Raises ValueError for a pitch outside
    21-108.
    """
    events = []                    # (onset, end, midi) in quarter notes
    for part in parts:
        # Note and Chord objects, offsets relative to the part
        for n in part.flatten().notes:
            start, length = float(n.offset), float(n.quarterLength)
            if length <= 0:                       # grace notes
                continue
            for p in n.pitches:
                events.append((start, start + length, p.midi))
    T = math.ceil(max((end for _, end, _ in events), default=0.0))
    roll = np.zeros((T, KEYS), dtype=np.uint8)
    for start, end, midi in events:
        if not LOWEST <= midi <= HIGHEST:
            raise ValueError(f"note {midi} outside the piano range "
                             f"{LOWEST}-{HIGHEST}")
        # steps t with start <= t < end
        roll[math.ceil(start):math.ceil(end), midi - LOWEST] = 1
    sounding = np.flatnonzero(roll.any(axis=1))
    return (roll[sounding[0]:sounding[-1] + 1] if len(sounding)
            else roll[:0])


def parse_chorale(corpus_id: str) -> np.ndarray:
    """Parse one chorale of the music21 corpus (e.g. 'bach/bwv269') into
    a piano roll (T, 88) uint8."""
    from music21 import corpus

    return parts_to_roll(vocal_parts(corpus.parse(corpus_id)))


def dedupe(
    ids: list[str], rolls: list[np.ndarray]
) -> tuple[list[str], list[np.ndarray], dict[str, str]]:
    """Drop chorales whose roll equals an earlier one up to
    transposition (the same harmonisation filed twice). Returns the kept
    ids and rolls, and {dropped id: id it duplicates}."""
    seen, kept_ids, kept_rolls, dropped = {}, [], [], {}
    for cid, roll in zip(ids, rolls):
        cols = np.flatnonzero(roll.any(axis=0))
        key = ((roll.shape[0], roll[:, cols[0]:cols[-1] + 1].tobytes())
               if len(cols) else (roll.shape[0], b""))
        if key in seen:
            dropped[cid] = seen[key]
        else:
            seen[key] = cid
            kept_ids.append(cid)
            kept_rolls.append(roll)
    return kept_ids, kept_rolls, dropped


def save_cache(path, ids: list[str], rolls: list[np.ndarray],
               duplicates: dict[str, str] | None = None):
    """Write rolls to a compressed .npz: all rolls stacked (sum T, 88)
    plus their lengths and ids."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    dup = duplicates or {}
    np.savez_compressed(
        path, ids=np.array(ids),
        lengths=np.array([len(r) for r in rolls], dtype=np.int64),
        rolls=np.concatenate(rolls).astype(np.uint8) if rolls
        else np.zeros((0, KEYS), np.uint8),
        duplicates=np.array([f"{k}={v}" for k, v in dup.items()],
                            dtype=str))


def load_cache(path=CACHE) -> tuple[list[str], list[np.ndarray]]:
    """Read a cache written by save_cache: returns (ids, rolls), each
    roll (T, 88) uint8."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file; regenerate it "
                                "with `python book/chorales.py "
                                "build-cache`")
    with np.load(path) as f:
        ids, lengths, stacked = (
            [str(i) for i in f["ids"]],
            f["lengths"],
            f["rolls"],
        )
    return ids, (np.split(stacked, np.cumsum(lengths)[:-1]) if len(ids)
                 else [])


def build_cache(path=CACHE, ids: list[str] | None = None,
                progress: bool | None = None) -> dict:
    """Parse the chorales (all of corpus_ids() by default), drop
    duplicates and save them to `path`. Returns a summary {"kept": n,
    "duplicates": {...}, "seconds": s}."""
    t0 = time.perf_counter()
    ids = corpus_ids() if ids is None else list(ids)
    rolls = [parse_chorale(cid)
             for cid in _progress(ids, "parsing chorales", progress)]
    ids, rolls, dropped = dedupe(ids, rolls)
    save_cache(path, ids, rolls, dropped)
    return {"kept": len(ids), "duplicates": dropped,
            "seconds": round(time.perf_counter() - t0, 1)}


# ----------------------------------------------------------------------
# The split
# ----------------------------------------------------------------------
def split_ids(ids: list[str],
              fractions=(0.6, 0.2, 0.2)) -> dict[str, list[str]]:
    """Deterministic train/valid/test split of chorale ids.

    The ids are ordered by the SHA-256 hash of their text (a fixed
    pseudo-random order that does not depend on the corpus order or on
    any seed); the first 60% are train, the next 20% valid, the rest
    test. Each id lands in exactly one split.
    """
    order = sorted(set(ids),
                   key=lambda i: hashlib.sha256(i.encode()).hexdigest())
    n_train = round(fractions[0] * len(order))
    n_valid = round(fractions[1] * len(order))
    return {"train": order[:n_train],
            "valid": order[n_train:n_train + n_valid],
            "test": order[n_train + n_valid:]}


def music21_splits(
    path=CACHE,
) -> tuple[dict[str, list[np.ndarray]], dict[str, list[str]]]:
    """The cached music21 chorales, split by split_ids: returns (rolls
    per split, ids per split)."""
    ids, rolls = load_cache(path)
    by_id = dict(zip(ids, rolls))
    names = split_ids(ids)
    return {s: [by_id[i] for i in names[s]] for s in SPLITS}, names


# ----------------------------------------------------------------------
# The standard JSB Chorales file (Boulanger-Lewandowski et al. 2012)
# ----------------------------------------------------------------------
def steps_to_roll(steps) -> np.ndarray:
    """A sequence in the JSB format (a list of time steps, each a list
    of MIDI numbers) -> roll (T, 88). Assumes valid notes
    (see validate_jsb)."""
    roll = np.zeros((len(steps), KEYS), dtype=np.uint8)
    for t, notes in enumerate(steps):
        roll[t, [int(n) - LOWEST for n in notes]] = 1
    return roll


def roll_to_steps(roll: np.ndarray) -> list[list[int]]:
    """The inverse of steps_to_roll: roll (T, 88) -> list of T lists of
    MIDI numbers."""
    return [[int(k) + LOWEST for k in np.flatnonzero(row)]
            for row in roll]


def validate_jsb(data, path) -> None:
    """Check the JSB structure: a dict with 'train', 'valid', 'test',
    each a list of sequences, each a non-empty list of time steps, each
    a list of integer MIDI numbers in 21-108. Raises ValueError naming
    `path` and the first problem, e.g. 'x.json: test[3][17] has note 12,
    outside the piano range 21-108'."""
    def fail(msg):
        raise ValueError(f"{path}: {msg}")

    if not isinstance(data, dict):
        fail("expected a dict with keys 'train', 'valid', 'test', got "
             f"{type(data).__name__}")
    missing = [s for s in SPLITS if s not in data]
    if missing:
        fail(f"missing key(s) {', '.join(map(repr, missing))}; found "
             f"{sorted(map(str, data))}")
    for s in SPLITS:
        if not isinstance(data[s], (list, tuple)):
            fail(f"{s} should be a list of sequences, got "
                 f"{type(data[s]).__name__}")
        for i, seq in enumerate(data[s]):
            if not isinstance(seq, (list, tuple)) or len(seq) == 0:
                fail(f"{s}[{i}] should be a non-empty list of time "
                     f"steps, got {seq!r:.40}")
            for t, step in enumerate(seq):
                if not isinstance(step, (list, tuple, np.ndarray)):
                    fail(f"{s}[{i}][{t}] should be a list of MIDI note "
                         f"numbers, got {step!r:.40}")
                for n in step:
                    if (
                        isinstance(n, bool)
                        or not isinstance(
                            n, (int, np.integer, float, np.floating)
                        )
                        or int(n) != n
                    ):
                        fail(f"{s}[{i}][{t}] has {n!r:.20}, which is "
                             "not an integer MIDI note number")
                    if not LOWEST <= n <= HIGHEST:
                        fail(f"{s}[{i}][{t}] has note {int(n)}, "
                             "outside the piano range "
                             f"{LOWEST}–{HIGHEST}")


def load_jsb(path) -> dict[str, list[np.ndarray]]:
    """Load a JSB Chorales file in the Boulanger-Lewandowski format
    (.pkl/.pickle or .json) and return {"train": [roll (T, 88), ...],
    "valid": [...], "test": [...]}. Raises FileNotFoundError or
    ValueError with a one-line message naming the file. (A pickle can
    run code when loaded: only open trusted files.)"""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            data = json.loads(path.read_text())
        elif suffix in (".pkl", ".pickle"):
            with open(path, "rb") as f:
                # latin1: the original file is a Python 2 pickle
                data = pickle.load(f, encoding="latin1")
        else:
            raise ValueError(f"{path}: unknown extension {suffix!r}; "
                             "expected .json, .pkl or .pickle")
    except (json.JSONDecodeError, pickle.UnpicklingError, EOFError,
            UnicodeDecodeError) as e:
        raise ValueError(f"{path}: cannot read it as {suffix[1:]} "
                         f"({type(e).__name__}: {e})") from None
    validate_jsb(data, path)
    return {s: [steps_to_roll(seq) for seq in data[s]] for s in SPLITS}


# ----------------------------------------------------------------------
# Batches
# ----------------------------------------------------------------------
def pad_batch(
    rolls: list[np.ndarray],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Next-step training pairs for a list of rolls of lengths T_n.

    Returns inputs (N, T, 88), targets (N, T, 88) and mask (N, T), T
    = max T_n, all float32. The targets are the rolls; the inputs are
    the rolls shifted right by one step behind an all-zero start frame,
    so the prediction for step t has seen steps 0 ... t-1 only, and
    every step of every roll (the first included) is predicted once.
    mask[n, t] = 1 for the T_n real steps of roll n and 0 on the
    padding.
    """
    N, T = len(rolls), max(len(r) for r in rolls)
    targets = torch.zeros(N, T, KEYS)
    mask = torch.zeros(N, T)
    for n, r in enumerate(rolls):
        targets[n, :len(r)] = torch.from_numpy(
            np.asarray(r, dtype=np.float32))
        mask[n, :len(r)] = 1
    inputs = torch.cat([torch.zeros(N, 1, KEYS), targets[:, :-1]],
                       dim=1)
    return inputs, targets, mask


def batches(rolls: list[np.ndarray], batch_size: int,
            rng: np.random.Generator | None = None):
    """Group rolls of similar length (less padding) into batches; yields
    lists of rolls. With rng the contents and the order of the batches
    are shuffled, otherwise they are in order of length."""
    idx = np.argsort([len(r) for r in rolls], kind="stable")
    # shuffle within runs of similar length, then shuffle the batches
    if rng is not None:
        idx = idx[np.argsort(np.arange(len(idx)) // (4 * batch_size)
                             + rng.random(len(idx)), kind="stable")]
    groups = [idx[i:i + batch_size]
              for i in range(0, len(idx), batch_size)]
    if rng is not None:
        groups = [groups[i] for i in rng.permutation(len(groups))]
    for g in groups:
        yield [rolls[i] for i in g]


# ----------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------
UNITS = {"tanh": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
# hidden units in Chung et al. (2014), Table 1
PAPER_SIZES = {"tanh": 100, "gru": 46, "lstm": 36}


class NextStep(nn.Module):
    """A recurrent layer (tanh RNN, GRU or LSTM) of `hidden` units and a
    read-out to 88 sigmoid outputs.

    forward(x (N, T, 88), state=None) -> logits (N, T, 88), state.
    sigmoid(logits[:, t]) are the predicted probabilities that each key
    sounds at step t, given the inputs x[:, :t+1] (see pad_batch).
    """

    def __init__(self, unit: str, hidden: int | None = None):
        super().__init__()
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {sorted(UNITS)}, "
                             f"got {unit!r}")
        self.unit = unit
        self.rnn = UNITS[unit](KEYS, hidden or PAPER_SIZES[unit],
                               batch_first=True)
        self.readout = nn.Linear(self.rnn.hidden_size, KEYS)

    def forward(self, x: torch.Tensor, state=None):
        h, state = self.rnn(x, state)
        return self.readout(h), state


def init_readout_bias(model: NextStep, rolls: list[np.ndarray]) -> None:
    """Set the read-out bias to the log-odds of each key's frequency in
    `rolls`, so that training starts from the best constant prediction
    (NLL about 11 per step) instead of p = 0.5 for every key
    (88 ln 2, about 61)."""
    freq = np.concatenate(rolls).mean(axis=0).clip(1e-3, 1 - 1e-3)
    with torch.no_grad():
        model.readout.bias.copy_(
            torch.from_numpy(np.log(freq / (1 - freq))).float())


def count_parameters(model: NextStep) -> dict[str, int]:
    """{"recurrent": parameters of the recurrent layer, "readout": of
    the read-out, "total": both}."""
    rec = sum(p.numel() for p in model.rnn.parameters())
    out = sum(p.numel() for p in model.readout.parameters())
    return {"recurrent": rec, "readout": out, "total": rec + out}


# ----------------------------------------------------------------------
# The metric
# ----------------------------------------------------------------------
def nll_sum(logits: torch.Tensor, targets: torch.Tensor,
            mask: torch.Tensor) -> torch.Tensor:
    """Summed negative log-likelihood (natural log) of the targets under
    independent Bernoulli outputs.

    logits, targets (N, T, 88); mask (N, T). Returns the scalar
        sum_{n,t} mask[n,t] * sum_k -[y log p + (1 - y) log(1 - p)],
        p = sigmoid(logits[n,t,k]),
    i.e. the total over the real time steps; divide by mask.sum() for
    the NLL per time step.
    """
    # (N, T)
    per_step = F.binary_cross_entropy_with_logits(
        logits, targets, reduction="none"
    ).sum(-1)
    return (per_step * mask).sum()


@torch.no_grad()
def evaluate(model: NextStep, rolls: list[np.ndarray],
             batch_size: int = 64) -> float:
    """NLL per time step of a whole split: total NLL over all its time
    steps / number of time steps."""
    model.eval()
    total, steps = 0.0, 0.0
    for group in batches(rolls, batch_size):
        x, y, m = pad_batch(group)
        total += nll_sum(model(x)[0], y, m).item()
        steps += m.sum().item()
    return total / steps


# ----------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------
class Optimizer:
    """RMSProp or Adam with torch.optim's update rules and defaults,
    written out. (Creating a torch.optim optimizer imports
    torch._dynamo, which costs seconds at start-up: much of this
    chapter's time budget.)

    RMSProp: v <- a v + (1 - a) g^2,
             w <- w - lr g / (sqrt(v) + eps)                  (a = 0.99)
    Adam:    m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
             w <- w - lr (m / (1 - b1^k)) / (sqrt(v / (1 - b2^k)) + eps)
             at step k                       (b1, b2 = 0.9, 0.999)
    """

    def __init__(self, params, kind: str = "adam", lr: float = 1e-3,
                 alpha: float = 0.99, betas=(0.9, 0.999),
                 eps: float = 1e-8):
        if kind not in ("adam", "rmsprop"):
            raise ValueError("optimizer must be 'adam' or 'rmsprop', "
                             f"got {kind!r}")
        self.params = [p for p in params if p.requires_grad]
        self.kind, self.lr, self.alpha, self.betas, self.eps, self.k = (
            kind,
            lr,
            alpha,
            betas,
            eps,
            0,
        )
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        self.k += 1
        b1, b2 = self.betas
        for p, m, v in zip(self.params, self.m, self.v):
            if p.grad is None:
                continue
            g = p.grad
            if self.kind == "rmsprop":
                v.mul_(self.alpha).addcmul_(g, g, value=1 - self.alpha)
                p.addcdiv_(g, v.sqrt().add_(self.eps), value=-self.lr)
            else:
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                denom = (v / (1 - b2 ** self.k)).sqrt_().add_(self.eps)
                p.addcdiv_(m, denom,
                           value=-self.lr / (1 - b1 ** self.k))


def clip_gradient_norm(params, max_norm: float) -> float:
    """Gradient clipping by norm: if the norm of all gradients together
    exceeds max_norm, scale them all by max_norm / norm. Returns the
    norm before clipping."""
    grads = [p.grad for p in params if p.grad is not None]
    norm = torch.sqrt(sum((g * g).sum() for g in grads)).item()
    if norm > max_norm:
        for g in grads:
            g.mul_(max_norm / (norm + 1e-6))
    return norm


def interactive() -> bool:
    """True when someone watches: a terminal, or a notebook front end
    that can answer input(). False in a batch run (book build,
    nbconvert, nohup), so no progress bar clutters its output or
    stderr."""
    try:
        # noqa: F821  (defined inside IPython)
        kernel = get_ipython().kernel
    except (NameError, AttributeError):
        return sys.stderr is not None and sys.stderr.isatty()
    # batch runners send execute requests without stdin
    return bool(getattr(kernel, "_allow_stdin", False))


def _progress(iterable, desc, progress=None, total=None):
    """tqdm.auto over `iterable` when progress is True (None: when
    interactive()), else the iterable."""
    if progress is None:
        progress = interactive()
    if not progress:
        return iterable
    from tqdm.auto import tqdm
    return tqdm(iterable, desc=desc, total=total, leave=False)


def train(model: NextStep, train_rolls, valid_rolls, *,
          epochs: int = 50, lr: float = 3e-3, optimizer: str = "adam",
          batch_size: int = 16, clip: float = 1.0, patience: int = 10,
          seed: int = 0, progress: bool | None = None,
          max_seconds: float | None = None) -> dict:
    """Train `model` in place by minimising the NLL per time step, with
    early stopping on validation NLL.

    Each epoch: one pass over shuffled batches of train_rolls (Adam or
    RMSProp, gradient norm clipped to `clip`), then the NLL per time
    step of both splits (evaluate). Stops after `epochs` epochs, after
    `patience` epochs without a better validation NLL, or once
    `max_seconds` of training have passed; the weights of the best
    validation epoch are restored at the end.

    Returns a history dict: "train_nll" and "valid_nll" (one per epoch),
    "seconds" (wall-clock training time of each epoch, evaluation
    excluded), "cpu_seconds" (the CPU time this process spent on it,
    which other programs on a busy machine do not inflate), "best_epoch"
    (1-based) and "stopped" (why it ended).
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    opt = Optimizer(model.parameters(), optimizer, lr=lr)
    hist = {"train_nll": [], "valid_nll": [], "seconds": [],
            "cpu_seconds": [], "best_epoch": 0,
            "stopped": f"{epochs} epochs"}
    best, best_state, started = math.inf, None, time.perf_counter()
    bar = _progress(range(epochs), f"{model.unit:>4}", progress)
    for epoch in bar:
        model.train()
        t0, c0 = time.perf_counter(), time.process_time()
        for group in batches(train_rolls, batch_size, rng):
            x, y, m = pad_batch(group)
            loss = nll_sum(model(x)[0], y, m) / m.sum()
            opt.zero_grad()
            loss.backward()
            clip_gradient_norm(opt.params, clip)
            opt.step()
        hist["seconds"].append(time.perf_counter() - t0)
        hist["cpu_seconds"].append(time.process_time() - c0)
        hist["train_nll"].append(evaluate(model, train_rolls))
        hist["valid_nll"].append(evaluate(model, valid_rolls))
        if hist["valid_nll"][-1] < best:
            best, hist["best_epoch"] = hist["valid_nll"][-1], epoch + 1
            best_state = {k: v.clone()
                          for k, v in model.state_dict().items()}
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(train=f"{hist['train_nll'][-1]:.2f}",
                            valid=f"{hist['valid_nll'][-1]:.2f}")
        if epoch + 1 - hist["best_epoch"] >= patience:
            hist["stopped"] = (
                f"no better validation NLL for {patience} epochs"
            )
            break
        if (
            max_seconds is not None
            and time.perf_counter() - started > max_seconds
        ):
            hist["stopped"] = f"time budget of {max_seconds:g} s"
            break
    if hasattr(bar, "close"):
        bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return hist


# ----------------------------------------------------------------------
# Sampling and MIDI
# ----------------------------------------------------------------------
@torch.no_grad()
def continue_roll(model: NextStep, opening: np.ndarray, steps: int,
                  seed: int = 0) -> np.ndarray:
    """Continue a piano roll: read `opening` (T0, 88), then draw `steps`
    more steps, each key an independent Bernoulli draw with the
    predicted probability, feeding every drawn step back in as the next
    input. Returns the opening followed by the continuation,
    (T0 + steps, 88) uint8."""
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    frames = torch.from_numpy(
        np.asarray(opening, dtype=np.float32))[None]       # (1, T0, 88)
    # start frame + opening
    x = torch.cat([torch.zeros(1, 1, KEYS), frames], dim=1)
    logits, state = model(x)
    logits = logits[:, -1:]     # (1, 1, 88): the prediction for step T0
    out = []
    for _ in range(steps):
        # (1, 1, 88)
        step = torch.bernoulli(torch.sigmoid(logits), generator=gen)
        out.append(step[0, 0].numpy().astype(np.uint8))
        logits, state = model(step, state)
    return np.concatenate([np.asarray(opening, dtype=np.uint8),
                           np.array(out).reshape(-1, KEYS)])


def _varlen(n: int) -> bytes:
    """MIDI variable-length quantity: 7 bits per byte, high bit set on
    all but the last."""
    out = [n & 0x7F]
    while n > 0x7F:
        n >>= 7
        out.append(0x80 | (n & 0x7F))
    return bytes(reversed(out))


def roll_to_midi(roll: np.ndarray, bpm: float = 80, program: int = 19,
                 velocity: int = 80) -> bytes:
    """A piano roll (T, 88) as a standard MIDI file (format 0, one
    quarter note per step): the bytes.

    A key that is on in consecutive steps becomes one held note (the
    roll cannot tell held from repeated). program is the General MIDI
    instrument, 0-based (19 = church organ).
    """
    tpq = 480                    # ticks per quarter note
    events = []                  # (tick, order, bytes); note-offs first
    for k in range(KEYS):
        on = np.concatenate([[0], np.asarray(roll[:, k], dtype=np.int8),
                             [0]])
        edges = np.diff(on)
        for start, end in zip(np.flatnonzero(edges == 1),
                              np.flatnonzero(edges == -1)):
            events.append((int(start) * tpq, 1,
                           bytes([0x90, LOWEST + k, velocity])))
            events.append((int(end) * tpq, 0,
                           bytes([0x80, LOWEST + k, 0])))
    tempo = round(60_000_000 / bpm)  # microseconds per quarter note
    track = (
        b"\x00\xff\x51\x03"
        + tempo.to_bytes(3, "big")
        + b"\x00"
        + bytes([0xC0, program])
    )
    now = 0
    for tick, _, msg in sorted(events):
        track += _varlen(tick - now) + msg
        now = tick
    track += b"\x00\xff\x2f\x00"                          # end of track
    return (b"MThd" + struct.pack(">IHHH", 6, 0, 1, tpq)
            + b"MTrk" + struct.pack(">I", len(track)) + track)


# ----------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build-cache",
                       help="parse the music21 Bach chorales into the "
                            "cached .npz")
    b.add_argument("--out", default=str(CACHE),
                   help=f"where to write it (default {CACHE})")
    b.add_argument("--limit", type=int,
                   help="parse only the first N chorales (for a quick "
                        "test)")
    args = parser.parse_args(argv)
    ids = corpus_ids()
    ids = ids[:args.limit] if args.limit else ids
    summary = build_cache(args.out, ids)
    print(f"{args.out}: {summary['kept']} chorales "
          f"({len(summary['duplicates'])} duplicates dropped: "
          f"{summary['duplicates']}) in {summary['seconds']} s")


if __name__ == "__main__":
    main()
