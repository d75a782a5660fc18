"""`python -m autograder check NOTEBOOK`: a student runs their notebook's visible tests before submitting.

Unlike `nbgrader validate`, it exits non-zero when a test fails, so it can gate a submission script.
The notebook is run from a temporary copy; the original is never modified. It needs no gradebook and no
nbgrader. After the visible tests, the student's functions also run on the hidden cases, in the same kernel, so
that a known mistake or a kind of fault can be named (judge/faults.py) as the grader's feedback would name it,
even where the visible tests pass (issue 25): a test cell whose function is diagnosed fails.

Where bubblewrap is installed, the notebook runs in the grading sandbox, as it will be graded. Where it is not
(macOS, Windows, a laptop without it), it runs directly, as Jupyter would run it: it is the student's own code.
"""
from __future__ import annotations

import base64
import os
import tempfile

import nbformat

from . import hidden
from .course import CourseError, list_assignments
from .grading.submissions import MAX_NOTEBOOK_BYTES
from .i18n.hints import wording
from .i18n.translation import assignment_of, notebook_language
from .isolation import sandbox
from .isolation.safe_files import MiB, Refused, copy_tree, read_regular
from .isolation.sandbox import Limits
from .isolation.zygote import KernelZygote, preloadable_imports
from .judge.verdicts import judge_emissions
from .judge.wire import MIME_TYPE
from .pipeline.config import CELL_TIMEOUT

MAX_FOLDER_BYTES = 128 * MiB  # of the files beside the notebook, what the check copies
KERNEL_CLIENT = "autograder.pipeline.kernel_client.PromptKernelClient"
SELFCHECK_TAG = "gatebygate-selfcheck-diagnosis"


def can_sandbox() -> bool:
    """Whether this machine has what the grading sandbox needs (bubblewrap)."""
    return not sandbox.missing_tools()


def check_notebook(path: str, use_sandbox: bool = True, cell_timeout: int = CELL_TIMEOUT,
                   limits: Limits | None = None) -> list[tuple[str, bool, str]]:
    """Execute the notebook; return [(test cell id, passed, message)] for its autograded test cells.

    use_sandbox: run in the grading sandbox; the caller falls back to False where can_sandbox() is not true.
    The notebook and the regular files beside it are copied as plain files: a link is never followed.
    """
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
    if use_sandbox and not can_sandbox():
        raise CourseError(f"the sandbox needs {', '.join(sandbox.missing_tools())}: {sandbox.INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as scratch:
        os.chmod(scratch, 0o755)
        workdir = os.path.join(scratch, "notebook")
        copy_tree(os.path.dirname(os.path.abspath(path)), workdir, MAX_NOTEBOOK_BYTES, MAX_FOLDER_BYTES)
        if use_sandbox:
            assignment = _run_in_sandbox(notebook, path, scratch, workdir, cell_timeout, limits)
        else:
            assignment = _execute(_client(notebook, workdir, cell_timeout, "python3"), notebook, path)
    results = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade"):
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            message = f"{errors[0].ename}: {errors[0].evalue}" if errors else ""
            results.append((meta.get("grade_id", "?"), not errors, message))
    hints = selfcheck_hints(notebook, assignment)
    return [(cell, passed and cell not in hints, message + (f"\n      {hints[cell]}" if cell in hints else ""))
            for cell, passed, message in results]


def _run_in_sandbox(notebook, path, scratch, workdir, cell_timeout, limits):
    # Started first: the zygote imports ipykernel (and torch) while this process imports nbclient.
    with KernelZygote(preloadable_imports(notebook), sandbox.environment(), wait=False) as zygote:
        jupyter_dir = os.path.join(scratch, "jupyter")
        sandbox.write_kernelspec(os.path.join(jupyter_dir, "kernels"), zygote.socket, limits=limits)
        os.environ["JUPYTER_PATH"] = jupyter_dir
        client = _client(notebook, workdir, cell_timeout, sandbox.KERNEL_NAME)
        # The launcher links scratch/sockets to the sockets' tmpfs inside the sandbox.
        client.km.transport, client.km.ip = "ipc", os.path.join(scratch, "sockets", "kernel")
        zygote.wait()
        return _execute(client, notebook, path)


def _execute(client, notebook, path):
    """Run every cell; then a probe for naming a known mistake or a kind of fault, in the same kernel, whether or
    not a visible test failed (a visible test can pass a wrong function). Returns the probed assignment, or None."""
    client.reset_execution_trackers()
    with client.setup_kernel():
        for index, cell in enumerate(list(notebook.cells)):
            client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        assignment, probe = add_selfcheck_probe(notebook, path)
        if probe is not None:
            client.execute_cell(probe, len(notebook.cells) - 1, execution_count=client.code_cells_executed + 1)
        return assignment


def _client(notebook, workdir, cell_timeout, kernel_name):
    # Imported here, while the zygote (started just before) imports ipykernel in its own process: nbclient and
    # jupyter_client cost about 0.3 s of CPU (a fresh `python -c "import nbclient"`), which the two processes
    # then spend side by side.
    from nbclient import NotebookClient

    client = NotebookClient(notebook, kernel_name=kernel_name, timeout=cell_timeout, allow_errors=True,
                            shutdown_kernel="immediate", resources={"metadata": {"path": workdir}})
    client.create_kernel_manager().client_class = KERNEL_CLIENT  # no idle IOPub wait (kernel_client.py)
    return client


# --------------------------------------------------------------- naming a known mistake or a kind of fault
def add_selfcheck_probe(notebook: nbformat.NotebookNode, path: str) -> tuple[str | None, dict | None]:
    """For `python -m autograder check`, after the visible tests: append to the copy being run a cell that sends
    the student's functions' outputs on the hidden cases out of the kernel, as grading does. The cases travel
    inside the cell (the sandbox's working folder is a copy made when the kernel started).

    Nothing of it reaches the student but, after the run, the diagnosis of a function that fails its hidden
    cases, a known mistake or a kind of fault that agrees with their outputs on every case (selfcheck_hints): no
    case's verdict, and no expected value. Returns (the assignment, the cell), or (None, None) for a notebook
    that is not a known assignment with a catalogue.
    """
    assignment = assignment_of(path)
    if assignment not in list_assignments():
        return None, None
    module = hidden.load(assignment)
    if not hidden.mistakes(assignment):
        return None, None
    with tempfile.TemporaryDirectory() as scratch:
        hidden.write_cases_file(assignment, os.path.join(scratch, "cases.pkl"))
        with open(os.path.join(scratch, "cases.pkl"), "rb") as handle:
            cases = base64.b64encode(handle.read()).decode("ascii")
    shim = os.path.join(sandbox.SHIM_DIR, "autograder", "hidden", "__init__.py")
    source = (f"import base64 as _b64, importlib.util as _util, os as _os, tempfile as _tf\n"
              f"_cases = _os.path.join(_tf.mkdtemp(), 'cases.pkl')\n"
              f"with open(_cases, 'wb') as _handle:\n    _handle.write(_b64.b64decode({cases!r}))\n"
              f"_os.environ['AUTOGRADER_CASES'] = _cases\n"
              f"_spec = _util.spec_from_file_location('_gatebygate_probe', {shim!r})\n"
              f"_probe = _util.module_from_spec(_spec)\n_spec.loader.exec_module(_probe)\n"
              f"for _name in {list(module.CHECKS)!r}:\n"
              f"    if callable(globals().get(_name)):\n"
              f"        try:\n            _probe.__getattr__({assignment!r}).check(_name, globals()[_name])\n"
              f"        except Exception:\n            pass\n")
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": [SELFCHECK_TAG]})
    notebook.cells.append(cell)
    return assignment, cell


def selfcheck_hints(notebook: nbformat.NotebookNode, assignment: str | None) -> dict[str, str]:
    """{test cell grade_id: the diagnosis} from the probe cell's outputs, judged outside the kernel as the grader
    judges them (judge.verdicts.judge_emissions): a known mistake's hint, or a kind of fault's sentence."""
    if assignment is None:
        return {}
    probe = next((c for c in notebook.cells if SELFCHECK_TAG in c.get("metadata", {}).get("tags", [])), None)
    notebook.cells = [c for c in notebook.cells if c is not probe]
    if probe is None:
        return {}
    plain, emissions = hidden.expected(assignment, kinds_of_fault=False), {}
    for output in probe.get("outputs", []):
        emission = output.get("data", {}).get(MIME_TYPE) if output.get("output_type") == "display_data" else None
        function = emission.get("function") if isinstance(emission, dict) else None
        if function in plain:
            emissions[function] = emission
    words = wording(notebook_language(notebook))
    # Which functions fail needs no fault model; their diagnosis needs theirs (and those of what they call) only.
    failing = {f for f, verdict in judge_emissions(plain, emissions, words).items() if verdict.failed}
    if not failing:
        return {}
    return {f"test_{function}": f"{function}: {verdict.diagnosis['message']}"
            for function, verdict in judge_emissions(hidden.expected(assignment, failing), emissions, words).items()
            if verdict.failed and verdict.diagnosis.get("message")}
