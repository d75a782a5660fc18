"""Expected tables as data (judge/evidence.py): written and read back, they judge every submission as before."""
import json
import warnings
from typing import Any, NamedTuple

import numpy as np
import pytest

from autograder import hidden
from autograder.course import list_assignments
from autograder.isolation.sandbox import kernel_shim
from autograder.judge import evidence
from autograder.judge.checking import Case, Raised
from autograder.judge.evidence import dump_expected, load_expected, signatures
from autograder.judge.mistakes import Mistake
from autograder.judge.verdicts import ENGLISH, Expected, judge_emission

SHIM = kernel_shim()


def through_json(data):
    return json.loads(json.dumps(data))


@pytest.mark.parametrize("assignment", list_assignments())
def test_a_table_read_back_judges_the_reference_and_every_mistake_as_before(assignment):
    """The verdicts (cases, messages, diagnosis) on the practice cases are the same from the live table and from
    the stored one, for the reference and for every known mistake answering as a student."""
    table = hidden.practice_expected(assignment)
    loaded = load_expected(through_json(dump_expected(table, SHIM.encode)))
    module = hidden.practice(assignment)
    judged = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for function, expected in table.items():
            assert [c.name for c in loaded[function].cases] == [c.name for c in expected.cases]
            assert all(m.fn is None for m in loaded[function].mistakes)
            assert [m.as_dict() for m in loaded[function].mistakes] == [m.as_dict() for m in expected.mistakes]
            for fn in [module.REFERENCES[function], *(m.fn for m in expected.mistakes)]:
                emission = through_json({"outputs": SHIM.observe_cases(module.CHECKS[function], fn)})
                live = judge_emission(function, expected, emission, ENGLISH)
                stored = judge_emission(function, loaded[function], emission, ENGLISH)
                assert stored.as_dict() == live.as_dict(), f"{function}: {live.text}\n---\n{stored.text}"
                judged += 1
    assert judged > len(table)


class Extended(NamedTuple):
    """Expected with fields of the kinds issue 25 adds: more mistakes, and per-case observations of them."""
    cases: list[Case]
    observations: list[Any]
    output_name: str
    parameters: tuple[str, ...]
    mistakes: list[Mistake]
    mistake_observations: list[list]
    generic_faults: list[Mistake]
    upstream_observations: list[list]


def test_a_field_added_later_travels_without_a_change(monkeypatch):
    cases = [Case("one", rtol=1e-3), Case("two", strict_fp=True)]
    observed = [(np.arange(3.0), {"#0": np.ones(2)}), Raised("ValueError", "bad shape")]
    mistake = Mistake("sign flipped", abs, "Flip it back.", "02_vanilla_rnn#x", "sign", "W_hh")
    table = {"f": Extended(cases, observed, "y", ("x", "W"), [mistake], [observed], [mistake], [observed, observed])}
    monkeypatch.setattr(evidence, "Expected", Extended)
    loaded = load_expected(through_json(dump_expected(table, SHIM.encode)))["f"]
    assert isinstance(loaded, Extended) and loaded.parameters == ("x", "W") and loaded.output_name == "y"
    assert [(c.name, c.rtol, c.strict_fp) for c in loaded.cases] == [("one", 1e-3, False), ("two", 1e-6, True)]
    assert loaded.generic_faults[0].as_dict() == mistake.as_dict() and loaded.generic_faults[0].fn is None
    for observations in (loaded.observations, *loaded.upstream_observations):
        (outputs, inputs), raised = observations
        assert np.array_equal(outputs, np.arange(3.0)) and np.array_equal(inputs["#0"], np.ones(2))
        assert (raised.kind, raised.message) == ("ValueError", "bad shape")


def test_today_expected_is_read_by_its_annotations():
    assert {field: evidence._kind(field) for field in Expected._fields} == {
        "cases": "cases", "observations": "observations", "output_name": "plain", "parameters": "plain",
        "mistakes": "mistakes", "mistake_observations": "observations",
        "fault_models": "mistakes", "fault_observations": "observations",
        "callee_models": "mistakes", "callee_observations": "observations", "probe_messages": "plain"}


def test_signatures_name_distinctive_arrays_only():
    rng = np.random.default_rng(0)
    values = rng.standard_normal((3, 4))
    assert signatures(values) and signatures({"a": [values]}) == signatures(values)
    assert signatures(values.astype(np.float32)) == signatures(values)  # 6 significant digits: either dtype
    assert not signatures(np.full((4, 4), 0.5))          # sigmoid of zeros
    assert not signatures(np.eye(5))                     # one-hot rows
    assert not signatures(np.arange(40))                 # counts and ids below 100
    assert not signatures(np.array([1.0, 2.0, np.nan, 3.0, 4.0]))
