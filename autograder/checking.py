"""Comparison machinery for hidden tests: seeded cases, stated tolerances, messages that say what is wrong.

A hidden test is a list of `Case`s. Each case runs the student's function and the reference on the same
(copied) inputs and compares every output: its type, its shape, that it is finite, then its values within
the case's tolerance. The first mismatch raises an AssertionError naming the function, the case and the
output, e.g. "rnn_step [batch of 1]: h_next has shape (2, 5), expected (1, 5)".
"""
import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

# Tolerances for float64 and float32 inputs. Any correct float64 implementation agrees with the reference
# to ~1e-12; the gap to these bounds is room for a different but equivalent order of operations.
FLOAT64_TOL = dict(rtol=1e-6, atol=1e-8)
FLOAT32_TOL = dict(rtol=1e-4, atol=1e-5)


@dataclass(frozen=True)
class Case:
    """One hidden test case.

    name:      short description shown in failure messages ("batch of 1", "large pre-activations").
    args, kwargs: inputs; every call gets a deep copy, so in-place edits by one side cannot leak.
    run:       optional probe, run(fn) -> outputs, for cases that need more than fn(*args), e.g. checking
               that inputs were not modified. Default: fn(*args, **kwargs).
    strict_fp: run the student's code with numpy overflow / invalid operations raised as errors, to catch
               formulas that only work because inf happens to round to the right answer.
    """
    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    rtol: float = FLOAT64_TOL["rtol"]
    atol: float = FLOAT64_TOL["atol"]
    run: Optional[Callable[[Callable], Any]] = None
    strict_fp: bool = False

    def outputs(self, fn):
        if self.run is not None:
            return self.run(fn)
        return fn(*copy.deepcopy(self.args), **copy.deepcopy(self.kwargs))


def random_normal(seed, *shape, scale=1.0, dtype=np.float64):
    """Seeded standard-normal array times `scale`, as `dtype`."""
    return (scale * np.random.default_rng(seed).standard_normal(shape)).astype(dtype)


def assert_matches(got, expected, name, rtol, atol):
    """Compare an output with the reference's, recursively through tuples, lists and dicts."""
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)):
            raise AssertionError(f"{name} should be a tuple of {len(expected)} items, got {type(got).__name__}")
        if len(got) != len(expected):
            raise AssertionError(f"{name} should have {len(expected)} items, got {len(got)}")
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_matches(g, e, f"{name}[{i}]", rtol, atol)
        return
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            raise AssertionError(f"{name} should be a dict with keys {sorted(expected)}, got {type(got).__name__}")
        missing = sorted(set(expected) - set(got))
        if missing:
            raise AssertionError(f"{name} is missing the keys {missing}")
        for key in expected:
            assert_matches(got[key], expected[key], f"{name}[{key!r}]", rtol, atol)
        return
    if got is None:
        raise AssertionError(f"{name} is None: did the function forget to return it?")
    try:
        got_array = np.asarray(got, dtype=float) if not _is_tensor(got) else got.detach().numpy()
    except (TypeError, ValueError):
        raise AssertionError(f"{name} should be numeric, got {type(got).__name__}") from None
    expected_array = np.asarray(expected, dtype=float) if not _is_tensor(expected) else expected.detach().numpy()
    if got_array.shape != expected_array.shape:
        raise AssertionError(f"{name} has shape {got_array.shape}, expected {expected_array.shape}")
    if not np.all(np.isfinite(got_array)) and np.all(np.isfinite(expected_array)):
        raise AssertionError(f"{name} contains nan or inf; the reference is finite (an overflow?)")
    diff = np.abs(got_array - expected_array)
    bound = atol + rtol * np.abs(expected_array)
    if np.any(diff > bound):
        worst = np.unravel_index(np.argmax(diff - bound), diff.shape) if diff.ndim else ()
        raise AssertionError(
            f"{name} differs from the reference by up to {diff.max():.3g} "
            f"(at index {tuple(int(i) for i in worst)}: got {got_array[worst]:.6g}, "
            f"expected {expected_array[worst]:.6g}; tolerance rtol={rtol:g}, atol={atol:g})")


def _is_tensor(value):
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def check_function(function_name, student_fn, reference_fn, cases, output_name="result"):
    """Run every case on the student's function and the reference; raise on the first mismatch.

    Returns None on purpose: nbgrader reads a number left as a test cell's last value as partial credit.
    """
    if not callable(student_fn):
        raise AssertionError(f"{function_name} is not a function")
    for case in cases:
        expected = case.outputs(reference_fn)
        where = f"{function_name} [{case.name}]"
        try:
            if case.strict_fp:
                with np.errstate(over="raise", invalid="raise", divide="raise"):
                    got = case.outputs(student_fn)
            else:
                got = case.outputs(student_fn)
        except FloatingPointError as error:
            raise AssertionError(
                f"{where}: numpy reported '{error}'. Use a numerically stable formulation "
                f"(no exp of large positive numbers).") from None
        assert_matches(got, expected, f"{where}: {output_name}", case.rtol, case.atol)
    print(f"{function_name}: {len(cases)} hidden cases passed")


def call_probe(args, kwargs=None, twin=None, after=None, inputs_after=None):
    """The probe of most cases: call the function on (copies of) the inputs.

    twin: the kind of second opinion ("torch", "gradient check") a ReferenceWithTwins answers with; None for
          the numpy reference. The student's function is always called as itself.
    after: applied to the result (e.g. to name the gradients a backward pass returns).
    inputs_after: names of the arguments to return, as they are after the call, next to the result (they must
          be unchanged, as the reference leaves them).
    """
    def run(fn):
        a, k = copy.deepcopy(args), copy.deepcopy(kwargs or {})
        f = fn.twins[twin] if twin is not None and isinstance(fn, ReferenceWithTwins) else fn
        result = f(*a, **k)
        result = after(result) if after is not None else result
        if inputs_after is None:
            return result
        return {"result": result, **{f"{name} after the call (must be unchanged)": value
                                     for name, value in zip(inputs_after, a) if name}}
    return run


class ReferenceWithTwins:
    """A reference with second opinions, used only on the grader's side: calling it runs the numpy reference;
    the probes of the cases with a second opinion call twins[kind] instead, so that their expected outputs
    come from there (torch, or finite differences)."""

    def __init__(self, numpy_fn, **twins):
        self.numpy_fn = numpy_fn
        self.twins = {kind.replace("_", " "): fn for kind, fn in twins.items()}
        self.__name__ = numpy_fn.__name__

    def __call__(self, *args, **kwargs):
        return self.numpy_fn(*args, **kwargs)
