"""The a06 hidden tests accept the reference and reject each typical wrong implementation, and the grader
recognises each known mistake (autograder/hidden/a06_char_lm_mistakes.py) as itself."""
from autograder.hidden import a06_char_lm as hidden
from autograder.hidden.a06_char_lm_mistakes import MUTANTS

from diagnosis_tests import diagnosis_tests
from mutation import mutation_tests

test_reference_passes, test_mutant_is_rejected, test_every_graded_function_has_mutants = \
    mutation_tests(hidden, MUTANTS)
test_mistake_is_diagnosed_as_itself, test_reference_matches_no_mistake, test_every_mistake_links_to_a_book_section = \
    diagnosis_tests(hidden)
