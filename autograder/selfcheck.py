"""`python -m autograder check NOTEBOOK`: a student runs their notebook's visible tests before submitting.

Unlike `nbgrader validate`, it exits non-zero when a test fails, so it can gate a submission script.
The notebook is run from a temporary copy; the original is never modified. It needs no gradebook, and no
nbgrader until a visible test fails: then the student's functions also run on the hidden cases, in the same
kernel, so that a known mistake can be named (diagnosis.py), as the grader's feedback would name it.

Where bubblewrap is installed, the notebook runs in the grading sandbox, as it will be graded. Where it is not
(macOS, Windows, a laptop without it), it runs directly, as Jupyter would run it: it is the student's own code.
"""
import os
import tempfile

import nbformat

from .judge import mistakes as diagnosis
from .isolation import sandbox
from .course import CourseError
from .pipeline.config import CELL_TIMEOUT
from .isolation.safe_files import Refused, copy_tree, read_regular
from .grading.submissions import MAX_NOTEBOOK_BYTES
from .isolation.zygote import KernelZygote, preloadable_imports

MAX_FOLDER_BYTES = 128 * 1024 ** 2  # of the files beside the notebook, what the check copies
KERNEL_CLIENT = "autograder.pipeline.kernel_client.PromptKernelClient"


def can_sandbox():
    return not sandbox.missing_tools()


def check_notebook(path, use_sandbox=True, cell_timeout=CELL_TIMEOUT, limits=None):
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
    hints = diagnosis.selfcheck_hints(notebook, assignment)
    return [(cell, passed, message + (f"\n      {hints[cell]}" if not passed and cell in hints else ""))
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
    """Run every cell; then, only if a test cell failed, a probe for naming the known mistake, in the same
    kernel. A notebook that passes never pays for the hidden cases. Returns the probed assignment, or None."""
    client.reset_execution_trackers()
    with client.setup_kernel():
        for index, cell in enumerate(list(notebook.cells)):
            client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        if not any(_failed(cell) for cell in notebook.cells):
            return None
        assignment, probe = diagnosis.add_selfcheck_probe(notebook, path)
        if probe is not None:
            client.execute_cell(probe, len(notebook.cells) - 1, execution_count=client.code_cells_executed + 1)
        return assignment


def _failed(cell):
    return (cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
            and any(o.output_type == "error" for o in cell.get("outputs", [])))


def _client(notebook, workdir, cell_timeout, kernel_name):
    from nbclient import NotebookClient

    client = NotebookClient(notebook, kernel_name=kernel_name, timeout=cell_timeout, allow_errors=True,
                            shutdown_kernel="immediate", resources={"metadata": {"path": workdir}})
    client.create_kernel_manager().client_class = KERNEL_CLIENT  # no idle IOPub wait (kernel_client.py)
    return client
