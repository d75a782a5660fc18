"""Put a submitted notebook's graded cells back in order before nbgrader sees it.

Students delete, duplicate, retype and strip the metadata of cells, by accident or not. nbgrader restores
edited test cells from its gradebook, but (0.9.6) crashes on a duplicated grade id and on a deleted cell
whose neighbour was deleted too, and does not recognise a cell whose metadata was stripped. Here, against
the released notebook (trusted):

  * a cell whose nbgrader metadata is missing but whose cell id is a released graded cell's gets it back;
  * of several cells claiming one grade id, the first keeps it and the others become ordinary cells;
  * every released graded or read-only cell that is still missing is put back where the release has it
    (an answer cell comes back as the release's stub, so it earns nothing).

Cells the student added are kept. nbgrader then restores the source of every test and read-only cell from
the gradebook, so nothing here can award points: it can only keep an honest student's work gradable.
"""
from __future__ import annotations

import copy

from nbformat import NotebookNode


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def repair(notebook: NotebookNode, release: NotebookNode) -> tuple[NotebookNode, list[str]]:
    """Return (repaired notebook, list of one-line notes on what was repaired)."""
    notebook = copy.deepcopy(notebook)
    released = [cell for cell in release.cells if _grade_id(cell)]
    by_cell_id = {cell.get("id"): cell for cell in released}
    notes = []

    restored = 0
    present = {_grade_id(c) for c in notebook.cells if _grade_id(c)}
    for cell in notebook.cells:
        source = by_cell_id.get(cell.get("id"))
        if not _grade_id(cell) and source is not None and _grade_id(source) not in present:
            cell.metadata["nbgrader"] = copy.deepcopy(source.metadata["nbgrader"])
            present.add(_grade_id(source))
            restored += 1
        elif "nbgrader" in cell.metadata and not _grade_id(cell):
            del cell.metadata["nbgrader"]  # malformed: no id to grade it by
    if restored:
        notes.append(f"restored the nbgrader metadata of {restored} cells")

    seen, duplicates = set(), 0
    for cell in notebook.cells:
        grade_id = _grade_id(cell)
        if grade_id in seen:
            del cell.metadata["nbgrader"]
            duplicates += 1
        elif grade_id:
            seen.add(grade_id)
    if duplicates:
        notes.append(f"ignored {duplicates} duplicated graded cells")

    position = {_grade_id(c): i for i, c in enumerate(notebook.cells) if _grade_id(c)}
    missing = 0
    insert_at = 0
    for cell in released:
        grade_id = _grade_id(cell)
        if grade_id in position:
            insert_at = position[grade_id] + 1
            continue
        notebook.cells.insert(insert_at, copy.deepcopy(cell))
        position = {_grade_id(c): i for i, c in enumerate(notebook.cells) if _grade_id(c)}
        insert_at = position[grade_id] + 1
        missing += 1
    if missing:
        notes.append(f"put back {missing} deleted graded cells")
    return notebook, notes
