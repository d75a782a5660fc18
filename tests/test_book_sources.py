"""Static checks of the chapters' sources: cheap, so they run in `make test` (the build runs in `make book`)."""
import ast
import os
import re
import sys

import jupytext
import pytest
import yaml

from conftest import REPO_ROOT

with open(os.path.join(REPO_ROOT, "_toc.yml")) as handle:
    TOC = yaml.safe_load(handle)


def _entries(items):
    for item in items:
        yield item["file"]
        yield from _entries(item.get("sections", []))


FILES = [TOC["root"]] + [f for part in TOC["parts"] for f in _entries(part["chapters"])]
CHAPTERS = [f for f in FILES if re.match(r"book/\d\d_", f)]  # with their appendix pages
# A downloaded chapter must run on its own; only the music chapters need their module and data beside them.
STANDALONE_MODULES = {"numpy", "matplotlib", "torch", "IPython"} | set(sys.stdlib_module_names)
NEEDS_COMPANION_FILES = {"book/07_polyphonic_music", "book/08_folk_tunes"}


def test_every_toc_entry_exists():
    for entry in FILES:
        assert any(os.path.isfile(os.path.join(REPO_ROOT, entry + suffix)) for suffix in (".md", ".ipynb")), entry


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_imports_only_what_a_standalone_download_has(chapter):
    notebook = jupytext.read(os.path.join(REPO_ROOT, chapter + ".md"))
    imported = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert "autograder" not in imported, f"{chapter} imports the reference package: the book implements in the open"
    if chapter not in NEEDS_COMPANION_FILES:
        assert imported <= STANDALONE_MODULES, f"{chapter} imports {sorted(imported - STANDALONE_MODULES)}"


@pytest.mark.parametrize("assignment", sorted(os.listdir(os.path.join(REPO_ROOT, "solutions"))))
def test_each_exercise_is_linked_from_a_chapter_and_listed_in_the_toc(assignment):
    page = f"exercises/{assignment}/{assignment}"
    assert page in FILES, f"{page} is missing from _toc.yml"
    linking = [c for c in CHAPTERS if f"../{page}" in open(os.path.join(REPO_ROOT, c + ".md")).read()]
    assert linking, f"no chapter links to {page}"
