"""Hidden checks, one module per assignment, called from the test cells of solutions/<assignment>.

Each module exposes `CHECKS` (graded function name -> its list of cases), `REFERENCES` (name -> the
reference implementation) and `check(name, student_fn)`, which a notebook's hidden test block calls:

    ### BEGIN HIDDEN TESTS
    from autograder.hidden import a01_rnn_forward as hidden
    hidden.check("rnn_step", rnn_step)
    ### END HIDDEN TESTS
"""
from __future__ import annotations

import ast
import importlib
import sys
from types import ModuleType

import cloudpickle

from ..judge import checking
from ..judge.evidence import signatures
from ..judge.mistakes import Mistake
from ..judge.verdicts import Expected, expected_outputs

# The key from which the practice cases' seeds are made (judge.checking.seeded). It stays in this repository,
# as the graded cases do: the student edition's leak test checks that it appears nowhere in the edition. A new
# key gives new practice cases (README.md, "The student edition").
PRACTICE_KEY = "gate-by-gate practice cases, first term"
PRACTICE_PREFIX = "gatebygate_practice_"  # + the assignment: the practice module's name

_expected: dict[tuple | str, dict[str, Expected]] = {}  # (assignment, functions, kinds of fault), or practice
_practice: dict[str, ModuleType] = {}


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


# ---------------------------------------------------------------------------------------------- practice cases
def practice(assignment: str) -> ModuleType:
    """The assignment's practice cases: its hidden module executed afresh, as another module, with every seed
    replaced (judge.checking.practice_seeds), so that the same generators give cases of the same names and kinds
    with other numbers. Its docstrings are left out: its probes travel to students in the edition's pickle.

    A practice case whose stored evidence (the reference's observation, a known mistake's) shows a distinctive
    array of any graded case's expected observation is dropped (judge.evidence.signatures: four consecutive
    values, finite, pairwise different at 6 significant digits and not round). Only cases whose inputs no seed
    reaches can coincide; a dropped case's name is in `DROPPED`.
    """
    if assignment not in _practice:
        graded = load(assignment)
        path = graded.__file__
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), path)
        module = ModuleType(PRACTICE_PREFIX + assignment)
        module.__package__ = __name__  # its relative imports are the hidden module's own
        sys.modules[module.__name__] = module  # cloudpickle pickles by value only a module it finds there
        code = compile(_without_docstrings(tree), f"<practice cases of {assignment}>", "exec", dont_inherit=True)
        with checking.practice_seeds(PRACTICE_KEY):
            exec(code, module.__dict__)
        module.DROPPED = _drop_coincidences(module, assignment)
        _practice[assignment] = module
    return _practice[assignment]


def practice_expected(assignment: str) -> dict[str, Expected]:
    """{function: Expected} of the practice cases: what the student edition judges against (stored as data)."""
    key = PRACTICE_PREFIX + assignment
    if key not in _expected:
        _expected[key] = expected_outputs(practice(assignment))
    return _expected[key]


def _without_docstrings(tree: ast.Module) -> ast.Module:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                node.body = node.body[1:] or [ast.Pass()]
    return tree


def _drop_coincidences(module: ModuleType, assignment: str) -> list[str]:
    """Take out of module.CHECKS every practice case whose evidence shows a graded expected output; their names."""
    shown = set()
    for table in expected(assignment).values():
        for observation in table.observations:
            shown |= signatures(observation)
    dropped = []
    for function, table in expected_outputs(module).items():
        kept = []
        for index, case in enumerate(table.cases):
            evidence = [per_case[index] for per_case in _per_case_fields(table)]
            if shown & signatures(evidence):
                dropped.append(f"{function} [{case.name}]")
            else:
                kept.append(case)
        module.CHECKS[function] = kept
    return dropped


def _per_case_fields(table: Expected) -> list[list]:
    """Every list in an Expected that holds one item per case (observations, each mistake's observations, and any
    such field added later), but the cases themselves."""
    count, found = len(table.cases), []
    for value in table._asdict().values():
        if value is table.cases or not isinstance(value, list):
            continue
        if len(value) == count and not any(isinstance(v, Mistake) for v in value):
            found.append(value)
        found.extend(v for v in value if isinstance(v, list) and len(v) == count)
    return found


def write_cases_file(assignment: str, path: str, practice_cases: bool = False) -> None:
    """Pickle the hidden cases, or the practice cases, (inputs and probes; no reference code, no expected
    outputs) for the kernel."""
    module = practice(assignment) if practice_cases else load(assignment)
    # By value: the kernel has no autograder package to import these from.
    cloudpickle.register_pickle_by_value(checking)
    cloudpickle.register_pickle_by_value(module)
    try:
        with open(path, "wb") as handle:
            cloudpickle.dump({assignment: module.CHECKS}, handle)
    finally:
        cloudpickle.unregister_pickle_by_value(module)
        cloudpickle.unregister_pickle_by_value(checking)
