"""The student edition's practice cases: the hidden cases' own generators with other seeds.

Same names and kinds as the graded cases, other numbers; a seed handed to the student's function differs too;
no stored practice evidence shows a graded expected output; and the pickle students get holds nothing of the
reference implementations or the known mistakes' code.
"""
import ast
import json
import os
import pickle
import pickletools
import re
import subprocess
import sys

import numpy as np
import pytest

from autograder import hidden
from autograder.course import REPO_ROOT, list_assignments
from autograder.isolation.sandbox import kernel_shim
from autograder.judge import checking
from autograder.judge.checking import PRACTICE_SEED_MIN, practice_seeds, random_normal, seeded
from autograder.judge.evidence import signatures

ASSIGNMENTS = list_assignments()
HIDDEN_DIR = os.path.join(REPO_ROOT, "autograder", "hidden")


def test_seeds_are_as_written_outside_practice_and_keyed_inside():
    assert seeded(42) == 42
    with practice_seeds("one key"):
        first = [seeded(s) for s in range(200)]
        again = random_normal(7, 3)
    with practice_seeds("another key"):
        other = [seeded(s) for s in range(200)]
    assert seeded(42) == 42, "the key outlived its context"
    assert len(set(first)) == 200 and min(first) >= PRACTICE_SEED_MIN
    assert first != other
    assert not np.array_equal(again, random_normal(7, 3))
    with pytest.raises(ValueError):
        with practice_seeds(""):
            pass


@pytest.mark.parametrize("name", sorted(n for n in os.listdir(HIDDEN_DIR)
                                        if re.match(r"a\d\d_\w+\.py$", n) and "_mistakes" not in n))
def test_every_seed_of_a_hidden_module_goes_through_the_judge(name):
    """A generator seeded any other way would give the practice cases the graded inputs."""
    tree = ast.parse(open(os.path.join(HIDDEN_DIR, name), encoding="utf-8").read())
    # A probe may make its generator from a seed its case builder resolved first: `seed = seeded(seed)`.
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                        and getattr(node.value.func, "id", None) == "seeded":
                    for inner in ast.walk(function):
                        if isinstance(inner, ast.Call) and getattr(inner.func, "attr", None) == "default_rng" \
                                and [getattr(a, "id", None) for a in inner.args] in ([t.id] for t in node.targets):
                            inner.func.attr = "default_rng (of a resolved seed)"
    wrong = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("default_rng", "RandomState", "seed", "manual_seed",
                                                              "Generator", "PCG64"):
            wrong.append(f"line {node.lineno}: .{node.attr}")
    assert not wrong, f"{name} seeds outside judge.checking.seeded/generator: {wrong}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_practice_cases_are_the_graded_kinds_with_other_numbers(assignment):
    graded, practice = hidden.load(assignment), hidden.practice(assignment)
    assert list(practice.CHECKS) == list(graded.CHECKS)
    dropped = set(practice.DROPPED)
    assert len(dropped) <= 2, f"{assignment}: too many practice cases dropped: {sorted(dropped)}"
    encode, same = kernel_shim().encode, []
    for function, cases in graded.CHECKS.items():
        kept = [c.name for c in practice.CHECKS[function]]
        assert kept == [c.name for c in cases if f"{function} [{c.name}]" not in dropped]
        assert kept, f"{function} has no practice case left"
        ours = {c.name: c for c in practice.CHECKS[function]}
        for case in cases:
            if case.name in ours:
                mine = ours[case.name]
                assert (mine.rtol, mine.atol, mine.strict_fp) == (case.rtol, case.atol, case.strict_fp)
                reference = graded.REFERENCES[function]
                mine, theirs = mine.observe(reference), case.observe(reference)
                if json.dumps(encode(mine)) == json.dumps(encode(theirs)):
                    assert not signatures(mine), f"{function} [{case.name}]"
                    same.append(f"{function} [{case.name}]")
    # Measured: 10 of 323 (zeros in, zeros out; two scalars; irnn_init's properties; differences from torch).
    total = sum(len(c) for c in practice.CHECKS.values())
    assert len(same) <= 0.1 * total, f"{len(same)} of {total} practice cases equal their graded twins: {same}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_practice_evidence_shows_a_graded_expected_output(assignment):
    shown = set()
    for table in hidden.expected(assignment).values():
        for observation in table.observations:
            shown |= signatures(observation)
    assert shown
    for function, table in hidden.practice_expected(assignment).items():
        stored = [table.observations, *table.mistake_observations]
        assert not shown & signatures(stored), f"{assignment}: {function}"


class Spy:
    """Stands in for a student's function: records every seed and random generator a case hands it."""

    def __init__(self):
        self.seen = []

    def __call__(self, *args, **kwargs):
        for value in [*args, *kwargs.values()]:
            if isinstance(value, np.random.Generator):
                self.seen.append(("generator", repr(value.bit_generator.state)))
        if "seed" in kwargs:
            self.seen.append(("seed", kwargs["seed"]))
        raise RuntimeError("a spy answers nothing")


def handed(case):
    spy = Spy()
    try:
        case.observe(spy)
    except Exception:
        pass
    return spy.seen


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_seed_or_generator_handed_to_the_student_differs_in_practice(assignment):
    graded, practice = hidden.load(assignment), hidden.practice(assignment)
    for function, cases in practice.CHECKS.items():
        twins = {c.name: c for c in graded.CHECKS[function]}
        for case in cases:
            mine, theirs = handed(case), handed(twins[case.name])
            assert len(mine) == len(theirs)
            for (kind, value), (_, graded_value) in zip(mine, theirs):
                assert value != graded_value, f"{function} [{case.name}] hands the graded {kind}"
                if kind == "seed":
                    assert value >= PRACTICE_SEED_MIN


def test_the_seeds_handed_to_students_were_found():
    """The spy above is not idle: irnn_init gets a seed and sample_next a generator."""
    assert any(handed(c) for c in hidden.practice("a05_deep_variants").CHECKS["irnn_init"])
    assert any(handed(c) for c in hidden.practice("a06_char_lm").CHECKS["sample_next"])


def modules_referenced(data: bytes) -> set[str]:
    """The modules a pickle imports from (GLOBAL, and STACK_GLOBAL's module string)."""
    found, strings = set(), []
    for opcode, argument, _ in pickletools.genops(data):
        if opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(argument)
        elif opcode.name == "MEMOIZE":
            continue
        elif opcode.name == "GLOBAL":
            found.add(argument.split(" ")[0])
        elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
            found.add(strings[-2])
    return found


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_practice_pickle_holds_no_reference_and_no_mistake(assignment, tmp_path):
    path = tmp_path / "cases.pkl"
    hidden.write_cases_file(assignment, str(path), practice_cases=True)
    data = path.read_bytes()
    imported = modules_referenced(data)
    assert not [m for m in imported if m.startswith(("autograder", hidden.PRACTICE_PREFIX))], imported
    for secret in ("autograder.reference", "autograder/reference", "_mistakes", hidden.PRACTICE_KEY,
                   os.path.join("autograder", "hidden", assignment)):
        assert secret.encode() not in data, f"{assignment}: {secret!r} in the practice pickle"
    # Loaded where no autograder can be imported, every case runs.
    script = (f"import pickle, sys\nsys.modules['autograder'] = None\n"
              f"cases = pickle.load(open({str(path)!r}, 'rb'))[{assignment!r}]\n"
              f"print(sum(len(c) for c in cases.values()))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == sum(len(c) for c in hidden.practice(assignment).CHECKS.values())
    assert pickle.loads(data)[assignment].keys() == hidden.load(assignment).CHECKS.keys()


def test_the_practice_module_is_not_the_graded_one():
    practice = hidden.practice("a01_rnn_forward")
    assert practice is not hidden.load("a01_rnn_forward")
    assert practice.__name__ == hidden.PRACTICE_PREFIX + "a01_rnn_forward"
    assert checking._practice_key is None  # the key is set only while the practice module runs
