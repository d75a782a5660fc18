"""The Korean edition: complete catalogues, Korean student notebooks, and a class graded in either language.

That the catalogues match the current English text needs the executed chapters (figure captions and alt text
come from outputs): tests/site/test_catalogues_current.py checks it after `make book`.
"""
import os
import re
import subprocess
import sys

import nbformat
import polib
import pytest
from bs4 import BeautifulSoup

from autograder.isolation import sandbox
from autograder.i18n import translation
from autograder.course import list_assignments
from autograder import hidden
from autograder.i18n.hints import hint
from autograder.i18n.sections import BOOK_REFERENCE
from autograder.i18n.template import grader_messages
from autograder.grading.run import grade_class
from autograder.testing import exercise_notebook, set_answer, solved_exercise
from conftest import REPO_ROOT

import catalogue_check  # book/_ext (pyproject.toml)

CATALOGUES = [p.relative_to(catalogue_check.LOCALE).as_posix() for p in catalogue_check.catalogues()]
ASSIGNMENT = "a01_rnn_forward"
needs_sandbox = pytest.mark.skipif(bool(sandbox.missing_tools()), reason=f"needs {sandbox.INSTALL_HINT}")


def test_there_is_a_korean_catalogue_for_every_page_and_the_grader():
    pages = {os.path.splitext(f)[0] for f in CATALOGUES}
    for chapter in sorted(os.listdir(os.path.join(REPO_ROOT, "book"))):
        if chapter.endswith(".md"):
            assert f"ko/LC_MESSAGES/book/{chapter[:-3]}" in pages, f"book/{chapter} has no Korean catalogue"
    for assignment in list_assignments():
        assert f"ko/LC_MESSAGES/exercises/{assignment}/{assignment}" in pages
    assert "ko/LC_MESSAGES/autograder" in pages


@pytest.mark.parametrize("catalogue", CATALOGUES)
def test_every_message_is_translated_none_fuzzy_markup_kept(catalogue):
    problems = catalogue_check.problems(catalogue_check.LOCALE / catalogue)
    assert not problems, f"{len(problems)} problems (see locale/README.md):\n" + "\n".join(problems[:25])


def test_the_grader_catalogue_has_every_known_mistake_and_nothing_else():
    current = dict(grader_messages())
    committed = {e.msgid for e in polib.pofile(translation.grader_catalogue_path("ko")) if not e.obsolete}
    missing = [f"{current[m]}: {m[:70]!r}" for m in current if m not in committed]
    stale = [m[:70] for m in committed - set(current)]
    assert not missing and not stale, ("locale/ko/LC_MESSAGES/autograder.po is behind the known mistakes: run "
                                       f"`make catalogues`.\nmissing: {missing[:10]}\nno longer used: {stale[:10]}")


# ------------------------------------------------------------------------------------ the glossary's terms
def glossary_terms():
    """{English term: [its Korean terms]} from book/glossary.md: the definition starts with them."""
    text = open(os.path.join(REPO_ROOT, "book", "glossary.md"), encoding="utf-8").read()
    block = text.split("```{glossary}")[1].split("```")[0]
    terms = {}
    for english, definition in re.findall(r"^(\S[^\n]*)\n\s+([^\n]*)", block, re.M):
        korean = re.split(r"\.\s", definition)[0]
        choices = [c.strip() for c in re.split(r"[(),;:]|\balso\b", korean) if catalogue_check.HANGUL.search(c)]
        terms[english.strip().lower()] = [re.sub(r"\s+", "", c) for c in choices]
    return terms


def test_every_linked_term_is_the_glossary_term_in_korean():
    """Where the English links a glossary term, the Korean text uses one of that term's Korean names."""
    terms, problems = glossary_terms(), []
    for catalogue in CATALOGUES:
        for entry in polib.pofile(str(catalogue_check.LOCALE / catalogue)):
            if not entry.msgstr:
                continue
            unspaced = re.sub(r"\s+", "", entry.msgstr)
            for role, _, content in catalogue_check.ROLE.findall(entry.msgid):
                english = content.strip().lower()
                korean = terms.get(english) or terms.get(english.rstrip("s"))
                if role == "term" and korean and not any(k in unspaced for k in korean):
                    problems.append(f"{catalogue}: {entry.msgid[:50]!r}: {english!r} should read as one of "
                                    f"{korean} (the glossary's terms)")
    assert not problems, "\n".join(problems[:25])


# ------------------------------------------------------------------------------------ the notebook generator
def test_translating_markdown_keeps_its_structure():
    source = ("## 1. A heading\n\nA paragraph that goes on\nover two lines.\n\n"
              "* a list item\n  that wraps\n* another item\n\n"
              "| name | what |\n|---|---|\n| `sigmoid` | a gate |\n")
    translations = {"1. A heading": "1. 제목", "A paragraph that goes on over two lines.": "두 줄에 걸친 문단.",
                    "a list item that wraps": "줄이 넘어가는 목록 항목", "name": "이름", "what": "내용",
                    "a gate | or not": "x", "a gate": "게이트 | 또는"}
    text, untranslated = translation.translate_markdown(source, translations)
    assert text == ("## 1. 제목\n\n두 줄에 걸친 문단.\n\n* 줄이 넘어가는 목록 항목\n* another item\n\n"
                    "| 이름 | 내용 |\n|---|---|\n| `sigmoid` | 게이트 \\| 또는 |\n")
    assert untranslated == ["another item"]


@pytest.mark.parametrize("assignment", list_assignments())
def test_the_korean_notebook_is_the_release_with_korean_text(assignment):
    english, korean = exercise_notebook(assignment), exercise_notebook(assignment, "ko")
    assert translation.notebook_language(korean) == "ko" and translation.notebook_language(english) == "en"
    assert [c.get("id") for c in korean.cells] == [c.get("id") for c in english.cells]
    for mine, theirs in zip(korean.cells, english.cells):
        assert mine.cell_type == theirs.cell_type
        # Only the text changes (in code cells, their prose: tests/test_korean_code_cells.py), and the checksum
        # nbgrader records for it; ids, outputs, points and the rest of the metadata are the release's own.
        assert {k: v for k, v in mine.items() if k not in ("source", "metadata")} == \
            {k: v for k, v in theirs.items() if k not in ("source", "metadata")}
        grade = {k: v for k, v in mine.metadata.get("nbgrader", {}).items() if k != "checksum"}
        assert grade == {k: v for k, v in theirs.metadata.get("nbgrader", {}).items() if k != "checksum"}
        assert {k: v for k, v in mine.metadata.items() if k != "nbgrader"} == \
            {k: v for k, v in theirs.metadata.items() if k != "nbgrader"}
    _, untranslated = translation.translate_notebook(english, assignment, "ko")
    assert not untranslated, f"messages of the notebook without a Korean text: {untranslated[:5]}"
    hangul = sum(len(catalogue_check.HANGUL.findall(c.source)) for c in korean.cells if c.cell_type == "markdown")
    assert hangul > 200


@pytest.mark.parametrize("name, expected", [("a01.ipynb", "a01"), ("a01.ko.ipynb", "a01"),
                                            ("/x/a03_lstm.ko.ipynb", "a03_lstm"), ("a01.fr.ipynb", "a01.fr")])
def test_the_assignment_of_a_notebook_file(name, expected):
    assert translation.assignment_of(name) == expected


@pytest.mark.parametrize("metadata", [{"gatebygate": {"language": "fr"}}, {"gatebygate": "ko"},
                                      {"gatebygate": {"language": ["ko"]}}, {}])
def test_a_notebook_claiming_anything_else_is_english(metadata):
    assert translation.notebook_language({"metadata": metadata}) == "en"


# ------------------------------------------------------------------------------------ grading and check
def write(path, notebook):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    nbformat.write(notebook, str(path))


# sigmoid(-x), computed stably: the catalogue's "sign flip"
SIGN_FLIPPED_SIGMOID = "def sigmoid(x):\n    return np.exp(-np.logaddexp(0, x))"


def as_shown(hint_text):
    """A hint as a feedback page shows it: its book reference "(ko/book/….html#…)" is a link on the title before it."""
    return re.sub(" ?" + BOOK_REFERENCE.pattern, "", hint_text)


def sign_flip():
    return next(m for m in hidden.mistakes(ASSIGNMENT)["sigmoid"] if m.name == "sign flip")


@needs_sandbox
def test_a_class_graded_in_either_language(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    write(subs / "ko_solved" / f"{ASSIGNMENT}.ko.ipynb", solved_exercise(ASSIGNMENT, "ko"))
    write(subs / "ko_untouched" / f"{ASSIGNMENT}.ko.ipynb", exercise_notebook(ASSIGNMENT, "ko"))
    write(subs / "ko_mistake" / f"{ASSIGNMENT}.ko.ipynb",
          set_answer(solved_exercise(ASSIGNMENT, "ko"), "sigmoid", SIGN_FLIPPED_SIGMOID))
    write(subs / "en_mistake" / f"{ASSIGNMENT}.ipynb",
          set_answer(solved_exercise(ASSIGNMENT), "sigmoid", SIGN_FLIPPED_SIGMOID))
    write(subs / "both" / f"{ASSIGNMENT}.ipynb", exercise_notebook(ASSIGNMENT))
    write(subs / "both" / f"{ASSIGNMENT}.ko.ipynb", solved_exercise(ASSIGNMENT, "ko"))
    os.utime(subs / "both" / f"{ASSIGNMENT}.ipynb", (1, 1))  # the Korean one was saved later
    rows = {r.student_id: r for r in grade_class(ASSIGNMENT, str(subs), str(out), workers=2)}
    assert (rows["ko_solved"].status, rows["ko_solved"].score) == ("ok", 10)
    assert (rows["ko_untouched"].status, rows["ko_untouched"].score) == ("ok", 0)
    assert rows["both"].score == 10 and f"graded {ASSIGNMENT}.ko.ipynb, the later saved" in rows["both"].detail
    assert 0 < rows["ko_mistake"].score < 10
    # Read the pages as the browser shows them; a hint's book reference is a link there, its path gone.
    korean_feedback, english_feedback = (
        BeautifulSoup((out / "feedback" / student / f"{ASSIGNMENT}.html").read_text("utf-8"), "html.parser").get_text()
        for student in ("ko_mistake", "en_mistake"))
    assert hint(sign_flip(), "ko") != hint(sign_flip(), "en")
    assert as_shown(hint(sign_flip(), "ko")) in korean_feedback
    assert as_shown(hint(sign_flip(), "en")) in english_feedback
    heading = translation.messages(ASSIGNMENT, "ko")["1. A numerically stable sigmoid"].replace("\\.", ".")
    assert heading in korean_feedback, \
        "the Korean student's feedback shows the Korean instructions"


@needs_sandbox
def test_check_works_on_a_korean_notebook_and_answers_in_korean(tmp_path):
    path = tmp_path / f"{ASSIGNMENT}.ko.ipynb"
    write(path, set_answer(solved_exercise(ASSIGNMENT, "ko"), "sigmoid", SIGN_FLIPPED_SIGMOID))
    result = subprocess.run([sys.executable, "-m", "autograder", "check", str(path)],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert hint(sign_flip(), "ko") in result.stdout
    # The report's own lines are Korean too: each test cell's outcome, the counts.
    assert re.search(r"^실패  test_sigmoid", result.stdout, re.M) and re.search(r"^통과  test_softmax", result.stdout, re.M)
    assert re.search(r"^테스트 셀 \d+개 통과, [1-9]\d*개 실패$", result.stdout, re.M)
    assert re.search(r"^연습 사례: (\d+)개 중 \d+개 통과$", result.stdout, re.M)
    assert not re.search(r"^(?:PASS|FAIL)  |passed|failed|practice cases", result.stdout, re.M), result.stdout


def test_the_korean_chapter_notebooks_are_current():
    """book/<chapter>.ko.ipynb, which the Korean chapter pages' Binder and Colab buttons open, is what the
    chapter and its catalogue make now (python book/_ext/editions.py notebooks, run by make book)."""
    stale = []
    for name in sorted(os.listdir(os.path.join(REPO_ROOT, "book"))):
        chapter, extension = os.path.splitext(name)
        if extension != ".md" or not translation.book_messages(chapter, "ko") or \
                chapter in ("index", "glossary", "bibliography"):
            continue
        path = os.path.join(REPO_ROOT, "book", translation.localized_name(chapter, "ko"))
        expected = nbformat.writes(translation.localized_chapter(chapter, "ko")) + "\n"
        if not os.path.isfile(path) or open(path, encoding="utf-8").read() != expected:
            stale.append(os.path.relpath(path, REPO_ROOT))
        else:
            notebook = nbformat.reads(expected, as_version=4)
            assert translation.notebook_language(notebook) == "ko"
            assert catalogue_check.HANGUL.search(notebook.cells[0].source), f"{path}: its first cell is not Korean"
    assert not stale, f"stale or missing, run `python book/_ext/editions.py notebooks`: {stale}"
