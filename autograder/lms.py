"""Grade exports an LMS can import: Canvas's gradebook CSV, Moodle's offline grading worksheet, a plain CSV.

    python -m autograder export ASSIGNMENT [--grades grading/ASSIGNMENT/grades.csv] [--roster ROSTER.csv]
                                [--column "RNN forward (12345)"] [--match "SIS Login ID"] [--out DIR]

The roster is what the LMS itself exported, and decides the format:


Canvas: Grades > Export gives a CSV whose first columns are Student, ID, SIS User ID, SIS Login ID, Section,
then one column per assignment (and, in recent exports, a second row "Points Possible"). The export written
here keeps those five columns and every roster row in order, and adds one column for this assignment (named
as Canvas calls it, `--column`, so that the import updates it rather than creating a new one). Student ids
of grades.csv are matched against the roster column `--match` (default: of ID, SIS User ID and SIS Login ID,
the one that matches most ids, ID on a tie: a Canvas download's ids are Canvas user ids, the roster's ID).

Moodle: the assignment's "Download grading worksheet" gives a CSV with Identifier ("Participant 1234", the
participant id of a Moodle download's folder names), Full name, …, Grade, Maximum Grade, …, Last modified
(grade). The export is that worksheet with the Grade cells of graded students filled in, every other cell as
Moodle wrote it, ready for "Upload grading worksheet" (`Last modified (grade)` is kept, so Moodle still refuses
to overwrite a grade changed in Moodle after the worksheet was downloaded).

Nothing is silently dropped: a roster student with no grade keeps an empty cell (the LMS leaves it unchanged)
and is listed; a graded id not on the roster is listed; both lists go to the terminal and to export_issues.txt.
An export in which no graded id is on the roster is an error (NoMatch): the wrong roster, or the wrong column.
"""
from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field

from .grading.layout import write_atomically

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MATCH_COLUMNS = ["ID", "SIS User ID", "SIS Login ID"]  # the order breaks ties: ID, a Canvas download's own id
MOODLE_ID, MOODLE_GRADE, MOODLE_NAME = "Identifier", "Grade", "Full name"
MOODLE_PARTICIPANT = re.compile(r"(\d+)\s*$")  # "Participant 1234" (the word is in Moodle's own language)


class NoMatch(ValueError):
    """No graded student is on the roster: nothing was exported into the roster's format."""


@dataclass
class Export:
    """What an export wrote, and who did not match."""
    paths: list = field(default_factory=list)             # the files written
    not_on_roster: list = field(default_factory=list)     # graded ids the roster does not have
    without_grade: list = field(default_factory=list)     # roster students (their display) with no grade
    match_column: str = ""                                # the roster column matched against the ids
    matched: int = 0                                      # roster rows that received a grade


@dataclass(frozen=True)
class Grade:
    """One row of grades.csv, as an export needs it."""
    student_id: str
    score: float
    max_score: float
    status: str
    display_name: str = ""


def read_grades(path: str) -> list[Grade]:
    """The rows of grades.csv, ids exactly as written."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [Grade(row["student_id"], float(row["score"]), float(row["max_score"]), row.get("status", ""),
                      row.get("display_name") or "")
                for row in csv.DictReader(handle)]


def read_table(path: str) -> tuple[list, list]:
    """(header, rows) of a CSV an LMS exported, the header's names stripped."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        table = list(csv.reader(handle))
    if not table:
        raise ValueError(f"{path}: empty roster")
    return [name.strip() for name in table[0]], table[1:]


def read_roster(path: str) -> tuple[list, list | None, list]:
    """(header, points possible row or None, student rows) of a Canvas gradebook export."""
    header, table = read_table(path)
    missing = [name for name in CANVAS_COLUMNS if name not in header]
    if missing:
        raise ValueError(f"{path}: not a Canvas gradebook export (no column {', '.join(missing)}) nor a Moodle "
                         f"grading worksheet (no column {MOODLE_ID})")
    rows = [r for r in table if any(cell.strip() for cell in r)]
    points = None
    if rows and rows[0] and rows[0][0].strip() == "Points Possible":
        points, rows = rows[0], rows[1:]
    width = len(header)
    rows = [r + [""] * (width - len(r)) for r in rows]
    return header, points, rows


def _choose_match(header, rows, ids, match):
    if match:
        if match not in header:
            raise ValueError(f"the roster has no column {match!r}")
        return match
    return max(MATCH_COLUMNS, key=lambda column: sum(r[header.index(column)].strip() in ids for r in rows))


def export(grades_path: str, out_dir: str, assignment: str, roster_path: str | None = None,
           column: str | None = None, match: str | None = None) -> Export:
    """Write <assignment>_scores.csv (student_id, score) and, with a roster, the roster with the grades in it:
    <assignment>_canvas.csv for a Canvas gradebook export, <assignment>_moodle.csv for a Moodle worksheet.

    Raises ValueError for a roster that is neither, NoMatch when no graded id is on it.
    """
    grades = read_grades(grades_path)
    os.makedirs(out_dir, exist_ok=True)
    result = Export()
    plain = io.StringIO()
    writer = csv.writer(plain)
    writer.writerow(["student_id", "score"])
    for grade in grades:
        writer.writerow([grade.student_id, _number(grade.score)])
    result.paths.append(write_atomically(os.path.join(out_dir, f"{assignment}_scores.csv"), plain.getvalue()))
    if roster_path:
        header, _ = read_table(roster_path)
        write = _moodle_worksheet if MOODLE_ID in header and not set(CANVAS_COLUMNS) <= set(header) else \
            _canvas_gradebook
        name, text = write(roster_path, grades, assignment, column, match, result)
        if grades and not result.matched:
            raise NoMatch(f"{roster_path}: none of the {len(grades)} graded students is on this roster (matched "
                          f"against its column {result.match_column!r}); nothing was written into it")
        result.paths.append(write_atomically(os.path.join(out_dir, name), text))
    issues = [f"graded but not on the roster: {sid}" for sid in result.not_on_roster] + \
             [f"on the roster but not graded (cell left empty): {who}" for who in result.without_grade]
    result.paths.append(write_atomically(os.path.join(out_dir, "export_issues.txt"),
                               "\n".join(issues) + ("\n" if issues else "")))
    return result


def _canvas_gradebook(roster_path, grades, assignment, column, match, result):
    header, points, rows = read_roster(roster_path)
    scores = {grade.student_id: grade.score for grade in grades}
    max_score = max((grade.max_score for grade in grades), default=0.0)
    result.match_column = _choose_match(header, rows, set(scores), match)
    key = header.index(result.match_column)
    canvas = io.StringIO()
    writer = csv.writer(canvas)
    writer.writerow(CANVAS_COLUMNS + [column or assignment])
    if points is not None:
        writer.writerow(["Points Possible", "", "", "", ""] + [_number(max_score)])
    seen = set()
    for row in rows:
        student_key = row[key].strip()
        base = [row[header.index(name)] for name in CANVAS_COLUMNS]
        if student_key in scores:
            seen.add(student_key)
            writer.writerow(base + [_number(scores[student_key])])
        else:
            writer.writerow(base + [""])
            result.without_grade.append(f"{row[header.index('Student')]} ({result.match_column} "
                                        f"{student_key or 'empty'})")
    result.matched = len(seen)
    result.not_on_roster = _not_on_roster(grades, seen)
    return f"{assignment}_canvas.csv", canvas.getvalue()


def _moodle_worksheet(roster_path, grades, assignment, column, match, result):
    header, rows = read_table(roster_path)
    grade_column, result.match_column = column or MOODLE_GRADE, match or MOODLE_ID
    for needed in (grade_column, result.match_column):
        if needed not in header:
            raise ValueError(f"{roster_path}: a Moodle grading worksheet has a column {needed!r}; this one has "
                             f"{', '.join(header)}")
    key, target = header.index(result.match_column), header.index(grade_column)
    named = header.index(MOODLE_NAME) if MOODLE_NAME in header else key
    scores = {grade.student_id: grade.score for grade in grades}
    worksheet = io.StringIO()
    writer = csv.writer(worksheet)
    writer.writerow(header)
    seen = set()
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        row = row + [""] * (len(header) - len(row))
        participant = MOODLE_PARTICIPANT.search(row[key]) if match is None else None
        student_key = participant.group(1) if participant else row[key].strip()
        if student_key in scores:
            seen.add(student_key)
            row[target] = _number(scores[student_key])
        else:
            result.without_grade.append(f"{row[named]} ({row[key].strip() or 'empty'})")
        writer.writerow(row)
    result.matched = len(seen)
    result.not_on_roster = _not_on_roster(grades, seen)
    return f"{assignment}_moodle.csv", worksheet.getvalue()


def _not_on_roster(grades, seen):
    return [grade.student_id + (f" ({grade.display_name})" if grade.display_name else "")
            for grade in grades if grade.student_id not in seen]


def _number(value):
    return f"{round(value, 6):.10g}"
