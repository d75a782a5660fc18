"""Kinds of fault (issue 25): what a failing function got wrong when no catalogued mistake gives its outputs.

Two kinds of evidence, both judged outside the kernel on the student's emitted observations:

* fault models (`fault_models`, `callee_models`): the reference under one transformation, of its inputs (one
  argument or dict entry transposed, zeroed, negated; two exchanged; the gates of a parameter dict exchanged; a
  mask ignored or inverted; time read backwards or on the wrong axis), of its outputs (one negated, transposed,
  two exchanged; each step run from the initial state), of the nonlinearities it calls (one call site of sigmoid,
  tanh, relu or softmax replaced by another or by none), or with a graded function it calls replaced by one of
  that function's own models. Each model is a `Mistake` with `fault` and `where` set; its observations of the
  cases are computed once per run, as the known mistakes' are (verdicts.expected_outputs).
* outcome evidence (`outcome_faults`): relations between the student's observations and the reference's, which
  need no model: an output negated, rescaled, transposed, reversed or shifted in time, two outputs exchanged;
  the right values in another dtype; the right outputs with an input written into; non-finite values or
  overflow errors only where the inputs are large; a result or an intermediate of the wrong shape or type.

A class is named only when its evidence holds on every case, and only when all the evidence that holds names
one class: where two models of different classes agree with the student, there is no diagnosis (`diagnose`).
"""
from __future__ import annotations

import hashlib
import inspect
import re
import sys
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Callable, Iterator, NamedTuple

import numpy as np

from .checking import Case, Message, Raised, Unreadable, input_label, judge_case, observe_safely
from .mistakes import Mistake, agrees
from .mutations import mutants

Path = tuple  # ("W_hh",) an argument; ("params", "W_f") an entry of a dict argument; ("grads", 0) an item of a list

UPSTREAM = "upstream"
# A caller that gives what the correct caller gives over a callee model shows that model's class only where the
# fault carries over in the maths: a callee writing into its input, or answering in float64, makes its caller's
# values wrong in some other way.
INHERITED = {"activation", "transpose", "swap", "missing-term", "extra-term", "sign", "scale", "axis", "time", "mask"}
# Which nonlinearity a model puts in place of each (None: the identity, i.e. the nonlinearity left out).
SUBSTITUTES = {"sigmoid": ("tanh", None), "tanh": ("sigmoid", None), "relu": ("tanh", None),
               "softmax": ("sigmoid", None)}
MAX_MODELS = 400
RESTART = "each step starts again from the initial state"
NEGATED = " of the negated pre-activation"
NEGATED_SIGMOID = "sigmoid" + NEGATED  # per function: a guard against a declaration that multiplies them


class Place:
    """How a fault's place (Finding.where) joins names: in English it is the id results keep; a student reads it
    with each template translated (render_place). A name itself is code and stays as it is."""
    BOTH = "{first} and {second}"     # two things exchanged: "W_xh and W_hh", "z and 1 - z"
    IN = "{name} in {site}"           # a nonlinearity of a function it calls: "tanh in rnn_step"
    EITHER = "{first} or {second}"    # where several places agree: "W_hh or b_h"

    @classmethod
    def join(cls, places: list[str]) -> str:
        """The places as one, "a or b or c"."""
        joined = places[0]
        for place in places[1:]:
            joined = cls.EITHER.format(first=joined, second=place)
        return joined


def place_templates() -> list[str]:
    """Place's templates: what a catalogue translates of a place."""
    return [Place.BOTH, Place.IN, Place.EITHER]


def render_place(where: str, translate: Callable[[str], str] = str) -> str:
    """A place as the student reads it: "tanh in rnn_step or W_hh" with each joining template translated."""
    for template in (Place.EITHER, Place.BOTH, Place.IN):
        found = Message.parse(where, [template])
        if found is not None:
            parts = {key: render_place(value, translate) for key, value in found.values.items()}
            return Message(template, parts).render(translate)
    return where


# ------------------------------------------------------------------------------------------ the fault models
class FaultModel:
    """The reference under one transformation: of its arguments (`inputs`), its result (`outputs`), or, while it
    runs, of the functions it calls (`patches`, context managers). Called like the student's function."""

    def __init__(self, reference: Callable, inputs: Callable | None = None, outputs: Callable | None = None,
                 patches: tuple[Callable, ...] = (), around: Callable | None = None) -> None:
        self.reference = getattr(reference, "numpy_fn", reference)
        self.signature = inspect.signature(self.reference)
        self.inputs, self.outputs, self.patches, self.around = inputs, outputs, patches, around
        self.__name__ = self.reference.__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        bound = self.signature.bind(*args, **kwargs)
        given = dict(bound.arguments)
        if self.inputs is not None:
            self.inputs(bound.arguments)
        with ExitStack() as stack:
            for patch in self.patches:
                stack.enter_context(patch())
            if self.around is not None:
                result = self.around(self.reference, bound)
            else:
                result = self.reference(*bound.args, **bound.kwargs)
        if self.inputs is not None:  # an input the result hands back (a cache) is the caller's, as given
            result = _restored(result, _changes(given, bound.arguments))
        return self.outputs(result, given) if self.outputs is not None else result


def _changes(given: dict, changed: dict) -> dict[int, Any]:
    """{id of a changed value: the value given} for each argument, and each entry of a dict or list argument."""
    found = {}
    for name, value in changed.items():
        original = given.get(name)
        if value is not original:
            found[id(value)] = original
            if isinstance(value, (dict, list, tuple)) and isinstance(original, type(value)):
                items = value.items() if isinstance(value, dict) else enumerate(value)
                for key, item in items:
                    before = original.get(key) if isinstance(original, dict) else (
                        original[key] if key < len(original) else None)
                    if item is not before and before is not None:
                        found[id(item)] = before
    return found


def _restored(result: Any, changes: dict[int, Any], depth: int = 0) -> Any:
    if id(result) in changes:
        return changes[id(result)]
    if depth < 3 and isinstance(result, tuple):
        return tuple(_restored(item, changes, depth + 1) for item in result)
    if depth < 3 and isinstance(result, list):
        return [_restored(item, changes, depth + 1) for item in result]
    if depth < 3 and isinstance(result, dict):
        return {key: _restored(item, changes, depth + 1) for key, item in result.items()}
    return result


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) or (type(value).__module__.startswith("torch") and hasattr(value, "detach"))


def _is_float_array(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "f"
    return _is_array(value) and bool(value.is_floating_point())


def _get(arguments: dict, path: Path) -> Any:
    value = arguments.get(path[0])
    for key in path[1:]:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _set(arguments: dict, path: Path, value: Any) -> None:
    """Put `value` at `path`, copying the container it sits in (the caller's dict or list stays as it was)."""
    if len(path) == 1:
        arguments[path[0]] = value
        return
    container = arguments[path[0]]
    copied = dict(container) if isinstance(container, dict) else list(container)
    copied[path[1]] = value
    arguments[path[0]] = tuple(copied) if isinstance(container, tuple) else copied


def _leaves(arguments: dict) -> dict[Path, Any]:
    """The arrays among the arguments: each argument, and each entry of a dict, list or tuple argument."""
    found = {}
    for name, value in arguments.items():
        if _is_array(value):
            found[(name,)] = value
        elif isinstance(value, dict):
            found.update({(name, key): item for key, item in value.items() if _is_array(item)})
        elif isinstance(value, (list, tuple)):
            found.update({(name, i): item for i, item in enumerate(value) if _is_array(item)})
    return found


def path_label(path: Path) -> str:
    """("W_hh",) -> "W_hh"; ("params", "W_f") -> "W_f"; ("grads", 0) -> "grads[0]"."""
    if len(path) == 1:
        return str(path[0])
    return str(path[1]) if isinstance(path[1], str) else f"{path[0]}[{path[1]}]"


def _transform(path: Path, change: Callable[[Any], Any]) -> Callable[[dict], None]:
    def apply(arguments):
        value = _get(arguments, path)
        if value is not None and _is_array(value):
            changed = change(value)
            if changed is not None:
                _set(arguments, path, changed)
    return apply


def _swap(first: Path, second: Path) -> Callable[[dict], None]:
    def apply(arguments):
        a, b = _get(arguments, first), _get(arguments, second)
        if a is not None and b is not None:
            _set(arguments, first, b)
            _set(arguments, second, a)
    return apply


def _swap_gates(name: str, keys: list[tuple[str, str]]) -> Callable[[dict], None]:
    swap = _entries_swapped(keys)

    def apply(arguments):
        swapped = swap(arguments.get(name))
        if swapped is not None:
            arguments[name] = swapped
    return apply


def _transposed(value):
    return value.T if value.ndim == 2 else None


def _negated(value):
    return -value


def _zeroed(value):
    return value * 0


def _option(path: Path, change: Callable, default: Any) -> Callable[[dict], None]:
    """A string option (nonlinearity="relu", reset="before", a cache's "nonlinearity") changed; an argument not
    passed has its default."""
    def apply(arguments):
        value = _get(arguments, path) if len(path) > 1 or path[0] in arguments else default
        if isinstance(value, str):
            _set(arguments, path, change(value))
    return apply


def _scalar(name: str, change: Callable) -> Callable[[dict], None]:
    def apply(arguments):
        value = arguments.get(name)
        if isinstance(value, float) and value != 0:
            arguments[name] = change(value)
    return apply


def _doubled(value):
    return value * 2


def _halved(value):
    return value / 2


def _time_reversed(value):
    return value[:, ::-1].copy() if value.ndim == 3 else None


def _time_major(value):
    return value.swapaxes(0, 1).copy() if value.ndim == 3 else None


def _ones(value):
    return value * 0 + 1


def _complement(value):
    return 1 - value


def _is_mask(path: Path) -> bool:
    return "mask" in str(path[0]).lower()


def _every_entry(name: str, change: Callable) -> Callable[[dict], None]:
    def apply(arguments):
        value = arguments.get(name)
        if isinstance(value, (list, tuple)):
            changed = [change(v) if _is_array(v) else v for v in value]
            arguments[name] = tuple(changed) if isinstance(value, tuple) else changed
    return apply


def _in_unit_interval(value: Any) -> bool:
    """A gate's values, or a probability's: every entry in [0, 1]."""
    try:
        array = np.asarray(value.detach().numpy() if hasattr(value, "detach") else value, dtype=float)
    except (TypeError, ValueError):
        return False
    return array.size > 0 and bool(np.all((array >= 0) & (array <= 1)))


def _gate_pairs(params: Any) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(g1, g2, [(W_g1, W_g2), (b_g1, b_g2), ...]) for each two gates of a parameter dict with the same keys."""
    if not isinstance(params, dict):
        return []
    groups = _gate_groups(params)
    return [(g1, g2, [(f"{prefix}_{g1}", f"{prefix}_{g2}") for prefix in sorted(groups[g1])])
            for g1, g2 in combinations(sorted(groups), 2) if groups[g1] == groups[g2]]


def _gate_groups(params: dict) -> dict[str, frozenset]:
    """{gate: the prefixes of its keys} of a parameter dict whose keys read <prefix>_<gate> (W_f, b_f, ...)."""
    groups: dict[str, set] = {}
    for key in params:
        if isinstance(key, str) and "_" in key:
            prefix, gate = key.rsplit("_", 1)
            groups.setdefault(gate, set()).add(prefix)
    return {gate: frozenset(prefixes) for gate, prefixes in groups.items() if len(prefixes) > 1}


# --------------------------------------------------------------- the functions a reference calls, replaced
def bindings_of(target: Callable, package: str) -> list[tuple[dict, str]]:
    """Where the modules of `package` (the references' package) hold `target`: each (namespace, key), a module's
    globals or a dict among them (activations.NONLINEARITIES)."""
    found = []
    for name, module in list(sys.modules.items()):
        if module is None or not (name == package or name.startswith(package + ".")):
            continue
        namespace = vars(module)
        for key, value in list(namespace.items()):
            if value is target:
                found.append((namespace, key))
            elif isinstance(value, dict) and not key.startswith("__"):
                found.extend((value, k) for k, v in value.items() if v is target)
    return found


@contextmanager
def _installed(bindings: list[tuple[dict, str]], wrapper: Callable) -> Iterator[None]:
    """While active, every binding holds `wrapper`; afterwards each holds what it held before."""
    saved = [namespace[key] for namespace, key in bindings]
    for namespace, key in bindings:
        namespace[key] = wrapper
    try:
        yield
    finally:
        for (namespace, key), value in zip(bindings, saved):
            namespace[key] = value


@contextmanager
def replaced(bindings: list[tuple[dict, str]], replacement: Callable) -> Iterator[None]:
    """While active, every binding holds `replacement`; while the replacement runs, they hold the original again
    (a model of the callee may call the reference it is built from)."""
    originals = [namespace[key] for namespace, key in bindings]

    def wrapper(*args, **kwargs):
        for (namespace, key), original in zip(bindings, originals):
            namespace[key] = original
        try:
            return replacement(*args, **kwargs)
        finally:
            for namespace, key in bindings:
                namespace[key] = wrapper
    with _installed(bindings, wrapper):
        yield


@contextmanager
def _at_call_site(bindings: list[tuple[dict, str]], original: Callable, site: str | set[str], substitute: Callable
                  ) -> Iterator[None]:
    """While active, a call of `original` made from a function named `site` (or any of a set) runs `substitute`."""
    sites = {site} if isinstance(site, str) else site

    def wrapper(*args, **kwargs):
        if sys._getframe(1).f_code.co_name in sites:
            return substitute(*args, **kwargs)
        return original(*args, **kwargs)
    with _installed(bindings, wrapper):
        yield


def _identity(x):
    return x


# ------------------------------------------------------------------------------------------ building models
def _package(reference: Callable) -> str:
    module = getattr(getattr(reference, "numpy_fn", reference), "__module__", "") or ""
    return module.rpartition(".")[0] or module


def _recorded(reference: Callable, cases: list[Case]) -> tuple[list[dict], list[Any]]:
    """Per case, the arguments the case passes to the function and what the reference returns (probes included:
    the first call a probe makes)."""
    numpy_fn = getattr(reference, "numpy_fn", reference)
    signature = inspect.signature(numpy_fn)
    arguments, results = [], []

    def recorder(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        arguments.append(dict(bound.arguments))
        result = numpy_fn(*args, **kwargs)
        results.append(result)
        return result
    recorder.__name__ = numpy_fn.__name__
    for case in cases:
        before = len(arguments)
        observe_safely(case, recorder)
        if len(arguments) == before:
            arguments.append({})
            results.append(None)
        del arguments[before + 1:], results[before + 1:]
    return arguments, results


def _activation_sites(reference: Callable, cases: list[Case], activations: dict[str, Callable]
                      ) -> tuple[set, dict[str, list]]:
    """The call sites (calling function, activation) the reference reaches on the cases, and each activation's
    bindings in the reference's package."""
    package = _package(reference)
    bindings = {name: bindings_of(fn, package) for name, fn in activations.items()}
    sites = set()
    with ExitStack() as stack:
        for name, fn in activations.items():
            stack.enter_context(_recording(bindings[name], fn, name, sites))
        for case in cases:
            observe_safely(case, reference)
    own = getattr(reference, "numpy_fn", reference).__name__
    return {(caller, name) for caller, name in sites if caller not in activations or caller == own}, bindings


@contextmanager
def _recording(bindings, original, name, sites):
    def wrapper(*args, **kwargs):
        sites.add((sys._getframe(1).f_code.co_name, name))
        return original(*args, **kwargs)
    with _installed(bindings, wrapper):
        yield


class _Spec(NamedTuple):
    name: str
    fault: str
    where: str | None
    model: FaultModel


def _model_specs(function: str, reference: Callable, cases: list[Case], output_name: str,
                 activations: dict[str, Callable], graded: list[Callable]) -> list[_Spec]:
    """Every generic fault model of one graded function, named, classed and placed."""
    if inspect.isclass(reference):  # a module to write: its methods changed, each model a subclass
        return _named_apart([_Spec(m.name, m.fault, m.where, m.function) for m in mutants(reference, set())])
    if not callable(reference):
        return []
    arguments, results = _recorded(reference, cases)
    leaves: dict[Path, Any] = {}
    shapes: dict[Path, set] = {}
    for called in arguments:
        for path, value in _leaves(called).items():
            leaves.setdefault(path, value)
            shapes.setdefault(path, set()).add(tuple(value.shape))
    specs: list[_Spec] = []

    def add(name, fault, where, **model):
        specs.append(_Spec(name, fault, where, FaultModel(reference, **model)))

    floats = [p for p, v in leaves.items() if _is_float_array(v) and not _is_mask(p)]
    for path in [p for p in leaves if _is_mask(p)]:
        label = path_label(path)
        add(f"{label} ignored (all ones)", "mask", label, inputs=_transform(path, _ones))
        add(f"{label} inverted (1 - mask)", "mask", label, inputs=_transform(path, _complement))
    for name in sorted({p[0] for p in leaves if _is_mask(p) and len(p) == 2}):
        add(f"every entry of {name} ignored (all ones)", "missing-term", name, inputs=_every_entry(name, _ones))
    for path in floats:
        label = path_label(path)
        add(f"{label} left out (zero)", "missing-term", label, inputs=_transform(path, _zeroed))
        add(f"{label} negated", "sign", label, inputs=_transform(path, _negated))
        if all(_in_unit_interval(_get(called, path)) for called in arguments if _get(called, path) is not None):
            add(f"{label} left out (ones)", "missing-term", label, inputs=_transform(path, _ones))
            add(f"1 - {label} for {label}", "swap", Place.BOTH.format(first=label, second=f"1 - {label}"),
                inputs=_transform(path, _complement))
        add(f"{label} doubled", "scale", label, inputs=_transform(path, _doubled))
        add(f"{label} halved", "scale", label, inputs=_transform(path, _halved))
        if any(len(s) == 2 for s in shapes[path]):
            add(f"{label} transposed", "transpose", label, inputs=_transform(path, _transposed))
    for first, second in combinations(leaves, 2):
        if shapes[first] & shapes[second] and (len(first) == len(second) == 1
                                               or (len(first) == len(second) == 2 and first[0] == second[0])):
            a, b = path_label(first), path_label(second)
            add(f"{a} and {b} exchanged", "swap", Place.BOTH.format(first=a, second=b), inputs=_swap(first, second))
    for called in arguments[:1]:
        for name, value in called.items():
            for g1, g2, keys in _gate_pairs(value):
                add(f"the {g1} and {g2} gates' parameters exchanged", "swap", Place.BOTH.format(first=g1, second=g2),
                    inputs=_swap_gates(name, keys))
    signature = inspect.signature(getattr(reference, "numpy_fn", reference))
    options = {(name,): {p.default} if isinstance(p.default, str) else set()
               for name, p in signature.parameters.items()}
    for called in arguments:
        for name, value in called.items():
            if isinstance(value, str):
                options.setdefault((name,), set()).add(value)
            elif isinstance(value, dict):  # an option a cache carries: cache["nonlinearity"]
                for key, item in value.items():
                    if isinstance(item, str):
                        options.setdefault((name, key), set()).add(item)
    for path, values in options.items():
        if len(values) < 2:
            continue
        label = path_label(path)
        default = signature.parameters[path[0]].default if len(path) == 1 else None
        fault = "activation" if values <= set(activations) else "missing-term"  # a nonlinearity, or any option
        for value in sorted(values):
            add(f"{label} always {value!r}", fault, label, inputs=_option(path, lambda v, value=value: value, default))
        if len(values) == 2:
            first, second = sorted(values)
            add(f"{label} {first!r} and {second!r} exchanged", "swap",
                Place.BOTH.format(first=f"{label} {first!r}", second=repr(second)),
                inputs=_option(path, lambda v: second if v == first else first, default))
    scalars = sorted({name for called in arguments for name, v in called.items()
                      if isinstance(v, float) and not isinstance(v, bool) and v not in (0.0, 1.0)})
    for name in scalars:
        add(f"{name} inverted (1 / {name})", "scale", name, inputs=_scalar(name, lambda v: 1.0 / v))
        add(f"{name} negated", "sign", name, inputs=_scalar(name, lambda v: -v))
    for path in floats:
        if len(path) == 1 and path[0] != "x" and all(len(s) == 3 and s[0] == 2 for s in shapes[path]):
            add(f"{path[0]}[0] and {path[0]}[1] exchanged", "swap",
                Place.BOTH.format(first=f"{path[0]}[0]", second=f"{path[0]}[1]"),
                inputs=_transform(path, lambda v: v[::-1].copy()))
    if ("x",) in floats and any(len(s) == 3 for s in shapes[("x",)]):
        add("x read backwards in time", "time", "x", inputs=_transform(("x",), _time_reversed))
        add("x read time-major, (T, N, D)", "axis", "x", inputs=_transform(("x",), _time_major))
        if _all_sequences(arguments, results):
            add(RESTART, "time", None, around=_per_step("x"))
    specs += _output_specs(reference, results, output_name)
    own = next((name for name, fn in activations.items() if fn is getattr(reference, "numpy_fn", reference)), None)
    for name in SUBSTITUTES.get(own, ()):
        if name is not None:
            specs.append(_Spec(f"{name} instead of {own}", "activation", None,
                               FaultModel(activations[name])))
    sites, bindings = _activation_sites(reference, cases, activations)
    for site, name in sorted(sites):
        where = name if site == function else Place.IN.format(name=name, site=site)
        for substitute in SUBSTITUTES.get(name, ()):
            replacement = activations[substitute] if substitute else _identity
            what = f"{substitute} instead of {name}" if substitute else f"{name} left out"
            add(f"{what} ({site})", "activation" if substitute else "missing-term", where,
                patches=(_bound(_at_call_site, bindings[name], activations[name], site, replacement),))
        # sigmoid(-a) = 1 - sigmoid(a): in a callee it is a gate used on the wrong side (z for 1 - z), not a sign
        if name == "tanh" or (name == "sigmoid" and site == function):
            add(f"{name}{NEGATED} ({site})", "sign", where,
                patches=(_bound(_at_call_site, bindings[name], activations[name], site,
                                _of_negated(activations[name])),))
    for name in sorted({name for _, name in sites}):
        callers = sorted(site for site, n in sites if n == name)
        if len(callers) < 2:
            continue
        for substitute in SUBSTITUTES.get(name, ()):
            if substitute is not None:
                add(f"{substitute} instead of {name} everywhere", "activation", name,
                    patches=(_bound(_at_call_site, bindings[name], activations[name], set(callers),
                                    activations[substitute]),))
    if isinstance(next((r for r in results if r is not None), None), np.ndarray) and own is None:
        for name in ("tanh", "sigmoid"):
            if name in activations:
                add(f"{name} applied to the result", "extra-term", name,
                    outputs=_whole(activations[name]))
    numpy_fn = getattr(reference, "numpy_fn", reference)
    skip = {id(getattr(r, "numpy_fn", r)) for r in graded} | {id(fn) for fn in activations.values()}
    for mutant in mutants(numpy_fn, skip):
        if mutant.replaces is numpy_fn:
            specs.append(_Spec(mutant.name, mutant.fault, mutant.where, FaultModel(mutant.function)))
        else:
            bindings = bindings_of(mutant.replaces, _package(reference))
            specs.append(_Spec(mutant.name, mutant.fault, mutant.where,
                               FaultModel(reference, patches=(_bound(replaced, bindings, mutant.function),))))
    return _named_apart(specs[:MAX_MODELS])


def _named_apart(specs: list[_Spec]) -> list[_Spec]:
    """Each model under a name of its own (a callee model finds its model by name): "x negated (2)"."""
    seen: dict[str, int] = {}
    named = []
    for spec in specs:
        seen[spec.name] = seen.get(spec.name, 0) + 1
        named.append(spec if seen[spec.name] == 1 else spec._replace(name=f"{spec.name} ({seen[spec.name]})"))
    return named


def _of_negated(activation):
    return lambda x, *args, **kwargs: activation(-x, *args, **kwargs)


def _bound(factory, *args):
    return lambda: factory(*args)


def _all_sequences(arguments: list[dict], results: list) -> bool:
    """Whether every result is an array, or a tuple of arrays, of shape (N, T, ...) with its x's N and T."""
    for called, result in zip(arguments, results):
        x = called.get("x")
        items = result if isinstance(result, tuple) else (result,)
        if not _is_array(x) or x.ndim != 3 or not items or not all(
                _is_array(item) and item.ndim >= 3 and tuple(item.shape[:2]) == tuple(x.shape[:2]) for item in items):
            return False
    return True


def _per_step(x_name: str) -> Callable:
    """Run the reference on each step of the sequence alone, from the initial state: a state not carried."""
    def around(reference, bound):
        x = bound.arguments[x_name]
        steps = []
        for t in range(x.shape[1]):
            bound.arguments[x_name] = x[:, t:t + 1]
            steps.append(reference(*bound.args, **bound.kwargs))
        bound.arguments[x_name] = x
        if isinstance(steps[0], tuple):
            return tuple(np.concatenate([step[k] for step in steps], axis=1) for k in range(len(steps[0])))
        return np.concatenate(steps, axis=1)
    return around


def output_names(output_name: str, count: int) -> list[str]:
    """"(dx, dh_prev, dc_prev, grads)" -> ["dx", "dh_prev", "dc_prev", "grads"]; "output 1", ... otherwise."""
    inner = output_name.strip()
    if inner.startswith("(") and inner.endswith(")"):
        names = [n.strip() for n in inner[1:-1].split(",")]
        if len(names) == count and all(n.isidentifier() for n in names):
            return names
    return [f"output {k + 1}" for k in range(count)]


def _output_specs(reference, results, output_name) -> list[_Spec]:
    """Models that change the result: an item negated or transposed, two items of one shape exchanged, the
    entries of a dict item exchanged gate by gate, transposed or averaged over the batch, each sequence shifted
    to start with the initial state."""
    sample = next((r for r in results if r is not None), None)
    specs = []

    def add(name, fault, where, outputs):
        specs.append(_Spec(name, fault, where, FaultModel(reference, outputs=outputs)))
    items = sample if isinstance(sample, tuple) else (sample,)
    names = output_names(output_name, len(items)) if isinstance(sample, tuple) else [output_name]
    whole = not isinstance(sample, tuple)
    for k, (name, item) in enumerate(zip(names, items)):
        at = _whole if whole else (lambda change, k=k: _item(k, change))
        label = None if name == "result" else name
        if _is_float_array(item):
            add(f"{name} negated", "sign", label, at(_negated))
            if item.ndim == 2:
                add(f"{name} transposed", "transpose", label, at(_transposed))
            if item.ndim == 1:
                add(f"{name} averaged over the batch", "scale", label, _with_batch(at, _divided))
        if isinstance(item, dict):
            for g1, g2, keys in _gate_pairs(item):
                add(f"{name}: the {g1} and {g2} gates exchanged", "swap", Place.BOTH.format(first=g1, second=g2),
                    at(_entries_swapped(keys)))
            if any(_is_float_array(v) and v.ndim == 2 for v in item.values()):
                add(f"{name}: every matrix transposed", "transpose", name, at(_entries(2, _transposed)))
            if any(_is_float_array(v) and v.ndim == 1 for v in item.values()):
                add(f"{name}: every vector averaged over the batch", "scale", name,
                    _with_batch(at, lambda value, n: _entries(1, lambda v: v / n)(value)))
    if not whole:
        for a, b in combinations(range(len(items)), 2):
            shapes = {(np.shape(r[a]), np.shape(r[b])) for r in results if isinstance(r, tuple) and len(r) > b
                      and _is_array(r[a]) and _is_array(r[b])}
            if shapes and all(sa == sb for sa, sb in shapes):
                add(f"{names[a]} and {names[b]} exchanged", "swap", Place.BOTH.format(first=names[a], second=names[b]),
                    _items_swapped(a, b))
    if all(_is_array(item) and item.ndim >= 3 for item in items):
        add("each sequence starts with the initial state (h_0 ... h_{T-1})", "time", None, _started_with_initial)
    return specs


def _divided(value, n):
    return value / n


def _with_batch(at, change):
    """An output change that needs the batch size N: the first dimension of the first array argument."""
    def apply(result, arguments):
        n = next((v.shape[0] for v in arguments.values() if _is_array(v) and v.ndim), None)
        return result if not n else at(lambda value: change(value, n))(result, arguments)
    return apply


def _entries(ndim, change):
    def apply(value):
        if not isinstance(value, dict):
            return None
        return {k: change(v) if _is_float_array(v) and v.ndim == ndim else v for k, v in value.items()}
    return apply


def _entries_swapped(keys):
    def apply(value):
        if not isinstance(value, dict) or not all(a in value and b in value for a, b in keys):
            return None
        swapped = dict(value)
        for a, b in keys:
            swapped[a], swapped[b] = value[b], value[a]
        return swapped
    return apply


def _started_with_initial(result, arguments):
    """Each (N, T, ...) item shifted one step later, starting with the initial state: the k-th item with the k-th
    argument of shape (N, ...) that is not the sequence x."""
    items = result if isinstance(result, tuple) else (result,)
    initial = [v for name, v in arguments.items() if name != "x" and _is_array(v) and v.ndim == 2]
    shifted = []
    for k, item in enumerate(items):
        matching = [v for v in initial if tuple(v.shape) == tuple(item.shape[:1]) + tuple(item.shape[2:])]
        if len(matching) <= k % max(len(matching), 1) or not matching:
            return result
        first = matching[k] if len(matching) == len(items) else matching[0]
        shifted.append(np.concatenate([np.asarray(first)[:, None].astype(item.dtype), item[:, :-1]], axis=1))
    return tuple(shifted) if isinstance(result, tuple) else shifted[0]


def _whole(change):
    def apply(result, arguments):
        changed = change(result) if _is_array(result) or isinstance(result, dict) else None
        return result if changed is None else changed
    return apply


def _item(k, change):
    def apply(result, arguments):
        if not isinstance(result, tuple) or len(result) <= k:
            return result
        changed = change(result[k]) if (_is_array(result[k]) or isinstance(result[k], dict)) else None
        return result if changed is None else result[:k] + (changed,) + result[k + 1:]
    return apply


def _items_swapped(a, b):
    def apply(result, arguments):
        if not isinstance(result, tuple) or len(result) <= b:
            return result
        items = list(result)
        items[a], items[b] = items[b], items[a]
        return tuple(items)
    return apply


def fault_models(function: str, reference: Callable, cases: list[Case], output_name: str,
                 activations: dict[str, Callable], graded: list[Callable] = ()) -> list[Mistake]:
    """The generic fault models of one graded function, as Mistake records (fn: the model; message generated).

    graded: every graded function's reference (their faults are their own models, not this one's)."""
    return [Mistake(spec.name, spec.model, f"Your function gives what the correct one gives with {spec.name}.", "",
                    spec.fault, spec.where)
            for spec in _model_specs(function, reference, cases, output_name, activations, list(graded))]


def fingerprint(observations: list[Any]) -> str:
    """A digest of a model's observations of the cases (values in float32): models with one digest behave alike
    on every case. (Two that differ only in the last bits may digest apart: they are then both kept.)"""
    digest = hashlib.sha1()
    for observation in observations:
        for leaf in flatten(observation):
            value = leaf.value
            digest.update(repr(leaf.path).encode())
            number = _numeric(value)
            if number is not None:
                with np.errstate(all="ignore"):
                    digest.update(repr(number.shape).encode() + number.astype(np.float32).tobytes())
            else:
                digest.update(repr(value).encode())
    return digest.hexdigest()


def kept_models(reference: list[Any], models: list[Mistake], observed: list[list], same_class: bool = True
                ) -> tuple[list[Mistake], list[list]]:
    """The models worth keeping, with their observations: not those that behave as the reference does on every
    case (no failing student can agree with one), nor, with `same_class`, those that behave as an earlier model
    of the same class and place does (a callee model is kept whatever its behaviour: each leads to another model
    of the callee, which the callee's own outputs may agree with)."""
    digest = fingerprint(reference)
    seen, kept, kept_observed = set(), [], []
    for model, observations in zip(models, observed):
        key = fingerprint(observations)
        if key == digest or (same_class and (key, model.fault, model.where) in seen):
            continue
        seen.add((key, model.fault, model.where))
        kept.append(model)
        kept_observed.append(observations)
    return kept, kept_observed


def distinct_models(expected: Any) -> list[Mistake]:
    """A function's models (catalogued, fault, callee) less those that behave as the reference does on its cases
    and those that behave as an earlier model of the same class does: what its callers' models are built on.
    (Models of different classes that behave alike are kept: they are the ambiguity a diagnosis must see.)"""
    reference = fingerprint(expected.observations)
    seen, kept = {reference}, []
    for models, observed in ((expected.mistakes, expected.mistake_observations),
                             (expected.fault_models, expected.fault_observations),
                             (expected.callee_models, expected.callee_observations)):
        for model, observations in zip(models, observed):
            key = fingerprint(observations)
            if key == reference:
                continue
            labelled = (key, model.fault, model.where if model.fault == UPSTREAM else None)
            if labelled in seen and model not in expected.mistakes:
                continue
            seen.add(labelled)
            kept.append(model)
    return kept


def callee_models(reference: Callable, callee: str, callee_reference: Callable, models: list[Mistake],
                  written_with: Callable | None = None) -> list[Mistake]:
    """This function with the graded function `callee` replaced by each of `models` (the callee's known mistakes,
    fault models and callee models): the models that blame the callee, or inherit its class.

    Each is named "<callee> → <the callee's model's name>", with fault "upstream" and where the callee; the
    callee's model is looked up by that name (`inner_model`). `written_with(f)`: this function written with the
    callee f, where the reference does not call it (None: the reference calls it, through its module)."""
    found = []
    if written_with is None:
        bindings = bindings_of(getattr(callee_reference, "numpy_fn", callee_reference), _package(reference))
        if not bindings:
            raise ValueError(f"{getattr(reference, '__name__', reference)} never calls {callee} by name: "
                             f"give the way it is written with {callee} (CALLS)")
    for model in models:
        if written_with is None:
            fn = FaultModel(reference, patches=(_bound(replaced, bindings, model.fn),))
        else:
            fn = written_with(model.fn)
        found.append(Mistake(f"{callee} → {model.name}", fn,
                             f"Your function gives what the correct one gives over a {callee} that has this "
                             f"fault: {model.name}.", model.section, UPSTREAM, callee))
    return found


# ---------------------------------------------------------------------------------------- outcome evidence
class Leaf(NamedTuple):
    path: tuple
    value: Any


def flatten(value: Any, path: tuple = ()) -> list[Leaf]:
    """The leaves of an output (arrays, numbers, anything else) with their paths through tuples, lists, dicts."""
    if isinstance(value, (tuple, list)):
        return [leaf for k, item in enumerate(value) for leaf in flatten(item, path + (k,))]
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in flatten(item, path + (key,))]
    return [Leaf(path, value)]


def _numeric(value: Any) -> np.ndarray | None:
    if value is None or isinstance(value, (Raised, Unreadable, str, bool)):
        return None
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        value = value.detach().numpy()
    try:
        array = np.asarray(value)
    except Exception:
        return None
    return array.astype(float) if array.dtype.kind in "biuf" else None


def _close(got: np.ndarray, want: np.ndarray, case: Case) -> bool:
    if got.shape != want.shape:
        return False
    with np.errstate(all="ignore"):
        return bool(np.all(np.abs(got - want) <= case.atol + case.rtol * np.abs(want)))


def _leaf_name(path: tuple, names: list[str]) -> str:
    """The name of an output leaf: "dW_hh" (an item of a tuple result), "grads['W_f']", "h" (the whole result);
    a probe's report by its own key, an input reported after the call by the input's name."""
    if len(names) > 1 and path and isinstance(path[0], int) and path[0] < len(names):
        head, rest = names[path[0]], path[1:]
    elif path and isinstance(path[0], str):
        head, rest = path[0].split(" after the call")[0], path[1:]
    else:
        head, rest = names[0], path
    return head + "".join(f"[{p!r}]" for p in rest)


def _is_input_leaf(path: tuple) -> bool:
    """A probe's report of an input as it is after the call ("x after the call (must be unchanged)")."""
    return any(isinstance(p, str) and "after the call" in p for p in path)


def _relations(got: np.ndarray, want: np.ndarray, case: Case, inputs: list[np.ndarray]) -> set[str]:
    """How one output leaf of the student relates to the reference's, where it differs: the classes it shows."""
    found = set()
    if got.shape == want.shape and got.size >= 2 and np.count_nonzero(want) >= 2 and np.all(np.isfinite(got)):
        if _close(got, -want, case):
            found.add("sign")
        else:
            factor = float(np.vdot(got, want) / np.vdot(want, want))
            passed_through = any(x.shape == got.shape and (_close(got, x, case) or _close(want, x, case))
                                 for x in inputs)  # an input handed back on one side: a condition, not a factor
            if np.isfinite(factor) and abs(factor) > 1e-12 and not np.isclose(factor, 1.0) \
                    and not np.isclose(factor, -1.0) and not passed_through and _close(got, factor * want, case):
                found.add("scale")
    if want.ndim == 2 and got.shape == want.T.shape and not _close(want, want.T, case) and _close(got, want.T, case):
        found.add("transpose")
    if got.shape == want.shape and want.ndim >= 2:
        half = want.shape[-1] // 2
        if want.shape[-1] >= 2 and want.shape[-1] % 2 == 0 and _close(  # [b, a] for [a, b]: two blocks exchanged
                got, np.concatenate([want[..., half:], want[..., :half]], axis=-1), case):
            found.add("swap")
        if want.ndim >= 3 and want.shape[0] == 2 and _close(got, want[::-1], case):  # (2, N, H): a pair exchanged
            found.add("swap")
    if want.ndim >= 3 and got.shape == want.shape:
        if want.shape[1] >= 2 and _close(got, want[:, ::-1], case):
            found.add("time")
        elif _close(got[:, 1:], want[:, :-1], case) and any(  # h_0 ... h_{T-1}: the initial state first
                np.shape(x) == got[:, 0].shape and _close(got[:, 0], x, case) for x in inputs):
            found.add("time")
    return found


PROBE_SHAPE_CHECK = re.compile(r"has shape \(([\d, ]*)\), expected \(([\d, ]*)\)")
PROBE_KIND_CHECKS = (": expected (", "must be a dict with the keys", "must return a tuple")
MATMUL_MISMATCH = re.compile(r"^matmul: Input operand 1 has a mismatch in its core dimension 0, .* \(size (\d+) is "
                             r"different from (\d+)\)$")


def _structural(got: Any, want: Any) -> str | None:
    """How a failing case shows a shape or type fault, where it shows one beyond doubt: "matmul", a matrix product
    refused because the batch of row vectors stands on the right (W @ x_t, the column-vector form: operand 1's
    first dimension, the batch size N, meets the weight's last); "type", a result of the wrong kind (a tensor for
    an array, an array for a tuple, None). None otherwise: a wrong shape or a missing item is as often the
    symptom of another fault (an axis, a missing term) as a fault of its own."""
    if isinstance(got, Raised):
        sizes = MATMUL_MISMATCH.search(got.message) if got.kind == "ValueError" else None
        batch = _batch_size(want)
        if sizes and batch is not None and int(sizes.group(1)) == batch:
            return "matmul"
        if got.kind == "AssertionError" and any(words in got.message for words in PROBE_KIND_CHECKS):
            return "type"  # a probe's own check of what the function returned: a tuple of what, a dict of what
        shapes = PROBE_SHAPE_CHECK.search(got.message) if got.kind == "AssertionError" else None
        if shapes:  # a probe's check of a shape: a slice of what is due, or all of it in another shape
            have, due = (tuple(int(n) for n in g.split(",") if n.strip()) for g in shapes.groups())
            sliced = any(due[:k] + due[k + 1:] == have for k in range(len(due)))
            if (sliced or (np.prod(have) == np.prod(due) and have != due[::-1])) and have != due:
                return "type"
        return None
    if got[0] is None or isinstance(got[0], Unreadable):
        return "type"
    if _kinds(got[0]) != _kinds(want[0]):
        return "type"
    mine, theirs = flatten(got[0]), flatten(want[0])
    if [a.path for a in mine] != [b.path for b in theirs]:
        return None
    reshaped = False
    for a, b in zip(mine, theirs):
        x, y = _numeric(a.value), _numeric(b.value)
        if x is None or y is None or x.shape == y.shape:
            if x is None or y is None or not np.allclose(x, y, rtol=1e-6, atol=1e-8):
                return None
            continue
        if not (_reshaped(x, y) or _sliced(x, y)):
            return None
        reshaped = True
    return "type" if reshaped else None


def _reshaped(got: np.ndarray, want: np.ndarray) -> bool:
    """The reference's values, all of them, in another shape (not a transpose: that is a fault of its own)."""
    return got.size == want.size and got.size > 1 and not (want.ndim == 2 and got.shape == want.T.shape) and \
        np.allclose(np.sort(got.ravel()), np.sort(want.ravel()), rtol=1e-6, atol=1e-8)


def _sliced(got: np.ndarray, want: np.ndarray) -> bool:
    """One slice of the reference's result (its first or last along one axis): a part of what is due."""
    return any(np.take(want, index, axis=axis).shape == got.shape
               and np.allclose(got, np.take(want, index, axis=axis), rtol=1e-6, atol=1e-8)
               for axis in range(want.ndim) for index in (0, -1) if want.shape[axis] > 1)


def _batch_size(observation: Any) -> int | None:
    """N, the first dimension of the first array the reference's call was given (its inputs after the call)."""
    inputs = observation[1] if isinstance(observation, tuple) and isinstance(observation[1], dict) else {}
    first = next((v for v in inputs.values() if isinstance(v, np.ndarray) and v.ndim >= 2), None)
    return None if first is None else int(first.shape[0])


def _kinds(value: Any, depth: int = 0) -> Any:
    """The kinds of a result, without shapes or lengths: containers, arrays or tensors, numbers, None."""
    if depth > 3:
        return ()
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, frozenset(_kinds(v, depth + 1) for v in value))
    if isinstance(value, dict):
        return ("dict", frozenset(_kinds(v, depth + 1) for v in value.values()))
    if _is_array(value):
        return "tensor" if type(value).__module__.startswith("torch") else "numeric"
    if isinstance(value, (int, float, np.generic)) and not isinstance(value, bool):
        return "numeric"
    return type(value).__name__


class Outcome(NamedTuple):
    fault: str
    where: str | None
    detail: str = ""   # a variant of the class's sentence: "matmul" for the row-vector convention


def outcome_faults(cases: list[Case], got: list[Any], expected: list[Any], output_name: str,
                   parameters: tuple[str, ...]) -> tuple[list[Outcome], Outcome | None]:
    """The classes the student's observations show against the reference's, each holding on every case; and,
    apart, the shape evidence (a fallback, named only where nothing else holds)."""
    failing = [judge_case(c, g, e, "") is not None for c, g, e in zip(cases, got, expected)]
    if not any(failing) or any(isinstance(e, Raised) for e in expected):
        return [], None
    found = []
    names = (output_names(output_name, len(expected[0][0])) if isinstance(expected[0][0], tuple)
             else [output_name])
    overflow = _overflow(cases, got, expected, failing)
    if overflow:
        found.append(Outcome("overflow", None))
    if not any(isinstance(g, Raised) for g in got):
        if all(_same_leaves(g[0], e[0]) for g, e in zip(got, expected)):
            found += _leaf_classes(cases, got, expected, names, parameters)
    shapes = {_structural(g, e) for g, e, f in zip(got, expected, failing) if f}
    shape = Outcome("type-shape", None, shapes.pop()) if len(shapes) == 1 and None not in shapes else None
    return found, shape


def _same_leaves(got: Any, want: Any) -> bool:
    """The same leaves by path and kind (a tensor is not an array): shapes may differ, as a transposed one does."""
    mine, theirs = flatten(got), flatten(want)
    return [leaf.path for leaf in mine] == [leaf.path for leaf in theirs] and all(
        _kinds(a.value) == _kinds(b.value) for a, b in zip(mine, theirs))


def _overflow(cases, got, expected, failing) -> bool:
    for case, g, e, failed in zip(cases, got, expected, failing):
        if not failed:
            continue
        if isinstance(g, Raised):
            if not (g.kind == "FloatingPointError" and "overflow" in g.message):
                return False
            continue
        mine, theirs = flatten(g[0]), flatten(e[0])
        if len(mine) != len(theirs):
            return False
        bad = False
        for a, b in zip(mine, theirs):
            x, y = _numeric(a.value), _numeric(b.value)
            if x is None or y is None or x.shape != y.shape:
                return False
            if np.any(np.isinf(x)) and np.all(np.isfinite(y)):
                bad = True
        if not bad:
            return False
    return True


def _dtype(value):
    if isinstance(value, np.ndarray):
        return value.dtype
    if _is_array(value):
        return str(value.dtype)
    return None


def _leaf_classes(cases, got, expected, names, parameters) -> list[Outcome]:
    """sign, scale, transpose, time and swap from the outputs' leaves; dtype and in-place from all of them."""
    classes = {k: set() for k in ("sign", "scale", "transpose", "time", "swap", "dtype", "in-place")}
    holds = {k: True for k in classes}
    for case, (mine, my_inputs), (theirs, their_inputs) in zip(cases, got, expected):
        a_leaves, b_leaves = flatten(mine), flatten(theirs)
        inputs = [x for x in (_numeric(v) for v in [*(their_inputs or {}).values(),
                                                     *(leaf.value for leaf in b_leaves if _is_input_leaf(leaf.path))])
                  if x is not None]
        changed_inputs = _changed_inputs(case, my_inputs, their_inputs)
        per_leaf = {}
        dtype_only, value_wrong = set(), set()
        for a, b in zip(a_leaves, b_leaves):
            x, y = _numeric(a.value), _numeric(b.value)
            name = _leaf_name(a.path, names)
            if _is_input_leaf(a.path):
                if x is None or y is None or not _close(x, y, case):
                    changed_inputs.add(name)
                continue
            if x is None or y is None:
                if not _same_plain(a.value, b.value):
                    value_wrong.add(name)
                    per_leaf[name] = set()
                continue
            if _close(x, y, case):
                if _dtype(a.value) != _dtype(b.value):
                    dtype_only.add(name)
                continue
            if "dtype" in name:  # a probe's own report of the dtypes it was given back
                dtype_only.add(name)
                continue
            value_wrong.add(name)
            per_leaf[name] = _relations(x, y, case, inputs)
        swapped = _swapped_leaves(case, a_leaves, b_leaves, names)
        for name in swapped:
            per_leaf.setdefault(name, set()).add("swap")
        for k in ("sign", "scale", "transpose", "time", "swap"):
            if changed_inputs or any(k not in rel for rel in per_leaf.values()):
                holds[k] = False
            else:
                classes[k] |= set(per_leaf)
        if value_wrong or changed_inputs:
            holds["dtype"] = False
        classes["dtype"] |= dtype_only
        if value_wrong or dtype_only:
            holds["in-place"] = False
        classes["in-place"] |= {str(input_label(label, parameters)) if label.startswith("#") else label
                                for label in changed_inputs}
    return [Outcome(k, ", ".join(sorted(classes[k])) or None) for k in classes if holds[k] and classes[k]]


def _same_plain(a: Any, b: Any) -> bool:
    """Two non-numeric leaves (None, strings, ...) that are the same."""
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False


def _changed_inputs(case, mine, theirs) -> set[str]:
    if not theirs:
        return set()
    if not isinstance(mine, dict):
        return set(theirs)
    changed = set()
    for label, want in theirs.items():
        x, y = _numeric(mine.get(label)), _numeric(want)
        if x is None or y is None or not _close(x, y, case):
            changed.add(label)
    return changed


def _swapped_leaves(case, mine: list[Leaf], theirs: list[Leaf], names: list[str]) -> set[str]:
    """Names of the student's leaves that equal a different leaf of the reference, in pairs (a exchanged with b)."""
    values = [(_numeric(a.value), _numeric(b.value)) for a, b in zip(mine, theirs)]
    found = set()
    for i, j in combinations(range(len(values)), 2):
        (xi, yi), (xj, yj) = values[i], values[j]
        if any(v is None for v in (xi, yi, xj, yj)) or xi.shape != yj.shape or xj.shape != yi.shape:
            continue
        if _close(xi, yi, case) or (yi.shape == yj.shape and np.array_equal(yi, yj)):
            continue
        if _close(xi, yj, case) and _close(xj, yi, case):
            found |= {_leaf_name(mine[i].path, names), _leaf_name(mine[j].path, names)}
    return found


# --------------------------------------------------------------------------------------------- the diagnosis
@dataclass(frozen=True)
class Finding:
    """The diagnosis of one failing function, before it is worded."""
    known: tuple[Mistake, ...] = ()   # catalogued mistakes that agree on every case (they come first)
    fault: str | None = None          # the class named, if one (a known mistake's own label, where it has one)
    where: str | None = None          # the argument, term, gate, axis or (upstream) function involved
    detail: str = ""                  # a variant of the class's sentence: "matmul", "restart"
    source: str | None = None         # upstream: the function at the root of the chain, where it is not `where`


class Trace(NamedTuple):
    """What the kernel shim saw of a student's function, per case: the other graded functions it called, and
    those an exception it raised passed through, outermost first (judge.wire.decode_calls)."""
    calls: list[list[str]]
    raised_in: list[list[str]]


class Callee(NamedTuple):
    """Another graded function of the same student, judged: the evidence that blames it, or clears it."""
    expected: Any                     # its Expected
    got: list[Any]                    # its observations
    failed: bool
    finding: Finding | None = None


def inner_model(table: dict[str, Any], name: str, callee: str) -> tuple[Mistake, list] | None:
    """The callee's model (known mistake, fault model or callee model) that a callee model's name points to."""
    expected = table.get(callee)
    if expected is None or not name.startswith(callee + " → "):
        return None
    inner = name[len(callee) + 3:]
    for models, observed in ((expected.mistakes, expected.mistake_observations),
                             (expected.fault_models, expected.fault_observations),
                             (expected.callee_models, expected.callee_observations)):
        for model, observations in zip(models, observed):
            if model.name == inner:
                return model, observations
    return None


def root_model(table: dict[str, Any], model: Mistake) -> tuple[Mistake, str] | None:
    """The model a callee model is built from, following callee models down, and the function it models."""
    function = None
    for _ in range(len(table) + 1):
        if model.fault != UPSTREAM:
            return model, function
        found = inner_model(table, model.name, model.where)
        if found is None:
            return None
        model, function = found[0], model.where
    return None


def failing_cases(expected: Any, got: list[Any]) -> list[bool]:
    return [judge_case(c, g, e, "") is not None for c, g, e in zip(expected.cases, got, expected.observations)]


def diagnose(function: str, table: dict[str, Any], got: list[Any], calls: Trace | None = None,
             others: dict[str, Callee] | None = None, leave_out: str | None = None) -> Finding | None:
    """The diagnosis of one function from its observations `got`; None where it passes every case or where the
    evidence names nothing (or two classes).

    In this order: `upstream` (a graded function it called fails its own cases, and this one gives what the
    correct function gives over it); the catalogued mistakes that agree on every case; the one class that all the
    agreeing fault models and outcome evidence name; the shape evidence, where nothing else holds.
    calls: what the kernel saw of its calls (None: not traced). others: the same student's other graded
    functions, judged. leave_out: a catalogued mistake to ignore (the leave-one-out measure).
    """
    with np.errstate(all="ignore"):  # comparing with wrong outputs (nan, inf) is no event for the grader's terminal
        return _diagnose(function, table, got, calls, others or {}, leave_out)


def _diagnose(function, table, got, calls, others, leave_out) -> Finding | None:
    expected = table[function]
    cases = expected.cases
    failing = failing_cases(expected, got)
    if not any(failing):
        return None
    blamed = _upstream(function, table, got, calls, others, failing)
    if blamed is not None:
        return blamed
    named = tuple(m for m, observations in zip(expected.mistakes, expected.mistake_observations)
                  if m.name != leave_out and agrees(cases, got, observations))
    if named:
        faults, wheres = {m.fault for m in named}, {m.where for m in named}
        return Finding(named, faults.pop() if len(faults) == 1 else None, wheres.pop() if len(wheres) == 1 else None)
    by_value, by_errors = [], []  # the models that agree: through a wrong value, or only where both raise
    got_values = [_as_float64(g) for g in got]
    for model, observations in zip(expected.fault_models, expected.fault_observations):
        if agrees(cases, got_values, [_as_float64(o) for o in observations]):
            (by_value if _through_a_value(expected, observations) else by_errors).append(
                (model.fault, model.where, "restart" if model.name == RESTART else ""))
    for model, observations in zip(expected.callee_models, expected.callee_observations):
        root = root_model(table, model)
        if root is None or not agrees(cases, got_values, [_as_float64(o) for o in observations]) or not (
                _carries_over(table, *root) or (root[0].fault == "in-place" and _inputs_changed(expected, got))):
            continue
        (by_value if _through_a_value(expected, observations) else by_errors).append((root[0].fault, root[0].where,
                                                                                      ""))
    outcomes, shape = outcome_faults(cases, got, expected.observations, expected.output_name, expected.parameters)
    evidence = by_value + [(o.fault, o.where, o.detail) for o in outcomes]
    if not evidence and not any(isinstance(g, Raised) and g.kind == "AssertionError" for g in got):
        evidence = by_errors  # the same errors, raised by numpy in both: a probe's own coarse check tells less
    if not evidence and shape is not None:
        evidence.append((shape.fault, shape.where, shape.detail))
    classes = {fault for fault, _, _ in evidence}
    if len(classes) != 1 or None in classes:
        return None  # nothing holds, or two classes (or a class nobody labelled) do: no diagnosis
    wheres = sorted({where for _, where, _ in evidence if where})
    details = {detail for _, _, detail in evidence}
    return Finding((), classes.pop(), Place.join(wheres) if wheres else None,
                   details.pop() if len(details) == 1 else "")


def _carries_over(table: dict[str, Any], model: Mistake, function: str) -> bool:
    """Whether a callee's model names its caller's fault too, where the caller computes the same inline: a fault
    model of a class that carries over in the maths, but for sigmoid(-a) = 1 - sigmoid(a) (in a caller, a gate
    used on the wrong side). Not a catalogued mistake: its label says what the mistake is in the callee, which the
    same computation in a caller may not be (the callee's `1 - z` is its caller's `z on the wrong side`)."""
    catalogued = any(model is known for known in table[function].mistakes)
    return model.fault in INHERITED and NEGATED_SIGMOID not in model.name and not (catalogued and model.fault == "sign")


def _inputs_changed(expected: Any, got: list[Any]) -> bool:
    """Whether the student's function changed an input it was given, on some case."""
    return any(isinstance(g, tuple) and _changed_inputs(c, g[1], e[1])
               for c, g, e in zip(expected.cases, got, expected.observations) if isinstance(e, tuple))


def _as_float64(value: Any, depth: int = 0) -> Any:
    """An observation with every float array in float64: a model is compared on values (a student who also
    answers float32 in float64, an independent slip, still shows the model's fault)."""
    if depth > 6:
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.dtype != np.float64:
        return value.astype(np.float64)
    if isinstance(value, tuple):
        return tuple(_as_float64(v, depth + 1) for v in value)
    if isinstance(value, list):
        return [_as_float64(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: _as_float64(v, depth + 1) for k, v in value.items()}
    return value


def agrees_in_values(cases: list[Case], got: list[Any], theirs: list[Any]) -> bool:
    """mistakes.agrees, dtypes aside."""
    return agrees(cases, [_as_float64(g) for g in got], [_as_float64(t) for t in theirs])


def _through_a_value(expected: Any, observations: list[Any]) -> bool:
    """Whether a model differs from the reference somewhere in a value (not only by raising): agreeing with it
    there tells more than agreeing on an error message, which only reflects the operands' shapes."""
    return any(not isinstance(o, Raised) and judge_case(c, o, e, "") is not None
               for c, o, e in zip(expected.cases, observations, expected.observations))


def _upstream(function, table, got, trace, others, failing) -> Finding | None:
    """`upstream`: a graded function this one called on every failing case fails its own cases, and this one
    gives, on every case, what the correct function gives over that callee as the callee's own observations
    have it (the callee agrees with the model of it that this model is built on); or every failure of this one
    is an exception raised inside that callee (detail "raised")."""
    expected = table[function]
    blamed = set()
    for model, observations in zip(expected.callee_models, expected.callee_observations):
        callee = model.where
        other = others.get(callee)
        if other is None or not other.failed or callee in blamed:
            continue
        if trace is not None and not all(callee in called for called, failed in zip(trace.calls, failing)
                                         if failed):
            continue
        if not agrees_in_values(expected.cases, got, observations):
            continue
        found = inner_model(table, model.name, callee)
        if found is not None and agrees_in_values(other.expected.cases, other.got, found[1]):
            blamed.add(callee)
    detail = ""
    if not blamed and trace is not None:  # no model: blamed only where each failure is raised inside the callee
        inside = {tuple(where[:1]) if isinstance(g, Raised) else () for g, where, failed
                  in zip(got, trace.raised_in, failing) if failed}
        if len(inside) == 1 and () not in inside:
            callee = next(iter(inside))[0]
            if callee in expected.callees and callee in others and others[callee].failed:
                blamed, detail = {callee}, "raised"
    if len(blamed) != 1:
        return None
    callee = blamed.pop()
    deeper = others[callee].finding
    source = (deeper.source or deeper.where) if deeper is not None and deeper.fault == UPSTREAM else None
    return Finding((), UPSTREAM, callee, detail, source)
