"""The two nbgrader preprocessors that handle hidden tests after the student's kernel has run.

JudgeHiddenTests turns each test cell's emitted outputs into a verdict (judge/verdicts.py), in the grader's
own process, and keeps only what a student should see. Per graded function, every hidden case is judged on
its own; a failing function's outputs are compared with the known mistakes', and the feedback lists each case
as passed or failed and names the mistake when one agrees on every case. With partial credit (the assignment's
hidden module sets PARTIAL_CREDIT = True, the default), a cell earns its points times the fraction of its
hidden cases that pass; failing visible asserts count as one more failed case (passing them adds nothing: they
run in the student's kernel, where they can be fooled). Without it, any failure costs the whole cell. The
verdicts travel in the metadata of display outputs (judge/wire.py), from which grading reads the per-case
results. SaveAutoGrades then scores the cell as usual: it fails if any error output is left in it.

ClearReleasedHiddenTests is nbgrader's ClearHiddenTests applied to test cells only. Their source is the
instructor's (nbgrader restores it from the gradebook before execution); any other cell is the student's,
and a student's string or comment that happens to read "### BEGIN HIDDEN TESTS" is just text, not a region
to cut, and must not make the feedback page fail.
"""
from __future__ import annotations

from nbformat import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor

from .. import hidden
from ..i18n.hints import wording
from ..i18n.translation import notebook_language
from ..judge.verdicts import CellVerdict, FunctionVerdict, judge_emission, judge_emissions, missing_verdict
from ..judge.wire import CELL_VERDICT_KEY, HIDDEN_CALL, HIDDEN_IMPORT, MIME_TYPE, VERDICT_KEY, is_emission


class JudgeHiddenTests(NbGraderPreprocessor):
    """Turn each test cell's emitted outputs into a verdict, and keep only what a student should see."""

    _language = "en"
    _judged: dict = {}

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        self._language = notebook_language(nb)  # of the student's notebook: their feedback's language
        self._judged = self.judge_notebook(nb)
        return super().preprocess(nb, resources)

    def judge_notebook(self, nb: NotebookNode) -> dict[tuple[str, str], FunctionVerdict]:
        """{(assignment, function): verdict} of every graded function whose one emission the notebook holds, each
        judged after the graded functions it may call, so that a mistake is blamed on the function that makes it
        (judge/faults.py, `upstream`)."""
        found: dict[str, dict[str, list]] = {}
        for cell in nb.cells:
            if cell.cell_type != "code" or not cell.metadata.get("nbgrader", {}).get("grade"):
                continue
            assignment = HIDDEN_IMPORT.search(cell.source)
            if assignment is None:
                continue
            for function in HIDDEN_CALL.findall(cell.source):
                found.setdefault(assignment.group(1), {}).setdefault(function, []).extend(
                    o.data[MIME_TYPE] for o in cell.get("outputs", []) if is_emission(o)
                    and isinstance(o.data[MIME_TYPE], dict) and o.data[MIME_TYPE].get("function") == function)
        judged = {}
        for assignment, emissions in found.items():
            try:
                table = hidden.expected(assignment)
            except ImportError:
                continue
            single = {f: e[0] for f, e in emissions.items() if len(e) == 1 and f in table}
            for function, verdict in judge_emissions(table, single, wording(self._language)).items():
                judged[(assignment, function)] = verdict
        return judged

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        nbgrader = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code":  # a verdict is the grader's alone: the student's code may not display one
            for output in cell.get("outputs", []):
                _drop_verdict_metadata(output)
        if cell.cell_type != "code" or not nbgrader.get("grade"):
            return cell, resources
        emissions = [o.data[MIME_TYPE] for o in cell.outputs if is_emission(o)]
        # A number the student's code leaves as an execute_result must not read as partial credit: shown as plain
        # display output instead. Only the grader's own execute_result (below) carries a score.
        outputs = [_as_display(_sanitized(o)) for o in cell.outputs if not is_emission(o)]
        visible_errors = [o for o in outputs if o.output_type == "error"]
        assignment_match = HIDDEN_IMPORT.search(cell.source)
        functions = HIDDEN_CALL.findall(cell.source)
        if not functions:
            cell.outputs = outputs
            return cell, resources
        assignment = assignment_match.group(1) if assignment_match else None
        partial = assignment is not None and hidden.partial_credit(assignment)
        upstream = assignment is not None and hidden.upstream_credit(assignment)
        verdicts = [self.judge(assignment, function, [e for e in emissions if isinstance(e, dict)
                                                       and e.get("function") == function])
                    for function in functions]
        visible_error = f"{visible_errors[0].ename}: {visible_errors[0].evalue}" if visible_errors else None
        points = float(nbgrader.get("points", 0))
        summary = CellVerdict.of(verdicts, visible_error, partial, points, upstream)
        score = summary.score
        if partial and visible_errors and score > 0:  # the cell keeps its partial score: no error output in it
            prefix = wording(self._language).visible_test_failed
            outputs = [_as_text(o, prefix) if o.output_type == "error" else o for o in outputs]
        for verdict in verdicts:
            outputs.append(NotebookNode(output_type="display_data", data={"text/plain": verdict.text},
                                        metadata={VERDICT_KEY: verdict.as_dict()}))
        if summary.passed_units < summary.units and score == 0 and not visible_errors:
            outputs.append(_error(summary.headline))
        elif 0 < score < points:
            outputs.append(NotebookNode(output_type="execute_result", execution_count=None, metadata={},
                                        data={"text/plain": f"{score:.6g}"}))
        score_line = summary.score_line(wording(self._language))
        outputs.append(NotebookNode(output_type="display_data", data={"text/plain": score_line},
                                    metadata={CELL_VERDICT_KEY: summary.as_dict()}))
        cell.outputs = outputs
        return cell, resources

    def judge(self, assignment: str | None, function: str, emissions: list[dict]) -> FunctionVerdict:
        """The verdict on one function of a test cell, from the emissions the kernel sent for it (one is due).

        A function whose emission is missing, doubled, or of an assignment that does not exist fails every case.
        """
        try:
            expected = hidden.expected(assignment).get(function) if assignment else None
        except ImportError:
            expected = None
        words = wording(self._language)
        if expected is None:
            return missing_verdict(function, [], words)
        if len(emissions) != 1:
            return missing_verdict(function, expected.cases, words)
        judged = self._judged.get((assignment, function))
        return judged if judged is not None else judge_emission(function, expected, emissions[0], words)


def _as_display(output):
    if output.output_type == "execute_result":
        return NotebookNode(output_type="display_data", data=output.get("data", {}), metadata={})
    return output


def _as_text(output, prefix):
    return NotebookNode(output_type="stream", name="stdout", text=f"{prefix}{output.ename}: {output.evalue}\n")


def _error(message):
    return NotebookNode(output_type="error", ename="AssertionError", evalue=message,
                        traceback=[f"AssertionError: {message}"])


def _drop_verdict_metadata(output: NotebookNode) -> None:
    """Remove the grader's verdict keys from an output the student's kernel produced (display(..., metadata=))."""
    metadata = output.get("metadata")
    if isinstance(metadata, dict):
        for key in (VERDICT_KEY, CELL_VERDICT_KEY):
            metadata.pop(key, None)


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


class ClearReleasedHiddenTests(ClearHiddenTests):
    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        nbgrader = cell.metadata.get("nbgrader", {})
        if nbgrader.get("grade") and not nbgrader.get("solution"):
            return super().preprocess_cell(cell, resources, index)
        return cell, resources
