"""What reminders say and carry: email bodies and invites, in-app text, the private feed."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes

import pytest
from django.core import mail
from django.db.models import F
from django.utils import timezone
from icalendar import Calendar

from coaching import tasks
from coaching.models import CoachingSession, Notification, Reminder
from coaching.reminders import calendar
from coaching.reminders.calendar import calendar_feed_for, calendar_feed_rotate
from coaching.reminders.outbox import reminders_claim_due
from tests.coaching.outbox_support import remind, session_between
from tests.factories import ManagerFactory, ModuleFactory, RepFactory

pytestmark = pytest.mark.django_db

Kind, Status = Reminder.Kind, Reminder.Status
IN_APP, EMAIL = Reminder.Channel.IN_APP, Reminder.Channel.EMAIL
# A Tuesday in winter: London on GMT, New York on EST, five hours apart.
SESSION_AT = dt.datetime(2030, 1, 15, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def people(db):
    coach = ManagerFactory(username="maria", first_name="Maria", last_name="Lopez",
                           timezone="Europe/London")  # fmt: skip
    rep = RepFactory(username="john", first_name="John", last_name="Doe", manager=coach,
                     timezone="America/New_York")  # fmt: skip
    return rep, coach


@pytest.fixture
def session(people):
    rep, coach = people
    module = ModuleFactory(
        title="Handling price objections",
        coaching_questions=["What did the buyer say about price?"],
        practice_task="Role-play a discount request.",
    )
    return session_between(
        rep=rep,
        coach=coach,
        scheduled_for=SESSION_AT,
        duration_minutes=45,
        module=module,
        agenda={
            "questions_to_ask": ["What did the buyer say about price?"],
            "practice_task": "Role-play a discount request.",
            "missed_questions": [{"id": 1, "prompt": "When do you name a price?"}],
        },
    )


def deliver_due(now: dt.datetime | None = None) -> list[str]:
    """One dispatcher tick, with the send task run here."""
    now = now or timezone.now()
    ids = reminders_claim_due(now=now)
    outcomes = tasks.send_reminders.apply(args=[ids]).get() if ids else {}
    return [outcomes[pk] for pk in ids]


def invite_of(message) -> Calendar | None:
    parsed = message_from_bytes(message.message().as_bytes())
    for part in parsed.walk():
        if part.get_content_type() == "text/calendar":
            assert part.get_param("method") in {"REQUEST", "CANCEL"}
            assert part.get_filename() == "invite.ics"
            return Calendar.from_ical(part.get_payload(decode=True))
    return None


def test_each_part_of_an_email_gets_its_own_boundary_and_parses_back_whole(people, session):
    rep, coach = people
    remind(rep, kind=Kind.SESSION_BOOKED, session=session, key="booked")
    remind(coach, kind=Kind.SESSION_BOOKED, session=session, channels=(EMAIL,), key="booked")
    assert deliver_due() == [Status.SENT] * 3

    boundaries = []
    for message in mail.outbox:
        parsed = message_from_bytes(message.message().as_bytes())
        multiparts = [part for part in parsed.walk() if part.is_multipart()]
        boundaries += [part.get_boundary() for part in multiparts]
        types = [part.get_content_type() for part in parsed.walk()]
        assert types == [
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "text/html",
            "text/calendar",
        ]
    assert len(boundaries) == 4
    assert len(set(boundaries)) == 4


def test_a_booking_email_has_text_html_and_an_invite_for_the_session(people, session):
    rep, coach = people
    remind(rep, kind=Kind.SESSION_BOOKED, session=session, channels=(EMAIL,), key="booked")
    assert deliver_due() == [Status.SENT]

    [message] = mail.outbox
    assert message.to == [rep.email]
    assert "Tue 15 Jan 2030, 10:00 EST" in message.subject
    assert "Handling price objections" in message.body
    assert "with your coach Maria Lopez" in message.body
    assert "Role-play a discount request." in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "<li>When do you name a price?</li>" in html

    cal = invite_of(message)
    assert cal is not None
    assert cal["METHOD"] == "REQUEST"
    [event] = cal.walk("VEVENT")
    assert event["UID"] == f"session-{session.pk}@127.0.0.1"
    assert event.decoded("DTSTART") == SESSION_AT
    assert event.decoded("DTEND") == SESSION_AT + dt.timedelta(minutes=45)
    assert event["DTSTART"].to_ical() == b"20300115T150000Z"
    assert int(event["SEQUENCE"]) == 0
    assert "Handling price objections" in str(event["SUMMARY"])
    assert "What did the buyer say about price?" in str(event["DESCRIPTION"])
    assert str(event["ORGANIZER"]) == f"mailto:{coach.email}"
    attendees = event["ATTENDEE"]
    attendees = [str(a) for a in (attendees if isinstance(attendees, list) else [attendees])]
    assert sorted(attendees) == sorted([f"mailto:{rep.email}", f"mailto:{coach.email}"])


def test_coach_and_rep_hearing_of_one_change_in_one_batch_share_one_invite(
    people, session, monkeypatch
):
    written = []
    session_invite = calendar.session_invite

    def counting(**kwargs):
        written.append(kwargs["method"])
        return session_invite(**kwargs)

    monkeypatch.setattr(calendar, "session_invite", counting)
    for person in people:
        remind(person, kind=Kind.SESSION_BOOKED, session=session, channels=(EMAIL,), key="b")
    assert deliver_due() == [Status.SENT] * 2

    assert written == ["REQUEST"]
    first, second = (invite_of(message) for message in mail.outbox)
    assert first.to_ical() == second.to_ical()


def test_moving_and_cancelling_send_the_same_event_with_a_higher_sequence(people, session):
    rep, _ = people
    remind(rep, kind=Kind.SESSION_BOOKED, session=session, channels=(EMAIL,), key="booked")
    deliver_due()

    session.scheduled_for = SESSION_AT + dt.timedelta(days=1)
    CoachingSession.objects.filter(pk=session.pk).update(
        scheduled_for=session.scheduled_for, sequence=F("sequence") + 1
    )
    remind(
        rep,
        kind=Kind.SESSION_RESCHEDULED,
        session=session,
        channels=(EMAIL,),
        key="moved",
        payload={"previous": SESSION_AT.isoformat()},
    )
    deliver_due()
    CoachingSession.objects.filter(pk=session.pk).update(
        status=CoachingSession.Status.CANCELLED, sequence=F("sequence") + 1
    )
    remind(rep, kind=Kind.SESSION_CANCELLED, session=session, channels=(EMAIL,), key="off",
           payload={"reason": "Customer visit"})  # fmt: skip
    deliver_due()

    booked, moved, cancelled = mail.outbox
    events = [invite_of(m).walk("VEVENT")[0] for m in (booked, moved, cancelled)]
    assert len({str(e["UID"]) for e in events}) == 1
    sequences = [int(e["SEQUENCE"]) for e in events]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert events[1].decoded("DTSTART") == SESSION_AT + dt.timedelta(days=1)
    assert "It was planned for Tue 15 Jan 2030, 10:00 EST" in moved.body
    assert invite_of(cancelled)["METHOD"] == "CANCEL"
    assert events[2]["STATUS"] == "CANCELLED"
    assert "Customer visit" in cancelled.body


def test_reminders_before_the_session_carry_no_invite(people, session):
    rep, _ = people
    remind(rep, kind=Kind.SESSION_24H, session=session, channels=(EMAIL,),
           due_at=SESSION_AT - dt.timedelta(hours=24), key="24h")  # fmt: skip
    assert deliver_due(SESSION_AT - dt.timedelta(hours=24)) == [Status.SENT]
    [message] = mail.outbox
    assert invite_of(message) is None
    assert "tomorrow" in message.subject


def test_in_app_text_is_in_each_recipients_time_zone(people, session):
    rep, coach = people
    for person in (rep, coach):
        remind(person, kind=Kind.SESSION_BOOKED, session=session, channels=(IN_APP,), key="b")
    deliver_due()

    for_rep = Notification.objects.get(recipient=rep)
    for_coach = Notification.objects.get(recipient=coach)
    assert "Tue 15 Jan 2030, 10:00 EST" in for_rep.title
    assert "with your coach Maria Lopez" in for_rep.body
    assert "Tue 15 Jan 2030, 15:00 GMT" in for_coach.title
    assert "with John Doe" in for_coach.body
    assert for_rep.reminder.status == Status.SENT


def test_a_commitment_reminder_names_the_commitment(people, session):
    from coaching.models import Commitment

    rep, _ = people
    commitment = Commitment.objects.create(
        rep=rep, session=session, text="Ask two open questions", due_date=dt.date(2030, 2, 1)
    )
    remind(rep, kind=Kind.COMMITMENT_DUE, commitment=commitment, channels=(IN_APP,), key="c")
    deliver_due()
    notification = Notification.objects.get(recipient=rep)
    assert "Ask two open questions" in notification.title
    assert "1 Feb 2030" in notification.body


# --- the calendar feed ----------------------------------------------------------------------


def feed_events(client, token) -> dict[str, object]:
    response = client.get(f"/coaching/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in cal.walk("VEVENT")}


def test_the_feed_lists_the_owners_sessions_as_rep_and_as_coach_and_nobody_elses(client, people):
    rep, coach = people
    now = timezone.now()
    as_rep = session_between(rep=rep, coach=coach, scheduled_for=now + dt.timedelta(days=3))
    cancelled = session_between(rep=rep, coach=coach, scheduled_for=now + dt.timedelta(days=4),
                                status=CoachingSession.Status.CANCELLED)  # fmt: skip
    recent = session_between(rep=rep, coach=coach, scheduled_for=now - dt.timedelta(days=20))
    too_old = session_between(rep=rep, coach=coach, scheduled_for=now - dt.timedelta(days=45))
    too_far = session_between(rep=rep, coach=coach, scheduled_for=now + dt.timedelta(days=120))
    someone_else = RepFactory(manager=ManagerFactory())
    others = session_between(
        rep=someone_else, coach=someone_else.manager, scheduled_for=now + dt.timedelta(days=3)
    )

    rep_feed = feed_events(client, calendar_feed_for(user=rep).token)
    uid = "session-{}@127.0.0.1".format
    assert set(rep_feed) == {uid(as_rep.pk), uid(cancelled.pk), uid(recent.pk)}
    assert rep_feed[uid(cancelled.pk)]["STATUS"] == "CANCELLED"
    assert rep_feed[uid(as_rep.pk)]["STATUS"] == "CONFIRMED"
    coach_feed = feed_events(client, calendar_feed_for(user=coach).token)
    assert set(coach_feed) == set(rep_feed)
    assert uid(others.pk) not in coach_feed
    assert uid(too_old.pk) not in rep_feed and uid(too_far.pk) not in rep_feed


def test_a_rotated_feed_token_stops_working_and_the_new_one_works(client, people):
    rep, _ = people
    old = calendar_feed_for(user=rep).token
    assert calendar_feed_for(user=rep).token == old
    new = calendar_feed_rotate(user=rep).token
    assert new != old
    assert client.get(f"/coaching/calendar/{old}.ics").status_code == 404
    assert client.get(f"/coaching/calendar/{new}.ics").status_code == 200
    assert client.get("/coaching/calendar/not-a-token.ics").status_code == 404


def test_the_profile_page_shows_the_feed_link_and_resets_it(client, people):
    rep, _ = people
    client.force_login(rep)
    page = client.get("/accounts/profile/")
    token = calendar_feed_for(user=rep).token
    assert f"/coaching/calendar/{token}.ics" in page.content.decode()

    response = client.post("/coaching/calendar/reset")
    assert response.status_code == 302
    new = calendar_feed_for(user=rep).token
    assert new != token
    assert client.get(f"/coaching/calendar/{token}.ics").status_code == 404
    assert f"/coaching/calendar/{new}.ics" in client.get("/accounts/profile/").content.decode()
    assert client.get("/coaching/calendar/reset").status_code == 405
