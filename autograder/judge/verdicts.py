"""Hidden tests judged outside the student's kernel: the verdict records, and the judging that makes them.

Inside the sandbox, `hidden.check(name, fn)` (the kernel shim, autograder/isolation/kernel_shim) runs the
student's function on the hidden inputs and emits its outputs (wire.py). After nbgrader has executed the
notebook, the hidden-test judge (pipeline/hidden_tests.py), running in the grader's own process, hands a
student's emissions to `judge_emissions` here, which compares each case by case with the reference's outputs
(`Expected`, computed once per run by hidden.expected) and diagnoses a failing function (faults.py): blamed on a
failing graded function it calls, a known mistake that agrees on every case (mistakes.py), or a kind of fault.

Expected outputs never enter the kernel, so redefining numpy, assert helpers, `showtraceback` or `__eq__`
in the kernel cannot make wrong code pass: at most it can stop the emission, which fails the cell.

The records travel in the autograded notebook as plain JSON (`as_dict`), and are read back by `cell_verdicts`.
"""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Iterator, NamedTuple

from .checking import Case, CaseResult, Detail, Raised, judge, parameter_names
from .faults import (UPSTREAM, Callee, Finding, Trace, callee_models, diagnose, distinct_models, fault_models,
                     kept_models, render_place)
from .mistakes import Mistake, observations
from .wire import CELL_VERDICT_KEY, MAX_EMISSION_BYTES, VERDICT_KEY, decode_calls, decode_observation


class Expected(NamedTuple):
    """What one graded function's emitted outputs are judged against: computed once per grading run."""
    cases: list[Case]                   # its hidden cases, in order
    observations: list[Any]             # the reference's observation of each case: (outputs, inputs after)
    output_name: str                    # what its output is called in a message ("h_next", "result")
    parameters: tuple[str, ...]         # the reference's parameter names, to name an input the call changed
    mistakes: list[Mistake]             # its catalogue of known mistakes (may be empty)
    mistake_observations: list[list]    # each known mistake's observations of the cases
    # The kinds of fault (judge/faults.py): generic fault models of the reference (fault and where set) ...
    fault_models: list[Mistake] = []
    fault_observations: list[list] = []
    # ... and the function with a graded function it calls replaced by one of that function's models (fault
    # "upstream", where the callee, named "<callee> → <the callee's model>").
    callee_models: list[Mistake] = []
    callee_observations: list[list] = []
    # The templates of the hidden module's probes' own checks (its PROBE_MESSAGES), to word what they said.
    probe_messages: tuple[str, ...] = ()

    @property
    def callees(self) -> set[str]:
        """The graded functions this one may call (CALLS)."""
        return {model.where for model in self.callee_models}


def expected_outputs(module: Any, kinds_of_fault: bool = True, functions: set[str] | None = None
                     ) -> dict[str, Expected]:
    """{function: Expected} of an assignment's hidden module: from its CHECKS, REFERENCES, OUTPUT_NAMES, MISTAKES,
    and for the kinds of fault, CALLS ({function: {graded function it may call: None, or how it is written with
    it}}) and ACTIVATIONS ({name: function} of the nonlinearities a fault model may exchange).

    kinds_of_fault=False: no fault or callee models (only the outcome evidence names a class; what the
    benchmarks compare with). functions: the models only of these and of every function they may call, each
    as the whole table has it, so that their diagnoses are the same (`check` diagnoses only what fails)."""
    with _single_threaded_torch():
        return _expected_outputs(module, kinds_of_fault, functions)


@contextmanager
def _single_threaded_torch() -> Iterator[None]:
    """torch, where a probe or a reference uses it, on one thread while the table is computed: its cases' tensors
    are tiny, and a pool of threads costs more than it saves (a 4-step nn.LSTM: 0.5 ms on one thread, 8 ms on
    two, measured on a loaded 2-core machine). torch is only ever imported by the hidden module itself."""
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _expected_outputs(module: Any, kinds_of_fault: bool, functions: set[str] | None) -> dict[str, Expected]:
    catalogue = getattr(module, "MISTAKES", {})
    calls = getattr(module, "CALLS", {}) if kinds_of_fault else {}
    activations = getattr(module, "ACTIVATIONS", {})
    modelled = set(module.CHECKS) if functions is None else _with_callees(functions, calls)
    table: dict[str, Expected] = {}
    for name in _callees_first(list(module.CHECKS), calls):
        cases, reference = module.CHECKS[name], module.REFERENCES[name]
        known = catalogue.get(name, [])
        output_name = module.OUTPUT_NAMES.get(name, "result")
        models = fault_models(name, reference, cases, output_name, activations,
                              list(module.REFERENCES.values())) if kinds_of_fault and name in modelled else []
        through_callees = []
        for callee, written_with in calls.get(name, {}).items() if name in modelled else ():
            through_callees += callee_models(reference, callee, module.REFERENCES[callee],
                                             distinct_models(table[callee]), written_with)
        reference_observations = [case.observe(reference) for case in cases]
        models, model_observations = kept_models(reference_observations, models, observations(cases, models))
        through_callees, callee_observations = kept_models(reference_observations, through_callees,
                                                           observations(cases, through_callees), same_class=False)
        table[name] = Expected(cases, reference_observations, output_name, tuple(parameter_names(reference)), known,
                               observations(cases, known), models, model_observations, through_callees,
                               callee_observations, tuple(getattr(module, "PROBE_MESSAGES", {}).values()))
    return {name: table[name] for name in module.CHECKS}


def _with_callees(functions: set[str], calls: dict[str, dict]) -> set[str]:
    """The functions and every graded function they may call, directly or not."""
    found, pending = set(), list(functions)
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            pending += list(calls.get(name, {}))
    return found


def _callees_first(functions: list[str], calls: dict[str, dict]) -> list[str]:
    """The functions in an order where each comes after every function it may call (a cycle is an error)."""
    ordered: list[str] = []

    def visit(name, path):
        if name in path:
            raise ValueError(f"CALLS has a cycle: {' -> '.join(path + (name,))}")
        if name not in ordered:
            for callee in calls.get(name, {}):
                visit(callee, path + (name,))
            ordered.append(name)
    for name in functions:
        visit(name, ())
    return ordered


@dataclass(frozen=True)
class Wording:
    """The words around a verdict, in the student's language (i18n.hints.wording makes one from the grader's
    catalogue; the defaults here are the English, and i18n.template lists them as the catalogue's messages)."""
    hint: Callable[[Mistake], str]  # the sentence naming a mistake and the book section that explains it
    case_name: Callable[[str], str] = str  # a hidden case's name as the student reads it (the English is its id)
    text: Callable[[str], str] = str       # a template of the judge (checking.Detail, faults.Place, a probe's)
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
    # The kinds of fault (judge/faults.py), named when no known mistake agrees: one sentence per class, with the
    # place ({where}) and without it.
    fault_upstream: str = ("{function} calls your {where}, which fails its own checks; over it, your {function} "
                           "gives exactly what a correct {function} gives. Fix {where} first.")
    fault_upstream_raised: str = ("{function} fails inside your {where}, which fails its own checks: fix {source} "
                                  "first.")
    fault_upstream_chain: str = ("{function} calls your {where}, which fails its checks because of your {source}; "
                                 "over them, your {function} gives exactly what a correct {function} gives. Fix "
                                 "{source} first.")
    fault_overflow: str = ("Your outputs are right except where the inputs are large, where an exp (or another "
                           "function) overflows: use a numerically stable form, which only ever takes exp of "
                           "numbers that are not positive.")
    fault_activation: str = ("Your outputs are what the correct function gives with a nonlinearity, or its "
                             "derivative, wrong or left out ({where}). Check which of sigmoid, tanh or none each line "
                             "applies, and the derivative it uses.")
    fault_activation_somewhere: str = ("Your outputs are what the correct function gives with a nonlinearity, or its "
                                       "derivative, wrong or left out. Check which of sigmoid, tanh or none each line "
                                       "applies, and the derivative it uses.")
    fault_transpose: str = ("Your outputs are what the correct function gives with {where} transposed. The course "
                            "stores a weight as in the equations (W_xh of shape (H, D)) and multiplies a batch of row "
                            "vectors by its transpose, x_t @ W_xh.T; see the page Conventions across courses and "
                            "libraries.")
    fault_transpose_somewhere: str = ("Your outputs are what the correct function gives with a matrix transposed; "
                                      "see the page Conventions across courses and libraries.")
    fault_swap: str = "Your outputs are what the correct function gives with {where} exchanged."
    fault_swap_somewhere: str = ("Your outputs are what the correct function gives with two arguments, gates, "
                                 "states or outputs exchanged.")
    fault_missing_term: str = ("Your outputs are what the correct function gives without {where}: a term, factor or "
                               "input is left out.")
    fault_missing_term_somewhere: str = ("Your outputs are what the correct function gives with a term, factor or "
                                         "input left out.")
    fault_extra_term: str = ("Your outputs are what the correct function gives with a term that does not belong "
                             "({where}).")
    fault_extra_term_somewhere: str = ("Your outputs are what the correct function gives with a term, factor or "
                                       "input that does not belong.")
    fault_sign: str = "Your outputs are what the correct function gives with the sign of {where} flipped."
    fault_sign_somewhere: str = "Your outputs are what the correct function gives with a sign flipped."
    fault_scale: str = ("Your outputs are what the correct function gives with a wrong factor or normaliser "
                        "({where}): a mean for a sum, a missing 2 or 1 / (1 - p), say.")
    fault_scale_somewhere: str = ("Your outputs are what the correct function gives with a wrong factor or "
                                  "normaliser: a mean for a sum, a missing 2 or 1 / (1 - p), say.")
    fault_axis: str = ("Your outputs are what the correct function gives with an operation on {where} along the "
                       "wrong axis. The course is batch-first: a sequence batch x has shape (N, T, D), time is axis 1.")
    fault_axis_somewhere: str = ("Your outputs are what the correct function gives with an operation along the "
                                 "wrong axis.")
    fault_time: str = ("Your outputs are what the correct function gives with time in the wrong order or off by "
                       "one step ({where}).")
    fault_time_somewhere: str = ("Your outputs are what the correct function gives with time in the wrong order, "
                                 "off by one step, or a state not carried from one step to the next.")
    fault_time_restart: str = ("Your outputs are what the correct function gives when every step starts again from "
                               "the initial state: each new state must be carried to the next step.")
    fault_mask: str = ("Your outputs are what the correct function gives with {where} ignored or inverted: padded "
                       "positions must not count, and real ones must.")
    fault_mask_somewhere: str = ("Your outputs are what the correct function gives with the mask ignored or "
                                 "inverted: padded positions must not count, and real ones must.")
    fault_boundary: str = ("Your function goes wrong at an edge ({where}): an empty or all-zero input, a first or "
                           "last element.")
    fault_boundary_somewhere: str = ("Your function goes wrong at an edge case: an empty or all-zero input, a first "
                                     "or last element.")
    fault_in_place: str = ("Your outputs are right, but the call changed {where}. A function must leave its inputs as "
                           "it found them: write x = x - m, not x -= m or x[...] = ...")
    fault_in_place_somewhere: str = ("Your outputs are right, but the call changed one of its inputs. A function "
                                     "must leave its inputs as it found them: write x = x - m, not x -= m.")
    fault_dtype: str = ("Your values are right, but {where} has the wrong dtype: keep the dtype of the inputs "
                        "(float32 in, float32 out), neither upcast nor downcast.")
    fault_dtype_somewhere: str = ("Your values are right, but in the wrong dtype: keep the dtype of the inputs "
                                  "(float32 in, float32 out), neither upcast nor downcast.")
    fault_type_shape: str = ("A result, or a value computed on the way, has the wrong shape or type ({where}): "
                             "compare the shapes in the docstring with yours.")
    fault_type_shape_somewhere: str = ("A result, or a value computed on the way, has the wrong shape or type: "
                                       "compare the shapes in the docstring with yours.")
    fault_type_shape_matmul: str = ("A matrix product fails on shapes. The course multiplies a batch of row vectors "
                                    "by the transposed weight, x_t @ W_xh.T with x_t of shape (N, D) and W_xh of "
                                    "shape (H, D), not W_xh @ x_t (the column-vector form of the equations); see "
                                    "the page Conventions across courses and libraries.")
    fault_random: str = ("Your values depend on random numbers drawn differently ({where}): draw with the generator "
                         "you are given, as many times and in the order described.")
    fault_random_somewhere: str = ("Your values depend on random numbers drawn differently: draw with the generator "
                                   "you are given, as many times and in the order described.")

    def fault_message(self, function: str, finding: Finding) -> str:
        """The sentence naming a kind of fault and where it is, for `function`."""
        key = "fault_" + finding.fault.replace("-", "_")
        if finding.fault == UPSTREAM:
            key += "_raised" if finding.detail == "raised" else "_chain" if finding.source else ""
        elif finding.detail and hasattr(self, f"{key}_{finding.detail}"):
            key += "_" + finding.detail
        elif not finding.where and hasattr(self, key + "_somewhere"):
            key += "_somewhere"
        where = render_place(finding.where, self.text) if finding.where else finding.where
        return getattr(self, key).format(function=function, where=where, source=finding.source or where)


def wording_sentences() -> dict[str, str]:
    """{field: English sentence} of every Wording sentence: what a catalogue translates."""
    return {f.name: f.default for f in fields(Wording) if isinstance(f.default, str)}


ENGLISH = Wording(hint=lambda mistake: mistake.message)  # only for callers that name no mistake


@dataclass(frozen=True)
class Diagnosis:
    """What is wrong with one graded function, as the student reads it (`autograder.diagnose_function`)."""
    function: str
    failed: bool                     # whether it fails any of its hidden cases
    known: str | None = None         # the catalogued mistake that agrees on every case, by name
    fault: str | None = None         # its kind, one of judge.mistakes.FAULT_CLASSES, where one is named
    where: str | None = None         # the argument, term, gate, axis or (upstream) function involved
    message: str = ""                # what the student reads: the known mistake's hint, or the fault's sentence

    @classmethod
    def of(cls, function: str, failed: bool, finding: Finding | None, wording: Wording) -> Diagnosis:
        if finding is None:
            return cls(function, failed)
        if finding.known:
            return cls(function, failed, finding.known[0].name, finding.fault, finding.where,
                       wording.hint(finding.known[0]))
        return cls(function, failed, None, finding.fault, finding.where, wording.fault_message(function, finding))

    def as_dict(self) -> dict:
        return {"known": self.known, "fault": self.fault, "where": self.where, "message": self.message}


@dataclass
class FunctionVerdict:
    """The verdict on one graded function of one student: stored in the notebook, shown in the feedback."""
    function: str
    failed: bool
    headline: str                    # the one line a failing cell shows as its error
    cases: list[CaseResult]          # per hidden case: name, passed, message
    mistakes: list[dict]             # the known mistakes diagnosed, as Mistake.as_dict()
    text: str                        # what the student reads
    diagnosis: dict = field(default_factory=dict)  # Diagnosis.as_dict() of a failing function: known, fault, where
    finding: Finding | None = field(default=None, repr=False, compare=False)  # the judge's, not stored

    def as_dict(self) -> dict:
        return {"function": self.function, "failed": self.failed, "headline": self.headline,
                "cases": [{"name": c.name, "passed": c.passed, "message": c.message} for c in self.cases],
                "mistakes": list(self.mistakes), "text": self.text, "diagnosis": dict(self.diagnosis)}

    @classmethod
    def from_dict(cls, data: dict) -> FunctionVerdict:
        return cls(data["function"], bool(data["failed"]), data["headline"],
                   [CaseResult(c["name"], bool(c["passed"]), c.get("message", "")) for c in data["cases"]],
                   list(data.get("mistakes", [])), data.get("text", ""), dict(data.get("diagnosis") or {}))

    @property
    def upstream(self) -> bool:
        """Whether its failures are blamed on a graded function it calls."""
        return self.diagnosis.get("fault") == UPSTREAM


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
           points: float, upstream_credit: bool = False) -> CellVerdict:
        """Score a test cell. The visible asserts run in the student's kernel, where they can be fooled: passing
        them earns nothing by itself, failing them costs one unit. Each hidden case, judged out here, is one unit.

        upstream_credit: the hidden cases of a function diagnosed `upstream` count as passed (its mistake costs
        points once, in the function it calls; the assignment's UPSTREAM_CREDIT)."""
        units = sum(len(v.cases) or 1 for v in functions) + (visible_error is not None)
        passed = sum(len(v.cases) if upstream_credit and v.upstream else sum(c.passed for c in v.cases)
                     for v in functions)
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
                "diagnoses": [{"function": v.function, "known": v.diagnosis.get("known"),
                               "fault": v.diagnosis.get("fault"), "where": v.diagnosis.get("where")}
                              for v in self.functions if v.failed],
                "visible_passed": self.visible_passed,
                "partial_credit": self.partial_credit}


def missing_verdict(function: str, cases: list[Case], wording: Wording = ENGLISH) -> FunctionVerdict:
    """The verdict on a function whose outputs never arrived: each of its hidden cases counts as failed."""
    headline = wording.did_not_run.format(function=function)
    return FunctionVerdict(function, True, headline, [CaseResult(c.name, False, headline) for c in cases], [],
                           headline)


def decoded_emission(expected: Expected, emission: dict) -> tuple[list[Any], Trace | None] | None:
    """(per case the student's observation, what the kernel saw of its calls or None) from one emission; None when
    its outputs are missing or are not one per case."""
    raw = emission.get("outputs")
    if not isinstance(raw, list) or len(raw) != len(expected.cases):
        return None
    try:
        too_large = len(json.dumps(raw)) > MAX_EMISSION_BYTES
    except (TypeError, ValueError, RecursionError):
        too_large = True
    if too_large:
        return [Raised("MalformedEmission", Detail.EMISSION_TOO_LARGE)] * len(raw), None
    calls = decode_calls(emission.get("calls"), len(raw))
    return [decode_observation(r) for r in raw], None if calls is None else Trace(
        calls, decode_calls(emission.get("raised_in"), len(raw)) or [[] for _ in raw])


def judge_emission(function: str, expected: Expected, emission: dict, wording: Wording,
                   table: dict[str, Expected] | None = None, others: dict[str, Callee] | None = None
                   ) -> FunctionVerdict:
    """The verdict on one function from the kernel's emission: per case passed or failed, and the diagnosis.

    table, others: the assignment's Expected and the student's other functions, judged (judge_emissions), to
    blame a function this one calls; without them, nothing is blamed upstream."""
    decoded = decoded_emission(expected, emission)
    if decoded is None:
        return missing_verdict(function, expected.cases, wording)
    got, calls = decoded
    results = judge(function, expected.cases, got, expected.observations, expected.output_name, expected.parameters,
                    expected.probe_messages)
    finding = None
    if not all(r.passed for r in results):
        try:
            finding = diagnose(function, {**(table or {}), function: expected}, got, calls, others)
        except Exception:  # the student's outputs are anything at all: a diagnosis that fails is no diagnosis,
            finding = None  # never a grading error (the cases' verdicts above stand as they are)
    return function_verdict(function, results, finding, bool(expected.mistakes), wording)


def judge_emissions(table: dict[str, Expected], emissions: dict[str, dict], wording: Wording
                    ) -> dict[str, FunctionVerdict]:
    """The verdicts on one student's functions, {function: its emission} (each one due): a function is judged
    after those it may call, so that a mistake is blamed on the function that makes it (`upstream`)."""
    verdicts, others = {}, {}
    for function in [f for f in _callees_first(list(table), {f: dict.fromkeys(e.callees) for f, e in table.items()})
                     if f in emissions]:
        expected = table[function]
        verdicts[function] = verdict = judge_emission(function, expected, emissions[function], wording, table, others)
        decoded = decoded_emission(expected, emissions[function])
        if decoded is not None:
            others[function] = Callee(expected, decoded[0], verdict.failed, verdict.finding)
    return verdicts


def function_verdict(function: str, results: list[CaseResult], finding: Finding | None, catalogued: bool,
                     wording: Wording) -> FunctionVerdict:
    """A function's verdict, with the text the student reads."""
    passed = sum(r.passed for r in results)
    failed = passed < len(results)
    mistakes = list(finding.known) if finding is not None else []
    diagnosis = Diagnosis.of(function, failed, finding, wording)
    lines = [wording.cases_passed.format(function=function, passed=passed, total=len(results)) if failed
             else wording.all_cases_passed.format(function=function, total=len(results))]
    if failed:
        for r in results:
            outcome = wording.case_passed if r.passed else wording.case_failed
            lines.append(f"  {outcome}  {wording.case_name(r.name)}" + ("" if r.passed else f": {_detail(r, wording)}"))
        if mistakes:
            lines.append(wording.diagnosis + wording.hint(mistakes[0]))
            for other in mistakes[1:]:
                lines.append(wording.alternative + wording.hint(other))
        elif diagnosis.fault:
            lines.append(wording.diagnosis + diagnosis.message)
        elif catalogued:
            lines.append(wording.no_match)
    first_failure = next((f"{function} [{wording.case_name(r.name)}]: {_detail(r, wording)}"
                          for r in results if not r.passed), "")
    headline = first_failure + (" " + diagnosis.message if diagnosis.message else "")
    return FunctionVerdict(function, failed, headline or lines[0],
                           [CaseResult(r.name, r.passed, r.message) for r in results],
                           [m.as_dict() for m in mistakes], "\n".join(lines), diagnosis.as_dict() if failed else {},
                           finding)


def _detail(result: CaseResult, wording: Wording) -> str:
    """What is wrong in one failed case, in the student's language (its English message without its place)."""
    if result.detail is not None:
        return result.detail.render(wording.text)
    place = f" [{result.name}]: "
    return result.message.split(place, 1)[1] if place in result.message else result.message


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

