"""`python -m autograder release`: the students' versions of the assignments, from solutions/ to exercises/."""
from __future__ import annotations

import os

from nbgrader.apps import NbGraderAPI

from .course import EXERCISES_DIR, REPO_ROOT, CourseError, last_line, list_assignments, require_assignment
from .i18n.translation import write_localized_releases
from .pipeline.config import WORK_DIRECTORY, course_config


def generate_release(names: list[str] | None = None, release_directory: str = EXERCISES_DIR,
                     work_directory: str | None = None) -> None:
    """Run nbgrader generate_assignment for each assignment, writing the students' versions; then, from each
    and the translation catalogues, the students' versions in the other languages (i18n/translation.py).

    release_directory: where <name>/<name>.ipynb is written (exercises/ by default).
    work_directory: where nbgrader keeps the gradebook it records the assignment in (grading/ by default).
    """
    config = course_config(work_directory=work_directory or WORK_DIRECTORY,
                           release_directory=os.path.abspath(release_directory))
    os.makedirs(os.path.join(REPO_ROOT, work_directory or WORK_DIRECTORY), exist_ok=True)
    api = NbGraderAPI(config=config)
    for name in names or list_assignments():
        result = api.generate_assignment(require_assignment(name), force=True)
        if not result["success"]:
            raise CourseError(f"nbgrader generate_assignment {name} failed: "
                              f"{last_line(result.get('error') or result.get('log'))}")
        write_localized_releases(name, os.path.abspath(release_directory))
