"""The editors' pages through the client: who may open them, what a save does, bad input."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from lms.models import Lesson, Question, Quiz
from lms.services import attempt_start, attempt_submit
from tests.factories import (
    AdminFactory,
    CourseFactory,
    ManagerFactory,
    ModuleFactory,
    RepFactory,
    SkillFactory,
    build_module,
    correct_answers,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(AdminFactory())
    return client


def quiz_form(questions: list[dict], **settings) -> dict[str, str]:
    """The quiz editor's form as the page posts it."""
    data = {
        "pass_mark": "80",
        "max_attempts": "3",
        "questions_per_attempt": "",
        "review_policy": Quiz.ReviewPolicy.AFTER_ATTEMPT,
        "shuffle_choices": "on",
        "question_count": str(len(questions)),
        **settings,
    }
    for i, question in enumerate(questions):
        data |= {
            f"q{i}-id": str(question.get("id", "")),
            f"q{i}-prompt": question["prompt"],
            f"q{i}-kind": question.get("kind", "single"),
            f"q{i}-skill": str(question["skill"]),
            f"q{i}-explanation": question.get("explanation", ""),
            f"q{i}-choice_count": str(len(question["choices"])),
        }
        for j, (text, correct, *pk) in enumerate(question["choices"]):
            data[f"q{i}-c{j}-text"] = text
            data[f"q{i}-c{j}-id"] = str(pk[0]) if pk else ""
            if correct:
                data[f"q{i}-c{j}-is_correct"] = "on"
    return data


# --- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [RepFactory, ManagerFactory])
def test_reps_and_managers_get_a_404_from_every_editor(make):
    module = build_module(lessons=1, questions=1)
    lesson = module.lessons.get()
    client = Client()
    client.force_login(make())
    for url in (
        reverse("author:lesson_new", args=[module.pk]),
        reverse("author:lesson_edit", args=[lesson.pk]),
        reverse("author:quiz_edit", args=[module.pk]),
        reverse("author:guide_edit", args=[module.pk]),
        reverse("author:course_preview", args=[module.course_id]),
        reverse("author:course_preview_lesson", args=[lesson.pk]),
        reverse("author:course_preview_quiz", args=[module.quiz.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"title": "x"}).status_code in (404, 405), url
    preview = client.post(reverse("author:lesson_preview"), {"body": "x"})
    assert preview.status_code == 404


# --- lessons --------------------------------------------------------------------------------


def test_an_admin_adds_a_lesson(admin_client):
    module = ModuleFactory(course=CourseFactory(status="draft"))
    page = admin_client.get(reverse("author:lesson_new", args=[module.pk]))
    assert page.status_code == 200
    response = admin_client.post(
        reverse("author:lesson_new", args=[module.pk]),
        {
            "title": "Why ask",
            "minutes": "6",
            "video_url": "https://youtu.be/dQw4w9WgXcQ",
            "body": "# Hi",
        },
    )
    lesson = Lesson.objects.get(module=module)
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("author:lesson_edit", args=[lesson.pk])
    assert lesson.body_html == "<h1>Hi</h1>" and lesson.minutes == 6


def test_a_video_link_that_will_not_embed_is_a_form_error(admin_client):
    module = ModuleFactory()
    url = reverse("author:lesson_new", args=[module.pk])
    data = {"title": "V", "minutes": "5", "video_url": "https://example.com/v.mp4", "body": ""}
    response = admin_client.post(url, data)
    assert response.status_code == 400
    assert "will not play inside the lesson" in response.content.decode()
    assert not Lesson.objects.exists()
    response = admin_client.post(url, {**data, "plain_video_link": "on"})
    assert response.status_code == 302 and Lesson.objects.get().video_url.endswith("v.mp4")


def test_a_lesson_without_a_title_is_a_form_error(admin_client):
    lesson = build_module(lessons=1, questions=0).lessons.get()
    url = reverse("author:lesson_edit", args=[lesson.pk])
    response = admin_client.post(url, {"title": "", "minutes": "0", "body": "x"})
    assert response.status_code == 400
    lesson.refresh_from_db()
    assert lesson.title != ""


def test_the_live_preview_is_the_readers_sanitised_html(admin_client):
    response = admin_client.post(
        reverse("author:lesson_preview"),
        {
            "body": "**Bold** <script>alert('x')</script> [bad](javascript:alert(1))",
            "video_url": "https://vimeo.com/123456789",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Bold</strong>" in html
    assert "<script" not in html and "javascript:" not in html
    assert "https://player.vimeo.com/video/123456789" in html


def test_the_live_preview_says_when_a_video_will_not_embed(admin_client):
    response = admin_client.post(
        reverse("author:lesson_preview"), {"body": "", "video_url": "https://example.com/x"}
    )
    assert "will not play inside the lesson" in response.content.decode()


# --- coaching guides ------------------------------------------------------------------------


def test_an_admin_writes_the_coaching_guide(admin_client):
    module = ModuleFactory(coaching_questions=[], coaching_behaviours=[], practice_task="")
    url = reverse("author:guide_edit", args=[module.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url,
        {
            "coaching_questions": "What did you ask?\r\n\r\nWhat next?",
            "coaching_behaviours": "Listens first",
            "practice_task": "Two role-plays.",
        },
    )
    assert response.status_code == 302
    module.refresh_from_db()
    assert module.coaching_questions == ["What did you ask?", "What next?"]
    assert module.coaching_behaviours == ["Listens first"]


def test_saving_an_empty_guide_says_it_is_empty(admin_client):
    module = ModuleFactory(title="Openers")
    url = reverse("author:guide_edit", args=[module.pk])
    empty = {"coaching_questions": "", "coaching_behaviours": "", "practice_task": ""}
    response = admin_client.post(url, empty, follow=True)
    (said,) = [str(message) for message in response.context["messages"]]
    assert said.startswith("The coaching guide for “Openers” is empty now")
    module.refresh_from_db()
    assert module.coaching_questions == [] and module.practice_task == ""


# --- quizzes --------------------------------------------------------------------------------


def test_the_quiz_editor_creates_a_quiz_for_a_module_without_one(admin_client):
    module = ModuleFactory()
    skill = SkillFactory()
    url = reverse("author:quiz_edit", args=[module.pk])
    assert admin_client.get(url).status_code == 200
    data = quiz_form(
        [
            {"prompt": "First?", "skill": skill.pk, "choices": [("Yes", True), ("No", False)]},
            # A new question left empty is not a question.
            {"prompt": "", "skill": skill.pk, "choices": [("", False), ("", False)]},
        ]
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302
    quiz = Quiz.objects.get(module=module)
    assert [q.prompt for q in quiz.questions.all()] == ["First?"]
    assert quiz.review_policy == Quiz.ReviewPolicy.AFTER_ATTEMPT


def test_a_question_without_choices_is_refused_on_the_page(admin_client):
    module = ModuleFactory()
    skill = SkillFactory()
    data = quiz_form([{"prompt": "No choices?", "skill": skill.pk, "choices": []}])
    response = admin_client.post(reverse("author:quiz_edit", args=[module.pk]), data)
    assert response.status_code == 400
    assert "A question needs at least two choices." in response.content.decode()
    assert not Quiz.objects.exists()


def test_an_empty_new_question_is_not_called_wrong_when_another_is(admin_client):
    module = ModuleFactory()
    skill = SkillFactory()
    data = quiz_form(
        [
            {"prompt": "Two right?", "skill": skill.pk, "choices": [("A", True), ("B", True)]},
            {"prompt": "", "skill": skill.pk, "choices": [("", False), ("", False)]},
        ]
    )
    response = admin_client.post(reverse("author:quiz_edit", args=[module.pk]), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "exactly one correct choice" in html
    assert "This field is required." not in html
    assert not Quiz.objects.exists()


def test_checking_as_you_go_answers_with_the_problem_lists_only(admin_client):
    module = ModuleFactory()
    skill = SkillFactory()
    data = quiz_form(
        [{"prompt": "Two right?", "skill": skill.pk, "choices": [("a", True), ("b", True)]}]
    )
    response = admin_client.post(
        reverse("author:quiz_edit", args=[module.pk]),
        {**data, "action": "check"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="q0-problems" hx-swap-oob="true"' in html
    assert "exactly one correct choice (2 marked correct)" in html
    assert "<form" not in html
    assert not Quiz.objects.exists()


def test_checking_says_nothing_of_an_empty_new_question(admin_client):
    module = ModuleFactory()
    skill = SkillFactory()
    data = quiz_form(
        [
            {"prompt": "One right?", "skill": skill.pk, "choices": [("a", True), ("b", False)]},
            {"prompt": "", "skill": skill.pk, "choices": [("", False), ("", False)]},
        ]
    )
    url = reverse("author:quiz_edit", args=[module.pk])
    html = admin_client.post(url, {**data, "action": "check"}, HTTP_HX_REQUEST="true")
    html = html.content.decode()
    first, second = html.split('id="q1-problems"')
    assert "This question checks out." in first
    assert "checks out" not in second.split('id="quiz-summary"')[0]


def test_adding_and_removing_rows_keeps_what_was_typed_and_saves_nothing(admin_client):
    module = build_module(questions=1)
    skill = module.quiz.questions.get().skill
    url = reverse("author:quiz_edit", args=[module.pk])
    data = quiz_form([{"prompt": "Typed but unsaved", "skill": skill.pk, "choices": [("a", True)]}])
    html = admin_client.post(url, {**data, "action": "add_choice:0"}).content.decode()
    assert "Typed but unsaved" in html and 'name="q0-c1-text"' in html
    html = admin_client.post(url, {**data, "action": "add_question"}).content.decode()
    assert 'name="q1-prompt"' in html
    html = admin_client.post(url, {**data, "action": "remove_choice:0:0"}).content.decode()
    assert 'name="q0-c0-text"' not in html
    assert module.quiz.questions.get().prompt != "Typed but unsaved"


@pytest.mark.parametrize(
    "action", ["remove_question:7", "remove_choice:0:9", "explode", "add_choice:-1"]
)
def test_a_structure_the_page_never_drew_is_a_400(admin_client, action):
    module = build_module(questions=1)
    data = quiz_form([{"prompt": "Q", "skill": SkillFactory().pk, "choices": [("a", True)]}])
    response = admin_client.post(
        reverse("author:quiz_edit", args=[module.pk]), {**data, "action": action}
    )
    assert response.status_code == 400


def test_removing_a_question_reps_answered_is_refused_with_a_message(admin_client):
    module = build_module(lessons=0, questions=2)
    quiz = module.quiz
    attempt = attempt_start(user=RepFactory(), quiz=quiz)
    attempt_submit(attempt=attempt, answers=correct_answers(attempt))
    first = quiz.questions.order_by("position").first()
    url = reverse("author:quiz_edit", args=[module.pk])
    page = admin_client.get(url).content.decode()
    assert "Reps have answered this question, so it cannot be removed" in page
    data = quiz_form(
        [
            {
                "id": first.pk,
                "prompt": first.prompt,
                "skill": first.skill_id,
                "choices": [(c.text, c.is_correct, c.pk) for c in first.choices.all()],
            }
        ]
    )
    response = admin_client.post(url, data)
    assert response.status_code == 400
    assert "reps have answered it, so it cannot be deleted" in response.content.decode()
    assert Question.objects.filter(quiz=quiz).count() == 2


def test_the_quiz_editor_reads_a_fixed_number_of_queries(
    admin_client, django_assert_max_num_queries
):
    module = build_module(questions=3)
    url = reverse("author:quiz_edit", args=[module.pk])
    admin_client.get(url)
    with django_assert_max_num_queries(12):
        admin_client.get(url)
    big = build_module(questions=40)
    url = reverse("author:quiz_edit", args=[big.pk])
    with django_assert_max_num_queries(12):
        assert admin_client.get(url).status_code == 200
    # Checking as the author types reads no more for forty questions than for one.
    skill = SkillFactory().pk
    many = [
        {"prompt": f"Q{n}?", "skill": skill, "choices": [("a", True), ("b", False)]}
        for n in range(40)
    ]
    data = quiz_form(many)
    # (The settings' two database check constraints are asked once each.)
    with django_assert_max_num_queries(16):
        response = admin_client.post(url, {**data, "action": "check"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Ready to save" in response.content.decode()


def test_a_module_without_a_quiz_opens_with_one_empty_question(admin_client):
    module = ModuleFactory()
    html = admin_client.get(reverse("author:quiz_edit", args=[module.pk])).content.decode()
    assert 'name="q0-prompt"' in html and 'name="q1-prompt"' not in html
    assert not Quiz.objects.exists()


def test_the_lesson_and_guide_editors_read_a_fixed_number_of_queries(
    admin_client, django_assert_max_num_queries
):
    module = build_module(lessons=3, questions=0)
    lesson = module.lessons.first()
    for url in (
        reverse("author:lesson_edit", args=[lesson.pk]),
        reverse("author:lesson_new", args=[module.pk]),
        reverse("author:guide_edit", args=[module.pk]),
    ):
        admin_client.get(url)
        with django_assert_max_num_queries(8):
            assert admin_client.get(url).status_code == 200


def test_a_stored_plain_video_link_stays_a_plain_link_when_the_lesson_is_saved(admin_client):
    lesson = build_module(lessons=1, questions=0).lessons.get()
    Lesson.objects.filter(pk=lesson.pk).update(video_url="https://example.com/talk.mp4")
    url = reverse("author:lesson_edit", args=[lesson.pk])
    page = admin_client.get(url).content.decode()
    assert re.search(r'<input[^>]*name="plain_video_link"[^>]*checked', page)
