"""The import pages: upload a CSV, read the preview of every row, apply it whole.

"Apply" posts back the previewed file, signed (``ImportApplyForm``): a file changed since
its preview is refused rather than trusted, and the service checks it all again before it
writes anything. ``import_page`` is that flow for every import (people here, sales outcomes
in coaching); each names its template, header, preview, apply and form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from accounts.importing import HEADER, people_import_apply, people_import_preview
from accounts.people.forms import ImportApplyForm, ImportUploadForm, import_sign
from accounts.people.views import admin_only
from accounts.rendering import render_for_viewer
from config.imports import ImportPlan, ImportRefused

PAGE = "people/import.html"


@login_required
@require_http_methods(["GET", "POST"])
def people_import(request: HttpRequest) -> HttpResponse:
    return import_page(
        request,
        page=PAGE,
        header=HEADER,
        preview=people_import_preview,
        apply=people_import_apply,
    )


def import_page(
    request: HttpRequest,
    *,
    page: str,
    header: str,
    preview: Callable[..., ImportPlan],
    apply: Callable[..., ImportPlan],
    apply_form: type[ImportApplyForm] = ImportApplyForm,
) -> HttpResponse:
    """An admin's import page (404 for anyone else): the form (GET), the preview of an upload,
    or "Apply" on a preview (POST). ``preview(text=)`` and ``apply(text=, actor=)`` are the
    import's services; ``apply_form`` signs with the import's own salt."""
    admin_only(request)
    context: dict[str, Any] = {"header": header, "upload": ImportUploadForm(), "plan": None}
    if request.method == "POST" and "signed" in request.POST:
        form = apply_form(request.POST)
        if not form.is_valid():
            context["apply_errors"] = form.errors["signed"]
            return render_for_viewer(request, page, context)
        try:
            context["plan"] = apply(text=form.cleaned_data["signed"], actor=request.user)
        except ImportRefused as refused:
            # Something here changed since the preview: the rows say what.
            context["plan"] = refused.plan
            context["refused"] = refused.message
    elif request.method == "POST":
        upload = ImportUploadForm(request.POST, request.FILES)
        context["upload"] = upload
        if upload.is_valid():
            content = upload.cleaned_data["content"]
            context["plan"] = plan = preview(text=content)
            if plan.ok:
                signed = import_sign(content, salt=apply_form.salt)
                context["apply"] = apply_form(initial={"signed": signed})
    return render_for_viewer(request, page, context)
