"""The course-level authoring rules: create, duplicate, reorder, delete or refuse, the
publishing checklist, course files from text, and the history of who changed what."""

from __future__ import annotations

import pytest
from django.test import override_settings

from config.errors import DomainError
from lms.course_files import CourseFileError, course_export, course_file_import_text
from lms.models import Choice, Course, Lesson, Module, Question, Quiz, Skill
from lms.selectors.authoring import course_history
from lms.services import attempt_start, lesson_complete
from lms.services.authoring import (
    CourseNotPublishable,
    course_archive,
    course_problems,
    course_publish,
    course_readiness,
    course_unpublish,
)
from lms.services.outline import (
    course_create,
    course_duplicate,
    lesson_delete,
    lesson_move,
    module_create,
    module_delete,
    module_move,
)
from tests.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    SkillFactory,
    build_module,
)

pytestmark = pytest.mark.django_db


def _ready_course(**kwargs) -> Course:
    course = CourseFactory(status=Course.Status.DRAFT, **kwargs)
    module = build_module(course=course, lessons=2, questions=3)
    course.skills.set(module.skills.all())
    return course


# --- create ----------------------------------------------------------------------------------


def test_a_new_course_is_a_draft_with_a_slug_made_from_its_title():
    skill = SkillFactory(slug="closing")
    course = course_create(title="Closing: the basics", skills=[skill])
    assert course.status == Course.Status.DRAFT
    assert course.slug == "closing-the-basics"
    assert list(course.skills.all()) == [skill]
    assert course_create(title="Closing: the basics").slug == "closing-the-basics-2"


def test_a_taken_slug_is_refused():
    CourseFactory(slug="taken")
    with pytest.raises(DomainError, match="already uses the slug"):
        course_create(title="Anything", slug="taken")


# --- duplicate -------------------------------------------------------------------------------


def test_duplicating_copies_everything_into_a_new_draft(org):
    course = _ready_course(slug="closing", title="Closing")
    course.status = Course.Status.PUBLISHED
    course.save()
    module = course.modules.get()
    lesson_complete(user=org.rep, lesson=module.lessons.first())

    copy = course_duplicate(course=course)

    assert copy.pk != course.pk
    assert copy.status == Course.Status.DRAFT
    assert copy.slug == "closing-copy"
    assert copy.title == "Closing (copy)"
    assert set(copy.skills.all()) == set(course.skills.all())
    copied = copy.modules.get()
    assert copied.pk != module.pk
    assert (copied.slug, copied.title, copied.coaching_questions, copied.practice_task) == (
        module.slug,
        module.title,
        module.coaching_questions,
        module.practice_task,
    )
    assert set(copied.skills.all()) == set(module.skills.all())
    assert [(x.title, x.body, x.position) for x in copied.lessons.all()] == [
        (x.title, x.body, x.position) for x in module.lessons.all()
    ]
    assert copied.lessons.first().body_html == module.lessons.first().body_html
    assert copied.quiz.pass_mark == module.quiz.pass_mark
    original_choices = Choice.objects.filter(question__quiz=module.quiz)
    copied_choices = Choice.objects.filter(question__quiz=copied.quiz)
    assert copied.quiz.questions.count() == 3
    assert [
        (c.text, c.is_correct) for c in copied_choices.order_by("question__position", "position")
    ] == [(c.text, c.is_correct) for c in original_choices.order_by("question__position")]
    # Nobody's records come along, and the copy publishes by the same rule.
    assert not copied.lessons.first().progress.exists()
    assert course_problems(course=copy) == []
    # A second copy takes the next free slug.
    assert course_duplicate(course=course).slug == "closing-copy-2"


# --- reorder ---------------------------------------------------------------------------------


def test_modules_move_up_and_down_and_stop_at_either_end():
    course = CourseFactory()
    first, second, third = (ModuleFactory(course=course, position=p) for p in (1, 2, 5))

    assert module_move(module=third, direction="up") is True
    assert list(course.modules.values_list("pk", flat=True)) == [first.pk, third.pk, second.pk]
    assert module_move(module=first, direction="up") is False
    assert module_move(module=first, direction="down") is True
    assert list(course.modules.values_list("pk", flat=True)) == [third.pk, first.pk, second.pk]


def test_lessons_move_within_their_module():
    module = ModuleFactory()
    a, b = LessonFactory(module=module, position=1), LessonFactory(module=module, position=2)
    other = LessonFactory(position=1)
    assert lesson_move(lesson=b, direction="up") is True
    assert list(module.lessons.values_list("pk", flat=True)) == [b.pk, a.pk]
    assert lesson_move(lesson=a, direction="down") is False
    assert Lesson.objects.get(pk=other.pk).position == 1


def test_a_new_module_goes_last_with_a_slug_of_its_own():
    course = CourseFactory()
    ModuleFactory(course=course, position=4, slug="opening")
    module = module_create(course=course, title="Opening")
    assert module.position == 5
    assert module.slug == "opening-2"


# --- delete or refuse ------------------------------------------------------------------------


def test_a_module_nobody_trained_on_is_deleted_with_its_content():
    module = build_module(lessons=2, questions=2)
    module_delete(module=module)
    assert not Module.objects.filter(pk=module.pk).exists()
    assert not Lesson.objects.exists() and not Quiz.objects.exists()
    assert not Question.objects.exists()


def test_a_module_with_an_attempt_is_kept_and_the_refusal_says_archive(org):
    module = build_module(lessons=1, questions=2)
    attempt_start(user=org.rep, quiz=module.quiz)
    with pytest.raises(DomainError, match="archive the course"):
        module_delete(module=module)
    assert Module.objects.filter(pk=module.pk).exists()


def test_a_lesson_someone_finished_is_kept_and_another_is_deleted(org):
    module = build_module(lessons=2, questions=0)
    read, unread = module.lessons.all()
    lesson_complete(user=org.rep, lesson=read)
    with pytest.raises(DomainError, match="training record"):
        lesson_delete(lesson=read)
    lesson_delete(lesson=unread)
    assert list(module.lessons.all()) == [read]


# --- the publishing checklist ----------------------------------------------------------------


def test_a_complete_course_passes_every_check():
    course = _ready_course()
    assert all(check.passed for check in course_readiness(course=course))
    course_publish(course=course)
    assert Course.objects.get(pk=course.pk).is_published


def test_the_checklist_names_each_reason_publishing_is_blocked():
    course = CourseFactory(status=Course.Status.DRAFT)
    ModuleFactory(
        course=course,
        title="Bare",
        coaching_questions=[],
        coaching_behaviours=[],
        practice_task="",
    )
    checks = {check.label: check.problems for check in course_readiness(course=course)}
    assert checks["Every module has lessons"] == ["Bare: a module needs at least one lesson"]
    assert checks["Every module has a coaching guide"] == [
        "Bare: no coaching guide yet (questions to ask, behaviours to observe or a practice task)"
    ]
    assert checks["The course and every module are tagged with skills"] == [
        "the course is tagged with no skill",
        "Bare: the module is tagged with no skill",
    ]
    with pytest.raises(CourseNotPublishable) as refused:
        course_publish(course=course)
    assert refused.value.problems == course_problems(course=course)
    assert Course.objects.get(pk=course.pk).status == Course.Status.DRAFT


@override_settings(QUIZ_MIN_QUESTIONS=3)
def test_a_quiz_below_the_minimum_blocks_publishing():
    course = CourseFactory(status=Course.Status.DRAFT)
    module = build_module(course=course, lessons=1, questions=2)
    course.skills.set(module.skills.all())
    quiz_check = course_readiness(course=course)[2]
    assert quiz_check.label.startswith("Every quiz has at least 3 questions")
    assert quiz_check.problems == [f"{module.title}: the quiz has 2 questions; it needs at least 3"]


def test_an_empty_course_cannot_be_published():
    course = CourseFactory(status=Course.Status.DRAFT)
    assert "a course needs at least one module" in course_problems(course=course)


# --- course files from text ------------------------------------------------------------------


def test_an_uploaded_file_round_trips_through_the_importer():
    course = _ready_course(slug="round-trip", title="Round trip")
    text = course_export(course=course)
    Course.objects.filter(pk=course.pk).update(title="Changed meanwhile")

    imported = course_file_import_text(text=text, source="round-trip.yaml")

    assert [(i.source, i.outcome) for i in imported] == [("round-trip.yaml", "updated")]
    assert Course.objects.get(pk=course.pk).title == "Round trip"
    assert course_export(course=course) == text


def test_a_bad_file_imports_nothing_and_names_file_line_and_field():
    text = (
        "skills:\n"
        "  - {slug: fresh-skill, name: Fresh}\n"
        "course:\n"
        "  slug: fresh\n"
        "  title: Fresh\n"
        "  modules:\n"
        "    - slug: one\n"
        "      title: One\n"
        "      lessons: [{title: A lesson}]\n"
        "      quiz:\n"
        "        questions:\n"
        "          - prompt: Which?\n"
        "            kind: single\n"
        "            skill: fresh-skill\n"
        "            choices: [{text: A, correct: true}, {text: B, correct: true}]\n"
    )
    with pytest.raises(CourseFileError) as refused:
        course_file_import_text(text=text, source="fresh.yaml")
    assert refused.value.errors == [
        "fresh.yaml:15: course.modules[0].quiz.questions[0].choices: a single-choice question"
        " needs exactly one correct choice (2 marked correct)"
    ]
    assert not Course.objects.filter(slug="fresh").exists()
    assert not Skill.objects.filter(slug="fresh-skill").exists()


# --- history ---------------------------------------------------------------------------------


def test_history_says_who_changed_what_across_the_course(org, django_assert_max_num_queries):
    course = _ready_course(title="Closing")
    module = course.modules.get()
    lesson = module.lessons.first()
    lesson.title = "Open questions"
    lesson._history_user = org.admin  # as the request middleware sets it
    lesson.save()
    org.admin.first_name, org.admin.last_name = "Ada", "Admin"
    org.admin.save()

    with django_assert_max_num_queries(7):
        changes = course_history(course=course)

    newest = changes[0]
    assert (newest.who, newest.verb, newest.what, newest.name) == (
        "Ada Admin",
        "changed",
        "lesson",
        "Open questions",
    )
    everything = course_history(course=course, limit=100)
    assert {change.what for change in everything} == {
        "course",
        "module",
        "lesson",
        "quiz",
        "question",
    }
    # Adding a question and then its choices is one line; the page shows the latest few.
    added = [c for c in everything if c.what == "question"]
    assert len(added) == 3 and {c.verb for c in added} == {"added"}
    assert len(course_history(course=course, limit=4)) == 4
    assert everything[-1].who == "An import or a command"


def test_history_says_published_unpublished_and_archived_in_those_words():
    course = _ready_course(title="Closing")
    course_publish(course=course)
    assert course_history(course=course)[0].verb == "published"
    course_unpublish(course=course)
    assert course_history(course=course)[0].verb == "unpublished"
    course_archive(course=course)
    assert course_history(course=course)[0].verb == "archived"
