"""Hidden tests judged outside the student's kernel: the verdict records, and the judging that makes them.

Inside the sandbox, `hidden.check(name, fn)` (the kernel shim, autograder/isolation/kernel_shim) runs the
student's function on the hidden inputs and emits its outputs (wire.py). After nbgrader has executed the
notebook, the hidden-test judge (pipeline/hidden_tests.py), running in the grader's own process, hands each
emission to `judge_emission` here, which compares it case by case with the reference's outputs (`Expected`,
computed once per run by hidden.expected) and names the known mistake that agrees on every case (mistakes.py).

Expected outputs never enter the kernel, so redefining numpy, assert helpers, `showtraceback` or `__eq__`
in the kernel cannot make wrong code pass: at most it can stop the emission, which fails the cell.

The records travel in the autograded notebook as plain JSON (`as_dict`), and are read back by `cell_verdicts`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any, Callable, NamedTuple

from .checking import Case, CaseResult, Raised, judge, parameter_names
from .mistakes import Mistake, diagnose, observations
from .wire import CELL_VERDICT_KEY, MAX_EMISSION_BYTES, VERDICT_KEY, decode_observation


class Expected(NamedTuple):
    """What one graded function's emitted outputs are judged against: computed once per grading run."""
    cases: list[Case]                   # its hidden cases, in order
    observations: list[Any]             # the reference's observation of each case: (outputs, inputs after)
    output_name: str                    # what its output is called in a message ("h_next", "result")
    parameters: tuple[str, ...]         # the reference's parameter names, to name an input the call changed
    mistakes: list[Mistake]             # its catalogue of known mistakes (may be empty)
    mistake_observations: list[list]    # each known mistake's observations of the cases


def expected_outputs(module: Any) -> dict[str, Expected]:
    """{function: Expected} of an assignment's hidden module (its CHECKS, REFERENCES, OUTPUT_NAMES, MISTAKES)."""
    catalogue = getattr(module, "MISTAKES", {})
    table = {}
    for name, cases in module.CHECKS.items():
        known = catalogue.get(name, [])
        reference = module.REFERENCES[name]
        table[name] = Expected(cases, [case.observe(reference) for case in cases],
                               module.OUTPUT_NAMES.get(name, "result"), tuple(parameter_names(reference)),
                               known, observations(cases, known))
    return table


@dataclass(frozen=True)
class Wording:
    """The words around a verdict, in the student's language (i18n.hints.wording makes one from the grader's
    catalogue; the defaults here are the English, and i18n.template lists them as the catalogue's messages)."""
    hint: Callable[[Mistake], str]  # the sentence naming a mistake and the book section that explains it
    case_name: Callable[[str], str] = str  # a hidden case's name as the student reads it (the English is its id)
    diagnosis: str = "Diagnosis: "  # before the mistake that agrees on every case
    alternative: str = "Or: "       # before each further one that also agrees
    cases_passed: str = "{function}: {passed} of {total} hidden cases passed"
    all_cases_passed: str = "{function}: {total} hidden cases passed"
    did_not_run: str = "{function}: the hidden tests did not run to completion"
    case_passed: str = "PASS"
    case_failed: str = "FAIL"
    no_match: str = ("None of the known mistakes for this function gives your outputs on every case, so there is "
                     "no diagnosis; the differences above are the place to start.")
    all_tests_passed: str = "All tests passed: {max_score} of {max_score} points."
    checks_passed: str = ("{passed} of {units} checks passed (each hidden case is one; {visible}): "
                          "{score} of {max_score} points ({rule}).")
    visible_passed: str = "the visible tests passed"
    visible_failed: str = "the visible tests failed, which counts as one more failed case"
    partial_credit: str = "partial credit: the passed fraction of the points"
    all_or_nothing: str = "all or nothing"
    visible_test_failed: str = "Visible test failed: "  # before a visible test's error, shown as text


def wording_sentences() -> dict[str, str]:
    """{field: English sentence} of every Wording sentence: what a catalogue translates."""
    return {f.name: f.default for f in fields(Wording) if isinstance(f.default, str)}


ENGLISH = Wording(hint=lambda mistake: mistake.message)  # only for callers that name no mistake


@dataclass
class FunctionVerdict:
    """The verdict on one graded function of one student: stored in the notebook, shown in the feedback."""
    function: str
    failed: bool
    headline: str                    # the one line a failing cell shows as its error
    cases: list[CaseResult]          # per hidden case: name, passed, message
    mistakes: list[dict]             # the known mistakes diagnosed, as Mistake.as_dict()
    text: str                        # what the student reads

    def as_dict(self) -> dict:
        return {"function": self.function, "failed": self.failed, "headline": self.headline,
                "cases": [{"name": c.name, "passed": c.passed, "message": c.message} for c in self.cases],
                "mistakes": list(self.mistakes), "text": self.text}

    @classmethod
    def from_dict(cls, data: dict) -> FunctionVerdict:
        return cls(data["function"], bool(data["failed"]), data["headline"],
                   [CaseResult(c["name"], bool(c["passed"]), c.get("message", "")) for c in data["cases"]],
                   list(data.get("mistakes", [])), data.get("text", ""))


@dataclass
class CellVerdict:
    """The verdict on one test cell: its functions' verdicts, the visible asserts, and the score."""
    functions: list[FunctionVerdict]
    visible_passed: bool             # the visible asserts, run in the student's kernel
    visible_message: str             # their first error, "AssertionError: ..."
    partial_credit: bool             # the points times the fraction of passed units, else all or nothing
    units: int                       # hidden cases, plus one when the visible asserts failed
    passed_units: int
    score: float
    max_score: float

    @classmethod
    def of(cls, functions: list[FunctionVerdict], visible_error: str | None, partial_credit: bool,
           points: float) -> CellVerdict:
        """Score a test cell. The visible asserts run in the student's kernel, where they can be fooled: passing
        them earns nothing by itself, failing them costs one unit. Each hidden case, judged out here, is one unit."""
        units = sum(len(v.cases) or 1 for v in functions) + (visible_error is not None)
        passed = sum(sum(c.passed for c in v.cases) for v in functions)
        score = points * passed / units if partial_credit else (points if passed == units else 0.0)
        return cls(functions, visible_error is None, visible_error or "", partial_credit, units, passed, score,
                   points)

    @property
    def headline(self) -> str:
        """The first failing function's headline; "" when every function passed."""
        return next((v.headline for v in self.functions if v.failed), "")

    def score_line(self, wording: Wording = ENGLISH) -> str:
        """The cell's last line: checks passed, the points, and the rule that turned one into the other."""
        if self.passed_units == self.units:
            return wording.all_tests_passed.format(max_score=f"{self.max_score:g}")
        rule = wording.partial_credit if self.partial_credit else wording.all_or_nothing
        visible = wording.visible_passed if self.visible_passed else wording.visible_failed
        return wording.checks_passed.format(passed=self.passed_units, units=self.units, visible=visible,
                                            score=f"{self.score:.3g}", max_score=f"{self.max_score:g}", rule=rule)

    def as_dict(self) -> dict:
        """The cell's summary as stored under CELL_VERDICT_KEY (the functions' verdicts included)."""
        return {"functions": [v.as_dict() for v in self.functions],
                "visible": {"passed": self.visible_passed, "message": self.visible_message},
                "partial_credit": self.partial_credit, "units": self.units, "passed_units": self.passed_units,
                "score": self.score, "max_score": self.max_score}

    @classmethod
    def from_dict(cls, summary: dict, functions: list[dict]) -> CellVerdict:
        return cls([FunctionVerdict.from_dict(f) for f in functions], bool(summary["visible"]["passed"]),
                   summary["visible"].get("message", ""), bool(summary["partial_credit"]), summary["units"],
                   summary["passed_units"], summary["score"], summary["max_score"])

    def results(self) -> dict:
        """Per-case results as a student's result file records them (grades' `tests` entries)."""
        return {"cases": [{"function": v.function, "name": c.name, "passed": c.passed, "message": c.message}
                          for v in self.functions for c in v.cases],
                "mistakes": [{"function": v.function, **m} for v in self.functions for m in v.mistakes],
                "visible_passed": self.visible_passed,
                "partial_credit": self.partial_credit}


def missing_verdict(function: str, cases: list[Case], wording: Wording = ENGLISH) -> FunctionVerdict:
    """The verdict on a function whose outputs never arrived: each of its hidden cases counts as failed."""
    headline = wording.did_not_run.format(function=function)
    return FunctionVerdict(function, True, headline, [CaseResult(c.name, False, headline) for c in cases], [],
                           headline)


def judge_emission(function: str, expected: Expected, emission: dict, wording: Wording) -> FunctionVerdict:
    """The verdict on one function from the kernel's emission: per case passed or failed, and the diagnosis."""
    raw = emission.get("outputs")
    cases = expected.cases
    if not isinstance(raw, list) or len(raw) != len(cases):
        return missing_verdict(function, cases, wording)
    try:
        too_large = len(json.dumps(raw)) > MAX_EMISSION_BYTES
    except (TypeError, ValueError, RecursionError):
        too_large = True
    if too_large:
        got = [Raised("MalformedEmission", "outputs far larger or deeper than expected")] * len(cases)
    else:
        got = [decode_observation(r) for r in raw]
    results = judge(function, cases, got, expected.observations, expected.output_name, expected.parameters)
    found = []
    if not all(r.passed for r in results) and expected.mistakes:
        found = diagnose(cases, got, expected.mistakes, expected.mistake_observations)
    return function_verdict(function, results, found, bool(expected.mistakes), wording)


def function_verdict(function: str, results: list[CaseResult], mistakes: list[Mistake], catalogued: bool,
                     wording: Wording) -> FunctionVerdict:
    """A function's verdict, with the text the student reads."""
    passed = sum(r.passed for r in results)
    failed = passed < len(results)
    lines = [wording.cases_passed.format(function=function, passed=passed, total=len(results)) if failed
             else wording.all_cases_passed.format(function=function, total=len(results))]
    if failed:
        for r in results:
            detail = r.message[len(f"{function} [{r.name}]: "):] if r.message.startswith(f"{function} [{r.name}]: ") \
                else r.message
            outcome = wording.case_passed if r.passed else wording.case_failed
            lines.append(f"  {outcome}  {wording.case_name(r.name)}" + ("" if r.passed else f": {detail}"))
        if mistakes:
            lines.append(wording.diagnosis + wording.hint(mistakes[0]))
            for other in mistakes[1:]:
                lines.append(wording.alternative + wording.hint(other))
        elif catalogued:
            lines.append(wording.no_match)
    first_failure = next((r.message for r in results if not r.passed), "")
    headline = first_failure + (" " + wording.hint(mistakes[0]) if mistakes else "")
    return FunctionVerdict(function, failed, headline or lines[0],
                           [CaseResult(r.name, r.passed, r.message) for r in results],
                           [m.as_dict() for m in mistakes], "\n".join(lines))


def cell_verdicts(notebook: Any) -> dict[str, CellVerdict]:
    """{grade_id: the grader's verdict on that test cell} from an autograded notebook (a node or plain dict)."""
    found = {}
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if not grade_id or cell.get("cell_type") != "code":
            continue
        displays = [o.get("metadata", {}) for o in cell.get("outputs", []) if o.get("output_type") == "display_data"]
        functions = [metadata[VERDICT_KEY] for metadata in displays if VERDICT_KEY in metadata]
        summary = next((metadata[CELL_VERDICT_KEY] for metadata in displays if CELL_VERDICT_KEY in metadata), None)
        if functions and summary is not None:
            found[grade_id] = CellVerdict.from_dict(summary, functions)
    return found

