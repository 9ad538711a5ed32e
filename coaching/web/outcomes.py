"""Sales outcomes' pages: the admins' import (upload, preview every row, apply the previewed
file whole) and the report of outcomes against skills (admins: the organisation; a manager:
their own team). Rules in docs/outcomes.md."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.people.csv_import import import_page
from accounts.people.forms import ImportApplyForm
from accounts.permissions import is_admin
from accounts.rendering import render_for_viewer
from coaching.insights.outcomes import TOO_FEW, outcomes_report
from coaching.outcomes.importing import HEADER, outcomes_import_apply, outcomes_import_preview
from coaching.outcomes.selectors import metric_label
from coaching.web.outcome_charts import before_after_svg, by_stage_svg

IMPORT_PAGE = "coaching/outcomes_import.html"
REPORT_PAGE = "coaching/outcomes.html"
SALT = "coaching.outcomes.import"


class OutcomesApplyForm(ImportApplyForm):
    salt = SALT


@login_required
@require_http_methods(["GET", "POST"])
def outcomes_import(request: HttpRequest) -> HttpResponse:
    return import_page(
        request,
        page=IMPORT_PAGE,
        header=HEADER,
        preview=outcomes_import_preview,
        apply=outcomes_import_apply,
        apply_form=OutcomesApplyForm,
    )


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
