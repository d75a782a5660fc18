"""A class's round trip through an LMS (issue 22): the LMS's own download → grade → export → the LMS's own import
format, with no hand-written pattern. Every score must land on its own roster row, two students of one name
included. Canvas and Moodle, as an instructor runs them: the command line, from the repository root.
"""
import csv
import subprocess
import sys
import zipfile

import nbformat
import pytest

from autograder.isolation import sandbox
from autograder.testing import exercise_notebook, set_answer, solved_exercise
from conftest import REPO_ROOT

ASSIGNMENT = "a01_rnn_forward"
pytestmark = pytest.mark.skipif(bool(sandbox.missing_tools()), reason=f"needs {sandbox.INSTALL_HINT}")
ON_TIME, LATE = (2026, 3, 1, 23, 0, 0), (2026, 3, 2, 9, 30, 0)


def half_done():
    """sigmoid and tanh written, the rest not: a score strictly between 0 and full marks."""
    notebook = exercise_notebook(ASSIGNMENT)
    solved = solved_exercise(ASSIGNMENT)
    for cell_id in ("sigmoid", "tanh"):
        set_answer(notebook, cell_id, next(c.source for c in solved.cells
                                           if c.metadata.get("nbgrader", {}).get("grade_id") == cell_id))
    return notebook


WORK = {"full": solved_exercise(ASSIGNMENT), "half": half_done(), "none": exercise_notebook(ASSIGNMENT)}


def run(*args):
    result = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=600)
    return result


def grades(out):
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


# Canvas: (sortable name as Canvas writes it, user id, late, work). Two students are both called 김민수.
CANVAS_CLASS = [("김민수", 200104, False, "full"), ("김민수", 200120, False, "none"), ("leejiwoo", 200131, True, "half"),
                ("parkseoyeon", 200140, False, "full"), ("choiyuna", 200152, False, "half"),
                ("jungdoyun", 200163, True, "none"), ("kangharin", 200171, False, "full"),
                ("yoonseojun", 200188, False, "half"), ("janghayoon", 200190, False, "full"),
                ("limjiho", 200201, False, "none"), ("hanyerin", 200215, False, "full"),
                ("ohminjae", 200227, True, "half")]


@pytest.fixture(scope="module")
def canvas(tmp_path_factory):
    root = tmp_path_factory.mktemp("canvas")
    archive = root / "submissions.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for k, (name, user, late, work) in enumerate(CANVAS_CLASS):
            entry = f"{name}_{'LATE_' if late else ''}{user}_{9000 + 2 * k}_{ASSIGNMENT}.ipynb"
            zf.writestr(zipfile.ZipInfo(entry, date_time=LATE if late else ON_TIME), nbformat.writes(WORK[work]))
        # parkseoyeon uploaded twice: Canvas names the second file "-1" and gives it the larger file id.
        zf.writestr(zipfile.ZipInfo(f"parkseoyeon_200140_9007_{ASSIGNMENT}-1.ipynb", date_time=ON_TIME),
                    nbformat.writes(WORK["half"]))
    out = root / "out"
    graded = run("grade", ASSIGNMENT, str(archive), "--out", str(out), "--workers", "2")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    roster = root / "canvas_gradebook.csv"
    with open(roster, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "a01 (12345)", "Quiz 1 (999)"])
        writer.writerow(["    Points Possible", "", "", "", "", "10", "5"])
        for name, user, _, _ in CANVAS_CLASS:
            writer.writerow([name, str(user), f"2026{user}", f"{name}{user}@uni.example", "RNN 101", "", "4"])
        writer.writerow(["Student, Test", "99999", "", "", "RNN 101", "", ""])
    exported = run("export", ASSIGNMENT, "--grades", str(out / "grades.csv"), "--roster", str(roster),
                   "--column", "a01 (12345)")
    return root, graded, exported


def test_canvas_download_is_recognised_and_every_student_graded(canvas):
    root, graded, _ = canvas
    assert "read as a Canvas download" in graded.stdout, graded.stdout
    rows = grades(root / "out")
    assert sorted(rows) == sorted(str(user) for _, user, _, _ in CANVAS_CLASS)
    expected = {"full": 10.0, "none": 0.0}
    for name, user, late, work in CANVAS_CLASS:
        row = rows[str(user)]
        assert (row["status"], row["display_name"], row["late"]) == ("ok", name, "yes" if late else "no"), row
        assert row["submitted_at"] == ("2026-03-02T09:30:00" if late else "2026-03-01T23:00:00")
        if work in expected and user != 200140:
            assert float(row["score"]) == expected[work], row
    assert 0 < float(rows["200131"]["score"]) < 10


def test_two_students_of_one_name_are_two_rows(canvas):
    root, _, _ = canvas
    rows = grades(root / "out")
    assert (float(rows["200104"]["score"]), float(rows["200120"]["score"])) == (10.0, 0.0)
    assert "set aside" not in rows["200104"]["detail"] + rows["200120"]["detail"]


def test_a_re_upload_is_graded_and_the_earlier_file_named(canvas):
    root, _, _ = canvas
    row = grades(root / "out")["200140"]
    assert row["detail"] == (f"graded parkseoyeon_200140_9007_{ASSIGNMENT}-1.ipynb, the latest attempt; set aside "
                             f"the earlier parkseoyeon_200140_9006_{ASSIGNMENT}.ipynb")
    assert 0 < float(row["score"]) < 10


def test_canvas_export_puts_every_score_on_its_own_roster_row(canvas):
    root, _, exported = canvas
    assert exported.returncode == 0, exported.stdout + exported.stderr
    rows = grades(root / "out")
    with open(root / "out" / f"{ASSIGNMENT}_canvas.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "a01 (12345)"]
    assert table[1][0] == "Points Possible" and float(table[1][5]) == 10
    by_id = {row[1]: row for row in table[2:]}
    for name, user, _, _ in CANVAS_CLASS:
        assert by_id[str(user)][0] == name
        assert float(by_id[str(user)][5]) == pytest.approx(float(rows[str(user)]["score"]))
    assert by_id["99999"][5] == "", "a roster student with no submission keeps an empty cell"
    assert "on the roster but not graded (left empty): Student, Test (ID 99999)" in exported.stderr
    assert "graded but not on the roster" not in exported.stderr


def test_an_export_that_matches_no_one_fails_in_one_line(canvas):
    root, _, _ = canvas
    roster = root / "other_course.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\nSomeone,1,2,3,A\n", encoding="utf-8")
    result = run("export", ASSIGNMENT, "--grades", str(root / "out" / "grades.csv"), "--roster", str(roster),
                 "--out", str(root / "elsewhere"))
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"error: {roster}: none of the 12 graded students is on this roster (matched against its column 'ID'); "
        f"nothing was written into it"]
    assert not (root / "elsewhere" / f"{ASSIGNMENT}_canvas.csv").exists()


# Moodle: (full name, participant id, work); Moodle writes "_" in names as spaces, and names folders by both.
MOODLE_CLASS = [("Kim Minsu", 1001, "full"), ("Kim Minsu", 1002, "half"), ("Lee Jiwoo", 1003, "none"),
                ("Park Seo-yeon", 1004, "full")]
WORKSHEET_HEADER = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                    "Grade can be changed", "Last modified (submission)", "Last modified (grade)", "Feedback comments"]


@pytest.fixture(scope="module")
def moodle(tmp_path_factory):
    root = tmp_path_factory.mktemp("moodle")
    archive = root / "RNN-a01-12345.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, participant, work in MOODLE_CLASS:
            folder = f"{name}_{participant}_assignsubmission_file_"
            zf.writestr(zipfile.ZipInfo(f"{folder}/{ASSIGNMENT}.ipynb", date_time=ON_TIME),
                        nbformat.writes(WORK[work]))
    out = root / "out"
    graded = run("grade", ASSIGNMENT, str(archive), "--out", str(out), "--workers", "2")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    worksheet = root / "Grades-RNN-a01-12345.csv"
    with open(worksheet, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(WORKSHEET_HEADER)
        for name, participant, _ in MOODLE_CLASS + [("Choi Yuna", 1005, None)]:
            writer.writerow([f"Participant {participant}", name, f"p{participant}@uni.example", "Submitted for "
                             "grading", "", "10.00", "Yes", "Sunday, 1 March 2026, 11:00 PM", "-", ""])
    exported = run("export", ASSIGNMENT, "--grades", str(out / "grades.csv"), "--roster", str(worksheet))
    return root, graded, exported


def test_moodle_download_is_recognised_and_ids_are_participant_ids(moodle):
    root, graded, _ = moodle
    assert "read as a Moodle download" in graded.stdout, graded.stdout
    rows = grades(root / "out")
    assert sorted(rows) == ["1001", "1002", "1003", "1004"]
    assert [rows[str(p)]["display_name"] for _, p, _ in MOODLE_CLASS] == [n for n, _, _ in MOODLE_CLASS]
    assert all(row["late"] == "" and row["status"] == "ok" for row in rows.values())


def test_moodle_export_is_the_worksheet_with_grades_on_their_rows(moodle):
    root, _, exported = moodle
    assert exported.returncode == 0, exported.stdout + exported.stderr
    rows = grades(root / "out")
    with open(root / "out" / f"{ASSIGNMENT}_moodle.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert table[0] == WORKSHEET_HEADER
    by_identifier = {row[0]: row for row in table[1:]}
    for name, participant, _ in MOODLE_CLASS:
        row = by_identifier[f"Participant {participant}"]
        assert float(row[4]) == pytest.approx(float(rows[str(participant)]["score"]))
        assert row[1] == name and row[8] == "-", "every other cell as Moodle wrote it"
    assert float(by_identifier["Participant 1001"][4]) == 10 and 0 < float(by_identifier["Participant 1002"][4]) < 10
    assert by_identifier["Participant 1005"][4] == ""
    assert "on the roster but not graded (left empty): Choi Yuna (Participant 1005)" in exported.stderr
