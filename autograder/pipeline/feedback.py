"""Feedback pages: nbgrader's `generate_feedback` pipeline, built once per grading worker and reused.

`nbgrader generate_feedback` builds an app, a converter and an HTML exporter for every student, and compiles
the page's Jinja templates each time: about a quarter of its cost. Here nbgrader's GenerateFeedback converter,
configured by course_config() (ClearHiddenTests, then GetGrades, with nbgrader's feedback template), makes
its exporter once per process, and every student's page is that exporter applied to their autograded
notebook, with their own gradebook. The page is the one nbgrader would write.
"""
from __future__ import annotations

import functools
import os
import re

from typing import Any

from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbformat import NotebookNode
from nbgrader.converters import GenerateFeedback

from .config import course_config

IMAGE_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)")


def write_feedback(autograded: NotebookNode, path: str, assignment: str, student_id: str, db_url: str) -> None:
    """Render the autograded notebook node as `student_id`'s feedback page, at `path`."""
    resources = {  # what nbgrader's converters give each notebook (BaseConverter.init_single_notebook_resources)
        "unique_key": assignment,
        "output_files_dir": f"{assignment}_files",
        "nbgrader": {"student": student_id, "assignment": assignment, "notebook": assignment, "db_url": db_url},
    }
    html, _ = _exporter().from_notebook_node(autograded, resources=resources)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(html)


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTMLExporter without its last step, which costs nearly two thirds of a feedback page.

    That step re-parses the finished page with BeautifulSoup to give images without alt text a placeholder,
    and to make the cells of the JupyterLab template focusable. nbgrader's feedback template is the classic
    one, which has no such cells, so only the placeholder applies, and it is added here without a parser.
    The rest is HTMLExporter.from_notebook_node of nbconvert 7.17 (pinned in requirements.txt).
    """

    def from_notebook_node(self, nb: NotebookNode, resources: dict | None = None, **kw: Any) -> tuple[str, dict]:
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name", None))
        self.register_filter("highlight_code",
                             self.filters.get("highlight_code", RememberedHighlight(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata,
                                                                       parent=self, resources=resources))
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return IMAGE_WITHOUT_ALT.sub('<img alt="No description has been provided for this image"', html), resources


class RememberedHighlight(Highlight2HTML):
    """nbconvert's code highlighting, with the release's cells remembered: every page repeats them (its test
    cells, the instructions' code), and pygments costs about a tenth of a page. prewarm() highlights them in
    the parent, so each forked worker inherits them. A student's own code is highlighted for their page and
    not kept: a worker's memory does not grow with the class, or with one student's enormous cell."""

    _remembered = {}

    def _key(self, source, language, metadata):
        magics = (metadata or {}).get("magics_language")  # the only part of a cell's metadata pygments reads
        return source, language, self.pygments_lexer, magics

    def remember(self, source: str) -> None:
        """Highlight `source` now and keep the result for every page that shows it."""
        self._remembered[self._key(source, None, None)] = super().__call__(source)

    def __call__(self, source, language=None, metadata=None):
        remembered = self._remembered.get(self._key(source, language, metadata))
        return remembered if remembered is not None else super().__call__(source, language, metadata)


@functools.lru_cache(maxsize=None)
def _exporter():
    """The exporter that GenerateFeedback.start() would make, with the preprocessors it would register."""
    converter = GenerateFeedback(config=course_config())
    exporter = FeedbackExporter(parent=converter, config=converter.config)
    for preprocessor in converter.preprocessors:
        exporter.register_preprocessor(preprocessor)
    return exporter


def prewarm(release: NotebookNode | None = None) -> FeedbackExporter:
    """Build the exporter and compile its page template now, in the parent, before workers are forked; and
    highlight the code cells of the release notebook node `release`, which every page shows again."""
    exporter = _exporter()
    exporter.template  # noqa: B018 (compiles it)
    if release is not None:
        # The lexer a page is highlighted with is the executed notebook's, which ipykernel sets to ipython3.
        language = release.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer") or {"python": "ipython3"}.get(language.get("name"))
        highlight = RememberedHighlight(pygments_lexer=lexer, parent=exporter)
        for cell in release.cells:
            if cell.cell_type == "code":
                highlight.remember(cell.source)
    return exporter
