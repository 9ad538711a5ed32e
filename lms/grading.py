"""Grading choice questions, for quizzes and for reinforcement refreshers alike.

The rule: a question counts only when exactly its correct choices are picked, no more and no
fewer; an unanswered question is wrong. The feedback names what was picked and what was right.
Answers arrive as ``[{"question": id, "choices": [id, ...]}, ...]``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from config.errors import DomainError
from lms.models import Question


def answers_parse(
    *, allowed: Mapping[int, Collection[int]], answers: Iterable[Mapping[str, Any]], part_of: str
) -> dict[int, set[int]]:
    """The choices picked per question, checked against ``allowed`` (each question's choices).

    Raises DomainError for a question outside ``allowed`` ("not part of this ``part_of``"), a
    question answered twice, or a choice that is not one of its question's.
    """
    selected: dict[int, set[int]] = {}
    for answer in answers:
        question_id = answer.get("question")
        if question_id is None or question_id not in allowed:
            raise DomainError(f"Question {question_id} is not part of this {part_of}.")
        if question_id in selected:
            raise DomainError(f"Question {question_id} is answered twice.")
        choice_ids = set(answer.get("choices") or [])
        stray = choice_ids - set(allowed[question_id])
        if stray:
            raise DomainError(f"Choice {min(stray)} does not belong to question {question_id}.")
        selected[question_id] = choice_ids
    return selected


def answer_is_correct(*, chosen: Collection[int], correct: Collection[int]) -> bool:
    """Exactly the correct choices: nothing picked is never right."""
    return bool(chosen) and set(chosen) == set(correct)


@dataclass(frozen=True)
class GradedAnswer:
    question_id: int
    chosen_ids: list[int]
    correct_ids: list[int]
    is_correct: bool


def answers_grade(
    *,
    question_ids: Iterable[int],
    selected: Mapping[int, Collection[int]],
    correct: Mapping[int, Collection[int]],
) -> list[GradedAnswer]:
    """Each question in ``question_ids``, in that order, graded by ``answer_is_correct``."""
    graded = []
    for question_id in question_ids:
        chosen = set(selected.get(question_id, ()))
        right = set(correct.get(question_id, ()))
        graded.append(
            GradedAnswer(
                question_id=question_id,
                chosen_ids=sorted(chosen),
                correct_ids=sorted(right),
                is_correct=answer_is_correct(chosen=chosen, correct=right),
            )
        )
    return graded


def score_percent(*, right: int, total: int) -> int:
    """Whole percent of questions right; halves round up, as people read a percentage
    (``round()`` would send 62.5 to 62 and 87.5 to 88)."""
    return (200 * right + total) // (2 * total) if total else 0


@dataclass
class QuestionFeedback:
    """One graded question as the person sees it afterwards: what they picked, what was right
    and why."""

    question: Question
    is_correct: bool
    chosen_ids: list[int]
    correct_ids: list[int]
    explanation: str

    @classmethod
    def of(cls, question: Question, graded: GradedAnswer) -> QuestionFeedback:
        return cls(
            question=question,
            is_correct=graded.is_correct,
            chosen_ids=graded.chosen_ids,
            correct_ids=graded.correct_ids,
            explanation=question.explanation,
        )
