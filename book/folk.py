"""Folk tunes in ABC notation, and character-level language models of
them (chapter 8 of Gate by Gate).

Conventions
-----------
- A tune is a str: the fields M: (metre), L: (unit note length, when the
  file gives one) and K: (key), one per line, then the body, its lines
  joined by "\\n". Titles, numbers, sources and notes are left out.
- A record is a tune followed by a blank line, ``tune + END`` with END
  = "\\n\\n": a tune never contains a blank line, so a model that writes
  one has finished its tune. The training text is records back to back.
- Characters are ids 0 ... V-1 in a Vocabulary; a batch is batch-first,
  ids int64 (N, T), a mask (N, T).
- Probabilities of text are reported in bits per character: total -log2
  P over the predicted characters, divided by their number.

The tunes are read from the O'Neill's 1850 collection that music21 ships
in its corpus (nothing is downloaded). music21 itself is imported only
by the functions that parse a tune into notes.
"""
from __future__ import annotations

import hashlib
import importlib.util
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

# chapter 7's, the same rules here
from chorales import Optimizer, clip_gradient_norm
from torch import nn
from torch.nn import functional as F

END = "\n\n"
SPLITS = ("train", "valid", "test")
HERE = Path(__file__).resolve().parent
RESULTS = HERE / "data" / "folk_results.json"
WEIGHTS = HERE / "data" / "folk_weights.npz"
# the header fields that change how the body sounds
KEPT_FIELDS = ("M", "L", "K")


# ----------------------------------------------------------------------
# The ABC files -> tunes
# ----------------------------------------------------------------------
def corpus_dir(collection: str = "oneills1850") -> Path:
    """The folder of a collection in music21's corpus, found without
    importing music21."""
    spec = importlib.util.find_spec("music21")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("music21 is not installed: its corpus "
                                "holds the tunes")
    return (
        Path(list(spec.submodule_search_locations)[0])
        / "corpus"
        / collection
    )


@dataclass(frozen=True)
class Tune:
    """One tune of a file: where it came from (file name and X: number),
    its title, and its text."""
    source: str
    number: str
    title: str
    text: str


def parse_abc_file(text: str, source: str = "") -> list[Tune]:
    """Split the text of an ABC file into tunes.

    A tune starts at a line "X:". Its header runs to the first "K:"
    line; of the header only M:, L: and K: are kept, in that order
    (the first of each), and T: gives the title. In the body, M:, L: and
    K: lines (a change of metre or key) are kept, other field lines
    (W: words, N: notes, ...) and % comments are dropped, trailing
    spaces are stripped and tabs become spaces. A tune without a K: line
    or without a body is skipped.
    """
    tunes = []
    for chunk in re.split(r"\n(?=X:)", text.replace("\r\n", "\n")):
        lines = chunk.split("\n")
        if not lines[0].startswith("X:"):
            continue
        header, body, in_body = {}, [], False
        for line in lines:
            line = line.replace("\t", " ").rstrip()
            if not line.strip() or line.startswith("%"):
                continue
            field = re.match(r"^([A-Za-z]):\s*(.*)$", line)
            if not in_body:
                if field:
                    header.setdefault(
                        field.group(1), field.group(2).strip())
                    in_body = field.group(1) == "K"
                continue
            if field:
                if field.group(1) in KEPT_FIELDS:
                    body.append(
                        f"{field.group(1)}:{field.group(2).strip()}"
                    )
                continue
            body.append(line)
        if "K" not in header or not body:
            continue
        head = [f"{k}:{header[k]}" for k in KEPT_FIELDS if k in header]
        tunes.append(Tune(source, header.get("X", ""),
                          header.get("T", ""), "\n".join(head + body)))
    return tunes


def read_collection(folder: Path | str | None = None) -> list[Tune]:
    """Every tune of every .abc file in `folder` (default: O'Neill's
    1850 in music21's corpus), in file order. The files are Latin-1 (a
    few titles have accented letters)."""
    folder = Path(folder) if folder is not None else corpus_dir()
    tunes = []
    for path in sorted(folder.glob("*.abc")):
        tunes += parse_abc_file(path.read_text(encoding="latin-1"),
                                path.name)
    return tunes


def music_key(tune: Tune) -> str:
    """What makes two tunes the same music: the text with all white
    space removed."""
    return re.sub(r"\s+", "", tune.text)


def title_key(tune: Tune) -> str:
    """A title reduced to its letters, without "The" at either end ("The
    Rose-Tree" and "Rose Tree., The" -> "rosetree"); "" for a tune
    without a title."""
    title = re.sub(r"(^\s*the\s+)|([\s.,]*the\s*$)", "",
                   tune.title.lower())
    return re.sub(r"[^a-z]", "", title)


def tune_groups(tunes: list[Tune]) -> list[list[Tune]]:
    """Tunes that must stay in one split: those linked by the same
    O'Neill number (X:) or the same title_key.

    The collection's files overlap (0626-0635.abc and 0626-0700.abc hold
    two transcriptions of tunes 626 to 635), and one tune may have
    several settings under one title. Groups are the connected
    components of these links (union-find), each a list in the order of
    `tunes`, the groups in order of their first tune.
    """
    parent = list(range(len(tunes)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first = {}
    for i, tune in enumerate(tunes):
        for key in ("x:" + tune.number if tune.number else "",
                    "t:" + title_key(tune)):
            if key in ("", "t:"):
                continue
            if key in first:
                parent[root(i)] = root(first[key])
            else:
                first[key] = i
    groups: dict[int, list[Tune]] = {}
    for i, tune in enumerate(tunes):
        groups.setdefault(root(i), []).append(tune)
    return list(groups.values())


def dedupe(tunes: list[Tune]) -> tuple[list[Tune], dict[str, str]]:
    """Drop tunes whose music equals an earlier tune's (music_key).
    Returns the kept tunes and {"file:X" of each dropped tune: "file:X"
    of the tune it repeats}."""
    seen, kept, dropped = {}, [], {}
    for tune in tunes:
        key = music_key(tune)
        if key in seen:
            dropped[f"{tune.source}:{tune.number}"] = seen[key]
        else:
            seen[key] = f"{tune.source}:{tune.number}"
            kept.append(tune)
    return kept, dropped


def split_tunes(tunes: list[Tune],
                fractions=(0.8, 0.1, 0.1)) -> dict[str, list[Tune]]:
    """Deterministic train/valid/test split by tune, keeping every group
    of tune_groups together.

    The groups are ordered by the SHA-256 hash of the music (music_key)
    of their earliest tune, by file name and number: a fixed shuffle
    that needs no seed and does not depend on the order in which the
    tunes come. Whole groups are dealt out until the train split holds
    fractions[0] of the tunes, then the valid split fractions[1]; the
    rest is test. No tune, no O'Neill number and no title is in two
    splits.
    """
    def earliest(group):
        return min(group,
                   key=lambda t: (t.source,
                                  int(t.number) if t.number.isdigit()
                                  else math.inf, music_key(t)))

    groups = sorted(
        tune_groups(tunes),
        key=lambda g: hashlib.sha256(
            music_key(earliest(g)).encode()
        ).hexdigest(),
    )
    bounds = np.cumsum(fractions)[:2] * len(tunes)
    out, done = {s: [] for s in SPLITS}, 0
    for group in groups:
        split = (
            "train"
            if done < bounds[0]
            else "valid"
            if done < bounds[1]
            else "test"
        )
        out[split] += group
        done += len(group)
    return out


def load_splits(folder=None) -> tuple[dict[str, list[str]], dict]:
    """The book's data: O'Neill's tunes, deduplicated and split. Returns
    ({split: [tune text, ...]}, info) with info = {"files",
    "tunes_read", "duplicates" (dropped: kept), "tunes" per split}."""
    tunes = read_collection(folder)
    kept, dropped = dedupe(tunes)
    splits = split_tunes(kept)
    info = {"files": len({t.source for t in tunes}),
            "tunes_read": len(tunes), "duplicates": dropped,
            "groups": len(tune_groups(kept)),
            "tunes": {s: len(splits[s]) for s in SPLITS}}
    return {s: [t.text for t in splits[s]] for s in SPLITS}, info


# ----------------------------------------------------------------------
# Characters
# ----------------------------------------------------------------------
class Vocabulary:
    """Characters <-> ids. Built from a list of texts: the sorted set of
    their characters and "\\n"."""

    def __init__(self, texts):
        self.chars = sorted(set("".join(texts)) | {"\n"})
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """str of length L -> int64 ids (L,). Raises KeyError for a
        character not in the vocabulary."""
        return np.array([self.index[c] for c in text], dtype=np.int64)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


def records(tunes: list[str]) -> str:
    """The training text: every tune followed by END, back to back."""
    return "".join(t + END for t in tunes)


def tune_pairs(
    vocab: Vocabulary, tunes: list[str]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each tune, (inputs, targets) for predicting its record t
    + END from nothing: the targets are the record's ids, the inputs the
    same shifted right by one behind "\\n" (the last character of the
    record before it in the training text). Both int64 (len(t) + 2,)."""
    newline = vocab.index["\n"]
    pairs = []
    for t in tunes:
        y = vocab.encode(t + END)
        pairs.append((np.concatenate([[newline], y[:-1]]), y))
    return pairs


def pad(
    pairs, pad_id: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A list of (inputs, targets) of lengths L_n -> inputs, targets
    int64 (N, L) and mask float32 (N, L), L = max L_n, padded with
    pad_id; mask[n, t] = 1 on the L_n real positions of row n."""
    L = max(len(x) for x, _ in pairs)
    x = torch.full((len(pairs), L), pad_id, dtype=torch.int64)
    y = torch.full((len(pairs), L), pad_id, dtype=torch.int64)
    m = torch.zeros(len(pairs), L)
    for n, (a, b) in enumerate(pairs):
        x[n, :len(a)], y[n, :len(b)], m[n, :len(b)] = (
            torch.from_numpy(a),
            torch.from_numpy(b),
            1,
        )
    return x, y, m


def stream_batches(ids: np.ndarray, batch_size: int, steps: int):
    """Cut one long stream of ids into batch_size parallel streams and
    yield (x, y) chunks for truncated BPTT.

    With n = (len(ids) - 1) // batch_size, the inputs are ids[:n B]
    reshaped to (B, n) and the targets ids[1:n B + 1], the same
    characters shifted by one, reshaped to (B, n): row b of each is the
    b-th consecutive piece of the text. Chunk k is
    x[:, k*steps : (k+1)*steps] and the same columns of the targets,
    both int64 (B, steps) (the last chunk may be shorter). Row b of
    chunk k+1 continues row b of chunk k, so a hidden state carried from
    one chunk to the next has read exactly the text before.
    """
    ids = np.asarray(ids)
    n = (len(ids) - 1) // batch_size
    x = ids[:n * batch_size].reshape(batch_size, n)
    y = ids[1:n * batch_size + 1].reshape(batch_size, n)
    for start in range(0, n, steps):
        yield x[:, start:start + steps], y[:, start:start + steps]


# ----------------------------------------------------------------------
# n-gram baselines
# ----------------------------------------------------------------------
def bits_per_char(log2_probs: np.ndarray) -> float:
    """-mean(log2 p) over the predicted characters."""
    return float(-np.mean(log2_probs))


def ngram_bits(train_tunes, test_tunes, vocab: Vocabulary, order: int,
               k: float = 1.0) -> float:
    """Bits per character of an add-k smoothed n-gram model on the test
    tunes' records.

    order 0: uniform over the V characters. order 1: unigram, p(c)
    = (count(c) + k) / (N + kV), counted on the training records. order
    2: bigram, p(c | b) = (count(b c) + k) / (count(b) + kV). The
    characters predicted are the targets of tune_pairs, the same for
    every model of the chapter.
    """
    V = len(vocab)
    pairs = tune_pairs(vocab, test_tunes)
    prev = np.concatenate([x for x, _ in pairs])
    nxt = np.concatenate([y for _, y in pairs])
    if order == 0:
        return math.log2(V)
    train = tune_pairs(vocab, train_tunes)
    tx, ty = (
        np.concatenate([x for x, _ in train]),
        np.concatenate([y for _, y in train]),
    )
    if order == 1:
        counts = np.bincount(ty, minlength=V) + k
        return bits_per_char(np.log2(counts[nxt] / counts.sum()))
    if order == 2:
        counts = np.full((V, V), float(k))
        np.add.at(counts, (tx, ty), 1.0)
        return bits_per_char(
            np.log2(counts[prev, nxt] / counts[prev].sum(axis=1)))
    raise ValueError(f"order must be 0, 1 or 2, got {order}")


# ----------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------
UNITS = {"tanh": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
GATES = {"tanh": 1, "gru": 3, "lstm": 4}


class CharLM(nn.Module):
    """Embedding (V, E) -> one recurrent layer of `hidden` units
    -> read-out to V logits.

    forward(x int64 (N, T), state=None) -> logits (N, T, V), state;
    softmax(logits[:, t]) is the predicted distribution of the character
    after x[:, :t+1].
    """

    def __init__(self, unit: str, vocab_size: int, hidden: int,
                 embed: int = 32):
        super().__init__()
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {sorted(UNITS)}, "
                             f"got {unit!r}")
        self.unit = unit
        self.embed = nn.Embedding(vocab_size, embed)
        self.rnn = UNITS[unit](embed, hidden, batch_first=True)
        self.readout = nn.Linear(hidden, vocab_size)

    def forward(self, x, state=None):
        h, state = self.rnn(self.embed(x), state)
        return self.readout(h), state


def parameter_count(unit: str, vocab_size: int, hidden: int,
                    embed: int = 32) -> int:
    """Parameters of CharLM(unit, vocab_size, hidden, embed), counted as
    torch stores them (two biases)."""
    recurrent = GATES[unit] * (hidden * (embed + hidden) + 2 * hidden)
    return (
        vocab_size * embed
        + recurrent
        + hidden * vocab_size
        + vocab_size
    )


def hidden_for_budget(unit: str, budget: int, vocab_size: int,
                      embed: int = 32) -> int:
    """The number of hidden units whose CharLM has the parameter count
    closest to `budget`."""
    return min(
        range(1, 2048),
        key=lambda H: abs(
            parameter_count(unit, vocab_size, H, embed) - budget))


def detach(state):
    """The state with its history cut: gradients will not flow into the
    chunk that produced it."""
    if state is None:
        return None
    return (
        tuple(s.detach() for s in state)
        if isinstance(state, tuple)
        else state.detach()
    )


def Adam(params, lr: float = 2e-3):
    """Adam with torch.optim's update rule and defaults, written out:
    chapter 7's optimizer. Creating a torch.optim optimizer imports
    torch._dynamo, which costs seconds of the page's budget."""
    return Optimizer(params, "adam", lr=lr)


@torch.no_grad()
def evaluate_bits(model: CharLM, pairs, batch_size: int = 64) -> float:
    """Bits per character of `model` on (inputs, targets) pairs
    (see tune_pairs), each tune read from a zero state: summed
    cross-entropy over the real positions / their number / ln 2."""
    model.eval()
    # similar lengths together: less padding
    order = np.argsort([len(x) for x, _ in pairs])
    total, count = 0.0, 0.0
    for start in range(0, len(order), batch_size):
        x, y, m = pad([pairs[i]
                       for i in order[start:start + batch_size]])
        logits = model(x)[0]
        nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                              y.reshape(-1), reduction="none")
        total += (nll * m.reshape(-1)).sum().item()
        count += m.sum().item()
    return total / count / math.log(2)


def train_tbptt(model: CharLM, vocab: Vocabulary, train_tunes,
                valid_pairs, *, updates: int, batch_size: int = 32,
                steps: int = 100, lr: float = 2e-3, clip: float = 1.0,
                eval_every: int = 100, seed: int = 0,
                max_seconds: float | None = None) -> dict:
    """Train with teacher forcing and truncated BPTT, in place.

    Each pass over the data shuffles the order of the training tunes
    (seeded), joins them into one stream (records) and cuts it with
    stream_batches. The state is carried from one chunk to the next,
    detached, and starts at zero at every pass. The loss is the mean
    cross-entropy per character of a chunk; Adam, gradient norm clipped
    to `clip`. Every `eval_every` updates (and at the end) the bits per
    character on valid_pairs are recorded, with the training seconds and
    CPU seconds spent so far; the weights with the best validation score
    are restored at the end.

    Returns a history dict: "updates", "valid_bits", "train_bits" (the
    running mean of the training loss since the previous evaluation, in
    bits), "seconds", "cpu_seconds", "best_update", "stopped".
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    opt = Adam(model.parameters(), lr=lr)
    hist = {"updates": [], "valid_bits": [], "train_bits": [],
            "seconds": [], "cpu_seconds": [], "best_update": 0,
            "stopped": f"{updates} updates"}
    best, best_state, done, seconds, cpu = math.inf, None, 0, 0.0, 0.0
    running, n_running = 0.0, 0
    while done < updates:
        stream = vocab.encode(records([train_tunes[i]
                                       for i in rng.permutation(
                                           len(train_tunes))]))
        state = None
        for x, y in stream_batches(stream, batch_size, steps):
            t0, c0 = time.perf_counter(), time.process_time()
            model.train()
            logits, state = model(torch.from_numpy(x), detach(state))
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                   torch.from_numpy(y).reshape(-1))
            opt.zero_grad()
            loss.backward()
            clip_gradient_norm(opt.params, clip)
            opt.step()
            seconds += time.perf_counter() - t0
            cpu += time.process_time() - c0
            done += 1
            running, n_running = running + loss.item(), n_running + 1
            out_of_time = (
                max_seconds is not None and seconds > max_seconds
            )
            if done % eval_every == 0 or done == updates or out_of_time:
                hist["updates"].append(done)
                hist["valid_bits"].append(
                    evaluate_bits(model, valid_pairs))
                hist["train_bits"].append(
                    running / n_running / math.log(2))
                hist["seconds"].append(seconds)
                hist["cpu_seconds"].append(cpu)
                running, n_running = 0.0, 0
                if hist["valid_bits"][-1] < best:
                    best, hist["best_update"] = (
                        hist["valid_bits"][-1],
                        done,
                    )
                    best_state = {
                        k: v.clone()
                        for k, v in model.state_dict().items()}
            if out_of_time:
                hist["stopped"] = f"time budget of {max_seconds:g} s"
                updates = done
            if done >= updates:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return hist


def lstm_arrays(model: CharLM) -> dict[str, np.ndarray]:
    """An LSTM CharLM's weights as float32 numpy arrays, in torch's
    layout: embed (V, E), weight_ih (4H, E), weight_hh (4H, H), bias
    (4H,) = bias_ih + bias_hh, gates stacked (i, f, g, o), readout_W
    (V, H), readout_b (V,)."""
    r = model.rnn
    arrays = {"embed": model.embed.weight, "weight_ih": r.weight_ih_l0,
              "weight_hh": r.weight_hh_l0,
              "bias": r.bias_ih_l0 + r.bias_hh_l0,
              "readout_W": model.readout.weight,
              "readout_b": model.readout.bias}
    return {k: v.detach().numpy().astype(np.float32)
            for k, v in arrays.items()}


def model_from_arrays(unit: str, arrays: dict,
                      prefix: str = "") -> CharLM:
    """Rebuild a CharLM from the arrays saved by the longer run (keys
    prefix + torch state-dict names)."""
    state = {k[len(prefix):]: torch.from_numpy(np.asarray(v))
             for k, v in arrays.items() if k.startswith(prefix)}
    V, E = state["embed.weight"].shape
    model = CharLM(unit, V, state["rnn.weight_hh_l0"].shape[1], E)
    model.load_state_dict(state)
    return model.eval()


# ----------------------------------------------------------------------
# Tunes -> notes -> sound
# ----------------------------------------------------------------------
def parse_tune(text: str):
    """Read an ABC tune with music21. Returns (score, None) when music21
    reads it without an error and finds at least one note, else
    (None, reason): the exception's type and first line, or "no notes".
    music21's own warnings (a symbol it cannot read as a note, say) are
    silenced: the score tells."""
    import contextlib
    import io
    import warnings

    from music21 import converter

    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stderr(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            score = converter.parse("X:1\n" + text, format="abc",
                                    forceSource=True)
    except Exception as error:               # music21 raises many kinds
        first = (str(error).strip().splitlines() or [""])[0]
        return None, f"{type(error).__name__}: {first[:80]}"
    if not len(score.flatten().notes):
        return None, "no notes"
    return score, None


def score_notes(score) -> list[tuple[float, float, int]]:
    """(onset, duration, MIDI number) of every sounding pitch of a
    parsed score, in quarter notes, sorted. Repeats are not expanded;
    grace notes (duration 0) are dropped."""
    notes = []
    for n in score.flatten().notes:
        for p in n.pitches:
            if float(n.quarterLength) > 0:
                notes.append((float(n.offset), float(n.quarterLength),
                              int(p.midi)))
    return sorted(notes)


def bar_lengths_match(score) -> float:
    """The fraction of a parsed tune's inner bars whose length equals
    the time signature in force (the first and last bar may be pick-ups,
    so they are not counted); nan when it has fewer than three bars."""
    from music21 import meter

    parts = (score.parts if hasattr(score, "parts") and len(score.parts)
             else [score])
    measures = list(parts[0].getElementsByClass("Measure"))
    if len(measures) < 3:
        return float("nan")
    good = 0
    for m in measures[1:-1]:
        ts = m.getContextByClass(meter.TimeSignature)
        good += (
            ts is not None
            and abs(
                m.duration.quarterLength - ts.barDuration.quarterLength
            )
            < 1e-6
        )
    return good / (len(measures) - 2)


def synthesize(notes, bpm: float = 120.0, rate: int = 16000,
               seconds: float | None = None) -> np.ndarray:
    """A waveform for (onset, duration, MIDI) notes: each note an
    additive tone (fundamental and three harmonics, amplitudes 1, 1/2,
    1/4, 1/8) with a 10 ms attack and an exponential decay, like a
    plucked string. Times in quarter notes, played at `bpm` quarter
    notes per minute; cut at `seconds` if given. Returns float32 samples
    in [-1, 1] at `rate` Hz."""
    beat = 60.0 / bpm
    total = max((on + d for on, d, _ in notes),
                default=0.0) * beat + 0.5
    total = min(total, seconds) if seconds is not None else total
    wave = np.zeros(int(total * rate) + 1, dtype=np.float64)
    for onset, duration, midi in notes:
        start = int(onset * beat * rate)
        if start >= len(wave):
            continue
        length = min(int((duration * beat + 0.15) * rate),
                     len(wave) - start)
        t = np.arange(length) / rate
        freq = 440.0 * 2 ** ((midi - 69) / 12)
        tone = sum(a * np.sin(2 * np.pi * k * freq * t)
                   for k, a in ((1, 1.0), (2, 0.5), (3, 0.25),
                                (4, 0.125)))
        envelope = np.minimum(t / 0.01, 1.0) * np.exp(
            -3.0 * t / max(duration * beat, 0.1))
        wave[start:start + length] += tone * envelope
    peak = np.abs(wave).max()
    return (wave / peak * 0.9 if peak > 0 else wave).astype(np.float32)
