"""Invites and the feed, read back with icalendar as a calendar program would read them."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from accounts.models import User
from coaching.models import CoachingSession
from coaching.reminders.calendar import (
    PRODID,
    invite_part,
    session_invite,
    session_uid,
    sessions_calendar,
)
from lms.models import Module

NOW = dt.datetime(2030, 1, 10, 9, 30, 15, 123456, tzinfo=dt.UTC)
SESSION_AT = dt.datetime(2030, 1, 15, 15, 0, tzinfo=dt.UTC)
URL = "https://app.example.com/coaching/sessions/7/"


def person(pk, first, last="", email="person@example.com"):
    return User(pk=pk, username=f"user{pk}", first_name=first, last_name=last, email=email)


def make_session(
    *,
    pk=7,
    rep=None,
    coach="default",
    module="Handling price objections",
    agenda=None,
    status=CoachingSession.Status.SCHEDULED,
    scheduled_for=SESSION_AT,
    duration=45,
    sequence=0,
):
    rep = rep or person(1, "John", "Doe", "john@example.com")
    coach = person(2, "Maria", "Lopez", "maria@example.com") if coach == "default" else coach
    return CoachingSession(
        pk=pk,
        rep=rep,
        coach=coach,
        module=Module(pk=3, title=module) if module is not None else None,
        scheduled_for=scheduled_for,
        duration_minutes=duration,
        agenda=agenda if agenda is not None else {"note": "Review the discovery call."},
        status=status,
        sequence=sequence,
    )


def read_invite(session, *, method="REQUEST", url=URL) -> tuple[Calendar, object]:
    cal = Calendar.from_ical(session_invite(session=session, method=method, now=NOW, url=url))
    (event,) = cal.walk("VEVENT")
    return cal, event


def test_the_invite_parses_back_to_the_session():
    rep = person(1, "Zoë", "Doe, Jr.", "zoe@example.com")
    coach = person(2, "中文", "Lopez", "maria@example.com")
    agenda = {"note": "Price; terms, and a \\ backslash", "skills": ["Négociation " * 12]}
    session = make_session(
        rep=rep, coach=coach, module="Prices; discounts", agenda=agenda, sequence=12
    )

    cal, event = read_invite(session, method="CANCEL")

    assert cal["METHOD"] == "CANCEL" and cal["PRODID"] == PRODID
    assert str(event["UID"]) == session_uid(session) == "session-7@127.0.0.1"
    assert event["SUMMARY"] == "Coaching: Prices; discounts (Zoë Doe, Jr.)"
    assert event.decoded("DTSTART") == SESSION_AT
    assert event.decoded("DTEND") == SESSION_AT + dt.timedelta(minutes=45)
    assert event.decoded("DTSTAMP") == NOW.replace(microsecond=0)
    assert event.decoded("SEQUENCE") == 12
    assert event["STATUS"] == "CANCELLED"
    assert str(event["URL"]) == URL
    assert event["DESCRIPTION"] == (
        "Note:\n- Price; terms, and a \\ backslash\nSkills:\n- "
        + "Négociation " * 12
        + f"\n\n{URL}"
    )
    assert str(event["ORGANIZER"]) == "mailto:maria@example.com"
    assert event["ORGANIZER"].params["CN"] == "中文 Lopez"
    assert event["ORGANIZER"].params["ROLE"] == "CHAIR"
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == ["mailto:zoe@example.com", "mailto:maria@example.com"]
    assert [a.params["CN"] for a in attendees] == ["Zoë Doe, Jr.", "中文 Lopez"]
    assert {a.params["ROLE"] for a in attendees} == {"REQ-PARTICIPANT"}


def test_a_request_for_a_scheduled_session_is_confirmed():
    cal, event = read_invite(make_session())
    assert cal["METHOD"] == "REQUEST"
    assert event["STATUS"] == "CONFIRMED"
    assert event.decoded("SEQUENCE") == 0


def test_a_cancelled_session_is_cancelled_in_a_request_too():
    _, event = read_invite(make_session(status=CoachingSession.Status.CANCELLED))
    assert event["STATUS"] == "CANCELLED"


def test_every_change_keeps_the_uid_and_carries_the_sessions_own_counter():
    booked = make_session(sequence=0)
    moved = make_session(sequence=1, scheduled_for=SESSION_AT + dt.timedelta(days=1))
    cancelled = make_session(sequence=2, status=CoachingSession.Status.CANCELLED)

    events = [
        read_invite(booked)[1],
        read_invite(moved)[1],
        read_invite(cancelled, method="CANCEL")[1],
    ]

    assert {str(event["UID"]) for event in events} == {session_uid(booked)}
    assert [event.decoded("SEQUENCE") for event in events] == [0, 1, 2]
    assert events[1].decoded("DTSTART") == SESSION_AT + dt.timedelta(days=1)


def test_a_zoned_start_is_written_in_utc():
    start = dt.datetime(2030, 1, 15, 10, 0, tzinfo=dt.timezone(-dt.timedelta(hours=5)))
    _, event = read_invite(make_session(scheduled_for=start, duration=90))
    assert event["DTSTART"].to_ical() == b"20300115T150000Z"
    assert event["DTEND"].to_ical() == b"20300115T163000Z"


@pytest.mark.parametrize(
    ("from_email", "name", "address"),
    [
        ("coaching@example.com", "Coaching", "mailto:coaching@example.com"),
        ('"Skillcoach, Inc." <team@example.com>', "Skillcoach, Inc.", "mailto:team@example.com"),
    ],
)
def test_without_a_coach_the_sender_organises_and_only_the_rep_attends(
    settings, from_email, name, address
):
    settings.DEFAULT_FROM_EMAIL = from_email
    _, event = read_invite(make_session(coach=None))
    assert str(event["ORGANIZER"]) == address
    assert event["ORGANIZER"].params["CN"] == name
    assert "ROLE" not in event["ORGANIZER"].params
    assert str(event["ATTENDEE"]) == "mailto:john@example.com"


def test_people_without_an_address_are_left_out(settings):
    settings.DEFAULT_FROM_EMAIL = "coaching@example.com"
    _, event = read_invite(make_session(coach=person(2, "Maria", email="")))
    assert str(event["ORGANIZER"]) == "mailto:coaching@example.com"
    assert str(event["ATTENDEE"]) == "mailto:john@example.com"
    _, event = read_invite(make_session(rep=person(1, "John", email="")))
    assert str(event["ATTENDEE"]) == "mailto:maria@example.com"


def test_without_a_link_or_an_agenda_the_description_says_what_it_is():
    _, event = read_invite(make_session(agenda={}, module=None), url="")
    assert event["DESCRIPTION"] == "Coaching session."
    assert "URL" not in event
    assert event["SUMMARY"] == "Coaching: Coaching session (John Doe)"


def test_long_text_is_folded_and_read_back_whole():
    note = "Review the call, then the follow-up; ask why. 😀 " * 12
    ics = session_invite(session=make_session(agenda={"note": note}), method="REQUEST", now=NOW)
    lines = ics.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    assert event["DESCRIPTION"] == f"Note:\n- {note}"


def test_a_line_break_in_a_link_is_refused():
    with pytest.raises(ValueError, match="CR or LF"):
        session_invite(
            session=make_session(), method="REQUEST", now=NOW, url="https://x.example/\r\nX:1"
        )


def test_the_email_part_is_a_calendar_attachment_with_its_method():
    ics = session_invite(session=make_session(), method="CANCEL", now=NOW, url=URL)
    part = invite_part(ics=ics, method="CANCEL")
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "CANCEL"
    assert part.get_filename() == "invite.ics"
    assert part.get_payload(decode=True) == ics


def test_the_feed_publishes_every_session_cancelled_ones_marked_so():
    sessions = [
        make_session(pk=1, sequence=3),
        make_session(pk=2, status=CoachingSession.Status.CANCELLED, sequence=1),
        make_session(pk=3, coach=None),
    ]

    cal = Calendar.from_ical(
        sessions_calendar(
            sessions=sessions,
            now=NOW,
            url_for=lambda session: f"https://app.example.com/coaching/sessions/{session.pk}/",
        )
    )

    assert cal["METHOD"] == "PUBLISH" and cal["PRODID"] == PRODID
    assert cal["X-WR-CALNAME"] == "Coaching sessions"
    events = {str(event["UID"]): event for event in cal.walk("VEVENT")}
    assert list(events) == [session_uid(session) for session in sessions]
    first, cancelled, without_coach = events.values()
    assert (first["STATUS"], first.decoded("SEQUENCE")) == ("CONFIRMED", 3)
    assert (cancelled["STATUS"], cancelled.decoded("SEQUENCE")) == ("CANCELLED", 1)
    assert str(without_coach["URL"]) == "https://app.example.com/coaching/sessions/3/"
    assert Calendar.from_ical(sessions_calendar(sessions=[], now=NOW)).walk("VEVENT") == []
