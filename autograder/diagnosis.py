"""What is wrong with a student's function, named: `diagnose_function`, and how well the naming does
(`leave_one_out`).

`diagnose_function(assignment, function_name, fn)` runs `fn` in this process on the function's hidden cases
through the kernel shim's own code (the emission the grader would receive, JSON included), with the student's
functions that `fn` may call taken from `fn`'s globals, and judges it with the grader's own code
(judge.verdicts.judge_emissions): the known mistake, the kind of fault and where, and the sentence the student
reads in their feedback. The grader (pipeline/hidden_tests.py), `check` (selfcheck.py) and the tests go through
the same judging.

`leave_one_out(assignment)` measures the kinds of fault on the catalogue of known mistakes: each mistake is
judged as a student's function with its own entry removed from the catalogue (the rest of the catalogue and every
fault model remain), and its diagnosis compared with its label (Mistake.fault, the catalogue's FAULTS). A mistake
labelled `upstream` is a caller that is right over a wrong callee (`where`): it is judged as such, with that
callee failing as the callee's own model that reproduces the mistake (none: the callee is correct).
"""
from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable

from . import hidden
from .i18n.hints import wording
from .isolation import sandbox
from .judge.faults import UPSTREAM, Callee, agrees_in_values, diagnose, failing_cases, inner_model
from .judge.verdicts import Diagnosis, Expected, decoded_emission, judge_emissions

_shim: ModuleType | None = None


def load_kernel_shim() -> ModuleType:
    """The kernel-side module of the hidden tests, loaded afresh from its file (in the sandbox it is
    autograder.hidden)."""
    return sandbox.kernel_shim()


def kernel_shim() -> ModuleType:
    """The kernel shim, loaded once in this process (the diagnosis only calls its `emission`)."""
    global _shim
    if _shim is None:
        _shim = load_kernel_shim()
    return _shim


def emission_of(assignment: str, function_name: str, fn: Callable) -> dict:
    """What the kernel would emit for `fn` on the function's hidden cases, through JSON as the grader reads it."""
    table = hidden.expected(assignment, kinds_of_fault=False)  # the cases are all this needs
    cases = {name: expected.cases for name, expected in table.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        emitted = kernel_shim().emission(assignment, function_name, fn, cases)
    return json.loads(json.dumps(emitted))


def diagnose_function(assignment: str, function_name: str, fn: Callable, language: str = "en") -> Diagnosis:
    """The diagnosis of a student's `fn` as the graded function `function_name` of `assignment`.

    The graded functions `fn` may call (the hidden module's CALLS) are the student's too: those found in `fn`'s
    globals (a notebook's, a test module's) are judged first, so that a mistake of theirs is blamed on them.
    Returns a Diagnosis: .known (a catalogued mistake's name or None), .fault (a class of
    judge.mistakes.FAULT_CLASSES or None), .where, .message (what the student reads, in `language`).
    """
    if function_name not in hidden.load(assignment).CHECKS:
        raise KeyError(f"{assignment} has no graded function {function_name!r}")
    table = hidden.expected(assignment, {function_name})  # its models and those of what it may call: as in full
    scope = getattr(fn, "__globals__", {})
    emissions = {function_name: emission_of(assignment, function_name, fn)}
    pending = list(table[function_name].callees)
    while pending:
        callee = pending.pop()
        student_callee = scope.get(callee)
        if callee not in emissions and callable(student_callee):
            emissions[callee] = emission_of(assignment, callee, student_callee)
            pending += table[callee].callees
    verdict = judge_emissions(table, emissions, wording(language))[function_name]
    found = verdict.diagnosis
    return Diagnosis(function_name, verdict.failed, found.get("known"), found.get("fault"), found.get("where"),
                     found.get("message", ""))


# --------------------------------------------------------------------------------------------- leave-one-out
@dataclass(frozen=True)
class LeftOut:
    """One catalogued mistake, judged with its own entry left out of the catalogue."""
    function: str
    mistake: str
    label: str | None      # its class (the catalogue's FAULTS), None where it has none
    rejected: bool         # whether the hidden cases reject it
    named: str | None      # the class the diagnosis names (a known mistake's label, or a kind of fault)
    where: str | None
    known: str | None      # the other catalogued mistake named instead, if one

    @property
    def right(self) -> bool:
        return self.rejected and self.named is not None and self.named == self.label

    @property
    def wrong(self) -> bool:
        return self.rejected and self.named is not None and self.named != self.label


def leave_one_out(assignment: str, table: dict[str, Expected] | None = None) -> list[LeftOut]:
    """Every catalogued mistake of the assignment, judged as a student's function with its entry left out."""
    table = table if table is not None else hidden.expected(assignment)
    cases = {name: expected.cases for name, expected in table.items()}
    found = []
    for function, expected in table.items():
        for mistake in expected.mistakes:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                emitted = json.loads(json.dumps(kernel_shim().emission(assignment, function, mistake.fn, cases)))
            got, calls = decoded_emission(expected, emitted)
            others = _wrong_callee(table, function, mistake, got) if mistake.fault == UPSTREAM else {}
            finding = diagnose(function, table, got, None if others else calls, others, leave_out=mistake.name)
            named = finding.fault if finding is not None else None
            found.append(LeftOut(function, mistake.name, mistake.fault, any(failing_cases(expected, got)), named,
                                 finding.where if finding is not None else None,
                                 finding.known[0].name if finding is not None and finding.known else None))
    return found


def _wrong_callee(table: dict[str, Expected], function: str, mistake: Any, got: list[Any]) -> dict[str, Callee]:
    """{callee: the callee failing as its model that, under the correct caller, gives the mistake's outputs}."""
    expected = table[function]
    for model, observations in zip(expected.callee_models, expected.callee_observations):
        if model.where != mistake.where or not agrees_in_values(expected.cases, got, observations):
            continue
        inner = inner_model(table, model.name, model.where)
        if inner is not None and any(failing_cases(table[model.where], inner[1])):
            return {model.where: Callee(table[model.where], inner[1], True)}
    return {}


def figures(results: list[LeftOut]) -> dict[str, Any]:
    """Counts of a leave-one-out run: rejected, right class, wrong class, not named (of the labelled ones)."""
    labelled = [r for r in results if r.label is not None]
    rejected = [r for r in labelled if r.rejected]
    right, wrong = sum(r.right for r in rejected), sum(r.wrong for r in rejected)
    return {"mistakes": len(results), "labelled": len(labelled), "rejected": len(rejected), "right": right,
            "wrong": wrong, "not_named": len(rejected) - right - wrong,
            "right_share": right / len(rejected) if rejected else 0.0,
            "wrong_share_of_named": wrong / (right + wrong) if right + wrong else 0.0}
