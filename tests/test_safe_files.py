"""Reading a submission folder as plain files: no link followed, no special file opened, no cap passed."""
import os

import pytest

from autograder.isolation.safe_files import Refused, copy_tree, read_regular, tree_hash


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "student"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.ipynb").write_text("{}")
    (folder / "sub" / "data.txt").write_text("data")
    (folder / "big.bin").write_bytes(bytes(3000))
    (tmp_path / "secret").write_text("the solutions")
    os.symlink(tmp_path / "secret", folder / "link.txt")
    os.symlink(tmp_path, folder / "linked_folder")
    os.mkfifo(folder / "pipe")
    return folder


def test_copy_tree_copies_regular_files_and_names_the_rest(folder, tmp_path):
    left_out = copy_tree(str(folder), str(tmp_path / "copy"), max_file_bytes=2000, max_total_bytes=10_000)
    copied = sorted(os.path.relpath(os.path.join(d, f), tmp_path / "copy")
                    for d, _, names in os.walk(tmp_path / "copy") for f in names)
    assert copied == ["a.ipynb", "sub/data.txt"]
    assert left_out == ["big.bin (big.bin is larger than 0.00190735 MiB)", "link.txt (a symbolic link)",
                        "linked_folder (a symbolic link)", "pipe (a fifo)"]


def test_copy_tree_stops_at_the_total_and_the_file_count(folder, tmp_path):
    by_size = copy_tree(str(folder), str(tmp_path / "a"), max_file_bytes=4000, max_total_bytes=3001)
    assert by_size[0] == "big.bin (past the 0.00286198 MiB a submission may hold)"
    by_count = copy_tree(str(folder), str(tmp_path / "b"), max_file_bytes=4000, max_total_bytes=10_000,
                         max_files=1)
    assert by_count[0] == "big.bin (past the 1 files a submission may hold)"
    assert "sub/data.txt (past the 1 files a submission may hold)" in by_count


@pytest.mark.parametrize("name, reason", [("link.txt", "symbolic link"), ("pipe", "fifo"),
                                          ("big.bin", "larger than"), ("sub", "folder")])
def test_read_regular_refuses(folder, name, reason):
    with pytest.raises(Refused, match=reason):
        read_regular(str(folder / name), 2000)


def test_tree_hash_reads_no_link_and_never_blocks_on_a_fifo(folder, tmp_path):
    before = tree_hash(str(folder))
    (tmp_path / "secret").write_text("changed behind the link")
    assert tree_hash(str(folder)) == before
    (folder / "sub" / "data.txt").write_text("changed")
    assert tree_hash(str(folder)) != before
