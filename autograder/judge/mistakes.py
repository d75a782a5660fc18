"""Known mistakes: feedback that names what a failing function got wrong, and where the book explains it.

Each assignment's hidden module lists, per graded function, the typical wrong implementations:

    MISTAKES = {
        "sigmoid": [
            Mistake("tanh instead of sigmoid", np.tanh,
                    "Your sigmoid returns values in (-1, 1): that is tanh. A gate must lie in (0, 1) ...",
                    "02_vanilla_rnn#sigmoid-versus-tanh"),
            ...
        ],
    }

The same list serves the tests (each mistake must be rejected by the hidden cases, and recognised as itself)
and the grader: when a function fails, its outputs on the hidden cases are compared, outside the kernel, with
each mistake's outputs on the same cases (computed once per grading run). A mistake is named only if it
agrees with the student's outputs on EVERY case; otherwise the feedback says that no known mistake matches.

`section` is "<chapter file in book/, without .md>#<section anchor>"; the anchor is the id Jupyter Book gives
the section heading (tests/diagnosis_tests.py checks that each one exists in the book's sources). What the
student reads about a mistake, in their language, is written by i18n/hints.py.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .checking import Case, Raised, judge_case, observe_safely


# The kinds of fault a diagnosis may name (issue 25), each with what it means. A catalogued mistake is labelled
# with one of them (the catalogue's FAULTS), and so is every generic fault model the diagnosis tries.
FAULT_CLASSES = {
    "upstream": "this function is right; a graded function it calls is wrong",
    "overflow": "an exp (or another function) of a large number overflows where a stable form does not",
    "activation": "the wrong nonlinearity, or the wrong derivative of one",
    "transpose": "a weight (or another matrix) used transposed",
    "swap": "two arguments, gates, blocks, states or outputs exchanged",
    "missing-term": "a term, factor or input left out",
    "extra-term": "a term, factor or input that does not belong",
    "sign": "a sign flipped",
    "scale": "a wrong factor or normaliser",
    "axis": "an operation along the wrong axis",
    "time": "off by one or in the wrong order in time, a state not carried or not reset",
    "mask": "padding counted, or real positions masked out",
    "boundary": "a first or last element, an edge case or an empty input handled wrongly",
    "in-place": "an input written into",
    "dtype": "the right values in the wrong dtype",
    "type-shape": "the wrong type or shape of a result or of an intermediate",
    "random": "random numbers drawn from the wrong generator, in the wrong number or order",
}


@dataclass(frozen=True)
class Mistake:
    name: str       # what the code does, in a few words: "tanh instead of sigmoid"
    fn: Callable    # an implementation that makes exactly this mistake
    message: str    # for the student: what the code did, why it is wrong
    section: str    # where the book explains it: "04_lstm#the-input-gate-and-the-candidate"
    fault: str | None = None   # its kind, one of FAULT_CLASSES
    where: str | None = None   # the argument, term, gate or axis involved, where one is: "W_hh", "forget gate"

    @property
    def link(self) -> str:
        """The section's address relative to the site root (an exercise page reaches it as ../../<link>)."""
        chapter, _, anchor = self.section.partition("#")
        return f"book/{chapter}.html#{anchor}"

    def as_dict(self) -> dict:
        return {"name": self.name, "message": self.message, "section": self.section, "link": self.link,
                "fault": self.fault, "where": self.where}


def observations(cases: list[Case], mistakes: list[Mistake]) -> list[list[Any]]:
    """Each mistake's observations on the cases, as the kernel shim would report them: computed once per run.

    A wrong implementation may overflow on purpose; its numpy warnings would only clutter the grader's terminal.
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"):  # a strict case still raises: it sets its own
        warnings.simplefilter("ignore", RuntimeWarning)
        return [[observe_safely(case, mistake.fn) for case in cases] for mistake in mistakes]


def agrees(cases: list[Case], got: list[Any], theirs: list[Any]) -> bool:
    """True when the student's observations equal a mistake's on every case: numbers within the case's
    tolerance, in both directions (same shapes, dtypes, keys), and, where both raised, the same exception
    with the same message (the probes' structural checks, a matmul's shape error)."""
    if not len(got) == len(theirs) == len(cases):
        return False
    for case, mine, other in zip(cases, got, theirs):
        if isinstance(mine, Raised) or isinstance(other, Raised):
            if not (isinstance(mine, Raised) and isinstance(other, Raised)
                    and (mine.kind, mine.message) == (other.kind, other.message)):
                return False
            continue
        if judge_case(case, mine, other, "") is not None or judge_case(case, other, mine, "") is not None:
            return False
    return True


def diagnose(cases: list[Case], got: list[Any], mistakes: list[Mistake],
             mistake_observations: list[list[Any]]) -> list[Mistake]:
    """The known mistakes that agree with the student on every case (normally none or one)."""
    return [m for m, theirs in zip(mistakes, mistake_observations) if agrees(cases, got, theirs)]


def catalogue_of(mutants: dict[str, dict[str, Callable]],
                 notes: dict[str, dict[str, tuple[str, str]]],
                 faults: dict[str, dict[str, tuple[str, str | None]]] | None = None) -> dict[str, list[Mistake]]:
    """MISTAKES from {function: {name: implementation}}, {function: {name: (section, message)}} and, where the
    catalogue labels its mistakes, {function: {name: (fault class, where or None)}}.

    Every implementation must have its note and every note its implementation: a mistake without a message
    could not be explained, a message without an implementation could never be shown. A labelled catalogue
    labels every mistake, each with a class of FAULT_CLASSES.
    """
    _same_names(mutants, notes, "a note")
    if faults is not None:
        _same_names(mutants, faults, "a fault class")
        unknown = sorted((f, m, label[0]) for f, named in faults.items() for m, label in named.items()
                         if label[0] not in FAULT_CLASSES)
        if unknown:
            raise ValueError(f"fault classes not in FAULT_CLASSES: {unknown}")
    return {function: [Mistake(name, fn, notes[function][name][1], notes[function][name][0],
                               *((faults or {}).get(function, {}).get(name) or (None, None)))
                       for name, fn in named.items()]
            for function, named in mutants.items()}


def _same_names(mutants: dict[str, dict], other: dict[str, dict], what: str) -> None:
    if {f: set(m) for f, m in mutants.items()} != {f: set(n) for f, n in other.items()}:
        missing = sorted((f, m) for f in mutants for m in mutants[f] if m not in other.get(f, {}))
        extra = sorted((f, m) for f in other for m in other[f] if m not in mutants.get(f, {}))
        raise ValueError(f"mistakes without {what}: {missing}; {what} without a mistake: {extra}")
