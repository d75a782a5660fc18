"""Hidden checks, one module per assignment, called from the test cells of solutions/<assignment>.

Each module exposes `CHECKS` (graded function name -> its list of cases), `REFERENCES` (name -> the
reference implementation) and `check(name, student_fn)`, which a notebook's hidden test block calls:

    ### BEGIN HIDDEN TESTS
    from autograder.hidden import a01_rnn_forward as hidden
    hidden.check("rnn_step", rnn_step)
    ### END HIDDEN TESTS
"""
from __future__ import annotations

import importlib
from types import ModuleType

import cloudpickle

from ..judge import checking
from ..judge.mistakes import Mistake
from ..judge.verdicts import Expected, expected_outputs

_expected: dict[tuple, dict[str, Expected]] = {}


def load(assignment: str) -> ModuleType:
    """The hidden module of an assignment (raises ImportError for an unknown one)."""
    return importlib.import_module(f"{__name__}.{assignment}")


def mistakes(assignment: str) -> dict[str, list[Mistake]]:
    """{function: [Mistake, ...]}, the assignment's catalogue of known mistakes; {} if it has none."""
    return getattr(load(assignment), "MISTAKES", {})


def partial_credit(assignment: str) -> bool:
    """Whether a test cell earns the passed fraction of its points (PARTIAL_CREDIT, True unless set)."""
    return bool(getattr(load(assignment), "PARTIAL_CREDIT", True))


def upstream_credit(assignment: str) -> bool:
    """Whether a function diagnosed `upstream` of a failing function it calls earns its cases' points, its mistake
    costing points once, where it is made (UPSTREAM_CREDIT, False unless set: see the hidden modules)."""
    return bool(getattr(load(assignment), "UPSTREAM_CREDIT", False))


def expected(assignment: str, functions: set[str] | None = None, kinds_of_fault: bool = True
             ) -> dict[str, Expected]:
    """{function: what its outputs are judged against}: the reference's, the known mistakes' and the fault models'
    observations (judge.verdicts.expected_outputs).

    Computed once per process: the grader computes it before forking its workers, which inherit it. `check`
    asks first without the kinds of fault (to find what fails), then for the models of `functions` only.
    """
    key = (assignment, None if functions is None else frozenset(functions), kinds_of_fault)
    if key not in _expected:
        _expected[key] = expected_outputs(load(assignment), kinds_of_fault, functions)
    return _expected[key]


def forget_expected() -> None:
    """Drop what `expected` computed, so that the next call computes it again (benchmarks time it)."""
    _expected.clear()


def write_cases_file(assignment: str, path: str) -> None:
    """Pickle the hidden cases (inputs and probes; no reference code, no expected outputs) for the kernel."""
    module = load(assignment)
    # By value: the kernel has no autograder package to import these from.
    cloudpickle.register_pickle_by_value(checking)
    cloudpickle.register_pickle_by_value(module)
    try:
        with open(path, "wb") as handle:
            cloudpickle.dump({assignment: module.CHECKS}, handle)
    finally:
        cloudpickle.unregister_pickle_by_value(module)
        cloudpickle.unregister_pickle_by_value(checking)
