"""Where the course's assignments live, and how their students' versions are generated."""
import os
import re

from .pipeline.config import REPO_ROOT

SOLUTIONS_DIR = os.path.join(REPO_ROOT, "solutions")
EXERCISES_DIR = os.path.join(REPO_ROOT, "exercises")
NAME_PATTERN = re.compile(r"^[a-z0-9_]+$")


class CourseError(Exception):
    """Bad instructor input: the message is one line that names what is wrong."""


def list_assignments():
    """Assignment names in course order: every solutions/<name>/<name>.ipynb."""
    names = []
    for name in sorted(os.listdir(SOLUTIONS_DIR)):
        if os.path.isfile(os.path.join(SOLUTIONS_DIR, name, name + ".ipynb")):
            names.append(name)
    return names


def require_assignment(name):
    """Return `name` if it is a known assignment, else raise CourseError saying which ones exist."""
    if not NAME_PATTERN.match(name or ""):
        raise CourseError(f"assignment name {name!r} may only use a-z, 0-9 and _")
    known = list_assignments()
    if name not in known:
        raise CourseError(f"unknown assignment {name!r}: no solutions/{name}/{name}.ipynb "
                          f"(known: {', '.join(known) or 'none'})")
    return name


def generate_release(names=None, release_directory=EXERCISES_DIR, work_directory=None):
    """Run nbgrader generate_assignment for each assignment, writing the students' versions; then, from each
    and the translation catalogues, the students' versions in the other languages (translation.py).

    release_directory: where <name>/<name>.ipynb is written (exercises/ by default).
    work_directory: where nbgrader keeps the gradebook it records the assignment in (grading/ by default).
    """
    from nbgrader.apps import NbGraderAPI

    from .pipeline.config import WORK_DIRECTORY, course_config
    from .i18n.translation import write_localized_releases

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


def last_line(text):
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"
