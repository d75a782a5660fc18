"""The template of a grading run: the assignment recorded once in a gradebook that every student's is copied from.

Kept between runs (in Layout.template) while nothing it depends on has changed (records.assignment_fingerprint).
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass

from nbgrader.apps import NbGraderAPI

from .. import hidden
from ..course import CourseError, last_line
from ..pipeline.config import course_config
from ..pipeline.gradebook import max_score, stamped_gradebook
from .layout import write_atomically
from .records import GradingOptions, assignment_fingerprint


@dataclass
class Template:
    """The recorded assignment, as fingerprint.json in the template folder keeps it."""
    gradebook: str      # the gradebook every student's is a copy of
    cases: str          # the pickled hidden cases the kernel reads ($AUTOGRADER_CASES)
    release: str        # the released notebook nbgrader generated (trusted: repair and translation read it)
    fingerprint: str    # records.assignment_fingerprint of what it was made from
    max_score: float = 0.0


def make_template(assignment: str, template_dir: str, options: GradingOptions) -> Template:
    """Record the assignment (cells, points, checksums) in a gradebook every student copies, and its cases.

    Kept between runs while nothing it depends on has changed, so a re-run starts grading at once.
    """
    fingerprint = assignment_fingerprint(assignment, options)
    template = Template(gradebook=os.path.join(template_dir, "gradebook.db"),
                        cases=os.path.join(template_dir, "cases.pkl"),
                        release=os.path.join(template_dir, "release", assignment, assignment + ".ipynb"),
                        fingerprint=fingerprint)
    stamp = os.path.join(template_dir, "fingerprint.json")
    if os.path.isfile(stamp):
        try:
            with open(stamp) as handle:
                saved = Template(**json.load(handle))
            if saved.fingerprint == fingerprint:
                return saved
        except (OSError, ValueError, TypeError):  # unreadable, or of an older grader: recorded again
            pass

    shutil.rmtree(template_dir, ignore_errors=True)
    os.makedirs(template_dir)
    stamped_gradebook(template.gradebook)
    config = course_config(work_directory=template_dir, release_directory=os.path.join(template_dir, "release"),
                           cell_timeout=options.cell_timeout)
    result = NbGraderAPI(config=config).generate_assignment(assignment, force=True)
    if not result["success"]:
        raise CourseError(f"nbgrader could not record {assignment}: {last_line(result.get('error'))}")
    template.max_score = max_score("sqlite:///" + template.gradebook, assignment)
    hidden.write_cases_file(assignment, template.cases)
    os.chmod(template_dir, 0o755)
    os.chmod(template.cases, 0o644)
    write_atomically(stamp, json.dumps(asdict(template), indent=1))
    return template
