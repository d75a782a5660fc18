"""Hidden tests judged outside the student's kernel.

Inside the sandbox, `hidden.check(name, fn)` (autograder/kernel_shim) runs the student's function on the
hidden inputs and emits its outputs as display data. After nbgrader has executed the notebook, the
`JudgeHiddenTests` preprocessor, running in the grader's own process, compares those outputs with the
reference's, and rewrites each test cell's outputs to say what it found. SaveAutoGrades then scores the cell
as usual: it fails if any error output is left in it.

Expected outputs never enter the kernel, so redefining numpy, assert helpers, `showtraceback` or `__eq__`
in the kernel cannot make wrong code pass: at most it can stop the emission, which fails the cell.
"""
import base64
import importlib
import json
import re

import cloudpickle
import numpy as np
from nbformat import NotebookNode

from nbgrader.preprocessors import NbGraderPreprocessor

from . import checking

MIME_TYPE = "application/vnd.gatebygate.hidden-outputs+json"
HIDDEN_IMPORT = re.compile(r"from autograder\.hidden import (\w+) as hidden")
HIDDEN_CALL = re.compile(r'hidden\.check\("(\w+)"')
MAX_EMISSION_BYTES = 32 * 1024 ** 2


def write_cases_file(assignment, path):
    """Pickle the hidden cases (inputs and probes; no reference code, no expected outputs) for the kernel."""
    module = importlib.import_module(f"autograder.hidden.{assignment}")
    # By value: the kernel has no autograder package to import these from.
    cloudpickle.register_pickle_by_value(checking)
    cloudpickle.register_pickle_by_value(module)
    try:
        with open(path, "wb") as handle:
            cloudpickle.dump({assignment: module.CHECKS}, handle)
    finally:
        cloudpickle.unregister_pickle_by_value(module)
        cloudpickle.unregister_pickle_by_value(checking)


class JudgeHiddenTests(NbGraderPreprocessor):
    """Turn each test cell's emitted outputs into a verdict, and keep only what a student should see."""

    _expected = {}

    def preprocess_cell(self, cell, resources, index):
        nbgrader = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not nbgrader.get("grade"):
            return cell, resources
        emissions = [o.data[MIME_TYPE] for o in cell.outputs
                     if o.output_type == "display_data" and MIME_TYPE in o.get("data", {})]
        outputs = [_sanitized(o) for o in cell.outputs
                   if not (o.output_type == "display_data" and MIME_TYPE in o.get("data", {}))]
        has_error = any(o.output_type == "error" for o in outputs)
        assignment_match = HIDDEN_IMPORT.search(cell.source)
        for function in HIDDEN_CALL.findall(cell.source):
            if has_error:
                break  # the cell already fails; its own error message says why
            mine = [e for e in emissions if isinstance(e, dict) and e.get("function") == function]
            if len(mine) != 1 or not assignment_match:
                outputs.append(_error(f"{function}: the hidden tests did not run to completion"))
                has_error = True
                continue
            verdict = self._judge(assignment_match.group(1), function, mine[0])
            if verdict:
                outputs.append(_error(verdict))
                has_error = True
            else:
                count = len(self._cases(assignment_match.group(1))[function][0])
                outputs.append(NotebookNode(output_type="stream", name="stdout",
                                            text=f"{function}: {count} hidden cases passed\n"))
        cell.outputs = outputs
        return cell, resources

    def _cases(self, assignment):
        if assignment not in self._expected:
            module = importlib.import_module(f"autograder.hidden.{assignment}")
            self._expected[assignment] = {
                name: (cases, [case.outputs(module.REFERENCES[name]) for case in cases], module.OUTPUT_NAMES.get(name, "result"))
                for name, cases in module.CHECKS.items()}
        return self._expected[assignment]

    def _judge(self, assignment, function, emission):
        """None if the emitted outputs match the reference on every case, else the message to show."""
        cases, expected, output_name = self._cases(assignment)[function]
        got = emission.get("outputs")
        if not isinstance(got, list) or len(got) != len(cases):
            return f"{function}: the hidden tests did not run to completion"
        if len(json.dumps(got)) > MAX_EMISSION_BYTES:
            return f"{function}: outputs are far larger than expected"
        for case, want, raw in zip(cases, expected, got):
            where = f"{function} [{case.name}]"
            if isinstance(raw, dict) and "__floating_point_error__" in raw:
                return (f"{where}: numpy reported '{raw['__floating_point_error__']}'. Use a numerically stable "
                        f"formulation (no exp of large positive numbers).")
            try:
                checking.assert_matches(decode(raw), want, f"{where}: {output_name}", case.rtol, case.atol)
            except AssertionError as failure:
                return str(failure)
        return None


class CapOutputs(NbGraderPreprocessor):
    """Bound what any cell's outputs may store in the gradebook and feedback: text is cut, huge images dropped."""

    max_chars = 20_000
    max_image_chars = 2_000_000

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and len(output.text) > self.max_chars:
                output.text = output.text[:self.max_chars] + f"\n… output cut at {self.max_chars} characters\n"
            data = output.get("data", {})
            for mime, value in list(data.items()):
                if not isinstance(value, str):
                    continue
                if mime.startswith("image/") and len(value) > self.max_image_chars:
                    del data[mime]
                    data.setdefault("text/plain", "(image removed: too large)")
                elif not mime.startswith("image/") and len(value) > self.max_chars:
                    data[mime] = value[:self.max_chars] + "\n… output cut\n"
        return cell, resources


def decode(value):
    """Inverse of the kernel shim's encode; accepts only plain numeric data."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "__ndarray__" in value:
            dtype = np.dtype(value["dtype"])
            if dtype.kind not in "biuf":
                return _Unsupported(f"array of dtype {dtype}")
            data = base64.b64decode(value["__ndarray__"])
            return np.frombuffer(data, dtype=dtype).reshape(value["shape"]).copy()
        if "__tuple__" in value:
            return tuple(decode(v) for v in value["__tuple__"])
        if "__dict__" in value:
            return {str(k): decode(v) for k, v in value["__dict__"]}
        return _Unsupported(value.get("__unsupported__", "object"))
    return value


class _Unsupported:
    """Stands in for a value the kernel could not encode; never equal to a number."""

    def __init__(self, description):
        self.description = description

    def __repr__(self):
        return self.description


def _error(message):
    return NotebookNode(output_type="error", ename="AssertionError", evalue=message,
                        traceback=[f"AssertionError: {message}"])


def _sanitized(output):
    """Test-cell outputs as a student may see them.

    Tracebacks are cut to their last line, so no hidden-test source reaches the feedback. Text on stderr
    (a harmless warning, say) is shown as ordinary output: nbgrader would otherwise zero the cell for it,
    and the verdict no longer depends on it.
    """
    if output.output_type == "error":
        return NotebookNode(output_type="error", ename=output.ename, evalue=output.evalue,
                            traceback=[f"{output.ename}: {output.evalue}"])
    if output.output_type == "stream" and output.name == "stderr":
        return NotebookNode(output_type="stream", name="stdout", text="[stderr] " + output.text)
    return output
