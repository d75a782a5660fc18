"""The class report every grading run writes next to grades.csv: report.json and report.html.

    DIR/report.json   the numbers: statuses, score distribution, pass rate per graded function and per hidden case,
                      how many students made each known mistake and each kind of fault (a mistake counted once,
                      where it is made: a function diagnosed `upstream` of another counts under `upstream`), the
                      slowest submissions
    DIR/report.html   the same, for a browser: self-contained (plots drawn as inline SVG), readable offline
    DIR/cases.csv     one row per student and hidden case: passed or not, and the mistake diagnosed

Per-case results come from the verdicts the grader stores in each autograded test cell (judge/verdicts.py),
as each student's result recorded them. The paths are layout.py's.
"""
from __future__ import annotations

import csv
import html
import io
import json
import os
import statistics
from collections import Counter, defaultdict

from ..i18n.sections import book_url, section_title
from .layout import Layout, write_atomically


# ------------------------------------------------------------------------------------------- per student
def case_summary(tests: list[dict]) -> str:
    """"sigmoid 4/4, tanh 3/4, ...": passed hidden cases per function, for grades.csv."""
    counts = {}
    for test in tests:
        for case in test.get("cases", []):
            passed, total = counts.get(case["function"], (0, 0))
            counts[case["function"]] = (passed + bool(case["passed"]), total + 1)
    return ", ".join(f"{function} {passed}/{total}" for function, (passed, total) in counts.items())


# ------------------------------------------------------------------------------------------------- class
def class_numbers(out: str | Layout, assignment: str, rows: list) -> dict:
    """Everything the report shows, as plain data (also written as report.json). `rows`: grading's GradeRows."""
    statuses = Counter(row.status for row in rows)
    scores = [row.score for row in rows]
    max_score = max((row.max_score for row in rows), default=0)
    function_students = defaultdict(lambda: [0, 0])  # function -> [students with every case passed, students]
    case_counts = defaultdict(lambda: [0, 0])        # (function, case) -> [passed, students]
    mistake_counts = Counter()
    messages = {}  # (function, mistake) -> its message and link, as the student's result recorded them
    fault_counts = Counter()  # (function, kind of fault, where) of the failing functions no known mistake named
    undiagnosed = Counter()
    for row in rows:
        per_function = defaultdict(list)
        for test in row.tests:
            named = {m["function"] for m in test.get("mistakes", [])}
            for diagnosis in test.get("diagnoses", []):
                if diagnosis.get("fault") and not diagnosis.get("known"):
                    fault_counts[(diagnosis["function"], diagnosis["fault"], diagnosis.get("where") or "")] += 1
                    named.add(diagnosis["function"])
            in_this_cell = defaultdict(list)
            for case in test.get("cases", []):
                in_this_cell[case["function"]].append(bool(case["passed"]))
                counts = case_counts[(case["function"], case["name"])]
                counts[0] += bool(case["passed"])
                counts[1] += 1
            for mistake in test.get("mistakes", []):
                mistake_counts[(mistake["function"], mistake["name"])] += 1
                messages.setdefault((mistake["function"], mistake["name"]), mistake)
            for function, results in in_this_cell.items():
                per_function[function] += results
                if not all(results) and function not in named:
                    undiagnosed[function] += 1
        for function, results in per_function.items():
            function_students[function][0] += all(results)
            function_students[function][1] += 1
    mistakes = []
    for (function, name), count in mistake_counts.most_common():
        known = messages[(function, name)]
        mistakes.append({"function": function, "mistake": name, "students": count,
                         "message": known.get("message", ""), "section": known.get("section", ""),
                         "link": known.get("link", "")})
    return {
        "assignment": assignment,
        "students": len(rows),
        "statuses": dict(statuses.most_common()),
        "scores": {"max_score": max_score, "mean": statistics.fmean(scores) if scores else 0.0,
                   "median": statistics.median(scores) if scores else 0.0,
                   "min": min(scores, default=0.0), "max": max(scores, default=0.0),
                   "full_marks": sum(row.score == row.max_score for row in rows)},
        "functions": [{"function": f, "passed": p, "students": n, "pass_rate": p / n if n else 0.0,
                       "failed_without_diagnosis": undiagnosed.get(f, 0)}
                      for f, (p, n) in function_students.items()],
        "cases": [{"function": f, "case": c, "passed": p, "students": n, "pass_rate": p / n if n else 0.0}
                  for (f, c), (p, n) in case_counts.items()],
        "mistakes": mistakes,
        "faults": [{"function": f, "fault": fault, "where": where, "students": n}
                   for (f, fault, where), n in fault_counts.most_common()],
        "slowest": _slowest(_layout(out), assignment, rows),
    }


def _slowest(layout, assignment, rows, count=10):
    """Seconds per student: from writing the submitted notebook into the course folder to saving the result."""
    timings = []
    for row in rows:
        result = layout.result(row.student_id)
        submitted = layout.submitted_notebook(row.student_id, assignment)
        if os.path.isfile(result) and os.path.isfile(submitted):
            timings.append({"student_id": row.student_id, "seconds": round(os.path.getmtime(result)
                                                                           - os.path.getmtime(submitted), 2),
                            "status": row.status, "score": row.score})
    return sorted(timings, key=lambda t: -t["seconds"])[:count]


def write_class_report(out: str | Layout, assignment: str, rows: list) -> dict:
    """Write report.json, report.html and cases.csv into the output folder `out`; return the numbers."""
    layout = _layout(out)
    numbers = class_numbers(layout, assignment, rows)
    write_atomically(layout.report_json, json.dumps(numbers, indent=1, ensure_ascii=False))
    write_atomically(layout.report_html, render_html(numbers, layout.out, [row.score for row in rows]))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student_id", "cell", "function", "case", "passed", "mistake", "fault", "where"])
    for row in rows:
        for test in row.tests:
            named = {m["function"]: m["name"] for m in test.get("mistakes", [])}
            faults = {d["function"]: d for d in test.get("diagnoses", [])}
            for case in test.get("cases", []):
                fault = {} if case["passed"] else faults.get(case["function"], {})
                writer.writerow([row.student_id, test["cell"], case["function"], case["name"],
                                 int(bool(case["passed"])), "" if case["passed"] else named.get(case["function"], ""),
                                 fault.get("fault") or "", fault.get("where") or ""])
    write_atomically(layout.cases_csv, buffer.getvalue())
    return numbers


# -------------------------------------------------------------------------------------------------- HTML
def plots(numbers: dict, scores: list[float]) -> tuple[str, str]:
    """The score histogram and the pass rate per function, as inline SVG: a few milliseconds to draw, sharp at any
    zoom, their numbers readable as text. (Drawn with matplotlib, they cost a second of every grading run.)"""
    top = numbers["scores"]["max_score"] or 1
    counts = [0] * 20  # bins of a twentieth of the maximum; a full score falls in the last
    for score in scores:
        counts[min(19, max(0, int(20 * score / top)))] += 1
    return histogram_svg(counts, top, numbers["students"]), pass_rate_svg(numbers["functions"])


def histogram_svg(counts: list[int], top: float, students: int) -> str:
    width, height, left, bottom, above = 600, 240, 44, 36, 28
    inner_w, inner_h = width - left - 12, height - bottom - above
    tallest, bar_w = max(counts) or 1, inner_w / len(counts)
    bars = "".join(
        f'<rect x="{left + k * bar_w + 1:.1f}" y="{above + inner_h * (1 - n / tallest):.1f}" width="{bar_w - 2:.1f}" '
        f'height="{inner_h * n / tallest:.1f}" fill="#3b6ea8"><title>{n} scored {top * k / 20:g} to '
        f'{top * (k + 1) / 20:g}</title></rect>' for k, n in enumerate(counts) if n)
    ticks = "".join(f'<text x="{left + inner_w * f:.1f}" y="{height - bottom + 16}" text-anchor="middle">'
                    f"{top * f:g}</text>" for f in (0, 0.25, 0.5, 0.75, 1))
    return (f'<svg id="histogram" role="img" aria-label="Histogram of the students&#39; scores" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-size="12" '
            f'font-family="sans-serif"><text x="{width / 2}" y="16" text-anchor="middle">Scores ({students} '
            f'students, max {top:g})</text><line x1="{left}" y1="{above + inner_h}" x2="{left + inner_w}" '
            f'y2="{above + inner_h}" stroke="#444"/><text x="{left - 6}" y="{above + 4}" text-anchor="end">'
            f'{tallest}</text><text x="{left - 6}" y="{above + inner_h}" text-anchor="end">0</text>{bars}{ticks}'
            f'<text x="{left + inner_w / 2}" y="{height - 4}" text-anchor="middle">score</text></svg>')


def pass_rate_svg(functions: list[dict]) -> str:
    label_w, bar_area, row_h = 190, 360, 24
    width, height = label_w + bar_area + 50, 28 + row_h * len(functions)
    rows = "".join(
        f'<text x="{label_w - 8}" y="{28 + row_h * k + 16}" text-anchor="end" font-family="monospace">'
        f'{html.escape(f["function"])}</text><rect x="{label_w}" y="{28 + row_h * k + 4}" '
        f'width="{bar_area * f["pass_rate"]:.1f}" height="{row_h - 8}" fill="#5a9e5a"/>'
        f'<text x="{label_w + bar_area * f["pass_rate"] + 6:.1f}" y="{28 + row_h * k + 16}">'
        f'{100 * f["pass_rate"]:.0f}%</text>' for k, f in enumerate(functions))
    return (f'<svg id="pass-rates" role="img" aria-label="Bar chart: share of students passing every hidden case, '
            f'per function" viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-size="12" '
            f'font-family="sans-serif"><text x="{width / 2}" y="16" text-anchor="middle">% of students passing '
            f'every hidden case, per function</text>{rows}</svg>')


def render_html(numbers: dict, out: str, scores: list[float] | None = None) -> str:
    """report.html, for the output folder `out` (its links to the book lead to the published site)."""
    esc = html.escape
    scores = scores if scores is not None else _scores_from_json(Layout(out))
    histogram, rates = plots(numbers, scores)

    def link(mistake):
        """The book section that explains `mistake`, linked on the published site, its title the link's text."""
        if not mistake.get("section") or not mistake.get("link"):
            return ""
        title, number = section_title(mistake["section"])
        return f'{esc(number)} <a href="{esc(book_url(mistake["link"]))}">{esc(title)}</a>'

    status_rows = "".join(f"<tr><td>{esc(s)}</td><td>{n}</td></tr>" for s, n in numbers["statuses"].items())
    function_rows = "".join(
        f"<tr><td><code>{esc(f['function'])}</code></td><td>{100 * f['pass_rate']:.0f}%</td>"
        f"<td>{f['passed']} / {f['students']}</td><td>{f['failed_without_diagnosis']}</td></tr>"
        for f in numbers["functions"])
    mistake_rows = "".join(
        f"<tr><td>{m['students']}</td><td><code>{esc(m['function'])}</code></td><td>{esc(m['mistake'])}</td>"
        f"<td>{esc(m['message'])}</td><td>{link(m)}</td></tr>" for m in numbers["mistakes"]) or \
        '<tr><td colspan="5">No known mistake was diagnosed.</td></tr>'
    fault_rows = "".join(
        f"<tr><td>{f['students']}</td><td><code>{esc(f['function'])}</code></td><td>{esc(f['fault'])}</td>"
        f"<td>{esc(f['where'])}</td></tr>" for f in numbers.get("faults", [])) or \
        '<tr><td colspan="4">No kind of fault was named.</td></tr>'
    hardest = sorted(numbers["cases"], key=lambda c: c["pass_rate"])[:15]
    case_rows = "".join(f"<tr><td><code>{esc(c['function'])}</code></td><td>{esc(c['case'])}</td>"
                        f"<td>{100 * c['pass_rate']:.0f}%</td></tr>" for c in hardest)
    slow_rows = "".join(f"<tr><td>{esc(t['student_id'])}</td><td>{t['seconds']:.1f}</td><td>{esc(t['status'])}</td>"
                        f"<td>{t['score']:g}</td></tr>" for t in numbers["slowest"])
    s = numbers["scores"]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Class report: {esc(numbers['assignment'])}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 62rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1.5rem; }}
td, th {{ border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }}
th {{ background: #f2f2f2; }} svg {{ max-width: 100%; height: auto; }}
</style></head><body>
<h1>Class report: {esc(numbers['assignment'])}</h1>
<p id="summary">{numbers['students']} students; mean score {s['mean']:.2f} of {s['max_score']:g}, median
{s['median']:g}, range {s['min']:g} to {s['max']:g}; {s['full_marks']} with full marks.</p>
<h2>Score distribution</h2>
{histogram}
<h2>Status</h2>
<table id="statuses"><tr><th>status</th><th>students</th></tr>{status_rows}</table>
<h2>Pass rate per function</h2>
{rates}
<table id="functions"><tr><th>function</th><th>pass rate</th><th>students passing</th>
<th>failed, no diagnosis</th></tr>{function_rows}</table>
<h2>Known mistakes, most frequent first</h2>
<table id="mistakes"><tr><th>students</th><th>function</th><th>mistake</th><th>what the student reads</th>
<th>book section</th></tr>{mistake_rows}</table>
<h2>Kinds of fault, where no known mistake matched</h2>
<p>Each failing function is counted once: one that gives what the correct function gives over a failing function it
calls is counted as <code>upstream</code> of that function, whose own mistake is counted where it is made.</p>
<table id="faults"><tr><th>students</th><th>function</th><th>kind of fault</th><th>where</th></tr>{fault_rows}</table>
<h2>Hardest hidden cases</h2>
<table id="cases"><tr><th>function</th><th>case</th><th>pass rate</th></tr>{case_rows}</table>
<h2>Slowest submissions</h2>
<table id="slowest"><tr><th>student</th><th>seconds</th><th>status</th><th>score</th></tr>{slow_rows}</table>
</body></html>
"""


def _scores_from_json(layout):
    scores = []
    results = layout.results
    for name in sorted(os.listdir(results)) if os.path.isdir(results) else []:
        try:
            with open(os.path.join(results, name)) as handle:
                scores.append(json.load(handle)["row"]["score"])
        except (OSError, ValueError, KeyError):
            continue
    return scores


def _layout(out):
    return out if isinstance(out, Layout) else Layout(out)
