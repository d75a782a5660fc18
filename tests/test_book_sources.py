"""Static checks of the chapters' sources: cheap, so they run in `make test` (the build runs in `make book`)."""
import ast
import glob
import os
import re
import sys
import unicodedata

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


# A code block on a 1280-pixel-wide screen shows 72 characters before it scrolls sideways, measured in headless
# Chromium on the built site, English and Korean alike (the same theme and font, 14 px DejaVu Sans Mono, 8.43 px
# a character): a code cell shows 75, a cell behind a "show code" toggle 73, a fenced block inside a list item 72.
# With a desktop browser's 15-pixel scroll bar each shows one or two fewer, so 72 also keeps ordinary cells clear.
CODE_WIDTH = 72
# The companion modules a reader downloads from the pages (chapters 6 to 8); book/_ext is the site's build
# machinery, linked from no page, so it keeps the repository's own line length.
COMPANION_MODULES = ["book/chorales.py", "book/folk.py"] + sorted(
    os.path.relpath(p, REPO_ROOT) for p in glob.glob(os.path.join(REPO_ROOT, "book", "scripts", "*.py")))
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
CODE_DIRECTIVES = {"code-cell", "code-block", "code", "sourcecode"}


def code_lines(text):
    """(line number, line) of every code line of a MyST page: the source of each {code-cell} (its options left
    out) and of every fenced code block (a language or no info string), without the fence's own indentation
    (a block in a list item). Lines inside other directives (admonitions, figures, the glossary) are prose."""
    open_fences = []  # (fence, its indentation, holds code, still reading the directive's options)
    for number, line in enumerate(text.split("\n"), 1):
        match = FENCE.match(line)
        if open_fences:
            fence, indent, is_code, in_options = open_fences[-1]
            if match and match.group("fence")[0] == fence[0] and len(match.group("fence")) >= len(fence) \
                    and not match.group("info").strip():
                open_fences.pop()
                continue
            if is_code:
                if in_options and line.startswith(":"):
                    continue
                open_fences[-1] = (fence, indent, True, False)
                yield number, line[len(indent):] if line.startswith(indent) else line.lstrip()
                continue
        if match:
            directive = re.match(r"\{([\w-]+)\}", match.group("info").strip())
            is_code = directive is None or directive.group(1) in CODE_DIRECTIVES
            open_fences.append((match.group("fence"), match.group("indent"), is_code, directive is not None))


def display_width(line):
    """Columns a line takes in a monospace font: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)


def lines_wider_than_the_page(path, text):
    """'path:line: N characters wide: ...' for each code line wider than CODE_WIDTH."""
    lines = code_lines(text) if path.endswith(".md") else enumerate(text.split("\n"), 1)
    return [f"{path}:{number}: {display_width(line)} characters wide: {line.strip()[:50]}"
            for number, line in lines if display_width(line) > CODE_WIDTH]


def test_code_lines_are_the_cells_and_fences_and_nothing_else():
    page = "\n".join([
        "# A page",                                    # 1
        "```{code-cell} ipython3",                     # 2
        ":tags: [hide-input]",                         # 3
        "x = 1",                                       # 4
        "```",                                         # 5
        "````{admonition} Answer",                     # 6
        "prose " * 20,                                 # 7
        "```python",                                   # 8
        "y = 2",                                       # 9
        "```",                                         # 10
        "````",                                        # 11
        "1. A step:",                                  # 12
        "   ```bash",                                  # 13
        "   make setup",                               # 14
        "   ```",                                      # 15
        ":::{figure} a.png",                           # 16
        "```{glossary}",                               # 17
        "term",                                        # 18
        "```",                                         # 19
    ])
    assert list(code_lines(page)) == [(4, "x = 1"), (9, "y = 2"), (14, "make setup")]


def test_a_line_over_the_width_is_named_with_its_place_and_length():
    page = "```{code-cell} ipython3\nshort = 1\n" + "z = " + "1" * (CODE_WIDTH - 3) + "\n```"
    assert lines_wider_than_the_page("book/x.md", page) == [
        f"book/x.md:3: {CODE_WIDTH + 1} characters wide: z = {'1' * 46}"]
    korean = "# 한글" * 13  # 52 characters, 78 columns
    assert lines_wider_than_the_page("book/x.py", korean) == [f"book/x.py:1: 78 characters wide: {korean[:50]}"]
    assert not lines_wider_than_the_page("book/x.md", "```{code-cell} ipython3\n" + "1" * CODE_WIDTH + "\n```")


@pytest.mark.parametrize("path", [f + ".md" for f in FILES if f.startswith("book/")] + COMPANION_MODULES)
def test_code_fits_the_page(path):
    """No reader scrolls sideways: every code line of the pages and of the companion modules fits the page."""
    with open(os.path.join(REPO_ROOT, path), encoding="utf-8") as handle:
        too_wide = lines_wider_than_the_page(path, handle.read())
    assert not too_wide, f"{len(too_wide)} code lines wider than {CODE_WIDTH} characters:\n" + "\n".join(too_wide)
