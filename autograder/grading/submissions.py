"""Submissions as an LMS hands them over: a .zip (or its unpacked folder) of notebooks, named by the LMS.

Each LMS writes its own file-name grammar; `grade` recognises these without any pattern and says which:

    Canvas      kimminsu_200104_5001_a01_rnn_forward.ipynb       lastfirst _ user id _ file id _ file name
                kimminsu_LATE_200104_5002_a01_rnn_forward-1.ipynb  (LATE: Canvas's own marker; -1: a re-upload)
    Moodle      Kim Minsu_1234_assignsubmission_file_/a01_rnn_forward.ipynb   full name _ participant id _ …
                Kim Minsu_1234_assignsubmission_file_a01_rnn_forward.ipynb    (without "download in folders")
    Blackboard  RNN forward_kim01_attempt_2026-03-01-09-30-00_a01_rnn_forward.ipynb   assignment _ user name _
                attempt _ time _ file name

The student id is the LMS's own stable id (Canvas user id, Moodle participant id, Blackboard user name), so two
students with one name stay two; the name the LMS wrote is kept beside it as the display name. Anything else is
read with a pattern (`--id-pattern`, a regular expression with a `student_id` group, as nbgrader's zip_collect);
the default matches `s001/a01.ipynb` (the innermost folder is the id) and `s001_anything.ipynb` (the name up to
its first underscore). Ids are kept exactly as written: Korean names, spaces and e-mail addresses are ids too.

A student's notebooks are grouped by that id and never by a name. Of several, one that equals the released
notebook (no answer cell changed) never wins over one that does; then the latest wins, by the LMS's own time
(Blackboard's attempt time, else the entry's time stamp), then the LMS's upload order (Canvas file ids), then an
attempt number in the name (`a01 (1).ipynb`, `a01-2.ipynb`). Two notebooks of one student that nothing orders, or
a pattern that puts two LMS ids under one student id, stop the run before anything is graded.

An archive is hostile input. Names are only names, never paths to write to; entries are streamed with a cap
per notebook and for the whole archive, since a 1 MB entry can expand to gigabytes; links, encrypted and
damaged entries are not unpacked.
"""
from __future__ import annotations

import filecmp
import json
import os
import re
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from ..course import EXERCISES_DIR, CourseError
from ..i18n.translation import student_notebook_names
from ..isolation.safe_files import MiB, Refused, open_regular, read_regular, unsafe_name

# Lazy: a notebook inside a folder belongs to that (innermost) folder; a top-level one to its name's prefix.
DEFAULT_ID_PATTERN = r"^(?:[^/]*/)*?(?P<student_id>[^/_][^/]*?)(?:/[^/]+|_[^/]*)\.ipynb$"
MAX_NOTEBOOK_BYTES = 64 * MiB   # the largest notebook graded: a01-a05 solved are under 0.1 MiB, with plots ~2
MAX_ARCHIVE_BYTES = 2048 * MiB  # what one archive may unpack to in all, whatever its entries claim
MAX_FOLDER_ENTRIES = 20_000     # files read from an unpacked download's folder; a class has a few hundred
# "a01 (1).ipynb", "a01-2.ipynb", "a01_attempt_3.ipynb": LMSs number a student's later attempts like this.
ATTEMPT_NUMBER = re.compile(r"(?:\((\d+)\)|[-_ ](?:attempt[-_ ]?)?(\d+))\s*$", re.IGNORECASE)

# Canvas (content_zipper.rb): [sortable name, "LATE" if late, user id] joined by "_" with every non-word
# character removed, then "_<attachment id>_<file name>". Canvas rewrites "_<digits>_" inside a name, so the
# first "_<digits>_<digits>_" ends the name. The name is absent under anonymous grading.
CANVAS = re.compile(r"(?:(?P<name>[^/]*?)_)??(?:(?P<late>late)_)?(?P<user>\d+)_(?P<file_id>\d+)_(?P<file>[^/]+)",
                    re.IGNORECASE)
# Moodle (mod/assign download_submissions): "<full name>_<participant id>_assignsubmission_file_" + the file's
# path (a folder per student) or name (all in one folder). Moodle turns "_" in names into spaces.
MOODLE = re.compile(r"(?P<name>[^_/]*)_(?P<participant>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<rest>.*)")
# Blackboard Learn's Assignment File Download: "<assignment>_<user name>_attempt_<yyyy-mm-dd-hh-mm-ss>_<file>",
# beside a receipt "<…>_attempt_<time>.txt".
BLACKBOARD = re.compile(r"(?P<head>[^/]+)_attempt_(?P<when>\d{4}(?:-\d\d){5})_(?P<file>[^/]+)")


@dataclass(frozen=True)
class EntryOwner:
    """Whose notebook an entry is, as one layout reads it from the entry's name.

    student_id:   the id graded, a file name of the output folder: the LMS's stable id where it has one.
    identity:     what tells two students apart in this layout (an LMS id, or the id itself); grouping an entry
                  under a student_id with another identity would merge two students.
    display_name: the student's name as the LMS wrote it, or "".
    late:         the LMS's own late marker: True, False, or None where the layout has none.
    submitted_at: the LMS's own time of the attempt ((y, m, d, H, M, S)), or None to use the entry's.
    lms_order:    the LMS's own upload order (higher is later), or None.
    """
    student_id: str
    identity: str
    display_name: str = ""
    late: bool | None = None
    submitted_at: tuple | None = None
    lms_order: int | None = None


@dataclass(frozen=True)
class Layout:
    """A file-name grammar: its name, for the line that says which was recognised, and its reader."""
    name: str
    read: Callable[[str], EntryOwner | None]


def _canvas(name: str) -> EntryOwner | None:
    match = CANVAS.fullmatch(name.rsplit("/", 1)[-1])
    if not match:
        return None
    return EntryOwner(match["user"], "canvas user " + match["user"], match["name"] or "", bool(match["late"]),
                      lms_order=int(match["file_id"]))


def _moodle(name: str) -> EntryOwner | None:
    for part in name.split("/"):
        match = MOODLE.fullmatch(part)
        if match:  # any plugin: an online text is no notebook, but it still says whose it is
            return EntryOwner(match["participant"], "moodle participant " + match["participant"],
                              match["name"].strip())
    return None


def _blackboard(name: str) -> EntryOwner | None:
    match = BLACKBOARD.fullmatch(name.rsplit("/", 1)[-1])
    if not match or "_" not in match["head"]:
        return None
    user = match["head"].rsplit("_", 1)[1]  # the assignment's name may hold "_"; a user name, in practice, not
    when = tuple(int(part) for part in match["when"].split("-"))
    # A user name that did hold "_" is cut short here: the whole head is the identity, so two such students
    # that share the last part stop the run (collision) instead of being merged.
    return EntryOwner(user, "blackboard " + match["head"], submitted_at=when)


LMS_LAYOUTS = [Layout("Canvas", _canvas), Layout("Moodle", _moodle), Layout("Blackboard", _blackboard)]


def pattern_layout(id_pattern: str) -> Layout:
    """The layout of an --id-pattern: a regular expression with a student_id group."""
    try:
        pattern = re.compile(id_pattern)
    except re.error as error:
        raise CourseError(f"--id-pattern {id_pattern!r} is not a regular expression: {error}") from None
    if "student_id" not in pattern.groupindex:
        raise CourseError(f"--id-pattern {id_pattern!r} has no (?P<student_id>...) group")

    def read(name: str) -> EntryOwner | None:
        match = pattern.search(name)
        student_id = match and match.group("student_id")
        return EntryOwner(student_id, student_id) if student_id else None
    return Layout("the default pattern" if id_pattern == DEFAULT_ID_PATTERN else "--id-pattern", read)


@dataclass
class Unpacked:
    """What unpacking a download made of it.

    layout:   the layout recognised ("Canvas", "Moodle", "Blackboard", "the default pattern", "--id-pattern").
    skipped:  entries that name no student (not a notebook, or no id read from the name).
    notes:    student id → what was set aside (earlier attempts, an untouched release), for the detail line.
    refused:  student id → why nothing of theirs could be graded, for a `refused` row.
    students: student id → what the LMS says of the student's graded attempt (display name, time, late).
    """
    layout: str = ""
    skipped: list = field(default_factory=list)
    notes: dict = field(default_factory=dict)
    refused: dict = field(default_factory=dict)
    students: dict = field(default_factory=dict)


@dataclass(frozen=True)
class StudentInfo:
    """What the LMS says of a student's graded attempt, for grades.csv: all empty where it says nothing."""
    display_name: str = ""
    submitted_at: str = ""  # ISO 8601 as the LMS recorded it, without a time zone (zip times have none)
    late: bool | None = None


@dataclass
class _Entry:
    """One file of a download: its name (never a path to write to), its time, how to read it."""
    name: str
    when: tuple
    open: Callable[[], object]
    problem: str | None = None


def recognise(names: list[str], id_pattern: str | None = None) -> Layout:
    """The layout that reads every notebook among `names`: an LMS's, else the default pattern.

    With an id_pattern, that pattern. A download that an LMS layout reads only in part stops here, naming the
    entries it does not read: guessing ids for those could merge students.
    """
    if id_pattern is not None and id_pattern != DEFAULT_ID_PATTERN:
        return pattern_layout(id_pattern)
    notebooks = [name for name in names if name.endswith(".ipynb")]
    lms = _lms_reading_all(notebooks)
    if lms:
        return lms
    for layout in LMS_LAYOUTS:
        misfits = [name for name in notebooks if not layout.read(name)]
        if len(misfits) < len(notebooks):
            shown = ", ".join(misfits[:3]) + (f" and {len(misfits) - 3} more" if len(misfits) > 3 else "")
            raise CourseError(f"{len(notebooks) - len(misfits)} of {len(notebooks)} notebooks are named as a "
                              f"{layout.name} download names them, but not {shown}: pass --id-pattern to say "
                              f"how the student ids are written")
    return pattern_layout(DEFAULT_ID_PATTERN)


def is_lms_folder(folder: str) -> bool:
    """Whether a submissions folder is an unpacked LMS download rather than one folder per student."""
    for entry in os.scandir(folder):
        name = entry.name + "/notebook.ipynb" if entry.is_dir(follow_symlinks=False) else entry.name
        if any(layout.read(name) for layout in LMS_LAYOUTS):
            return True
    return False


def unpack_download(source: str, destination: str, assignment: str, id_pattern: str = DEFAULT_ID_PATTERN,
                    max_notebook_bytes: int = MAX_NOTEBOOK_BYTES,
                    max_archive_bytes: int = MAX_ARCHIVE_BYTES) -> Unpacked:
    """Write destination/<student_id>/<assignment>.ipynb, each student's graded attempt; return an Unpacked.

    source: an LMS .zip, or a folder holding its unpacked files.
    Raises CourseError, naming the entries, where ids collide or attempts cannot be ordered.
    """
    if os.path.isdir(source):
        return _unpack(_folder_entries(source), source, destination, assignment, id_pattern, max_notebook_bytes,
                       max_archive_bytes)
    try:
        archive = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as error:
        raise CourseError(f"{source}: not a readable zip file ({error})") from None
    with archive:
        return _unpack(_zip_entries(archive), source, destination, assignment, id_pattern, max_notebook_bytes,
                       max_archive_bytes)


def _unpack(entries, source, destination, assignment, id_pattern, max_notebook_bytes, max_archive_bytes):
    entries = [entry for entry in entries if entry.name and "__MACOSX" not in entry.name.split("/")]
    layout = recognise([entry.name for entry in entries], id_pattern)
    result, by_student = Unpacked(layout=layout.name), {}
    # A pattern over an LMS download: the LMS's ids still tell its students apart, so the pattern cannot merge two.
    lms = _lms_reading_all([entry.name for entry in entries if entry.name.endswith(".ipynb")]) \
        if layout not in LMS_LAYOUTS else None
    handed_in_other = {}  # student id → (owner, names): what an LMS says a student handed in that is no notebook
    for entry in entries:
        owner = layout.read(entry.name) if entry.name.endswith(".ipynb") or layout in LMS_LAYOUTS else None
        if owner is None or not entry.name.endswith(".ipynb"):
            result.skipped.append(entry.name)
            if owner is not None:
                handed_in_other.setdefault(owner.student_id, (owner, []))[1].append(entry.name)
            continue
        if lms:
            owner = EntryOwner(owner.student_id, lms.read(entry.name).identity)
        by_student.setdefault(owner.student_id, []).append((entry, owner))
    if not by_student:
        raise CourseError(f"{source}: no notebook in it names a student ({layout.name})")
    _stop_on_merged_students(by_student)
    release_answers = _release_answers(assignment)
    budget = [max_archive_bytes]
    for student_id, attempts in sorted(by_student.items()):
        reason = unsafe_name(student_id)
        if reason:
            result.refused[_printable(student_id)] = reason
            continue
        _unpack_student(attempts, os.path.join(destination, student_id), assignment, student_id,
                        max_notebook_bytes, budget, release_answers, result)
    # A student the LMS lists with files but no notebook gets a row too: `missing notebook`, naming the files.
    for student_id, (owner, names) in sorted(handed_in_other.items()):
        if student_id not in by_student and not unsafe_name(student_id):
            os.makedirs(os.path.join(destination, student_id), exist_ok=True)
            result.notes[student_id] = "handed in no notebook, only " + ", ".join(names)
            result.students[student_id] = StudentInfo(owner.display_name, "", owner.late)
    return result


def _lms_reading_all(notebooks):
    """The LMS layout that reads every one of `notebooks` (entry names), or None."""
    return next((layout for layout in LMS_LAYOUTS if notebooks and all(layout.read(name) for name in notebooks)),
                None)


def _stop_on_merged_students(by_student):
    for student_id, attempts in sorted(by_student.items()):
        identities = {}
        for entry, owner in attempts:
            identities.setdefault(owner.identity, []).append(entry.name)
        if len(identities) > 1:
            listing = "; ".join(f"{identity}: {', '.join(names)}" for identity, names in sorted(identities.items()))
            raise CourseError(f"student id {student_id!r} would merge {len(identities)} different students "
                              f"({listing}); nothing was graded: give each student an id of their own "
                              f"(--id-pattern)")


@dataclass
class _Attempt:
    """One of a student's notebooks: the entry, whose it is, where it was unpacked (None if it could not be)."""
    entry: _Entry
    owner: EntryOwner
    path: str | None
    problem: str | None
    answered: bool  # an answer cell differs from the release's (True when unreadable as a notebook)

    def order(self) -> tuple:
        """Sorted in reverse, the attempt to grade first: readable, answers written, then the latest."""
        return (self.path is not None, self.answered, *self.recency())

    def recency(self) -> tuple:
        """The LMS's own time, else the entry's; then the LMS's upload order; then an attempt number in the name."""
        stem = os.path.splitext(self.entry.name.rsplit("/", 1)[-1])[0]
        number = ATTEMPT_NUMBER.search(stem)
        return (self.owner.submitted_at or self.entry.when, self.owner.lms_order or 0,
                int(next(filter(None, number.groups()))) if number else 0)


def _unpack_student(attempts, folder, assignment, student_id, max_notebook_bytes, budget, release_answers, result):
    """Unpack the student's attempts, keep the one graded as <assignment>.ipynb; name the others in the notes."""
    os.makedirs(folder, exist_ok=True)
    candidates = []
    for number, (entry, owner) in enumerate(attempts):
        path = os.path.join(folder, f".attempt-{number}.ipynb")
        problem = entry.problem or _stream(entry, path, min(max_notebook_bytes, budget[0]), max_notebook_bytes)
        if not problem:
            budget[0] -= os.path.getsize(path)
        candidates.append(_Attempt(entry, owner, None if problem else path, problem,
                                   not problem and _answers_changed(path, max_notebook_bytes, release_answers)))
    ranked = sorted(candidates, key=lambda attempt: (attempt.order(), attempt.entry.name), reverse=True)
    chosen, *others = ranked
    if others and others[0].path and chosen.order() == others[0].order() and \
            not filecmp.cmp(chosen.path, others[0].path, shallow=False):
        raise CourseError(f"student {student_id!r} handed in {chosen.entry.name} and {others[0].entry.name}, and "
                          f"nothing tells which is the later (same time stamp, no upload order or attempt number); "
                          f"nothing was graded: remove the one not to grade and run again")
    for attempt in others:
        if attempt.path:
            os.remove(attempt.path)
    set_aside = _set_aside(chosen, others)
    if chosen.problem:
        result.refused[student_id] = f"{chosen.entry.name}: {chosen.problem}" + (f"; {set_aside}" if others else "")
        if not os.listdir(folder):
            os.rmdir(folder)
        return
    os.replace(chosen.path, os.path.join(folder, assignment + ".ipynb"))
    result.students[student_id] = StudentInfo(chosen.owner.display_name,
                                              _iso(chosen.owner.submitted_at or chosen.entry.when), chosen.owner.late)
    if others:
        result.notes[student_id] = f"graded {chosen.entry.name}, {set_aside}"


def _set_aside(chosen, others):
    """Why `chosen` was graded over `others`: "the latest attempt; set aside the earlier a", or with each
    one's reason where one was later (an untouched release, or an entry that could not be read)."""
    later = [a for a in others if a.recency() > chosen.recency()]
    if not later:
        return "the latest attempt; set aside the earlier " + ", ".join(a.entry.name for a in others)
    reasons = [f"{a.entry.name} ({_why_set_aside(a, chosen)})" for a in others]
    lead = "the latest attempt with an answer written" if chosen.answered else "the latest readable attempt"
    return f"{lead}; set aside " + ", ".join(reasons)


def _why_set_aside(attempt, chosen):
    if not attempt.path:
        return attempt.problem
    if attempt.recency() <= chosen.recency():
        return "earlier"
    return "the release, no answer changed"


def _release_answers(assignment):
    """grade_id → the sources of its answer cell in the released notebooks, one per language (each language's
    docstrings are its own: i18n/code_prose.py)."""
    answers: dict[str, set[str]] = {}
    for name in student_notebook_names(assignment):
        path = os.path.join(EXERCISES_DIR, assignment, name)
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                for grade_id, source in (_answer_cells(json.load(handle)) or {}).items():
                    answers.setdefault(grade_id, set()).add(source)
    return answers


def answers_changed(path: str, assignment: str, max_bytes: int = MAX_NOTEBOOK_BYTES) -> bool:
    """Whether a student's notebook differs from the release in an answer cell (True when it cannot be read:
    only a notebook proven to be the untouched release loses to another)."""
    return _answers_changed(path, max_bytes, _release_answers(assignment))


def _answers_changed(path, max_bytes, release_answers):
    try:
        answers = _answer_cells(json.loads(read_regular(path, max_bytes)))
    except (Refused, ValueError, UnicodeDecodeError, RecursionError):
        return True
    if answers is None:
        return True
    return any(source not in release_answers.get(grade_id, ()) for grade_id, source in answers.items()) or \
        not set(release_answers) <= set(answers)


def _answer_cells(notebook):
    """grade_id → source of a notebook's answer cells, or None if it is not shaped like a notebook."""
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return None
    answers = {}
    for cell in notebook["cells"]:
        metadata = cell.get("metadata") if isinstance(cell, dict) else None
        nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
        if isinstance(nbgrader, dict) and nbgrader.get("solution") is True and isinstance(nbgrader.get("grade_id"),
                                                                                          str):
            source = cell.get("source", "")
            answers[nbgrader["grade_id"]] = "".join(source) if isinstance(source, list) else str(source)
    return answers


def _stream(entry, target, limit, max_notebook_bytes):
    """Copy one entry in chunks, stopping past `limit`; None when done, else what went wrong."""
    written = 0
    try:
        with entry.open() as source, open(target, "wb") as handle:
            for chunk in iter(lambda: source.read(MiB), b""):
                written += len(chunk)
                if written > limit:
                    break
                handle.write(chunk)
    except Refused as refused:
        return str(refused)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        if os.path.exists(target):
            os.remove(target)
        return f"a damaged or unsupported entry ({type(error).__name__}: {error})"
    if written > limit:
        os.remove(target)
        if limit < max_notebook_bytes:
            return "the archive's uncompressed-size cap was reached before it (--max-archive-mb)"
        return f"expands to more than {max_notebook_bytes / MiB:g} MiB (the per-notebook cap, --max-notebook-mb)"
    return None


def _zip_entries(archive) -> Iterator[_Entry]:
    for info in archive.infolist():
        if not info.is_dir():
            yield _Entry(_entry_name(info.filename), info.date_time, lambda info=info: archive.open(info),
                         _unreadable(info))


def _folder_entries(folder) -> Iterator[_Entry]:
    """The files under an unpacked download's folder, as entries; links and special files are never opened."""
    count = 0
    for directory, folders, files in os.walk(folder):  # os.walk does not descend into linked folders
        folders.sort()
        for name in sorted(files) + [f for f in folders if os.path.islink(os.path.join(directory, f))]:
            path = os.path.join(directory, name)
            count += 1
            if count > MAX_FOLDER_ENTRIES:
                raise CourseError(f"{folder}: more than {MAX_FOLDER_ENTRIES} files; is it a download of one "
                                  f"assignment?")
            info = os.lstat(path)
            problem = None if stat.S_ISREG(info.st_mode) else "a symbolic link or special file, not a notebook"
            yield _Entry(os.path.relpath(path, folder).replace(os.sep, "/"),
                         datetime.fromtimestamp(info.st_mtime).timetuple()[:6],
                         lambda path=path: os.fdopen(open_regular(path), "rb"), problem)


def _unreadable(info):
    """Why an entry is not unpacked at all, or None."""
    kind = stat.S_IFMT(info.external_attr >> 16)
    if info.create_system == 3 and kind and kind != stat.S_IFREG:  # 3: unix, which stores links as entries
        return "a symbolic link or special file, not a notebook"
    if info.flag_bits & 0x1:
        return "encrypted"
    return None


def _iso(when):
    try:
        return datetime(*when).isoformat()
    except (TypeError, ValueError):
        return ""


def _entry_name(filename):
    """An archive entry's name with Windows separators, `.`, `..` and empty parts removed: a name, not a path."""
    return "/".join(part for part in filename.replace("\\", "/").split("/") if part not in ("", ".", ".."))


def _printable(text):
    return text.encode("unicode_escape").decode("ascii") if unsafe_name(text) else text
