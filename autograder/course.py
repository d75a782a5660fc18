"""Where the course lives and which assignments it has: the one module every layer of the grader may import.

Standard library only, so that the judge, the sandbox and the translations can all know the course's folders
without importing the grader (tests/test_layers.py keeps it so).
"""
from __future__ import annotations

import os
import re

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOLUTIONS_DIR = os.path.join(REPO_ROOT, "solutions")
EXERCISES_DIR = os.path.join(REPO_ROOT, "exercises")
NAME_PATTERN = re.compile(r"^[a-z0-9_]+$")
# The student notebooks' languages besides English, and where a notebook records its own (i18n/translation.py
# writes it; the grader and the student edition's check read it).
LANGUAGES = ("ko",)
METADATA_KEY = "gatebygate"


class CourseError(Exception):
    """Bad instructor input: the message is one line that names what is wrong."""


def list_assignments() -> list[str]:
    """Assignment names in course order: every solutions/<name>/<name>.ipynb."""
    names = []
    for name in sorted(os.listdir(SOLUTIONS_DIR)):
        if os.path.isfile(os.path.join(SOLUTIONS_DIR, name, name + ".ipynb")):
            names.append(name)
    return names


def require_assignment(name: str) -> str:
    """Return `name` if it is a known assignment, else raise CourseError saying which ones exist."""
    if not NAME_PATTERN.match(name or ""):
        raise CourseError(f"assignment name {name!r} may only use a-z, 0-9 and _")
    known = list_assignments()
    if name not in known:
        raise CourseError(f"unknown assignment {name!r}: no solutions/{name}/{name}.ipynb "
                          f"(known: {', '.join(known) or 'none'})")
    return name


def last_line(text: str | None) -> str:
    """The last non-blank line of a tool's output, for a one-line error message."""
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def notebook_language(notebook: dict) -> str:
    """"ko" for a notebook i18n/translation.py made in Korean, else "en". Read from a student's notebook, so anything
    unexpected in it means English."""
    metadata = notebook.get("metadata", {}).get(METADATA_KEY)
    language = metadata.get("language") if isinstance(metadata, dict) else None
    return language if isinstance(language, str) and language in LANGUAGES else "en"

