"""The mutation tests every assignment's hidden checks get, from its MUTANTS dict of wrong implementations.

In a test module:  test_reference_passes, test_mutant_is_rejected, test_every_graded_function_has_mutants = \\
                       mutation_tests(hidden, MUTANTS)
"""
import pytest


def mutation_tests(hidden, mutants):
    @pytest.mark.parametrize("function", list(hidden.CHECKS))
    def test_reference_passes(function, capsys):
        hidden.check(function, hidden.REFERENCES[function])
        assert f"{function}: {len(hidden.CHECKS[function])} hidden cases passed" in capsys.readouterr().out

    @pytest.mark.parametrize("function, mutant", [(f, m) for f in mutants for m in mutants[f]])
    def test_mutant_is_rejected(function, mutant):
        with pytest.raises(Exception) as failure:
            hidden.check(function, mutants[function][mutant])
        # Students read these messages in their feedback: they must name the function.
        if failure.type is AssertionError:
            assert function in str(failure.value)

    def test_every_graded_function_has_mutants():
        assert set(mutants) == set(hidden.CHECKS)

    return test_reference_passes, test_mutant_is_rejected, test_every_graded_function_has_mutants
