"""Grade exports an LMS can import: a Canvas gradebook CSV built from the roster Canvas exports, and a plain CSV.

    python -m autograder export ASSIGNMENT [--grades grading/ASSIGNMENT/grades.csv] [--roster canvas.csv]
                                [--column "RNN forward (12345)"] [--match "SIS Login ID"] [--out DIR]

Canvas: Grades > Export gives a CSV whose first columns are Student, ID, SIS User ID, SIS Login ID, Section,
then one column per assignment (and, in recent exports, a second row "Points Possible"). The export written
here keeps those five columns and every roster row in order, and adds one column for this assignment (named
as Canvas calls it, `--column`, so that the import updates it rather than creating a new one). Student ids
of grades.csv are matched against the roster column `--match` (default: the one of SIS Login ID, SIS User ID,
ID that matches most ids).

Nothing is silently dropped: a roster student with no grade keeps an empty cell (Canvas leaves it unchanged)
and is listed; a graded id not on the roster is listed; both lists go to the terminal and to export_issues.txt.
"""
from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field

from .grading.layout import write_atomically

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MATCH_COLUMNS = ["SIS Login ID", "SIS User ID", "ID"]


@dataclass
class Export:
    paths: list = field(default_factory=list)
    not_on_roster: list = field(default_factory=list)    # graded ids the roster does not have
    without_grade: list = field(default_factory=list)    # roster students (their display) with no grade
    match_column: str = ""


def read_grades(path: str) -> list[tuple[str, float, float, str]]:
    """[(student_id, score, max_score, status)] from grades.csv, ids exactly as written."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [(row["student_id"], float(row["score"]), float(row["max_score"]), row.get("status", ""))
                for row in csv.DictReader(handle)]


def read_roster(path: str) -> tuple[list[str], list[str] | None, list[list[str]]]:
    """(header, points possible row or None, student rows) of a Canvas gradebook export."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        table = list(csv.reader(handle))
    if not table:
        raise ValueError(f"{path}: empty roster")
    header = [name.strip() for name in table[0]]
    missing = [name for name in CANVAS_COLUMNS if name not in header]
    if missing:
        raise ValueError(f"{path}: not a Canvas gradebook export (no column {', '.join(missing)})")
    rows = [r for r in table[1:] if any(cell.strip() for cell in r)]
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
    best = max(MATCH_COLUMNS, key=lambda column: sum(r[header.index(column)].strip() in ids for r in rows))
    return best


def export(grades_path: str, out_dir: str, assignment: str, roster_path: str | None = None, column: str | None = None,
           match: str | None = None) -> Export:
    """Write <assignment>_scores.csv (student_id, score) and, with a roster, <assignment>_canvas.csv."""
    grades = read_grades(grades_path)
    os.makedirs(out_dir, exist_ok=True)
    result = Export()
    plain = io.StringIO()
    writer = csv.writer(plain)
    writer.writerow(["student_id", "score"])
    for student_id, score, _, _ in grades:
        writer.writerow([student_id, f"{round(score, 6):.10g}"])
    result.paths.append(write_atomically(os.path.join(out_dir, f"{assignment}_scores.csv"), plain.getvalue()))
    if roster_path:
        header, points, rows = read_roster(roster_path)
        scores = {student_id: score for student_id, score, _, _ in grades}
        max_score = max((m for _, _, m, _ in grades), default=0.0)
        result.match_column = _choose_match(header, rows, set(scores), match)
        key = header.index(result.match_column)
        column = column or assignment
        canvas = io.StringIO()
        writer = csv.writer(canvas)
        writer.writerow(CANVAS_COLUMNS + [column])
        if points is not None:
            writer.writerow(["Points Possible", "", "", "", ""] + [f"{round(max_score, 6):.10g}"])
        seen = set()
        for row in rows:
            student_key = row[key].strip()
            base = [row[header.index(name)] for name in CANVAS_COLUMNS]
            if student_key in scores:
                seen.add(student_key)
                writer.writerow(base + [f"{round(scores[student_key], 6):.10g}"])
            else:
                writer.writerow(base + [""])
                result.without_grade.append(f"{row[header.index('Student')]} ({result.match_column} "
                                            f"{student_key or 'empty'})")
        result.not_on_roster = [student_id for student_id, *_ in grades if student_id not in seen]
        result.paths.append(write_atomically(os.path.join(out_dir, f"{assignment}_canvas.csv"), canvas.getvalue()))
    issues = [f"graded but not on the roster: {sid}" for sid in result.not_on_roster] + \
             [f"on the roster but not graded (cell left empty): {who}" for who in result.without_grade]
    result.paths.append(write_atomically(os.path.join(out_dir, "export_issues.txt"),
                               "\n".join(issues) + ("\n" if issues else "")))
    return result
