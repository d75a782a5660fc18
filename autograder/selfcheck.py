"""`python -m autograder check NOTEBOOK`: run a notebook's visible tests in the grading sandbox.

Unlike `nbgrader validate`, it exits non-zero when a test fails, so it can gate a submission script.
The notebook is run from a temporary copy; the original is never modified.
"""
import os
import tempfile

import nbformat
from nbclient import NotebookClient

from . import sandbox
from .assignments import CourseError
from .nbgrader_config import CELL_TIMEOUT
from .safe_files import Refused, copy_tree, read_regular
from .submissions import MAX_NOTEBOOK_BYTES
from .zygote import KernelZygote, preloadable_imports

MAX_FOLDER_BYTES = 128 * 1024 ** 2  # of the files beside the notebook, what the check copies


def check_notebook(path, use_sandbox=True, cell_timeout=CELL_TIMEOUT, limits=None):
    """Execute the notebook; return [(test cell id, passed, message)] for its autograded test cells.

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
    if use_sandbox and sandbox.missing_tools():
        raise CourseError(f"the sandbox needs {', '.join(sandbox.missing_tools())}: {sandbox.INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as scratch:
        os.chmod(scratch, 0o755)
        workdir = os.path.join(scratch, "notebook")
        copy_tree(os.path.dirname(os.path.abspath(path)), workdir, MAX_NOTEBOOK_BYTES, MAX_FOLDER_BYTES)
        client_options = dict(timeout=cell_timeout, allow_errors=True, resources={"metadata": {"path": workdir}})
        if use_sandbox:
            with KernelZygote(preloadable_imports(notebook), sandbox.environment()) as zygote:
                jupyter_dir = os.path.join(scratch, "jupyter")
                sandbox.write_kernelspec(os.path.join(jupyter_dir, "kernels"), zygote.socket, limits=limits)
                os.environ["JUPYTER_PATH"] = jupyter_dir
                client = NotebookClient(notebook, kernel_name=sandbox.KERNEL_NAME, **client_options)
                km = client.create_kernel_manager()
                # The launcher links scratch/sockets to the sockets' tmpfs inside the sandbox.
                km.transport, km.ip = "ipc", os.path.join(scratch, "sockets", "kernel")
                client.execute()
        else:
            NotebookClient(notebook, kernel_name="python3", **client_options).execute()
    results = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade"):
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            message = f"{errors[0].ename}: {errors[0].evalue}" if errors else ""
            results.append((meta.get("grade_id", "?"), not errors, message))
    return results
