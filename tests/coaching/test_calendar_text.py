"""The calendar text we write by hand is, byte for byte, what icalendar writes for the same events.

The icalendar-based builder below is the one the application used before; it stays here as the
reference, so invites and feeds that calendar programs already hold keep matching.
"""

from __future__ import annotations

import datetime as dt
import random
from email.utils import parseaddr

import pytest
from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vText

from accounts.models import User
from coaching.models import CoachingSession
from coaching.reminders.calendar import (
    PRODID,
    agenda_lines,
    session_invite,
    session_invite_part,
    session_sequence,
    session_title,
    session_uid,
    sessions_calendar,
)
from lms.models import Module

NOW = dt.datetime(2030, 1, 10, 9, 30, 15, 123456, tzinfo=dt.UTC)
SESSION_AT = dt.datetime(2030, 1, 15, 15, 0, tzinfo=dt.UTC)
URL = "https://app.example.com/coaching/sessions/7/"


# --- the reference: the icalendar-based builder ---------------------------------------------


def reference_address(user, role="REQ-PARTICIPANT"):
    if user is None or not user.email:
        return None
    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = vText(str(user))
    address.params["role"] = vText(role)
    return address


def reference_event(session, *, now, cancelled=False, url=""):
    start = session.scheduled_for.astimezone(dt.UTC)
    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", start)
    event.add("dtend", start + dt.timedelta(minutes=session.duration_minutes))
    event.add("sequence", session_sequence(session))
    event.add("summary", session_title(session))
    description = "\n".join(agenda_lines(session.agenda)) or "Coaching session."
    if url:
        description = f"{description}\n\n{url}"
        event.add("url", url)
    event.add("description", description)
    is_cancelled = cancelled or session.status == CoachingSession.Status.CANCELLED
    event.add("status", "CANCELLED" if is_cancelled else "CONFIRMED")
    organizer = reference_address(session.coach, role="CHAIR")
    if organizer is None:
        name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
        organizer = vCalAddress(f"mailto:{email}")
        organizer.params["cn"] = vText(name or "Coaching")
    event.add("organizer", organizer)
    for person in (session.rep, session.coach):
        attendee = reference_address(person)
        if attendee is not None:
            event.add("attendee", attendee, encode=0)
    return event


def reference_calendar(method=None):
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    return cal


def reference_invite(*, session, method, now, url=""):
    cal = reference_calendar(method)
    cal.add_component(reference_event(session, now=now, cancelled=method == "CANCEL", url=url))
    return cal.to_ical()


def reference_feed(*, sessions, now, name="Coaching sessions", url_for=None):
    cal = reference_calendar("PUBLISH")
    cal.add("x-wr-calname", name)
    for session in sessions:
        cal.add_component(
            reference_event(session, now=now, url=url_for(session) if url_for else "")
        )
    return cal.to_ical()


# --- sessions that are hard to write ---------------------------------------------------------


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
    saves_after=12,
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
        created_at=NOW - dt.timedelta(days=1),
        updated_at=NOW - dt.timedelta(days=1) + dt.timedelta(seconds=saves_after),
    )


# Long agendas whose multibyte characters land on (and around) the 75-octet fold boundary.
MULTIBYTE_AT_FOLD = {
    f"{char}-at-{offset}": {"agenda": {"note": "x" * offset + char * 40}}
    for char in ("é", "中", "😀")
    for offset in range(50, 58)
}

SESSIONS = {
    "plain": {},
    "unicode names": {
        "rep": person(1, "Zoë", "Ørsted", "zoe@example.com"),
        "coach": person(2, "中文", "名字", "coach@example.com"),
    },
    "emoji name, one word": {"rep": person(1, "😀🎉", email="emoji@example.com")},
    "curly apostrophe": {"rep": person(1, "Ann", "O\u2019Brien", "ann@example.com")},
    "names with punctuation": {
        "rep": person(1, "Doe, John; Jr.", "a:b", "john@example.com"),
        "coach": person(2, 'Maria "Mia"', "O'Hara ^ x", "maria@example.com"),
    },
    "one-word names with punctuation": {
        "rep": person(1, "Doe,John", email="j@example.com"),
        "coach": person(2, '"Mia"^', email="m@example.com"),
    },
    "backslashes and semicolons in the title": {"module": r"Prices; discounts, \N and C:\path"},
    "long agenda": {
        "agenda": {
            "note": "Review the call, then the follow-up; ask why. " * 12,
            "questions_to_ask": [f"Question {n}, with commas; and semicolons?" for n in range(8)],
            "commitments": [{"text": "Send the proposal", "due_date": "2030-02-01"}],
            "skills": ["Discovery", "Négociation", "谈判", "🎯 Closing"],
        }
    },
    "escapes at the fold": {"agenda": {"note": "y" * 57 + ",;\\" * 30}},
    "carriage returns": {"agenda": {"note": "one\r\ntwo\rthree\nfour"}},
    "empty agenda": {"agenda": {}},
    "agenda as a list": {"agenda": ["first", {"prompt": "second"}]},
    "no coach": {"coach": None},
    "coach without email": {"coach": person(2, "Maria", email="")},
    "rep without email": {"rep": person(1, "John", email="")},
    "no module": {"module": None},
    "cancelled": {"status": CoachingSession.Status.CANCELLED},
    "never saved again": {"saves_after": 0},
    "moved across a date": {
        "scheduled_for": dt.datetime(2030, 3, 31, 23, 45, tzinfo=dt.UTC),
        "duration": 90,
    },
    "a zoned start": {
        "scheduled_for": dt.datetime(2030, 1, 15, 10, 0, tzinfo=dt.timezone(-dt.timedelta(hours=5)))
    },
    **MULTIBYTE_AT_FOLD,
}


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
@pytest.mark.parametrize("url", [URL, "", "https://x.example/s?a=1,b;c&d=é"])
@pytest.mark.parametrize("case", SESSIONS)
def test_the_invite_is_byte_for_byte_what_icalendar_writes(case, url, method):
    session = make_session(**SESSIONS[case])
    ours = session_invite(session=session, method=method, now=NOW, url=url)
    assert ours == reference_invite(session=session, method=method, now=NOW, url=url)


@pytest.mark.parametrize(
    "from_email", ["coaching@example.com", '"Skillcoach, Inc." <team@example.com>']
)
def test_the_fallback_organizer_is_written_as_icalendar_writes_it(settings, from_email):
    settings.DEFAULT_FROM_EMAIL = from_email
    session = make_session(coach=None)
    ours = session_invite(session=session, method="REQUEST", now=NOW, url=URL)
    assert ours == reference_invite(session=session, method="REQUEST", now=NOW, url=URL)


def test_the_feed_of_many_events_is_byte_for_byte_what_icalendar_writes():
    sessions = [make_session(pk=pk, **kwargs) for pk, kwargs in enumerate(SESSIONS.values(), 1)]

    def url_for(session):
        return f"https://app.example.com/coaching/sessions/{session.pk}/"

    ours = sessions_calendar(sessions=sessions, now=NOW, url_for=url_for)
    assert ours == reference_feed(sessions=sessions, now=NOW, url_for=url_for)
    assert sessions_calendar(sessions=[], now=NOW) == reference_feed(sessions=[], now=NOW)


def test_random_text_matches_icalendar_whatever_lands_on_the_fold():
    alphabet = [*"ab ,;:\\^\"'N\n\r\t", "é", "中", "😀", "\u2019"]
    rng = random.Random(5545)
    for n in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 260)))
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))).strip("\r\n")
        session = make_session(
            pk=n,
            rep=person(1, name or "x", email="rep@example.com"),
            module=text[:90],
            agenda={"note": text},
        )
        ours = session_invite(session=session, method="REQUEST", now=NOW, url=URL)
        assert ours == reference_invite(session=session, method="REQUEST", now=NOW, url=URL), text


def test_lines_end_in_crlf_and_fold_within_75_octets_on_character_boundaries():
    session = make_session(**SESSIONS["long agenda"])
    ours = session_invite(session=session, method="REQUEST", now=NOW, url=URL)
    assert ours.endswith(b"\r\n")
    lines = ours.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) == 75
    assert sum(line.startswith(b" ") for line in lines) > 10
    for line in lines:
        line.decode()  # a character split across lines would not decode


def test_the_invite_parses_back_to_the_session():
    rep = person(1, "Zoë", "Doe, Jr.", "zoe@example.com")
    coach = person(2, "中文", "Lopez", "maria@example.com")
    agenda = {"note": "Price; terms, and a \\ backslash", "skills": ["Négociation " * 12]}
    session = make_session(rep=rep, coach=coach, module="Prices; discounts", agenda=agenda)

    cal = Calendar.from_ical(session_invite(session=session, method="CANCEL", now=NOW, url=URL))

    assert cal["METHOD"] == "CANCEL" and cal["PRODID"] == PRODID
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == session_uid(session)
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


def test_the_email_part_carries_the_same_text():
    session = make_session()
    part = session_invite_part(session=session, method="REQUEST", now=NOW, url=URL)
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_payload(decode=True) == reference_invite(
        session=session, method="REQUEST", now=NOW, url=URL
    )


def test_a_line_break_in_a_value_written_as_is_is_refused():
    session = make_session()
    with pytest.raises(ValueError, match="line break"):
        session_invite(session=session, method="REQUEST", now=NOW, url="https://x.example/\r\nX:1")
