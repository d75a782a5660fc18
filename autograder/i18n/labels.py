"""The grader's own labels around the verdicts, in the student's language: the feedback page's (its headings,
scores, prompts and links: pipeline/templates/gatebygate_feedback) and the student check's report (its lines per
test cell, its counts, how it runs the notebook: student/cli.py).

Each is translated in locale/<language>/LC_MESSAGES/autograder.po (template.py lists them); the feedback page
reads them when it is written (pipeline/feedback.py), the student edition's check from each assignment's
words.json (edition.practice_words), since the check package reads no catalogue. A placeholder {...} is filled
where the label is shown: a cell's grade id, a score.
"""
from __future__ import annotations

from .translation import grader_text

# The feedback page's labels, by the name the page's template gives each (nbgrader's feedback template's English).
FEEDBACK_LABELS = {
    "score": "Score: {score} / {max_score}",
    "scores": "Scores",  # the name of the table of contents, for a screen reader
    "test_cell": "Test cell {cell}",
    "coding_free_response": "Coding free-response {cell}",
    "written_response": "Written response {cell}",
    "task": "Task {cell}",
    "comment_on": "Comment on {cell}",
    "late_penalty": "Late submission penalty (Score: -{penalty})",
    "top": "(Top)",
    "students_answer": "Student's answer",
    "students_task": "Student's task",
    "grade_cell": "Grade cell: {cell}",
    "comments": "Comments:",
    "in_prompt": "In [{count}]:",
    "out_prompt": "Out[{count}]:",
    "image_without_alt": "No description has been provided for this image",  # nbconvert's alt text
}
# The student check's report (student/cli.py, report and run); a test cell's PASS and FAIL are the verdicts' own
# (Wording.case_passed, case_failed), which the check has already.
CHECK_REPORT = {
    "counts": "{passed} passed, {failed} failed",
    "practice_counts": "practice cases: {passed} of {total} passed",
    "no_bubblewrap": "bubblewrap is not installed: running the notebook directly, as Jupyter would (grading runs "
                     "it in a sandbox)",
    "not_root": "the sandbox needs root: running the notebook directly, as Jupyter would (grading runs it in a "
                "sandbox)",
}


def feedback_labels(language: str = "en") -> dict[str, str]:
    """FEEDBACK_LABELS in `language` (each one English where the grader's catalogue has no translation)."""
    return _translated(FEEDBACK_LABELS, language)


def report_words(language: str = "en") -> dict[str, str]:
    """CHECK_REPORT in `language` (each one English where the grader's catalogue has no translation)."""
    return _translated(CHECK_REPORT, language)


def _translated(labels, language):
    return {key: grader_text(english, language) or english for key, english in labels.items()}
