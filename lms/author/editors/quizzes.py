"""The quiz editor: a module's quiz on one page, settings and every question with its choices.

Every button posts the whole form, so the page works without JavaScript; with htmx the form is
swapped in place, and each change is checked as the author goes (``action=check``) with the
rules the publish check and course files use. Saving is one service call: all or nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from config.errors import DomainError
from lms.author.editor_forms import (
    BadEditorInput,
    QuizEditor,
    new_question,
    quiz_state_apply,
    quiz_state_from,
    quiz_state_of,
)
from lms.selectors.editing import QuizToEdit, quiz_to_edit
from lms.services.editors import quiz_save

TEMPLATE = "author/quiz.html"


def _render(request: HttpRequest, target: QuizToEdit, editor: QuizEditor, status: int = 200):
    context = {
        "module": target.module,
        "course": target.module.course,
        "quiz": target.quiz,
        "editor": editor,
        "removed": _removed_count(target, editor),
    }
    if request.htmx:
        # htmx swaps only answers it is given as successes; the problems are in the form.
        return render(request, f"{TEMPLATE}#editor", context)
    return render(request, TEMPLATE, context, status=status)


def _removed_count(target: QuizToEdit, editor: QuizEditor) -> int:
    """Stored questions the form no longer holds: they are deleted on saving."""
    if target.quiz.pk is None:
        return 0
    kept = {question["id"] for question in editor.state}
    return sum(1 for question in target.quiz.questions.all() if str(question.pk) not in kept)


def _editor(target: QuizToEdit, state: list[dict], **kwargs) -> QuizEditor:
    return QuizEditor(
        state=state,
        quiz=target.quiz,
        skills=target.skills,
        answered_ids=target.answered_ids,
        **kwargs,
    )


@login_required
@require_http_methods(["GET", "POST"])
def quiz_edit(request: HttpRequest, module_id: int) -> HttpResponse:
    target = quiz_to_edit(user=request.user, module_id=module_id)
    if request.method == "GET":
        # A module without a quiz starts with one empty question to fill in.
        state = quiz_state_of(target.quiz) or [new_question(skill=target.default_skill)]
        return _render(request, target, _editor(target, state))
    action = request.POST.get("action", "save")
    try:
        state = quiz_state_from(request.POST)
        if action not in ("save", "check"):
            state = quiz_state_apply(state, action, default_skill=target.default_skill)
    except BadEditorInput:
        return HttpResponse("The quiz form was not one this page sent.", status=400)
    if action not in ("save", "check"):
        return _render(request, target, _editor(target, state, post=request.POST))
    editor = _editor(target, state, post=request.POST, bound=True)
    valid = editor.is_valid()
    if action == "check":
        context = {"editor": editor, "checked": True}
        return render(request, "author/editor/quiz_checks.html", context)
    if valid:
        try:
            settings, questions = editor.drafts()
            quiz_save(module=target.module, settings=settings, questions=questions)
        except BadEditorInput:
            return HttpResponse("The quiz form was not one this page sent.", status=400)
        except DomainError as error:
            editor.settings.add_error(None, error.message)
        else:
            messages.success(request, f"Saved the quiz for “{target.module.title}”.")
            url = reverse("author:quiz_edit", args=[target.module.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return _render(request, target, editor, status=400)
