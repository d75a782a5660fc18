"""Known mistakes, diagnosed in a graded batch; partial credit, exact; the class report and the LMS exports.

Each student's notebook carries catalogued mistakes as their answers (the mistake's own function, pickled by
value into the answer cell), and is graded by `grade_class` in the sandbox like any other submission.
"""
import csv
import json
import re

import pytest

from autograder import hidden as hidden_tests
from autograder.grading.records import GradingOptions
from autograder.grading.run import grade_class
from autograder.isolation import sandbox
from autograder.lms import export
from autograder.testing import UNPLANTED, mistake_batch as batch, set_answer, solved_exercise
from autograder.testing import write_submission as write

pytestmark = pytest.mark.skipif(bool(sandbox.missing_tools()), reason=f"needs {sandbox.INSTALL_HINT}")


def diagnosed(row):
    return {m["function"]: m["name"] for test in row.tests for m in test.get("mistakes", [])}


A01 = "a01_rnn_forward"
A01_CELLS = {f: f for f in ("sigmoid", "tanh", "rnn_step", "rnn_forward", "softmax", "rnn_output",
                            "many_to_one_forward")}


@pytest.fixture(scope="module")
def graded_a01(tmp_path_factory):
    root = tmp_path_factory.mktemp("diagnosis")
    overflowing = solved_exercise(A01)
    set_answer(overflowing, "sigmoid", "def sigmoid(x):\n    return 1.0 / (1.0 + np.exp(-np.asarray(x)))")
    crashing_once = solved_exercise(A01)
    set_answer(crashing_once, "softmax", "def softmax(z):\n    if np.ndim(z) == 3:\n        raise ValueError('3-D')\n"
               "    e = np.exp(z - z.max(axis=-1, keepdims=True))\n    return e / e.sum(axis=-1, keepdims=True)")
    rows, planted = batch(A01, A01_CELLS, root, extra={"overflowing_sigmoid": overflowing,
                                                       "softmax_fails_3d": crashing_once})
    return rows, planted, root / "out"


def test_every_a01_mistake_is_diagnosed_as_itself_in_a_graded_batch(graded_a01):
    rows, planted, _ = graded_a01
    for student, functions in planted.items():
        row = rows[student]
        assert row.status == "ok", (student, row.detail)
        assert diagnosed(row) == functions, f"{student}: planted {functions}, diagnosed {diagnosed(row)}"
    assert rows["honest"].score == rows["honest"].max_score and diagnosed(rows["honest"]) == {}


def test_feedback_names_the_mistake_and_links_the_book(graded_a01):
    rows, planted, out = graded_a01
    student = next(s for s, f in planted.items() if f.get("sigmoid") == "tanh instead of sigmoid")
    page = (out / "feedback" / student / (A01 + ".html")).read_text()
    assert "This is what you get with tanh instead of sigmoid" in page
    assert "book/02_vanilla_rnn.html#sigmoid-versus-tanh" in page
    assert "FAIL" in page and "PASS" in page  # every case listed, by name


def test_partial_credit_is_the_passed_fraction(graded_a01):
    rows, _, out = graded_a01
    for student, function in (("overflowing_sigmoid", "sigmoid"), ("softmax_fails_3d", "softmax")):
        row = rows[student]
        test = next(t for t in row.tests if t["cell"] == f"test_{function}")
        cases = [c for c in test["cases"] if c["function"] == function]
        failed = [c["name"] for c in cases if not c["passed"]]
        assert len(failed) == 1, failed
        # Each hidden case is a unit; failing visible asserts add one failed unit, passing ones add nothing.
        units = len(cases) + (not test["visible_passed"])
        assert test["score"] == pytest.approx(test["max_score"] * (len(cases) - 1) / units)
        others = [t for t in row.tests if t["cell"] != f"test_{function}"]
        assert row.score == pytest.approx(test["score"] + sum(t["score"] for t in others))
        # (the solution's tanh and rnn_output call the student's sigmoid and softmax: those cells lose a case too)
        saved = json.loads((out / "results" / f"{student}.json").read_text())["row"]
        assert [c["passed"] for c in next(t for t in saved["tests"] if t["cell"] == test["cell"])["cases"]] \
            == [c["passed"] for c in cases]
    assert "large pre-activations" in next(c["name"] for t in rows["overflowing_sigmoid"].tests
                                           for c in t["cases"] if not c["passed"])
    with open(out / "grades.csv") as handle:
        table = {r["student_id"]: r for r in csv.DictReader(handle)}
    assert "sigmoid 3/4" in table["overflowing_sigmoid"]["cases"]


def test_the_class_report_counts_what_happened(graded_a01):
    rows, planted, out = graded_a01
    numbers = json.loads((out / "report.json").read_text())
    assert numbers["students"] == len(rows) and numbers["statuses"] == {"ok": len(rows)}
    counted = {(m["function"], m["mistake"]): m["students"] for m in numbers["mistakes"]}
    for student, functions in planted.items():
        for function, name in functions.items():
            assert counted[(function, name)] >= 1
    sigmoid = next(f for f in numbers["functions"] if f["function"] == "sigmoid")
    assert sigmoid["passed"] == sum(all(c["passed"] for t in r.tests for c in t["cases"] if c["function"] == "sigmoid")
                                    for r in rows.values())
    page = (out / "report.html").read_text()
    # Self-contained: nothing is loaded from the network (its links to the published book lead there, if followed)
    loads = re.sub(r'<a href="https://[^"]*"', "<a", page.replace("http-equiv", ""))
    assert page.count("<svg ") == 2 and "http" not in loads
    assert all(m["message"] for m in numbers["mistakes"])
    assert len(numbers["slowest"]) == min(10, len(rows)) and all(t["seconds"] > 0 for t in numbers["slowest"])
    with open(out / "cases.csv", newline="") as handle:
        cases = list(csv.DictReader(handle))
    assert len(cases) == sum(len(t["cases"]) for r in rows.values() for t in r.tests)


def test_exports_round_trip_against_a_canvas_roster(graded_a01, tmp_path):
    rows, _, out = graded_a01
    graded = sorted(rows)
    roster = tmp_path / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Quiz 1 (100)"])
        writer.writerow(["    Points Possible", "", "", "", "", "10"])
        for k, sid in enumerate(graded[1:]):  # the first graded student is not on the roster
            writer.writerow([f"Student {k}", str(1000 + k), f"U{k}", sid, "RNN 101", "7"])
        writer.writerow(["김 민준", "2000", "U99", "kim.minjun", "RNN 101", "9"])  # on the roster, never graded
    result = export(str(out / "grades.csv"), str(tmp_path / "export"), A01, str(roster), column="RNN forward (77)")
    assert result.match_column == "SIS Login ID"
    assert result.not_on_roster == [graded[0]]
    assert result.without_grade == ["김 민준 (SIS Login ID kim.minjun)"]
    with open(tmp_path / "export" / f"{A01}_canvas.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "RNN forward (77)"]
    assert table[1][0] == "Points Possible" and float(table[1][5]) == rows[graded[0]].max_score
    by_login = {r[3]: r for r in table[2:]}
    assert set(by_login) == set(graded[1:]) | {"kim.minjun"}
    for sid in graded[1:]:
        assert float(by_login[sid][5]) == pytest.approx(rows[sid].score, abs=1e-6)
    assert by_login["kim.minjun"][5] == ""
    with open(tmp_path / "export" / f"{A01}_scores.csv", newline="") as handle:
        plain = {r["student_id"]: float(r["score"]) for r in csv.DictReader(handle)}
    assert plain == pytest.approx({sid: row.score for sid, row in rows.items()}, abs=1e-6)
    issues = (tmp_path / "export" / "export_issues.txt").read_text()
    assert graded[0] in issues and "kim.minjun" in issues


A03 = "a03_lstm"


def test_the_sources_product_bug_is_named_even_though_a_visible_assert_fails_first(tmp_path):
    notebook = solved_exercise(A03)
    product = next(m for m in hidden_tests.mistakes(A03)["cell_update"] if "prev_ct * ft" in m.name)
    set_answer(notebook, "cell_update", "def cell_update(c_prev, f, i, c_tilde):\n"
                                        "    return c_prev * f * c_tilde * i  # the source's pseudocode")
    write(tmp_path / "subs", "product_bug", A03, notebook)
    rows = grade_class(A03, str(tmp_path / "subs"), str(tmp_path / "out"), workers=1,
                       options=GradingOptions(cell_timeout=60))
    row = rows[0]
    test = next(t for t in row.tests if t["cell"] == "test_cell_update")
    assert not test["visible_passed"], "the visible assert should fail on the product bug"
    assert [m["name"] for m in test["mistakes"]] == [product.name]
    page = (tmp_path / "out" / "feedback" / "product_bug" / (A03 + ".html")).read_text()
    assert "book/04_lstm.html#a-worked-correction" in page


@pytest.mark.parametrize("assignment", ["a02_bptt", "a03_lstm", "a04_gru", "a05_deep_variants"])
def test_every_mistake_is_diagnosed_as_itself_in_a_graded_batch(assignment, tmp_path):
    import importlib

    hidden = importlib.import_module(f"autograder.hidden.{assignment}")
    rows, planted = batch(assignment, {f: f for f in hidden.CHECKS}, tmp_path)
    # A planted function must be diagnosed as exactly its mistake. The student's other (correct) functions may
    # be diagnosed too, rightly: the solution's gru_forward calling a gru_step that overwrites h_prev does
    # overwrite h0 ("updates h0 in place").
    wrong = {student: (functions, diagnosed(rows[student])) for student, functions in planted.items()
             if rows[student].status != "ok"
             or {f: diagnosed(rows[student]).get(f) for f in functions} != functions}
    assert not wrong, "\n".join(f"{s}: planted {p}\n  diagnosed {d} ({rows[s].status} {rows[s].detail})"
                                for s, (p, d) in wrong.items())
    assert rows["honest"].score == rows["honest"].max_score
    assert {m for f, m in UNPLANTED if f in hidden.CHECKS} <= {"calls torch's fused lstm_cell"}
