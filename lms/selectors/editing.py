"""What the authoring editors read: the lesson, quiz or module being edited, for admins only.

Everyone else gets a 404 (``accounts.permissions.can_author_content``), so ids leak nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import Http404

from accounts.models import User
from accounts.permissions import can_author_content
from lms.models import AttemptAnswer, Choice, Course, Lesson, Module, Question, Quiz, Skill


def author_or_404(user: User) -> None:
    """Authoring is for admins; anyone else is told there is no such page."""
    if not can_author_content(user):
        raise Http404("No such page.")


def course_to_edit(*, user: User, course_id: int) -> Course:
    author_or_404(user)
    course = Course.objects.filter(pk=course_id).first()
    if course is None:
        raise Http404("No such course.")
    return course


def module_to_edit(*, user: User, module_id: int) -> Module:
    author_or_404(user)
    module = Module.objects.select_related("course").filter(pk=module_id).first()
    if module is None:
        raise Http404("No such module.")
    return module


def lesson_to_edit(*, user: User, lesson_id: int) -> Lesson:
    author_or_404(user)
    lesson = Lesson.objects.select_related("module__course").filter(pk=lesson_id).first()
    if lesson is None:
        raise Http404("No such lesson.")
    return lesson


@dataclass(frozen=True)
class QuizToEdit:
    module: Module
    # The stored quiz with its questions and their choices, or a new unsaved one.
    quiz: Quiz
    skills: list[Skill]
    # Questions reps have answered: their records keep them, so they cannot be deleted.
    answered_ids: set[int]

    @property
    def default_skill(self) -> str:
        """The skill a new question starts with: the module's first, else the first of all."""
        module_skills = list(self.module.skills.all())
        chosen = module_skills[0] if module_skills else (self.skills[0] if self.skills else None)
        return str(chosen.pk) if chosen else ""


def quiz_to_edit(*, user: User, module_id: int) -> QuizToEdit:
    """A module's quiz with everything its editor shows, in a fixed number of queries."""
    module = module_to_edit(user=user, module_id=module_id)
    questions = Question.objects.order_by("position").prefetch_related(
        Prefetch("choices", queryset=Choice.objects.order_by("position"))
    )
    quiz = (
        Quiz.objects.filter(module=module)
        .prefetch_related(Prefetch("questions", queryset=questions))
        .first()
    )
    answered: set[int] = set()
    if quiz is None:
        quiz = Quiz(module=module)
    else:
        answered = set(
            AttemptAnswer.objects.filter(question__quiz=quiz)
            .order_by()
            .values_list("question_id", flat=True)
            .distinct()
        )
    return QuizToEdit(
        module=module,
        quiz=quiz,
        skills=list(Skill.objects.order_by("name")),
        answered_ids=answered,
    )
