"""The gradebook side of nbgrader: a new gradebook begun in-process, and the scores read back from one."""
from __future__ import annotations

import contextlib
import sqlite3

from alembic.config import Config
from alembic.script import ScriptDirectory
from nbgrader.api import Gradebook
from nbgrader.dbutil import ALEMBIC_DIR


def stamped_gradebook(path: str) -> None:
    """Start a new gradebook as nbgrader does, but for the one step it does in a subprocess.

    nbgrader's Gradebook() stamps a new database with the alembic revision of its schema, which it learns by
    running the `alembic heads` command: a Python start-up and alembic's imports, more than half of recording
    an assignment. Here the same revision comes from alembic's own API, in this process; given a database that
    already has that stamp, nbgrader creates its tables around it and runs nothing.
    """
    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    head = ScriptDirectory.from_config(config).get_current_head()
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        db.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (head,))


def max_score(db_url: str, assignment: str) -> float:
    """The points an assignment recorded in a gradebook is worth."""
    with Gradebook(db_url) as gradebook:
        return gradebook.find_assignment(assignment).max_score


def cell_scores(db_url: str, assignment: str, student_id: str) -> tuple[float, list]:
    """(total score, [(grade cell name, score, max score)] sorted by name) of one student's autograded notebook."""
    with Gradebook(db_url) as gradebook:
        submission = gradebook.find_submission_notebook(assignment, assignment, student_id)
        cells = [(grade.name, grade.score, grade.max_score) for grade in sorted(submission.grades, key=lambda g: g.name)]
        return gradebook.find_submission(assignment, student_id).score, cells
