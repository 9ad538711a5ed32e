"""A session's "Add to calendar" file and the feed's answer to HEAD, through HTTP."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from coaching import tasks
from coaching.reminders.calendar import calendar_feed_for
from coaching.reminders.outbox import reminders_claim_due
from coaching.sessions.services import session_reschedule
from tests.coaching.factories import session_with
from tests.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db


def working_day_at(hour: int, *, days_ahead: int) -> dt.datetime:
    """A weekday at least ``days_ahead`` away, at ``hour`` UTC: inside everyone's working hours
    (whole minutes, as iCalendar times carry no fractions of a second)."""
    day = timezone.now().date() + dt.timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


@pytest.fixture
def session(db):
    coach = ManagerFactory(username="maria", email="maria@example.com", timezone="UTC")
    rep = RepFactory(username="john", email="john@example.com", manager=coach, timezone="UTC")
    return session_with(rep, scheduled_for=working_day_at(10, days_ahead=3))


def ics_of(client, session):
    return client.get(reverse("coaching:session_calendar", args=[session.pk]))


def only_event(body: bytes):
    events = Calendar.from_ical(body).walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_the_session_page_links_to_its_calendar_file(client, session):
    client.force_login(session.rep)
    page = client.get(reverse("coaching:session", args=[session.pk]))
    assert reverse("coaching:session_calendar", args=[session.pk]).encode() in page.content
    assert b"Add to calendar" in page.content


@pytest.mark.parametrize("who", ["rep", "coach"])
def test_rep_and_coach_download_the_session_as_one_event(client, session, who):
    client.force_login(getattr(session, who))
    response = ics_of(client, session)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"].startswith("attachment;")
    event = only_event(response.content)
    assert event["UID"] == f"session-{session.pk}@127.0.0.1"
    assert event.decoded("DTSTART") == session.scheduled_for
    assert event.decoded("DTEND") == session.ends_at
    assert event["STATUS"] == "CONFIRMED"
    assert f"/coaching/sessions/{session.pk}/" in str(event["URL"])


def test_the_file_is_the_same_event_as_the_email_invite_after_a_move(client, session):
    """Same UID and SEQUENCE: a calendar holding the invite updates it instead of adding one."""
    session = session_reschedule(
        actor=session.coach,
        session=session,
        scheduled_for=working_day_at(11, days_ahead=6),
    )
    mail.outbox.clear()
    ids = reminders_claim_due(now=timezone.now())
    tasks.send_reminders.apply(args=[ids]).get()
    invites = [
        part.get_payload(decode=True)
        for message in mail.outbox
        if message.to == [session.rep.email]
        for part in message_from_bytes(message.message().as_bytes()).walk()
        if part.get_content_type() == "text/calendar"
    ]
    assert len(invites) == 1
    client.force_login(session.rep)
    downloaded = only_event(ics_of(client, session).content)
    invited = only_event(invites[0])
    assert downloaded["UID"] == invited["UID"]
    assert downloaded["SEQUENCE"] == invited["SEQUENCE"] == session.sequence > 0
    assert downloaded.decoded("DTSTART") == invited.decoded("DTSTART") == session.scheduled_for


@pytest.mark.parametrize("stranger", ["another_rep", "another_manager"])
def test_people_who_may_not_see_the_session_get_not_found(client, session, stranger):
    other_manager = ManagerFactory()
    people = {
        "another_rep": RepFactory(manager=session.coach),
        "another_manager": other_manager,
    }
    client.force_login(people[stranger])
    assert ics_of(client, session).status_code == 404


def test_signed_out_the_file_asks_to_sign_in(client, session):
    response = ics_of(client, session)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_feed_answers_head_like_get_without_a_body(client, session):
    url = reverse("coaching:calendar_feed", args=[calendar_feed_for(user=session.rep).token])
    got = client.get(url)
    head = client.head(url)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    for header in ("Content-Type", "Content-Disposition", "Cache-Control", "X-Robots-Tag"):
        assert head[header] == got[header]
    assert client.head(reverse("coaching:calendar_feed", args=["no-such-token"])).status_code == 404
