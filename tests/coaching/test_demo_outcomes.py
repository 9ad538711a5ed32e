"""The demo's sales outcomes: deterministic, imported once, and telling the report's story
(reps whose rapport reached applied improve after it; closing has too few reps to say)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from accounts.models import User
from coaching.demo.outcomes import WEEKS, _weeks, demo_outcomes_rows, demo_outcomes_seed
from coaching.insights.outcomes import outcomes_report
from coaching.models import SalesOutcome

pytestmark = pytest.mark.django_db


def test_weeks_are_whole_calendar_weeks_before_today():
    weeks = _weeks(dt.date(2026, 12, 3))  # a Thursday
    assert len(weeks) == WEEKS
    assert weeks[-1] == (dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    assert all(start.weekday() == 0 and (end - start).days == 6 for start, end in weeks)
    # A week later the window moves on by whole weeks: nothing overlaps what was there.
    later = _weeks(dt.date(2026, 12, 10))
    assert later[:-1] == weeks[1:]


def test_the_demo_figures_tell_the_report_s_story(client):
    call_command("seed_demo")
    people = {user.username: user for user in User.objects.all()}
    count = SalesOutcome.objects.count()
    assert count == 7 * 2 * WEEKS
    assert demo_outcomes_rows(people) == demo_outcomes_rows(people)  # deterministic
    assert demo_outcomes_seed(people) == 0 and SalesOutcome.objects.count() == count

    ada = people["ada"]
    for metric in ("win_rate", "quota_attainment"):
        report = outcomes_report(user=ada, metric=metric)
        skills = {item.skill.slug: item for item in report.skills}
        rapport = skills["rapport"]
        assert rapport.reached.after.reps >= 3
        # Reps whose rapport reached applied improve after it, more than the others do.
        assert rapport.reached.change > 0
        assert rapport.not_yet.change is not None
        assert rapport.reached.change > rapport.not_yet.change
        # sheila and tom alone reached applied on closing: too few reps to say.
        assert skills["closing"].reached.change is None

    client.force_login(ada)
    html = client.get("/coaching/outcomes/?metric=win_rate").content.decode()
    assert "Rapport building" in html and "too few reps to say" in html
