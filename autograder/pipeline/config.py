"""The course's nbgrader configuration, in one place.

Used two ways:
  * imported: `course_config()` returns a traitlets Config; `python -m autograder` builds on it;
  * as a Jupyter config file, for plain nbgrader commands run from the repo root, through
    autograder/nbgrader_config.py:
        nbgrader generate_assignment a01_rnn_forward --NbGrader.config_file=autograder/nbgrader_config.py

Layout: the course root is the repo root, students' versions are released into exercises/, and
everything nbgrader writes while grading (gradebook, submitted/, autograded/, feedback/) lives under
grading/, which git ignores.
"""
from __future__ import annotations

import os

from traitlets.config import Config

from ..course import REPO_ROOT
from .colours import READABLE_CODE

WORK_DIRECTORY = "grading"
# The feedback page's template (pipeline/feedback.py says what it adds to nbgrader's), and where it lies.
FEEDBACK_TEMPLATE = "gatebygate_feedback"
TEMPLATES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")

# Seconds one cell may run before it is interrupted. Generous: a correct cell here takes well under one.
CELL_TIMEOUT = 60
# Seconds all of a notebook's cells together may run. The slowest solution notebooks (a03, a04) run in under
# 3 s in the sandbox, torch's import included; 300 s is a hundred times that, so no honest student comes near
# it even on a loaded machine, while a notebook of sleeping cells holds a worker for 5 minutes, not for
# cells × CELL_TIMEOUT.
NOTEBOOK_TIMEOUT = 300


def course_config(root: str = REPO_ROOT, work_directory: str = WORK_DIRECTORY, release_directory: str = "exercises",
                  cell_timeout: int = CELL_TIMEOUT, notebook_timeout: int = NOTEBOOK_TIMEOUT) -> Config:
    """The nbgrader Config for a course rooted at `root`, with its grading work under `work_directory`.

    `work_directory` and `release_directory` may be relative to root or absolute.
    """
    c = Config()
    c.CourseDirectory.root = root
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = release_directory
    c.CourseDirectory.submitted_directory = os.path.join(work_directory, "submitted")
    c.CourseDirectory.autograded_directory = os.path.join(work_directory, "autograded")
    c.CourseDirectory.feedback_directory = os.path.join(work_directory, "feedback")
    c.CourseDirectory.db_url = "sqlite:///" + os.path.join(root, work_directory, "gradebook.db")
    # Solution code is replaced by this stub in the students' version.
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    # A test cell that a student deleted, or whose metadata they stripped, is put back from the gradebook.
    c.OverwriteCells.add_missing_cells = True
    c.Execute.timeout = cell_timeout
    c.GradingExecute.notebook_timeout = notebook_timeout
    # Once the last cell has run, nothing in the kernel is worth a graceful exit: kill it at once.
    c.Execute.shutdown_kernel = "immediate"
    c.AsyncKernelManager.client_class = "autograder.pipeline.kernel_client.PromptKernelClient"
    # What the kernel sends is the student's: a message nested too deeply for nbformat is cut, not a grader crash.
    c.Session.unpacker = "autograder.pipeline.kernel_client.bounded_unpacker"
    # Every notebook runs in the course's own Python kernel, whatever kernel the student's copy names.
    c.Execute.kernel_name = "python3"
    c.LimitOutput.max_lines = 200
    c.LimitOutput.max_traceback = 50
    # Hidden tests are judged outside the student's kernel, right after it ran (pipeline/hidden_tests.py);
    # the feedback page never shows hidden-test source. nbgrader's own list ends with a second
    # CheckCellMetadata; the metadata it checks was already checked before execution (sanitize_preprocessors)
    # and nothing since changes it, so that pass (0.05 s of the grader's 0.7 s per a01 student) is left out.
    # So is its last, AssignLatePenalties: the course sets no due dates, so it could only ever record a
    # penalty of 0, at 0.01 s of gradebook queries per student.
    c.Autograde.autograde_preprocessors = [
        "autograder.pipeline.execute.GradingExecute",
        "autograder.pipeline.hidden_tests.JudgeHiddenTests",
        "autograder.pipeline.outputs.CapOutputs",
        "nbgrader.preprocessors.IgnorePattern",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput",
        "nbgrader.preprocessors.SaveAutoGrades",
    ]
    c.GenerateFeedback.preprocessors = [
        "autograder.pipeline.hidden_tests.ClearReleasedHiddenTests",
        "nbgrader.preprocessors.GetGrades",
        "autograder.pipeline.feedback.HideScoreOutputs",
    ]
    # The page: the course's template (it extends nbconvert's classic one, as nbgrader's feedback template
    # does; bootstrap's CSS still comes from nbgrader) and its filters, and code in colours that pass WCAG 2 AA.
    # Plain `nbgrader generate_feedback` gets the same page, in English and without math. The classic
    # template registers CSSHTMLHeaderPreprocessor itself, which writes those colours into the page (nbgrader's
    # list names it again: the page's CSS was made twice).
    c.HTMLExporter.template_name = FEEDBACK_TEMPLATE
    c.HTMLExporter.extra_template_basedirs = [TEMPLATES_DIR]
    c.HTMLExporter.filters = {name: f"autograder.pipeline.feedback.{name}"
                              for name in ("verdict_html", "page_markdown", "label")}
    c.CSSHTMLHeaderPreprocessor.style = READABLE_CODE
    c.ClearHiddenTests.enforce_metadata = False
    # A feedback page shows what the student's code displayed, to the student and to the instructor who opens
    # it: HTML and SVG outputs are sanitised (no scripts, no event handlers), as nbconvert does on request.
    c.HTMLExporter.sanitize_html = True
    return c

