"""The team KPIs count what their labels say, as a manager sees them on the dashboard."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from coaching.models import CoachingSession
from tests.coaching.factories import session_with
from tests.conftest import api_as
from tests.factories import ManagerFactory, RepFactory, SkillFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/coaching/dashboard/"


def sessions_per_rep(client, manager) -> str:
    client.force_login(manager)
    body = client.get(DASHBOARD).content.decode()
    match = re.search(r'data-kpi="sessions-per-rep">([^<]*)<', body)
    assert match
    return match.group(1).strip()


def hold(manager, session, skill) -> None:
    response = api_as(manager).post(
        f"/api/v1/coaching/sessions/{session.pk}/hold/",
        {
            "notes": "Walked through two recent calls and agreed what to try next.",
            "observations": [{"skill": skill.pk, "rating": 3, "evidence": "Asked for a date."}],
        },
        format="json",
    )
    assert response.status_code == 200, response.content


def test_holding_two_sessions_raises_sessions_per_rep_by_two_over_the_team(client):
    manager = ManagerFactory()
    john, sheila = RepFactory(manager=manager), RepFactory(manager=manager)
    skill = SkillFactory()
    now = timezone.now()
    # One under way, one about to start: both recorded now, both count this month.
    under_way = session_with(john, scheduled_for=now - dt.timedelta(minutes=20))
    about_to_start = session_with(sheila, scheduled_for=now + dt.timedelta(minutes=5))
    assert sessions_per_rep(client, manager) == "0"

    hold(manager, under_way, skill)
    assert sessions_per_rep(client, manager) == "0.5"
    hold(manager, about_to_start, skill)
    assert sessions_per_rep(client, manager) == "1"
    assert CoachingSession.objects.held().count() == 2


def test_a_session_held_over_a_month_ago_no_longer_counts(client):
    manager = ManagerFactory()
    rep = RepFactory(manager=manager)
    long_ago = timezone.now() - dt.timedelta(days=31)
    session_with(
        rep,
        scheduled_for=long_ago - dt.timedelta(hours=1),
        status=CoachingSession.Status.HELD,
        held_at=long_ago,
    )
    assert sessions_per_rep(client, manager) == "0"
