"""The student edition's check and the grader agree (issue 24), measured over the known-mistake catalogue.

Each known mistake answers as a student would. The disagreement that matters is a function that passes every
practice case and fails graded cases: the check would say "all passed" and the grade would not. Measured when
the practice cases were made: 0 of 366 mistakes; the test allows 2% (a catalogue grows, practice seeds change
with each term's key) and prints the figures. The diagnosis (which known mistakes agree on every case) is
compared too: measured the same for all 366.
"""
import pytest

from autograder import hidden
from autograder.course import list_assignments
from autograder.judge.checking import judge
from autograder.judge.mistakes import diagnose

MAX_MISSED = 0.02          # mistakes that pass every practice case but fail graded ones, as a fraction
MIN_SAME_DIAGNOSIS = 0.95  # mistakes diagnosed alike on the practice cases and on the graded ones


def passes(table, observations):
    return all(r.passed for r in judge("f", table.cases, observations, table.observations, table.output_name,
                                       table.parameters))


def named(table, observations):
    return [m.name for m in diagnose(table.cases, observations, table.mistakes, table.mistake_observations)]


@pytest.fixture(scope="module")
def agreement():
    total, missed, alike, differ = 0, [], 0, []
    for assignment in list_assignments():
        graded, practice = hidden.expected(assignment), hidden.practice_expected(assignment)
        for function, table in graded.items():
            mine = practice[function]
            assert [m.name for m in mine.mistakes] == [m.name for m in table.mistakes]
            for k, mistake in enumerate(table.mistakes):
                total += 1
                if passes(mine, mine.mistake_observations[k]) and not passes(table, table.mistake_observations[k]):
                    missed.append(f"{assignment}: {function}: {mistake.name}")
                if named(mine, mine.mistake_observations[k]) == named(table, table.mistake_observations[k]):
                    alike += 1
                else:
                    differ.append(f"{assignment}: {function}: {mistake.name}")
    return total, missed, alike, differ


def test_a_mistake_that_passes_every_practice_case_and_fails_graded_ones_is_rare(agreement):
    total, missed, _, _ = agreement
    print(f"{len(missed)} of {total} known mistakes pass every practice case and fail graded cases")
    assert total > 300
    assert len(missed) <= MAX_MISSED * total, "\n".join(missed)


def test_the_check_names_the_mistake_the_grader_would_name(agreement):
    total, _, alike, differ = agreement
    print(f"{alike} of {total} known mistakes diagnosed alike on the practice and on the graded cases")
    assert alike >= MIN_SAME_DIAGNOSIS * total, "\n".join(differ)
