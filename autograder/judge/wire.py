"""What travels in a notebook's outputs between the student's kernel and the grader, and back to the grader.

Two messages, both plain JSON inside ordinary notebook outputs:

  * the kernel's emission (a display_data output of MIME_TYPE, written by the kernel shim,
    autograder/isolation/kernel_shim): per hidden case, the student's function's outputs and its inputs after
    the call, or what it raised. `decode_observation` reads one case of it. Every byte of it is the student's.
  * the grader's verdicts (the metadata of display outputs the grader adds to a test cell, under VERDICT_KEY
    and CELL_VERDICT_KEY): written by the hidden-test judge (pipeline/hidden_tests.py), read back by
    verdicts.cell_verdicts for the results and the class report.
"""
from __future__ import annotations

import base64
import re
from typing import Any

import numpy as np

from .checking import Detail, Raised, Unreadable

MIME_TYPE = "application/vnd.gatebygate.hidden-outputs+json"  # the kernel shim writes the same string
VERDICT_KEY = "gatebygate/verdict"
CELL_VERDICT_KEY = VERDICT_KEY + "/cell"
MAX_EMISSION_BYTES = 32 * 1024 ** 2
MAX_DEPTH = 40  # deeper than any output of the graded functions
# The instructor's hidden-test block in a test cell names the assignment and each graded function.
HIDDEN_IMPORT = re.compile(r"from autograder\.hidden import (\w+) as hidden")
HIDDEN_CALL = re.compile(r'hidden\.check\("(\w+)"')


class _TooDeep(Exception):
    pass


def decode(value: Any, depth: int = 0) -> Any:
    """Inverse of the kernel shim's encode; accepts only plain numeric data. Never raises: whatever a student's
    code put in the emission (wrong shapes, unknown dtypes, deep nesting, wrong types) decodes to a value that
    fails its comparison with a message, never to a grader error."""
    try:
        return _decode(value, depth)
    except (RecursionError, _TooDeep):
        return Unreadable(Detail.UNREADABLE_DEEP)
    except Exception as error:  # malformed data from the kernel: it is the student's output, and it is wrong
        return Unreadable(Detail.UNREADABLE_MALFORMED.format(error=type(error).__name__))


def _decode(value, depth):
    if depth > MAX_DEPTH:
        raise _TooDeep
    if isinstance(value, list):
        return [_decode(v, depth + 1) for v in value]
    if isinstance(value, dict):
        if "__ndarray__" in value:
            dtype = np.dtype(str(value["dtype"]))
            if dtype.kind not in "biuf":
                return Unreadable(Detail.UNREADABLE_DTYPE.format(dtype=dtype))
            shape = [int(n) for n in value["shape"]]
            data = base64.b64decode(str(value["__ndarray__"]), validate=True)
            array = np.frombuffer(data, dtype=dtype).reshape(shape).copy()
            if value.get("torch") is True:
                # Only where a tensor was emitted (a03, a06): importing torch costs about 1.9 s of CPU (a fresh
                # `python -c "import torch"`), which the grader of a numpy-only assignment never pays.
                import torch
                return torch.from_numpy(array)
            return array
        if "__tuple__" in value:
            return tuple(_decode(v, depth + 1) for v in value["__tuple__"])
        if "__dict__" in value:
            return {str(k): _decode(v, depth + 1) for k, v in value["__dict__"]}
        return Unreadable(str(value.get("__unsupported__", "object"))[:200])
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return Unreadable(type(value).__name__)


def decode_observation(raw: Any) -> tuple | Raised:
    """One case of an emission -> (outputs, inputs after the call), or a Raised."""
    if isinstance(raw, dict) and "__observed__" in raw:
        pair = raw["__observed__"]
        if isinstance(pair, list) and len(pair) == 2:
            inputs = decode(pair[1])
            return decode(pair[0]), inputs if isinstance(inputs, dict) else None
    if isinstance(raw, dict) and "__raised__" in raw:
        pair = raw["__raised__"]
        if isinstance(pair, list) and len(pair) == 2:
            return Raised(str(pair[0])[:100], str(pair[1])[:2000])
    return Raised("MalformedEmission", Detail.UNREADABLE_EMISSION)


def decode_calls(raw: Any, count: int) -> list[list[str]] | None:
    """Per case, the names of the graded functions the student's function called (the emission's "calls"); None
    when it is absent or not one list of names per case (whatever the kernel sent, nothing is blamed on it)."""
    if not isinstance(raw, list) or len(raw) != count:
        return None
    calls = []
    for names in raw:
        if not isinstance(names, list) or len(names) > 200 or not all(isinstance(n, str) and len(n) <= 200
                                                                      for n in names):
            return None
        calls.append(list(names))
    return calls


def is_emission(output: dict) -> bool:
    """Whether a cell output is the kernel shim's emission of hidden-test outputs."""
    return output.get("output_type") == "display_data" and MIME_TYPE in output.get("data", {})
