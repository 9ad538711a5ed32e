"""Author content never carries scripts, event handlers, javascript: links or htmx attributes
to the page: not in the stored HTML, not in the admin's preview."""

import io
import textwrap

import pytest
from django.core.management import call_command
from django.urls import reverse

from lms.models import Lesson
from tests.factories import (
    AdminFactory,
    QuizFactory,
    SkillFactory,
    build_module,
    question_with_choices,
)
from tests.lms.test_admin import add_inline_row, change_form_data

pytestmark = pytest.mark.django_db

HOSTILE_BODY = textwrap.dedent(
    """\
    Read this first.

    <script>alert('pwned-script')</script>

    <img src="https://example.com/chart.png" alt="chart" onerror="alert('pwned-img')">

    [Click me](javascript:void(document.cookie))

    <a href="https://example.com/next" hx-post="/api/v1/steal" hx-trigger="load">Next step</a>

    <p onclick="alert('pwned-click')">A paragraph.</p>
    """
)

FORBIDDEN = (
    "<script>alert",
    "alert(",
    "onerror",
    "onclick",
    "javascript:",
    "hx-post",
    "hx-trigger",
)


def assert_clean(html: str) -> None:
    for needle in FORBIDDEN:
        assert needle not in html, needle
    # What is safe survives: the text, the link target, the picture.
    assert "Read this first." in html
    assert 'href="https://example.com/next"' in html
    assert 'src="https://example.com/chart.png"' in html


@pytest.fixture
def author(client):
    client.force_login(AdminFactory())


def test_a_lesson_authored_in_the_admin_is_sanitised_in_its_html_and_its_preview(client, author):
    module = build_module(lessons=1)
    url = reverse("admin:lms_module_change", args=[module.pk])
    data = change_form_data(client.get(url))
    add_inline_row(data, "lessons", title="Hostile", minutes=3, body=HOSTILE_BODY, position="")

    response = client.post(url, data)

    assert response.status_code == 302
    lesson = Lesson.objects.get(title="Hostile")
    assert_clean(lesson.body_html)
    preview = client.get(reverse("admin:lms_lesson_preview", args=[lesson.pk]))
    assert preview.status_code == 200
    assert_clean(preview.content.decode())


def test_a_lesson_imported_from_a_course_file_is_sanitised(client, author, tmp_path):
    body = textwrap.indent(HOSTILE_BODY, " " * 12)
    path = tmp_path / "hostile.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            skills:
              - {slug: closing, name: Closing}
            course:
              slug: hostile
              title: Hostile
              modules:
                - slug: one
                  title: One
                  lessons:
                    - title: Hostile
                      body: |
            """
        )
        + body,
        encoding="utf-8",
    )
    call_command("import_course", str(path), stdout=io.StringIO())

    lesson = Lesson.objects.get(module__course__slug="hostile")
    assert "<script>" in lesson.body  # the author's text is kept as written
    assert_clean(lesson.body_html)
    assert_clean(client.get(reverse("admin:lms_lesson_preview", args=[lesson.pk])).content.decode())


def test_a_lesson_whose_stored_html_went_stale_is_still_clean_in_the_preview(client, author):
    lesson = build_module(lessons=1).lessons.get()
    # A row written around the model (a raw update) must not smuggle markup into the preview.
    Lesson.objects.filter(pk=lesson.pk).update(
        body=HOSTILE_BODY, body_html="<script>alert('pwned-script')</script>"
    )
    page = client.get(reverse("admin:lms_lesson_preview", args=[lesson.pk])).content.decode()
    assert_clean(page)


def test_quiz_text_is_shown_as_text_in_the_preview(client, author):
    quiz = QuizFactory()
    question_with_choices(
        quiz,
        [True, False],
        skill=SkillFactory(),
        prompt="<script>alert('pwned-prompt')</script>?",
        explanation="<img src=x onerror=alert('pwned-explanation')>",
    )
    page = client.get(reverse("admin:lms_quiz_preview", args=[quiz.pk])).content.decode()
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(" in page
