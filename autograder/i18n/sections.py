"""The book's section titles and numbers, as a known mistake's hint names them, in either edition's words."""
from __future__ import annotations

import functools
import os
import re

from docutils.nodes import make_id

from ..course import REPO_ROOT
from .translation import book_text

BOOK_DIR = os.path.join(REPO_ROOT, "book")


@functools.lru_cache(maxsize=None)
def book_headings(chapter: str) -> dict[str, tuple[str, str, str]]:
    """{anchor: (title, number, heading as written)} of a chapter's sections, read from book/<chapter>.md
    (outside code fences). The heading as written is its message in the chapter's translation catalogue."""
    path = os.path.join(BOOK_DIR, chapter + ".md")
    sections, in_fence, count = {}, False, 0
    chapter_number = int(chapter.split("_")[0]) if chapter[:2].isdigit() else 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("```") or line.startswith("~~~"):
                in_fence = not in_fence
                continue
            heading = re.match(r"^##\s+(.*\S)", line)
            if heading and not in_fence:
                count += 1
                title = re.sub(r"[`*$]", "", heading.group(1))
                sections[make_id(title)] = (title, f"{chapter_number}.{count}", heading.group(1))
    return sections


def book_sections(chapter: str) -> dict[str, tuple[str, str]]:
    """{anchor: (title, number)} of a chapter's sections."""
    return {anchor: (title, number) for anchor, (title, number, _) in book_headings(chapter).items()}


def section_title(section: str, language: str = "en") -> tuple[str, str]:
    """(title, number) of a "<chapter>#<anchor>" section, e.g. ("The input gate and the candidate", "4.5"); the
    title in `language` where the chapter's catalogue translates it."""
    chapter, _, anchor = section.partition("#")
    try:
        title, number, written = book_headings(chapter).get(anchor, (anchor.replace("-", " "), "", None))
    except OSError:
        return anchor.replace("-", " "), ""
    translated = written and book_text(chapter, written, language)
    return (re.sub(r"[`*$]", "", translated) if translated else title), number
