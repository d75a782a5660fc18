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

        outputs = observe_cases(_load_cases()[self.name][function_name], student_fn)
        display({MIME_TYPE: {"assignment": self.name, "function": function_name, "outputs": outputs}}, raw=True)


def observe_cases(cases, student_fn):
    """[per case: {"__observed__": [outputs, inputs after the call]} or {"__raised__": [kind, message]}], encoded:
    the emission's outputs. Also what the student edition's check_function judges, in the student's own process."""
    import numpy as np

    outputs = []
    for case in cases:
        try:
            if case.strict_fp:
                with np.errstate(over="raise", invalid="raise", divide="raise"):
                    result, inputs = case.observe(student_fn)
            else:
                result, inputs = case.observe(student_fn)
            outputs.append({"__observed__": [encode(result), encode(inputs)]})
        except Exception as error:  # KeyboardInterrupt (the cell's time-out) still stops the cell
            outputs.append({"__raised__": [type(error).__name__, _message(error)]})
    return outputs


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
