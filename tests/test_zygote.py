"""The kernel zygote: what it preloads, and that it never starts a kernel outside a sandbox."""
import json
import os
import socket

import nbformat
import pytest

from autograder.isolation import sandbox
from autograder.isolation.zygote import KernelZygote, is_alive, preloadable_imports


def test_preloads_only_the_heavy_libraries_a_notebook_imports():
    cells = ["import numpy as np\nfrom torch import nn", "%matplotlib inline\nimport torch",
             "import matplotlib.pyplot as plt\nfrom . import helpers", "import numpy.linalg"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    assert preloadable_imports(notebook) == ["numpy", "torch"]
    assert preloadable_imports(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import os")])) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="the zygote joins namespaces, which needs root")
def test_refuses_to_start_a_kernel_outside_a_sandbox(tmp_path):
    # The grader's own process shares the host's namespaces: a kernel must never be started in them.
    request = {"holder_pid": os.getpid(), "connection_file": str(tmp_path / "kernel.json"),
               "workdir": str(tmp_path), "log": str(tmp_path / "kernel.log"), "env": sandbox.environment(),
               "python_path": [sandbox.SHIM_DIR], "uid": sandbox.NOBODY, "limits": {}}
    with KernelZygote([], sandbox.environment()) as zygote:
        assert oct(os.stat(os.path.dirname(zygote.socket)).st_mode & 0o777) == "0o700"
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(zygote.socket)
            connection.sendall(json.dumps(request).encode() + b"\n")
            reply = connection.makefile().readline()
    assert reply.startswith("error RuntimeError: process") and "not a sandbox" in reply, reply
    assert not (tmp_path / "kernel.log").exists()


def test_a_zygote_that_cannot_import_says_so():
    with pytest.raises(RuntimeError, match="could not import no_such_module"):
        with KernelZygote(["no_such_module"], sandbox.environment()):
            pass


@pytest.mark.skipif(bool(sandbox.missing_tools()), reason=f"needs {sandbox.INSTALL_HINT}")
def test_a_stopped_zygote_is_the_graders_error_not_the_students(tmp_path):
    from autograder.grading.layout import template_folder
    from autograder.grading.records import GradingOptions
    from autograder.grading.student import grade_student
    from autograder.grading.template import make_template
    from autograder.testing import solved_exercise

    assignment = "a01_rnn_forward"
    os.makedirs(tmp_path / "subs" / "alice")
    nbformat.write(solved_exercise(assignment), str(tmp_path / "subs" / "alice" / f"{assignment}.ipynb"))
    work, options = str(tmp_path / "out" / "work"), GradingOptions()
    template = make_template(assignment, template_folder(str(tmp_path / "out")), options)
    with KernelZygote([], sandbox.environment()) as zygote:
        assert is_alive(zygote.socket)
        zygote.process.kill()
        zygote.process.wait()
        assert not is_alive(zygote.socket)
        row = grade_student(assignment, "alice", str(tmp_path / "subs" / "alice"), work, template, options,
                            zygote.socket)
    assert (row.status, row.score) == ("error", 0) and "zygote" in row.detail, row
