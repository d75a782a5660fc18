"""The course's nbgrader configuration as a Jupyter config file, for plain nbgrader commands run from the repo root:

    nbgrader generate_assignment a01_rnn_forward --config=autograder/nbgrader_config.py

The configuration itself is autograder/pipeline/config.py (course_config). nbgrader executes this file by
path, from a process that cannot import the course's package, so the one path edit of the grader is here.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from autograder.pipeline.config import course_config  # noqa: E402

get_config().merge(course_config())  # noqa: F821 (traitlets defines it for a config file)
