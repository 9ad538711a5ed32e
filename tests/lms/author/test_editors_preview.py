"""Preview as a rep: the reader's own pages for drafts too, and never a row of learner data."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lms.models import (
    AttemptAnswer,
    Enrolment,
    LessonProgress,
    ModuleCompletion,
    QuizAttempt,
)
from tests.factories import AdminFactory, CourseFactory, build_module

pytestmark = pytest.mark.django_db

LEARNER_ROWS = (Enrolment, LessonProgress, QuizAttempt, AttemptAnswer, ModuleCompletion)


def learner_rows() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in LEARNER_ROWS}


@pytest.fixture
def draft():
    course = CourseFactory(title="Closing, a draft", status="draft")
    module = build_module(course=course, lessons=2, questions=3)
    return course, module


def test_previewing_a_draft_course_lesson_and_quiz_creates_no_learner_data(draft):
    course, module = draft
    admin = AdminFactory()
    client = Client()
    client.force_login(admin)
    lesson = module.lessons.order_by("position").first()
    before = learner_rows()
    pages = {
        "course": client.get(reverse("author:course_preview", args=[course.pk])),
        "lesson": client.get(reverse("author:course_preview_lesson", args=[lesson.pk])),
        "quiz": client.get(reverse("author:course_preview_quiz", args=[module.quiz.pk])),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.content.decode()
        assert "Preview as a rep." in html, name
        # Links stay inside the preview, never into the reader's recording pages.
        assert reverse("lms:lesson", args=[lesson.pk]) not in html, name
        assert reverse("lms:quiz_start", args=[module.quiz.pk]) not in html or "disabled" in html
    assert learner_rows() == before == dict.fromkeys(before, 0)
    assert not admin.enrolments.exists()


def test_the_course_preview_is_the_readers_course_page_with_preview_links(draft):
    course, module = draft
    client = Client()
    client.force_login(AdminFactory())
    html = client.get(reverse("author:course_preview", args=[course.pk])).content.decode()
    lesson = module.lessons.order_by("position").first()
    assert reverse("author:course_preview_lesson", args=[lesson.pk]) in html
    assert reverse("author:course_preview_quiz", args=[module.quiz.pk]) in html
    assert 'class="modules"' in html


def test_the_quiz_preview_shows_every_question_with_a_disabled_submit(draft):
    _, module = draft
    client = Client()
    client.force_login(AdminFactory())
    html = client.get(reverse("author:course_preview_quiz", args=[module.quiz.pk])).content.decode()
    for question in module.quiz.questions.all():
        assert question.prompt in html
    assert "<fieldset disabled" in html
    assert "Show the answers (for authors)" in html


def test_a_published_course_preview_has_its_start_button_off():
    course = CourseFactory(status="published")
    build_module(course=course, lessons=1, questions=1)
    client = Client()
    client.force_login(AdminFactory())
    html = client.get(reverse("author:course_preview", args=[course.pk])).content.decode()
    assert 'class="primary" disabled>Start this course' in html


def test_the_previews_read_a_fixed_number_of_queries(django_assert_max_num_queries):
    client = Client()
    client.force_login(AdminFactory())
    small = build_module(lessons=1, questions=1)
    client.get(reverse("author:course_preview", args=[small.course_id]))
    course = CourseFactory(status="draft")
    modules = [build_module(course=course, lessons=3, questions=5) for _ in range(6)]
    for url in (
        reverse("author:course_preview", args=[course.pk]),
        reverse("author:course_preview_lesson", args=[modules[-1].lessons.first().pk]),
        reverse("author:course_preview_quiz", args=[modules[-1].quiz.pk]),
    ):
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200
