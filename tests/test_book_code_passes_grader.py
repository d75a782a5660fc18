"""The book's code and the grader agree: every function a chapter writes in the open under the name of a graded
function passes that function's hidden cases, so a student who copies the chapter's cell loses no marks.

Each chapter's code cells are read from book/*.md (jupytext), and only their imports and function definitions
are executed (fast, no training, no figures); each definition of a graded name is then run through the hidden
check the grader uses (`autograder.hidden.<assignment>.check`). A chapter that deliberately writes a different
function under a graded name says so beside its code and is listed in KNOWN_DIFFERENCES with the reason.
"""
import ast
import importlib
import os
import re
import warnings

import jupytext
import pytest

from autograder.course import list_assignments
from conftest import REPO_ROOT

ASSIGNMENTS = list_assignments()                     # in course order
# The assignment whose functions a chapter builds: where it grades a name, its check is the one that applies.
CHAPTER_ASSIGNMENT = {
    "01_sequences": "a01_rnn_forward", "02_vanilla_rnn": "a01_rnn_forward", "03_training_rnns": "a02_bptt",
    "04_lstm": "a03_lstm", "04_lstm_appendix": "a03_lstm", "05_gru": "a04_gru",
    "06_deep_and_variants": "a05_deep_variants", "06_deep_appendix": "a05_deep_variants",
    "07_polyphonic_music": None, "08_folk_tunes": "a06_char_lm",
}
# (chapter, function) -> why the chapter's function is not the graded one of that name. The chapter says the
# same beside its code.
KNOWN_DIFFERENCES = {
    ("03_training_rnns", "rnn_forward"):
        "returns (h, caches) for the backward pass; a01's rnn_forward returns h (chapter 2 writes that one)",
    ("04_lstm", "lstm_forward"):
        "returns (h, c, gates): the chapter plots the gates; a03's lstm_forward returns (h, c)",
    ("04_lstm_appendix", "lstm_forward"):
        "the same function as chapter 4's, gates included, for the appendix's figures",
    ("06_deep_appendix", "params_from_torch"):
        "reads a whole torch module (any depth, both directions, any cell) into per-layer dicts; a03's and "
        "a04's params_from_torch read one layer's state_dict into the lecture's gate names",
    ("08_folk_tunes", "lstm_step_backward"):
        "works in torch's stacked layout (W_ih, W_hh, b; gates i, f, g, o) and takes p, to train the "
        "language model fast; a03's lstm_step_backward(dh_next, dc_next, cache) returns the lecture's "
        "per-gate gradients",
}


def hidden(assignment):
    return importlib.import_module(f"autograder.hidden.{assignment}")


GRADED = {a: set(hidden(a).CHECKS) for a in ASSIGNMENTS}


def grading_assignment(chapter, name):
    """The assignment whose hidden check applies to a chapter's function `name`, or None if none grades it."""
    own = CHAPTER_ASSIGNMENT[chapter]
    if own and name in GRADED[own]:
        return own
    graders = [a for a in ASSIGNMENTS if name in GRADED[a]]
    return graders[0] if graders else None


def is_constant(node):
    """A page's named constant (NONLINEARITIES = {...}, an UPPER_CASE name) that its functions may read."""
    return isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) and t.id.isupper() for t in node.targets)


def definitions(chapter):
    """[(name, its source, the cells' imports, constants and function definitions up to and including it)]
    for every top-level definition of a graded name in the chapter's code cells, in page order."""
    notebook = jupytext.read(os.path.join(REPO_ROOT, "book", chapter + ".md"))
    kept, found = [], []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        for node in ast.parse(source).body:
            if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef)) or is_constant(node):
                kept.append(node)
            if isinstance(node, ast.FunctionDef) and grading_assignment(chapter, node.name):
                found.append((node.name, ast.get_source_segment(source, node), list(kept)))
    return found


def chapter_function(chapter, name, nodes):
    """The function `name` as the chapter defines it at that point, with the imports and helpers before it."""
    namespace = {"__name__": f"book_{chapter}"}
    for node in nodes:
        try:
            exec(compile(ast.Module(body=[node], type_ignores=[]), f"book/{chapter}.md", "exec"), namespace)
        except Exception:
            pass        # reads a variable the page computes: not something a graded function needs
    return namespace[name]


CHAPTER_FUNCTIONS = [(chapter, name, source, nodes)
                     for chapter in CHAPTER_ASSIGNMENT for name, source, nodes in definitions(chapter)]


def test_every_chapter_is_read():
    chapters = {f[:-3] for f in os.listdir(os.path.join(REPO_ROOT, "book")) if re.match(r"\d\d_.*\.md$", f)}
    assert chapters == set(CHAPTER_ASSIGNMENT), "name the assignment each new chapter prepares (or None)"


def test_the_chapters_define_graded_functions():
    """The extraction finds the chapters' graded functions (a broken reader would make every test vacuous)."""
    names = {(chapter, name) for chapter, name, _, _ in CHAPTER_FUNCTIONS}
    for expected in [("02_vanilla_rnn", "rnn_forward"), ("03_training_rnns", "clip_by_global_norm"),
                     ("04_lstm", "lstm_step_forward"), ("05_gru", "gru_step"),
                     ("08_folk_tunes", "softmax_with_temperature")]:
        assert expected in names


def test_every_known_difference_is_still_in_a_chapter():
    names = {(chapter, name) for chapter, name, _, _ in CHAPTER_FUNCTIONS}
    assert set(KNOWN_DIFFERENCES) <= names, sorted(set(KNOWN_DIFFERENCES) - names)


@pytest.mark.parametrize("chapter, name, source, nodes", CHAPTER_FUNCTIONS,
                         ids=[f"{c}: {n} #{i}" for i, (c, n, _, _) in enumerate(CHAPTER_FUNCTIONS)])
def test_chapter_function_passes_the_hidden_cases(chapter, name, source, nodes):
    assignment = grading_assignment(chapter, name)
    header = source.splitlines()[0]
    fn = chapter_function(chapter, name, nodes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            hidden(assignment).check(name, fn)
            failure = None
        except Exception as error:      # an AssertionError from the check, or the call itself raising
            failure = f"{type(error).__name__}: {error}"
    if (chapter, name) in KNOWN_DIFFERENCES:
        assert failure, (f"book/{chapter}.md: {name} now passes {assignment}'s hidden cases; remove it from "
                         f"KNOWN_DIFFERENCES (and the note beside the chapter's code)")
        comments = [line for line in source.splitlines() if "#" in line]
        assert any(assignment[:3] in line for line in comments), (
            f"book/{chapter}.md: {name} differs from {assignment}'s on purpose; say so in a comment beside the "
            f"code, naming {assignment[:3]}")
        return
    assert failure is None, (f"book/{chapter}.md defines `{header.strip()}`, which fails {assignment}'s hidden "
                             f"cases of {name}: {failure}")
