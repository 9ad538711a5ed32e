"""The editors of one lesson, one quiz and one coaching guide, and the rep's-eye preview."""

from django.urls import path

from lms.author.editors import guides, lessons, previews, quizzes

urlpatterns = [
    path("modules/<int:module_id>/lessons/new/", lessons.lesson_new, name="lesson_new"),
    path("lessons/<int:lesson_id>/edit/", lessons.lesson_edit, name="lesson_edit"),
    path("lessons/preview/", lessons.lesson_preview, name="lesson_preview"),
    path("modules/<int:module_id>/quiz/", quizzes.quiz_edit, name="quiz_edit"),
    path("modules/<int:module_id>/guide/", guides.guide_edit, name="guide_edit"),
    path("courses/<int:course_id>/preview/", previews.course_preview, name="course_preview"),
    path(
        "preview/lessons/<int:lesson_id>/",
        previews.lesson_preview_page,
        name="course_preview_lesson",
    ),
    path("preview/quizzes/<int:quiz_id>/", previews.quiz_preview_page, name="course_preview_quiz"),
]
