"""The Korean student notebooks' code cells: docstrings, the visible tests' messages and comments in Korean,
from each assignment's code catalogue (autograder/i18n/code_prose.py), and nothing else changed: the code is
the English release's, and a Korean student's answers earn what the same answers earn in English."""
import copy
import html
import json
import os
import textwrap

import nbformat
import polib
import pytest
from nbgrader.preprocessors import OverwriteCells
from nbgrader.utils import compute_checksum

from autograder.course import list_assignments
from autograder.grading.records import GradingOptions
from autograder.grading.run import grade_class
from autograder.grading.submissions import answers_changed
from autograder.grading.template import make_template
from autograder.i18n import code_prose, translation
from autograder.i18n.hints import wording
from autograder.i18n.code_prose import ANSWER, GIVEN, cell_role, code_skeleton, prose_pieces, translate_source
from autograder.i18n.template import code_messages_of
from autograder.isolation import sandbox
from autograder.testing import exercise_notebook, set_answer, solved_exercise

import catalogue_check  # book/_ext (pyproject.toml)

ASSIGNMENTS = list_assignments()
needs_sandbox = pytest.mark.skipif(bool(sandbox.missing_tools()), reason=f"needs {sandbox.INSTALL_HINT}")


# ------------------------------------------------------------------------------------ finding and replacing
TEST_CELL = textwrap.dedent('''\
    table = {"must sum to 1": 1, "done": 2}
    # check the sum
    # of every row
    assert total == 1, "must sum to 1"
    assert y.shape == (2,), f"y has shape {y.shape}, expected (2,)"
    print("must sum to 1" + "!")  # a sum of strings is code
    print("done")
    ''')
TRANSLATIONS = {"must sum to 1": "합이 1이어야 한다", "check the sum\nof every row": "모든 행의\n합을 확인한다",
                "y has shape {y.shape}, expected (2,)": "y의 형태: {y.shape}, 기대한 형태: (2,)", "done": "끝",
                "a sum of strings is code": "문자열의 합은 코드다"}


def test_only_whole_prose_literals_and_comments_are_replaced():
    translated, untranslated, broken = translate_source(TEST_CELL, GIVEN, TRANSLATIONS)
    assert translated == textwrap.dedent('''\
        table = {"must sum to 1": 1, "done": 2}
        # 모든 행의
        # 합을 확인한다
        assert total == 1, "합이 1이어야 한다"
        assert y.shape == (2,), f"y의 형태: {y.shape}, 기대한 형태: (2,)"
        print("must sum to 1" + "!")  # 문자열의 합은 코드다
        print("done")
        '''.replace('print("done")', 'print("끝")'))
    assert untranslated == [] and broken == []
    assert code_skeleton(translated, GIVEN) == code_skeleton(TEST_CELL, GIVEN)


def test_an_answer_cell_gives_its_docstrings_only_never_its_strings_or_nbgrader_markers():
    source = textwrap.dedent('''\
        class Cell:
            """A cell.

            Args:
                mode: "a" or "b".
            """

            def step(self, x, mode="must sum to 1"):
                """One step: (N, D) -> (N, H)."""
                assert x.ndim == 2, "must sum to 1"
                # YOUR CODE HERE
                raise NotImplementedError()
        ''')
    pieces = prose_pieces(source, ANSWER)
    assert [(p.kind, p.message) for p in pieces] == [("docstring", 'A cell.\n\nArgs:\n    mode: "a" or "b".'),
                                                     ("docstring", "One step: (N, D) -> (N, H).")]
    translated, _, _ = translate_source(source, ANSWER, {pieces[0].message: '셀.\n\nArgs:\n    mode: "a" 또는 "b".\n'
                                                         '    둘 중 하나.', "must sum to 1": "x"})
    assert '    """셀.\n\n    Args:\n        mode: "a" 또는 "b".\n        둘 중 하나.\n    """\n' in translated
    assert translated.count("must sum to 1") == 2
    assert prose_pieces(source, None) == [] and prose_pieces("def f(:\n", GIVEN) == []


@pytest.mark.parametrize("translation, change", [
    ("y의 형태: {y.shape}, {y}", "changes the code"),             # a placeholder added
    ("y의 형태가 다르다", "changes the code"),                    # a placeholder lost
    ("y의 형태: {y.size}, 기대한 형태: (2,)", "changes the code"),  # a placeholder changed
    ('y의 "형태": {y.shape}', "does not parse"),                  # the closing quote
    ("y의 형태:\n{y.shape}", "does not parse"),                   # a line break in a one-line string
    ("y의 형태: {y.shape", "does not parse"),                     # a brace left open
])
def test_a_translation_that_would_change_the_code_is_refused_and_the_english_kept(translation, change):
    message = "y has shape {y.shape}, expected (2,)"
    translated, _, broken = translate_source(TEST_CELL, GIVEN, {**TRANSLATIONS, message: translation})
    assert [b.message for b in broken] == [message] and change in broken[0].change
    assert f'f"{message}"' in translated and "합이 1이어야 한다" in translated  # the others still translated


def test_a_comment_translation_cannot_become_code():
    translated, _, broken = translate_source(TEST_CELL, GIVEN, {"check the sum\nof every row": "합\nimport os"})
    assert not broken and "# import os\n" in translated and code_skeleton(translated, GIVEN) == \
        code_skeleton(TEST_CELL, GIVEN)


def test_a_message_written_as_adjacent_strings_is_rewrapped_at_spaces():
    source = 'assert ok, (f"{name} is far from the numerical gradient; "\n            f"see the cache")\n'
    pieces = prose_pieces(source, GIVEN)
    assert [p.message for p in pieces] == ["{name} is far from the numerical gradient; see the cache"]
    korean = "{name}이(가) 수치 기울기와 크게 다르다. 이 검사는 여러분의 순전파 함수로 캐시와 손실을 만든다는 점에 유의하라"
    translated, _, broken = translate_source(source, GIVEN, {pieces[0].message: korean})
    assert not broken and translated.count('f"') == 2 and '"\n            f"' in translated, translated
    short, _, _ = translate_source(source, GIVEN, {pieces[0].message: "{name}: 수치 기울기와 다르다"})
    assert short == 'assert ok, (f"{name}: 수치 기울기와 다르다")\n'  # one string where one is enough


# ------------------------------------------------------------------------------------ the catalogues
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_code_catalogue_is_current_and_complete(assignment):
    """The catalogue holds every piece of prose the English release's code cells have now, and no other, each
    translated so that the code is unchanged and no English is left (the message names what is not)."""
    path = translation.code_catalogue_path(assignment, "ko")
    assert os.path.isfile(path), f"{path}: missing; run `python book/_ext/editions.py quick` (locale/README.md)"
    current = dict(code_messages_of(exercise_notebook(assignment)))
    committed = {entry.msgid for entry in polib.pofile(path) if not entry.obsolete}
    missing = [catalogue_check._excerpt(m) for m in current if m not in committed]
    assert not missing, (f"{os.path.relpath(path)} lacks {len(missing)} messages of the release's code cells: run "
                         "`python book/_ext/editions.py quick`, then translate them:\n" + "\n".join(missing))
    problems = [f"{catalogue_check._excerpt(message)!r}: {problem}"
                for message, problem in translation.code_catalogue_problems(assignment, "ko")]
    assert not problems, f"{os.path.relpath(path)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_korean_notebooks_code_cells_have_no_english_prose_and_the_english_code(assignment):
    english, korean = exercise_notebook(assignment), exercise_notebook(assignment, "ko")
    names = code_prose.code_names([c.source for c in english.cells if c.cell_type == "code"])
    translated = 0
    for mine, theirs in zip(korean.cells, english.cells):
        role = cell_role(theirs)
        if theirs.cell_type != "code":
            continue
        assert code_skeleton(mine.source, role or GIVEN) == code_skeleton(theirs.source, role or GIVEN), \
            f"{assignment}: a code cell's code differs from the release's"
        pieces = prose_pieces(mine.source, role)
        assert len(pieces) == len(prose_pieces(theirs.source, role))
        for piece in pieces:
            words = code_prose.english_words(piece.message, names, piece.is_fstring)
            assert not words, f"{assignment}: English left in {piece.message[:80]!r}: {words}"
        translated += mine.source != theirs.source
        if "nbgrader" in mine.metadata:
            assert mine.metadata.nbgrader.checksum == compute_checksum(mine), \
                "nbgrader's checksum is the translated cell's, as `nbgrader validate` computes it"
    assert translated >= sum(1 for c in english.cells if cell_role(c) == ANSWER)


def test_an_untouched_korean_release_has_no_answer_changed(tmp_path):
    for assignment in ASSIGNMENTS:
        path = tmp_path / f"{assignment}.ko.ipynb"
        nbformat.write(exercise_notebook(assignment, "ko"), str(path))
        assert not answers_changed(str(path), assignment), "a Korean docstring is no answer"
        nbformat.write(solved_exercise(assignment, "ko"), str(path))
        assert answers_changed(str(path), assignment)


# ------------------------------------------------------------------------------------ grading is unaffected
def sanitized(notebook, assignment, gradebook):
    """The notebook as nbgrader's autograde runs it: after its OverwriteCells (autograde's sanitize step), which
    puts back from the gradebook (the English release) every test and read-only cell that differs from it."""
    resources = {"nbgrader": {"notebook": assignment, "assignment": assignment, "db_url": "sqlite:///" + gradebook}}
    notebook, _ = OverwriteCells(add_missing_cells=True).preprocess(copy.deepcopy(notebook), resources)
    return notebook


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_grading_runs_the_english_test_cells_for_a_korean_notebook(assignment, tmp_path):
    """What the grader executes for a Korean notebook is what it executes for the English one with the same
    answers: every test and read-only cell restored to the English release's, byte for byte; the answer cells
    differ only in their docstrings and comments, which nothing grades."""
    template = make_template(assignment, str(tmp_path / "template"), GradingOptions())
    korean_solved = solved_exercise(assignment, "ko")
    english = sanitized(solved_exercise(assignment), assignment, template.gradebook)
    korean = sanitized(korean_solved, assignment, template.gradebook)
    given = [i for i, cell in enumerate(english.cells) if cell_role(cell) == GIVEN]
    assert any(korean_solved.cells[i].source != english.cells[i].source for i in given), "nothing was translated"
    for index, (mine, theirs) in enumerate(zip(korean.cells, english.cells, strict=True)):
        role = cell_role(theirs)
        if role == GIVEN:
            assert mine.source == theirs.source and mine.metadata == theirs.metadata
        elif role == ANSWER:
            assert code_skeleton(mine.source, ANSWER) == code_skeleton(theirs.source, ANSWER)
            assert mine.metadata == theirs.metadata


@needs_sandbox
def test_a_korean_student_scores_what_an_english_one_does(tmp_path):
    """Graded for real (sandbox, hidden cases): the same answers in either language's notebook, solved, untouched
    and with a known mistake, earn the same score, status and per-case results."""
    assignment = "a03_lstm"  # the most prose: class and method docstrings in answer cells, read-only helpers
    subs = tmp_path / "subs"
    for language in ("en", "ko"):
        name = translation.localized_name(assignment, language)
        solved = solved_exercise(assignment, language)
        answer = next(c.source for c in solved.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "forget_gate")
        assert answer.count("return sigmoid(") == 1
        wrong = answer.replace("return sigmoid(", "return tanh(")  # the catalogue's "tanh instead of sigmoid"
        for kind, notebook in [("solved", solved), ("untouched", exercise_notebook(assignment, language)),
                               ("mistake", set_answer(copy.deepcopy(solved), "forget_gate", wrong))]:
            os.makedirs(subs / f"{language}_{kind}")
            nbformat.write(notebook, str(subs / f"{language}_{kind}" / name))
    rows = {row.student_id: row for row in grade_class(assignment, str(subs), str(tmp_path / "out"), workers=2)}

    def results(student):
        """Per test cell: its points, and each hidden case's name and outcome, and the mistakes diagnosed (the
        messages are in the student's language)."""
        with open(tmp_path / "out" / "results" / f"{student}.json", encoding="utf-8") as handle:
            tests = json.load(handle)["row"]["tests"]
        return [(t["cell"], t["score"], t["passed"], t["visible_passed"], [m["name"] for m in t["mistakes"]],
                 [(c["function"], c["name"], c["passed"]) for c in t["cases"]]) for t in tests]

    for kind in ("solved", "untouched", "mistake"):
        english, korean = rows[f"en_{kind}"], rows[f"ko_{kind}"]
        assert (korean.status, korean.score, korean.max_score) == (english.status, english.score, english.max_score)
        assert results(f"ko_{kind}") == results(f"en_{kind}"), kind
    assert rows["en_solved"].score == rows["en_solved"].max_score and rows["en_untouched"].score == 0
    assert 0 < rows["en_mistake"].score < rows["en_solved"].score
    assert "tanh instead of sigmoid" in [m for test in results("ko_mistake") for m in test[4]]

    # The feedback's case lines name the hidden cases in the student's language; results and cases.csv keep the
    # English names, the cases' ids.
    def page(student):
        return html.unescape((tmp_path / "out" / "feedback" / student / f"{assignment}.html").read_text("utf-8"))

    failed = [name for test in results("ko_mistake") for _, name, passed in test[5] if not passed]
    name = next(n for n in failed if translation.grader_text(n, "ko") not in (None, n))
    korean = translation.grader_text(name, "ko")
    assert f"{wording('ko').case_failed}  {korean}: " in page("ko_mistake") and f"  {name}: " not in page("ko_mistake")
    assert f"{wording('en').case_failed}  {name}: " in page("en_mistake")
    assert name in (tmp_path / "out" / "cases.csv").read_text("utf-8") and korean not in \
        (tmp_path / "out" / "cases.csv").read_text("utf-8")
    # Its test cells as the Korean release has them, and what their asserts printed in Korean, with the values the
    # English test cells (those that ran) put in their placeholders.
    english_message, korean_message = ("a gate's values must lie in [0, 1]: did you use sigmoid?",
                                       translation.code_messages(assignment, "ko")[
                                           "a gate's values must lie in [0, 1]: did you use sigmoid?"])
    assert f"AssertionError: {english_message}" in page("en_mistake")
    assert f"AssertionError: {korean_message}" in page("ko_mistake") and english_message not in page("ko_mistake")
    assert "visible forget_gate tests passed" not in page("ko_mistake")
    assert "BEGIN HIDDEN TESTS" not in page("ko_mistake") + page("ko_solved")
    with open(tmp_path / "out" / "results" / "ko_mistake.json", encoding="utf-8") as handle:
        cell = next(t for t in json.load(handle)["row"]["tests"] if t["cell"] == "test_forget_gate")
    assert cell["message"] == f"AssertionError: {english_message}", "the results keep what ran: the English"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_korean_student_runs_the_visible_tests_in_korean(assignment, tmp_path):
    """The translated test cells run in the student's kernel as the English ones do: solved, every one passes
    and says so in Korean; untouched, every one fails."""
    from nbclient import NotebookClient

    def run(notebook):
        NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
        return [cell for cell in notebook.cells if cell_role(cell) == GIVEN and cell.metadata.nbgrader.get("grade")]

    for cell in run(solved_exercise(assignment, "ko")):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{cell.metadata.nbgrader.grade_id}: {errors[0].ename}: {errors[0].evalue}"
        printed = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
        assert "공개 테스트를 통과했다" in printed, printed
    for cell in run(exercise_notebook(assignment, "ko")):
        assert any(o.output_type == "error" for o in cell.outputs), cell.metadata.nbgrader.grade_id


def test_the_korean_feedback_shows_korean_test_cells_and_what_their_messages_printed():
    """localize_release_cells (the Korean feedback page): a test cell as the Korean release has it, and the lines
    its asserts and prints wrote in Korean, with the values the English cell printed; anything else unchanged."""
    from nbformat import NotebookNode

    assignment = "a01_rnn_forward"
    english = exercise_notebook(assignment)
    graded = copy.deepcopy(english)
    cell = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_rnn_step")
    shape = "h_next has shape (3, 4), expected (N, H) = (3, 5)"
    cell.outputs = [NotebookNode(output_type="error", ename="AssertionError", evalue=shape,
                                 traceback=[f"AssertionError: {shape}"]),
                    NotebookNode(output_type="stream", name="stdout",
                                 text="Visible test failed: AssertionError: relu step on the same example gave [[1 2]], "
                                      "expected [[0, 1]]\n"
                                      "visible rnn_step tests passed\nmy own line, expected\n")]
    shown = translation.localize_release_cells(graded, english, assignment, "ko")
    mine = next(c for c in shown.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_rnn_step")
    korean = next(c for c in exercise_notebook(assignment, "ko").cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == "test_rnn_step")
    assert mine.source == korean.source
    assert mine.outputs[0].evalue == "h_next의 형태: (3, 4), 기대한 형태: (N, H) = (3, 5)"
    assert mine.outputs[0].traceback == [f"AssertionError: {mine.outputs[0].evalue}"]
    assert mine.outputs[1].text == ("Visible test failed: AssertionError: 같은 예에서 relu로 한 시점을 계산한 결과: "
                                    "[[1 2]], 기대한 값: [[0, 1]]\nrnn_step의 공개 테스트를 통과했다\n"
                                    "my own line, expected\n")
    answers = [c for c in shown.cells if cell_role(c) == ANSWER]
    assert [c.source for c in answers] == [c.source for c in graded.cells if cell_role(c) == ANSWER]


def test_what_a_message_printed_is_read_in_one_pass():
    english = code_prose.literal_parts('f"{name} has shape {shape}, expected {expected}"')
    korean = code_prose.literal_parts('f"{name}의 형태: {shape}, 기대한 형태: {expected}"')
    assert code_prose.printed_in("dx has shape (2,), expected (3,)", english, korean) == "dx의 형태: (2,), 기대한 형태: (3,)"
    assert code_prose.printed_in("dx has shape (2,)", english, korean) is None
    assert code_prose.printed_in("x", [None, None], [None, None]) is None  # side by side: no guess
    hostile = "dx has shape " + ", expected " * 200_000 + "!, expected (3,)"  # a student's value, any length
    printed = code_prose.printed_in(hostile, english, korean)  # each value up to the first place it can end
    assert printed.startswith("dx의 형태: , 기대한 형태: , expected") and printed.endswith("!, expected (3,)")
