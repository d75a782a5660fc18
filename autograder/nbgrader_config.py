"""The course's nbgrader configuration as a Jupyter config file, for plain nbgrader commands run from the repo root:

    nbgrader generate_assignment a01_rnn_forward --NbGrader.config_file=autograder/nbgrader_config.py

(`--NbGrader.config_file` is the option nbgrader reads; it has no `--config` alias and warns that one has no
effect). Its gradebook is grading/gradebook.db, created here if missing, never the repo root's.

The configuration itself is autograder/pipeline/config.py (course_config). nbgrader executes this file by
path, from a process that cannot import the course's package, so the one path edit of the grader is here.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from autograder.course import REPO_ROOT  # noqa: E402
from autograder.pipeline.config import WORK_DIRECTORY, course_config  # noqa: E402

os.makedirs(os.path.join(REPO_ROOT, WORK_DIRECTORY), exist_ok=True)  # nbgrader's sqlite needs the folder
get_config().merge(course_config())  # noqa: F821 (traitlets defines it for a config file)
