"""The lesson editor: title, minutes, video link and Markdown with a live preview.

The preview is drawn by the reader's own renderer and sanitiser (``lms.content``), so what the
author sees is what reps get.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import DomainError
from lms.author.editor_forms import LessonForm, MarkdownPreviewForm
from lms.content import render_markdown, video_embed_url
from lms.models import Lesson, Module
from lms.selectors.editing import author_or_404, lesson_to_edit, module_to_edit
from lms.services.editors import lesson_save, video_link_problem

TEMPLATE = "author/lesson.html"


def _preview_context(*, body: str, video_url: str) -> dict:
    return {
        "body_html": render_markdown(body),
        "video_embed": video_embed_url(video_url),
        "video_url": video_url,
        "video_problem": video_link_problem(video_url),
    }


def _lesson_page(request: HttpRequest, *, module: Module, lesson: Lesson | None) -> HttpResponse:
    initial = None
    if lesson is not None:
        initial = model_to_dict(lesson, fields=LessonForm._meta.fields)
        # A stored link that does not embed was kept as a plain link on purpose.
        initial["plain_video_link"] = video_link_problem(lesson.video_url) is not None
    form = LessonForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = lesson_save(
                module=module,
                lesson=lesson,
                title=data["title"],
                body=data["body"],
                video_url=data["video_url"],
                minutes=data["minutes"],
                plain_video_link=data["plain_video_link"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Saved “{saved.title}”.")
            return redirect("author:lesson_edit", lesson_id=saved.pk)
    body = form["body"].value() or ""
    video_url = form["video_url"].value() or ""
    context = {
        "module": module,
        "course": module.course,
        "lesson": lesson,
        "form": form,
        **_preview_context(body=body, video_url=video_url),
    }
    status = 400 if form.is_bound else 200
    return render(request, TEMPLATE, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def lesson_new(request: HttpRequest, module_id: int) -> HttpResponse:
    module = module_to_edit(user=request.user, module_id=module_id)
    return _lesson_page(request, module=module, lesson=None)


@login_required
@require_http_methods(["GET", "POST"])
def lesson_edit(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = lesson_to_edit(user=request.user, lesson_id=lesson_id)
    return _lesson_page(request, module=lesson.module, lesson=lesson)


@login_required
@require_POST
def lesson_preview(request: HttpRequest) -> HttpResponse:
    """The text being typed, as a rep will read it (htmx swaps it beside the editor)."""
    author_or_404(request.user)
    form = MarkdownPreviewForm(request.POST)
    if not form.is_valid():
        return HttpResponse("The text is too long to preview.", status=400)
    context = _preview_context(
        body=form.cleaned_data["body"], video_url=form.cleaned_data["video_url"]
    )
    return render(request, f"{TEMPLATE}#preview", context)
