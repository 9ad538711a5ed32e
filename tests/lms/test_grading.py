"""The grading rule that quizzes and refreshers share: exactly the correct choices."""

import pytest

from config.errors import DomainError
from lms.grading import answer_is_correct, answers_grade, answers_parse, score_percent


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        pytest.param({1, 2}, True, id="exactly-the-correct-ones"),
        pytest.param({1}, False, id="one-correct-missing"),
        pytest.param({1, 2, 3}, False, id="one-wrong-added"),
        pytest.param({3}, False, id="only-wrong"),
        pytest.param(set(), False, id="nothing-picked"),
    ],
)
def test_a_question_counts_only_when_exactly_its_correct_choices_are_picked(chosen, expected):
    assert answer_is_correct(chosen=chosen, correct={1, 2}) is expected


def test_a_question_with_no_correct_choice_shown_cannot_be_answered_right_by_picking_nothing():
    assert answer_is_correct(chosen=set(), correct=set()) is False


def test_grading_keeps_the_question_order_and_counts_unanswered_questions_wrong():
    graded = answers_grade(
        question_ids=[30, 10, 20],
        selected={10: {101}, 30: {302, 301}},
        correct={10: {101}, 20: {201}, 30: {301}},
    )
    assert [(g.question_id, g.is_correct) for g in graded] == [
        (30, False),
        (10, True),
        (20, False),
    ]
    assert graded[0].chosen_ids == [301, 302] and graded[0].correct_ids == [301]
    assert graded[2].chosen_ids == []


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ([{"question": 9, "choices": []}], "Question 9 is not part of this quiz"),
        (
            [{"question": 1, "choices": [11]}, {"question": 1, "choices": [12]}],
            "Question 1 is answered twice",
        ),
        ([{"question": 1, "choices": [11, 21]}], "Choice 21 does not belong to question 1"),
    ],
)
def test_answers_outside_the_questions_asked_are_refused(answers, message):
    with pytest.raises(DomainError, match=message):
        answers_parse(allowed={1: [11, 12], 2: [21]}, answers=answers, part_of="quiz")


def test_parsing_gathers_the_picked_choices_per_question():
    selected = answers_parse(
        allowed={1: [11, 12], 2: [21, 22]},
        answers=[{"question": 2, "choices": [22, 21]}, {"question": 1}],
        part_of="quiz",
    )
    assert selected == {2: {21, 22}, 1: set()}


@pytest.mark.parametrize(
    ("right", "total", "percent"),
    [(0, 0, 0), (0, 3, 0), (1, 3, 33), (2, 3, 67), (5, 8, 63), (7, 8, 88), (3, 3, 100)],
)
def test_the_score_is_a_whole_percent_with_halves_rounded_up(right, total, percent):
    assert score_percent(right=right, total=total) == percent
