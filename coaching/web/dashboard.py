"""The manager's team dashboard and the admin's organisation view (DESIGN §8).

Parse, authorise through a selector (what the viewer may not see is a 404), call a service,
render. A one-click action answers htmx with a partial confirming what was done; a plain post
goes back to the dashboard with a message. Times render in the viewer's time zone.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import Action, audit_record
from accounts.rendering import render_for_viewer
from coaching.insights.dashboard import dashboard_owner_for, left_out, team_dashboard_cached
from coaching.insights.kpis import LIST_LIMIT
from coaching.insights.matrix import SkillRow, recommendation_for
from coaching.insights.org import org_overview, org_skill_matrix
from coaching.insights.recommendations import recommendation_act, suggested_due_date
from coaching.web.charts import retention_chart_svg
from coaching.web.forms import RecommendationActForm
from coaching.web.heat_map import heat_map_rows_html
from coaching.web.rendering import back_url
from config.errors import DomainError
from config.spreadsheet import Echo as _Echo
from config.spreadsheet import csv_cell as _cell

DASHBOARD = "coaching/dashboard.html"
ORG = "coaching/org.html"
CSV_HEADER = [
    "rep",
    "manager",
    "skill",
    "knowledge",
    "application",
    "retention",
    "stage",
    "diagnosis",
    "recommended action",
]


def _dashboard_url(manager_id: int | None, **params: str) -> str:
    url = reverse("coaching:dashboard")
    query = ({"manager": manager_id} if manager_id else {}) | params
    return f"{url}?{urlencode(query)}" if query else url


# Like the recommended actions, the proposed pairs are listed a handful at a time: a manager
# decides on a few, and "show all" lists the rest.
PROPOSALS_SHOWN = 5


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("No such thing.") from None


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    owner = dashboard_owner_for(user=request.user, manager_id=request.GET.get("manager"))
    data = team_dashboard_cached(owner=owner)
    viewing_other = owner.pk != request.user.pk
    show_all = request.GET.get("proposals") == "all"
    context = {
        "data": data,
        # Drawn per request from the cached series: cheap, and the cache holds only data.
        "chart": retention_chart_svg(data.retention),
        "heat_map_rows": heat_map_rows_html(data.heat_map),
        "viewing_other": viewing_other,
        # An admin's forms say whose team to come back to; a manager's own leave it out.
        "manager_param": owner.pk if viewing_other else "",
        "list_limit": LIST_LIMIT,
        # The due date an "assign" action offers; the coach may change it before acting.
        "suggested_due": suggested_due_date(person=request.user),
        "budget": data.budget,
        "budget_can_act": not viewing_other,
        "pairings": data.pairings,
        "mentoring_can_act": not viewing_other,
        "proposals": data.proposals if show_all else data.proposals[:PROPOSALS_SHOWN],
        "proposals_hidden": 0 if show_all else left_out(data.proposals, shown=PROPOSALS_SHOWN),
        "proposals_total": len(data.proposals),
        "proposals_all_url": _dashboard_url(owner.pk if viewing_other else None, proposals="all")
        + "#mentoring",
    }
    return render_for_viewer(request, DASHBOARD, context)


@login_required
@require_POST
def recommendation_act_view(request: HttpRequest, rep_id: int, skill_id: int) -> HttpResponse:
    row: SkillRow = recommendation_for(user=request.user, rep_id=rep_id, skill_id=skill_id)
    error = outcome = None
    form = RecommendationActForm(request.POST)
    if not form.is_valid():
        error = " ".join(message for messages_ in form.errors.values() for message in messages_)
    else:
        try:
            outcome = recommendation_act(
                actor=request.user,
                row=row,
                kind=form.cleaned_data["kind"],
                due_date=form.cleaned_data["due_date"],
            )
        except DomainError as refusal:
            error = refusal.message
    if request.htmx:
        return render_for_viewer(
            request,
            f"{DASHBOARD}#action_result",
            {"row": row, "outcome": outcome, "error": error},
        )
    if error:
        messages.error(request, error)
    elif outcome.changed:
        messages.success(request, outcome.message)
    else:
        messages.info(request, outcome.message)
    manager = request.POST.get("manager")
    return redirect(back_url(request, _dashboard_url(_int(manager) if manager else None)))


@login_required
@require_GET
def org(request: HttpRequest) -> HttpResponse:
    overview = org_overview(user=request.user)
    return render_for_viewer(request, ORG, {"overview": overview})


def _action_text(row: SkillRow) -> str:
    if row.action is None:
        return ""
    if row.action.text:
        return f"{row.action.label}: {row.action.text}"
    return row.action.label


@login_required
@require_GET
def org_csv(request: HttpRequest) -> StreamingHttpResponse:
    matrix = org_skill_matrix(user=request.user)
    audit_record(action=Action.DATA_EXPORTED, subject_name="Skill matrix (CSV)")

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow(CSV_HEADER)
        for row in matrix.rows:
            manager = matrix.managers.get(row.rep.manager_id)
            yield writer.writerow(
                [
                    _cell(row.rep.username),
                    _cell(manager.username if manager else ""),
                    _cell(row.skill.name),
                    _cell(row.knowledge),
                    _cell(row.application),
                    _cell("" if row.retention is None else f"{row.retention:.3f}"),
                    _cell(row.stage.value),
                    _cell(row.diagnosis_label),
                    _cell(_action_text(row)),
                ]
            )

    stamp = timezone.localdate().isoformat()
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="skills-{stamp}.csv"'
    return response
