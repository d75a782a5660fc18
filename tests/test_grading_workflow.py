"""The instructor's and student's workflow around grading: resuming, LMS zips, the self-check, no sandbox."""
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.course import CourseError
from autograder.grading.layout import student_work_folder
from autograder.grading.run import grade_class
from autograder.grading.submissions import unpack_download
from autograder.isolation import sandbox
from autograder.selfcheck import check_notebook
from autograder.testing import exercise_notebook, set_answer, solved_exercise

from conftest import REPO_ROOT

ASSIGNMENT = "a01_rnn_forward"
needs_sandbox = pytest.mark.skipif(bool(sandbox.missing_tools()), reason=f"needs {sandbox.INSTALL_HINT}")


def write(path, notebook):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    nbformat.write(notebook, str(path))


@needs_sandbox
def test_regrading_resumes_and_only_redoes_changed_submissions(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    write(subs / "alice" / f"{ASSIGNMENT}.ipynb", solved_exercise(ASSIGNMENT))
    write(subs / "bob" / f"{ASSIGNMENT}.ipynb", exercise_notebook(ASSIGNMENT))
    write(subs / "carol" / f"{ASSIGNMENT}.ipynb", solved_exercise(ASSIGNMENT))
    first = {r.student_id: r for r in grade_class(ASSIGNMENT, str(subs), str(out), workers=2)}
    feedback = {student: out / "feedback" / student / f"{ASSIGNMENT}.html" for student in first}
    assert all(page.is_file() for page in feedback.values())
    alice_work = Path(student_work_folder(str(out), "alice")) / "autograded"
    # An interrupted batch leaves finished students' results on disk; they are not graded again.
    os.utime(out / "results" / "alice.json", (1, 1))
    write(subs / "bob" / f"{ASSIGNMENT}.ipynb", solved_exercise(ASSIGNMENT))  # bob resubmits
    (subs / "carol" / f"{ASSIGNMENT}.ipynb").write_text("{")  # carol's resubmission is broken
    second = {r.student_id: r for r in grade_class(ASSIGNMENT, str(subs), str(out), workers=2)}
    assert os.stat(out / "results" / "alice.json").st_mtime == 1, "alice was regraded"
    assert alice_work.is_dir()
    assert second["alice"] == first["alice"]
    assert (first["bob"].score, second["bob"].score) == (0, 10)
    assert (second["carol"].status, second["carol"].score) == ("invalid notebook", 0)
    assert not feedback["carol"].exists(), "the page of carol's earlier submission outlived its grade"
    assert feedback["alice"].is_file() and feedback["bob"].is_file()
    assert (out / "grades.csv").read_text().count("\n") == 4


def test_lms_zip_names_students_by_pattern_and_cannot_escape(tmp_path):
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("s001_attempt_2026-03-01_a01_rnn_forward.ipynb", nbformat.writes(solved_exercise(ASSIGNMENT)))
        zf.writestr("s002/homework.ipynb", nbformat.writes(exercise_notebook(ASSIGNMENT)))
        zf.writestr("../../s003_evil.ipynb", "{}")
        zf.writestr("readme.txt", "not a notebook")
    destination = tmp_path / "unpacked"
    skipped = unpack_download(str(archive), str(destination), ASSIGNMENT).skipped
    assert sorted(os.listdir(destination)) == ["s001", "s002", "s003"]
    assert os.listdir(destination / "s002") == [f"{ASSIGNMENT}.ipynb"]
    assert os.listdir(destination / "s003") == [f"{ASSIGNMENT}.ipynb"]  # written inside, never at ../..
    assert not (tmp_path.parent / "s003_evil.ipynb").exists()
    assert skipped == ["readme.txt"]
    with pytest.raises(CourseError, match="no .*student_id.* group"):
        unpack_download(str(archive), str(destination), ASSIGNMENT, id_pattern=r"(\w+)_")


@needs_sandbox
def test_grade_accepts_an_lms_zip(tmp_path):
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("s001_a01_rnn_forward.ipynb", nbformat.writes(solved_exercise(ASSIGNMENT)))
    result = subprocess.run([sys.executable, "-m", "autograder", "grade", ASSIGNMENT, str(archive),
                             "--out", str(tmp_path / "out"), "--workers", "1"],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "s001" in result.stdout and "10 / 10" in result.stdout
    assert "s001,a01_rnn_forward,10.0,10.0,ok" in (tmp_path / "out" / "grades.csv").read_text()


@needs_sandbox
@pytest.mark.parametrize("solved, exit_code", [(True, 0), (False, 1)])
def test_self_check_exits_non_zero_when_a_visible_test_fails(tmp_path, solved, exit_code):
    notebook = solved_exercise(ASSIGNMENT) if solved else exercise_notebook(ASSIGNMENT)
    if solved:
        set_answer(notebook, "tanh", "def tanh(x):\n    return np.tanh(x)")
    path = tmp_path / f"{ASSIGNMENT}.ipynb"
    write(path, notebook)
    before = path.read_bytes()
    result = subprocess.run([sys.executable, "-m", "autograder", "check", str(path)],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == exit_code, result.stdout + result.stderr
    assert ("7 passed, 0 failed" if solved else "0 passed, 7 failed") in result.stdout
    assert path.read_bytes() == before, "the self-check must not modify the student's notebook"


@pytest.mark.parametrize("use_sandbox", [True, False])
def test_self_check_follows_no_link(tmp_path, use_sandbox):
    if use_sandbox and sandbox.missing_tools():
        pytest.skip(f"needs {sandbox.INSTALL_HINT}")
    solution = os.path.join(REPO_ROOT, "solutions", ASSIGNMENT, f"{ASSIGNMENT}.ipynb")
    os.symlink(solution, tmp_path / f"{ASSIGNMENT}.ipynb")
    with pytest.raises(CourseError, match="symbolic link"):
        check_notebook(str(tmp_path / f"{ASSIGNMENT}.ipynb"), use_sandbox=use_sandbox)
    folder = tmp_path / "mine"
    notebook = solved_exercise(ASSIGNMENT)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(
        "import os\nassert sorted(os.listdir('.')) == ['a01_rnn_forward.ipynb'], os.listdir('.')"))
    write(folder / f"{ASSIGNMENT}.ipynb", notebook)
    os.symlink(solution, folder / "answers.ipynb")
    result = check_notebook(str(folder / f"{ASSIGNMENT}.ipynb"), use_sandbox=use_sandbox)
    assert result.passed, [(t.cell, t.message) for t in result.visible] + [f.diagnosis for f in result.functions]


def test_without_bubblewrap_the_self_check_runs_directly_and_says_so(tmp_path, monkeypatch, capsys):
    from autograder.cli import main

    monkeypatch.setattr(sandbox, "missing_tools", lambda: ["bwrap"])
    write(tmp_path / f"{ASSIGNMENT}.ipynb", solved_exercise(ASSIGNMENT))
    assert main(["check", str(tmp_path / f"{ASSIGNMENT}.ipynb")]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == ("bubblewrap is not installed: running the notebook directly, as Jupyter "
                                   "would (grading runs it in a sandbox)")
    assert "7 passed, 0 failed" in out and "WARNING" not in out + err


def test_without_bubblewrap_grading_refuses_and_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "missing_tools", lambda: ["bwrap"])
    (tmp_path / "s1").mkdir()
    with pytest.raises(CourseError, match="apt-get install bubblewrap.*--no-sandbox"):
        grade_class(ASSIGNMENT, str(tmp_path), str(tmp_path / "out"))


def test_no_sandbox_grades_with_a_loud_warning(tmp_path):
    write(tmp_path / "subs" / "s1" / f"{ASSIGNMENT}.ipynb", solved_exercise(ASSIGNMENT))
    # The venv's python called by path, its bin/ not on PATH: nbgrader must still find `alembic`.
    bare_path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != os.path.dirname(sys.executable))
    result = subprocess.run([sys.executable, "-m", "autograder", "grade", ASSIGNMENT, str(tmp_path / "subs"),
                             "--out", str(tmp_path / "out"), "--no-sandbox"], env={**os.environ, "PATH": bare_path},
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "WARNING: --no-sandbox" in result.stderr
    assert "10 / 10" in result.stdout


def test_the_readmes_plain_nbgrader_line_loads_the_course_config_and_leaves_no_file(tmp_path):
    readme = open(os.path.join(REPO_ROOT, "README.md"), encoding="utf-8").read()
    line = next(m for m in readme.replace("\n", " ").split("`") if m.startswith("nbgrader <command> "))
    command = line.replace("<command>", "db assignment list").split()
    status = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True).stdout
    nbgrader = os.path.join(os.path.dirname(sys.executable), "nbgrader")
    result = subprocess.run([nbgrader, *command[1:], "--log-level=DEBUG"], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Unrecognized" not in result.stderr
    assert "Loaded config file: " + os.path.join(REPO_ROOT, "autograder", "nbgrader_config.py") in result.stderr
    assert not os.path.exists(os.path.join(REPO_ROOT, "gradebook.db"))
    assert subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True,
                          text=True).stdout == status, "the command left a file in the repository"


@needs_sandbox
def test_a_linked_notebook_saved_later_never_wins_over_the_students_own(tmp_path):
    subs = tmp_path / "subs"
    write(subs / "alice" / f"{ASSIGNMENT}.ipynb", solved_exercise(ASSIGNMENT))
    os.symlink(os.path.join(REPO_ROOT, "solutions", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"),
               subs / "alice" / f"{ASSIGNMENT}.ko.ipynb")
    os.utime(subs / "alice" / f"{ASSIGNMENT}.ko.ipynb", (2e9, 2e9), follow_symlinks=False)
    row, = grade_class(ASSIGNMENT, str(subs), str(tmp_path / "out"), workers=1)
    assert (row.status, row.score) == ("ok", 10), row
    assert f"graded {ASSIGNMENT}.ipynb" in row.detail, row.detail
