"""Reading what a student handed in as plain files, and nothing else.

A submission folder may hold symbolic links (to the solutions, to /etc/shadow), fifos that block a reader
forever, device files, or files far larger than any notebook. Everything here opens with O_NOFOLLOW and
O_NONBLOCK and checks fstat before reading, so a link is never followed, a special file is never read, and no
read goes past its cap. What is left out is named, for the student's detail line.
"""
from __future__ import annotations

import hashlib
import os
import stat
import unicodedata

from .sandbox import MiB  # defined there: the sandbox's launcher runs sandbox.py as a script, importing nothing of ours

CHUNK = 1 * MiB
MAX_NOTEBOOK_BYTES = 64 * MiB  # the largest notebook graded or checked: a01-a05 solved are under 0.1 MiB, with plots ~2
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class Refused(Exception):
    """A file or folder that is not read: its message says why, in words a student understands."""

    def __init__(self, message, too_large=False):
        super().__init__(message)
        self.too_large = too_large


def open_regular(path: str, what: str | None = None) -> int:
    """A file descriptor for `path` if it is a regular file, never following a link; else Refused."""
    what = what or os.path.basename(path)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        if os.path.islink(path):
            raise Refused(f"{what} is a symbolic link; only regular files are read") from None
        raise Refused(f"{what} cannot be read ({error.strerror})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise Refused(f"{what} is a {_kind(mode)}, not a regular file")
    return fd


def read_regular(path: str, max_bytes: int, what: str | None = None) -> bytes:
    """The bytes of a regular file of at most `max_bytes`; Refused for a link, a special file or a larger file."""
    what = what or os.path.basename(path)
    fd = open_regular(path, what)
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise Refused(f"{what} is larger than {_mib(max_bytes)} MiB", too_large=True)
    return data


def copy_tree(source: str, destination: str, max_file_bytes: int, max_total_bytes: int,
              max_files: int = 200) -> list[str]:
    """Copy the regular files and folders under `source`; return what was left out, one phrase each.

    Links (to files or folders), fifos, sockets and devices are never opened. A file over `max_file_bytes`,
    or one that would take the copy past `max_total_bytes` or `max_files`, is left out too.
    """
    left_out = []
    budget = {"bytes": max_total_bytes, "files": max_files, "max_bytes": max_total_bytes, "max_files": max_files}
    os.makedirs(destination, exist_ok=True)
    _copy_folder(source, destination, "", max_file_bytes, budget, left_out)
    return left_out


def _copy_folder(source, destination, prefix, max_file_bytes, budget, left_out):
    try:
        entries = sorted(os.scandir(source), key=lambda entry: entry.name)
    except OSError as error:
        left_out.append(f"{prefix or '.'} (cannot be listed: {error.strerror})")
        return
    for entry in entries:
        name = prefix + entry.name
        if entry.is_symlink():
            left_out.append(f"{name} (a symbolic link)")
        elif entry.is_dir(follow_symlinks=False):
            os.makedirs(os.path.join(destination, entry.name), exist_ok=True)
            _copy_folder(entry.path, os.path.join(destination, entry.name), name + "/", max_file_bytes, budget,
                         left_out)
        elif not entry.is_file(follow_symlinks=False):
            left_out.append(f"{name} (a {_kind(entry.stat(follow_symlinks=False).st_mode)})")
        elif budget["files"] <= 0:
            left_out.append(f"{name} (past the {budget['max_files']} files a submission may hold)")
        else:
            limit = min(max_file_bytes, budget["bytes"])
            try:
                data = read_regular(entry.path, limit, name)
            except Refused as refused:
                past_total = refused.too_large and limit < max_file_bytes
                left_out.append(f"{name} (past the {_mib(budget['max_bytes'])} MiB a submission may hold)"
                                if past_total else f"{name} ({refused})")
                continue
            with open(os.path.join(destination, entry.name), "wb") as handle:
                handle.write(data)
            budget["bytes"] -= len(data)
            budget["files"] -= 1


def tree_hash(folder: str) -> str:
    """A fingerprint of the regular files under `folder` (names and contents), never following a link."""
    digest = hashlib.sha256()
    for directory, folders, files in os.walk(folder):  # os.walk does not descend into linked folders
        folders.sort()
        for name in sorted(files):
            path = os.path.join(directory, name)
            digest.update(os.path.relpath(path, folder).encode("utf-8", "surrogateescape") + b"\0")
            try:
                fd = open_regular(path)
            except Refused as refused:
                digest.update(str(refused).encode("utf-8", "surrogateescape"))
                continue
            with os.fdopen(fd, "rb") as handle:
                for chunk in iter(lambda: handle.read(CHUNK), b""):
                    digest.update(chunk)
    return digest.hexdigest()[:16]


def unsafe_name(name: str) -> str:
    """Why `name` cannot be a student's folder name, or None when it can.

    LMS exports use names as they are: Korean names, spaces, e-mail addresses. Only what cannot be one
    folder name safely is refused: nothing, `.` or `..`, a slash, or control characters (a newline, say).
    """
    if not name.strip():
        return "the student id is empty"
    if name in (".", ".."):
        return f"the student id {name!r} names a folder's parent or itself"
    if "/" in name or "\\" in name:
        return f"the student id {name!r} contains a slash"
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") for char in name):
        return f"the student id {name!r} contains a control or unassigned character"
    if len(name.encode("utf-8", "surrogateescape")) > 200:
        return "the student id is longer than 200 bytes"
    return None


def _kind(mode):
    for test, kind in ((stat.S_ISDIR, "folder"), (stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
                       (stat.S_ISLNK, "symbolic link")):
        if test(mode):
            return kind
    return "special file"


def _mib(size):
    return f"{size / MiB:g}"
