"""LMS zips as hostile input: caps on what they unpack to, links, several attempts, ids as LMSs write them."""
import json
import os
import stat
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from autograder.course import EXERCISES_DIR, CourseError
from autograder.grading.submissions import is_lms_folder, unpack_download
from autograder.isolation.safe_files import unsafe_name

ASSIGNMENT = "a01_rnn_forward"
MiB = 1024 ** 2
NOTEBOOK = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def make_zip(path, entries):
    """entries: (name, text or number of MiB of zeros, date_time)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content, when in entries:
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w") as handle:
                if isinstance(content, int):
                    for _ in range(content):
                        handle.write(bytes(MiB))
                else:
                    handle.write(content.encode())
    return str(path)


DAY = (2026, 3, 1, 12, 0, 0)


def test_a_zip_bomb_is_refused_in_bounded_memory(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [("s001_a01_rnn_forward.ipynb", 256, DAY),
                                            ("s002_a01_rnn_forward.ipynb", NOTEBOOK, DAY)])
    assert os.path.getsize(archive) < 1 * MiB
    tracemalloc.start()
    unpacked = unpack_download(archive, str(tmp_path / "out"), ASSIGNMENT, max_notebook_bytes=4 * MiB)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 16 * MiB, f"unpacking held {peak / MiB:.0f} MiB at once"
    assert "per-notebook cap" in unpacked.refused["s001"]
    assert not (tmp_path / "out" / "s001" / f"{ASSIGNMENT}.ipynb").exists()
    assert (tmp_path / "out" / "s002" / f"{ASSIGNMENT}.ipynb").read_text() == NOTEBOOK


def test_the_archive_total_cap_refuses_what_comes_after_it(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [(f"s00{i}_a01_rnn_forward.ipynb", 3, DAY) for i in range(1, 5)])
    unpacked = unpack_download(archive, str(tmp_path / "out"), ASSIGNMENT, max_notebook_bytes=4 * MiB,
                              max_archive_bytes=7 * MiB)
    assert sorted(unpacked.refused) == ["s003", "s004"]
    assert all("--max-archive-mb" in detail for detail in unpacked.refused.values())


def test_the_latest_attempt_wins_by_time_then_by_number(tmp_path):
    earlier, later = (2026, 3, 1, 9, 0, 0), (2026, 3, 2, 9, 0, 0)
    archive = make_zip(tmp_path / "a.zip", [
        ("s001_a01_rnn_forward.ipynb", '"old"', later), ("s001_a01_rnn_forward (1).ipynb", '"new"', later),
        ("s002_a01_rnn_forward-2.ipynb", '"new"', earlier), ("s002_a01_rnn_forward.ipynb", '"newest"', later),
        ("s003_a01_rnn_forward_attempt_10.ipynb", '"new"', DAY), ("s003_a01_rnn_forward_attempt_9.ipynb", '"old"', DAY),
    ])
    unpacked = unpack_download(archive, str(tmp_path / "out"), ASSIGNMENT)
    graded = {s: (tmp_path / "out" / s / f"{ASSIGNMENT}.ipynb").read_text() for s in ("s001", "s002", "s003")}
    assert graded == {"s001": '"new"', "s002": '"newest"', "s003": '"new"'}
    assert unpacked.notes["s001"] == ("graded s001_a01_rnn_forward (1).ipynb, the latest attempt; "
                                      "set aside the earlier s001_a01_rnn_forward.ipynb")
    assert os.listdir(tmp_path / "out" / "s001") == [f"{ASSIGNMENT}.ipynb"]


def test_links_are_never_unpacked(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        link = zipfile.ZipInfo("s001_a01_rnn_forward.ipynb", date_time=DAY)
        link.create_system, link.external_attr = 3, (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/shadow")
    unpacked = unpack_download(str(archive), str(tmp_path / "out"), ASSIGNMENT)
    assert "symbolic link" in unpacked.refused["s001"]
    assert not (tmp_path / "out" / "s001" / f"{ASSIGNMENT}.ipynb").exists()


@pytest.mark.parametrize("name, student", [
    ("김민준/a01_rnn_forward.ipynb", "김민준"),
    ("김민준_a01_rnn_forward.ipynb", "김민준"),
    ("Kim Minjun_12345/a01.ipynb", "Kim Minjun_12345"),
    ("minjun.kim@uni.example/a01_rnn_forward.ipynb", "minjun.kim@uni.example"),
    ("s001/a01_rnn_forward.ipynb", "s001"),
    ("download/s001/a01_rnn_forward.ipynb", "s001"),
    ("..\\..\\s001_a01_rnn_forward.ipynb", "s001"),
])
def test_ids_as_lms_exports_write_them(tmp_path, name, student):
    archive = make_zip(tmp_path / "a.zip", [(name, NOTEBOOK, DAY)])
    unpack_download(archive, str(tmp_path / "out"), ASSIGNMENT)
    assert os.listdir(tmp_path / "out") == [student]


@pytest.mark.parametrize("name", ["", " ", ".", "..", "a/b", "new\nline", "tab\there", "bell\x07"])
def test_only_names_unsafe_as_one_folder_are_refused(name):
    assert unsafe_name(name)


@pytest.mark.parametrize("name", ["김민준", "Kim Minjun", "minjun.kim@uni.example", "s-001_x", "Zoë", "..hidden"])
def test_unicode_ids_are_safe(name):
    assert unsafe_name(name) is None


# Issue 22: LMS downloads as the LMS names them, recognised without a pattern, never merging two students.
CANVAS_DAY, LATER = (2026, 3, 1, 12, 0, 0), (2026, 3, 2, 12, 0, 0)


def notebook_with(answer):
    """A notebook shaped like the release, with one answer cell that says `answer`."""
    release = json.loads((Path(EXERCISES_DIR) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    cell = next(c for c in release["cells"] if c["metadata"].get("nbgrader", {}).get("solution"))
    cell["source"] = answer
    return json.dumps(release)


UNTOUCHED = (Path(EXERCISES_DIR) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
UNTOUCHED_KO = (Path(EXERCISES_DIR) / ASSIGNMENT / f"{ASSIGNMENT}.ko.ipynb").read_text()


def graded_text(root, student):
    return (root / student / f"{ASSIGNMENT}.ipynb").read_text()


def test_canvas_ids_are_user_ids_so_two_students_of_one_name_stay_two(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [
        ("김민수_200104_5001_a01_rnn_forward.ipynb", notebook_with("first"), CANVAS_DAY),
        ("김민수_200120_5002_a01_rnn_forward.ipynb", notebook_with("second"), CANVAS_DAY),
        ("leejiwoo_LATE_200131_5003_a01_rnn_forward.ipynb", notebook_with("late"), LATER),
        ("parkseoyeon_late_200140_5010_a01_rnn_forward.ipynb", notebook_with("old"), LATER),
        ("parkseoyeon_late_200140_5011_a01_rnn_forward-1.ipynb", notebook_with("re-upload"), LATER),
        ("200150_5020_a01_rnn_forward.ipynb", notebook_with("anonymous"), CANVAS_DAY),
        ("choiyuna_200160_5030_text.html", "<p>an online text entry</p>", CANVAS_DAY),
    ])
    unpacked = unpack_download(archive, str(tmp_path / "out"), ASSIGNMENT)
    assert unpacked.layout == "Canvas"
    assert sorted(os.listdir(tmp_path / "out")) == ["200104", "200120", "200131", "200140", "200150", "200160"]
    assert '"first"' in graded_text(tmp_path / "out", "200104") and '"second"' in graded_text(tmp_path / "out", "200120")
    students = unpacked.students
    assert (students["200104"].display_name, students["200120"].display_name) == ("김민수", "김민수")
    assert (students["200104"].late, students["200131"].late, students["200140"].late) == (False, True, True)
    assert students["200131"].submitted_at == "2026-03-02T12:00:00"
    assert students["200150"].display_name == ""
    # Canvas numbers its files in upload order: the re-upload (file 5011) is the later one.
    assert '"re-upload"' in graded_text(tmp_path / "out", "200140")
    assert unpacked.notes["200140"] == ("graded parkseoyeon_late_200140_5011_a01_rnn_forward-1.ipynb, the latest "
                                        "attempt; set aside the earlier parkseoyeon_late_200140_5010_a01_rnn_forward"
                                        ".ipynb")
    assert unpacked.skipped == ["choiyuna_200160_5030_text.html"]
    # choiyuna handed in an online text, no notebook: she still gets a row (missing notebook), saying what it was.
    assert os.listdir(tmp_path / "out" / "200160") == []
    assert unpacked.notes["200160"] == "handed in no notebook, only choiyuna_200160_5030_text.html"
    assert unpacked.students["200160"].display_name == "choiyuna"


@pytest.mark.parametrize("folders", [True, False])
def test_moodle_ids_are_participant_ids(tmp_path, folders):
    def name(person, pid, file):
        return f"{person}_{pid}_assignsubmission_file_" + (f"/{file}" if folders else file)
    archive = make_zip(tmp_path / "a.zip", [
        (name("Kim Minsu", 1001, f"{ASSIGNMENT}.ipynb"), notebook_with("first"), CANVAS_DAY),
        (name("Kim Minsu", 1002, "my work.ipynb"), notebook_with("second"), CANVAS_DAY),
        (name("Lee Jiwoo", 1003, "notes.pdf"), "%PDF", CANVAS_DAY),
        ("Lee Jiwoo_1003_assignsubmission_onlinetext_/onlinetext.html", "<p>hi</p>", CANVAS_DAY),
    ])
    unpacked = unpack_download(archive, str(tmp_path / "out"), ASSIGNMENT)
    assert unpacked.layout == "Moodle"
    assert sorted(os.listdir(tmp_path / "out")) == ["1001", "1002", "1003"]
    assert unpacked.notes["1003"].startswith("handed in no notebook, only Lee Jiwoo_1003_assignsubmission_file_")
    assert unpacked.students["1002"].display_name == "Kim Minsu"
    assert unpacked.students["1002"].late is None
    assert '"second"' in graded_text(tmp_path / "out", "1002")


def test_blackboard_ids_are_user_names_and_attempt_times_order_them(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [
        ("RNN_forward_kim01_attempt_2026-03-01-09-00-00_a01_rnn_forward.ipynb", notebook_with("first"), LATER),
        ("RNN_forward_kim01_attempt_2026-03-02-09-00-00_a01_rnn_forward.ipynb", notebook_with("second"), CANVAS_DAY),
        ("RNN_forward_kim01_attempt_2026-03-02-09-00-00.txt", "Name: Kim Minsu (kim01)", CANVAS_DAY),
        ("RNN_forward_lee02_attempt_2026-03-01-10-00-00_homework.ipynb", notebook_with("lee"), CANVAS_DAY),
    ])
    unpacked = unpack_download(archive, str(tmp_path / "out"), ASSIGNMENT)
    assert unpacked.layout == "Blackboard"
    assert sorted(os.listdir(tmp_path / "out")) == ["kim01", "lee02"]
    assert '"second"' in graded_text(tmp_path / "out", "kim01"), "the later attempt by Blackboard's own time"
    assert unpacked.students["kim01"].submitted_at == "2026-03-02T09:00:00"


def test_a_pattern_that_merges_two_lms_ids_stops_before_anything_is_graded(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [
        ("김민수_200104_5001_a01_rnn_forward.ipynb", NOTEBOOK, CANVAS_DAY),
        ("김민수_200120_5002_a01_rnn_forward.ipynb", NOTEBOOK, CANVAS_DAY),
    ])
    with pytest.raises(CourseError, match=r"'김민수' would merge 2 different students.*200104.*200120"):
        unpack_download(archive, str(tmp_path / "out"), ASSIGNMENT, id_pattern=r"^(?P<student_id>[^_]+)_")
    assert not (tmp_path / "out").exists()


def test_two_attempts_nothing_orders_stop_the_run_naming_both(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [
        (f"Kim Minsu_1001_assignsubmission_file_/{ASSIGNMENT}.ipynb", notebook_with("one"), CANVAS_DAY),
        (f"Kim Minsu_1001_assignsubmission_file_/{ASSIGNMENT}.ko.ipynb", notebook_with("two"), CANVAS_DAY),
    ])
    with pytest.raises(CourseError, match=rf"'1001' handed in .*{ASSIGNMENT}.*and .*nothing tells which"):
        unpack_download(archive, str(tmp_path / "out"), ASSIGNMENT)


def test_a_download_an_lms_reads_only_in_part_is_not_guessed(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [
        ("kimminsu_200104_5001_a01_rnn_forward.ipynb", NOTEBOOK, CANVAS_DAY),
        ("kimminsu_a01_rnn_forward.ipynb", NOTEBOOK, CANVAS_DAY),
    ])
    with pytest.raises(CourseError, match="1 of 2 notebooks are named as a Canvas download.*--id-pattern"):
        unpack_download(archive, str(tmp_path / "out"), ASSIGNMENT)


@pytest.mark.parametrize("untouched", [UNTOUCHED, UNTOUCHED_KO])
def test_an_untouched_release_never_wins_over_the_students_work(tmp_path, untouched):
    archive = make_zip(tmp_path / "a.zip", [
        (f"kimminsu_200104_5001_{ASSIGNMENT}.ipynb", notebook_with("my answer"), CANVAS_DAY),
        (f"kimminsu_200104_5002_{ASSIGNMENT}.ko.ipynb", untouched, LATER),
    ])
    unpacked = unpack_download(archive, str(tmp_path / "out"), ASSIGNMENT)
    assert '"my answer"' in graded_text(tmp_path / "out", "200104")
    assert unpacked.notes["200104"] == (f"graded kimminsu_200104_5001_{ASSIGNMENT}.ipynb, the latest attempt with "
                                        f"an answer written; set aside kimminsu_200104_5002_{ASSIGNMENT}.ko.ipynb "
                                        f"(the release, no answer changed)")


def test_an_unpacked_download_folder_is_read_like_its_zip(tmp_path):
    download = tmp_path / "download"
    download.mkdir()
    (download / "김민수_200104_5001_a01_rnn_forward.ipynb").write_text(notebook_with("first"))
    (download / "김민수_200120_5002_a01_rnn_forward.ipynb").write_text(notebook_with("second"))
    os.symlink("/etc/shadow", download / "leejiwoo_200131_5003_a01_rnn_forward.ipynb")
    assert is_lms_folder(str(download))
    unpacked = unpack_download(str(download), str(tmp_path / "out"), ASSIGNMENT)
    assert unpacked.layout == "Canvas" and sorted(os.listdir(tmp_path / "out")) == ["200104", "200120"]
    assert "symbolic link" in unpacked.refused["200131"]
    plain = tmp_path / "plain"
    (plain / "s001").mkdir(parents=True)
    assert not is_lms_folder(str(plain))
