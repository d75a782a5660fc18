"""Gettext templates of what is not a page: the grader's messages (the known mistakes and the sentences around
them), and the prose in each assignment notebook's code cells (code_prose.py)."""
from __future__ import annotations

import os

import nbformat
import polib

from .. import hidden
from ..course import EXERCISES_DIR, list_assignments
from ..judge.checking import detail_templates
from ..judge.faults import place_templates
from ..judge.verdicts import wording_sentences
from .code_prose import KINDS, cell_role, prose_pieces
from .hints import GRADE_NOTE, HINT, PRACTICE_SENTENCES
from .labels import CHECK_REPORT, FEEDBACK_LABELS
from .translation import CODE_SUFFIX


def grader_messages() -> list[tuple[str, str]]:
    """[(English message, where it comes from)] in course order, each once: the sentences of a verdict, the
    judge's templates, the hidden cases' names and probes' messages, the known mistakes' names and messages."""
    found = {HINT: "the sentence around a known mistake (autograder/i18n/hints.py)"}
    found.update((text, "the feedback page's verdicts (autograder/judge/verdicts.py, Wording)")
                 for text in wording_sentences().values())
    found.update((text, "the student edition's check, on practice cases (autograder/i18n/hints.py)")
                 for text in [*PRACTICE_SENTENCES.values(), GRADE_NOTE])
    found.update((text, "what is wrong in a hidden case (autograder/judge/checking.py, Detail): keep each {...}")
                 for text in detail_templates())
    found.update((text, "a fault's place, in the diagnosis (autograder/judge/faults.py, Place): keep each {...}")
                 for text in place_templates())
    found.update((text, f"the feedback page's label {key!r} (autograder/i18n/labels.py)")
                 for key, text in FEEDBACK_LABELS.items())
    found.update((text, f"the student check's report: {key!r} (autograder/i18n/labels.py)")
                 for key, text in CHECK_REPORT.items())
    for assignment in list_assignments():
        module = hidden.load(assignment)
        found.update((text, f"{assignment}: a probe's own check (PROBE_MESSAGES): keep each {{...}}")
                     for text in getattr(module, "PROBE_MESSAGES", {}).values())
        for function, cases in module.CHECKS.items():  # the names the feedback's case lines show
            for case in cases:
                found.setdefault(case.name, f"{assignment}: {function}, a hidden case's name")
        for function, mistakes in hidden.mistakes(assignment).items():
            for mistake in mistakes:
                found.setdefault(mistake.name, f"{assignment}: {function}, a mistake's name")
                found.setdefault(mistake.message, f"{assignment}: {function}: {mistake.name}")
    return list(found.items())


def write_grader_template(path: str) -> None:
    """The grader's messages as a gettext template (.pot), for sphinx-intl to merge into each catalogue."""
    _write_template(path, grader_messages())


def code_messages_of(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """[(English prose, where it stands)] of a released notebook's code cells (code_prose.py), in order, each
    once; where says the cells and what the piece is there ("test_sigmoid: an assert's message")."""
    found: dict[str, list[str]] = {}
    for cell in notebook.cells:
        role = cell_role(cell)
        for piece in prose_pieces(cell.source, role):
            where = f"{cell.metadata.nbgrader.grade_id}: {KINDS[piece.kind]}"
            if piece.is_fstring:
                where += " (an f-string: keep each {...} as it is, in the same order)"
            places = found.setdefault(piece.message, [])
            if where not in places:
                places.append(where)
    return [(message, "; ".join(places)) for message, places in found.items()]


def code_template_path(directory: str, assignment: str) -> str:
    """Where the template of an assignment's code catalogue goes in a folder of templates."""
    return os.path.join(directory, "exercises", assignment, assignment + CODE_SUFFIX + ".pot")


def write_code_templates(directory: str) -> list[str]:
    """Each assignment's code-cell prose, from its English release (exercises/<a>/<a>.ipynb: `make exercises`
    first), as <directory>/exercises/<a>/<a>.code.pot, for sphinx-intl to merge into <a>.code.po. Returns the
    paths written."""
    written = []
    for assignment in list_assignments():
        release = nbformat.read(os.path.join(EXERCISES_DIR, assignment, assignment + ".ipynb"), as_version=4)
        path = code_template_path(directory, assignment)
        _write_template(path, code_messages_of(release))
        written.append(path)
    return written


def _write_template(path, messages):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    template = polib.POFile(wrapwidth=0)
    template.metadata = {"Project-Id-Version": "gate-by-gate", "Content-Type": "text/plain; charset=utf-8",
                         "MIME-Version": "1.0", "Content-Transfer-Encoding": "8bit"}
    for message, origin in messages:
        template.append(polib.POEntry(msgid=message, msgstr="", comment=origin))
    template.save(str(path))
