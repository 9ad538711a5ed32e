"""A manager's people: the team page (search, filters by risk and stage) and the page on one rep
that puts their plan, sessions, commitments, training, skills and retention in one place.

Whose people: ``dashboard_owner_for`` for the team (a manager's current reports, an admin
anyone's) and ``report_for`` for one rep; anyone else's rep, a former report included, is a 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.availability import availability_of
from accounts.rendering import render_for_viewer
from accounts.selectors import report_for
from coaching.insights.dashboard import dashboard_owner_for
from coaching.insights.progress import rep_progress
from coaching.insights.recommendations import suggested_due_date
from coaching.insights.team import roster_add_coaching, team_roster
from coaching.outcomes.selectors import rep_outcomes
from coaching.sessions.permissions import commitments_reviewable_by
from coaching.sessions.selectors import rep_coaching_overview
from coaching.skills.selectors import reinforcements_pending_for
from coaching.web.forms import TeamFilterForm
from lms.selectors.learning import learning_for

TEAM = "coaching/team.html"
REP = "coaching/rep.html"
ROSTER_PAGE = 50


@login_required
@require_GET
def team(request: HttpRequest) -> HttpResponse:
    form = TeamFilterForm(request.GET or None, viewer=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    manager = filters.get("manager")
    owner = dashboard_owner_for(user=request.user, manager_id=manager.pk if manager else None)
    roster = team_roster(
        owner=owner,
        search=filters.get("q", ""),
        risk=filters.get("risk", ""),
        stage=filters.get("stage", ""),
    )
    page = Paginator(roster.rows, ROSTER_PAGE).get_page(request.GET.get("page"))
    roster_add_coaching(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "roster": roster,
        "page": page,
        "query": query.urlencode(),
        "filtered": any(filters.get(name) for name in ("q", "risk", "stage")),
    }
    return render_for_viewer(request, TEAM, context)


@login_required
@require_GET
def rep(request: HttpRequest, rep_id: int) -> HttpResponse:
    user = request.user
    person = report_for(user=user, person_id=rep_id)
    overview = rep_coaching_overview(rep=person)
    pending = list(reinforcements_pending_for(user=person))
    progress = rep_progress(
        rep=person, open_commitments=overview.open_commitments, pending_refreshers=pending
    )
    learning = learning_for(user=person)
    commitments = [*overview.open_commitments, *overview.missed_commitments]
    availability = availability_of([person])[person.pk]
    today = timezone.localdate(timezone=person.tzinfo)
    context = {
        "rep": person,
        "availability": availability,
        "time_off": [away for away in availability.time_off if away.end >= today],
        "overview": overview,
        "progress": progress,
        "outcomes": rep_outcomes(rep=person),
        "pending": pending,
        "learning": learning,
        "reviewable": commitments_reviewable_by(user, commitments),
        # Where a plain form post (a commitment review, a recommended action) comes back to.
        "back": reverse("coaching:rep", args=[person.pk]),
        # The due date an "assign" action offers; the coach may change it before acting.
        "suggested_due": suggested_due_date(person=user),
    }
    return render_for_viewer(request, REP, context)
