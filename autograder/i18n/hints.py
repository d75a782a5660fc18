"""What a student reads about a known mistake, in their notebook's language: the hint and the verdict's labels.

The known mistakes' names and messages (autograder/hidden/<a>_mistakes.py), the hidden cases' names
(autograder/hidden/<a>.py) and the sentences around them are translated in
locale/<language>/LC_MESSAGES/autograder.po (template.py lists them; `make catalogues`, or `python
book/_ext/editions.py quick`, refreshes the catalogue). A message without a translation is shown in English,
with the English book's link.
"""
from __future__ import annotations

from ..judge.mistakes import Mistake
from ..judge.verdicts import Wording, wording_sentences
from .sections import edition_link, section_title
from .translation import grader_text

HINT = "This is what you get with {name}. {message} See {number} {title} ({link})."


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
    sentences, and the hidden cases' names, from the grader's catalogue; English where it has no translation."""
    sentences = {field: grader_text(english, language) or english for field, english in wording_sentences().items()}
    return Wording(hint=lambda mistake: hint(mistake, language),
                   case_name=lambda name: grader_text(name, language) or name, **sentences)
