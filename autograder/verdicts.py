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

from . import checking, diagnosis, translation

MIME_TYPE = "application/vnd.gatebygate.hidden-outputs+json"
HIDDEN_IMPORT = re.compile(r"from autograder\.hidden import (\w+) as hidden")
HIDDEN_CALL = re.compile(r'hidden\.check\("(\w+)"')
MAX_EMISSION_BYTES = 32 * 1024 ** 2
VERDICT_KEY = "gatebygate/verdict"


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
    """Turn each test cell's emitted outputs into a verdict, and keep only what a student should see.

    Per graded function, every hidden case is judged on its own. A failing function's outputs are compared
    with the known mistakes' (diagnosis.py); the feedback lists each case as passed or failed and names the
    mistake when one agrees on every case. With partial credit (the assignment's hidden module sets
    PARTIAL_CREDIT = True, the default), a cell earns its points times the fraction of its hidden cases that
    pass; failing visible asserts count as one more failed case (passing them adds nothing: they run in the
    student's kernel, where they can be fooled). Without it, any failure costs the whole cell. The verdict travels in the metadata of a display output (VERDICT_KEY), from which
    grading.py reads the per-case results.
    """

    _expected = {}
    _language = "en"

    def preprocess(self, nb, resources):
        self._language = translation.notebook_language(nb)  # of the student's notebook: their feedback's language
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        nbgrader = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not nbgrader.get("grade"):
            return cell, resources
        emissions = [o.data[MIME_TYPE] for o in cell.outputs
                     if o.output_type == "display_data" and MIME_TYPE in o.get("data", {})]
        # A number the student's code leaves as an execute_result must not read as partial credit: shown as plain
        # display output instead. Only the grader's own execute_result (below) carries a score.
        outputs = [_as_display(_sanitized(o)) for o in cell.outputs
                   if not (o.output_type == "display_data" and MIME_TYPE in o.get("data", {}))]
        visible_errors = [o for o in outputs if o.output_type == "error"]
        assignment_match = HIDDEN_IMPORT.search(cell.source)
        functions = HIDDEN_CALL.findall(cell.source)
        if not functions:
            cell.outputs = outputs
            return cell, resources
        assignment = assignment_match.group(1) if assignment_match else None
        partial = assignment is not None and self._partial_credit(assignment)
        verdicts = []
        for function in functions:
            mine = [e for e in emissions if isinstance(e, dict) and e.get("function") == function]
            if len(mine) != 1 or assignment is None:
                verdict = _verdict(function, self._known_cases(assignment, function), [], missing=True,
                                   language=self._language)
            else:
                verdict = self._judge(assignment, function, mine[0])
            verdicts.append(verdict)
        visible = {"passed": not visible_errors,
                   "message": "" if not visible_errors else f"{visible_errors[0].ename}: {visible_errors[0].evalue}"}
        # The visible asserts run in the student's kernel, where they can be fooled: passing them earns nothing
        # by itself, failing them costs one unit. Each hidden case, judged out here, is one unit.
        units = sum(len(v["cases"]) or 1 for v in verdicts) + (not visible["passed"])
        passed = sum(sum(c["passed"] for c in v["cases"]) for v in verdicts)
        points = float(nbgrader.get("points", 0))
        score = points * passed / units if partial else (points if passed == units else 0.0)
        summary = {"functions": verdicts, "visible": visible, "partial_credit": partial, "units": units,
                   "passed_units": passed, "score": score, "max_score": points}
        if partial and visible_errors and score > 0:  # the cell keeps its partial score: no error output in it
            prefix = translation.feedback_text(translation.VISIBLE_TEST_FAILED, self._language)
            outputs = [_as_text(o, prefix) if o.output_type == "error" else o for o in outputs]
        for verdict in verdicts:
            outputs.append(NotebookNode(output_type="display_data", data={"text/plain": verdict["text"]},
                                        metadata={VERDICT_KEY: verdict}))
        if passed < units and score == 0 and not visible_errors:
            failing = next(v for v in verdicts if v["failed"])
            outputs.append(_error(failing["headline"]))
        elif 0 < score < points:
            outputs.append(NotebookNode(output_type="execute_result", execution_count=None, metadata={},
                                        data={"text/plain": f"{score:.6g}"}))
        score_line = _score_line(summary, self._language)
        outputs.append(NotebookNode(output_type="display_data", data={"text/plain": score_line},
                                    metadata={VERDICT_KEY + "/cell": summary}))
        cell.outputs = outputs
        return cell, resources

    def _known_cases(self, assignment, function):
        """The function's hidden cases, each to be counted as failed when its outputs never arrived."""
        try:
            return self._cases(assignment)[function][0] if assignment else []
        except (ImportError, KeyError):
            return []

    def _partial_credit(self, assignment):
        module = importlib.import_module(f"autograder.hidden.{assignment}")
        return bool(getattr(module, "PARTIAL_CREDIT", True))

    def _cases(self, assignment):
        """Per function: (cases, the reference's observations, output name, mistakes, their observations).

        Computed once per process (the grader computes it before forking its workers), never per student.
        """
        if assignment not in self._expected:
            module = importlib.import_module(f"autograder.hidden.{assignment}")
            mistakes = diagnosis.catalogue(module)
            table = {}
            for name, cases in module.CHECKS.items():
                known = mistakes.get(name, [])
                table[name] = (cases, [case.observe(module.REFERENCES[name]) for case in cases],
                               module.OUTPUT_NAMES.get(name, "result"), known, diagnosis.observations(cases, known))
            self._expected[assignment] = table
        return self._expected[assignment]

    def _judge(self, assignment, function, emission):
        """The verdict on one function: per case passed or failed, and the diagnosis when it failed."""
        cases, expected, output_name, mistakes, theirs = self._cases(assignment)[function]
        raw = emission.get("outputs")
        if not isinstance(raw, list) or len(raw) != len(cases):
            return _verdict(function, cases, [], missing=True, language=self._language)
        try:
            too_large = len(json.dumps(raw)) > MAX_EMISSION_BYTES
        except (TypeError, ValueError, RecursionError):
            too_large = True
        if too_large:
            got = [checking.Raised("MalformedEmission", "outputs far larger or deeper than expected")] * len(cases)
        else:
            got = [decode_observation(r) for r in raw]
        parameters = checking.parameter_names(importlib.import_module(
            f"autograder.hidden.{assignment}").REFERENCES[function])
        results = checking.judge(function, cases, got, expected, output_name, parameters)
        found = []
        if not all(r.passed for r in results) and mistakes:
            found = diagnosis.diagnose(cases, got, mistakes, theirs)
        return _verdict(function, cases, results, mistakes=found, catalogued=bool(mistakes), language=self._language)


def _verdict(function, cases, results, missing=False, mistakes=(), catalogued=False, language="en"):
    """A function's verdict as plain data (it is stored in the notebook), with the text the student reads."""
    def say(text, **fields):  # one of the page's sentences, in the student's language
        return translation.feedback_text(text, language).format(function=function, **fields)

    if missing:
        headline = say(translation.DID_NOT_RUN)
        return {"function": function, "cases": [{"name": c.name, "passed": False, "message": headline}
                                                for c in cases],
                "failed": True, "headline": headline, "mistakes": [], "text": headline}
    passed = sum(r.passed for r in results)
    failed = passed < len(results)
    lines = [say(translation.CASES_PASSED, passed=passed, total=len(results)) if failed
             else say(translation.ALL_CASES_PASSED, total=len(results))]
    if failed:
        for r in results:
            detail = r.message[len(f"{function} [{r.name}]: "):] if r.message.startswith(f"{function} [{r.name}]: ") \
                else r.message
            outcome = say(translation.CASE_PASSED if r.passed else translation.CASE_FAILED)
            lines.append(f"  {outcome}  {r.name}" + ("" if r.passed else f": {detail}"))
        if mistakes:
            diagnosis_label, alternative_label = (translation.grader_text(label, language) or label
                                                  for label in (translation.DIAGNOSIS, translation.ALTERNATIVE))
            lines.append(diagnosis_label + mistakes[0].hint(language))
            for other in mistakes[1:]:
                lines.append(alternative_label + other.hint(language))
        elif catalogued:
            lines.append(say(translation.NO_MATCH))
    first_failure = next((r.message for r in results if not r.passed), "")
    headline = first_failure + (" " + mistakes[0].hint(language) if mistakes else "")
    return {"function": function, "failed": failed, "headline": headline or lines[0],
            "cases": [{"name": r.name, "passed": r.passed, "message": r.message} for r in results],
            "mistakes": [m.as_dict() for m in mistakes], "text": "\n".join(lines)}


def _score_line(summary, language="en"):
    def say(text):
        return translation.feedback_text(text, language)

    if summary["passed_units"] == summary["units"]:
        return say(translation.ALL_TESTS_PASSED).format(max_score=f"{summary['max_score']:g}")
    rule = say(translation.PARTIAL_CREDIT if summary["partial_credit"] else translation.ALL_OR_NOTHING)
    visible = say(translation.VISIBLE_PASSED if summary["visible"]["passed"] else translation.VISIBLE_FAILED)
    return say(translation.CHECKS_PASSED).format(
        passed=summary["passed_units"], units=summary["units"], visible=visible, score=f"{summary['score']:.3g}",
        max_score=f"{summary['max_score']:g}", rule=rule)


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


def decode(value, depth=0):
    """Inverse of the kernel shim's encode; accepts only plain numeric data. Never raises: whatever a student's
    code put in the emission (wrong shapes, unknown dtypes, deep nesting, wrong types) decodes to a value that
    fails its comparison with a message, never to a grader error."""
    try:
        return _decode(value, depth)
    except (RecursionError, _TooDeep):
        return checking.Unreadable("output nested too deeply")
    except Exception as error:  # malformed data from the kernel: it is the student's output, and it is wrong
        return checking.Unreadable(f"malformed output ({type(error).__name__})")


MAX_DEPTH = 40  # deeper than any output of the graded functions


class _TooDeep(Exception):
    pass


def _decode(value, depth):
    if depth > MAX_DEPTH:
        raise _TooDeep
    if isinstance(value, list):
        return [_decode(v, depth + 1) for v in value]
    if isinstance(value, dict):
        if "__ndarray__" in value:
            dtype = np.dtype(str(value["dtype"]))
            if dtype.kind not in "biuf":
                return checking.Unreadable(f"array of dtype {dtype}")
            shape = [int(n) for n in value["shape"]]
            data = base64.b64decode(str(value["__ndarray__"]), validate=True)
            array = np.frombuffer(data, dtype=dtype).reshape(shape).copy()
            if value.get("torch") is True:
                import torch
                return torch.from_numpy(array)
            return array
        if "__tuple__" in value:
            return tuple(_decode(v, depth + 1) for v in value["__tuple__"])
        if "__dict__" in value:
            return {str(k): _decode(v, depth + 1) for k, v in value["__dict__"]}
        return checking.Unreadable(str(value.get("__unsupported__", "object"))[:200])
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return checking.Unreadable(type(value).__name__)


MAX_MESSAGE_DEPTH = 100


def bounded_unpacker(data):
    """The grader's Session unpacker: JSON as jupyter_client reads it, but a message part nested deeper than
    MAX_MESSAGE_DEPTH (which nbformat's recursive NotebookNode conversion would crash on, far below what JSON
    allows) is replaced by a text output saying so. Only the student's kernel sends such a thing."""
    from jupyter_client.session import json_unpacker

    try:
        value = json_unpacker(data)
    except (RecursionError, ValueError):
        return _cut()
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_MESSAGE_DEPTH:
            return _cut()
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return value


def _cut():
    text = f"(output removed: nested more than {MAX_MESSAGE_DEPTH} levels deep)"
    return {"data": {"text/plain": text}, "metadata": {}, "transient": {}, "execution_count": None,
            "name": "stdout", "text": text}


def decode_observation(raw):
    """One case of an emission -> (outputs, inputs after the call), or a Raised."""
    if isinstance(raw, dict) and "__observed__" in raw:
        pair = raw["__observed__"]
        if isinstance(pair, list) and len(pair) == 2:
            inputs = decode(pair[1])
            return decode(pair[0]), inputs if isinstance(inputs, dict) else None
    if isinstance(raw, dict) and "__raised__" in raw:
        pair = raw["__raised__"]
        if isinstance(pair, list) and len(pair) == 2:
            return checking.Raised(str(pair[0])[:100], str(pair[1])[:2000])
    return checking.Raised("MalformedEmission", "the test cell's outputs could not be read")


def _as_display(output):
    if output.output_type == "execute_result":
        return NotebookNode(output_type="display_data", data=output.get("data", {}), metadata={})
    return output


def _as_text(output, prefix):
    return NotebookNode(output_type="stream", name="stdout", text=f"{prefix}{output.ename}: {output.evalue}\n")


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
