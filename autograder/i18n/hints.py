"""What a student reads about a known mistake, in their notebook's language: the hint and the verdict's labels.

The known mistakes' names and messages (autograder/hidden/<a>_mistakes.py), the hidden cases' names
(autograder/hidden/<a>.py) and the sentences around them are translated in
locale/<language>/LC_MESSAGES/autograder.po (template.py lists them; `make catalogues`, or `python
book/_ext/editions.py quick`, refreshes the catalogue). A message without a translation is shown in English,
with the English book's link.
"""
from __future__ import annotations

import dataclasses

from ..judge.mistakes import Mistake
from ..judge.verdicts import Wording, wording_sentences
from .sections import edition_link, section_title
from .translation import grader_text

HINT = "This is what you get with {name}. {message} See {number} {title} ({link})."
# The student edition's check judges practice cases, not the hidden ones: these replace the Wording's sentences
# that name the cases, and GRADE_NOTE says where the grade comes from (student/, edition.py).
PRACTICE_SENTENCES = {
    "cases_passed": "{function}: {passed} of {total} practice cases passed",
    "all_cases_passed": "{function}: {total} practice cases passed",
    "did_not_run": "{function}: the practice cases did not run to completion",
}
GRADE_NOTE = ("These are practice cases. Your grade comes from other cases of the same kinds, which only the "
              "grader has: passing every practice case is a good sign, not a promise.")


def hint(mistake: Mistake, language: str = "en") -> str:
    """What the student reads, in `language` where the grader's catalogue has this mistake, else English."""
    name, message, sentence = (grader_text(text, language) for text in (mistake.name, mistake.message, HINT))
    if not (name and message and sentence):
        name, message, sentence, language = mistake.name, mistake.message, HINT, "en"
    title, number = section_title(mistake.section, language)
    return sentence.format(name=name, message=message, number=number, title=title,
                           link=edition_link(mistake.link, language))


def wording(language: str = "en") -> Wording:
    """The words of a verdict in `language` (the judge, judge/verdicts.py, knows no language): each of its
    sentences, the hidden cases' names and the judge's templates (what is wrong in a case, a fault's place), from
    the grader's catalogue; English where it has no translation."""
    sentences = {field: grader_text(english, language) or english for field, english in wording_sentences().items()}
    return Wording(hint=lambda mistake: hint(mistake, language),
                   case_name=lambda name: grader_text(name, language) or name,
                   text=lambda template: grader_text(template, language) or template, **sentences)


def practice_wording(language: str = "en") -> Wording:
    """The words of a verdict on practice cases in `language`: wording(language), the cases called practice cases."""
    return dataclasses.replace(wording(language), **{field: grader_text(english, language) or english
                                                     for field, english in PRACTICE_SENTENCES.items()})


def grade_note(language: str = "en") -> str:
    """GRADE_NOTE in `language` (English where the catalogue has no translation)."""
    return grader_text(GRADE_NOTE, language) or GRADE_NOTE
