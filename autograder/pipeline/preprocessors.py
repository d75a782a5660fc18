"""Two nbgrader preprocessors that stop student text, output and time from deciding how grading ends.

GradingExecute is nbgrader's Execute with two changes:
  * a wall-clock limit for the whole notebook, besides the per-cell timeout. Without one, twenty cells that
    each sleep just under the cell timeout hold a grading worker for twenty minutes, and every student after
    them waits;
  * an output nbformat cannot store (a display whose text is a number, say, which a kernel will send if asked)
    is replaced by a note saying so. nbclient would raise, and nbgrader drop the whole notebook.

ClearReleasedHiddenTests is nbgrader's ClearHiddenTests applied to test cells only. Their source is the
instructor's (nbgrader restores it from the gradebook before execution); any other cell is the student's,
and a student's string or comment that happens to read "### BEGIN HIDDEN TESTS" is just text, not a region
to cut, and must not make the feedback page fail.
"""
import math
import time

from nbformat import NotebookNode
from nbformat.validator import NotebookValidationError
from nbgrader.preprocessors import ClearHiddenTests, Execute
from traitlets import Integer

NOT_RUN = "NotebookTimeLimit"


class GradingExecute(Execute):
    notebook_timeout = Integer(0, help="Seconds all cells together may run (0: no limit).").tag(config=True)

    def __init__(self, *args, **kwargs):
        from .kernel_client import PromptKernelManager  # nbgrader's Execute would otherwise pick its own

        kwargs.setdefault("kernel_manager_class", PromptKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._deadline = None
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not self.notebook_timeout:
            return super().preprocess_cell(cell, resources, index)
        now = time.monotonic()
        if self._deadline is None:
            self._deadline = now + self.notebook_timeout
        left = self._deadline - now
        if left <= 0:  # never sent to the kernel: a cell after the limit counts as failed, never as passed
            cell.outputs = [_not_run(self.notebook_timeout)]
            cell.execution_count = None
            return cell, self.resources
        self.timeout_func = lambda _cell: max(1, min(self.timeout or math.inf, math.ceil(left)))
        try:
            return super().preprocess_cell(cell, resources, index)
        finally:
            self.timeout_func = None
            if time.monotonic() >= self._deadline:
                for output in cell.outputs:
                    if output.output_type == "error" and output.ename == "CellTimeoutError":
                        output.evalue = (f"interrupted: the notebook reached its {self.notebook_timeout} s "
                                         f"wall-clock limit during this cell")


    def process_message(self, msg, cell, cell_index):
        try:
            return super().process_message(msg, cell, cell_index)
        except NotebookValidationError:
            note = NotebookNode(output_type="stream", name="stdout",
                                text=f"(a {msg.get('msg_type', 'message')} the notebook cannot store was left out)\n")
            cell.outputs.append(note)
            return note


class ClearReleasedHiddenTests(ClearHiddenTests):
    def preprocess_cell(self, cell, resources, index):
        nbgrader = cell.metadata.get("nbgrader", {})
        if nbgrader.get("grade") and not nbgrader.get("solution"):
            return super().preprocess_cell(cell, resources, index)
        return cell, resources


def _not_run(limit):
    message = f"not run: the notebook reached its {limit} s wall-clock limit before this cell"
    return NotebookNode(output_type="error", ename=NOT_RUN, evalue=message, traceback=[f"{NOT_RUN}: {message}"])
