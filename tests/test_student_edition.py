"""The student edition (autograder/edition.py): nothing in it gives an answer away, and with only it a student checks
a notebook from any folder.

The edition is built here without its site (a minute less; `make test` builds no site): the site is searched by
tests/site/test_student_site.py after `make student`, with the same search (tests/edition_leaks.py). The last
test installs the check package into a fresh virtual environment with pip, as a student would: slow (a minute
or two, torch is 750 MB), and skipped with a message where pip can reach neither an index nor its cache.
"""
import base64
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

import nbformat
import numpy as np
import pytest

from autograder import hidden
from autograder.course import list_assignments
from autograder.edition import CHECK_REQUIREMENTS, LAYERS, PACKAGE, build_edition
from autograder.student.notebook import can_sandbox
from autograder.testing import exercise_notebook, solved_exercise

import edition_leaks

ASSIGNMENTS = list_assignments()
TANH_SIGMOID = "import numpy as np\n\ndef sigmoid(x):\n    return np.tanh(x)\n"
NEVER_IN_THE_CHECK = ("jupyter_book", "jupyter-book", "selenium", "pytest", "sphinx", "nbgrader", "polib",
                      "music21", "myst")


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    return build_edition(str(tmp_path_factory.mktemp("student") / "edition"))


def test_the_edition_holds_what_a_student_needs(edition):
    for assignment in ASSIGNMENTS:
        for name in (f"{assignment}.ipynb", f"{assignment}.ko.ipynb"):
            assert os.path.isfile(os.path.join(edition, "exercises", assignment, name)), name
        data = os.path.join(edition, "check", PACKAGE, "data", assignment)
        assert sorted(os.listdir(data)) == ["cases.pkl", "expected.json.gz", "release.json", "words.json"]
    for name in ("README.md", "README.ko.md", "requirements.txt", os.path.join("check", "pyproject.toml"),
                 os.path.join("book", "04_lstm.md"), os.path.join("book", "04_lstm.ko.ipynb")):
        assert os.path.isfile(os.path.join(edition, name)), name
    assert not os.path.exists(os.path.join(edition, "book", "_ext"))
    # The package is the grader's layers copied whole, and nothing else of it.
    package = os.path.join(edition, "check", PACKAGE)
    assert sorted(os.listdir(package)) == sorted({"__init__.py", "__main__.py", "data",
                                                  *(layer.split(os.sep)[0] for layer in LAYERS)})
    assert sorted(os.listdir(os.path.join(package, "pipeline"))) == ["__init__.py", "kernel_client.py"]
    pyproject = open(os.path.join(edition, "check", "pyproject.toml"), encoding="utf-8").read()
    assert all(f'"{name}' in pyproject.replace("-", "_") for name in CHECK_REQUIREMENTS)
    assert not any(name in pyproject for name in NEVER_IN_THE_CHECK)


def test_nothing_in_the_edition_gives_an_answer_away(edition):
    findings = edition_leaks.search(edition)
    print(f"searched {findings.files} files, {findings.bytes / 2 ** 20:.1f} MiB")
    assert findings.files > 100
    assert not findings.leaks, "\n".join(findings.leaks)


def test_the_search_finds_each_kind_of_leak(tmp_path):
    """Every kind of leak, planted in a folder of its own, is named with its file."""
    graded = hidden.expected("a01_rnn_forward")["rnn_step"].observations[0][0]
    solution = nbformat.read(os.path.join("solutions", "a03_lstm", "a03_lstm.ipynb"), as_version=4)
    answer = next(c.source for c in solution.cells if c.metadata.get("nbgrader", {}).get("solution")
                  and "BEGIN SOLUTION" in c.source and len(c.source.splitlines()) > 4)
    planted = {
        "answer.py": "\n".join(line for line in answer.splitlines() if "SOLUTION" not in line),
        "marker.txt": "### BEGIN HIDDEN TESTS\n",
        "printed.txt": np.array2string(graded, precision=8),
        "raw.npy": graded.tobytes(),
        "base64.json": json.dumps({"data": base64.b64encode(graded.astype(np.float32).tobytes()).decode()}),
        "renamed/whatever.py": open(os.path.join("autograder", "hidden", "a01_rnn_forward.py"), "rb").read(),
        "key.txt": hidden.PRACTICE_KEY,
        "solutions/notes.txt": "nothing",
    }
    archive = tmp_path / "bundle.zip"
    for name, content in planted.items():
        path = tmp_path / "plain" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("deep/mistakes.py", open(os.path.join("autograder", "hidden", "a01_rnn_forward_mistakes.py"),
                                                 encoding="utf-8").read())
    shutil.move(str(archive), tmp_path / "plain" / "bundle.zip")
    (tmp_path / "plain" / "data.json.gz").write_bytes(gzip.compress(np.array2string(graded).encode()))
    findings = edition_leaks.search(str(tmp_path / "plain"))
    named = {leak.split(":")[0] for leak in findings.leaks}
    expected = {*planted, "bundle.zip!deep/mistakes.py", "data.json.gz!gunzip"}
    missing = sorted(expected - named)
    assert not missing, f"not found: {missing}\n" + "\n".join(findings.leaks)


def student_notebooks(folder):
    """A solved notebook saved as Colab names a copy, and an untouched one as a browser names a second download."""
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(solved_exercise("a01_rnn_forward"), str(folder / "Copy of a01_rnn_forward.ipynb"))
    nbformat.write(exercise_notebook("a01_rnn_forward", "ko"), str(folder / "homework (1).ipynb"))
    return folder / "Copy of a01_rnn_forward.ipynb", folder / "homework (1).ipynb"


def run_check(python, notebook, *options, env=None):
    return subprocess.run([python, "-m", PACKAGE, "check", notebook.name, *options], cwd=notebook.parent,
                          capture_output=True, text=True, timeout=600, env=env)


def assert_checks(python, folder, env=None):
    """With `python` (that has the check package), a solved and an untouched notebook: in the sandbox where it can
    run, with --no-sandbox, and where no bubblewrap is on PATH: exit codes, the report, nothing alarming."""
    solved, untouched = student_notebooks(folder)
    env = dict(env or os.environ)
    without_bubblewrap = {**env, "PATH": os.path.dirname(python)}
    runs = [([], env)] if can_sandbox() else []
    runs += [(["--no-sandbox"], env), ([], without_bubblewrap)]
    for options, run_env in runs:
        good = run_check(python, solved, *options, env=run_env)
        assert good.returncode == 0, good.stdout + good.stderr
        assert "7 passed, 0 failed" in good.stdout and "practice cases: 34 of 34 passed" in good.stdout
        assert "other cases of the same kinds" in good.stdout
        bad = run_check(python, untouched, *options, env=run_env)
        assert bad.returncode == 1, bad.stdout + bad.stderr
        # a Korean notebook, answered in Korean: the verdicts and the report's own lines
        assert "테스트 셀 0개 통과, 7개 실패" in bad.stdout and "연습 사례: 34개 중 0개 통과" in bad.stdout
        assert "실패  test_sigmoid" in bad.stdout and not re.search("passed|failed|FAIL|practice", bad.stdout)
        if run_env is without_bubblewrap:
            assert good.stdout.startswith("bubblewrap is not installed: running the notebook directly")
            assert bad.stdout.startswith("bubblewrap이 설치되어 있지 않다. 노트북을 Jupyter처럼 직접 실행한다")
        for result in (good, bad):
            for alarming in ("WARNING", "eavesdropping", "Traceback", "DeprecationWarning"):
                assert alarming not in result.stdout + result.stderr, result.stdout + result.stderr


CHECK_ONE_FUNCTION = f"""
import sys
sys.modules["autograder"] = None  # the grader is not there; only the check package is
import numpy as np
from gatebygate import check_function

right = check_function("a01_rnn_forward", "sigmoid", lambda x: np.exp(-np.logaddexp(0, -x)))
exec({TANH_SIGMOID!r})
wrong = check_function("a01_rnn_forward", "sigmoid", sigmoid)
print(right.passed, sorted(right.cases.values()) == [True] * len(right.cases), len(right.cases))
print(wrong.passed, wrong.mistakes)
print(wrong.diagnosis)
"""


def test_the_check_package_runs_from_any_folder_without_the_grader(edition, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.path.join(edition, "check")}
    result = subprocess.run([sys.executable, "-c", CHECK_ONE_FUNCTION], cwd=tmp_path, capture_output=True,
                            text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    right, wrong, *diagnosis = result.stdout.splitlines()
    assert right == "True True 4"
    assert wrong == "False ['tanh instead of sigmoid']"
    assert "Diagnosis: This is what you get with tanh instead of sigmoid" in "\n".join(diagnosis)
    assert_checks(sys.executable, tmp_path / "outside", env)


def test_the_check_package_installs_alone_into_a_fresh_environment(edition, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    install = subprocess.run([python, "-m", "pip", "install", "--quiet", os.path.join(edition, "check")],
                             capture_output=True, text=True, timeout=900)
    if install.returncode != 0 and ("Could not find a version" in install.stderr
                                    or "No matching distribution" in install.stderr
                                    or "Failed to establish a new connection" in install.stderr):
        pytest.skip(f"pip can reach no index and no cache for the check's requirements: {install.stderr[-300:]}")
    assert install.returncode == 0, install.stderr
    listed = subprocess.run([python, "-m", "pip", "list", "--format=json"], capture_output=True, text=True,
                            check=True).stdout
    installed = {entry["name"].lower() for entry in json.loads(listed)}
    assert not [name for name in installed if any(never in name for never in NEVER_IN_THE_CHECK)], installed
    size = subprocess.run(["du", "-sm", str(venv)], capture_output=True, text=True).stdout.split()[0]
    print(f"the check package's environment: {size} MiB, {len(installed)} distributions")
    assert_checks(python, tmp_path / "elsewhere", {k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
