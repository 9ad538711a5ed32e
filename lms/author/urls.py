"""The admins' authoring pages at /author/ (DESIGN §12): the course list, one course's outline
and what acts on it here; the editors of a lesson, a quiz and a guide in ``editor_urls``."""

from django.urls import include, path

from lms.author import outline, views

app_name = "author"

urlpatterns: list = [
    path("", views.courses, name="courses"),
    path("courses/new/", views.course_new, name="course_new"),
    path("courses/upload/", views.course_upload, name="course_upload"),
    path("courses/<int:course_id>/", outline.course_page, name="course"),
    path("courses/<int:course_id>/edit/", outline.course_edit, name="course_edit"),
    path(
        "courses/<int:course_id>/duplicate/",
        views.course_duplicate_view,
        name="course_duplicate",
    ),
    path("courses/<int:course_id>/archive/", views.course_archive_view, name="course_archive"),
    path("courses/<int:course_id>/publish/", outline.course_publish_view, name="course_publish"),
    path(
        "courses/<int:course_id>/unpublish/",
        outline.course_unpublish_view,
        name="course_unpublish",
    ),
    path("courses/<int:course_id>/download/", views.course_download, name="course_download"),
    path("courses/<int:course_id>/modules/new/", outline.module_new, name="module_new"),
    path("modules/<int:module_id>/edit/", outline.module_edit, name="module_edit"),
    path("modules/<int:module_id>/move/", outline.module_move_view, name="module_move"),
    path("modules/<int:module_id>/delete/", outline.module_delete_view, name="module_delete"),
    path("lessons/<int:lesson_id>/move/", outline.lesson_move_view, name="lesson_move"),
    path("lessons/<int:lesson_id>/delete/", outline.lesson_delete_view, name="lesson_delete"),
    # The editors of one lesson, one quiz and one coaching guide, and the rep's-eye preview.
    path("", include("lms.author.editor_urls")),
]
