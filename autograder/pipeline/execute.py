"""GradingExecute: nbgrader's Execute, so that no student's output or time decides how grading ends.

It has three changes:
  * a wall-clock limit for the whole notebook, besides the per-cell timeout. Without one, twenty cells that
    each sleep just under the cell timeout hold a grading worker for twenty minutes, and every student after
    them waits;
  * an output nbformat cannot store (a display whose text is a number, say, which a kernel will send if asked)
    is replaced by a note saying so. nbclient would raise, and nbgrader drop the whole notebook.
"""
from __future__ import annotations

import math
import time
from typing import Any

from nbformat import NotebookNode
from nbformat.validator import NotebookValidationError
from nbgrader.preprocessors import Execute
from traitlets import Integer

from .kernel_client import PromptKernelManager

NOT_RUN = "NotebookTimeLimit"


class GradingExecute(Execute):
    notebook_timeout = Integer(0, help="Seconds all cells together may run (0: no limit).").tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", PromptKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb: NotebookNode, resources: dict | None = None, km: Any = None) -> tuple[NotebookNode, dict]:
        self._deadline = None
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
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

    def process_message(self, msg: dict, cell: NotebookNode, cell_index: int) -> NotebookNode | None:
        try:
            return super().process_message(msg, cell, cell_index)
        except NotebookValidationError:
            note = NotebookNode(output_type="stream", name="stdout",
                                text=f"(a {msg.get('msg_type', 'message')} the notebook cannot store was left out)\n")
            cell.outputs.append(note)
            return note


def _not_run(limit):
    message = f"not run: the notebook reached its {limit} s wall-clock limit before this cell"
    return NotebookNode(output_type="error", ename=NOT_RUN, evalue=message, traceback=[f"{NOT_RUN}: {message}"])
