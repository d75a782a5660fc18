"""Kernel side of the hidden tests: run the student's function on the hidden inputs and emit its outputs.

Nothing here decides pass or fail, so nothing a student redefines in the kernel can change a verdict:
the grader compares the emitted outputs with the reference outside the kernel. The hidden cases (inputs
and probes, never expected outputs) come from the file named by $AUTOGRADER_CASES.
"""
import base64
import os
import pickle

MIME_TYPE = "application/vnd.gatebygate.hidden-outputs+json"
_cases = None


def __getattr__(assignment):
    if assignment.startswith("__"):
        raise AttributeError(assignment)
    return _Assignment(assignment)


class _Assignment:
    def __init__(self, name):
        self.name = name

    def check(self, function_name, student_fn):
        """Emit, per case, what the student's function returned and its inputs after the call, or what it raised.

        A failing case never stops the others: each is judged (and scored) on its own, outside the kernel.
        """
        from IPython.display import display

        display({MIME_TYPE: emission(self.name, function_name, student_fn, _load_cases()[self.name])}, raw=True)


def emission(assignment, function_name, student_fn, cases):
    """The emission of one function: per case its observation (outputs and inputs after the call) or what it
    raised, and which of the assignment's other graded functions it called (`calls`, the evidence that blames
    a function it calls: judge/faults.py). `cases`: {function: its cases}, the assignment's."""
    outputs, calls, raised_in = [], [], []
    others = [name for name in cases if name != function_name]
    for case in cases[function_name]:
        with _CallTrace(student_fn, others) as called:
            observed, error = _observe(case, student_fn)
        outputs.append(observed)
        calls.append(sorted(called))
        raised_in.append(_graded_frames(error, others, getattr(student_fn, "__globals__", None)) if error else [])
    return {"assignment": assignment, "function": function_name, "outputs": outputs, "calls": calls,
            "raised_in": raised_in}


def _observe(case, student_fn):
    """One case's encoded observation, {"__observed__": [outputs, inputs after the call]} or {"__raised__":
    [kind, message]}, and the exception it raised (None)."""
    import numpy as np

    try:
        if case.strict_fp:
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                result, inputs = case.observe(student_fn)
        else:
            result, inputs = case.observe(student_fn)
        return {"__observed__": [encode(result), encode(inputs)]}, None
    except Exception as error:  # KeyboardInterrupt (the cell's time-out) still stops the cell
        return {"__raised__": [type(error).__name__, _message(error)]}, error


def _graded_frames(error, names, scope):
    """The other graded functions of the notebook that the exception passed through, outermost first: where it
    was raised, when that was inside a function the student's function called."""
    found, trace = [], error.__traceback__
    while trace is not None and len(found) < 20:
        frame = trace.tb_frame
        if frame.f_code.co_name in names and frame.f_globals is scope and frame.f_code.co_name not in found:
            found.append(frame.f_code.co_name)
        trace = trace.tb_next
    return found


class _CallTrace:
    """While active, the graded functions `names` that the student's function finds among its globals (the
    notebook's) are wrapped so that a call is recorded, then passed on unchanged; restored afterwards."""

    def __init__(self, fn, names):
        scope = getattr(fn, "__globals__", None)
        self.scope = scope if type(scope) is dict else {}
        self.names = [name for name in names if callable(self.scope.get(name))]
        self.called, self.saved = set(), {}

    def _wrapped(self, name, original):
        called = self.called

        def traced(*args, **kwargs):
            called.add(name)
            return original(*args, **kwargs)
        return traced

    def __enter__(self):
        for name in self.names:
            self.saved[name] = self.scope[name]
            self.scope[name] = self._wrapped(name, self.saved[name])
        return self.called

    def __exit__(self, *exc):
        for name, original in self.saved.items():
            self.scope[name] = original
        return False


def observe_cases(cases, student_fn):
    """[per case: {"__observed__": [outputs, inputs after the call]} or {"__raised__": [kind, message]}], encoded:
    the emission's outputs. Also what the student edition's check_function judges, in the student's own process."""
    return [_observe(case, student_fn)[0] for case in cases]


def _message(error):
    try:
        text = str(error)
    except Exception:
        text = "(its message could not be read)"
    return text[:2000]


def _load_cases():
    global _cases
    if _cases is None:
        with open(os.environ["AUTOGRADER_CASES"], "rb") as handle:
            _cases = pickle.load(handle)
    return _cases


def encode(value):
    """Outputs as JSON: arrays by dtype, shape and base64 bytes; containers tagged so they decode exactly."""
    import numpy as np

    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        encoded = encode(value.detach().cpu().numpy())
        if isinstance(encoded, dict) and "__ndarray__" in encoded:
            encoded["torch"] = True  # the grader decodes it as a tensor: a tensor where an array is due fails
        return encoded
    if isinstance(value, np.generic):
        value = np.asarray(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            return {"__unsupported__": f"array of dtype {value.dtype}"}
        value = np.array(value, order="C")  # (np.ascontiguousarray would turn a 0-d array into shape (1,))
        return {"__ndarray__": base64.b64encode(value.tobytes()).decode(), "dtype": value.dtype.str,
                "shape": list(value.shape)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[str(k), encode(v)] for k, v in value.items()]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {"__unsupported__": type(value).__name__}
