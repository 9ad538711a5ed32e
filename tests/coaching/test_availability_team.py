"""The manager sees their reps' time off: a badge on the team page, the working week and time
off on a rep's page; the team page costs the same however many are away."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.availability import availability_set, time_off_add
from tests.coaching.factories import LONDON, at, freeze
from tests.factories import RepFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch, at(LONDON, 2026, 12, 10, 12))


def test_the_team_page_shows_who_is_away_soon(client, org, clock):
    time_off_add(user=org.rep, start=dt.date(2026, 12, 24), end=dt.date(2026, 12, 28), note="Xmas")
    client.force_login(org.manager)
    page = client.get("/coaching/team/").content.decode()
    assert "Away 24-28 Dec" in page


def test_time_off_far_ahead_is_not_on_the_roster_yet(client, org, clock):
    time_off_add(user=org.rep, start=dt.date(2027, 3, 1), end=dt.date(2027, 3, 5))
    client.force_login(org.manager)
    assert "Away" not in client.get("/coaching/team/").content.decode()


def test_the_rep_page_shows_the_working_week_and_time_off(client, org, clock):
    availability_set(user=org.rep, working_days=[0, 1, 2, 3], day_start=dt.time(8))
    time_off_add(user=org.rep, start=dt.date(2026, 12, 30), end=dt.date(2027, 1, 2))
    client.force_login(org.manager)
    page = client.get(f"/coaching/team/{org.rep.pk}/").content.decode()
    assert "Works Monday to Thursday, 08:00-17:00" in page
    assert "Away 30 Dec 2026-2 Jan 2027" in page


def test_the_team_page_costs_the_same_however_many_are_away(client, org, clock):
    reps = [RepFactory(manager=org.manager) for _ in range(5)]
    time_off_add(user=org.rep, start=dt.date(2026, 12, 11), end=dt.date(2026, 12, 12))
    client.force_login(org.manager)
    client.get("/coaching/team/")  # the team's cache is filled
    with CaptureQueriesContext(connection) as one_away:
        client.get("/coaching/team/")
    for n, rep in enumerate(reps):
        time_off_add(user=rep, start=dt.date(2026, 12, 20 + n), end=dt.date(2026, 12, 31))
    with CaptureQueriesContext(connection) as all_away:
        page = client.get("/coaching/team/").content.decode()
    assert page.count("Away ") == 6
    assert len(all_away) == len(one_away)
