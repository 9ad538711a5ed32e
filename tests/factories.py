"""Factories shared by every app's tests."""

import factory
from django.contrib.auth.hashers import make_password

from accounts.models import User

PASSWORD = "correct-horse-battery-2026"
# Hash once: Argon2 is deliberately slow, and every factory user shares this password.
_PASSWORD_HASH = make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = User.Role.REP
    password = _PASSWORD_HASH
    timezone = "Europe/London"


class ManagerFactory(UserFactory):
    role = User.Role.MANAGER


class AdminFactory(UserFactory):
    role = User.Role.ADMIN
    is_staff = True
    is_superuser = True


class RepFactory(UserFactory):
    role = User.Role.REP
    manager = factory.SubFactory(ManagerFactory)


# --- training --------------------------------------------------------------------------------

from lms.models import (  # noqa: E402 - grouped by app for readability
    Choice,
    Course,
    Lesson,
    Module,
    Question,
    Quiz,
    Skill,
)


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"skill-{n}")
    name = factory.LazyAttribute(lambda s: s.slug.replace("-", " ").title())


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    summary = "A course."
    status = Course.Status.PUBLISHED


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    slug = factory.Sequence(lambda n: f"module-{n}")
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Module {n}")
    objectives = "- Learn the thing"
    coaching_questions = ["What did you try on your last call?"]
    coaching_behaviours = ["Asks an open question first"]
    practice_task = "Role-play the opening twice."


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    module = factory.SubFactory(ModuleFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Lesson {n}")
    body = "Some **useful** text."
    minutes = 5


class QuizFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quiz

    module = factory.SubFactory(ModuleFactory)
    pass_mark = 80
    max_attempts = 3
    shuffle_choices = False


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    quiz = factory.SubFactory(QuizFactory)
    position = factory.Sequence(lambda n: n + 1)
    prompt = factory.Sequence(lambda n: f"Question {n}?")
    kind = Question.Kind.SINGLE
    skill = factory.SubFactory(SkillFactory)
    explanation = "Because."


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory)
    position = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Choice {n}")
    is_correct = False


def question_with_choices(quiz: Quiz, correct: list[bool], *, kind: str | None = None, **kwargs):
    """A question whose choices are correct or not in the order given."""
    kind = kind or (Question.Kind.MULTIPLE if sum(correct) > 1 else Question.Kind.SINGLE)
    question = QuestionFactory(quiz=quiz, kind=kind, **kwargs)
    for position, is_correct in enumerate(correct, start=1):
        ChoiceFactory(question=question, position=position, is_correct=is_correct)
    return question


def correct_answers(attempt) -> list[dict]:
    """The answers that score 100 % on ``attempt``."""
    correct = Choice.objects.filter(question_id__in=attempt.question_ids, is_correct=True)
    by_question: dict[int, list[int]] = {}
    for choice in correct:
        by_question.setdefault(choice.question_id, []).append(choice.pk)
    return [{"question": qid, "choices": by_question.get(qid, [])} for qid in attempt.question_ids]


def build_module(*, course=None, lessons: int = 2, questions: int = 3, skill=None, **quiz_kwargs):
    """A module with ``lessons`` lessons and a quiz of single-choice questions (first is right)."""
    module = ModuleFactory(course=course) if course else ModuleFactory()
    skill = skill or SkillFactory(slug="closing", name="Closing")
    module.skills.add(skill)
    for position in range(1, lessons + 1):
        LessonFactory(module=module, position=position)
    if questions:
        quiz = QuizFactory(module=module, **quiz_kwargs)
        for position in range(1, questions + 1):
            question_with_choices(quiz, [True, False, False], position=position, skill=skill)
    return module
