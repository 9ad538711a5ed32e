"""Sales outcomes' pages: the admins' import (upload, preview every row, apply the previewed
file whole) and the report of outcomes against skills (admins: the organisation; a manager:
their own team). Rules in docs/outcomes.md."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.people.forms import ImportApplyForm, ImportUploadForm, import_sign
from accounts.permissions import is_admin
from coaching.insights.outcomes import TOO_FEW, outcomes_report
from coaching.outcomes.importing import (
    HEADER,
    ImportRefused,
    outcomes_import_apply,
    outcomes_import_preview,
)
from coaching.outcomes.selectors import metric_label
from coaching.web.outcome_charts import before_after_svg, by_stage_svg
from coaching.web.rendering import render_for_viewer

IMPORT_PAGE = "coaching/outcomes_import.html"
REPORT_PAGE = "coaching/outcomes.html"
SALT = "coaching.outcomes.import"


class OutcomesApplyForm(ImportApplyForm):
    salt = SALT


@login_required
@require_http_methods(["GET", "POST"])
def outcomes_import(request: HttpRequest) -> HttpResponse:
    if not is_admin(request.user):
        raise Http404("No such page.")
    context = {"header": HEADER, "upload": ImportUploadForm(), "plan": None}
    if request.method == "GET":
        return render_for_viewer(request, IMPORT_PAGE, context)
    if "signed" in request.POST:
        return _apply(request, context)
    upload = ImportUploadForm(request.POST, request.FILES)
    context["upload"] = upload
    if not upload.is_valid():
        return render_for_viewer(request, IMPORT_PAGE, context)
    content = upload.cleaned_data["content"]
    plan = outcomes_import_preview(text=content)
    context["plan"] = plan
    if plan.ok:
        context["apply"] = OutcomesApplyForm(initial={"signed": import_sign(content, salt=SALT)})
    return render_for_viewer(request, IMPORT_PAGE, context)


def _apply(request: HttpRequest, context: dict) -> HttpResponse:
    form = OutcomesApplyForm(request.POST)
    if not form.is_valid():
        context["apply_errors"] = form.errors["signed"]
        return render_for_viewer(request, IMPORT_PAGE, context)
    try:
        plan = outcomes_import_apply(text=form.cleaned_data["signed"], actor=request.user)
    except ImportRefused as refused:
        # Something here changed since the preview: the rows say what.
        context["plan"] = refused.plan
        context["refused"] = refused.message
        return render_for_viewer(request, IMPORT_PAGE, context)
    context["plan"] = plan
    return render_for_viewer(request, IMPORT_PAGE, context)


@login_required
@require_GET
def outcomes(request: HttpRequest) -> HttpResponse:
    report = outcomes_report(user=request.user, metric=request.GET.get("metric", ""))
    context = {
        "report": report,
        "metrics": [(metric, metric_label(metric)) for metric in report.metrics],
        "too_few": TOO_FEW,
        "is_admin": is_admin(request.user),
        "before_after_chart": before_after_svg(report) if report.skills else "",
        "by_stage_chart": by_stage_svg(report) if report.skills else "",
    }
    return render_for_viewer(request, REPORT_PAGE, context)
