"""The grader's messages as a gettext template: the known mistakes and the sentences around them."""
from __future__ import annotations

import polib

from .. import hidden
from ..course import list_assignments
from ..judge.verdicts import wording_sentences
from .hints import GRADE_NOTE, HINT, PRACTICE_SENTENCES


def grader_messages() -> list[tuple[str, str]]:
    """[(English message, where it comes from)] in course order, each once."""
    found = {HINT: "the sentence around a known mistake (autograder/i18n/hints.py)"}
    found.update((text, "the feedback page's verdicts (autograder/judge/verdicts.py, Wording)")
                 for text in wording_sentences().values())
    found.update((text, "the student edition's check, on practice cases (autograder/i18n/hints.py)")
                 for text in [*PRACTICE_SENTENCES.values(), GRADE_NOTE])
    for assignment in list_assignments():
        for function, mistakes in hidden.mistakes(assignment).items():
            for mistake in mistakes:
                found.setdefault(mistake.name, f"{assignment}: {function}, a mistake's name")
                found.setdefault(mistake.message, f"{assignment}: {function}: {mistake.name}")
    return list(found.items())


def write_grader_template(path: str) -> None:
    """The grader's messages as a gettext template (.pot), for sphinx-intl to merge into each catalogue."""
    template = polib.POFile(wrapwidth=0)
    template.metadata = {"Project-Id-Version": "gate-by-gate", "Content-Type": "text/plain; charset=utf-8",
                         "MIME-Version": "1.0", "Content-Transfer-Encoding": "8bit"}
    for message, origin in grader_messages():
        template.append(polib.POEntry(msgid=message, msgstr="", comment=origin))
    template.save(path)
