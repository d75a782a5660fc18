"""What must never reach the student edition, and a search of a folder for all of it (tests/test_student_edition.py
on an edition built without its site; tests/site/test_student_site.py on the whole of `make student`).

Searched in every file, in zip archives and gzip files too, in the text of HTML pages without their markup and in
the base64 blobs of JSON and notebooks:

  * a line of a solution cell, of a hidden-test block, of autograder/reference/, of autograder/hidden/ (its
    cases and the known mistakes' catalogues) that the book, its companion modules, the released notebooks and
    the check package's own code (the grader's judge and sandbox, published on purpose) do not already show; a
    line counts from MIN_LINE characters (shorter ones, `return x`, say nothing);
  * a graded case's expected output: every distinctive array of the reference's observation of every hidden case,
    as text to 6 significant digits (four consecutive values, judge/evidence.py) and as raw bytes;
  * the key the practice seeds are made from (without it no graded seed can be told from a practice one) and
    the names of the instructors' modules that hold graded seeds and answers;
  * an nbgrader solution or hidden-test marker;
  * solutions/ or autograder/hidden/ or autograder/reference/ under any name: a path with those folders, or a
    file whose bytes are one of theirs.
"""
from __future__ import annotations

import gzip
import hashlib
import html
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache

import nbformat
import numpy as np

from autograder import hidden
from autograder.course import EXERCISES_DIR, REPO_ROOT, SOLUTIONS_DIR, list_assignments
from autograder.edition import GRADER_DIR, LAYERS
from autograder.isolation.sandbox import SHIM_DIR
from autograder.judge.evidence import WINDOW, base64_blobs, byte_signatures, signatures, text_signatures

MIN_LINE = 24
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN MARK SCHEME",
           "END MARK SCHEME")
SECRET_FOLDERS = ("solutions", os.path.join("autograder", "hidden"), os.path.join("autograder", "reference"))
# A value printed from a float array: with a decimal point or an exponent (integers, ids and counts, are never
# distinctive; digits inside base64 and markup would only slow the search).
NUMBER = re.compile(r"[-+]?(?:(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)")
TAG = re.compile(r"<[^>]*>")


def _lines(text: str) -> set[str]:
    return {" ".join(line.split()) for line in text.splitlines() if len(line.strip()) >= MIN_LINE}


def _py_files(folder):
    for directory, folders, names in os.walk(folder):
        folders[:] = [f for f in folders if f != "__pycache__"]
        for name in names:
            if name.endswith(".py"):
                yield os.path.join(directory, name)


def _read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


@lru_cache(maxsize=None)
def public_lines() -> frozenset[str]:
    """What students see anyway: the book's chapters and companions, the released notebooks, the check package's
    layers."""
    found = set()
    book = os.path.join(REPO_ROOT, "book")
    for name in os.listdir(book):
        if name.endswith((".md", ".py")):
            found |= _lines(_read(os.path.join(book, name)))
    for directory, _, names in os.walk(EXERCISES_DIR):
        for name in names:
            if name.endswith(".ipynb"):
                notebook = nbformat.read(os.path.join(directory, name), as_version=4)
                found |= {line for cell in notebook.cells for line in _lines(cell.source)}
    for layer in LAYERS:
        path = os.path.join(GRADER_DIR, layer)
        for source in ([path] if path.endswith(".py") else _py_files(path)):
            found |= _lines(_read(source))
    return frozenset(found)


@lru_cache(maxsize=None)
def secret_lines() -> dict[str, str]:
    """{line: where it comes from} of every answer's line that no public source shows."""
    found = {}
    for assignment in list_assignments():
        path = os.path.join(SOLUTIONS_DIR, assignment, assignment + ".ipynb")
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.metadata.get("nbgrader", {}).get("solution") or "BEGIN HIDDEN TESTS" in cell.source:
                for line in _lines(cell.source):
                    found.setdefault(line, os.path.relpath(path, REPO_ROOT))
    for folder in ("reference", "hidden"):
        for path in _py_files(os.path.join(GRADER_DIR, folder)):
            for line in _lines(_read(path)):
                found.setdefault(line, os.path.relpath(path, REPO_ROOT))
    public = public_lines()
    return {line: origin for line, origin in found.items() if line not in public}


@lru_cache(maxsize=None)
def graded_outputs() -> tuple[dict, dict]:
    """({text signature: graded case}, {raw bytes of a window: graded case}) of every hidden case's expected
    observation."""
    texts, raw = {}, {}
    for assignment in list_assignments():
        for function, table in hidden.expected(assignment).items():
            for case, observation in zip(table.cases, table.observations):
                where = f"{assignment}: {function} [{case.name}]"
                for signature in signatures(observation):
                    texts.setdefault(signature, where)
                for window in byte_signatures(observation):
                    raw.setdefault(window, where)
    return texts, raw


@lru_cache(maxsize=None)
def secret_files() -> dict[str, str]:
    """{sha256: path} of every file in the secret folders."""
    found = {}
    for folder in SECRET_FOLDERS:
        for directory, folders, names in os.walk(os.path.join(REPO_ROOT, folder)):
            folders[:] = [f for f in folders if f != "__pycache__"]
            for name in names:
                path = os.path.join(directory, name)
                with open(path, "rb") as handle:
                    found[hashlib.sha256(handle.read()).hexdigest()] = os.path.relpath(path, REPO_ROOT)
    return found


SHIM_FILES = {os.path.relpath(path, SHIM_DIR): path for path in _py_files(SHIM_DIR)}


def _allowed_path(relative: str, data: bytes) -> bool:
    """The kernel shim's own `autograder/hidden/__init__.py` (the kernel-side module, no case in it) may be named
    so: the sandbox's kernel imports it under that name."""
    for name, path in SHIM_FILES.items():
        if relative.endswith(os.path.join("kernel_shim", name)):
            with open(path, "rb") as handle:
                return handle.read() == data
    return False


@dataclass
class Findings:
    leaks: list[str] = field(default_factory=list)
    files: int = 0
    bytes: int = 0

    def add(self, name: str, what: str) -> None:
        self.leaks.append(f"{name}: {what}")


def files_in(folder: str):
    """(path relative to `folder`, bytes) of every file, and of every member of its zip and gzip files."""
    for directory, folders, names in os.walk(folder):
        folders.sort()
        for name in sorted(names):
            path = os.path.join(directory, name)
            if os.path.islink(path):
                yield os.path.relpath(path, folder), f"-> {os.readlink(path)}".encode()
                continue
            with open(path, "rb") as handle:
                data = handle.read()
            yield from _unpacked(os.path.relpath(path, folder), data)


def _unpacked(name, data, depth=0):
    yield name, data
    if depth > 3:
        return
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    yield from _unpacked(f"{name}!{member}", archive.read(member), depth + 1)
        except zipfile.BadZipFile:
            pass
    elif data[:2] == b"\x1f\x8b":
        try:
            yield from _unpacked(f"{name}!gunzip", gzip.decompress(data), depth + 1)
        except (OSError, EOFError):
            pass


def _texts(name: str, data: bytes) -> str:
    text = data.decode("utf-8", errors="replace")
    if name.endswith((".html", ".htm")):
        text = html.unescape(TAG.sub("", text))
    elif name.endswith(".ipynb"):
        try:
            notebook = json.loads(text)
            parts = [("".join(c.get("source", "")) if isinstance(c.get("source"), list) else c.get("source", ""))
                     for c in notebook.get("cells", [])]
            text = "\n".join([text, *parts])
        except (ValueError, AttributeError):
            pass
    return text


def _numbers_windows(text: str):
    values = []
    for match in NUMBER.finditer(text):
        try:
            values.append(float(match.group(0)))
        except ValueError:
            continue
    return text_signatures(np.array(values)) if len(values) >= WINDOW else set()


UNSIGNED = {4: np.uint32, 8: np.uint64}  # windows of float32 and float64 (and int32, int64) values


@lru_cache(maxsize=None)
def raw_index() -> dict:
    """{value width: (the sorted first values of the graded windows, as unsigned ints; {first value: [(window,
    graded case)]})}: what _raw_hits looks a blob's values up in."""
    index = {}
    for window, where in graded_outputs()[1].items():
        width = len(window) // WINDOW
        if width in UNSIGNED:
            first = int(np.frombuffer(window[:width], dtype=UNSIGNED[width])[0])
            index.setdefault(width, {}).setdefault(first, []).append((window, where))
    return {width: (np.array(sorted(firsts), dtype=UNSIGNED[width]), firsts) for width, firsts in index.items()}


def _raw_hits(blob: bytes) -> set[str]:
    """Graded windows whose bytes lie anywhere in `blob`, at any alignment."""
    hits = set()
    for width, (keys, firsts) in raw_index().items():
        for offset in range(width):
            count = (len(blob) - offset) // width
            if count < WINDOW:
                continue
            values = np.frombuffer(blob, dtype=UNSIGNED[width], offset=offset, count=count)
            places = np.searchsorted(keys, values).clip(max=len(keys) - 1)
            for index in np.flatnonzero(keys[places] == values):
                start = offset + int(index) * width
                for window, where in firsts[int(values[index])]:
                    if blob[start:start + len(window)] == window:
                        hits.add(where)
    return hits


def search(folder: str) -> Findings:
    """Every leak in `folder`, each naming its file."""
    findings = Findings()
    secrets, (texts, _), files = secret_lines(), graded_outputs(), secret_files()
    key = hidden.PRACTICE_KEY.encode()
    for name, data in files_in(folder):
        findings.files += 1
        findings.bytes += len(data)
        parts = name.replace("!", os.sep).split(os.sep)
        if any(part == "solutions" for part in parts) or any(
                os.sep.join(parts[i:i + 2]) in SECRET_FOLDERS for i in range(len(parts))):
            if not _allowed_path(name, data):
                findings.add(name, "a path of solutions/ or autograder/hidden|reference/")
        if hashlib.sha256(data).hexdigest() in files:
            findings.add(name, f"the file {files[hashlib.sha256(data).hexdigest()]}")
        if key in data:
            findings.add(name, "the practice seeds' key (autograder/hidden/__init__.py, PRACTICE_KEY)")
        for module in (b"autograder.reference", b"autograder/reference", b"_mistakes.py"):
            if module in data:
                findings.add(name, f"names {module.decode()}")
        text = _texts(name, data)
        for marker in MARKERS:
            if f"### {marker}" in text:
                findings.add(name, f"the nbgrader marker ### {marker}")
        for line in _lines(text) & secrets.keys():
            findings.add(name, f"a line of {secrets[line]}: {line[:100]}")
        for signature in _numbers_windows(text) & texts.keys():
            findings.add(name, f"an expected output of {texts[signature]} as text ({', '.join(signature)})")
        # The file's bytes and its base64 blobs decoded, searched at once: eight zero bytes between them (0.0,
        # round, is in no window) keep a match from spanning two.
        blobs = [data, *(base64_blobs(text) if name.endswith((".json", ".ipynb", ".html", ".js", ".txt", ".md",
                                                                 "!gunzip")) else [])]
        for where in _raw_hits(bytes(8).join(blobs)):
            findings.add(name, f"an expected output of {where} as raw bytes")
    return findings
