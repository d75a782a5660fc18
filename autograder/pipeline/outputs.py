"""CapOutputs: bound what any cell's outputs may store in the gradebook and the feedback page."""
from __future__ import annotations

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor


class CapOutputs(NbGraderPreprocessor):
    """Bound what any cell's outputs may store in the gradebook and feedback: text is cut, huge images dropped."""

    max_chars = 20_000
    max_image_chars = 2_000_000

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
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
