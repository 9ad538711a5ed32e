"""A meeting added after booking: the session is flagged, a free time proposed, both people told
once; the coach moves it with one click or keeps the time. Nothing moves on its own."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.availability import time_off_add
from coaching import tasks
from coaching.models import CoachingSession, Reminder
from coaching.reminders.messages import reminder_message
from coaching.sessions.calendars.conflicts import conflict_accept, conflict_dismiss
from coaching.sessions.calendars.services import calendar_refresh, calendar_set
from coaching.sessions.services import session_reschedule
from config.celery_app import app as celery_app
from config.errors import Conflict, DomainError
from tests.coaching.calendars.conftest import event, ics, next_monday
from tests.coaching.factories import session_with
from tests.factories import AdminFactory, ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

LON = "Europe/London"
LONDON = ZoneInfo(LON)
Kind = Reminder.Kind


@pytest.fixture
def booked(ics_server, allow_loopback):
    """A manager whose subscribed calendar is empty, and a session with their rep next Tuesday
    at 10:00 London time."""
    manager = ManagerFactory(username="maria", timezone=LON, email="maria@example.com")
    rep = RepFactory(username="john", manager=manager, timezone=LON, email="john@example.com")
    tuesday = next_monday(LONDON) + dt.timedelta(days=1)
    start = dt.datetime.combine(tuesday, dt.time(10), tzinfo=LONDON).astimezone(dt.UTC)
    session = session_with(rep, manager, scheduled_for=start)
    url = ics_server.serve("/maria.ics", ics())
    calendar_set(user=manager, url=url)
    assert calendar_refresh(user_id=manager.pk) == "read"
    return manager, rep, session, tuesday


def _meeting_added(ics_server, day: dt.date, title: str = "Board meeting") -> None:
    ics_server.serve("/maria.ics", ics(event("board", day, 10, 11, f"SUMMARY:{title}", tz=LON)))


def _conflict_notices(session) -> list[tuple[int, str]]:
    rows = Reminder.objects.filter(session=session, kind=Kind.SESSION_CONFLICT)
    return sorted(rows.values_list("recipient_id", "channel"))


def test_a_meeting_added_later_flags_the_session_proposes_a_time_and_tells_both_once(
    booked, ics_server
):
    manager, rep, session, tuesday = booked
    assert _conflict_notices(session) == []
    _meeting_added(ics_server, tuesday)
    calendar_refresh(user_id=manager.pk)
    session.refresh_from_db()
    assert session.conflict_found_at is not None
    assert session.scheduled_for == dt.datetime.combine(tuesday, dt.time(10), tzinfo=LONDON)
    meeting = (
        dt.datetime.combine(tuesday, dt.time(10), tzinfo=LONDON),
        dt.datetime.combine(tuesday, dt.time(11), tzinfo=LONDON),
    )
    proposed = session.proposed_for
    assert proposed is not None
    assert not (proposed < meeting[1] and meeting[0] < proposed + dt.timedelta(minutes=30))
    both = sorted((p.pk, c) for p in (manager, rep) for c in ("email", "in_app"))
    assert _conflict_notices(session) == both
    # Read again: the same clash is not told twice, and the proposal stands.
    calendar_refresh(user_id=manager.pk)
    session.refresh_from_db()
    assert _conflict_notices(session) == both and session.proposed_for == proposed
    # The notice names the proposed time, never the event or whose it is.
    notice = Reminder.objects.get(
        session=session, kind=Kind.SESSION_CONFLICT, recipient=rep, channel="in_app"
    )
    message = reminder_message(notice)
    assert (
        "Proposed instead" in message.body and "Board meeting" not in message.body + message.title
    )


def test_the_coach_accepts_the_proposal_and_the_session_moves_with_word_to_the_rep(
    booked, ics_server
):
    manager, rep, session, tuesday = booked
    _meeting_added(ics_server, tuesday)
    calendar_refresh(user_id=manager.pk)
    session.refresh_from_db()
    proposed, sequence = session.proposed_for, session.sequence
    with pytest.raises(DomainError):
        conflict_accept(actor=rep, session=session)
    conflict_accept(actor=manager, session=session)
    session.refresh_from_db()
    assert session.scheduled_for == proposed and session.sequence == sequence + 1
    assert session.conflict_found_at is None and session.proposed_for is None
    assert Reminder.objects.filter(
        session=session, kind=Kind.SESSION_RESCHEDULED, recipient=rep
    ).exists()
    with pytest.raises(Conflict):
        conflict_accept(actor=manager, session=session)


def test_a_kept_time_is_not_raised_again_and_a_clash_that_went_away_is_unflagged(
    booked, ics_server
):
    manager, _, session, tuesday = booked
    _meeting_added(ics_server, tuesday)
    calendar_refresh(user_id=manager.pk)
    session.refresh_from_db()
    conflict_dismiss(actor=manager, session=session)
    calendar_refresh(user_id=manager.pk)
    session.refresh_from_db()
    assert session.conflict_found_at is None and session.conflict_dismissed_at is not None
    assert len(_conflict_notices(session)) == 4
    ics_server.serve("/maria.ics", ics())
    calendar_refresh(user_id=manager.pk)
    session.refresh_from_db()
    assert session.conflict_dismissed_at is None


def test_the_session_page_shows_the_clash_and_the_coachs_one_click_move(booked, ics_server, client):
    manager, rep, session, tuesday = booked
    _meeting_added(ics_server, tuesday)
    calendar_refresh(user_id=manager.pk)
    session.refresh_from_db()
    page = reverse("coaching:session", args=[session.pk])
    client.force_login(rep)
    text = client.get(page).content.decode()
    assert "Calendar clash" in text and "Board meeting" not in text
    assert "shows you or your coach busy" in text and "you are both free" in text
    assert reverse("coaching:session_conflict_accept", args=[session.pk]) not in text
    accept = reverse("coaching:session_conflict_accept", args=[session.pk])
    # An admin who is neither of them is told whose calendars, not "you".
    client.force_login(AdminFactory())
    text = client.get(page).content.decode()
    assert f"shows {manager} or {rep} busy" in text and "both are free" in text
    assert accept in text
    client.force_login(manager)
    text = client.get(page).content.decode()
    assert f"shows you or {rep} busy" in text
    assert accept in text and "Board meeting" not in text
    response = client.post(accept)
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.conflict_found_at is None
    assert "Calendar clash" not in client.get(page).content.decode()


def test_the_beat_task_reads_every_calendar_due_and_flags_the_clash(booked, ics_server, settings):
    manager, _, session, tuesday = booked
    schedule = {entry["task"]: entry for entry in celery_app.conf.beat_schedule.values()}
    entry = schedule["coaching.tasks.refresh_due_calendars"]
    assert entry["schedule"] == settings.CALENDAR_REFRESH_MINUTES * 60
    assert "coaching.tasks.refresh_calendar" in celery_app.tasks
    _meeting_added(ics_server, tuesday)
    # Read a minute ago: not due yet.
    assert tasks.refresh_due_calendars.apply().get() == 0
    CalendarSourceRow = manager.calendar_source.__class__
    CalendarSourceRow.objects.filter(user=manager).update(
        last_read_at=session.created_at - dt.timedelta(minutes=settings.CALENDAR_REFRESH_MINUTES)
    )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        assert tasks.refresh_due_calendars.apply().get() == 1
    finally:
        celery_app.conf.task_always_eager = eager
    session.refresh_from_db()
    assert session.conflict_found_at is not None
    assert CoachingSession.objects.filter(conflict_found_at__isnull=False).count() == 1


def test_a_proposal_that_becomes_busy_is_replaced_without_telling_anyone_again(booked, ics_server):
    manager, _, session, tuesday = booked
    _meeting_added(ics_server, tuesday)
    calendar_refresh(user_id=manager.pk)
    session.refresh_from_db()
    first = session.proposed_for.astimezone(LONDON)
    ics_server.serve(
        "/maria.ics",
        ics(
            event("board", tuesday, 10, 11, "SUMMARY:Board meeting", tz=LON),
            event("later", first.date(), first.hour, first.hour + 1, "SUMMARY:Later", tz=LON),
        ),
    )
    calendar_refresh(user_id=manager.pk)
    session.refresh_from_db()
    assert session.proposed_for is not None and session.proposed_for != first
    assert len(_conflict_notices(session)) == 4


def test_a_flagged_session_moved_by_hand_is_clear_at_once(booked, ics_server):
    manager, _rep, session, tuesday = booked
    _meeting_added(ics_server, tuesday)
    calendar_refresh(user_id=manager.pk)
    session.refresh_from_db()
    assert session.conflict_found_at is not None

    wednesday = dt.datetime.combine(tuesday + dt.timedelta(days=1), dt.time(14), tzinfo=LONDON)
    session_reschedule(actor=manager, session=session, scheduled_for=wednesday.astimezone(dt.UTC))

    session.refresh_from_db()
    assert session.conflict_found_at is None and session.proposed_for is None


def test_the_proposal_keeps_to_the_session_s_own_length_and_the_other_sessions(
    ics_server, allow_loopback
):
    """The proposal is a time the session page would offer: a 60-minute session is not
    proposed where only 30 minutes are free before another session."""
    manager = ManagerFactory(timezone=LON)
    rep = RepFactory(manager=manager, timezone=LON)
    tuesday = next_monday(LONDON) + dt.timedelta(days=1)

    def tue(hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(tuesday, dt.time(hour, minute), tzinfo=LONDON)

    # The rep is away until Monday, so Tuesday is the first day both work.
    today = dt.datetime.now(LONDON).date()
    time_off_add(user=rep, start=today, end=tuesday - dt.timedelta(days=1))
    session_with(rep, manager, scheduled_for=tue(9, 30))
    long = session_with(rep, manager, scheduled_for=tue(10), duration_minutes=60)
    url = ics_server.serve("/long.ics", ics(event("board", tuesday, 10, 11, tz=LON)))
    calendar_set(user=manager, url=url)
    calendar_refresh(user_id=manager.pk)
    long.refresh_from_db()
    assert long.conflict_found_at is not None
    # 09:00 has half an hour before the 09:30 session; the meeting holds 10:00-11:00.
    assert long.proposed_for == tue(11)
