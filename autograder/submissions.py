"""Submissions from an LMS: a .zip of notebooks, one or more per student, named by a pattern.

Modelled on nbgrader's zip_collect: a regular expression with a `student_id` group is matched against each
file's path inside the archive. The default matches both common layouts:

    s001/a01_rnn_forward.ipynb                     (a folder per student)
    s001_attempt_2026-03-01_a01_rnn_forward.ipynb  (student id, then an underscore, then anything)
"""
import os
import re
import zipfile

from .assignments import CourseError

DEFAULT_ID_PATTERN = r"^(?:.*/)?(?P<student_id>[A-Za-z0-9][A-Za-z0-9.@-]*)[_/][^/]*\.ipynb$"


def unpack_lms_zip(zip_path, destination, assignment, id_pattern=DEFAULT_ID_PATTERN):
    """Write destination/<student_id>/<file>.ipynb for every notebook in the archive; return unmatched names.

    A student's only notebook, or the one whose name contains the assignment's, is saved as
    <assignment>.ipynb, the name grading expects. Paths inside the archive are never used as paths here,
    only as names, so an archive cannot write outside `destination`.
    """
    try:
        pattern = re.compile(id_pattern)
    except re.error as error:
        raise CourseError(f"--id-pattern {id_pattern!r} is not a regular expression: {error}") from None
    if "student_id" not in pattern.groupindex:
        raise CourseError(f"--id-pattern {id_pattern!r} has no (?P<student_id>...) group")
    try:
        archive = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile) as error:
        raise CourseError(f"{zip_path}: not a readable zip file ({error})") from None
    by_student, unmatched = {}, []
    with archive:
        for info in archive.infolist():
            if info.is_dir() or "__MACOSX" in info.filename:
                continue
            match = pattern.search(info.filename)
            if not match or not info.filename.endswith(".ipynb"):
                unmatched.append(info.filename)
                continue
            by_student.setdefault(match.group("student_id"), []).append(info)
        for student_id, infos in sorted(by_student.items()):
            folder = os.path.join(destination, student_id)
            os.makedirs(folder, exist_ok=True)
            chosen = _expected_notebook(infos, assignment)
            for info in infos:
                name = assignment + ".ipynb" if info is chosen else os.path.basename(info.filename)
                with archive.open(info) as source, open(os.path.join(folder, name), "wb") as target:
                    target.write(source.read())
    if not by_student:
        raise CourseError(f"{zip_path}: no notebook matched the student id pattern {id_pattern!r}")
    return unmatched


def _expected_notebook(infos, assignment):
    if len(infos) == 1:
        return infos[0]
    named = [info for info in infos if assignment in os.path.basename(info.filename)]
    return named[-1] if len(named) == 1 else None
