"""Practice data, as the student edition ships it, and `check_function`, the in-process check of one function.

One folder per assignment, written on the instructors' side (autograder/edition.py, `write_practice_data`) and
read here, by the student edition's check (`python -m gatebygate`) and by the instructors' own `python -m
autograder check`, which writes the same folder from the repository first:

    <assignment>/cases.pkl         the practice cases, pickled for the kernel as the grader pickles hidden cases:
                                   inputs and probes only
    <assignment>/expected.json.gz  what their outputs are judged against (judge.evidence.dump_expected): the
                                   reference's observations and the known mistakes' observations, no code
    <assignment>/words.json        per language: the verdict's sentences, the note on the grade, each known
                                   mistake's hint, each case's name and the report's own lines, as the
                                   grader's catalogue words them
    <assignment>/release.json      how to recognise the released notebook (nbgrader grade ids, checksums, cell
                                   ids) and which functions each test cell checks

The practice cases are the hidden cases' generators run with other seeds (autograder/hidden, `practice`): the
graded cases themselves never leave the instructors' side.
"""
from __future__ import annotations

import dataclasses
import functools
import gzip
import json
import os
import pickle
from dataclasses import dataclass
from typing import Any, Callable

from ..judge.checking import Case
from ..judge.evidence import load_expected
from ..judge.mistakes import Mistake
from ..judge.verdicts import Expected, FunctionVerdict, Wording, judge_emission, judge_emissions
from ..isolation.sandbox import kernel_shim

CASES, EXPECTED, WORDS, RELEASE = "cases.pkl", "expected.json.gz", "words.json", "release.json"
# Beside this package in the student edition's check package (gatebygate/data); absent in the repository.
INSTALLED_DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")


class PracticeError(Exception):
    """The practice data cannot answer: an unknown assignment or function. The message is one line."""


def hint_key(mistake: Mistake) -> str:
    """The key of a mistake's hint in words.json: every field of it but its code."""
    return json.dumps({f.name: getattr(mistake, f.name) for f in dataclasses.fields(Mistake) if f.name != "fn"},
                      sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class Practice:
    """One assignment's practice data, read from its folder."""
    assignment: str
    folder: str

    @property
    def cases_file(self) -> str:
        return os.path.join(self.folder, CASES)

    @functools.cached_property
    def expected(self) -> dict[str, Expected]:
        """{function: Expected} of the practice cases (cases with names and tolerances only; mistakes without code)."""
        with gzip.open(os.path.join(self.folder, EXPECTED), "rt", encoding="utf-8") as handle:
            return load_expected(json.load(handle))

    @functools.cached_property
    def cases(self) -> dict[str, list[Case]]:
        """{function: its practice cases, with their inputs and probes}, unpickled: for check_function only (the
        notebook check hands the file to the kernel)."""
        with open(self.cases_file, "rb") as handle:
            return pickle.load(handle)[self.assignment]

    @functools.cached_property
    def _words(self) -> dict:
        with open(os.path.join(self.folder, WORDS), encoding="utf-8") as handle:
            return json.load(handle)

    @functools.cached_property
    def release(self) -> dict:
        with open(os.path.join(self.folder, RELEASE), encoding="utf-8") as handle:
            return json.load(handle)

    def language(self, language: str) -> str:
        """`language` where the words have it, else English."""
        return language if language in self._words else "en"

    def wording(self, language: str = "en") -> Wording:
        """The words of a practice verdict in `language` (English where the catalogue had none)."""
        words = self._words[self.language(language)]
        hints = words["hints"]
        case_words = {field: (lambda name, table=table: table.get(name, name))
                      for field, table in words.get("case_words", {}).items()}
        return Wording(hint=lambda mistake: hints.get(hint_key(mistake), mistake.message), **case_words,
                       **words["sentences"])

    def grade_note(self, language: str = "en") -> str:
        """The sentence saying where the grade comes from."""
        return self._words[self.language(language)]["grade_note"]

    def report_words(self, language: str = "en") -> dict[str, str]:
        """The check report's own lines in `language` ({key: text}, i18n/labels.py CHECK_REPORT): its counts, and
        the line saying that the notebook runs outside the sandbox."""
        return self._words[self.language(language)]["report"]


class PracticeData:
    """A folder of Practice folders, one per assignment."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def assignments(self) -> list[str]:
        return sorted(name for name in os.listdir(self.folder)
                      if os.path.isfile(os.path.join(self.folder, name, RELEASE)))

    def __getitem__(self, assignment: str) -> Practice:
        if assignment not in self.assignments():
            raise PracticeError(f"unknown assignment {assignment!r} (known: {', '.join(self.assignments())})")
        return Practice(assignment, os.path.join(self.folder, assignment))


def installed() -> PracticeData:
    """The practice data shipped inside the student edition's check package."""
    if not os.path.isdir(INSTALLED_DATA):
        raise PracticeError("no practice data here: this is the instructors' repository; use autograder.check_function")
    return PracticeData(INSTALLED_DATA)


@dataclass
class FunctionCheck:
    """The practice verdict on one function: what `check_function` returns, and the notebook check per function."""
    function: str
    passed: bool                 # every practice case passed
    cases: dict[str, bool]       # practice case name -> passed
    diagnosis: str               # what the feedback page would show for it: per case PASS/FAIL, the known mistake
    mistakes: list[str]          # names of the known mistakes that agree with it on every practice case
    verdict: FunctionVerdict     # the judge's record, messages included

    @classmethod
    def of(cls, verdict: FunctionVerdict) -> FunctionCheck:
        return cls(verdict.function, not verdict.failed, {c.name: c.passed for c in verdict.cases}, verdict.text,
                   [m["name"] for m in verdict.mistakes], verdict)


def judge_function(practice: Practice, function: str, emission: dict, language: str = "en") -> FunctionCheck:
    """Judge one function's emission (as a test cell's display carries it) on the practice cases."""
    if function not in practice.expected:
        raise PracticeError(f"{practice.assignment} grades no function {function!r} "
                            f"(it grades: {', '.join(practice.expected)})")
    # What the kernel sends is JSON: a value that would not survive the trip is judged as it arrives.
    emission = json.loads(json.dumps(emission, default=repr))
    return FunctionCheck.of(judge_emission(function, practice.expected[function], emission,
                                           practice.wording(language)))


def judge_functions(practice: Practice, emissions: dict[str, dict], language: str = "en") -> dict[str, FunctionCheck]:
    """Judge a notebook's functions together, {function: its emission}: each after those it may call, so that a
    mistake is blamed on the function that makes it (`upstream`), as the grader does."""
    emissions = {function: json.loads(json.dumps(emission, default=repr)) for function, emission in emissions.items()}
    verdicts = judge_emissions(practice.expected, emissions, practice.wording(language))
    return {function: FunctionCheck.of(verdict) for function, verdict in verdicts.items()}


def check_function(assignment: str, function_name: str, fn: Callable[..., Any], data: PracticeData | None = None,
                   language: str = "en") -> FunctionCheck:
    """Run `fn` on the practice cases of `assignment`'s `function_name`, here, in this process, and judge it as the
    notebook check does: per case passed or failed, and the known mistake that agrees on every case.

        >>> from gatebygate import check_function
        >>> result = check_function("a01_rnn_forward", "sigmoid", sigmoid)
        >>> result.passed, result.cases, print(result.diagnosis)

    data: where the practice data lives (default: the installed check package's).
    """
    practice = (data or installed())[assignment]
    if function_name not in practice.expected:
        judge_function(practice, function_name, {})  # raises, naming the functions there are
    outputs = kernel_shim().observe_cases(practice.cases[function_name], fn)
    return judge_function(practice, function_name, {"outputs": outputs}, language)
