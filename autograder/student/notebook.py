"""A student's notebook checked before it is handed in: its visible tests, then its functions on the practice cases.

The notebook is run from a temporary copy (the original is never modified), in the grading sandbox where it
can run (bubblewrap, and the rights to drop to an unprivileged user), else directly, as Jupyter would: it is
the student's own code on their own machine. After the last cell, one more cell runs every graded function the
notebook defines on the practice cases and sends the outputs out of the kernel, as a hidden test cell does in
grading; they are judged here, outside the kernel, by the grader's own judge (judge.verdicts.judge_emission).

Which assignment a notebook is comes from its content: the release's nbgrader grade ids and checksums and its
cell ids, so that `Copy of a01_rnn_forward.ipynb` or `a01_rnn_forward (1).ipynb` is still a01.
"""
from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Callable

import nbformat

from ..course import CourseError, notebook_language
from ..isolation import sandbox
from ..isolation.safe_files import MAX_NOTEBOOK_BYTES, MiB, Refused, copy_tree, read_regular
from ..isolation.sandbox import Limits
from ..isolation.zygote import KernelZygote, preloadable_imports
from ..judge.verdicts import missing_verdict
from ..judge.wire import MIME_TYPE
from .practice import FunctionCheck, Practice, PracticeData, judge_functions

MAX_FOLDER_BYTES = 128 * MiB  # of the files beside the notebook, what the check copies
CELL_TIMEOUT = 60             # seconds a cell may run (grading's default, pipeline/config.py)
# jupyter_client imports the client by name: the kernel client of this package, wherever it is installed.
KERNEL_CLIENT = __name__.rsplit(".", 2)[0] + ".pipeline.kernel_client.PromptKernelClient"
DIRECT_KERNEL = "gatebygate-direct"
PROBE_TAG = "gatebygate-practice"


@dataclass
class VisibleTest:
    """One test cell of the notebook, run in the student's kernel as it stands in the notebook."""
    cell: str        # its nbgrader grade id, test_<function>
    passed: bool
    message: str     # its error, "AssertionError: ...", when it failed


@dataclass
class NotebookCheck:
    """What `check_notebook` found."""
    path: str
    assignment: str
    language: str                   # of the notebook: the report's language
    sandboxed: bool
    visible: list[VisibleTest]
    functions: list[FunctionCheck]  # per graded function, in the assignment's order
    cells_of: dict[str, list[str]] = field(default_factory=dict)  # test cell -> the functions it checks

    @property
    def passed(self) -> bool:
        return bool(self.visible) and all(t.passed for t in self.visible) and all(f.passed for f in self.functions)


def can_sandbox() -> bool:
    """Whether the grading sandbox can run here: bubblewrap installed, and root's right to hand the kernel to an
    unprivileged user (the zygote drops to it, isolation/zygote.py). Elsewhere the notebook runs directly."""
    return not sandbox.missing_tools() and hasattr(os, "geteuid") and os.geteuid() == 0


def read_notebook(path: str) -> nbformat.NotebookNode:
    """The notebook at `path`, read as a plain file (a link is refused), parsed and validated."""
    if not os.path.lexists(path):
        raise CourseError(f"{path}: no such notebook")
    try:
        data = read_regular(path, MAX_NOTEBOOK_BYTES, path)
    except Refused as refused:
        raise CourseError(str(refused)) from None
    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
        nbformat.validate(notebook)
    except Exception as error:
        raise CourseError(f"{path}: not a valid notebook ({type(error).__name__}: {error})") from None
    return notebook


def notebook_marks(notebook: dict) -> set[str]:
    """What identifies a released notebook's cells: nbgrader grade ids and checksums, and cell ids."""
    marks = set()
    for cell in notebook.get("cells", []):
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        if isinstance(nbgrader, dict):
            for key in ("grade_id", "checksum"):
                if isinstance(nbgrader.get(key), str):
                    marks.add(f"{key}:{nbgrader[key]}")
        if isinstance(cell.get("id"), str):
            marks.add(f"id:{cell['id']}")
    return marks


def recognise(notebook: dict, path: str, data: PracticeData) -> str:
    """The assignment a notebook is, by its content (the most release marks in common, at least a quarter of
    its marks), else by its name (`Copy of a01_rnn_forward (1).ko.ipynb` is a01_rnn_forward)."""
    mine, scores = notebook_marks(notebook), {}
    for assignment in data.assignments():
        release = set(data[assignment].release["marks"])
        scores[assignment] = len(mine & release)
    best = max(scores.values(), default=0)
    winners = [a for a, score in scores.items() if score == best]
    if best and len(winners) == 1 and best * 4 >= len(mine):
        return winners[0]
    by_name = name_of(path)
    if by_name in scores:
        return by_name
    raise CourseError(f"{path}: not a notebook of this course's assignments "
                      f"({', '.join(data.assignments())}); open the one you downloaded and save your work in it")


def name_of(path: str) -> str:
    """The assignment a file name says, with what browsers and Colab add taken off: `Copy of `, ` (1)`, `-2`."""
    stem = os.path.basename(path)
    stem = stem[:-len(".ipynb")] if stem.endswith(".ipynb") else stem
    stem = re.sub(r"^(?:Copy of |사본 - )", "", stem)
    stem = re.sub(r"\.[a-z]{2}$", "", stem)             # a01.ko
    stem = re.sub(r"(?:\s*\(\d+\)|-\d+)$", "", stem)      # a01 (1), a01-2
    return re.sub(r"\.[a-z]{2}$", "", stem)             # a01.ko (1)


def check_notebook(path: str, data: PracticeData, use_sandbox: bool | None = None,
                   cell_timeout: int = CELL_TIMEOUT, limits: Limits | None = None,
                   starting: Callable[[Practice, str], None] | None = None) -> NotebookCheck:
    """Run the notebook at `path` and judge it: its visible tests, then each graded function on the practice cases.

    use_sandbox: None runs in the sandbox where can_sandbox(); True insists on it; False runs directly.
    starting: called with the assignment's practice data and the notebook's language once the notebook is read
    and recognised, before it runs (the command line says there, in the student's language, how it runs it).
    The notebook and the regular files beside it are copied as plain files: a link is never followed.
    """
    notebook = read_notebook(path)
    assignment = recognise(notebook, path, data)
    practice = data[assignment]
    if use_sandbox is None:
        use_sandbox = can_sandbox()
    elif use_sandbox and sandbox.missing_tools():
        raise CourseError(f"the sandbox needs {', '.join(sandbox.missing_tools())}: {sandbox.INSTALL_HINT}")
    elif use_sandbox and not can_sandbox():
        raise CourseError("the sandbox needs root: it hands the kernel to an unprivileged user")
    language = notebook_language(notebook)
    if starting is not None:
        starting(practice, language)
    functions = practice.release["functions"]
    probe = probe_cell(assignment, functions)
    # What the outputs are judged against is read while the kernel runs: its tensors import torch, about 2 s of
    # CPU that this process would otherwise spend after the notebook, not beside it.
    loading = threading.Thread(target=lambda: practice.expected, daemon=True)
    loading.start()
    with tempfile.TemporaryDirectory(prefix="gatebygate-check-") as scratch:
        os.chmod(scratch, 0o755)
        workdir = os.path.join(scratch, "notebook")
        copy_tree(os.path.dirname(os.path.abspath(path)), workdir, MAX_NOTEBOOK_BYTES, MAX_FOLDER_BYTES)
        run = _run_in_sandbox if use_sandbox else _run_directly
        run(notebook, probe, practice, scratch, workdir, cell_timeout, limits)
    loading.join()
    visible = visible_tests(notebook)
    emissions = {}
    for output in probe.get("outputs", []):
        emission = output.get("data", {}).get(MIME_TYPE) if output.get("output_type") == "display_data" else None
        if isinstance(emission, dict) and emission.get("function") in functions:
            emissions.setdefault(emission["function"], emission)
    judged = judge_functions(practice, emissions, language)
    checks = [judged[function] if function in judged
              else FunctionCheck.of(missing_verdict(function, practice.expected[function].cases,
                                                    practice.wording(language)))
              for function in functions]
    return NotebookCheck(path, assignment, language, use_sandbox, visible, checks,
                         dict(practice.release.get("cells", {})))


def visible_tests(notebook: nbformat.NotebookNode) -> list[VisibleTest]:
    """The autograded test cells as the run left them: passed unless an error output is in them."""
    results = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and PROBE_TAG not in cell.metadata.get("tags", []):
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            message = f"{errors[0].ename}: {errors[0].evalue}" if errors else ""
            results.append(VisibleTest(meta.get("grade_id", "?"), not errors, message))
    return results


def probe_cell(assignment: str, functions: list[str]) -> nbformat.NotebookNode:
    """The cell run after the notebook's own: every graded function the notebook defines, on the practice cases
    (the file named by $AUTOGRADER_CASES), through the kernel shim, which emits their outputs and judges nothing."""
    shim = os.path.join(sandbox.SHIM_DIR, "autograder", "hidden", "__init__.py")
    source = (f"import importlib.util as _gbg_util\n"
              f"_gbg_spec = _gbg_util.spec_from_file_location('_gatebygate_practice', {shim!r})\n"
              f"_gbg_shim = _gbg_util.module_from_spec(_gbg_spec)\n_gbg_spec.loader.exec_module(_gbg_shim)\n"
              f"for _gbg_name in {functions!r}:\n"
              f"    if callable(globals().get(_gbg_name)):\n"
              f"        try:\n"
              f"            _gbg_shim.__getattr__({assignment!r}).check(_gbg_name, globals()[_gbg_name])\n"
              f"        except Exception:\n"
              f"            pass\n")
    return nbformat.v4.new_code_cell(source, metadata={"tags": [PROBE_TAG]})


def _run_in_sandbox(notebook, probe, practice, scratch, workdir, cell_timeout, limits):
    # Started first: the zygote imports ipykernel (and torch) while this process imports nbclient.
    with KernelZygote(preloadable_imports(notebook), sandbox.environment(), wait=False) as zygote:
        jupyter_dir = os.path.join(scratch, "jupyter")
        sandbox.write_kernelspec(os.path.join(jupyter_dir, "kernels"), zygote.socket, limits=limits,
                                 readonly_paths=[practice.cases_file],
                                 env={"AUTOGRADER_CASES": practice.cases_file})
        client = _client(notebook, workdir, cell_timeout, sandbox.KERNEL_NAME, jupyter_dir)
        # The launcher links scratch/sockets to the sockets' tmpfs inside the sandbox.
        client.km.transport, client.km.ip = "ipc", os.path.join(scratch, "sockets", "kernel")
        zygote.wait()
        _execute(client, notebook, probe, os.path.join(scratch, "kernel.log"), {})


def _run_directly(notebook, probe, practice, scratch, workdir, cell_timeout, limits):
    """The notebook in a kernel of this Python, as Jupyter would run it: over unix sockets where there are any (no
    TCP port, so ipykernel has no unencrypted port to warn about), with what the kernel prints outside cells kept
    in a log, shown only if the kernel dies."""
    jupyter_dir = os.path.join(scratch, "jupyter")
    spec_dir = os.path.join(jupyter_dir, "kernels", DIRECT_KERNEL)
    os.makedirs(spec_dir)
    with open(os.path.join(spec_dir, "kernel.json"), "w") as handle:
        json.dump({"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                   "display_name": "Python 3 (check)", "language": "python"}, handle)
    client = _client(notebook, workdir, cell_timeout, DIRECT_KERNEL, jupyter_dir)
    if os.name == "posix":
        os.makedirs(os.path.join(scratch, "sockets"), mode=0o700)
        client.km.transport, client.km.ip = "ipc", os.path.join(scratch, "sockets", "kernel")
    env = {**os.environ, "AUTOGRADER_CASES": practice.cases_file, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    _execute(client, notebook, probe, os.path.join(scratch, "kernel.log"), {"env": env})


def _execute(client, notebook, probe, log_path, start):
    """Run every cell, then the probe. A kernel that dies is reported with what it printed last."""
    from nbclient.exceptions import DeadKernelError

    try:
        with open(log_path, "ab") as log:
            if "env" in start:  # the direct kernel's own output goes to the log, not the student's terminal
                start = {**start, "stdout": log, "stderr": log}
            client.reset_execution_trackers()
            try:
                with client.setup_kernel(**start):
                    for index, cell in enumerate(list(notebook.cells)):
                        client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
                    notebook.cells.append(probe)
                    client.execute_cell(probe, len(notebook.cells) - 1,
                                        execution_count=client.code_cells_executed + 1)
            except DeadKernelError:
                raise CourseError("the notebook's kernel died (a crash, or the memory limit) before the check "
                                  f"ended{_tail(log_path)}") from None
    finally:
        notebook.cells = [c for c in notebook.cells if c is not probe]


def _tail(log_path, lines=5):
    try:
        with open(log_path, encoding="utf-8", errors="replace") as handle:
            text = [line for line in handle.read().splitlines() if line.strip()][-lines:]
    except OSError:
        return ""
    return (": it printed\n  " + "\n  ".join(text)) if text else ""


def _client(notebook, workdir, cell_timeout, kernel_name, jupyter_dir):
    # Imported here, while the zygote (started just before) imports ipykernel in its own process: nbclient and
    # jupyter_client cost about 0.3 s of CPU (a fresh `python -c "import nbclient"`), which the two processes
    # then spend side by side.
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient

    client = NotebookClient(notebook, kernel_name=kernel_name, timeout=cell_timeout, allow_errors=True,
                            shutdown_kernel="immediate", resources={"metadata": {"path": workdir}})
    manager = client.create_kernel_manager()
    # Only the kernel written for this check: never a "python3" of the student's own Jupyter set-up.
    manager.kernel_spec_manager = KernelSpecManager(kernel_dirs=[os.path.join(jupyter_dir, "kernels")])
    manager.client_class = KERNEL_CLIENT  # no idle IOPub wait (pipeline/kernel_client.py)
    return client
