"""What is wrong with a translation catalogue: untranslated, fuzzy or stale messages, and markup the translation lost.

    python book/_ext/catalogue_check.py [locale/ko/LC_MESSAGES/book/04_lstm.po ...]   (default: every catalogue)

tests/test_korean_edition.py runs the same checks. A translation must keep, as in the English message, every piece
that is code rather than prose: the same math (apart from the words inside \\text{...}), the same inline code,
the same cross-reference targets ({term}`망각 게이트 <forget gate>` keeps the target `forget gate`), the same
citations, link addresses and footnote labels. Sphinx would otherwise warn, or silently lose a reference.

A code catalogue (exercises/<a>/<a>.code.po: the prose in the notebook's code cells) is checked against the
English release instead, by autograder.i18n.translation.code_catalogue_problems: every piece translated, no
translation that would change the code, no English words left.
"""
import re
import string
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"

sys.path.insert(0, str(ROOT))
from autograder.i18n.translation import (CODE, CODE_SUFFIX, LINK, MATH, ROLE, code_catalogue_problems,  # noqa: E402
                                        markdown_parser, needs_translation)

HANGUL = re.compile(r"[\uac00-\ud7a3]")
EXPLICIT_TARGET = re.compile(r"^(?:.*?\s)?<([^<>]+)>$", re.S)
MATH_TEXT = re.compile(r"\\(?:text|mathrm|textrm|mbox)\{[^{}]*\}")
FOOTNOTE = re.compile(r"\[\^([^\]]+)\]")
# Roles whose whole content is the target (no "title <target>" form).
EXACT_ROLES = {"cite", "cite:p", "cite:t", "eq", "math"}
# A translator's comment (#) that marks a message which is right in Korean as it stands in English: a name.
SAME_IN_KOREAN = "same in Korean"


def catalogues():
    return sorted(LOCALE.glob("*/LC_MESSAGES/**/*.po"))


def markup(text):
    """The pieces of a message that a translation must keep, as a Counter."""
    pieces = Counter()
    rest = text
    for role, _, content in ROLE.findall(text):
        target = content
        if role not in EXACT_ROLES:
            explicit = EXPLICIT_TARGET.match(content)
            target = explicit.group(1) if explicit else content
        pieces[("role", role, target.strip())] += 1
    rest = ROLE.sub(" ", rest)
    for _, code in CODE.findall(rest):
        pieces[("code", code)] += 1
    rest = CODE.sub(" ", rest)
    for display, inline in MATH.findall(rest):
        pieces[("math", re.sub(r"\s+", "", MATH_TEXT.sub("", display or inline)))] += 1
    for markdown_link, bare in LINK.findall(rest):
        pieces[("link", markdown_link or bare)] += 1
    for label in FOOTNOTE.findall(rest):
        pieces[("footnote", label)] += 1
    return pieces


def entry_problems(entry):
    """What is wrong with one polib entry, as short phrases (empty when it is fine)."""
    if entry.obsolete:
        return ["obsolete: the English text no longer has it (delete the entry)"]
    if not entry.msgstr.strip():
        return ["not translated"]
    problems = []
    if "fuzzy" in entry.flags:
        problems.append("fuzzy: the English changed since it was translated")
    if entry.msgstr == entry.msgid and needs_translation(entry.msgid) and SAME_IN_KOREAN not in entry.tcomment:
        problems.append(f"left in English (if it is right as it is, add the translator comment '# {SAME_IN_KOREAN}')")
    if not needs_translation(entry.msgid) and _without_words(entry.msgstr) != _without_words(entry.msgid):
        problems.append("changed, though it has nothing to translate but the words of \\text{...} (it must "
                        "otherwise equal the English)")
    if needs_translation(entry.msgid):
        problems += _structure_problems(entry.msgid, entry.msgstr)
    lost, added = markup(entry.msgid) - markup(entry.msgstr), markup(entry.msgstr) - markup(entry.msgid)
    if lost:
        problems.append("lost " + ", ".join(_describe(p) for p in sorted(lost)))
    if added:
        problems.append("added " + ", ".join(_describe(p) for p in sorted(added)))
    return problems


def _structure_problems(msgid, msgstr):
    """Sphinx parses a translation on its own, as MyST: it must be one paragraph (a heading's "1. Title" read
    alone is a list, and Sphinx then silently keeps the English: write "1\\. 제목"), and with no star that
    closes nothing (a closing ** between punctuation and a Hangul letter is not a closing one: "**`x`**가"
    shows the stars)."""
    tokens = markdown_parser().parse(msgstr)
    problems = []
    if tokens and tokens[0].type != "paragraph_open":
        problems.append(f"reads as a {tokens[0].type.replace('_open', '')}, not a paragraph: escape its start "
                        "(1\\. for a numbered heading)")

    def literal_stars(text):  # a * that opens or closes nothing is left in the text
        return sum(t.content.count("*") for block in markdown_parser().parse(text) for t in (block.children or [])
                   if t.type == "text")

    if literal_stars(msgstr) > literal_stars(msgid):
        problems.append("a * shows as a star: a closing * between punctuation and a letter does not close "
                        "(write **`x`** 가, or rephrase)")
    return problems


def _placeholder_problems(msgid, msgstr):
    """A message the grader fills in (a template of the judge, a verdict's sentence, a label) must name the same
    {fields} as the English, or the grader shows the English instead (checking.Message.render)."""
    def fields(text):
        try:
            return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError:
            return None
    english, korean = fields(msgid), fields(msgstr)
    if korean is None:
        return ["a brace that is no placeholder: write {{ or }} for a brace itself"]
    if english is not None and english != korean:
        lost, added = sorted(english - korean), sorted(korean - english)
        return ["placeholders differ: " + "; ".join(part for part in (
            "lost " + ", ".join(f"{{{n}}}" for n in lost) if lost else "",
            "added " + ", ".join(f"{{{n}}}" for n in added) if added else "") if part)]
    return []


def _without_words(text):
    return re.sub(r"\s+", "", MATH_TEXT.sub("", text))


def _describe(piece):
    kind, *rest = piece
    if kind == "role":
        return f"{{{rest[0]}}} target {rest[1]!r}"
    return f"{kind} {rest[0]!r}"


def problems(path):
    """["<catalogue>: <message start>: <problem>", ...] for one .po file."""
    import polib

    catalogue = polib.pofile(str(path))
    name = Path(path).relative_to(LOCALE) if Path(path).is_relative_to(LOCALE) else path
    found = []
    if Path(path).name.endswith(CODE_SUFFIX + ".po"):
        parts = Path(path).resolve().parts
        language, assignment = parts[parts.index("LC_MESSAGES") - 1], Path(path).parent.name
        found = [f"{name}: {_excerpt(entry.msgid)!r}: obsolete: the English no longer has it (delete the entry)"
                 for entry in catalogue.obsolete_entries()]
        return found + [f"{name}: {_excerpt(message)!r}: {problem}"
                        for message, problem in code_catalogue_problems(assignment, language)]
    filled_in = Path(path).name == "autograder.po"  # the grader's: each message is a template it fills in
    for entry in [*catalogue, *catalogue.obsolete_entries()]:
        extra = _placeholder_problems(entry.msgid, entry.msgstr) if filled_in and entry.msgstr.strip() else []
        for problem in entry_problems(entry) + extra:
            found.append(f"{name}: {_excerpt(entry.msgid)!r}: {problem}")
    return found


def _excerpt(text, width=70):
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def main(argv):
    paths = argv or catalogues()
    found = [line for path in paths for line in problems(path)]
    print("\n".join(found) if found else f"{len(paths)} catalogue(s): every message translated, markup kept")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
