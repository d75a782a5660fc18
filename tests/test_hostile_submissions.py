"""Student code is hostile until proven otherwise: one batch of attacks, graded next to an honest student.

Every case states the score and status it must get; the honest students must keep full marks.
Needs the sandbox (bubblewrap); `make test` installs it when run as root.
"""
import ast
import json
import os
import socket
import threading
import warnings

import nbformat
import pytest

from autograder import sandbox
from autograder.grading import GradingOptions, grade_class
from autograder.testing import answer_cell_ids, exercise_notebook, set_answer, solved_exercise

ASSIGNMENT = "a01_rnn_forward"
FULL = 10.0
pytestmark = pytest.mark.skipif(bool(sandbox.missing_tools()), reason=f"needs {sandbox.INSTALL_HINT}")

WRONG_EVERYTHING = """
def sigmoid(x): return np.zeros_like(np.asarray(x, dtype=float))
def tanh(x): return np.zeros_like(np.asarray(x, dtype=float))
def rnn_step(x_t, h_prev, W_xh, W_hh, b_h, nonlinearity="tanh"): return np.zeros((len(x_t), len(b_h)))
def rnn_forward(x, h0, W_xh, W_hh, b_h, nonlinearity="tanh"): return np.zeros(x.shape[:2] + (len(b_h),))
def softmax(z): return np.zeros_like(np.asarray(z, dtype=float))
def rnn_output(h, W_hy, b_y): return np.zeros(h.shape[:-1] + (len(b_y),))
def many_to_one_forward(x, h0, W_xh, W_hh, b_h, W_hy, b_y): return np.zeros((len(x), len(b_y)))
"""


def solved_with(cell_id, prefix="", replace=None, suffix=""):
    """The perfect submission, with code put around one answer (or replacing it)."""
    notebook = solved_exercise(ASSIGNMENT)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == cell_id)
    set_answer(notebook, cell_id, replace if replace is not None else prefix + "\n" + cell.source + "\n" + suffix)
    return notebook


def cheater(prefix):
    """Wrong answers everywhere, plus an attempt to make the tests pass anyway."""
    notebook = exercise_notebook(ASSIGNMENT)
    for cell_id in answer_cell_ids(ASSIGNMENT):
        set_answer(notebook, cell_id, "pass")
    return set_answer(notebook, "sigmoid", WRONG_EVERYTHING + "\n" + prefix)


def graded_cells(notebook):
    return [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]


@pytest.fixture(scope="module")
def loopback_server():
    """A TCP server on the grader's loopback that records whether anything ever connected."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.5)
    connections = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connections.append(server.accept())
            except OSError:
                pass
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    stop.set()
    thread.join(timeout=2)
    server.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory, loopback_server):
    port, _ = loopback_server
    root = tmp_path_factory.mktemp("hostile")
    subs = root / "subs"
    secret = root / "secret.txt"
    secret.write_text("grader's secret")
    probe_paths = [str(secret), os.path.abspath("solutions"), os.path.abspath("autograder/reference"),
                   os.path.abspath("autograder/grading.py"), "../../../gradebook.db", "../../../../honest",
                   "/root/.bashrc", "/work/main/.git"]
    notebooks = {
        "honest": solved_exercise(ASSIGNMENT),
        "honest_twin": solved_exercise(ASSIGNMENT),
        "endless_loop": solved_with("tanh", replace="while True:\n    pass"),
        "ignores_sigint": solved_with("tanh", replace="import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                                      "while True:\n    pass"),
        "memory_hog": solved_with("tanh", prefix="hog = bytearray(8 * 1024 ** 3)"),
        "process_spawner": solved_with("tanh", prefix="import subprocess\n"
                                       "children = [subprocess.Popen(['sleep', '30']) for _ in range(2000)]"),
        "os_exit": solved_with("rnn_step", prefix="import os\nos._exit(3)"),
        "sys_exit": solved_with("tanh", prefix="import sys\nsys.exit(0)"),
        "patches_numpy": cheater("np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
                                 "np.testing.assert_allclose = lambda *a, **k: None"),
        "patches_showtraceback": cheater("get_ipython().showtraceback = lambda *a, **k: None\n"
                                         "get_ipython().showsyntaxerror = lambda *a, **k: None"),
        "always_equal": cheater("class Anything(np.ndarray):\n    def __eq__(self, other): return True\n"
                                "sigmoid = lambda x: np.zeros(np.shape(x)).view(Anything)"),
        "forges_emission": cheater(
            "from IPython.display import display\nimport autograder.hidden as h\n"
            "class Fake:\n    def check(self, name, fn):\n"
            "        display({'application/vnd.gatebygate.hidden-outputs+json': "
            "{'assignment': 'a01_rnn_forward', 'function': name, 'outputs': []}}, raw=True)\n"
            "h.__getattr__ = lambda name: Fake()"),
        "reads_other_folders": solved_with("sigmoid", prefix=(
            "import os\nfound = [p for p in %r if os.path.exists(p)]\nprint('FOUND', found)" % probe_paths)),
        "writes_outside": solved_with("sigmoid", prefix=(
            "written = []\n"
            "for target in ['/work/pwned', '../../../pwned', '../../../../pwned', '/etc/pwned', %r]:\n"
            "    try:\n        open(target, 'w').write('x'); written.append(target)\n"
            "    except OSError:\n        pass\nprint('WRITTEN', written)" % str(root / "pwned"))),
        "connects_to_loopback": solved_with("sigmoid", prefix=(
            "import socket\ntry:\n    socket.create_connection(('127.0.0.1', %d), timeout=3)\n"
            "    print('NETWORK OPEN')\nexcept OSError as e:\n    print('NETWORK BLOCKED', type(e).__name__)" % port)),
        # Every kernel is forked from the same pre-warmed zygote: nothing one leaves behind reaches another.
        "leaves_a_mark": solved_with("sigmoid", prefix=(
            "import numpy, sys\nnumpy.MARK = 'left by another student'\nsys.modules['mark'] = numpy\n"
            "open('/tmp/mark', 'w').write('x')")),
        "sees_its_own_kernel_only": solved_with("sigmoid", prefix=(
            "import os, sys, numpy\n"
            "status = dict(l.split(':\\t', 1) for l in open('/proc/self/status') if ':\\t' in l)\n"
            "print('UID', os.getuid(), 'GROUPS', os.getgroups(), 'NONEWPRIVS', status['NoNewPrivs'].strip(),\n"
            "      'CAPS', *(status[k].strip() for k in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb')))\n"
            "print('MARKS', hasattr(numpy, 'MARK'), 'mark' in sys.modules, os.path.exists('/tmp/mark'))\n"
            "print('PID', os.getpid(), 'PROCESSES', sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))")),
        "huge_output": solved_with("sigmoid", prefix="print('x' * 5_000_000)\nfor i in range(20000): print(i)"),
        # The warning and the debugging print happen inside the test cells, each time sigmoid is called.
        "warns_on_stderr": solved_with("sigmoid", suffix="import sys, warnings\n_stable_sigmoid = sigmoid\n"
                                       "def sigmoid(x):\n    print('debugging on stderr', file=sys.stderr)\n"
                                       "    warnings.warn('careful')\n    return _stable_sigmoid(x)"),
    }
    edited = solved_exercise(ASSIGNMENT)
    for cell in graded_cells(edited):
        cell.source = "pass  # tests? what tests?"
    notebooks["edits_tests_honestly"] = edited
    edited_cheat = cheater("")
    for cell in graded_cells(edited_cheat):
        cell.source = "pass"
    notebooks["edits_tests_to_cheat"] = edited_cheat
    deleted = solved_exercise(ASSIGNMENT)
    deleted.cells = [c for c in deleted.cells if c not in graded_cells(deleted)]
    notebooks["deletes_tests_honestly"] = deleted
    deleted_cheat = cheater("")
    deleted_cheat.cells = [c for c in deleted_cheat.cells if c not in graded_cells(deleted_cheat)]
    notebooks["deletes_tests_to_cheat"] = deleted_cheat
    retyped = cheater("")
    for cell in graded_cells(retyped):
        cell.cell_type, cell.outputs, cell.execution_count = "markdown", None, None
        del cell["outputs"], cell["execution_count"]
    notebooks["retypes_tests_to_cheat"] = retyped
    duplicated = solved_exercise(ASSIGNMENT)
    duplicated.cells = duplicated.cells + [nbformat.from_dict(dict(c)) for c in graded_cells(duplicated)]
    notebooks["duplicates_tests"] = duplicated
    stripped = solved_exercise(ASSIGNMENT)
    for cell in stripped.cells:
        cell.metadata.pop("nbgrader", None)
    notebooks["strips_metadata_honestly"] = stripped
    stripped_cheat = cheater("")
    for cell in stripped_cheat.cells:
        cell.metadata.pop("nbgrader", None)
    for cell in stripped_cheat.cells:
        if "assert" in cell.source:
            cell.source = "pass"
    notebooks["strips_metadata_to_cheat"] = stripped_cheat
    notebooks["empty_valid_notebook"] = nbformat.v4.new_notebook()

    for student, notebook in notebooks.items():
        os.makedirs(subs / student)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the duplicated cells' ids are duplicated on purpose
            nbformat.write(notebook, str(subs / student / (ASSIGNMENT + ".ipynb")))
    (subs / "malformed_json").mkdir()
    (subs / "malformed_json" / (ASSIGNMENT + ".ipynb")).write_text('{"cells": [{"cell_type": ')
    (subs / "empty_file").mkdir()
    (subs / "empty_file" / (ASSIGNMENT + ".ipynb")).write_text("")

    options = GradingOptions(cell_timeout=6, limits=sandbox.Limits(cpu_seconds=30, processes=64))
    rows = grade_class(ASSIGNMENT, str(subs), str(root / "out"), workers=2, options=options)
    return {row.student_id: row for row in rows}, root


def autograded(root, student):
    path = root / "out" / "work" / student / "autograded" / student / ASSIGNMENT / (ASSIGNMENT + ".ipynb")
    return nbformat.read(str(path), as_version=4)


def printed(root, student):
    return "".join(o.get("text", "") for c in autograded(root, student).cells for o in c.get("outputs", []))


EXPECTED = {  # student: (status, score or (low, high) range)
    "honest": ("ok", FULL),
    "honest_twin": ("ok", FULL),
    "endless_loop": ("timeout", (1, 4)),
    "memory_hog": ("ok", (1, 4)),
    "process_spawner": ("ok", (1, 4)),
    "os_exit": ("kernel died", 0),
    "sys_exit": ("ok", (1, 4)),
    "patches_numpy": ("ok", 0),
    "patches_showtraceback": ("ok", 0),
    "always_equal": ("ok", 0),
    "forges_emission": ("ok", 0),
    "reads_other_folders": ("ok", FULL),
    "writes_outside": ("ok", FULL),
    "connects_to_loopback": ("ok", FULL),
    "leaves_a_mark": ("ok", FULL),
    "sees_its_own_kernel_only": ("ok", FULL),
    "huge_output": ("ok", FULL),
    "warns_on_stderr": ("ok", FULL),
    "edits_tests_honestly": ("ok", FULL),
    "edits_tests_to_cheat": ("ok", 0),
    "deletes_tests_honestly": ("ok", FULL),
    "deletes_tests_to_cheat": ("ok", 0),
    "retypes_tests_to_cheat": ("ok", 0),
    "duplicates_tests": ("ok", FULL),
    "strips_metadata_honestly": ("ok", FULL),
    "strips_metadata_to_cheat": ("ok", 0),
    "empty_valid_notebook": ("ok", 0),
    "malformed_json": ("invalid notebook", 0),
    "empty_file": ("invalid notebook", 0),
}


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_attack_gets_its_expected_score_and_status(graded, student):
    rows, _ = graded
    status, score = EXPECTED[student]
    row = rows[student]
    assert row.status == status, f"{student}: status {row.status!r} ({row.detail})"
    if isinstance(score, tuple):
        assert score[0] <= row.score <= score[1], f"{student}: score {row.score}"
    else:
        assert row.score == score, f"{student}: score {row.score}, tests {row.tests}"


def test_a_loop_that_ignores_interrupts_is_stopped(graded):
    rows, _ = graded
    row = rows["ignores_sigint"]
    assert row.status in ("timeout", "kernel died") and row.score < FULL, row


def test_sandbox_hides_the_course_and_other_students(graded):
    rows, root = graded
    assert "FOUND []" in printed(root, "reads_other_folders")


def test_sandbox_writes_nowhere_outside_its_folder(graded):
    rows, root = graded
    assert "WRITTEN []" in printed(root, "writes_outside")
    assert not (root / "pwned").exists() and not (root / "out" / "pwned").exists()


def test_kernels_run_unprivileged_and_share_nothing(graded):
    rows, root = graded
    text = printed(root, "sees_its_own_kernel_only")
    words = text[text.index("UID"):].split()
    assert int(words[1]) >= sandbox.UID_BASE and words[3] == "[]" and words[5] == "1", text
    assert words[7:12] == ["0000000000000000"] * 5, f"capabilities left: {text}"
    assert "MARKS False False False" in text
    processes = ast.literal_eval(text[text.index("PROCESSES") + len("PROCESSES"):].strip().splitlines()[0])
    assert len(processes) <= 4, f"the kernel sees processes beyond its sandbox: {processes}"


def test_no_network_even_to_loopback(graded, loopback_server):
    rows, root = graded
    _, connections = loopback_server
    assert "NETWORK BLOCKED" in printed(root, "connects_to_loopback")
    assert connections == []


def test_output_is_capped(graded):
    rows, root = graded
    feedback = root / "out" / "feedback" / "huge_output" / (ASSIGNMENT + ".html")
    assert feedback.stat().st_size < 1_000_000
    assert len(printed(root, "huge_output")) < 100_000


def test_feedback_shows_no_hidden_test_source_or_traceback(graded):
    rows, root = graded
    for student in ("patches_numpy", "honest", "os_exit"):
        feedback = root / "out" / "feedback" / student / (ASSIGNMENT + ".html")
        if not feedback.exists():
            continue
        html = feedback.read_text()
        for leak in ("BEGIN HIDDEN TESTS", "hidden.check", "autograder", "checking.py", "kernel_shim"):
            assert leak not in html, f"{student}'s feedback shows {leak!r}"
    result = json.loads((root / "out" / "results" / "patches_numpy.json").read_text())
    failing = [t for t in result["row"]["tests"] if not t["passed"]]
    assert failing and all(t["message"] for t in failing), "a failing test must say why"


def test_every_student_has_a_row_and_the_csv_is_complete(graded):
    rows, root = graded
    lines = (root / "out" / "grades.csv").read_text().strip().splitlines()
    assert len(lines) == 1 + len(rows) == 1 + len(EXPECTED) + 1  # + ignores_sigint


def test_stderr_in_a_test_cell_is_shown_but_costs_nothing(graded):
    rows, root = graded
    test_sigmoid = next(c for c in autograded(root, "warns_on_stderr").cells
                        if c.metadata.get("nbgrader", {}).get("grade_id") == "test_sigmoid")
    text = "".join(o.get("text", "") for o in test_sigmoid.outputs)
    assert "[stderr] debugging on stderr" in text
    assert rows["warns_on_stderr"].tests and all(t["passed"] for t in rows["warns_on_stderr"].tests)
