"""Submissions from an LMS: a .zip of notebooks, one or more per student, named by a pattern.

Modelled on nbgrader's zip_collect: a regular expression with a `student_id` group is matched against each
file's name inside the archive. The default matches both common layouts:

    s001/a01_rnn_forward.ipynb                     (a folder per student: the innermost folder is the id)
    s001_attempt_2026-03-01_a01_rnn_forward.ipynb  (student id, then an underscore, then anything)

Ids are kept exactly as the archive writes them: Korean names, spaces and e-mail addresses are ids too.

An archive is hostile input. Names are only names, never paths to write to; entries are streamed with a cap
per notebook and for the whole archive, since a 1 MB entry can expand to gigabytes; links, encrypted and
damaged entries are not unpacked. A student with several attempts gets the latest graded, and their detail
says which file that was.
"""
from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass, field

from ..course import CourseError
from ..isolation.safe_files import MiB, unsafe_name

# Lazy: a notebook inside a folder belongs to that (innermost) folder; a top-level one to its name's prefix.
DEFAULT_ID_PATTERN = r"^(?:[^/]*/)*?(?P<student_id>[^/_][^/]*?)(?:/[^/]+|_[^/]*)\.ipynb$"
MAX_NOTEBOOK_BYTES = 64 * MiB   # the largest notebook graded: a01-a05 solved are under 0.1 MiB, with plots ~2
MAX_ARCHIVE_BYTES = 2048 * MiB  # what one archive may unpack to in all, whatever its entries claim
# "a01 (1).ipynb", "a01-2.ipynb", "a01_attempt_3.ipynb": LMSs number a student's later attempts like this.
ATTEMPT_NUMBER = re.compile(r"(?:\((\d+)\)|[-_ ](?:attempt[-_ ]?)?(\d+))\s*$", re.IGNORECASE)


@dataclass
class Unpacked:
    """What unpack_lms_zip made of an archive.

    skipped: archive entries that name no student (not a notebook, or no id matched).
    notes:   student id → what was set aside (earlier attempts, unreadable entries), for the detail line.
    refused: student id → why nothing of theirs could be graded, for a `refused` row.
    """
    skipped: list = field(default_factory=list)
    notes: dict = field(default_factory=dict)
    refused: dict = field(default_factory=dict)


def unpack_lms_zip(zip_path: str, destination: str, assignment: str, id_pattern: str = DEFAULT_ID_PATTERN,
                   max_notebook_bytes: int = MAX_NOTEBOOK_BYTES, max_archive_bytes: int = MAX_ARCHIVE_BYTES) -> Unpacked:
    """Write destination/<student_id>/<assignment>.ipynb, each student's latest attempt; return an Unpacked."""
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
    result, by_student = Unpacked(), {}
    with archive:
        for info in archive.infolist():
            name = _entry_name(info.filename)
            if info.is_dir() or not name or "__MACOSX" in name.split("/"):
                continue
            match = pattern.search(name)
            if not match or not name.endswith(".ipynb") or not match.group("student_id"):
                result.skipped.append(info.filename)
                continue
            by_student.setdefault(match.group("student_id"), []).append(info)
        if not by_student:
            raise CourseError(f"{zip_path}: no notebook matched the student id pattern {id_pattern!r}")
        budget = [max_archive_bytes]
        for student_id, infos in sorted(by_student.items()):
            reason = unsafe_name(student_id)
            if reason:
                result.refused[_printable(student_id)] = reason
                continue
            _unpack_student(archive, infos, os.path.join(destination, student_id), assignment, student_id,
                            max_notebook_bytes, budget, result)
    return result


def _unpack_student(archive, infos, folder, assignment, student_id, max_notebook_bytes, budget, result):
    """Unpack the student's latest attempt as <assignment>.ipynb; name the others in the student's notes."""
    latest, *earlier = sorted(infos, key=_attempt_order, reverse=True)
    target = os.path.join(folder, assignment + ".ipynb")
    os.makedirs(folder, exist_ok=True)
    problem = _unreadable(latest) or _stream(archive, latest, target, min(max_notebook_bytes, budget[0]),
                                             max_notebook_bytes)
    set_aside = f"; set aside the earlier {', '.join(i.filename for i in earlier)}" if earlier else ""
    if problem:
        result.refused[student_id] = f"{latest.filename}: {problem}{set_aside}"
        return
    budget[0] -= os.path.getsize(target)
    if earlier:
        result.notes[student_id] = f"graded {latest.filename}, the latest attempt{set_aside}"


def _stream(archive, info, target, limit, max_notebook_bytes):
    """Copy one entry in chunks, stopping past `limit`; None when done, else what went wrong."""
    written = 0
    try:
        with archive.open(info) as source, open(target, "wb") as handle:
            for chunk in iter(lambda: source.read(MiB), b""):
                written += len(chunk)
                if written > limit:
                    break
                handle.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        os.remove(target)
        return f"a damaged or unsupported entry ({type(error).__name__}: {error})"
    if written > limit:
        os.remove(target)
        if limit < max_notebook_bytes:
            return "the archive's uncompressed-size cap was reached before it (--max-archive-mb)"
        return f"expands to more than {max_notebook_bytes / MiB:g} MiB (the per-notebook cap, --max-notebook-mb)"
    return None


def _unreadable(info):
    """Why an entry is not unpacked at all, or None."""
    kind = stat.S_IFMT(info.external_attr >> 16)
    if info.create_system == 3 and kind and kind != stat.S_IFREG:  # 3: unix, which stores links as entries
        return "a symbolic link or special file, not a notebook"
    if info.flag_bits & 0x1:
        return "encrypted"
    return None


def _attempt_order(info):
    """Latest first, when sorted in reverse: by the entry's time stamp, then by an attempt number in its name."""
    stem = os.path.splitext(os.path.basename(info.filename))[0]
    number = ATTEMPT_NUMBER.search(stem)
    return info.date_time, int(next(filter(None, number.groups()))) if number else 0, info.filename


def _entry_name(filename):
    """An archive entry's name with Windows separators, `.`, `..` and empty parts removed: a name, not a path."""
    return "/".join(part for part in filename.replace("\\", "/").split("/") if part not in ("", ".", ".."))


def _printable(text):
    return text.encode("unicode_escape").decode("ascii") if unsafe_name(text) else text
