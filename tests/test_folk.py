"""Tests of book/folk.py, the data, baselines, model and sound code of chapter 8 (a language model of folk
tunes): parsing the ABC files, the split (no leakage), records and batches, the n-gram baselines, training
and the cached results."""
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
import folk  # book/folk.py (pyproject.toml puts book/ on the tests' path)

ABC = """X: 7
T: The Rose Tree
M: 6/8
L: 1/8
R: jig
N: "collected by F. O'Neill"
K:D
% a comment
A|dfa\tafd|W: words are dropped
W: these too
e2f g2e :|
M:9/8
K:G
GAB c2d e3||

X: 8
T: No key line here
M: 4/4
abc|

X: 9
T: Rose-Tree., The
M:6/8
K:D
A|dfa afd|
"""


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def collection():
    return folk.read_collection()


@pytest.fixture(scope="module")
def data():
    return folk.load_splits()


# ---------------------------------------------------------------------------------------------------------
# Parsing the ABC files
# ---------------------------------------------------------------------------------------------------------
def test_parse_keeps_metre_length_key_and_body_only():
    tunes = folk.parse_abc_file(ABC, "x.abc")
    assert [t.number for t in tunes] == ["7", "9"], "a tune without K: must be skipped"
    first = tunes[0]
    assert first.title == "The Rose Tree" and first.source == "x.abc"
    assert first.text.split("\n") == ["M:6/8", "L:1/8", "K:D", "A|dfa afd|W: words are dropped", "e2f g2e :|",
                                      "M:9/8", "K:G", "GAB c2d e3||"]
    assert "\t" not in first.text and "\n\n" not in first.text


def test_titles_are_compared_without_the_and_punctuation():
    first, second = folk.parse_abc_file(ABC)
    assert folk.title_key(first) == folk.title_key(second) == "rosetree"


def test_collection_is_read_from_music21s_corpus_and_has_no_blank_lines(collection):
    assert folk.corpus_dir().name == "oneills1850"
    assert len(collection) > 1900
    assert all(t.text.startswith("M:") or t.text.startswith("L:") or t.text.startswith("K:") for t in collection)
    assert all("\n\n" not in t.text for t in collection), "a blank line inside a tune would read as its end"


# ---------------------------------------------------------------------------------------------------------
# Duplicates and the split
# ---------------------------------------------------------------------------------------------------------
def test_dedupe_drops_repeats_up_to_white_space():
    a = folk.Tune("a.abc", "1", "A", "K:D\nabc|def|")
    b = folk.Tune("b.abc", "1", "A again", "K:D\nabc | def |")
    c = folk.Tune("b.abc", "2", "C", "K:D\nfed|cba|")
    kept, dropped = folk.dedupe([a, b, c])
    assert kept == [a, c] and dropped == {"b.abc:1": "a.abc:1"}


def test_groups_link_numbers_and_titles_transitively():
    tunes = [folk.Tune("f1", "1", "Alpha", "K:D\na"), folk.Tune("f2", "1", "Beta", "K:D\nb"),
             folk.Tune("f3", "2", "The Beta", "K:D\nc"), folk.Tune("f4", "3", "Gamma", "K:D\nd"),
             folk.Tune("f5", "", "", "K:D\ne"), folk.Tune("f6", "", "", "K:D\nf")]
    groups = folk.tune_groups(tunes)
    assert [[t.source for t in g] for g in groups] == [["f1", "f2", "f3"], ["f4"], ["f5"], ["f6"]]


def test_split_is_deterministic_complete_and_keeps_groups_together(collection):
    kept, _ = folk.dedupe(collection)
    first, second = folk.split_tunes(kept), folk.split_tunes(folk.dedupe(collection[::-1])[0])
    for s in folk.SPLITS:
        assert sorted(map(folk.music_key, first[s])) == sorted(map(folk.music_key, second[s])), \
            "the split depends on the order of the tunes"
    assert sum(len(first[s]) for s in folk.SPLITS) == len(kept)
    n = len(kept)
    assert abs(len(first["train"]) - 0.8 * n) < 30 and abs(len(first["valid"]) - 0.1 * n) < 30
    where = {}
    for s in folk.SPLITS:
        for t in first[s]:
            for key in ("x:" + t.number, "t:" + folk.title_key(t), "m:" + folk.music_key(t)):
                if key not in ("x:", "t:"):
                    where.setdefault(key, set()).add(s)
    leaks = {k: v for k, v in where.items() if len(v) > 1}
    assert not leaks, f"in two splits: {sorted(leaks)[:5]}"


def test_overlapping_files_do_not_leak(data):
    """The collection's files overlap (0626-0635.abc and 0626-0700.abc): both transcriptions of a tune,
    with different text, must land in the same split."""
    splits, info = data
    assert info["tunes_read"] > sum(info["tunes"].values()) > 0
    kept, _ = folk.dedupe(folk.read_collection())
    split_of = {}
    for s in folk.SPLITS:
        for text in splits[s]:
            split_of[text] = s
    pairs = [(a, b) for a in kept for b in kept if a.number == b.number and a.source < b.source]
    assert len(pairs) > 50
    assert all(split_of[a.text] == split_of[b.text] for a, b in pairs)


# ---------------------------------------------------------------------------------------------------------
# Characters, records, batches
# ---------------------------------------------------------------------------------------------------------
def test_vocabulary_round_trip_and_records():
    vocab = folk.Vocabulary(["M:6/8\nK:D\nabc|", "K:G\nz2|"])
    text = "K:D\nz2|"
    assert vocab.decode(vocab.encode(text)) == text
    assert vocab.encode(text).dtype == np.int64
    assert folk.records(["a", "b"]) == "a\n\nb\n\n"


def test_tune_pairs_predict_the_record_behind_a_newline():
    vocab = folk.Vocabulary(["K:D\nab"])
    (x, y), = folk.tune_pairs(vocab, ["K:D\nab"])
    assert vocab.decode(y) == "K:D\nab\n\n" and vocab.decode(x) == "\nK:D\nab\n"


def test_pad_masks_the_padding():
    pairs = [(np.array([1, 2, 3]), np.array([2, 3, 4])), (np.array([5]), np.array([6]))]
    x, y, m = folk.pad(pairs)
    assert x.tolist() == [[1, 2, 3], [5, 0, 0]] and y.tolist() == [[2, 3, 4], [6, 0, 0]]
    assert m.tolist() == [[1, 1, 1], [1, 0, 0]]


def test_stream_batches_rows_continue_across_chunks():
    chunks = list(folk.stream_batches(np.arange(26), 3, 3))
    x = np.concatenate([c[0] for c in chunks], axis=1)
    y = np.concatenate([c[1] for c in chunks], axis=1)
    assert x.tolist() == [list(range(0, 8)), list(range(8, 16)), list(range(16, 24))]
    assert (y == x + 1).all()
    assert [c[0].shape[1] for c in chunks] == [3, 3, 2]


# ---------------------------------------------------------------------------------------------------------
# Baselines
# ---------------------------------------------------------------------------------------------------------
def test_ngram_baselines_on_a_hand_computable_case():
    vocab = folk.Vocabulary(["ab"])                       # characters "\n", "a", "b": V = 3
    # uniform: log2 3. Unigram with k = 1 from the training record "ab\n\n": counts a 1, b 1, \n 2 -> +1 each.
    assert folk.ngram_bits(["ab"], ["ab"], vocab, 0) == pytest.approx(math.log2(3))
    p = {"a": 2 / 7, "b": 2 / 7, "\n": 3 / 7}
    want = -np.mean([math.log2(p[c]) for c in "ab\n\n"])
    assert folk.ngram_bits(["ab"], ["ab"], vocab, 1, k=1.0) == pytest.approx(want)
    # bigram, k -> 0 on the training text itself: every transition of "\nab\n\n" is certain but "\n" -> "a"
    # vs "\n" -> "\n" (each seen once after "\n"): 2 characters cost 1 bit, the other 2 are free.
    assert folk.ngram_bits(["ab"], ["ab"], vocab, 2, k=1e-9) == pytest.approx(0.5, abs=1e-6)


def test_bigram_beats_unigram_beats_uniform_on_the_held_out_tunes(data):
    splits, _ = data
    vocab = folk.Vocabulary(splits["train"] + splits["valid"] + splits["test"])
    bits = [folk.ngram_bits(splits["train"], splits["test"], vocab, order, 0.1) for order in (0, 1, 2)]
    assert bits[0] > bits[1] > bits[2] > 2.0


# ---------------------------------------------------------------------------------------------------------
# Models and training
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("unit", sorted(folk.UNITS))
def test_parameter_count_matches_torch(unit):
    model = folk.CharLM(unit, 11, hidden=7, embed=5)
    assert folk.parameter_count(unit, 11, 7, 5) == sum(p.numel() for p in model.parameters())


def test_hidden_for_budget_equalises_the_units():
    budget = folk.parameter_count("lstm", 77, 128, 32)
    for unit in folk.UNITS:
        H = folk.hidden_for_budget(unit, budget, 77, 32)
        assert abs(folk.parameter_count(unit, 77, H, 32) - budget) / budget < 0.01


def test_adam_matches_torch_optim():
    torch.manual_seed(0)
    a, b = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    b.load_state_dict(a.state_dict())
    mine, theirs = folk.Adam(a.parameters(), lr=0.01), torch.optim.Adam(b.parameters(), lr=0.01)
    x = torch.randn(5, 3)
    for _ in range(3):
        for model, opt in ((a, mine), (b, theirs)):
            opt.zero_grad()
            (model(x) ** 2).sum().backward()
            opt.step()
    assert torch.allclose(a.weight, b.weight, atol=1e-6)


def test_evaluate_bits_equals_the_masked_cross_entropy_by_hand():
    torch.manual_seed(0)
    vocab = folk.Vocabulary(["K:D\nabc|", "K:G\nz|"])
    model = folk.CharLM("gru", len(vocab), hidden=6, embed=3)
    pairs = folk.tune_pairs(vocab, ["K:D\nabc|", "K:G\nz|"])
    total = 0.0
    for x, y in pairs:                                     # one tune at a time: no padding at all
        logits = model(torch.from_numpy(x)[None])[0][0]
        total += torch.nn.functional.cross_entropy(logits, torch.from_numpy(y), reduction="sum").item()
    want = total / sum(len(y) for _, y in pairs) / math.log(2)
    assert folk.evaluate_bits(model, pairs) == pytest.approx(want, rel=1e-6)


def test_training_learns_and_keeps_the_best_weights(data):
    splits, _ = data
    vocab = folk.Vocabulary(splits["train"] + splits["valid"] + splits["test"])
    valid = folk.tune_pairs(vocab, splits["valid"][:20])
    torch.manual_seed(0)
    model = folk.CharLM("lstm", len(vocab), hidden=16, embed=8)
    before = folk.evaluate_bits(model, valid)
    hist = folk.train_tbptt(model, vocab, splits["train"][:200], valid, updates=60, batch_size=8, steps=32,
                            lr=1e-2, eval_every=20)
    assert hist["updates"] == [20, 40, 60]
    assert min(hist["valid_bits"]) < before - 1.0
    assert folk.evaluate_bits(model, valid) == pytest.approx(min(hist["valid_bits"]), rel=1e-6)


# ---------------------------------------------------------------------------------------------------------
# Tunes -> notes -> sound
# ---------------------------------------------------------------------------------------------------------
def test_parse_tune_reads_a_real_tune_and_reports_failures(data):
    splits, _ = data
    score, problem = folk.parse_tune(splits["test"][0])
    assert problem is None and len(folk.score_notes(score)) > 10
    assert 0.5 <= folk.bar_lengths_match(score) <= 1.0
    for broken in ("M:6/8\nK:D\nzzz z3|", "abc|def|"):          # rests only; no metre or length
        score, problem = folk.parse_tune(broken)
        assert score is None and problem


def test_bar_lengths_count_wrong_bars():
    score, _ = folk.parse_tune("M:4/4\nL:1/8\nK:D\nA2|abcd efga|abc efga|abcd efga|abcd efg2|")
    assert folk.bar_lengths_match(score) == pytest.approx(2 / 3)     # the 2nd of 3 inner bars is short


def test_synthesize_a_note_has_its_pitch_and_length():
    rate = 8000
    wave = folk.synthesize([(0.0, 2.0, 69)], bpm=120, rate=rate)     # A4 for one second
    assert wave.dtype == np.float32 and np.abs(wave).max() <= 1.0
    spectrum = np.abs(np.fft.rfft(wave[:rate]))
    assert np.argmax(spectrum) == pytest.approx(440, abs=2)          # 1 Hz per bin over one second
    assert len(wave) == pytest.approx(1.5 * rate, abs=2)


# ---------------------------------------------------------------------------------------------------------
# The cached longer run
# ---------------------------------------------------------------------------------------------------------
def test_cached_results_match_the_data_and_the_weights(data):
    splits, info = data
    results = json.loads(folk.RESULTS.read_text())
    assert results["data"]["tunes"] == info["tunes"]
    vocab = folk.Vocabulary(splits["train"] + splits["valid"] + splits["test"])
    assert results["data"]["vocabulary"] == "".join(vocab.chars)
    saved = np.load(folk.WEIGHTS)
    test_pairs = folk.tune_pairs(vocab, splits["test"][:40])
    for unit in folk.UNITS:
        r = results["units"][unit]
        model = folk.model_from_arrays(unit, saved, prefix=f"{unit}/")
        assert sum(p.numel() for p in model.parameters()) == r["parameters"]
        assert r["test_bits"] < results["baselines"]["bigram"]["test_bits"]
        assert folk.evaluate_bits(model, test_pairs) < results["baselines"]["bigram"]["test_bits"]
    lstm = folk.model_from_arrays("lstm", saved, prefix="lstm/")
    assert folk.evaluate_bits(lstm, folk.tune_pairs(vocab, splits["test"])) == \
        pytest.approx(results["units"]["lstm"]["test_bits"], abs=1e-4)
