"""The course list and a course's outline through HTTP: admins only, forms that work without
JavaScript, refusals shown as messages, course files up and down, bounded queries."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lms.author.forms import COURSE_FILE_MAX_BYTES
from lms.course_files import course_export
from lms.models import Course, Module
from lms.services import attempt_start
from tests.factories import CourseFactory, ModuleFactory, SkillFactory, build_module

pytestmark = pytest.mark.django_db


def _ready_course(**kwargs) -> Course:
    course = CourseFactory(status=Course.Status.DRAFT, **kwargs)
    module = build_module(course=course, lessons=2, questions=3)
    course.skills.set(module.skills.all())
    return course


@pytest.fixture
def admin_client(client, org):
    client.force_login(org.admin)
    return client


@pytest.mark.parametrize("who", ["rep", "manager"])
def test_reps_and_managers_get_404_on_every_authoring_page(client, org, who):
    course = _ready_course()
    client.force_login(getattr(org, who))
    for url in (
        reverse("author:courses"),
        reverse("author:course_new"),
        reverse("author:course", args=[course.pk]),
        reverse("author:course_download", args=[course.pk]),
        reverse("author:course_upload"),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("author:course_publish", args=[course.pk])).status_code == 404
    assert Course.objects.get(pk=course.pk).status == Course.Status.DRAFT


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(reverse("author:courses"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_list_shows_status_skills_counts_and_bounded_queries(
    admin_client, org, django_assert_max_num_queries
):
    skill = SkillFactory(slug="closing", name="Closing")
    for n in range(12):
        course = CourseFactory(title=f"Course {n:02}", status=Course.Status.PUBLISHED)
        course.skills.add(skill)
        ModuleFactory(course=course)
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("author:courses"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Course 00" in html and "Course 11" in html
    assert "Published" in html and "Closing" in html


def test_the_list_searches_titles_and_filters_by_status(admin_client):
    CourseFactory(title="Closing basics", status=Course.Status.DRAFT)
    CourseFactory(title="Closing advanced", status=Course.Status.PUBLISHED)
    CourseFactory(title="Prospecting", status=Course.Status.DRAFT)
    html = admin_client.get(reverse("author:courses"), {"q": "closing", "status": "draft"})
    text = html.content.decode()
    assert "Closing basics" in text
    assert "Closing advanced" not in text and "Prospecting" not in text


def test_creating_a_course_makes_a_draft_and_opens_its_page(admin_client):
    skill = SkillFactory(slug="discovery", name="Discovery")
    response = admin_client.post(
        reverse("author:course_new"),
        {"title": "Discovery 101", "slug": "", "summary": "Ask.", "skills": [skill.pk]},
    )
    course = Course.objects.get(slug="discovery-101")
    assert response.status_code == 302
    assert response["Location"] == reverse("author:course", args=[course.pk])
    assert course.status == Course.Status.DRAFT
    assert list(course.skills.all()) == [skill]


def test_a_course_without_a_title_shows_the_form_again(admin_client):
    response = admin_client.post(reverse("author:course_new"), {"title": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Course.objects.exists()


def test_the_outline_page_lists_modules_lessons_quiz_guide_and_history(
    admin_client, django_assert_max_num_queries
):
    course = _ready_course(title="Closing")
    for _ in range(4):
        build_module(course=course, lessons=3, questions=3)
    with django_assert_max_num_queries(30):
        response = admin_client.get(reverse("author:course", args=[course.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    module = course.modules.first()
    assert module.title in html
    assert module.lessons.first().title in html
    assert "3 questions" in html
    assert "Ready to publish" in html
    assert "Recent changes" in html
    assert reverse("author:quiz_edit", args=[module.pk]) in html
    assert reverse("author:lesson_new", args=[module.pk]) in html
    assert reverse("author:guide_edit", args=[module.pk]) in html


def test_the_outline_page_query_count_does_not_grow_with_modules(
    admin_client, django_assert_max_num_queries
):
    course = _ready_course()
    admin_client.get(reverse("author:course", args=[course.pk]))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        admin_client.get(reverse("author:course", args=[course.pk]))
    for _ in range(5):
        build_module(course=course, lessons=3, questions=3)
    with django_assert_max_num_queries(len(small)):
        admin_client.get(reverse("author:course", args=[course.pk]))


def test_publishing_a_course_that_is_not_ready_lists_the_reasons(admin_client):
    course = CourseFactory(status=Course.Status.DRAFT, title="Half done")
    ModuleFactory(course=course, title="Bare", coaching_questions=[], coaching_behaviours=[])
    response = admin_client.post(reverse("author:course_publish", args=[course.pk]), follow=True)
    html = response.content.decode()
    assert "was not published" in html
    assert "Bare: a module needs at least one lesson" in html
    assert "the course is tagged with no skill" in html
    assert Course.objects.get(pk=course.pk).status == Course.Status.DRAFT


def test_publishing_a_ready_course_and_unpublishing_it(admin_client):
    course = _ready_course()
    response = admin_client.post(reverse("author:course_publish", args=[course.pk]), follow=True)
    assert Course.objects.get(pk=course.pk).is_published
    # The published page points on to assigning it, where a team gets it.
    assert f'href="{reverse("lms:team")}#assign-team-heading"' in response.content.decode()
    admin_client.post(reverse("author:course_unpublish", args=[course.pk]))
    assert Course.objects.get(pk=course.pk).status == Course.Status.DRAFT


def test_duplicate_and_archive_from_the_page(admin_client):
    course = _ready_course(slug="closing")
    response = admin_client.post(reverse("author:course_duplicate", args=[course.pk]))
    copy = Course.objects.get(slug="closing-copy")
    assert response["Location"] == reverse("author:course", args=[copy.pk])
    admin_client.post(reverse("author:course_archive", args=[course.pk]))
    assert Course.objects.get(pk=course.pk).status == Course.Status.ARCHIVED


def test_modules_are_added_edited_and_moved_with_plain_posts(admin_client):
    course = CourseFactory(status=Course.Status.DRAFT)
    skill = SkillFactory(slug="rapport", name="Rapport")
    admin_client.post(reverse("author:module_new", args=[course.pk]), {"new-title": "First"})
    admin_client.post(reverse("author:module_new", args=[course.pk]), {"new-title": "Second"})
    first, second = course.modules.all()
    assert (first.title, second.title) == ("First", "Second")

    response = admin_client.post(
        reverse("author:module_edit", args=[second.pk]),
        {"title": "Second, renamed", "objectives": "- Learn", "skills": [skill.pk]},
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.title == "Second, renamed" and list(second.skills.all()) == [skill]

    admin_client.post(reverse("author:module_move", args=[second.pk]), {"direction": "up"})
    assert list(course.modules.values_list("title", flat=True)) == ["Second, renamed", "First"]


def test_moving_with_htmx_answers_the_outline_partial(admin_client):
    course = CourseFactory(status=Course.Status.DRAFT)
    a = ModuleFactory(course=course, position=1, title="Alpha")
    ModuleFactory(course=course, position=2, title="Beta")
    response = admin_client.post(
        reverse("author:module_move", args=[a.pk]), {"direction": "down"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.index("Beta") < html.index("Alpha")


def test_a_module_with_learner_records_is_not_deleted_and_the_page_says_why(admin_client, org):
    module = build_module(lessons=1, questions=2)
    attempt_start(user=org.rep, quiz=module.quiz)
    response = admin_client.post(reverse("author:module_delete", args=[module.pk]), follow=True)
    assert "archive the course" in response.content.decode()
    assert Module.objects.filter(pk=module.pk).exists()


def test_a_lesson_nobody_read_is_deleted(admin_client):
    module = build_module(lessons=2, questions=0)
    lesson = module.lessons.first()
    admin_client.post(reverse("author:lesson_delete", args=[lesson.pk]))
    assert list(module.lessons.values_list("title", flat=True)) != [lesson.title]
    assert module.lessons.count() == 1


def test_downloading_a_course_gives_its_course_file(admin_client):
    course = _ready_course(slug="closing")
    response = admin_client.get(reverse("author:course_download", args=[course.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="closing.yaml"'
    assert response.content.decode() == course_export(course=course)


def test_uploading_a_course_file_imports_it(admin_client):
    course = _ready_course(slug="closing", title="Closing")
    text = course_export(course=course).replace("title: Closing\n", "title: Closing, again\n", 1)
    upload = SimpleUploadedFile("closing.yaml", text.encode(), content_type="application/yaml")
    response = admin_client.post(reverse("author:course_upload"), {"file": upload}, follow=True)
    assert "closing.yaml: updated" in response.content.decode()
    assert Course.objects.get(pk=course.pk).title == "Closing, again"


def test_a_bad_upload_lists_file_line_field_errors_and_imports_nothing(admin_client):
    upload = SimpleUploadedFile("broken.yaml", b"course:\n  slug: broken\n  title: [oops\n")
    response = admin_client.post(reverse("author:course_upload"), {"file": upload})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported" in html
    assert "broken.yaml:4: not valid YAML" in html
    assert not Course.objects.filter(slug="broken").exists()


def test_an_upload_over_the_size_cap_is_a_form_error(admin_client):
    upload = SimpleUploadedFile("huge.yaml", b"#" * (COURSE_FILE_MAX_BYTES + 1))
    response = admin_client.post(reverse("author:course_upload"), {"file": upload})
    assert response.status_code == 400
    assert "a course file may be at most" in response.content.decode()


def test_a_change_on_the_pages_is_recorded_with_who_made_it(admin_client, org):
    org.admin.first_name, org.admin.last_name = "Ada", "Admin"
    org.admin.save()
    course = CourseFactory(status=Course.Status.DRAFT)
    admin_client.post(reverse("author:module_new", args=[course.pk]), {"new-title": "Openers"})
    html = admin_client.get(reverse("author:course", args=[course.pk])).content.decode()
    assert "<strong>Ada Admin</strong> added module “Openers”" in html


def test_the_back_office_shows_a_course_s_history_too(admin_client):
    course = _ready_course(title="Closing")
    response = admin_client.get(reverse("admin:lms_course_history", args=[course.pk]))
    assert response.status_code == 200
    assert "Closing" in response.content.decode()


def test_an_upload_that_would_publish_an_unready_course_imports_nothing(admin_client):
    course = CourseFactory(slug="unready", title="Unready", status=Course.Status.DRAFT)
    build_module(course=course, lessons=1, questions=1)  # the course has no skill
    text = course_export(course=course).replace("status: draft", "status: published")
    Module.objects.filter(course=course).delete()
    course.delete()
    upload = SimpleUploadedFile("unready.yaml", text.encode())
    response = admin_client.post(reverse("author:course_upload"), {"file": upload})
    assert response.status_code == 400
    assert "the course is tagged with no skill" in response.content.decode()
    assert not Course.objects.filter(slug="unready").exists()
