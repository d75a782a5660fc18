"""What a chapter's reader needs beside the page, and the script that repeats a chapter's code at length.

A chapter that runs elsewhere (downloaded as a notebook) needs the book's modules it imports, and theirs: each
must be offered on the page as a {download}. book/scripts/adding_problem.py is chapter 6's experiment run for
longer: its data, models and training loop must be the chapter's own, definition for definition.
"""
import ast
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.md"))
MODULES = {path.stem for path in BOOK.glob("*.py")}  # chorales, folk: the book's tested modules
DOWNLOAD = re.compile(r"\{download\}`[^`<]*<([^>]+)>`")
CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.S | re.M)


def code(chapter):
    """The chapter's code cells as Python (IPython's magics and cell options left out)."""
    cells = CODE_CELL.findall(chapter.read_text(encoding="utf-8"))
    return ["\n".join(line for line in cell.splitlines() if not line.startswith(("%", "!", ":"))) for cell in cells]


def imported(source):
    """The book's own modules that `source` imports."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found & MODULES


def needed(modules):
    """The modules, and every book module they import, however indirectly."""
    todo, seen = list(modules), set()
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo += imported((BOOK / f"{module}.py").read_text(encoding="utf-8"))
    return seen


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_a_chapter_offers_every_book_module_it_needs(chapter):
    modules = needed(set().union(*(imported(cell) for cell in code(chapter))))
    offered = {Path(target).stem for target in DOWNLOAD.findall(chapter.read_text(encoding="utf-8"))
               if target.endswith(".py")}
    assert modules <= offered, f"{chapter.name} imports {sorted(modules)} but offers only {sorted(offered)}"


def definitions(source):
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found[node.name] = ast.unparse(node)
        elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            found.update({target.id: ast.unparse(node) for target in node.targets})
    return found


def test_the_adding_problem_script_is_chapter_6_line_for_line():
    chapter = {}
    for cell in code(BOOK / "06_deep_and_variants.md"):
        chapter.update(definitions(cell))  # a later cell's definition replaces an earlier one, as in the kernel
    script = definitions((BOOK / "scripts" / "adding_problem.py").read_text(encoding="utf-8"))
    own = {"main", "run_one"}  # its command line and its worker processes
    assert {"adding_batch", "SCRN", "Regressor", "train", "MODELS"} <= set(script) - own
    missing = sorted(set(script) - own - set(chapter))
    assert not missing, f"defined in the script but not in the chapter: {missing}"
    differ = sorted(name for name in set(script) - own if script[name] != chapter[name])
    assert not differ, f"book/scripts/adding_problem.py differs from chapter 6 in {differ}: keep them in step"
