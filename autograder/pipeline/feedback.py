"""Feedback pages: nbgrader's `generate_feedback` pipeline, built once per grading worker and reused.

`nbgrader generate_feedback` builds an app, a converter and an HTML exporter for every student, and compiles
the page's Jinja templates each time: about a quarter of its cost. Here nbgrader's GenerateFeedback converter,
configured by course_config() (ClearHiddenTests, then GetGrades, then HideScoreOutputs, with the course's
feedback template), makes its exporter once per process, and every student's page is that exporter applied to
their autograded notebook, with their own gradebook.

The page is nbgrader's feedback page made readable offline and by everyone (templates/gatebygate_feedback):
  * in the student's language (`<html lang>`), the grader's own labels and Jupyter's prompts too (i18n/labels.py);
  * math typeset by MathJax 3, the copy the book's site ships (the sphinx-mathjax-offline package), installed
    once per grading run beside the pages (Layout.mathjax) and loaded by a relative address: nothing is fetched;
  * every line wraps, so no box scrolls sideways; the verdicts' book references are links to the published
    book, in the student's edition (i18n/sections.py), the section's title their text;
  * colours that pass WCAG 2 AA contrast, code included (colours.py), and links underlined;
  * no score output: the grader's partial score (an execute_result nbgrader reads) is the cell's heading;
  * a student's own markdown is sanitized; the release's, remembered by prewarm(), is shown as it is.
"""
from __future__ import annotations

import functools
import html
import importlib.metadata
import os
import re
import shutil
import tempfile
from typing import Any, Iterable

import bleach
from jinja2 import pass_context
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbformat import NotebookNode
from nbgrader.converters import GenerateFeedback
from nbgrader.preprocessors import NbGraderPreprocessor

from ..i18n.labels import FEEDBACK_LABELS, feedback_labels
from ..i18n.sections import link_book_references
from ..judge.wire import CELL_VERDICT_KEY, VERDICT_KEY
from .config import course_config

IMAGE_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)")
# MathJax as the book's site has it: the package's copy, of which a page needs the TeX-to-CommonHTML bundle and
# what it loads on demand (fonts, TeX extensions, the menu's safe mode and accessibility tools). About 7 MB.
MATHJAX_PACKAGE = "sphinx-mathjax-offline"
MATHJAX_SCRIPT = "tex-chtml.js"
MATHJAX_PARTS = (MATHJAX_SCRIPT, "output/chtml", "input/tex/extensions", "ui", "a11y", "sre")


def write_feedback(autograded: NotebookNode, path: str, assignment: str, student_id: str, db_url: str,
                   language: str, mathjax: str) -> None:
    """Render the autograded notebook node as `student_id`'s feedback page, at `path`, in `language`, loading
    MathJax from the folder `mathjax` (installed there by the first page that needs it)."""
    folder = os.path.dirname(path)
    resources = {  # what nbgrader's converters give each notebook (BaseConverter.init_single_notebook_resources)
        "unique_key": assignment,
        "output_files_dir": f"{assignment}_files",
        "nbgrader": {"student": student_id, "assignment": assignment, "notebook": assignment, "db_url": db_url},
        # and what the course's template adds
        "feedback": {"language": language, "labels": feedback_labels(language),
                     "mathjax": os.path.relpath(install_mathjax(mathjax), folder).replace(os.sep, "/")},
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
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        alt = html.escape(page_labels(resources)["image_without_alt"], quote=True)
        return IMAGE_WITHOUT_ALT.sub(f'<img alt="{alt}"', page), resources


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


class HideScoreOutputs(NbGraderPreprocessor):
    """Drop a test cell's execute_result from its page: the grader's partial score, which nbgrader reads from
    the autograded notebook (any number the student's code left there was made a display output before), and
    which the page shows in the cell's heading and its last line. Shown as well, it read "Out[7]: 0.333333"."""

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        nbgrader = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and nbgrader.get("grade") and not nbgrader.get("solution"):
            cell.outputs = [output for output in cell.outputs if output.output_type != "execute_result"]
        return cell, resources


def verdict_html(output: NotebookNode) -> str:
    """A grader's verdict output (a function's cases and diagnosis, or a cell's score line) as HTML lines, its
    book references linked; "" for any other output. One element per line, so that a long line wraps under
    its own start (the page's CSS indents the rest of it)."""
    metadata = output.get("metadata") or {}
    if VERDICT_KEY not in metadata and CELL_VERDICT_KEY not in metadata:
        return ""
    text = (output.get("data") or {}).get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else str(text)
    return "".join(f'<div class="verdict-line">{link_book_references(html.escape(line))}</div>'
                   for line in text.splitlines())


def page_labels(resources: dict | None) -> dict[str, str]:
    """The page's labels: those write_feedback put in its resources (in the student's language), else English."""
    labels = ((resources or {}).get("feedback") or {}).get("labels") or {}
    return {key: labels.get(key) or english for key, english in FEEDBACK_LABELS.items()}


@pass_context
def label(context: Any, key: str, **values: str) -> str:
    """The page's filter for its label `key` (`'score' | label(score=..., max_score=...)`) in the page's
    language, as HTML: the label escaped, each placeholder filled with its value in `values`, HTML already (a
    grade id in <code>, a score)."""
    try:
        return html.escape(page_labels(context.get("resources"))[key], quote=True).format(**values)
    except (KeyError, IndexError, ValueError, AttributeError):  # a translation that renamed a placeholder
        return html.escape(FEEDBACK_LABELS[key], quote=True).format(**values)


# ------------------------------------------------------------------------------------------- markdown cells
# The markdown cells a page shows as they are: the release's, in every language it is released in, rendered
# once by prewarm() in the grading run's parent ({source: HTML}). Any other markdown is the student's own.
_REMEMBERED_MARKDOWN: dict[str, str] = {}
# What a student's own markdown may keep once rendered: the formatting markdown makes, nothing that runs.
STUDENT_MARKDOWN_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul"})
STUDENT_MARKDOWN_ATTRIBUTES = {"*": ["class", "id", "title"], "a": ["href", "title"], "img": ["src", "alt", "title"],
                               "th": ["align"], "td": ["align"]}


@pass_context
def page_markdown(context: Any, source: str) -> str:
    """The page's markdown filter: a release cell's HTML as prewarm() remembered it, or a student's own markdown
    rendered and sanitized, as their outputs are. (nbgrader's template renders every markdown cell as it is, so
    a <script> or an onerror= in a student's cell ran in the browser of whoever opened their page.)"""
    if not (context.get("cell") or {}).get("attachments"):
        remembered = _REMEMBERED_MARKDOWN.get(source)
        if remembered is not None:
            return remembered
    return bleach.clean(markdown2html_mistune(source), tags=STUDENT_MARKDOWN_TAGS,
                        attributes=STUDENT_MARKDOWN_ATTRIBUTES)


# ------------------------------------------------------------------------------------------------- MathJax
def mathjax_source() -> str:
    """The folder of MathJax files that the site's MathJax package ships."""
    return str(importlib.metadata.distribution(MATHJAX_PACKAGE).locate_file(f"{MATHJAX_PACKAGE}/static/mathjax"))


def install_mathjax(folder: str) -> str:
    """Copy MathJax into `folder` unless it is there already; return its script's path. Workers may race to do
    it: each copies into a folder of its own beside it and renames that into place, and the first one wins."""
    script = os.path.join(folder, MATHJAX_SCRIPT)
    if os.path.isfile(script):
        return script
    os.makedirs(os.path.dirname(folder), exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".mathjax-", dir=os.path.dirname(folder))
    source = mathjax_source()
    for part in MATHJAX_PARTS:
        origin, copy = os.path.join(source, part), os.path.join(staging, part)
        if os.path.isdir(origin):
            shutil.copytree(origin, copy)
        else:
            os.makedirs(os.path.dirname(copy), exist_ok=True)
            shutil.copyfile(origin, copy)
    os.chmod(staging, 0o755)  # mkdtemp's folder is private; the pages are read by whoever opens them
    try:
        os.rename(staging, folder)
    except OSError:  # another worker's copy is in place
        shutil.rmtree(staging, ignore_errors=True)
    return script


@functools.lru_cache(maxsize=None)
def _exporter():
    """The exporter that GenerateFeedback.start() would make, with the preprocessors it would register."""
    converter = GenerateFeedback(config=course_config())
    exporter = FeedbackExporter(parent=converter, config=converter.config)
    for preprocessor in converter.preprocessors:
        exporter.register_preprocessor(preprocessor)
    return exporter


def prewarm(release: NotebookNode | None = None, localized: Iterable[NotebookNode] = ()) -> FeedbackExporter:
    """Build the exporter and compile its page template now, in the parent, before workers are forked; and
    highlight the code cells of the release notebook node `release`, which every page shows again, and render
    its markdown cells and those of its `localized` versions (the only markdown a page shows unsanitized)."""
    exporter = _exporter()
    exporter.template  # noqa: B018 (compiles it)
    for notebook in ([release] if release is not None else []) + list(localized):
        for cell in notebook.cells:
            if cell.cell_type == "markdown" and not cell.get("attachments"):
                _REMEMBERED_MARKDOWN[cell.source] = exporter.markdown2html({}, cell.source)
    if release is not None:
        # The lexer a page is highlighted with is the executed notebook's, which ipykernel sets to ipython3.
        language = release.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer") or {"python": "ipython3"}.get(language.get("name"))
        highlight = RememberedHighlight(pygments_lexer=lexer, parent=exporter)
        for cell in release.cells:
            if cell.cell_type == "code":
                highlight.remember(cell.source)
    return exporter
