"""Course authoring in the admin, through its pages and actions."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from lms.models import Choice, Course, Lesson, Module, Question, Quiz
from lms.services import attempt_start, lesson_complete
from tests.factories import (
    AdminFactory,
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    QuizFactory,
    RepFactory,
    SkillFactory,
    build_module,
    question_with_choices,
)

pytestmark = pytest.mark.django_db

# --- helpers: the POST a browser would send back from an admin change form ----------------------


def _put(data: dict, key: str, value) -> None:
    if isinstance(value, bool):
        if value:
            data[key] = "on"
    elif value is None:
        data[key] = ""
    elif isinstance(value, list | tuple):
        data[key] = [str(item) for item in value]
    else:
        data[key] = str(value)


def _form_data(data: dict, form) -> None:
    for name in form.fields:
        _put(data, form.add_prefix(name), form[name].value())


def change_form_data(response) -> dict:
    """The main form and every saved inline row, unchanged; extra rows left out."""
    data: dict = {"_save": "Save"}
    _form_data(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _form_data(data, formset.management_form)
        for form in formset.initial_forms:
            _form_data(data, form)
        data[formset.management_form.add_prefix("TOTAL_FORMS")] = str(formset.initial_form_count())
    return data


def add_inline_row(data: dict, prefix: str, **values) -> None:
    """Append a new row to the inline ``prefix`` (``choices``, ``lessons``, ...)."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    for name, value in values.items():
        _put(data, f"{prefix}-{index}-{name}", value)
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def author(client):
    user = AdminFactory()
    client.force_login(user)
    return user


def published_course(*, modules: int = 2, slug: str | None = None) -> Course:
    course = CourseFactory(**({"slug": slug} if slug else {}))
    skill = SkillFactory(slug="closing", name="Closing")
    course.skills.add(skill)
    for _ in range(modules):
        build_module(course=course, skill=skill)
    return course


# --- pages load within a bounded number of queries ----------------------------------------------


def _objects():
    courses = [published_course() for _ in range(3)]
    module = courses[0].modules.first()
    quiz = module.quiz
    return {
        "skill": courses[0].skills.first(),
        "course": courses[0],
        "module": module,
        "quiz": quiz,
        "question": quiz.questions.first(),
    }


@pytest.mark.parametrize("model", ["skill", "course", "module", "quiz", "question"])
def test_changelist_change_and_add_pages_load_within_a_query_budget(
    client, author, model, django_assert_max_num_queries
):
    obj = _objects()[model]
    urls = [
        reverse(f"admin:lms_{model}_changelist"),
        reverse(f"admin:lms_{model}_change", args=[obj.pk]),
        reverse(f"admin:lms_{model}_add"),
    ]
    for url in urls:
        with django_assert_max_num_queries(15):
            response = client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("model", ["course", "module", "quiz", "question"])
def test_changelist_queries_do_not_grow_with_rows(
    client, author, model, django_assert_max_num_queries
):
    published_course()
    url = reverse(f"admin:lms_{model}_changelist")
    client.get(url)
    with django_assert_max_num_queries(15) as few:
        client.get(url)
    for _ in range(4):
        published_course()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_a_quiz_page_does_not_query_per_question(client, author, django_assert_max_num_queries):
    quiz = build_module(questions=2).quiz
    url = reverse("admin:lms_quiz_change", args=[quiz.pk])
    client.get(url)
    with django_assert_max_num_queries(15) as few:
        client.get(url)
    skill = quiz.questions.first().skill
    for position in range(3, 12):
        question_with_choices(quiz, [True, False], skill=skill, position=position)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


# --- publishing ---------------------------------------------------------------------------------


def test_the_publish_action_refuses_an_invalid_course_with_its_problems_and_publishes_a_valid_one(
    client, author
):
    valid = published_course()
    Course.objects.filter(pk=valid.pk).update(status=Course.Status.DRAFT)
    invalid = CourseFactory(status=Course.Status.DRAFT, title="Half written")
    ModuleFactory(course=invalid, title="Empty module")
    quiz = QuizFactory(module=ModuleFactory(course=invalid, title="Quiz module"))
    question_with_choices(quiz, [True, True], kind="single", position=1)

    response = client.post(
        reverse("admin:lms_course_changelist"),
        {"action": "publish_courses", "_selected_action": [valid.pk, invalid.pk]},
        follow=True,
    )

    shown = messages_of(response)
    assert any(
        "“Half written” cannot be published: Empty module: a module needs at least one lesson" in m
        for m in shown
    )
    assert any(
        "Quiz module: question 1" in m
        and "a single-choice question needs exactly one correct choice" in m
        for m in shown
    )
    assert "Published 1 course(s)." in shown
    valid.refresh_from_db()
    invalid.refresh_from_db()
    assert valid.status == Course.Status.PUBLISHED
    assert invalid.status == Course.Status.DRAFT


def test_unpublish_and_archive_actions_change_the_status(client, author):
    course = published_course()
    url = reverse("admin:lms_course_changelist")
    client.post(url, {"action": "unpublish_courses", "_selected_action": [course.pk]})
    course.refresh_from_db()
    assert course.status == Course.Status.DRAFT
    client.post(url, {"action": "archive_courses", "_selected_action": [course.pk]})
    course.refresh_from_db()
    assert course.status == Course.Status.ARCHIVED


def test_the_course_page_says_what_stops_it_being_published(client, author):
    course = CourseFactory(status=Course.Status.DRAFT)
    response = client.get(reverse("admin:lms_course_change", args=[course.pk]))
    assert "a course needs at least one module" in response.content.decode()


def test_the_status_cannot_be_edited_around_the_publishing_rules(client, author):
    course = CourseFactory(status=Course.Status.DRAFT)
    url = reverse("admin:lms_course_change", args=[course.pk])
    data = change_form_data(client.get(url))
    data["status"] = "published"
    client.post(url, data)
    course.refresh_from_db()
    assert course.status == Course.Status.DRAFT


def test_a_course_can_be_downloaded_as_a_course_file(client, author):
    course = published_course(slug="closing-basics")
    response = client.post(
        reverse("admin:lms_course_changelist"),
        {"action": "export_course_file", "_selected_action": [course.pk]},
    )
    assert response["Content-Disposition"] == 'attachment; filename="closing-basics.yaml"'
    assert "slug: closing-basics" in response.content.decode()


# --- modules, lessons and positions -------------------------------------------------------------


def test_the_coaching_guide_is_edited_one_item_per_line(client, author):
    module = build_module()
    url = reverse("admin:lms_module_change", args=[module.pk])
    response = client.get(url)
    assert "What did you try on your last call?" in response.content.decode()
    data = change_form_data(response)
    data["coaching_questions"] = "What went well?\r\n\r\n  What would you change?  \r\n"
    data["coaching_behaviours"] = ""

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    module.refresh_from_db()
    assert module.coaching_questions == ["What went well?", "What would you change?"]
    assert module.coaching_behaviours == []


def test_the_module_page_links_to_its_quiz_or_offers_to_add_one(client, author):
    module = build_module()
    page = client.get(reverse("admin:lms_module_change", args=[module.pk])).content.decode()
    assert reverse("admin:lms_quiz_change", args=[module.quiz.pk]) in page
    bare = build_module(questions=0)
    page = client.get(reverse("admin:lms_module_change", args=[bare.pk])).content.decode()
    assert f"{reverse('admin:lms_quiz_add')}?module={bare.pk}" in page


def test_modules_are_reordered_by_swapping_positions(client, author):
    course = published_course()
    first, second = course.modules.order_by("position")
    url = reverse("admin:lms_course_change", args=[course.pk])
    data = change_form_data(client.get(url))
    for i in range(2):
        data[f"modules-{i}-position"] = str(2 - i)

    response = client.post(url, data)

    assert response.status_code == 302
    assert list(course.modules.order_by("position")) == [second, first]
    assert sorted(course.modules.values_list("position", flat=True)) == [1, 2]


def test_a_lesson_added_without_a_position_goes_last(client, author):
    module = build_module(lessons=2)
    url = reverse("admin:lms_module_change", args=[module.pk])
    data = change_form_data(client.get(url))
    add_inline_row(data, "lessons", title="Wrap-up", minutes=4, body="Done.", position="")

    response = client.post(url, data)

    assert response.status_code == 302
    assert module.lessons.order_by("position").last().title == "Wrap-up"


def test_a_lesson_with_progress_cannot_be_deleted_from_its_module(client, author):
    module = build_module(lessons=1)
    lesson = module.lessons.get()
    lesson_complete(user=RepFactory(), lesson=lesson)
    url = reverse("admin:lms_module_change", args=[module.pk])
    data = change_form_data(client.get(url))
    data["lessons-0-DELETE"] = "on"

    response = client.post(url, data)

    assert response.status_code == 200
    assert "protected related objects" in response.content.decode()
    assert Lesson.objects.filter(pk=lesson.pk).exists()


# --- questions and choices ----------------------------------------------------------------------


def _question_page(client, question):
    url = reverse("admin:lms_question_change", args=[question.pk])
    return url, change_form_data(client.get(url))


def test_the_question_admin_rejects_two_correct_choices_on_a_single_choice_question(client, author):
    question = build_module().quiz.questions.first()
    url, data = _question_page(client, question)
    data["choices-1-is_correct"] = "on"

    response = client.post(url, data)

    assert response.status_code == 200
    assert "A single-choice question needs exactly one correct choice (2 marked correct)." in (
        response.content.decode()
    )
    assert question.choices.filter(is_correct=True).count() == 1


def test_the_question_admin_rejects_a_multiple_choice_question_with_no_correct_choice(
    client, author
):
    question = build_module().quiz.questions.first()
    url, data = _question_page(client, question)
    data["kind"] = "multiple"
    data.pop("choices-0-is_correct")

    response = client.post(url, data)

    assert "A multiple-choice question needs at least one correct choice." in (
        response.content.decode()
    )
    question.refresh_from_db()
    assert question.kind == "single"


def test_the_question_admin_accepts_a_valid_change_and_appends_new_choices(client, author):
    question = build_module().quiz.questions.first()
    url, data = _question_page(client, question)
    data["kind"] = "multiple"
    data["choices-1-is_correct"] = "on"
    add_inline_row(data, "choices", text="Also right", is_correct=True, position="")

    response = client.post(url, data)

    assert response.status_code == 302
    assert list(question.choices.order_by("position").values_list("position", "is_correct")) == [
        (1, True),
        (2, True),
        (3, False),
        (4, True),
    ]


def test_changing_a_question_kind_in_the_quiz_must_agree_with_its_choices(client, author):
    quiz = build_module().quiz
    question_with_choices(quiz, [True, True], kind="multiple", position=9)
    url = reverse("admin:lms_quiz_change", args=[quiz.pk])
    data = change_form_data(client.get(url))
    index = next(
        i
        for i in range(int(data["questions-TOTAL_FORMS"]))
        if data[f"questions-{i}-position"] == "9"
    )
    data[f"questions-{index}-kind"] = "single"

    response = client.post(url, data)

    assert response.status_code == 200
    assert "A single-choice question needs exactly one correct choice" in response.content.decode()


def test_saving_a_quiz_that_is_not_ready_warns_the_author(client, author):
    module = ModuleFactory()
    response = client.post(
        reverse("admin:lms_quiz_add"),
        {
            "module": module.pk,
            "pass_mark": 80,
            "max_attempts": 3,
            "questions_per_attempt": "",
            "review_policy": "passed_or_exhausted",
            "questions-TOTAL_FORMS": 0,
            "questions-INITIAL_FORMS": 0,
            "_save": "Save",
        },
        follow=True,
    )
    assert Quiz.objects.filter(module=module).exists()
    assert any("a quiz needs at least one question" in m for m in messages_of(response))


# --- protected deletion -------------------------------------------------------------------------


def _attempted_course():
    course = published_course(modules=1)
    attempt_start(user=RepFactory(), quiz=course.modules.get().quiz)
    return course


def content_counts():
    return [m.objects.count() for m in (Course, Module, Lesson, Quiz, Question, Choice)]


def test_deleting_a_course_with_attempts_shows_the_protection_message_and_deletes_nothing(
    client, author
):
    course = _attempted_course()
    before = content_counts()
    url = reverse("admin:lms_course_delete", args=[course.pk])

    page = client.get(url).content.decode()
    response = client.post(url, {"post": "yes"})

    assert "Archive the course instead" in page
    assert response.status_code == 200
    assert "Archive the course instead" in response.content.decode()
    assert content_counts() == before


def test_bulk_deleting_protected_courses_deletes_nothing_and_offers_to_archive(client, author):
    course = _attempted_course()
    before = content_counts()
    changelist = reverse("admin:lms_course_changelist")

    response = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [course.pk], "post": "yes"}
    )

    assert "Archive the course instead" in response.content.decode()
    assert content_counts() == before
    client.post(changelist, {"action": "archive_courses", "_selected_action": [course.pk]})
    course.refresh_from_db()
    assert course.status == Course.Status.ARCHIVED


def test_deleting_a_quiz_with_attempts_is_refused_too(client, author):
    quiz = _attempted_course().modules.get().quiz
    response = client.post(reverse("admin:lms_quiz_delete", args=[quiz.pk]), {"post": "yes"})
    assert "Archive the course instead" in response.content.decode()
    assert Quiz.objects.filter(pk=quiz.pk).exists()


def test_a_course_without_records_can_be_deleted(client, author):
    course = published_course(modules=1)
    response = client.post(reverse("admin:lms_course_delete", args=[course.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Course.objects.filter(pk=course.pk).exists()


# --- previews -----------------------------------------------------------------------------------


def test_the_lesson_preview_shows_the_lesson_as_a_rep_sees_it(client, author):
    lesson = LessonFactory(
        title="Opening strong",
        body="## Why\n\nBuyers decide **fast**.",
        video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    )
    response = client.get(reverse("admin:lms_lesson_preview", args=[lesson.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Opening strong" in page
    assert "<h2>Why</h2>" in page and "<strong>fast</strong>" in page
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in page


def test_the_quiz_preview_hides_answers_until_the_authors_section(client, author):
    quiz = QuizFactory()
    skill = SkillFactory()
    question = question_with_choices(quiz, [False, True], skill=skill, prompt="Which one?")
    Choice.objects.filter(question=question, is_correct=True).update(text="The right one")
    Choice.objects.filter(question=question, is_correct=False).update(text="The wrong one")

    response = client.get(reverse("admin:lms_quiz_preview", args=[quiz.pk]))

    page = response.content.decode()
    rep_part, answers = page.split('id="answers"')
    assert "Which one?" in rep_part
    assert "The right one" in rep_part and "The wrong one" in rep_part
    assert "correct" not in rep_part.split('aria-label="Quiz preview"')[1]
    assert "checked" not in rep_part
    assert '<li class="correct-answer">✓ The right one' in answers


@pytest.mark.parametrize("who", ["anonymous", "rep", "manager"])
def test_previews_are_for_staff_only(client, who):
    lesson = LessonFactory()
    quiz = QuizFactory()
    if who != "anonymous":
        user = RepFactory() if who == "rep" else RepFactory().manager
        client.force_login(user)
    for url in (
        reverse("admin:lms_lesson_preview", args=[lesson.pk]),
        reverse("admin:lms_quiz_preview", args=[quiz.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_previews_of_missing_content_are_404(client, author):
    assert client.get(reverse("admin:lms_lesson_preview", args=[999999])).status_code == 404
    assert client.get(reverse("admin:lms_quiz_preview", args=[999999])).status_code == 404
