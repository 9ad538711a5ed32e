"""The manager's team dashboard and the admin's organisation view (DESIGN §8).

Parse, authorise through a selector (what the viewer may not see is a 404), call a service,
render. A one-click action answers htmx with a partial confirming what was done; a plain post
goes back to the dashboard with a message. Times render in the viewer's time zone.
"""

from __future__ import annotations

import csv
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST

from coaching.insights.dashboard import (
    LIST_LIMIT,
    TeamDashboard,
    dashboard_owner_for,
    org_overview,
    org_skill_matrix,
    recommendation_for,
    team_dashboard_cached,
)
from coaching.insights.matrix import SkillRow
from coaching.insights.recommendations import recommendation_act
from config.errors import DomainError

DASHBOARD = "coaching/dashboard.html"
ORG = "coaching/org.html"
# Parts of the dashboard rendered once per cached dashboard (see _prerender).
PRERENDERED = ("heat_map", "recommendations")
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


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    with timezone.override(request.user.tzinfo):
        return render(request, template, context, status=status)


def _dashboard_url(manager_id: int | None) -> str:
    url = reverse("coaching:dashboard")
    return f"{url}?{urlencode({'manager': manager_id})}" if manager_id else url


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("No such thing.") from None


def _prerender(data: TeamDashboard) -> dict[str, str]:
    """The heat map and the recommendations, rendered once per cached dashboard with stand-ins
    for what differs between requests: the CSRF token, and the team an admin came to look at.
    They hold no dates, so no time zone is baked in."""
    csrf, manager = secrets.token_hex(16), secrets.token_hex(16)
    context = {"data": data, "manager_param": manager, "csrf_token": csrf}
    parts = {name: render_to_string(f"{DASHBOARD}#{name}", context) for name in PRERENDERED}
    return {**parts, "csrf": csrf, "manager": manager}


def _prerendered(
    request: HttpRequest, data: TeamDashboard, manager_param: int | str
) -> dict[str, SafeString]:
    """The prerendered parts with this request's CSRF token and, for an admin looking at a
    team, its manager; for the team's own manager the field is left out, as the template
    leaves it out."""
    fragments = data.fragments
    token = get_token(request)
    stand_in = f'<input type="hidden" name="manager" value="{fragments["manager"]}">'
    field = ""
    if manager_param:
        field = f'<input type="hidden" name="manager" value="{int(manager_param)}">'
    # Autoescaped template output with a token of letters and digits and a number put in.
    return {
        name: mark_safe(fragments[name].replace(fragments["csrf"], token).replace(stand_in, field))  # noqa: S308
        for name in PRERENDERED
    }


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    owner = dashboard_owner_for(user=request.user, manager_id=request.GET.get("manager"))
    data = team_dashboard_cached(owner=owner, prerender=_prerender)
    manager_param = owner.pk if owner.pk != request.user.pk else ""
    context = {
        "data": data,
        "chart": data.chart,
        "viewing_other": owner.pk != request.user.pk,
        "manager_param": manager_param,
        "list_limit": LIST_LIMIT,
        **_prerendered(request, data, manager_param),
    }
    return _render(request, DASHBOARD, context)


@login_required
@require_POST
def recommendation_act_view(request: HttpRequest, rep_id: int, skill_id: int) -> HttpResponse:
    row: SkillRow = recommendation_for(user=request.user, rep_id=rep_id, skill_id=skill_id)
    error = outcome = None
    try:
        outcome = recommendation_act(actor=request.user, row=row, kind=request.POST.get("kind", ""))
    except DomainError as refusal:
        error = refusal.message
    if request.htmx:
        return _render(
            request,
            f"{DASHBOARD}#action_result",
            {"row": row, "outcome": outcome, "error": error},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, outcome.message)
    manager = request.POST.get("manager")
    return redirect(_dashboard_url(_int(manager) if manager else None))


@login_required
@require_GET
def org(request: HttpRequest) -> HttpResponse:
    overview = org_overview(user=request.user)
    return _render(request, ORG, {"overview": overview})


class _Echo:
    """A file-like object that hands back what is written, for streaming CSV rows."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell that starts like a formula; a quote makes it plain text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


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
