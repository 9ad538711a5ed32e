"""Preview as a rep: the reader's own pages (``templates/lms/``) drawn for a rep who has not
started, with a banner and nothing that records anything. Drafts too; no learner data is made."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lms.content import video_embed_url
from lms.selectors.preview import course_preview_for, lesson_preview_for, quiz_preview_for

# The reader's templates link with these URL names; in a preview they stay in the preview.
PREVIEW_LINKS = {
    "preview": True,
    "course_view": "author:course_preview",
    "lesson_view": "author:course_preview_lesson",
    "quiz_view": "author:course_preview_quiz",
}


@login_required
@require_GET
def course_preview(request: HttpRequest, course_id: int) -> HttpResponse:
    outline = course_preview_for(user=request.user, course_id=course_id)
    context = {"outline": outline, "preview_course": outline.course, **PREVIEW_LINKS}
    return render(request, "lms/course.html", context)


@login_required
@require_GET
def lesson_preview_page(request: HttpRequest, lesson_id: int) -> HttpResponse:
    reading = lesson_preview_for(user=request.user, lesson_id=lesson_id)
    context = {
        "reading": reading,
        "video_embed": video_embed_url(reading.lesson.video_url),
        "preview_course": reading.lesson.module.course,
        **PREVIEW_LINKS,
    }
    return render(request, "lms/lesson.html", context)


@login_required
@require_GET
def quiz_preview_page(request: HttpRequest, quiz_id: int) -> HttpResponse:
    preview = quiz_preview_for(user=request.user, quiz_id=quiz_id)
    context = {
        "standing": preview.standing,
        "quiz_preview": preview,
        "preview_course": preview.standing.quiz.module.course,
        **PREVIEW_LINKS,
    }
    return render(request, "lms/quiz.html", context)
