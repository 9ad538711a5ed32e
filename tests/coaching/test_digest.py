"""The manager's weekly digest: its content, one per manager per week, delivered by the outbox."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.schedules import crontab
from django.core import mail
from fsrs import Rating

from coaching import tasks
from coaching.insights.digest import digest_for_manager, digests_schedule
from coaching.models import CoachingSession, Commitment, Notification, Reminder
from coaching.reminders import content
from coaching.reminders.outbox import reminders_claim_due
from coaching.skills.memory import memory_review
from config.celery_app import app as celery_app
from tests.coaching.factories import CommitmentFactory, freeze, session_with
from tests.factories import AdminFactory, ManagerFactory, RepFactory, SkillFactory

pytestmark = pytest.mark.django_db

Status = Reminder.Status
# Monday 16 March 2026, 07:00 UTC: when beat runs the digest. ISO week 12.
NOW = dt.datetime(2026, 3, 16, 7, tzinfo=dt.UTC)
Held, Missed, Scheduled = (
    CoachingSession.Status.HELD,
    CoachingSession.Status.MISSED,
    CoachingSession.Status.SCHEDULED,
)


def hours(n: float) -> dt.timedelta:
    return dt.timedelta(hours=n)


@pytest.fixture
def team(db):
    """maria (in New York) coaches john and sheila; omar coaches tom."""
    maria = ManagerFactory(username="maria", first_name="Maria", last_name="Lopez",
                           timezone="America/New_York")  # fmt: skip
    omar = ManagerFactory(username="omar", first_name="Omar", last_name="Haddad")
    john = RepFactory(username="john", first_name="John", last_name="Doe", manager=maria)
    sheila = RepFactory(username="sheila", first_name="Sheila", last_name="Khan", manager=maria)
    tom = RepFactory(username="tom", first_name="Tom", last_name="Berg", manager=omar)
    return maria, omar, john, sheila, tom


@pytest.fixture
def week(team):
    """A week's worth of hand-built coaching around NOW; returns what maria's digest must hold."""
    _maria, _omar, john, sheila, tom = team
    closing = SkillFactory(slug="closing", name="Closing")
    rapport = SkillFactory(slug="rapport", name="Rapport")

    # Wednesday 15:00 UTC is 11:00 in New York (EDT).
    ahead = session_with(john, scheduled_for=dt.datetime(2026, 3, 18, 15, tzinfo=dt.UTC))
    session_with(john, scheduled_for=NOW + dt.timedelta(days=8))  # beyond the week
    session_with(sheila, scheduled_for=NOW + hours(30), status=CoachingSession.Status.CANCELLED)
    unrecorded = session_with(sheila, scheduled_for=NOW - hours(3))
    missed = session_with(john, scheduled_for=NOW - dt.timedelta(days=3), status=Missed)
    session_with(john, scheduled_for=NOW - dt.timedelta(days=10), status=Missed)  # old news
    held = session_with(john, scheduled_for=NOW - hours(24), status=Held, held_at=NOW - hours(23))
    session_with(tom, scheduled_for=NOW + hours(24))  # omar's team

    open_overdue = CommitmentFactory(
        session=held, text="Ask for the order on two calls", due_date=dt.date(2026, 3, 13)
    )
    CommitmentFactory(session=held, due_date=dt.date(2026, 3, 20))  # not due yet
    missed_lately = CommitmentFactory(
        session=held,
        text="Send a recap within the hour",
        due_date=dt.date(2026, 3, 12),
        status=Commitment.Status.MISSED,
        resolved_at=NOW - dt.timedelta(days=2),
    )
    CommitmentFactory(
        session=held,
        due_date=dt.date(2026, 2, 20),
        status=Commitment.Status.MISSED,
        resolved_at=NOW - dt.timedelta(days=20),
    )
    CommitmentFactory(session=held, due_date=dt.date(2026, 3, 10), status=Commitment.Status.KEPT)
    toms = session_with(tom, scheduled_for=NOW - hours(48), status=Held, held_at=NOW - hours(47))
    CommitmentFactory(session=toms, due_date=dt.date(2026, 3, 9))

    # john learnt closing two months ago and has not looked at it since; sheila is fresh.
    memory_review(rep=john, skill=closing, rating=Rating.Again, at=NOW - dt.timedelta(days=60))
    memory_review(rep=john, skill=rapport, rating=Rating.Good, at=NOW - dt.timedelta(days=1))
    memory_review(rep=sheila, skill=rapport, rating=Rating.Good, at=NOW - dt.timedelta(days=1))
    memory_review(rep=tom, skill=closing, rating=Rating.Again, at=NOW - dt.timedelta(days=60))
    return {
        "ahead": [ahead],
        "not_held": [missed, unrecorded],
        "commitments": {open_overdue, missed_lately},
        "closing": closing,
    }


# --- content ----------------------------------------------------------------------------------


def test_the_digest_holds_the_week_ahead_what_is_overdue_and_who_is_at_risk(
    team, week, django_assert_max_num_queries
):
    maria, _omar, john, _sheila, _tom = team
    with django_assert_max_num_queries(4):
        digest = digest_for_manager(manager=maria, now=NOW)

    assert digest.sessions_ahead == week["ahead"]
    assert digest.sessions_not_held == week["not_held"]
    assert set(digest.commitments_overdue) == week["commitments"]
    assert digest.overdue_count == 4
    [at_risk] = digest.reps_at_risk
    assert at_risk.rep == john
    [skill] = at_risk.skills
    assert skill.skill == week["closing"]
    assert skill.retention < 0.7
    assert digest.summary == "1 session ahead, 4 overdue, 1 rep at risk"


def test_a_manager_with_a_quiet_week_gets_an_empty_digest(team):
    _maria, omar, *_ = team
    digest = digest_for_manager(manager=omar, now=NOW)
    assert digest.is_empty
    assert digest.summary == "0 sessions ahead, 0 overdue, 0 reps at risk"


# --- scheduling -------------------------------------------------------------------------------


def digest_rows():
    return Reminder.objects.filter(kind=Reminder.Kind.WEEKLY_DIGEST).select_related("recipient")


@pytest.mark.usefixtures("team")
def test_each_manager_with_a_team_gets_one_digest_a_week_however_often_it_runs():
    ManagerFactory(username="lonely")  # nobody reports to them
    AdminFactory()

    assert digests_schedule(now=NOW) == 2
    first = {(r.recipient.username, r.channel, r.due_at) for r in digest_rows()}
    monday = dt.datetime(2026, 3, 16, tzinfo=dt.UTC)
    assert first == {
        (name, channel, monday)
        for name in ("maria", "omar")
        for channel in (Reminder.Channel.IN_APP, Reminder.Channel.EMAIL)
    }
    assert all("2026-W12" in r.dedupe_key for r in digest_rows())

    # Later the same week, twice more: nothing new, nothing moved.
    digests_schedule(now=NOW + hours(1))
    digests_schedule(now=dt.datetime(2026, 3, 22, 23, 59, tzinfo=dt.UTC))
    assert {(r.recipient.username, r.channel, r.due_at) for r in digest_rows()} == first

    digests_schedule(now=NOW + dt.timedelta(days=7))
    assert digest_rows().count() == 8
    assert digest_rows().filter(dedupe_key__contains="2026-W13").count() == 4


def test_the_weekly_task_schedules_the_digests_and_beat_runs_it_on_monday_mornings(
    team, monkeypatch
):
    freeze(monkeypatch, NOW)
    assert tasks.weekly_digests.apply().get() == 2
    assert tasks.weekly_digests.apply().get() == 2  # covered again, written once
    assert digest_rows().count() == 4

    entry = celery_app.conf.beat_schedule["weekly-digests"]
    assert entry["task"] == "coaching.tasks.weekly_digests"
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert (schedule.day_of_week, schedule.hour, schedule.minute) == ({1}, {7}, {0})


# --- delivery -----------------------------------------------------------------------------------


def deliver_due(now: dt.datetime) -> list[str]:
    """One dispatcher tick, with the send task run here."""
    ids = reminders_claim_due(now=now)
    outcomes = tasks.send_reminders.apply(args=[ids]).get() if ids else {}
    return [outcomes[pk] for pk in ids]


def test_the_outbox_delivers_the_digest_as_email_with_text_and_html_and_in_app(
    team, week, monkeypatch
):
    maria, omar, john, _sheila, _tom = team
    clock = freeze(monkeypatch, NOW)
    digests_schedule(now=NOW)
    # Booked after the digest was queued: the email says what is true when it goes out.
    late_booking = session_with(john, scheduled_for=dt.datetime(2026, 3, 19, 14, tzinfo=dt.UTC))
    clock.set(NOW + dt.timedelta(minutes=1))

    assert deliver_due(clock.now) == [Status.SENT] * 4

    [email] = [m for m in mail.outbox if m.to == [maria.email]]
    assert email.subject == "Your coaching week: 2 sessions ahead, 4 overdue, 1 rep at risk"
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    for body in (email.body, html):
        assert "Hello Maria" in body
        # Times in maria's own zone, New York.
        assert "Wed 18 Mar, 11:00 EDT" in body
        assert "Thu 19 Mar, 10:00 EDT" in body
        assert "John Doe" in body and "Sheila Khan" in body
        assert "not recorded as held" in body and "missed" in body
        assert "Ask for the order on two calls" in body
        assert "Send a recap within the hour" in body
        assert "Closing" in body
        assert "Tom Berg" not in body
        assert f"/coaching/sessions/{late_booking.pk}/" in body
    assert "<ul" in html and "<ul" not in email.body

    notification = Notification.objects.get(recipient=maria)
    assert notification.title == email.subject
    assert notification.url
    [omars] = [m for m in mail.outbox if m.to == [omar.email]]
    assert "Tom Berg" in omars.body and "John Doe" not in omars.body
    for reminder in digest_rows():
        assert reminder.status == Status.SENT


def test_a_digest_that_missed_its_week_is_not_sent_late(team, monkeypatch):
    maria, *_ = team
    digests_schedule(now=NOW)
    later = NOW + dt.timedelta(days=8)
    freeze(monkeypatch, later)

    assert deliver_due(later) == [Status.CANCELLED] * 4
    assert mail.outbox == []
    assert not Notification.objects.filter(recipient=maria).exists()


@pytest.mark.usefixtures("team")
def test_each_digest_message_computes_the_digest_once(monkeypatch):
    freeze(monkeypatch, NOW)
    registered = content._providers[Reminder.Kind.WEEKLY_DIGEST]
    computed: list[int] = []

    def counting(reminder, now):
        computed.append(reminder.pk)
        return registered(reminder, now)

    monkeypatch.setitem(content._providers, Reminder.Kind.WEEKLY_DIGEST, counting)
    digests_schedule(now=NOW)

    assert deliver_due(NOW) == [Status.SENT] * 4
    # One in-app notification and one email per manager, each computed once.
    assert sorted(computed) == sorted(r.pk for r in digest_rows())
    assert len(mail.outbox) == 2
