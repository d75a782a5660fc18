"""The Korean termbase (locale/ko/termbase.tsv): house terms, the wordings they replace, fixed labels.

    python book/_ext/termbase.py [locale/ko/LC_MESSAGES/book/04_lstm.po ...]   (default: every catalogue)

prints every message that breaks a rule, naming the catalogue, the message and the rule; tests/test_korean_termbase.py
runs the same check. A rule is a row of the TSV: which messages it applies to (a pattern on the English, and a
set of catalogues), what the Korean must contain and what it must not. Patterns are regular expressions, so that
a forbidden word inside a longer, legitimate word is not a match: 불안정한 is fine where 안정한 is not, 기계 엡실론
where 기계 (for the computer) is not. Rules read the prose only: inline code and math are left out (a \\text{...}
rule, the one that reads math, sees the whole message).
"""
import csv
import fnmatch
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from catalogue_check import _excerpt  # the same excerpt of a message as its reports

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
OBJECTIVE = "@objective"  # the english column's name for a learning objective
OBJECTIVES_LEAD_IN = re.compile(r"^After this chapter you can:?$")
INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1")
# {term}`망각 게이트 <forget gate>` reads as its title; the English target is not prose
ROLE = re.compile(r"\{[a-z:]+\}`([^`]*?)\s*(?:<[^<>`]*>)?`")


@dataclass(frozen=True)
class Rule:
    english: str
    korean: str
    forbidden: str
    where: str
    term: str
    line: int

    def applies_to_catalogue(self, name):
        if not self.where:
            return True
        patterns = self.where.split()
        included = [p for p in patterns if not p.startswith("!")]
        excluded = [p[1:] for p in patterns if p.startswith("!")]
        return (not included or any(fnmatch.fnmatch(name, p) for p in included)) and \
            not any(fnmatch.fnmatch(name, p) for p in excluded)


def termbase_path(language="ko"):
    return LOCALE / language / "termbase.tsv"


def load(language="ko"):
    """The termbase's rules, in file order; a pattern that does not compile fails here, naming its line."""
    rules = []
    with open(termbase_path(language), encoding="utf-8", newline="") as f:
        lines = [(n, line) for n, line in enumerate(f, 1) if not line.startswith("#")]
    reader = csv.reader((line for _, line in lines), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader)
    assert header == ["english", "korean", "forbidden", "where", "term"], header
    for (number, _), row in zip(lines[1:], reader):
        if not any(row):
            continue
        assert len(row) == 5, f"termbase line {number}: {len(row)} columns, not 5"
        rule = Rule(*row, line=number)
        for pattern in (rule.english if rule.english != OBJECTIVE else "", rule.korean, rule.forbidden):
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"termbase line {number}: {pattern!r}: {error}") from error
        rules.append(rule)
    return rules


def prose(text):
    """A message without its inline code and role targets (they are never translated)."""
    return INLINE_CODE.sub(" ", ROLE.sub(r"\1", text))


def objectives(entries):
    """The ids of the entries that are learning objectives: the list items after the lead-in."""
    found, inside = set(), False
    for entry in entries:
        if OBJECTIVES_LEAD_IN.match(entry.msgid):
            inside = True
        elif inside and entry.msgid[:1].islower():
            found.add(id(entry))
        else:
            inside = False
    return found


def violations(path, rules=None):
    """["<catalogue>: <message start>: <problem> (<term>)", ...] for one catalogue."""
    import polib

    rules = load() if rules is None else rules
    name = _catalogue_name(path)
    entries = [e for e in polib.pofile(str(path)) if e.msgstr]
    objective_ids = objectives(entries)
    found = []
    for rule in (r for r in rules if r.applies_to_catalogue(name)):
        for entry in entries:
            if rule.english == OBJECTIVE:
                if id(entry) not in objective_ids:
                    continue
            elif rule.english and not re.search(rule.english, entry.msgid, re.I):
                continue
            korean = entry.msgstr if "\\text" in rule.forbidden else prose(entry.msgstr)
            if rule.korean and not re.search(rule.korean, korean):
                found.append(f"{name}: {_excerpt(entry.msgid)!r}: lacks {rule.korean!r} ({rule.term})")
            if rule.forbidden:
                match = re.search(rule.forbidden, korean)
                if match:
                    found.append(f"{name}: {_excerpt(entry.msgid)!r}: has {match.group(0)!r} ({rule.term})")
    return found


def _catalogue_name(path):
    """locale/ko/LC_MESSAGES/book/04_lstm.po -> book/04_lstm.po"""
    parts = Path(path).resolve().parts
    return "/".join(parts[parts.index("LC_MESSAGES") + 1:])


def catalogues(language="ko"):
    return sorted((LOCALE / language / "LC_MESSAGES").glob("**/*.po"))


def main(argv):
    rules = load()
    paths = argv or catalogues()
    found = [line for path in paths for line in violations(path, rules)]
    print("\n".join(found) if found else f"{len(paths)} catalogue(s) follow the termbase's {len(rules)} rules")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
