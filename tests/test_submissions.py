"""LMS zips as hostile input: caps on what they unpack to, links, several attempts, ids as LMSs write them."""
import os
import stat
import tracemalloc
import zipfile

import pytest

from autograder.grading.submissions import unpack_lms_zip
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
    unpacked = unpack_lms_zip(archive, str(tmp_path / "out"), ASSIGNMENT, max_notebook_bytes=4 * MiB)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 16 * MiB, f"unpacking held {peak / MiB:.0f} MiB at once"
    assert "per-notebook cap" in unpacked.refused["s001"]
    assert not (tmp_path / "out" / "s001" / f"{ASSIGNMENT}.ipynb").exists()
    assert (tmp_path / "out" / "s002" / f"{ASSIGNMENT}.ipynb").read_text() == NOTEBOOK


def test_the_archive_total_cap_refuses_what_comes_after_it(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [(f"s00{i}_a01_rnn_forward.ipynb", 3, DAY) for i in range(1, 5)])
    unpacked = unpack_lms_zip(archive, str(tmp_path / "out"), ASSIGNMENT, max_notebook_bytes=4 * MiB,
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
    unpacked = unpack_lms_zip(archive, str(tmp_path / "out"), ASSIGNMENT)
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
    unpacked = unpack_lms_zip(str(archive), str(tmp_path / "out"), ASSIGNMENT)
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
    unpack_lms_zip(archive, str(tmp_path / "out"), ASSIGNMENT)
    assert os.listdir(tmp_path / "out") == [student]


@pytest.mark.parametrize("name", ["", " ", ".", "..", "a/b", "new\nline", "tab\there", "bell\x07"])
def test_only_names_unsafe_as_one_folder_are_refused(name):
    assert unsafe_name(name)


@pytest.mark.parametrize("name", ["김민준", "Kim Minjun", "minjun.kim@uni.example", "s-001_x", "Zoë", "..hidden"])
def test_unicode_ids_are_safe(name):
    assert unsafe_name(name) is None
