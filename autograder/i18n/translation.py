"""Student notebooks in another language, made from the English release and the site's translation catalogues.

    exercises/<a>/<a>.ipynb  +  locale/ko/LC_MESSAGES/exercises/<a>/<a>.po   ->   exercises/<a>/<a>.ko.ipynb

The catalogue is the one the Korean site's exercise page is built from, so the page and the notebook say the
same thing. A message is what Sphinx makes one of: a paragraph, a heading, a list item's paragraph, a table
cell, found here with the same MyST parser settings (_config.yml). The prose inside the code cells (docstrings,
the visible tests' messages and comments) comes from a second catalogue, <a>.code.po (code_prose.py), and
nothing else in a code cell changes: cell ids, nbgrader metadata and points stay the release's own, and the
grader restores the test and read-only cells from the English release, so either language grades the same.
The notebook records its language in its metadata (`gatebygate.language`), which the grader reads to pick the
language of a student's feedback.

`make exercises` (python -m autograder release) writes these notebooks after nbgrader; the test suite checks
that the committed ones are what this module makes.
"""
from __future__ import annotations

import copy
import functools
import os
import re

import nbformat
import polib
import yaml
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

from ..course import EXERCISES_DIR, REPO_ROOT
from .code_prose import (GIVEN, MESSAGE_KINDS, cell_role, code_names, english_words, literal_parts, printed_in,
                         prose_pieces, translate_source)

LOCALE_DIR = os.path.join(REPO_ROOT, "locale")
LANGUAGES = ("ko",)
CODE_SUFFIX = ".code"  # exercises/<a>/<a>.code.po: the code cells' prose, beside <a>.po, the markdown's
METADATA_KEY = "gatebygate"
TABLE_CELL = re.compile(r"(?<!\\)\|")
# MyST markup that is code, not prose (book/_ext/catalogue_check.py checks that translations keep it).
CODE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")
ROLE = re.compile(r"(?<![\w`])\{([a-z:]+)\}(`+)(.+?)\2")
MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)
LINK = re.compile(r"\]\(([^)\s]+)\)|<(https?://[^>\s]+)>")
LATEX = re.compile(r"\\(?:text|mathrm|operatorname|texttt|mathbb|mbox)\{[^{}]*\}|\\[A-Za-z]+")


def needs_translation(message: str) -> bool:
    """False for a message that is only math, code, references or numbers: it stays as it is. A glossary
    term's role shows its English words, so it needs a translation."""
    prose = ROLE.sub(lambda role: f" {role.group(3)} " if role.group(1) == "term" else " ", message)
    prose = LINK.sub(" ", MATH.sub(" ", CODE.sub(" ", prose)))
    prose = LATEX.sub(" ", prose)  # a display equation is a message of bare LaTeX, without $ around it
    return re.search(r"[^\W\d_]{2,}", prose) is not None


def notebook_language(notebook: dict) -> str:
    """"ko" for a notebook this module made in Korean, else "en". Read from a student's notebook, so anything
    unexpected in it means English."""
    metadata = notebook.get("metadata", {}).get(METADATA_KEY)
    language = metadata.get("language") if isinstance(metadata, dict) else None
    return language if isinstance(language, str) and language in LANGUAGES else "en"


def localized_name(assignment: str, language: str) -> str:
    """The student notebook's file name in `language`: a01.ipynb, a01.ko.ipynb."""
    return f"{assignment}.ipynb" if language == "en" else f"{assignment}.{language}.ipynb"


def student_notebook_names(assignment: str) -> list[str]:
    """The names a student's notebook may have, English first: a01.ipynb, a01.ko.ipynb."""
    return [localized_name(assignment, language) for language in ("en", *LANGUAGES)]


def assignment_of(path: str) -> str:
    """The assignment a notebook file is for, by its name: a01.ipynb and a01.ko.ipynb are both a01."""
    stem = os.path.basename(path)[:-len(".ipynb")] if path.endswith(".ipynb") else os.path.basename(path)
    for language in LANGUAGES:
        if stem.endswith("." + language):
            return stem[:-len(language) - 1]
    return stem


def catalogue_path(assignment: str, language: str) -> str:
    """The translation catalogue of an assignment's exercise page (and notebook) in `language`."""
    return os.path.join(LOCALE_DIR, language, "LC_MESSAGES", "exercises", assignment, assignment + ".po")


def code_catalogue_path(assignment: str, language: str) -> str:
    """The translation catalogue of the prose in an assignment notebook's code cells (code_prose.py)."""
    return os.path.join(LOCALE_DIR, language, "LC_MESSAGES", "exercises", assignment, assignment + CODE_SUFFIX + ".po")


@functools.lru_cache(maxsize=None)
def _messages(path, modified):
    return {entry.msgid: entry.msgstr for entry in polib.pofile(path)
            if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags}


def messages(assignment: str, language: str) -> dict[str, str]:
    """{English message: translation} of an assignment's catalogue; {} when there is none."""
    return _catalogue_messages(catalogue_path(assignment, language))


def code_messages(assignment: str, language: str) -> dict[str, str]:
    """{English prose of a code cell: translation} of an assignment's code catalogue; {} when there is none."""
    return _catalogue_messages(code_catalogue_path(assignment, language))


def _catalogue_messages(path):
    if not os.path.isfile(path):
        return {}
    return _messages(path, os.path.getmtime(path))


@functools.lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """The MyST markdown parser with the book's settings (_config.yml), as Sphinx reads a page."""
    with open(os.path.join(REPO_ROOT, "_config.yml"), encoding="utf-8") as handle:
        extensions = yaml.safe_load(handle).get("parse", {}).get("myst_enable_extensions", [])
    return create_md_parser(MdParserConfig(enable_extensions=set(extensions)), RendererHTML)


def message_of(inline_token: Token) -> str:
    """The message Sphinx's gettext builder extracts for a paragraph, heading or table cell."""
    return inline_token.content.replace("\n", " ").strip()


def translate_markdown(source: str, translations: dict[str, str]) -> tuple[str, list[str]]:
    """`source` with every message found in `translations` replaced by its translation.

    Returns (text, messages found without a translation). A paragraph that spans several lines becomes one
    line, keeping the first line's prefix (a list marker, a heading's #'s); a table cell is replaced in its row.
    """
    lines = source.splitlines(keepends=True)
    tokens = markdown_parser().parse(source)
    edits, untranslated, cell_index, row_map = {}, [], 0, None
    for position, token in enumerate(tokens):
        if token.type == "tr_open":
            cell_index, row_map = 0, token.map
            continue
        if token.type in ("math_block", "math_block_label", "amsmath") and token.map:
            _translate_equation(token, lines, edits, translations)
            continue
        if token.type != "inline" or not token.map:
            continue
        opener = tokens[position - 1].type
        in_cell = opener in ("th_open", "td_open")
        message = message_of(token)
        translation = translations.get(message)
        if in_cell:
            cell_index += 1
        if translation is None:
            if translations and needs_translation(message):
                untranslated.append(message)
            continue
        if translation == message:
            continue
        if in_cell:
            row = row_map[0]
            line = edits.get(row, [lines[row]])[0]
            cells = TABLE_CELL.split(line)
            cells[cell_index] = " " + translation.replace("|", "\\|") + " "
            edits[row] = ["|".join(cells)]
            continue
        start, end = token.map
        first = lines[start]
        offset = first.find(token.content.split("\n")[0])
        prefix = first[:offset] if offset >= 0 else ""
        ending = "\n" if lines[end - 1].endswith("\n") else ""
        edits[start] = [prefix + translation + ending]
        for line_number in range(start + 1, end):
            edits[line_number] = []
    text = "".join(piece for number, line in enumerate(lines) for piece in edits.get(number, [line]))
    return text, untranslated


def _translate_equation(token, lines, edits, translations):
    """A display equation is a message of its own; a translation may change the words in its \\text{...}."""
    translation = translations.get(token.content)
    if translation is None or translation == token.content:
        return
    start, end = token.map
    block = "".join(lines[start:end])
    if token.content in block:
        edits[start] = [block.replace(token.content, translation, 1)]
        for line_number in range(start + 1, end):
            edits[line_number] = []


def translate_notebook(notebook: nbformat.NotebookNode, assignment: str,
                       language: str) -> tuple[nbformat.NotebookNode, list[str]]:
    """A copy of `notebook` with its markdown cells, and the prose of its code cells, in `language`;
    (notebook, untranslated messages: also those whose translation would change the code, left in English)."""
    # nbgrader costs about 1.5 s of CPU to import (a fresh `python -c "import nbgrader.utils"`), which the
    # book's build and `check` (that read this module for its names and lookups) never need.
    from nbgrader.utils import compute_checksum

    translations, code_translations = messages(assignment, language), code_messages(assignment, language)
    translated, untranslated = copy.deepcopy(notebook), []
    for cell in translated.cells:
        if cell.cell_type == "markdown":
            text, missing = translate_markdown(cell.source, translations)
        elif code_translations:
            text, missing, broken = translate_source(cell.source, cell_role(cell), code_translations)
            missing += [b.message for b in broken]  # left in English
        else:
            continue
        untranslated += missing
        if text != cell.source:
            cell.source = text
            nbgrader = cell.metadata.get("nbgrader")
            if nbgrader and "checksum" in nbgrader:  # as nbgrader would record it for this text
                nbgrader["checksum"] = compute_checksum(cell)
    translated.metadata[METADATA_KEY] = {"language": language}
    return translated, untranslated


def code_catalogue_problems(assignment: str, language: str) -> list[tuple[str, str]]:
    """What keeps an assignment's code catalogue from giving the Korean notebook no English prose, checked
    against its English release (exercises/<a>/<a>.ipynb): [(message, problem)]. A piece of the release
    without a translation (or with a fuzzy one), a translation that would change the code, one that leaves
    English words (naming them), and an entry that is no piece of the release any more."""
    release = nbformat.read(os.path.join(EXERCISES_DIR, assignment, assignment + ".ipynb"), as_version=4)
    translations = code_messages(assignment, language)
    names = code_names([cell.source for cell in release.cells if cell.cell_type == "code"])
    problems, seen = [], set()
    for cell in release.cells:
        role = cell_role(cell)
        _, missing, broken = translate_source(cell.source, role, translations)
        problems += [(message, "not translated (or fuzzy)") for message in missing]
        problems += [(b.message, f"its translation {b.change}") for b in broken]
        for piece in prose_pieces(cell.source, role):
            seen.add(piece.message)
            translation = translations.get(piece.message)
            words = translation is not None and english_words(translation, names, piece.is_fstring)
            if words:
                problems.append((piece.message, f"its translation leaves English: {' '.join(words)}"))
    path = code_catalogue_path(assignment, language)
    if os.path.isfile(path):
        problems += [(entry.msgid, "in the catalogue, no longer in the release (python book/_ext/editions.py quick)")
                     for entry in polib.pofile(path) if not entry.obsolete and entry.msgid not in seen]
    return list(dict.fromkeys(problems))


def localize_release_cells(notebook: nbformat.NotebookNode, release: nbformat.NotebookNode, assignment: str,
                           language: str) -> nbformat.NotebookNode:
    """A copy of a student's autograded `notebook` as their feedback shows it in `language`: the cells that are
    the release's markdown, word for word, in `language`; each test and read-only cell (nbgrader ran the English
    release's, which it put back from its gradebook) as `language`'s release has it, and what its asserts and
    prints printed in `language` too, with the same values in their placeholders. The student's answer cells
    and their own outputs stay as they are.

    Only the release (trusted) is parsed: a student's own text is never read by the parser, which runs in the
    grader, outside the sandbox and its time limits; their outputs are only compared, in one pass, with the
    constant parts of the release's messages."""
    markdown, given = _localized_release(nbformat.writes(release), assignment, language, *_catalogue_stamps(
        assignment, language))
    result = copy.deepcopy(notebook)
    for cell in result.cells:
        if cell.cell_type == "markdown" and cell.source in markdown:
            cell.source = markdown[cell.source]
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell_role(cell) == GIVEN and grade_id in given:
            cell.source, messages = given[grade_id]
            cell.outputs = [_localized_output(output, messages) for output in cell.get("outputs", [])]
    result.metadata[METADATA_KEY] = {"language": language}
    return result


def _catalogue_stamps(assignment, language):
    return tuple(os.path.getmtime(path) if os.path.isfile(path) else None
                 for path in (catalogue_path(assignment, language), code_catalogue_path(assignment, language)))


@functools.lru_cache(maxsize=8)  # each student of a run shares the release: translated once per worker
def _localized_release(release_text, assignment, language, *stamps):
    """({English markdown: translated}, {grade id of a test or read-only cell: (its translated source, [(English
    message parts, translated parts)])}) of a release, as nbformat.writes wrote it."""
    release = nbformat.reads(release_text, as_version=4)
    localized, _ = translate_notebook(release, assignment, language)
    markdown, given = {}, {}
    for english, mine in zip(release.cells, localized.cells):
        if english.source == mine.source:
            continue
        if english.cell_type == "markdown":
            markdown[english.source] = mine.source
        elif cell_role(english) == GIVEN:
            pieces = zip(prose_pieces(english.source, GIVEN), prose_pieces(mine.source, GIVEN))
            messages = [(literal_parts(english.source[e.start:e.end]), literal_parts(mine.source[m.start:m.end]))
                        for e, m in pieces if e.kind in MESSAGE_KINDS and e.message != m.message]
            given[english.metadata.nbgrader.grade_id] = (mine.source, messages)
    return markdown, given


def _localized_output(output, messages):
    """An output of a test cell with what the release's messages printed in it in the student's language."""
    if output.get("output_type") == "error" and isinstance(output.get("evalue"), str):
        evalue = _printed(output.evalue, messages)
        if evalue is not None:
            translated = copy.deepcopy(output)
            translated.evalue = evalue
            if output.get("traceback") == [f"{output.ename}: {output.evalue}"]:
                translated.traceback = [f"{output.ename}: {evalue}"]
            return translated
    if output.get("output_type") == "stream" and isinstance(output.get("text"), str):
        lines = [_printed_line(line, messages) for line in output.text.split("\n")]
        if lines != output.text.split("\n"):
            translated = copy.deepcopy(output)
            translated.text = "\n".join(lines)
            return translated
    return output


def _printed(text, messages):
    return next((found for english, mine in messages if (found := printed_in(text, english, mine)) is not None), None)


def _printed_line(line, messages):
    """A line of printed text in the student's language where a message printed it: the whole line (a print), or
    what follows one of its first ": " ("AssertionError: ...", after a prefix)."""
    whole = _printed(line, messages)
    if whole is not None:
        return whole
    start = 0
    for _ in range(3):
        start = line.find(": ", start) + 2
        if start < 2:
            break
        rest = _printed(line[start:], messages)
        if rest is not None:
            return line[:start] + rest
    return line


def write_localized_releases(assignment: str, release_directory: str) -> None:
    """Write <release>/<a>/<a>.<language>.ipynb for every language that has the assignment's catalogue."""
    english = nbformat.read(os.path.join(release_directory, assignment, assignment + ".ipynb"), as_version=4)
    for language in LANGUAGES:
        if not os.path.isfile(catalogue_path(assignment, language)):
            continue
        notebook, _ = translate_notebook(english, assignment, language)
        nbformat.write(notebook, os.path.join(release_directory, assignment, localized_name(assignment, language)))


# ----------------------------------------------------------------------------- the grader's own messages
# The known mistakes' names and messages and the sentences around them (hints.py, template.py), translated in
# locale/<language>/LC_MESSAGES/autograder.po; `make catalogues` refreshes it.
GRADER_DOMAIN = "autograder"


def grader_catalogue_path(language: str) -> str:
    """The grader's own catalogue in `language`: the known mistakes and the sentences around them."""
    return os.path.join(LOCALE_DIR, language, "LC_MESSAGES", GRADER_DOMAIN + ".po")


def grader_text(text: str, language: str) -> str | None:
    """`text` in `language` from the grader's catalogue, or None where it has no translation."""
    if language == "en":
        return text
    path = grader_catalogue_path(language)
    if not os.path.isfile(path):
        return None
    return _messages(path, os.path.getmtime(path)).get(text)


def book_messages(chapter: str, language: str) -> dict[str, str]:
    """{English message: translation} of a book page's catalogue ("04_lstm"); {} when there is none."""
    path = os.path.join(LOCALE_DIR, language, "LC_MESSAGES", "book", chapter + ".po")
    if not os.path.isfile(path):
        return {}
    return _messages(path, os.path.getmtime(path))


def book_text(chapter: str, text: str, language: str) -> str | None:
    """A message of a book chapter (a heading, say) in `language`, or None."""
    if language == "en":
        return text
    return book_messages(chapter, language).get(text)


def localized_chapter(chapter: str, language: str) -> nbformat.NotebookNode:
    """The chapter book/<chapter>.md as the notebook a reader downloads or launches (jupytext's conversion, as
    the English site's), its markdown in `language`: the chapter's book/<chapter>.<language>.ipynb."""
    import jupytext  # only the book build writes chapter notebooks: grading never pays for this import

    notebook = jupytext.read(os.path.join(REPO_ROOT, "book", chapter + ".md"))
    translations = book_messages(chapter, language)
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number}"  # jupytext draws random ids: these keep the file the same from run to run
        if cell.cell_type == "markdown":
            cell.source, _ = translate_markdown(cell.source, translations)
    notebook.metadata[METADATA_KEY] = {"language": language}
    return notebook


def write_localized_chapters() -> list[str]:
    """Write book/<chapter>.<language>.ipynb for every chapter with a catalogue (the Korean pages' launch
    buttons open them); a file is rewritten only when its text changes. Returns the paths written."""
    written = []
    for name in sorted(os.listdir(os.path.join(REPO_ROOT, "book"))):
        chapter, extension = os.path.splitext(name)
        if extension != ".md" or chapter in ("index", "glossary", "bibliography"):
            continue
        for language in LANGUAGES:
            if not book_messages(chapter, language):
                continue
            path = os.path.join(REPO_ROOT, "book", localized_name(chapter, language))
            text = nbformat.writes(localized_chapter(chapter, language)) + "\n"
            if not os.path.isfile(path) or open(path, encoding="utf-8").read() != text:
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(text)
                written.append(path)
    return written
