"""Round trips through `python -m autograder grade`, the command instructors run."""
import csv
import os
import subprocess
import sys

import nbformat
import pytest

from autograder.course import list_assignments
from autograder.isolation import sandbox
from autograder.grading.run import GradingOptions, grade_class
from autograder.testing import exercise_notebook, set_answer, solved_exercise

from conftest import REPO_ROOT


def write(folder, name, notebook):
    os.makedirs(folder, exist_ok=True)
    nbformat.write(notebook, os.path.join(folder, name))


@pytest.mark.parametrize("assignment", list_assignments())
def test_untouched_scores_zero_and_solutions_score_full_marks(assignment, tmp_path):
    subs = tmp_path / "subs"
    write(subs / "untouched", assignment + ".ipynb", exercise_notebook(assignment))
    write(subs / "solved", assignment + ".ipynb", solved_exercise(assignment))
    options = GradingOptions(use_sandbox=not sandbox.missing_tools())
    rows = {row.student_id: row for row in grade_class(assignment, str(subs), str(tmp_path / "out"), workers=2,
                                                        options=options)}
    assert rows["untouched"].status == "ok" and rows["untouched"].score == 0
    assert rows["solved"].status == "ok"
    assert rows["solved"].score == rows["solved"].max_score > 0
    with open(tmp_path / "out" / "grades.csv") as handle:
        table = list(csv.DictReader(handle))
    assert [r["student_id"] for r in table] == ["solved", "untouched"]
    assert {"student_id", "assignment", "score", "max_score", "status"} <= set(table[0])
    for student in ("solved", "untouched"):
        feedback = tmp_path / "out" / "feedback" / student / (assignment + ".html")
        assert feedback.is_file(), f"no feedback for {student}"


def test_broken_submissions_get_a_row_and_never_stop_the_batch(tmp_path):
    assignment = "a01_rnn_forward"
    subs = tmp_path / "subs"
    write(subs / "honest", assignment + ".ipynb", solved_exercise(assignment))
    os.makedirs(subs / "malformed")
    (subs / "malformed" / (assignment + ".ipynb")).write_text('{"cells": [')
    write(subs / "misnamed", "my_homework.ipynb", solved_exercise(assignment))
    os.makedirs(subs / "empty_folder")
    endless = solved_exercise(assignment)
    set_answer(endless, "tanh", "import time\nwhile True:\n    time.sleep(0.05)")
    write(subs / "endless", assignment + ".ipynb", endless)
    crashing = solved_exercise(assignment)
    set_answer(crashing, "rnn_step", "import os\nos._exit(3)")
    write(subs / "crashing", assignment + ".ipynb", crashing)

    options = GradingOptions(cell_timeout=5, use_sandbox=not sandbox.missing_tools())
    rows = {r.student_id: r for r in grade_class(assignment, str(subs), str(tmp_path / "out"), workers=2,
                                                  options=options)}
    assert set(rows) == {"honest", "malformed", "misnamed", "empty_folder", "endless", "crashing"}
    assert (rows["honest"].status, rows["honest"].score) == ("ok", 10)
    assert (rows["malformed"].status, rows["malformed"].score) == ("invalid notebook", 0)
    assert rows["misnamed"].status == "missing notebook" and "my_homework.ipynb" in rows["misnamed"].detail
    assert rows["empty_folder"].status == "missing notebook"
    # The loop is interrupted; cells not depending on tanh still earn their points.
    assert rows["endless"].status == "timeout" and 0 < rows["endless"].score < 10
    assert (rows["crashing"].status, rows["crashing"].score) == ("kernel died", 0)


@pytest.mark.parametrize("args, message", [
    (["grade", "a99_nothing", "."], "unknown assignment 'a99_nothing'"),
    (["grade", "a01_rnn_forward", "/nonexistent/submissions"], "does not exist"),
    (["grade", "A01-bad", "."], "may only use a-z, 0-9 and _"),
])
def test_bad_instructor_input_is_one_clear_line(args, message):
    result = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr


def test_a_stamped_gradebook_is_the_one_nbgrader_makes(tmp_path):
    """The template gradebook is begun in-process; nbgrader's own would ask `alembic heads` in a subprocess."""
    import sqlite3

    from nbgrader.api import Gradebook

    from autograder.pipeline.gradebook import stamped_gradebook as _stamped_gradebook

    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    _stamped_gradebook(str(ours))
    Gradebook(f"sqlite:///{ours}").close()
    Gradebook(f"sqlite:///{theirs}").close()  # runs alembic: conftest puts the venv's bin/ on PATH

    def schema_and_stamp(path):
        with sqlite3.connect(path) as db:
            return (sorted(db.execute("SELECT type, name, sql FROM sqlite_master").fetchall()),
                    db.execute("SELECT version_num FROM alembic_version").fetchall())
    assert schema_and_stamp(ours) == schema_and_stamp(theirs)
