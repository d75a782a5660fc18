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


@dataclass(frozen=True)
class Mistake:
    name: str       # what the code does, in a few words: "tanh instead of sigmoid"
    fn: Callable    # an implementation that makes exactly this mistake
    message: str    # for the student: what the code did, why it is wrong
    section: str    # where the book explains it: "04_lstm#the-input-gate-and-the-candidate"

    @property
    def link(self) -> str:
        """The section's address relative to the site root (an exercise page reaches it as ../../<link>)."""
        chapter, _, anchor = self.section.partition("#")
        return f"book/{chapter}.html#{anchor}"

    def as_dict(self) -> dict:
        return {"name": self.name, "message": self.message, "section": self.section, "link": self.link}


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
        if judge_case(case, mine, other, "", "") is not None or judge_case(case, other, mine, "", "") is not None:
            return False
    return True


def diagnose(cases: list[Case], got: list[Any], mistakes: list[Mistake],
             mistake_observations: list[list[Any]]) -> list[Mistake]:
    """The known mistakes that agree with the student on every case (normally none or one)."""
    return [m for m, theirs in zip(mistakes, mistake_observations) if agrees(cases, got, theirs)]


def catalogue_of(mutants: dict[str, dict[str, Callable]],
                 notes: dict[str, dict[str, tuple[str, str]]]) -> dict[str, list[Mistake]]:
    """MISTAKES from {function: {name: implementation}} and {function: {name: (section, message)}}.

    Every implementation must have its note and every note its implementation: a mistake without a message
    could not be explained, a message without an implementation could never be shown.
    """
    if {f: set(m) for f, m in mutants.items()} != {f: set(n) for f, n in notes.items()}:
        missing = sorted((f, m) for f in mutants for m in mutants[f] if m not in notes.get(f, {}))
        extra = sorted((f, m) for f in notes for m in notes[f] if m not in mutants.get(f, {}))
        raise ValueError(f"mistakes without a note: {missing}; notes without a mistake: {extra}")
    return {function: [Mistake(name, fn, notes[function][name][1], notes[function][name][0])
                       for name, fn in named.items()]
            for function, named in mutants.items()}
