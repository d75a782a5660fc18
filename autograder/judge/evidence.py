"""What a judgement needs, as data: `Expected` tables written to JSON and read back, and the signatures by which a
stored array is recognised.

The student edition's check judges a student's functions with the same `judge_emission` as the grader, against
an `Expected` table computed on the instructors' side and shipped as data (`dump_expected` / `load_expected`).
The walk goes by each field's annotation in `Expected`, not by its name, so a field added later of one of the
kinds below travels without a change here:

  * a list of `Case`: each case's name and tolerances only (its inputs and probe travel to the kernel in the
    pickled cases file, never in this table);
  * a list of `Mistake`: every field but `fn` (the wrong implementation stays behind; it is None when read back);
  * plain values (str, int, float, bool, None) and tuples of them;
  * anything else: per-case observations, in lists nested to any depth, each observation in the wire encoding the
    kernel shim writes for a case ({"__observed__": [outputs, inputs]} or {"__raised__": [kind, message]}) and
    `wire.decode_observation` reads, so that a stored observation is exactly what the grader would decode.

`signatures` names the arrays in a value by windows of their values, so that a stored practice output can be
compared with the graded ones (autograder/hidden drops a practice case that shows a graded output; the student
edition's leak test searches the whole edition for them).
"""
from __future__ import annotations

import base64
import dataclasses
import re
from typing import Any, Callable, Iterator

import numpy as np

from .checking import Case, Raised, Unreadable
from .mistakes import Mistake
from .verdicts import Expected
from .wire import decode_observation

FORMAT = 1  # of the JSON below; load_expected refuses another
WINDOW = 4  # consecutive values that make an array's signature


# ------------------------------------------------------------------------------------------- Expected as JSON
def dump_expected(table: dict[str, Expected], encode: Callable[[Any], Any]) -> dict:
    """{function: Expected} as JSON-able data (see the module's docstring for what each kind of field keeps).

    encode: the kernel shim's `encode` (isolation.sandbox.kernel_shim()), the one definition of the wire encoding,
    which the judge, below the isolation layer, does not import."""
    return {"format": FORMAT,
            "functions": {function: {field: _dump_field(field, value, encode)
                                     for field, value in expected._asdict().items()}
                          for function, expected in table.items()}}


def load_expected(data: dict) -> dict[str, Expected]:
    """The inverse of dump_expected: {function: Expected} whose cases carry names and tolerances, whose mistakes
    have fn None, and whose observations are as the grader decodes a kernel's emission."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"not an Expected table of format {FORMAT}")
    return {function: Expected(**{field: _load_field(field, fields[field]) for field in Expected._fields})
            for function, fields in data["functions"].items()}


def _kind(field: str) -> str:
    annotation = Expected.__annotations__[field]  # a string, a ForwardRef to one (postponed annotations), or a type
    annotation = getattr(annotation, "__forward_arg__", annotation)
    if isinstance(annotation, type):
        annotation = annotation.__name__
    elif not isinstance(annotation, str):  # list[autograder.judge.checking.Case] -> list[Case]
        annotation = re.sub(r"\b(?:\w+\.)+(\w+)", r"\1", repr(annotation))
    annotation = annotation.replace(" ", "")
    if annotation == "list[Case]":
        return "cases"
    if annotation == "list[Mistake]":
        return "mistakes"
    if annotation in ("str", "int", "float", "bool") or annotation.startswith("tuple[") and "Any" not in annotation:
        return "plain"
    return "observations"


def _dump_field(field: str, value: Any, encode: Callable[[Any], Any]) -> Any:
    kind = _kind(field)
    if kind == "cases":
        return [{"name": c.name, "rtol": c.rtol, "atol": c.atol, "strict_fp": c.strict_fp} for c in value]
    if kind == "mistakes":
        return [{f.name: getattr(m, f.name) for f in dataclasses.fields(Mistake) if f.name != "fn"} for m in value]
    if kind == "plain":
        return list(value) if isinstance(value, tuple) else value
    return _dump_observations(value, encode)


def _load_field(field: str, value: Any) -> Any:
    kind = _kind(field)
    if kind == "cases":
        return [Case(c["name"], rtol=c["rtol"], atol=c["atol"], strict_fp=c["strict_fp"]) for c in value]
    if kind == "mistakes":
        return [Mistake(**{**m, "fn": None}) for m in value]
    if kind == "plain":
        return tuple(value) if isinstance(value, list) else value
    return _load_observations(value)


def _dump_observations(value: Any, encode: Callable[[Any], Any]) -> Any:
    """Lists of observations, to any depth; each observation as the kernel shim emits one case."""
    if isinstance(value, list):
        return [_dump_observations(v, encode) for v in value]
    if isinstance(value, Raised):
        return {"__raised__": [value.kind, value.message]}
    if isinstance(value, tuple) and len(value) == 2:
        return {"__observed__": [encode(value[0]), encode(value[1])]}
    raise TypeError(f"not an observation: {type(value).__name__} (a new kind of field in Expected?)")


def _load_observations(value: Any) -> Any:
    if isinstance(value, list):
        return [_load_observations(v) for v in value]
    return decode_observation(value)


# ----------------------------------------------------------------------------------------------- signatures
def arrays_in_value(value: Any, depth: int = 0) -> Iterator[np.ndarray]:
    """Every numeric array in a value (outputs, an observation, a case's inputs): numpy arrays, tensors, and
    lists of numbers, through tuples, lists, dicts and Observed/Raised-free containers."""
    if depth > 8 or value is None or isinstance(value, (str, bytes, Raised, Unreadable)):
        return
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf":
            yield value
        elif value.dtype == object:
            for item in value.flat:
                yield from arrays_in_value(item, depth + 1)
        return
    if isinstance(value, dict):
        for item in value.values():
            yield from arrays_in_value(item, depth + 1)
    elif isinstance(value, (list, tuple)):
        if value and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            yield np.asarray(value, dtype=float)
        else:
            for item in value:
                yield from arrays_in_value(item, depth + 1)


def is_round(number: float) -> bool:
    """A value anyone could write down (0, 1, 0.5, -1000, 0.25): two significant digits say all of it."""
    return bool(_round(np.array([number], dtype=float))[0])


def _round(values: np.ndarray) -> np.ndarray:
    """is_round of each value (and True for nan and inf)."""
    with np.errstate(all="ignore"):
        finite = np.isfinite(values)
        step = 10.0 ** (np.floor(np.log10(np.where(finite & (values != 0), np.abs(values), 1.0))) - 1)
        return ~finite | (values == 0) | np.isclose(np.round(values / step) * step, values, rtol=1e-9, atol=0)


def _six_digits(values: np.ndarray) -> np.ndarray:
    """Each value rounded to 6 significant digits (two values print alike at %.6g when these are equal)."""
    with np.errstate(all="ignore"):
        magnitude = np.abs(np.where(np.isfinite(values) & (values != 0), values, 1.0))
        step = 10.0 ** (np.floor(np.log10(magnitude)) - 5)
        return np.round(values / step) * step


def window_starts(array: Any) -> np.ndarray:
    """Where each distinctive window of an array starts: WINDOW consecutive values (flattened, C order) that are
    finite, not round and pairwise different at 6 significant digits. An array with none is not distinctive:
    sigmoid of zeros, a one-hot row, counts, ids."""
    flat = np.asarray(array, dtype=np.float64).reshape(-1)
    count = flat.size - WINDOW + 1
    if count <= 0:
        return np.zeros(0, dtype=int)
    usable = ~_round(flat)
    six = _six_digits(flat)
    good = np.ones(count, dtype=bool)
    for i in range(WINDOW):
        good &= usable[i:i + count]
        for j in range(i + 1, WINDOW):
            good &= six[i:i + count] != six[j:j + count]
    return np.flatnonzero(good)


def windows(array: Any) -> Iterator[np.ndarray]:
    """The distinctive windows of an array (window_starts), in its own dtype."""
    flat = np.asarray(array).reshape(-1)
    for start in window_starts(flat):
        yield flat[start:start + WINDOW]


def text_signature(window: np.ndarray) -> tuple[str, ...]:
    """A window's values as text, 6 significant digits each: how a printed or JSON array shows them."""
    return tuple(f"{float(v):.6g}" for v in window)


def text_signatures(array: Any) -> set[tuple[str, ...]]:
    """The text signatures of every distinctive window of one array."""
    flat = np.asarray(array, dtype=np.float64).reshape(-1)
    starts = window_starts(flat)
    if not starts.size:
        return set()
    needed = np.unique(np.concatenate([starts + k for k in range(WINDOW)]))
    text = dict(zip(needed.tolist(), (f"{v:.6g}" for v in flat[needed].tolist())))
    return {tuple(text[s + k] for k in range(WINDOW)) for s in starts.tolist()}


def signatures(value: Any) -> set[tuple[str, ...]]:
    """The text signatures of every distinctive window of every array in a value."""
    found = set()
    for array in arrays_in_value(value):
        found |= text_signatures(array)
    return found


def byte_signatures(value: Any) -> set[bytes]:
    """The raw bytes of each array's first distinctive window, in its own dtype and as float64 and float32 where it
    stays distinctive there (a tiny float64 is 0 in float32): how a pickle, an .npy or a base64 blob holds it."""
    found = set()
    for array in arrays_in_value(value):
        first = next(windows(array), None)
        if first is None:
            continue
        for dtype in {first.dtype, np.dtype(np.float64), np.dtype(np.float32)}:
            converted = np.ascontiguousarray(first, dtype=dtype)
            if window_starts(converted).size:
                found.add(converted.tobytes())
    return found


def base64_blobs(text: str, minimum: int = 24) -> Iterator[bytes]:
    """The decoded bytes of every base64 run of at least `minimum` characters in a text (the wire encoding's
    arrays, a notebook's images)."""
    for match in re.finditer(r"[A-Za-z0-9+/]{%d,}={0,2}" % minimum, text):
        run = match.group(0)
        try:
            yield base64.b64decode(run + "=" * (-len(run) % 4))
        except ValueError:
            continue

