"""The coaching guide editor: what the coach asks, watches for and sets as practice."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from lms.author.editor_forms import GuideForm
from lms.selectors.editing import module_to_edit
from lms.services.editors import module_guide_save


@login_required
@require_http_methods(["GET", "POST"])
def guide_edit(request: HttpRequest, module_id: int) -> HttpResponse:
    module = module_to_edit(user=request.user, module_id=module_id)
    initial = model_to_dict(module, fields=GuideForm._meta.fields)
    form = GuideForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        module_guide_save(
            module=module,
            questions=form.cleaned_data["coaching_questions"],
            behaviours=form.cleaned_data["coaching_behaviours"],
            practice_task=form.cleaned_data["practice_task"],
        )
        if any(form.cleaned_data.values()):
            messages.success(request, f"Saved the coaching guide for “{module.title}”.")
        else:
            messages.warning(
                request,
                f"The coaching guide for “{module.title}” is empty now: the course cannot be"
                " published without one, and the follow-up session's agenda starts from it.",
            )
        return redirect("author:guide_edit", module_id=module.pk)
    context = {"module": module, "course": module.course, "form": form}
    return render(request, "author/guide.html", context, status=400 if form.is_bound else 200)
