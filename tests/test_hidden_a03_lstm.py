"""The a03 hidden tests accept the reference and reject each typical wrong implementation."""
import numpy as np
import pytest
import torch

from autograder.hidden import a03_lstm as hidden
from autograder.reference import lstm as ref

from diagnosis_tests import diagnosis_tests
from mutation import mutation_tests
from autograder.hidden.a03_lstm_mistakes import MUTANTS, CellBase, CellCallsTorchKernel, CellOwnNames, CellWrapsTorch, backward_with


test_reference_passes, test_mutant_is_rejected, test_every_graded_function_has_mutants = \
    mutation_tests(hidden, MUTANTS)
test_mistake_is_diagnosed_as_itself, test_reference_matches_no_mistake, test_every_mistake_links_to_a_book_section = \
    diagnosis_tests(hidden)


def test_a_correct_from_scratch_module_passes(capsys):
    hidden.check("LSTMCellScratch", CellBase)
    assert "LSTMCellScratch: 4 hidden cases passed" in capsys.readouterr().out


def test_the_module_reference_is_from_scratch_and_equals_torch():
    cell = ref.LSTMCellReference(3, 4).double()
    assert not any(isinstance(m, (torch.nn.RNNBase, torch.nn.RNNCellBase)) for m in cell.modules())
    torch_cell = torch.nn.LSTMCell(3, 4).double()
    cell.load_state_dict(torch_cell.state_dict())
    x, h, c = (torch.randn(2, n, dtype=torch.float64) for n in (3, 4, 4))
    for got, expected in zip(cell(x, (h, c)), torch_cell(x, (h, c))):
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)


def test_torch_comparisons_are_real():
    """The probe cases compare with torch and a numerical gradient, not only with the reference."""
    names = {function: [case.name for case in cases] for function, cases in hidden.CHECKS.items()}
    assert "equals torch.nn.LSTMCell (float64)" in names["lstm_step_forward"]
    assert "equals torch.nn.LSTM (float64)" in names["lstm_forward"]
    assert {"numerical gradient check", "torch.autograd, float64"} <= set(names["lstm_step_backward"])


def test_messages_say_what_is_wrong():
    product_bug = MUTANTS["cell_update"]["the source's ct = prev_ct * ft * candidate * it"]
    with pytest.raises(AssertionError, match=r"cell_update \[N=3, H=5\]: c_next differs from the reference"):
        hidden.check("cell_update", product_bug)
    for case in hidden.CHECKS["cell_update"][1:3]:  # keep everything / empty memory: the bug fails each alone
        assert not np.allclose(case.outputs(product_bug), case.outputs(ref.cell_update))
    with pytest.raises(AssertionError, match=r"lstm_step_forward \[.*\]: \(h_next, c_next, cache\)\[2\] is missing"):
        hidden.check("lstm_step_forward", lambda *a: (lambda h, c, k: (h, c, {"f": k["f"]}))(
            *ref.lstm_step_forward(*a)))
    with pytest.raises(AssertionError, match="written from scratch.*LSTMCell"):
        hidden.check("LSTMCellScratch", CellWrapsTorch)
    with pytest.raises(AssertionError, match=r"calls? torch's \['lstm_cell'\]|forward called torch's \['lstm_cell'\]"):
        hidden.check("LSTMCellScratch", CellCallsTorchKernel)
    with pytest.raises(AssertionError, match="must be exactly"):
        hidden.check("LSTMCellScratch", CellOwnNames)


def test_backward_probes_report_the_wrong_gradient():
    """A backward that is wrong is caught by the gradient check and by autograd on their own, too."""
    from autograder.judge.checking import check_function
    wrong = backward_with(dc_path="no tanh'")
    for case in hidden.CHECKS["lstm_step_backward"]:
        if case.run is None:
            continue
        with pytest.raises(AssertionError, match=rf"lstm_step_backward \[{case.name}\]: .*relative error of"):
            check_function("lstm_step_backward", wrong, ref.lstm_step_backward, [case], hidden.BACKWARD_OUTPUT)


def test_torch_probes_alone_catch_wrong_code():
    """The cases that compare with torch reject wrong code by themselves (not only the reference cases)."""
    from autograder.judge.checking import check_function
    for function, mutant, case_name in [
            ("lstm_step_forward", "forget and input gates swapped", "equals torch.nn.LSTMCell (float64)"),
            ("lstm_forward", "hidden state carried, cell state restarts from c0", "equals torch.nn.LSTM (float64)"),
            ("params_from_torch", "forgot bias_hh", "a real torch.nn.LSTM: your parameters reproduce its output")]:
        case = [c for c in hidden.CHECKS[function] if c.name == case_name]
        assert case
        with pytest.raises(AssertionError, match="minus"):
            check_function(function, MUTANTS[function][mutant], hidden.REFERENCES[function], case,
                           hidden.OUTPUT_NAMES[function])


def test_the_sources_pseudocode_fails_on_values_where_it_runs():
    """With D == H, `combine = prev_ht + input` runs without a shape error: the values must still give it away."""
    from autograder.judge.checking import check_function
    for function in ("forget_gate", "input_gate", "candidate", "output_gate", "lstm_step_forward"):
        square = [case for case in hidden.CHECKS[function] if case.name == "D equal to H"]
        assert square, f"{function} has no case with D == H"
        mutants = {name: fn for name, fn in MUTANTS[function].items() if "combine" in name}
        assert mutants
        for name, mutant in mutants.items():
            with pytest.raises(AssertionError, match=rf"{function} \[D equal to H\]: .* differs from the reference"):
                check_function(function, mutant, hidden.REFERENCES[function], square, hidden.OUTPUT_NAMES[function])
