"""The import page: upload a CSV, read the preview of every row, apply it whole.

"Apply" posts back the previewed file, signed (``ImportApplyForm``): a file changed since
its preview is refused rather than trusted, and the service checks it all again before it
writes anything.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from accounts.importing import (
    HEADER,
    ImportRefused,
    people_import_apply,
    people_import_preview,
)
from accounts.people.forms import ImportApplyForm, ImportUploadForm, import_sign
from accounts.people.views import admin_only, render_in_zone

PAGE = "people/import.html"


@login_required
@require_http_methods(["GET", "POST"])
def people_import(request: HttpRequest) -> HttpResponse:
    admin_only(request)
    context = {"header": HEADER, "upload": ImportUploadForm(), "plan": None}
    if request.method == "GET":
        return render_in_zone(request, PAGE, context)
    if "signed" in request.POST:
        return _apply(request, context)
    upload = ImportUploadForm(request.POST, request.FILES)
    context["upload"] = upload
    if not upload.is_valid():
        return render_in_zone(request, PAGE, context)
    content = upload.cleaned_data["content"]
    plan = people_import_preview(text=content)
    context["plan"] = plan
    if plan.ok:
        context["apply"] = ImportApplyForm(initial={"signed": import_sign(content)})
    return render_in_zone(request, PAGE, context)


def _apply(request: HttpRequest, context: dict) -> HttpResponse:
    form = ImportApplyForm(request.POST)
    if not form.is_valid():
        context["apply_errors"] = form.errors["signed"]
        return render_in_zone(request, PAGE, context)
    content = form.cleaned_data["signed"]
    try:
        plan = people_import_apply(text=content, actor=request.user)
    except ImportRefused as refused:
        # Something here changed since the preview: the rows say what.
        context["plan"] = refused.plan
        context["refused"] = refused.message
        return render_in_zone(request, PAGE, context)
    context["plan"] = plan
    return render_in_zone(request, PAGE, context)
