"""Tests of book/chorales.py, the data, model and training code of chapter 7 (polyphonic music)."""
import json
import math
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
import chorales  # book/chorales.py (pyproject.toml puts book/ on the tests' path)

# The standard JSB Chorales file, kept beside the repository (never committed).
JSB_SHARED = REPO.parent / "shared" / "data" / "jsb-chorales-quarter.json"


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread, as in the chapter: for these tiny matrices a second thread only adds waiting (and on
    a busy machine a lot of it). The previous setting is restored for the other test files."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def random_rolls(n, T_range=(5, 12), seed=0):
    """n random piano rolls (T, 88) with 1-4 notes per step in the chorale range."""
    rng = np.random.default_rng(seed)
    rolls = []
    for _ in range(n):
        roll = np.zeros((rng.integers(*T_range), chorales.KEYS), dtype=np.uint8)
        for row in roll:
            row[rng.choice(np.arange(20, 60), size=rng.integers(1, 5), replace=False)] = 1
        rolls.append(roll)
    return rolls


# ---------------------------------------------------------------------------------------------------------
# The metric
# ---------------------------------------------------------------------------------------------------------
def test_nll_on_a_hand_computable_case():
    # Step 0: key 0 sounds with p = 0.5 (cost ln 2), key 1 is silent with p = 0.2 (cost -ln 0.8), the other
    # 86 keys are silent with p ~ e^-100 (cost ~ 0). Step 1 is padding: its garbage must not count.
    logits = torch.full((1, 2, 88), -100.0)
    logits[0, 0, 0] = 0.0
    logits[0, 0, 1] = math.log(0.2 / 0.8)
    logits[0, 1] = 5.0
    targets = torch.zeros(1, 2, 88)
    targets[0, 0, 0] = 1
    mask = torch.tensor([[1.0, 0.0]])
    got = chorales.nll_sum(logits, targets, mask).item()
    assert got == pytest.approx(math.log(2) - math.log(0.8), abs=1e-6), \
        f"NLL {got}, expected ln 2 - ln 0.8 = {math.log(2) - math.log(0.8)}"


def test_nll_uses_natural_log_and_sums_over_the_88_keys():
    logits, targets, mask = torch.zeros(2, 3, 88), torch.zeros(2, 3, 88), torch.ones(2, 3)
    per_step = chorales.nll_sum(logits, targets, mask).item() / mask.sum().item()
    assert per_step == pytest.approx(88 * math.log(2)), "p = 0.5 for every key should cost 88 ln 2 per step"


def test_evaluate_averages_over_all_time_steps_of_the_split():
    # A model that always predicts p = 0.25 for every key: the NLL per step of a split is the total over all
    # its steps divided by the number of steps (not a mean of per-sequence or per-batch means).
    model = chorales.NextStep("gru", hidden=3)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.readout.bias.fill_(math.log(0.25 / 0.75))
    rolls = random_rolls(5, T_range=(2, 30))
    on = sum(int(r.sum()) for r in rolls)
    steps = sum(len(r) for r in rolls)
    expected = (-on * math.log(0.25) - (steps * 88 - on) * math.log(0.75)) / steps
    assert chorales.evaluate(model, rolls, batch_size=2) == pytest.approx(expected, rel=1e-6)


# ---------------------------------------------------------------------------------------------------------
# Batches and models
# ---------------------------------------------------------------------------------------------------------
def test_pad_batch_shifts_inputs_behind_a_start_frame():
    rolls = random_rolls(3)
    x, y, m = chorales.pad_batch(rolls)
    T = max(len(r) for r in rolls)
    assert x.shape == y.shape == (3, T, 88) and m.shape == (3, T)
    for n, r in enumerate(rolls):
        assert torch.equal(y[n, :len(r)], torch.from_numpy(r).float())
        assert x[n, 0].sum() == 0, "the first input is the all-zero start frame"
        assert torch.equal(x[n, 1:len(r)], y[n, :len(r) - 1]), "input at t is the target at t - 1"
        assert m[n].sum() == len(r) and y[n, len(r):].sum() == 0


@pytest.mark.parametrize("unit, hidden, params", [("tanh", 100, 19000), ("gru", 46, 18768), ("lstm", 36, 18144)])
def test_paper_sizes_give_about_20k_recurrent_parameters(unit, hidden, params):
    model = chorales.NextStep(unit)
    counts = chorales.count_parameters(model)
    assert model.rnn.hidden_size == hidden
    assert counts["recurrent"] == params
    assert counts["readout"] == 88 * hidden + 88
    assert counts["total"] == sum(p.numel() for p in model.parameters())


def test_model_is_causal():
    model = chorales.NextStep("lstm", hidden=8)
    x = torch.rand(2, 10, 88).round()
    x2 = x.clone()
    x2[:, 6:] = 1 - x2[:, 6:]
    with torch.no_grad():
        a, b = model(x)[0], model(x2)[0]
    assert torch.equal(a[:, :6], b[:, :6]) and not torch.equal(a[:, 6:], b[:, 6:])


# ---------------------------------------------------------------------------------------------------------
# The JSB loader
# ---------------------------------------------------------------------------------------------------------
TINY = {"train": [[[60, 64, 67], [62], []], [[21, 108]]],
        "valid": [[[55, 59], [57, 60]]],
        "test": [[[48], [50, 53, 57, 60]]]}


@pytest.mark.parametrize("suffix", [".json", ".pkl", ".pickle"])
def test_load_jsb_reads_both_formats(tmp_path, suffix):
    path = tmp_path / f"tiny{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(TINY))
    else:
        path.write_bytes(pickle.dumps(TINY))
    data = chorales.load_jsb(path)
    assert sorted(data) == ["test", "train", "valid"]
    for s in chorales.SPLITS:
        assert len(data[s]) == len(TINY[s])
        for roll, seq in zip(data[s], TINY[s]):
            assert roll.shape == (len(seq), 88) and roll.dtype == np.uint8
            assert chorales.roll_to_steps(roll) == [sorted(step) for step in seq]
    assert data["train"][1][0, 0] == 1 and data["train"][1][0, 87] == 1, "21 is column 0, 108 is column 87"


def test_load_jsb_accepts_numpy_notes_in_a_pickle(tmp_path):
    path = tmp_path / "np.pkl"
    data = {s: [[np.array(step, dtype=np.float64) for step in seq] for seq in TINY[s]] for s in TINY}
    path.write_bytes(pickle.dumps(data))
    assert chorales.roll_to_steps(chorales.load_jsb(path)["test"][0]) == [[48], [50, 53, 57, 60]]


BAD = [
    ({"train": [], "valid": []}, "missing key(s) 'test'; found ['train', 'valid']"),
    ([1, 2, 3], "expected a dict with keys 'train', 'valid', 'test', got list"),
    ({**TINY, "valid": {"a": 1}}, "valid should be a list of sequences, got dict"),
    ({**TINY, "train": [[[60]], []]}, "train[1] should be a non-empty list of time steps, got []"),
    ({**TINY, "train": [[[60], 61]]}, "train[0][1] should be a list of MIDI note numbers, got 61"),
    ({**TINY, "test": [[[60], [60, 12]]]}, "test[0][1] has note 12, outside the piano range 21–108"),
    ({**TINY, "test": [[[60], [109]]]}, "test[0][1] has note 109, outside the piano range 21–108"),
    ({**TINY, "valid": [[[60.5]]]}, "valid[0][0] has 60.5, which is not an integer MIDI note number"),
    ({**TINY, "valid": [[["C4"]]]}, "valid[0][0] has 'C4', which is not an integer MIDI note number"),
]


@pytest.mark.parametrize("suffix", [".json", ".pkl"])
@pytest.mark.parametrize("data, problem", BAD, ids=[p for _, p in BAD])
def test_load_jsb_names_the_file_and_the_problem(tmp_path, suffix, data, problem):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(json.dumps(data).encode() if suffix == ".json" else pickle.dumps(data))
    with pytest.raises(ValueError) as err:
        chorales.load_jsb(path)
    assert str(err.value) == f"{path}: {problem}"


def test_load_jsb_missing_unreadable_or_unknown_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.json: no such file"):
        chorales.load_jsb(tmp_path / "nope.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"train": [')
    with pytest.raises(ValueError, match=r"broken\.json: cannot read it as json"):
        chorales.load_jsb(broken)
    broken = tmp_path / "broken.pkl"
    broken.write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match=r"broken\.pkl: cannot read it as pkl"):
        chorales.load_jsb(broken)
    other = tmp_path / "data.csv"
    other.write_text("60,64\n")
    with pytest.raises(ValueError, match=r"data\.csv: unknown extension '\.csv'"):
        chorales.load_jsb(other)


def test_standard_jsb_file():
    if not JSB_SHARED.is_file():
        pytest.skip(f"standard JSB Chorales file not found at {JSB_SHARED} (it is not part of the repository)")
    data = chorales.load_jsb(JSB_SHARED)
    assert {s: len(data[s]) for s in chorales.SPLITS} == {"train": 229, "valid": 76, "test": 77}
    raw = json.loads(JSB_SHARED.read_text())
    notes = [n for s in chorales.SPLITS for seq in raw[s] for step in seq for n in step]
    assert 21 <= min(notes) and max(notes) <= 108
    assert chorales.roll_to_steps(data["test"][0]) == [sorted(step) for step in raw["test"][0]]


# ---------------------------------------------------------------------------------------------------------
# The split and the cache
# ---------------------------------------------------------------------------------------------------------
def test_split_is_deterministic_and_has_no_leakage():
    ids = [f"bach/bwv{i}" for i in range(300)]
    names = chorales.split_ids(ids)
    assert names == chorales.split_ids(list(reversed(ids))), "the split must not depend on the input order"
    sets = [set(names[s]) for s in chorales.SPLITS]
    assert sum(map(len, sets)) == len(ids) and set.union(*sets) == set(ids)
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2]), "a chorale is in two splits"
    assert [len(s) for s in sets] == [180, 60, 60]


def test_cached_split_has_no_leakage():
    splits, names = chorales.music21_splits()
    ids, _ = chorales.load_cache()
    assert len(ids) == len(set(ids)) >= 340
    sets = {s: set(names[s]) for s in chorales.SPLITS}
    assert sets["train"].isdisjoint(sets["valid"]) and sets["train"].isdisjoint(sets["test"]) \
        and sets["valid"].isdisjoint(sets["test"])
    assert sorted(sum(names.values(), [])) == sorted(ids)
    n = len(ids)
    assert [len(splits[s]) for s in chorales.SPLITS] == [round(0.6 * n), round(0.2 * n),
                                                          n - round(0.6 * n) - round(0.2 * n)]
    # no roll in two splits, not even under another id or transposed (dedupe's key)
    everything = splits["train"] + splits["valid"] + splits["test"]
    kept_ids, _, dropped = chorales.dedupe([str(i) for i in range(len(everything))], everything)
    assert not dropped, f"identical chorales under different ids: {dropped}"


def test_dedupe_drops_transposed_copies():
    a, b = random_rolls(2, seed=3)
    shifted = np.roll(a, 5, axis=1)
    ids, rolls, dropped = chorales.dedupe(["a", "b", "a-up"], [a, b, shifted])
    assert ids == ["a", "b"] and dropped == {"a-up": "a"}


def test_save_and_load_cache_round_trip(tmp_path):
    rolls = random_rolls(4)
    chorales.save_cache(tmp_path / "c.npz", ["w", "x", "y", "z"], rolls, {"v": "w"})
    ids, back = chorales.load_cache(tmp_path / "c.npz")
    assert ids == ["w", "x", "y", "z"] and all(np.array_equal(a, b) for a, b in zip(rolls, back))
    with pytest.raises(FileNotFoundError, match="build-cache"):
        chorales.load_cache(tmp_path / "missing.npz")


def test_cache_still_regenerates_from_the_music21_corpus(tmp_path):
    """`python book/chorales.py build-cache` still produces the committed rolls (on the first few chorales),
    and a chorale with instrumental parts keeps only its four voices."""
    pytest.importorskip("music21")
    cached_ids, cached_rolls = chorales.load_cache()
    cached = dict(zip(cached_ids, cached_rolls))
    corpus = chorales.corpus_ids()
    assert set(cached_ids) <= set(corpus) and len(corpus) - len(cached_ids) <= 5, "the cache covers the corpus"
    out = tmp_path / "regen.npz"
    chorales.main(["build-cache", "--out", str(out), "--limit", "3"])
    ids, rolls = chorales.load_cache(out)
    assert ids == corpus[:3]
    for cid, roll in zip(ids, rolls):
        assert np.array_equal(roll, cached[cid]), f"{cid} parses differently from the cached roll"
    roll = chorales.parse_chorale("bach/bwv41.6")       # trumpets, timpani, oboe: 9 parts, 4 voices
    assert np.array_equal(roll, cached["bach/bwv41.6"]) and roll.sum(axis=1).max() <= 4


# ---------------------------------------------------------------------------------------------------------
# Training, sampling, MIDI
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("unit", ["tanh", "gru", "lstm"])
def test_two_epoch_smoke_run(unit):
    """Two epochs on a tiny subset of the cached chorales (8 to train on, 3 to validate on)."""
    splits, _ = chorales.music21_splits()
    train_rolls, valid_rolls = splits["train"][:8], splits["valid"][:3]

    def run():
        torch.manual_seed(0)
        model = chorales.NextStep(unit, hidden=12)
        chorales.init_readout_bias(model, train_rolls)
        hist = chorales.train(model, train_rolls, valid_rolls, epochs=2, batch_size=4, lr=0.01, progress=False)
        return model, hist

    model, hist = run()
    assert len(hist["train_nll"]) == len(hist["valid_nll"]) == len(hist["seconds"]) == 2
    assert all(math.isfinite(v) for v in hist["train_nll"] + hist["valid_nll"])
    assert hist["train_nll"][1] < hist["train_nll"][0], "two epochs should lower the training NLL"
    assert hist["train_nll"][0] < 88 * math.log(2), "training should beat p = 0.5"
    assert chorales.evaluate(model, valid_rolls) == pytest.approx(min(hist["valid_nll"]), rel=1e-6), \
        "the weights of the best validation epoch are restored"
    assert run()[1]["valid_nll"] == hist["valid_nll"], "training is deterministic"


def test_early_stopping():
    train_rolls, valid_rolls = random_rolls(6, seed=1), random_rolls(2, seed=2)
    model = chorales.NextStep("gru", hidden=4)
    hist = chorales.train(model, train_rolls, valid_rolls, epochs=50, patience=1, lr=0.0, progress=False)
    assert len(hist["valid_nll"]) == 2 and hist["best_epoch"] == 1 and "no better" in hist["stopped"]


def test_continue_roll_keeps_the_opening_and_is_seeded():
    model = chorales.NextStep("gru", hidden=8)
    opening = random_rolls(1)[0]
    a = chorales.continue_roll(model, opening, steps=6, seed=3)
    b = chorales.continue_roll(model, opening, steps=6, seed=3)
    assert a.shape == (len(opening) + 6, 88) and a.dtype == np.uint8
    assert np.array_equal(a[:len(opening)], opening) and np.array_equal(a, b)
    assert set(np.unique(a)) <= {0, 1}


def test_continue_roll_samples_what_the_trained_model_predicts():
    # Each drawn step must be a Bernoulli draw from the probabilities that the training-time forward pass
    # (pad_batch on the opening plus the steps drawn so far) gives for that step.
    torch.manual_seed(1)
    model = chorales.NextStep("lstm", hidden=8)
    with torch.no_grad():
        model.readout.bias.fill_(-1.0)
    opening = random_rolls(1)[0]
    out = chorales.continue_roll(model, opening, steps=3, seed=5)
    gen = torch.Generator().manual_seed(5)
    for t in range(len(opening), len(out)):
        with torch.no_grad():
            p = torch.sigmoid(model(chorales.pad_batch([out[:t + 1]])[0])[0][0, t])
        assert torch.equal(torch.bernoulli(p, generator=gen), torch.from_numpy(out[t]).float()), f"step {t}"


def test_midi_round_trip_through_music21(tmp_path):
    music21 = pytest.importorskip("music21")
    roll = np.zeros((6, 88), dtype=np.uint8)
    roll[0:3, 60 - 21] = 1          # C4 held for three steps
    roll[1, 64 - 21] = 1            # E4 for one step
    roll[[3, 5], 67 - 21] = 1       # G4, twice, with a gap
    roll[2:6, 48 - 21] = 1          # C3 held for four steps
    data = chorales.roll_to_midi(roll)
    assert data[:4] == b"MThd" and data[14:18] == b"MTrk"
    path = tmp_path / "x.mid"
    path.write_bytes(data)
    score = music21.converter.parse(str(path))
    assert np.array_equal(chorales.parts_to_roll(score.parts), roll)


@pytest.mark.parametrize("kind, torch_class", [("adam", "Adam"), ("rmsprop", "RMSprop")])
def test_optimizer_equals_torch_optim(kind, torch_class):
    torch.manual_seed(0)
    w0 = torch.randn(5, 3, dtype=torch.float64)
    ours, theirs = w0.clone().requires_grad_(), w0.clone().requires_grad_()
    opt_ours = chorales.Optimizer([ours], kind, lr=0.01)
    opt_theirs = getattr(torch.optim, torch_class)([theirs], lr=0.01)
    for step in range(4):
        g = torch.randn(5, 3, dtype=torch.float64)
        for w, opt in ((ours, opt_ours), (theirs, opt_theirs)):
            opt.zero_grad()
            (w * g).sum().backward()
            opt.step()
        np.testing.assert_allclose(ours.detach(), theirs.detach(), rtol=0, atol=1e-12, err_msg=f"step {step}")


@pytest.mark.parametrize("scale", [0.1, 10.0])
def test_clip_gradient_norm_equals_torch(scale):
    a, b = torch.randn(4, 3, requires_grad=True), torch.randn(4, 3, requires_grad=True)
    a.grad, b.grad = scale * torch.randn(4, 3), scale * torch.randn(4, 3)
    a2, b2 = a.detach().clone().requires_grad_(), b.detach().clone().requires_grad_()
    a2.grad, b2.grad = a.grad.clone(), b.grad.clone()
    norm = chorales.clip_gradient_norm([a, b], 1.0)
    expected = torch.nn.utils.clip_grad_norm_([a2, b2], 1.0)
    assert norm == pytest.approx(expected.item(), rel=1e-6)
    assert torch.allclose(a.grad, a2.grad) and torch.allclose(b.grad, b2.grad)
