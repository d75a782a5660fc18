"""The book's section titles and numbers, as a known mistake's hint names them, in either edition's words; and
their addresses on the published site, where a feedback page links them.

The site's address is `html.baseurl` in _config.yml (Jupyter Book's key for where the site is published, which
also gives every page its canonical link). The English edition is at that address, the Korean one under `ko/`
of it (book/_ext/editions.py). A book reference in a verdict is written "(<path>)", the path relative to the
site's root: "(book/04_lstm.html#the-input-gate-and-the-candidate)", or "(ko/book/…)" in Korean.
"""
from __future__ import annotations

import functools
import html
import os
import re

import yaml
from docutils.nodes import make_id

from ..course import REPO_ROOT
from .translation import LANGUAGES, book_text

BOOK_DIR = os.path.join(REPO_ROOT, "book")
# A book reference as a verdict writes it: the edition's folder, if any, then book/<chapter>.html#<anchor>.
BOOK_REFERENCE = re.compile(r"\((?:(?P<language>%s)/)?book/(?P<chapter>[\w-]+)\.html#(?P<anchor>[\w-]+)\)"
                            % "|".join(LANGUAGES))


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


@functools.lru_cache(maxsize=1)
def site_url() -> str:
    """The published site's address, ending in "/" (_config.yml's `html.baseurl`); "" where none is set, and
    then a book link stays relative to the site's root."""
    with open(os.path.join(REPO_ROOT, "_config.yml"), encoding="utf-8") as handle:
        url = ((yaml.safe_load(handle) or {}).get("html") or {}).get("baseurl") or ""
    return url if not url or url.endswith("/") else url + "/"


def edition_link(link: str, language: str = "en") -> str:
    """`link` (a path relative to the English site's root) in `language`'s edition: ko/book/… for Korean."""
    return link if language == "en" else f"{language}/{link}"


def book_url(link: str, language: str = "en") -> str:
    """The published address of `link` (relative to the English site's root) in `language`'s edition."""
    return site_url() + edition_link(link, language)


def link_book_references(line: str) -> str:
    """An HTML-escaped line of a verdict with its book references made links to the published site.

    A reference "(book/<chapter>.html#<anchor>)" names the section it points to just before it, as a hint does
    ("See 2.3 Sigmoid versus tanh (book/…)", "2.3 ‘시그모이드 대 tanh’ 절을 보라(ko/book/…)"): that title becomes
    the link and the path is dropped. A reference whose title is not before it becomes a link of its own, the
    section's title its text. A reference to a section the book does not have stays as it is. The address is
    rebuilt from the matched names, never copied from the text.
    """
    pieces, done = [], 0
    for match in BOOK_REFERENCE.finditer(line):
        language = match["language"] or "en"
        link = f"book/{match['chapter']}.html#{match['anchor']}"
        title, number = section_title(f"{match['chapter']}#{match['anchor']}", language)
        if not number:  # no such section: a link would lead nowhere
            continue
        anchor = (f'<a href="{html.escape(book_url(link, language))}" hreflang="{language}">'
                  f'{html.escape(title)}</a>')
        before = line[done:match.start()]
        at = before.rfind(html.escape(title))
        if at >= 0:  # the title becomes the link; the space that stood before the path goes with it
            pieces.append(before[:at] + anchor + before[at + len(html.escape(title)):].rstrip(" "))
        else:
            pieces.append(before + f"({number} {anchor})")
        done = match.end()
    return "".join(pieces) + line[done:]
