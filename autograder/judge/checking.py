"""Comparison machinery for hidden tests: seeded cases, stated tolerances, messages that say what is wrong.

A hidden test is a list of `Case`s. Each case runs the student's function and the reference on the same
(copied) inputs and compares every output: its type, its shape, that it is finite, then its values within
the case's tolerance. The first mismatch raises an AssertionError naming the function, the case and the
output, e.g. "rnn_step [batch of 1]: h_next has shape (2, 5), expected (1, 5)".
"""
from __future__ import annotations

import ast
import contextlib
import copy
import functools
import hashlib
import inspect
import re
import string
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence

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

    Every case also observes the arrays it passed in, as they are after the call (`observe`), and those
    must come back as the reference leaves them: unchanged. An in-place `x -= x.max()` or `c_prev *= f`
    corrupts the caller's arrays, so it fails every case, not only those that probe for it.
    """
    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    rtol: float = FLOAT64_TOL["rtol"]
    atol: float = FLOAT64_TOL["atol"]
    run: Optional[Callable[[Callable], Any]] = None
    strict_fp: bool = False

    def observe(self, fn: Callable) -> tuple[Any, dict | None]:
        """(outputs, inputs after the call) for fn; the second is None for a probe that does not report it."""
        if self.run is not None:
            out = self.run(fn)
            return (out.result, out.inputs) if isinstance(out, Observed) else (out, None)
        args, kwargs = copy.deepcopy(self.args), copy.deepcopy(self.kwargs)
        result = fn(*args, **kwargs)
        return result, arrays_in(args, kwargs)

    def outputs(self, fn: Callable) -> Any:
        """fn's outputs on this case."""
        return self.observe(fn)[0]


@dataclass(frozen=True)
class Message:
    """A sentence as data: an English template with named fields, and their values (a value may be a Message
    itself). Rendered in English it is the id that results and cases.csv keep; a student reads it rendered with
    the translation of each template (Wording.text), so no sentence is pieced together from English words.

    The templates are listed for the catalogue: Detail's here, each hidden module's PROBE_MESSAGES."""
    template: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def render(self, translate: Callable[[str], str] = str) -> str:
        """The sentence with each template translated by `translate` (English where a translation does not take
        the same fields: a catalogue's slip costs the student the translation, never the message)."""
        values = {key: value.render(translate) if isinstance(value, Message) else value
                  for key, value in self.values.items()}
        try:
            return translate(self.template).format(**values)
        except (KeyError, IndexError, ValueError):
            return self.template.format(**values)

    def __str__(self) -> str:
        return self.render()

    @classmethod
    def literal(cls, text: str) -> Message:
        """A text that is no template's (a student's exception, a probe's message no template matches)."""
        return cls("{text}", {"text": text})

    @classmethod
    def parse(cls, text: str, templates: Sequence[str]) -> Message | None:
        """The Message whose English rendering is `text`, from the first of `templates` that gives it; None if
        none does. (A probe's message arrives from the kernel as text: this recovers what to translate.)

        The text may be a student's exception message, so it is never matched against a regular expression,
        which with several fields can take exponential time on a crafted text. One pass instead: a field runs to
        the first place of the literal after it (the last literal, to the end), and the result counts only if
        it renders as `text` again."""
        for template in templates:
            values = _fields_of(template, text)
            if values is not None:
                return cls(template, values)
        return None


@functools.lru_cache(maxsize=None)
def _pieces(template: str) -> tuple[tuple[str, str | None], ...]:
    """A template as (literal, the field after it or None) pairs, parsed once."""
    return tuple((literal, name) for literal, name, _spec, _conversion in string.Formatter().parse(template))


def _fields_of(template: str, text: str) -> dict[str, str] | None:
    pieces = _pieces(template)
    values, at, pending = {}, 0, None  # pending: the field whose value runs up to the next literal
    for index, (literal, name) in enumerate(pieces):
        if pending is None:
            if not text.startswith(literal, at):
                return None
            at += len(literal)
        else:
            if index == len(pieces) - 1 and name is None:  # the last literal ends the text
                end = len(text) - len(literal) if text.endswith(literal) else -1
            else:
                end = text.find(literal, at + 1) if literal else -1  # two fields side by side: no reading
            if end <= at:  # not found, or a field with no value
                return None
            values[pending] = text[at:end]
            at = end + len(literal)
        pending = name
    if pending is not None:
        if at >= len(text):
            return None
        values[pending], at = text[at:], len(text)
    try:
        return values if at == len(text) and template.format(**values) == text else None
    except (KeyError, IndexError, ValueError):
        return None


class Detail:
    """What is wrong with one output or one case, as a template (Message): the judge's only sentences."""
    NOT_A_SEQUENCE = "{name} should be a tuple of {count} items, got {kind}"
    WRONG_LENGTH = "{name} should have {count} items, got {got}"
    NOT_A_DICT = "{name} should be a dict with keys {keys}, got {kind}"
    MISSING_KEYS = "{name} is missing the keys {keys}"
    NONE = "{name} is None: did the function forget to return it?"
    OUTPUT_RAISED = "{name}: the call raised {error}"
    NOT_NUMERIC = "{name} should be numeric, got {got}"
    WRONG_KIND = "{name} should be {want}, got {have}"
    TENSOR_NOT_ARRAY = "{name} should be {want}, got {have} (convert with .detach().numpy())"
    WRONG_SHAPE = "{name} has shape {got}, expected {expected}"
    NOT_FINITE = "{name} contains nan or inf; the reference is finite (an overflow?)"
    DIFFERS = ("{name} differs from the reference by up to {difference} (at index {index}: got {got}, "
               "expected {expected}; tolerance rtol={rtol}, atol={atol})")
    WRONG_DTYPE = ("{name} has dtype {got}, expected {expected} (the dtype the inputs have: keep it, neither "
                   "upcast nor downcast)")
    REFERENCE_RAISED = "the reference itself raised {error} (a fault of the grader, not of your code)"
    FLOATING_POINT = ("numpy reported '{error}'. Use a numerically stable formulation (no exp of large positive "
                      "numbers).")
    MALFORMED = ("{error}: the hidden-test outputs are not what the grader's test cell sends (was IPython's "
                 "display replaced?), so this case fails")
    CALL_RAISED = "the call raised {error}"
    INPUTS_NOT_REPORTED = "the inputs after the call were not reported"
    INPUT_NOT_REPORTED = "the input {label} after the call was not reported"
    INPUT_CHANGED = ("the call changed its input {label}. A function must leave its inputs as it found them: an "
                     "in-place update such as `x -= x.max()` or `c *= f` writes into the caller's array; write "
                     "`x = x - x.max()`, `c = c * f`")
    ARGUMENT = "argument {number}"
    # What the hidden modules' probes check in the kernel before anything is compared (with each module's own
    # PROBE_MESSAGES): the probe raises the English; the grader words it from the template it matches.
    EXPECTED_OUTPUTS = "expected {outputs}"
    MUST_BE_DICT = "{name} must be a dict with the keys {keys}"
    SHOULD_RETURN = "{function} should return a tuple {outputs}, got {kind}"
    # What the grader could not read of an emission (judge/wire.py, verdicts.decoded_emission).
    UNREADABLE_DEEP = "output nested too deeply"
    UNREADABLE_MALFORMED = "malformed output ({error})"
    UNREADABLE_DTYPE = "array of dtype {dtype}"
    UNREADABLE_EMISSION = "the test cell's outputs could not be read"
    EMISSION_TOO_LARGE = "outputs far larger or deeper than expected"
    NUMPY_ARRAY = "a numpy array"
    TORCH_TENSOR = "a torch tensor"
    LIST = "a list"
    TUPLE = "a tuple"


class Label:
    """The forms of the labels the probes give their outputs, where a label is words, not a name: a Detail names
    an output as `result["h_next minus torch's h"]`, and the student reads the label in their language. The first
    form that matches a label is its reading (tests/test_korean_verdicts.py requires one for every label)."""
    UNCHANGED = "{name} after the call (must be unchanged)"
    AFTER = "{name} after the call"
    MINUS_TORCH_OUTPUT = "{value} minus torch's output"
    MINUS_TORCH_OF = "{value} minus torch's {what}"
    MINUS_TORCH = "{value} minus torch's"
    MINUS_AUTOGRAD_GRADIENT = "{value} minus torch.autograd's gradient"
    MINUS_AUTOGRAD = "{value} minus torch.autograd's"
    MINUS_LSTM_CELL = "{value} minus nn.LSTMCell's"
    MINUS_EMBEDDING = "minus torch.nn.Embedding's output"
    MINUS_ONE_HOT = "minus one_hot(ids) @ W_emb"
    REBUILT = "output of a layer rebuilt from your params minus the original's"
    RELATIVE_ERROR = "relative error of {name} against {reference}"
    INPUTS_GLUED = "inputs glued across chunks"
    TARGETS_GLUED = "targets glued across chunks"
    NEXT_NUMBER = "the generator's next number after the call (it tells how many numbers were drawn)"
    RETURNED = "returned {outputs}"
    AFTER_SECOND_CHUNK = "{name} after the second chunk"
    LOSS_SECOND_CHUNK = "loss of the second chunk"
    AFTER_TWO_STEPS = "parameters after two steps"
    DRAWN = "how often each id was drawn in {calls} calls"
    # Properties a probe reports as 1 (yes) or 0 (no).
    STD_WITHIN = "W_xh.std() / std is between {low} and {high} (1 = yes)"
    MEAN_BELOW = "|W_xh.mean()| / std is below {bound} (1 = yes)"
    SAME_SEED = "the same seed gives the same W_xh (1 = yes)"
    OTHER_SEED = "another seed gives another W_xh (1 = yes)"
    ALL_NUMPY = "every array returned is a numpy array (1 = yes)"
    FLOAT_DTYPE = "every float array returned has dtype {dtype} (1 = yes)"
    ALL_DTYPE = "every array returned has dtype {dtype} (1 = yes)"
    IDS_DTYPE = "ids is a numpy array of dtype {dtype} (1 = yes)"


UNREAD = (Detail.UNREADABLE_DEEP, Detail.UNREADABLE_MALFORMED, Detail.UNREADABLE_DTYPE, Detail.UNREADABLE_EMISSION,
          Detail.EMISSION_TOO_LARGE)


def detail_templates() -> list[str]:
    """Every template of Detail, then of Label, in order: what the grader's catalogue translates."""
    return [*_DETAIL_TEMPLATES, *_LABEL_TEMPLATES]


def label_templates() -> list[str]:
    """Label's forms, in the order they are tried."""
    return list(_LABEL_TEMPLATES)


_DETAIL_TEMPLATES = tuple(value for name, value in vars(Detail).items() if name.isupper())
_LABEL_TEMPLATES = tuple(value for name, value in vars(Label).items() if name.isupper())


# A key in an output's name, "[...]" around a Python string literal as repr writes it.
_QUOTED_KEY = re.compile(r"""\[('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\]""")


def labelled(name: str) -> str | Message:
    """An output's name, with each key that is a probe's label (Label) as a Message: the English as it was,
    and in the student's language the label's words."""
    pieces = _QUOTED_KEY.split(name)
    if len(pieces) == 1:
        return name
    joined: str | Message = pieces[0]
    for quoted, after in zip(pieces[1::2], pieces[2::2]):
        key = ast.literal_eval(quoted)  # a literal repr wrote: the reference's own keys
        verbatim = isinstance(key, str) and quoted == quoted[0] + key + quoted[0]  # nothing escaped in it
        label = Message.parse(key, _LABEL_TEMPLATES) if verbatim else None
        if label is None:
            joined = _joined(joined, f"[{quoted}]")
        else:
            joined = Message("{name}[{quote}{label}{quote}]", {"name": joined, "quote": quoted[0], "label": label})
        joined = _joined(joined, after)
    return joined


def _joined(first: str | Message, second: str) -> str | Message:
    if not second:
        return first
    if isinstance(first, str):
        return first + second
    return Message("{first}{second}", {"first": first, "second": second})


def _unread(text: str) -> str | Message:
    """What the grader says it could not read, as the Message it was made from (as `text` where it is not one:
    a student's own type name)."""
    return Message.parse(text, UNREAD) or text


class Mismatch(AssertionError):
    """An output that does not match the reference's: an AssertionError whose message is a Message."""

    def __init__(self, template: str, **values: Any) -> None:
        self.detail = Message(template, values)
        super().__init__(str(self.detail))


class Observed:
    """What a probe returns when it also reports the inputs it passed, as they are after the call."""

    def __init__(self, result, inputs):
        self.result, self.inputs = result, inputs


class Raised:
    """Stands for a call that raised: the exception's type and message, never equal to any output."""

    def __init__(self, kind, message):
        self.kind, self.message = kind, message

    def __repr__(self):
        return f"{self.kind}: {self.message}" if self.message else self.kind


class Unreadable:
    """Stands in for an output the kernel could not encode or the grader could not decode; never a number."""

    def __init__(self, description):
        self.description = description

    def __repr__(self):
        return self.description


def arrays_in(args: tuple, kwargs: dict) -> dict[str, np.ndarray]:
    """The numpy arrays among the arguments, labelled "#i", "#i['key']" or "name": what must come back unchanged."""
    found = {}

    def walk(value, label, depth=0):
        if isinstance(value, np.ndarray):
            found[label] = value
        elif depth < 3 and isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{label}[{key!r}]", depth + 1)
        elif depth < 3 and isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                walk(item, f"{label}[{i}]", depth + 1)
    for i, value in enumerate(args):
        walk(value, f"#{i}")
    for key, value in kwargs.items():
        walk(value, key)
    return found


# ------------------------------------------------------------------------------------------------- seeds
# Every seed a hidden module writes goes through `seeded`: as written for the graded cases, and replaced inside
# practice_seeds(key), where the same generators build the practice cases of the student edition.
PRACTICE_SEED_MIN = 100_000  # above every seed a hidden module writes, so no practice seed is a graded one
_practice_key: str | None = None


def seeded(seed: int) -> int:
    """The seed a case generator uses for `seed`: `seed` itself, or inside practice_seeds(key) one made from
    `seed` and the key, which the instructors keep. Not an offset: a practice seed handed to a student's
    function (irnn_init's seed, sample_next's generator) must not tell the graded seed it came from."""
    if _practice_key is None:
        return int(seed)
    digest = hashlib.sha256(f"{_practice_key}/{int(seed)}".encode()).digest()
    return PRACTICE_SEED_MIN + int.from_bytes(digest[:4], "big") % (2 ** 31 - PRACTICE_SEED_MIN)


def generator(seed: int) -> np.random.Generator:
    """np.random.default_rng of the seed `seeded` gives: what a case generator draws anything else from."""
    return np.random.default_rng(seeded(seed))


@contextlib.contextmanager
def practice_seeds(key: str) -> Iterator[None]:
    """While active, `seeded` (and so random_normal and generator) replaces every seed by one made with `key`.

    Resolve a seed when a case is built, never inside a probe: a probe runs in the student's kernel, long after."""
    global _practice_key
    if not key:
        raise ValueError("practice seeds need a non-empty key")
    previous, _practice_key = _practice_key, key
    try:
        yield
    finally:
        _practice_key = previous


def random_normal(seed: int, *shape: int, scale: float = 1.0, dtype: Any = np.float64) -> np.ndarray:
    """Seeded standard-normal array times `scale`, as `dtype` (the seed goes through `seeded`)."""
    return (scale * generator(seed).standard_normal(shape)).astype(dtype)


def assert_matches(got: Any, expected: Any, name: str, rtol: float, atol: float) -> None:
    """Compare an output with the reference's, recursively through tuples, lists and dicts; raise a Mismatch."""
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)):
            raise Mismatch(Detail.NOT_A_SEQUENCE, name=name, count=len(expected), kind=type(got).__name__)
        if len(got) != len(expected):
            raise Mismatch(Detail.WRONG_LENGTH, name=name, count=len(expected), got=len(got))
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_matches(g, e, f"{name}[{i}]", rtol, atol)
        return
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            raise Mismatch(Detail.NOT_A_DICT, name=name, keys=sorted(expected), kind=type(got).__name__)
        missing = sorted(set(expected) - set(got))
        if missing:
            raise Mismatch(Detail.MISSING_KEYS, name=name, keys=missing)
        for key in expected:
            assert_matches(got[key], expected[key], f"{name}[{key!r}]", rtol, atol)
        return
    if got is None:
        raise Mismatch(Detail.NONE, name=name)
    if isinstance(got, Raised):
        raise Mismatch(Detail.OUTPUT_RAISED, name=name, error=repr(got))
    if isinstance(got, Unreadable):
        raise Mismatch(Detail.NOT_NUMERIC, name=name, got=_unread(repr(got)))
    _assert_same_kind(got, expected, name)
    try:
        got_array = np.asarray(got, dtype=float) if not _is_tensor(got) else got.detach().numpy()
    except (TypeError, ValueError):
        raise Mismatch(Detail.NOT_NUMERIC, name=name, got=type(got).__name__) from None
    expected_array = np.asarray(expected, dtype=float) if not _is_tensor(expected) else expected.detach().numpy()
    if got_array.shape != expected_array.shape:
        raise Mismatch(Detail.WRONG_SHAPE, name=name, got=got_array.shape, expected=expected_array.shape)
    _assert_same_dtype(got, expected, name)
    got_array, expected_array = got_array.astype(float), expected_array.astype(float)
    if not np.all(np.isfinite(got_array)) and np.all(np.isfinite(expected_array)):
        raise Mismatch(Detail.NOT_FINITE, name=name)
    diff = np.abs(got_array - expected_array)
    bound = atol + rtol * np.abs(expected_array)
    if np.any(diff > bound):
        worst = np.unravel_index(np.argmax(diff - bound), diff.shape) if diff.ndim else ()
        raise Mismatch(Detail.DIFFERS, name=name, difference=f"{diff.max():.3g}",
                       index=tuple(int(i) for i in worst), got=f"{got_array[worst]:.6g}",
                       expected=f"{expected_array[worst]:.6g}", rtol=f"{rtol:g}", atol=f"{atol:g}")


def _kind(value):
    if _is_tensor(value):
        return Message(Detail.TORCH_TENSOR)
    if isinstance(value, np.ndarray) and value.ndim:
        return Message(Detail.NUMPY_ARRAY)
    if isinstance(value, list):
        return Message(Detail.LIST)
    if isinstance(value, tuple):
        return Message(Detail.TUPLE)
    return None  # a scalar (Python number, numpy scalar, 0-d array): any of them will do


def _assert_same_kind(got, expected, name):
    """Where the reference returns an array (numpy or torch), the same kind is asked for: code built on it (the
    student's own numpy code, in the book) breaks on a tensor or a list, whatever their values."""
    want, have = _kind(expected), _kind(got)
    if want is not None and want.template in (Detail.NUMPY_ARRAY, Detail.TORCH_TENSOR) and have != want:
        tensor = have is not None and have.template == Detail.TORCH_TENSOR
        raise Mismatch(Detail.TENSOR_NOT_ARRAY if tensor else Detail.WRONG_KIND, name=name, want=want,
                       have=have or type(got).__name__)


def _assert_same_dtype(got, expected, name):
    """A float32 input answered in float64, or float64 computed in float32, is a different result."""
    want = _dtype(expected)
    if want is None or want.kind != "f":
        return
    have = _dtype(got)
    if have is not None and have != want:
        raise Mismatch(Detail.WRONG_DTYPE, name=name, got=have, expected=want)


def _dtype(value):
    if _is_tensor(value):
        return np.dtype(str(value.dtype).replace("torch.", "")) if value.ndim else None
    return value.dtype if isinstance(value, np.ndarray) and value.ndim else None


def _is_tensor(value):
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def judge_case(case: Case, got: Any, expected: Any, output_name: str, parameters: tuple[str, ...] = (),
               probe_messages: Sequence[str] = (), function: str = "") -> Message | None:
    """None if one case's observation (outputs, inputs after the call) agrees with the reference's, else why not.

    got / expected: (outputs, inputs) pairs from Case.observe, or Raised for a call that raised.
    probe_messages: the hidden module's PROBE_MESSAGES, the templates of its probes' own checks.
    function: the graded function's name, which a probe's message without a place starts with.
    """
    if isinstance(expected, Raised):
        return Message(Detail.REFERENCE_RAISED, {"error": repr(expected)})
    if isinstance(got, Raised):
        if got.kind == "FloatingPointError":
            return Message(Detail.FLOATING_POINT, {"error": got.message})
        if got.kind == "MalformedEmission":
            return Message(Detail.MALFORMED, {"error": _unread(got.message)})
        if got.kind == "AssertionError":
            said = probe_said(got.message, probe_messages, function)
            if said is not None:
                return said  # a probe's own structural check, already phrased for the student
        return Message(Detail.CALL_RAISED, {"error": repr(got)})
    (got_out, got_inputs), (want_out, want_inputs) = got, expected
    try:
        assert_matches(got_out, want_out, output_name, case.rtol, case.atol)
        if want_inputs:
            if not isinstance(got_inputs, dict):
                return Message(Detail.INPUTS_NOT_REPORTED)
            for label, want in want_inputs.items():
                if label not in got_inputs:
                    return Message(Detail.INPUT_NOT_REPORTED, {"label": label})
                try:
                    assert_matches(got_inputs[label], want, label, case.rtol, case.atol)
                except AssertionError:
                    return Message(Detail.INPUT_CHANGED, {"label": input_label(label, parameters)})
    except Mismatch as failure:
        detail = failure.detail
        if isinstance(detail.values.get("name"), str):
            detail = Message(detail.template, {**detail.values, "name": labelled(detail.values["name"])})
        return detail
    return None


def probe_said(message: str, probe_messages: Sequence[str], function: str = "") -> Message | None:
    """What a probe's own check said, as a Message with its place ("function [case]: ") taken off: an
    AssertionError that names its place as a probe does, or (a04's and a05's, which have none) starts with the
    function's name, read through the module's PROBE_MESSAGES or Detail's; else None (an assert of the student's
    own is a call that raised, whatever its words)."""
    place = re.match(r"[A-Za-z_][A-Za-z0-9_]* \[[^\n]*?\]: ", message)
    named = bool(function) and message.startswith((function + " ", function + ":"))
    if place is None and not named:
        return None
    text = message[place.end():] if place else message
    said = Message.parse(text, (*probe_messages, *_DETAIL_TEMPLATES, *_LABEL_TEMPLATES))
    return said if said is not None or place is None else Message.literal(text)


@dataclass
class CaseResult:
    """One hidden case's verdict. message: in English, "function [case]: detail", the id results keep; detail:
    the same as a Message, which the student reads in their language (None when the case passed)."""
    name: str
    passed: bool
    message: str = ""
    detail: Message | None = field(default=None, compare=False)


def judge(function_name: str, cases: list[Case], got: list[Any], expected: list[Any], output_name: str = "result",
          parameters: tuple[str, ...] = (), probe_messages: Sequence[str] = ()) -> list[CaseResult]:
    """Per case, a CaseResult: the student's observations `got` against the reference's `expected`.

    parameters: the reference's parameter names, to name a changed input ("c_prev", not "#0").
    probe_messages: the templates of the probes' own checks (the hidden module's PROBE_MESSAGES)."""
    results = []
    for case, mine, want in zip(cases, got, expected):
        detail = judge_case(case, mine, want, output_name, parameters, probe_messages, function_name)
        message = "" if detail is None else f"{function_name} [{case.name}]: {detail}"
        results.append(CaseResult(case.name, detail is None, message, detail))
    return results


def input_label(label: str, parameters: tuple[str, ...]) -> str | Message:
    """"#1['W_f']" -> "params['W_f']" given the parameter names (x_t, params, ...); "argument 4['W_f']" past
    them."""
    if label.startswith("#"):
        index, rest = label[1:].split("[", 1) if "[" in label else (label[1:], None)
        if index.isdigit() and int(index) < len(parameters):
            return parameters[int(index)] + ("[" + rest if rest is not None else "")
        argument = Message(Detail.ARGUMENT, {"number": int(index) + 1})
        return argument if rest is None else Message("{argument}[{rest}", {"argument": argument, "rest": rest})
    return label


def parameter_names(fn: Callable) -> tuple[str, ...]:
    """The positional parameter names of a reference (or of its numpy function, for one with twins)."""
    try:
        signature = inspect.signature(getattr(fn, "numpy_fn", fn))
    except (TypeError, ValueError):
        return ()
    return tuple(p.name for p in signature.parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def observe_safely(case: Case, fn: Callable) -> Any:
    """Case.observe, with any exception the call raises turned into a Raised (the kernel shim does the same)."""
    try:
        if case.strict_fp:
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                return case.observe(fn)
        return case.observe(fn)
    except Exception as error:  # the student's code may raise anything; it is one failed case
        return Raised(type(error).__name__, str(error)[:2000])


def check_function(function_name: str, student_fn: Callable, reference_fn: Callable, cases: list[Case],
                   output_name: str = "result") -> None:
    """Run every case on the student's function and the reference; raise on the first mismatch.

    Returns None on purpose: nbgrader reads a number left as a test cell's last value as partial credit.
    """
    if not callable(student_fn):
        raise AssertionError(f"{function_name} is not a function")
    expected = [case.observe(reference_fn) for case in cases]
    got = [observe_safely(case, student_fn) for case in cases]
    for result in judge(function_name, cases, got, expected, output_name, parameter_names(reference_fn)):
        if not result.passed:
            raise AssertionError(result.message)
    print(f"{function_name}: {len(cases)} hidden cases passed")


def call_probe(args: tuple, kwargs: dict | None = None, twin: str | None = None, after: Callable | None = None,
               inputs_after: Sequence[str] | None = None) -> Callable[[Callable], Any]:
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
            return Observed(result, arrays_in(a, k))
        return {"result": result, **{Label.UNCHANGED.format(name=name): value
                                     for name, value in zip(inputs_after, a) if name}}
    return run


def closure_probe(f: Callable, x: np.ndarray, transpose: bool = False, **kwargs: Any) -> Callable[[Callable], Any]:
    """The call the book makes to a gradient checker: fn(loss, x) where the loss is a closure that reads the very
    array it perturbs, not its argument (`lambda _: loss_of(W_hh)`). An implementation that perturbs a copy, or
    a flattened copy (`x.ravel()` of a non-contiguous array), then sees no change and returns zeros.

    transpose: hand over x.T, a non-contiguous view, as a book that checks a transposed weight would.
    """
    def run(fn):
        x_in = x.copy().T if transpose else x.copy()
        gradient = fn(lambda _ignored: f(x_in), x_in, **kwargs)
        return Observed({"gradient": gradient}, arrays_in((None, x_in), {}))
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
