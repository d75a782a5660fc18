"""Student code is hostile until proven otherwise: one batch of attacks, graded next to an honest student.

Every case states the score and status it must get; the honest students must keep full marks.
Needs the sandbox (bubblewrap); `make test` installs it when run as root.
"""
import ast
import csv
import json
import os
import re
import socket
import threading
import time
import warnings
import zipfile

import nbformat
import pytest

from autograder.grading.layout import autograded_notebook, student_work_folder
from autograder.grading.records import GradingOptions
from autograder.grading.run import grade_class
from autograder.grading.submissions import unpack_download
from autograder.isolation import sandbox
from autograder.testing import answer_cell_ids, exercise_notebook, set_answer, solved_exercise

ASSIGNMENT = "a01_rnn_forward"
FULL = 10.0
MiB = 1024 ** 2
# Small limits, so that filling them takes a moment: each attack below tries to write far more.
LIMITS = sandbox.Limits(cpu_seconds=30, processes=64, tmp_bytes=64 * MiB, workdir_bytes=64 * MiB)
NOTEBOOK_TIMEOUT = 25
pytestmark = pytest.mark.skipif(bool(sandbox.missing_tools()), reason=f"needs {sandbox.INSTALL_HINT}")

# Wrong on every hidden case (a constant 7), so that with partial credit a cheat that fails scores exactly 0.
WRONG_EVERYTHING = """
def sigmoid(x): return np.full_like(np.asarray(x, dtype=float), 7.0)
def tanh(x): return np.full_like(np.asarray(x, dtype=float), 7.0)
def rnn_step(x_t, h_prev, W_xh, W_hh, b_h, nonlinearity="tanh"): return np.full((len(x_t), len(b_h)), 7.0)
def rnn_forward(x, h0, W_xh, W_hh, b_h, nonlinearity="tanh"): return np.full(x.shape[:2] + (len(b_h),), 7.0)
def softmax(z): return np.full_like(np.asarray(z, dtype=float), 7.0)
def rnn_output(h, W_hy, b_y): return np.full(h.shape[:-1] + (len(b_y),), 7.0)
def many_to_one_forward(x, h0, W_xh, W_hh, b_h, W_hy, b_y): return np.full((len(x), len(b_y)), 7.0)
"""


# A replacement for IPython's display that rewrites the hidden-test emission before it leaves the kernel.
FORGED_DISPLAY = """
import IPython.display as _shown
_real_display = _shown.display
def _arrays(value, change):
    if isinstance(value, dict):
        if '__ndarray__' in value:
            change(value)
        for item in value.values():
            _arrays(item, change)
    elif isinstance(value, list):
        for item in value:
            _arrays(item, change)
    return value
def _forge(outputs):
    return %s
def _display(*objects, **kwargs):
    for obj in objects:
        for mime, payload in (obj.items() if isinstance(obj, dict) else ()):
            if mime.startswith('application/vnd.gatebygate') and isinstance(payload, dict):
                payload['outputs'] = _forge(payload['outputs'])
    return _real_display(*objects, **kwargs)
_shown.display = _display
"""
FORGED_EMISSIONS = {
    "wrong_shapes": "_arrays(outputs, lambda a: a.update(shape=[7] + list(a['shape'])))",
    "unknown_dtypes": "_arrays(outputs, lambda a: a.update(dtype='nonsense' if a['dtype'] == '<f8' else '<c16'))",
    "deep_nesting": "[{'__observed__': [__import__('functools').reduce(lambda v, _: [v], range(500), 1.0), None]}"
                    " for _ in outputs]",
    "wrong_types": "[[None, 'text', 3.5, {'__observed__': 'x'}, {'__raised__': [1, 2, 3]}, {'__tuple__': 5},"
                   " {'__dict__': [[1]]}, {'__ndarray__': 5, 'dtype': [], 'shape': 'x'}][i % 8]"
                   " for i in range(len(outputs))]",
}


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
        # Issue 13, 7b: the hidden-test emission itself is forged, through a replaced IPython.display.display.
        # Each is judged and scored (every hidden case fails, with a detail), never a grader `error`.
        **{f"emission_{kind}": solved_with("sigmoid", prefix=FORGED_DISPLAY % transform)
           for kind, transform in FORGED_EMISSIONS.items()},
        "forges_partial_credit": cheater("import sys\n_zero = sigmoid\n"
                                         "def sigmoid(x):\n    sys.displayhook(1.0)\n    return _zero(x)"),
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
        # Memory the address-space limit does not see: tmpfs pages, in /tmp and in the working folder.
        "fills_tmp": solved_with("sigmoid", prefix=FILL % "/tmp/fill"),
        "fills_its_folder": solved_with("sigmoid", prefix=FILL % "fill"),
        # nbgrader's own marker text, in a student's string and comment, is only text.
        "writes_markers": solved_with("sigmoid", prefix=MARKERS),
        "finds_writable_places": solved_with("sigmoid", prefix=(
            "import os\nwritable = []\nfor top, folders, _ in os.walk('/'):\n"
            "    folders[:] = [f for f in folders if os.path.join(top, f) not in ('/proc', '/sys')]\n"
            "    if os.access(top, os.W_OK):\n        writable.append(top)\n"
            "print('WRITABLE', sorted(writable), 'CWD', os.getcwd())")),
        # A kernel sends whatever display data it is asked to: some of it nbformat cannot store, some is a script.
        "displays_what_nbformat_cannot_store": solved_with("sigmoid", prefix=(
            "from IPython.display import display\n"
            "display({'text/plain': 123, 'image/png': 45, 'application/json': [1, {'a': None}]}, raw=True)")),
        "displays_a_script": solved_with("sigmoid", prefix=(
            "from IPython.display import HTML, display\n"
            "display(HTML('<script>alert(\"owned\")</script><img src=x onerror=alert(2)>'))")),
        "links_beside_the_notebook": solved_with("sigmoid", prefix=(
            "import os\nprint('BESIDE', sorted(os.listdir('.')))")),
        # Korean names, spaces and e-mail addresses are ids as LMS exports write them.
        "김민준": solved_exercise(ASSIGNMENT),
        "Kim Minjun": solved_exercise(ASSIGNMENT),
        "minjun.kim@uni.example": solved_exercise(ASSIGNMENT),
        # Issue 22: ids are data, never a regular expression, a glob, HTML or one of the grader's own folders.
        **{student: solved_exercise(ASSIGNMENT) for student in HOSTILE_IDS},
    }
    sleeper = solved_exercise(ASSIGNMENT)
    after_sigmoid_test = 1 + next(i for i, c in enumerate(sleeper.cells)
                                  if c.metadata.get("nbgrader", {}).get("grade_id") == "test_sigmoid")
    sleeper.cells[after_sigmoid_test:after_sigmoid_test] = [
        nbformat.v4.new_code_cell("import time\ntime.sleep(5)") for _ in range(20)]
    notebooks["sleeps_past_the_notebook_limit"] = sleeper
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
    notebooks["untouched_release_saved_later"] = solved_exercise(ASSIGNMENT)

    for student, notebook in notebooks.items():
        os.makedirs(subs / student)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the duplicated cells' ids are duplicated on purpose
            nbformat.write(notebook, str(subs / student / (ASSIGNMENT + ".ipynb")))
    # Issue 22, row 7: the untouched Korean release, copied in after the student's finished notebook.
    untouched = subs / "untouched_release_saved_later" / f"{ASSIGNMENT}.ko.ipynb"
    nbformat.write(exercise_notebook(ASSIGNMENT, "ko"), str(untouched))
    os.utime(untouched, (time.time() + 60, time.time() + 60))
    (subs / "malformed_json").mkdir()
    (subs / "malformed_json" / (ASSIGNMENT + ".ipynb")).write_text('{"cells": [{"cell_type": ')
    (subs / "empty_file").mkdir()
    (subs / "empty_file" / (ASSIGNMENT + ".ipynb")).write_text("")
    solution = os.path.abspath(os.path.join("solutions", ASSIGNMENT, ASSIGNMENT + ".ipynb"))
    (subs / "notebook_links_to_the_solution").mkdir()
    os.symlink(solution, subs / "notebook_links_to_the_solution" / (ASSIGNMENT + ".ipynb"))
    (subs / "notebook_is_a_fifo").mkdir()
    os.mkfifo(subs / "notebook_is_a_fifo" / (ASSIGNMENT + ".ipynb"))
    os.symlink(subs / "honest", subs / "folder_is_a_link")
    beside = subs / "links_beside_the_notebook"
    os.symlink(solution, beside / "notes.txt")
    os.symlink("/etc/shadow", beside / "shadow.txt")
    os.symlink(os.path.dirname(solution), beside / "solutions")
    os.mkfifo(beside / "pipe")
    (beside / "data.txt").write_text("the student's own file")

    options = GradingOptions(cell_timeout=6, notebook_timeout=NOTEBOOK_TIMEOUT, limits=LIMITS)
    started = time.monotonic()
    rows = grade_class(ASSIGNMENT, str(subs), str(root / "out"), workers=2, options=options)
    print(f"hostile batch: {len(rows)} students graded in {time.monotonic() - started:.0f} s")
    return {row.student_id: row for row in rows}, root


# 40 files of 50 MB each: no one file passes the file-size limit, so only the tmpfs's size can stop it.
FILL = """import errno
written = 0
try:
    for i in range(40):
        with open(%r + str(i), 'wb') as handle:
            handle.write(b'x' * (50 * 1024 ** 2))
        written += 50
except OSError as error:
    print('STOPPED', errno.errorcode[error.errno])
print('WRITTEN MB', written)
"""
MARKERS = """TEXT = '''
### BEGIN HIDDEN TESTS
### BEGIN HIDDEN TESTS
### END SOLUTION
'''
# ### BEGIN HIDDEN TESTS
"""


def autograded(root, student):
    return nbformat.read(autograded_notebook(student_work_folder(str(root / "out"), student), ASSIGNMENT),
                         as_version=4)


def printed(root, student):
    return "".join(o.get("text", "") for c in autograded(root, student).cells for o in c.get("outputs", []))


# LMS ids with what nbgrader reads as a regular expression or a glob, HTML, quotes, and the grader's own folders.
HOSTILE_IDS = ["<img src=x onerror=alert(1)>", "minjun+rnn@uni.example", "Kim (Minjun)", "O'Brien \"Q\" [1]*?",
               "_template", "template", "work", "results", "feedback", "grades.csv"]

EXPECTED = {  # student: (status, score or (low, high) range)
    **{student: ("ok", FULL) for student in HOSTILE_IDS},
    "untouched_release_saved_later": ("ok", FULL),
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
    **{f"emission_{kind}": ("ok", "every hidden case fails") for kind in FORGED_EMISSIONS},
    "forges_partial_credit": ("ok", 0),
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
    "fills_tmp": ("ok", FULL),
    "fills_its_folder": ("ok", FULL),
    "writes_markers": ("ok", FULL),
    "links_beside_the_notebook": ("ok", FULL),
    "finds_writable_places": ("ok", FULL),
    "displays_what_nbformat_cannot_store": ("ok", FULL),
    "displays_a_script": ("ok", FULL),
    "김민준": ("ok", FULL),
    "Kim Minjun": ("ok", FULL),
    "minjun.kim@uni.example": ("ok", FULL),
    "sleeps_past_the_notebook_limit": ("timeout", (1, 4)),
    "notebook_links_to_the_solution": ("refused", 0),
    "notebook_is_a_fifo": ("refused", 0),
    "folder_is_a_link": ("refused", 0),
}


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_attack_gets_its_expected_score_and_status(graded, student):
    rows, _ = graded
    status, score = EXPECTED[student]
    row = rows[student]
    assert row.status == status, f"{student}: status {row.status!r} ({row.detail})"
    if score == "every hidden case fails":
        assert row.score == 0, f"{student}: score {row.score}"
        failing = [t for t in row.tests if not t["passed"]]
        assert failing and all(t["message"] and t["cases"] and not any(c["passed"] for c in t["cases"])
                               for t in failing), f"{student}: {failing[:1]}"
    elif isinstance(score, tuple):
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


def test_links_and_special_files_are_refused_and_named(graded):
    rows, root = graded
    assert "symbolic link" in rows["notebook_links_to_the_solution"].detail
    assert "fifo" in rows["notebook_is_a_fifo"].detail
    assert "symbolic link" in rows["folder_is_a_link"].detail
    beside = rows["links_beside_the_notebook"].detail
    for name in ("notes.txt (a symbolic link)", "shadow.txt (a symbolic link)", "solutions (a symbolic link)",
                 "pipe (a fifo)"):
        assert name in beside, beside
    listing = printed(root, "links_beside_the_notebook")
    assert f"BESIDE ['{ASSIGNMENT}.ipynb', 'data.txt']" in listing, listing


@pytest.mark.parametrize("student, limit", [("fills_tmp", LIMITS.tmp_bytes),
                                            ("fills_its_folder", LIMITS.workdir_bytes)])
def test_every_writable_place_has_a_size(graded, student, limit):
    rows, root = graded
    text = printed(root, student)
    assert "STOPPED ENOSPC" in text, text
    assert int(text.split("WRITTEN MB")[1].split()[0]) * MiB <= limit, text


def test_the_only_writable_places_are_the_sized_ones(graded):
    rows, root = graded
    text = printed(root, "finds_writable_places")
    writable = ast.literal_eval(text.split("WRITABLE ")[1].split(" CWD ")[0])
    cwd = text.split(" CWD ")[1].split()[0]
    sockets = os.path.join(student_work_folder(str(root / "out"), "finds_writable_places"), "sockets")
    places = ["/tmp", cwd, sockets]
    assert set(places) <= set(writable), writable
    outside = [w for w in writable if not any(w == p or w.startswith(p + "/") for p in places)]
    assert not outside, f"writable outside the sized tmpfs: {outside}"


def test_nothing_a_kernel_wrote_stays_on_the_graders_disk(graded):
    rows, root = graded
    files = [os.path.join(d, f) for d, _, names in os.walk(root / "out") for f in names]
    sizes = [os.path.getsize(f) for f in files if not os.path.islink(f)]
    assert max(sizes) < 8 * MiB and sum(sizes) < 200 * MiB, f"{max(sizes)} B in one file, {sum(sizes)} B in all"
    assert not [f for f in files if re.fullmatch(r"fill\d+", os.path.basename(f))], "a kernel's file outlived it"
    logs = {os.path.dirname(f) for f in files if os.path.basename(f) == "kernel.log"}
    died = {student_work_folder(str(root / "out"), s) for s, row in rows.items() if row.status == "kernel died"}
    assert logs == died, logs


def test_a_notebook_past_its_wall_clock_limit_is_stopped(graded):
    rows, root = graded
    row = rows["sleeps_past_the_notebook_limit"]
    assert f"{NOTEBOOK_TIMEOUT} s wall-clock limit" in row.detail, row.detail
    not_run = [c for c in autograded(root, "sleeps_past_the_notebook_limit").cells
               if any(o.get("ename") == "NotebookTimeLimit" for o in c.get("outputs", []))]
    assert not_run and all(c.execution_count is None for c in not_run)
    assert not any(t["passed"] for t in row.tests if t["cell"] != "test_sigmoid"), row.tests


def test_ids_are_kept_exactly(graded):
    rows, root = graded
    with open(root / "out" / "grades.csv", newline="", encoding="utf-8") as handle:
        by_id = {row["student_id"]: row for row in csv.DictReader(handle)}
    for student in ("김민준", "Kim Minjun", "minjun.kim@uni.example", *HOSTILE_IDS):
        assert (by_id[student]["score"], by_id[student]["status"]) == ("10.0", "ok"), by_id[student]
        assert (root / "out" / "feedback" / student / f"{ASSIGNMENT}.html").is_file()


def test_ids_are_never_html_in_the_class_report(graded):
    rows, root = graded
    report = (root / "out" / "report.html").read_text(encoding="utf-8")
    assert "<img src=x" not in report


def test_the_students_work_wins_over_an_untouched_release_saved_later(graded):
    rows, root = graded
    detail = rows["untouched_release_saved_later"].detail
    assert f"graded {ASSIGNMENT}.ipynb" in detail and f"{ASSIGNMENT}.ko.ipynb (the release, no answer changed)" \
        in detail, detail


def zipped_notebook(notebook, name, when=(2026, 3, 1, 12, 0, 0)):
    return zipfile.ZipInfo(name, date_time=when), nbformat.writes(notebook)


@pytest.fixture(scope="module")
def graded_zip(tmp_path_factory):
    """An LMS download: honest students beside a zip bomb, two attempts, a link entry and a Korean id."""
    root = tmp_path_factory.mktemp("hostile_zip")
    archive = root / "download.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(*zipped_notebook(solved_exercise(ASSIGNMENT), "s001_a01_rnn_forward.ipynb"))
        bomb = zipfile.ZipInfo("s002_a01_rnn_forward.ipynb", date_time=(2026, 3, 1, 12, 0, 0))
        bomb.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(bomb, "w") as handle:
            for _ in range(64):  # 64 MiB of zeros: 64 KiB in the archive
                handle.write(bytes(MiB))
        zf.writestr(*zipped_notebook(exercise_notebook(ASSIGNMENT), "s003_a01_rnn_forward.ipynb",
                                     (2026, 3, 1, 9, 0, 0)))
        zf.writestr(*zipped_notebook(solved_exercise(ASSIGNMENT), "s003_a01_rnn_forward (1).ipynb",
                                     (2026, 3, 2, 9, 0, 0)))
        link = zipfile.ZipInfo("s004_a01_rnn_forward.ipynb", date_time=(2026, 3, 1, 12, 0, 0))
        link.create_system, link.external_attr = 3, (0o120777 << 16)
        zf.writestr(link, os.path.abspath(os.path.join("solutions", ASSIGNMENT, ASSIGNMENT + ".ipynb")))
        zf.writestr(*zipped_notebook(solved_exercise(ASSIGNMENT), "김민준_a01_rnn_forward.ipynb"))
    unpacked = unpack_download(str(archive), str(root / "subs"), ASSIGNMENT, max_notebook_bytes=8 * MiB)
    options = GradingOptions(cell_timeout=6, notebook_timeout=NOTEBOOK_TIMEOUT, limits=LIMITS)
    rows = grade_class(ASSIGNMENT, str(root / "subs"), str(root / "out"), workers=2, options=options,
                       unpacked=unpacked)
    return {row.student_id: row for row in rows}, root


def test_an_lms_zip_is_unpacked_safely_and_everyone_else_is_graded(graded_zip):
    rows, root = graded_zip
    assert set(rows) == {"s001", "s002", "s003", "s004", "김민준"}
    assert (rows["s001"].status, rows["s001"].score) == ("ok", FULL)
    assert (rows["김민준"].status, rows["김민준"].score) == ("ok", FULL)
    assert (rows["s002"].status, rows["s002"].score) == ("refused", 0)
    assert "per-notebook cap" in rows["s002"].detail
    assert (rows["s004"].status, rows["s004"].score) == ("refused", 0)
    assert "symbolic link" in rows["s004"].detail


def test_the_latest_of_several_attempts_is_graded_and_named(graded_zip):
    rows, root = graded_zip
    row = rows["s003"]
    assert (row.status, row.score) == ("ok", FULL), row
    assert "graded s003_a01_rnn_forward (1).ipynb" in row.detail
    assert "set aside the earlier s003_a01_rnn_forward.ipynb" in row.detail


def test_feedback_pages_run_no_script_a_student_displayed(graded):
    rows, root = graded
    page = (root / "out" / "feedback" / "displays_a_script" / (ASSIGNMENT + ".html")).read_text(encoding="utf-8")
    assert '<script>alert("owned")' not in page and "<img src=x onerror" not in page
    kept = autograded(root, "displays_what_nbformat_cannot_store")
    assert any("cannot store was left out" in o.get("text", "") for c in kept.cells for o in c.get("outputs", []))
