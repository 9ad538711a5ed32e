"""Wording by audience: the rep's agenda and emails speak to the rep, the coach's to the coach;
thresholds are named in words with their value; due dates say whose time zone they count in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from coaching.models import Commitment, Reminder
from coaching.reminders.outbox import reminders_claim_due, reminders_deliver
from coaching.tasks import mark_missed_commitments
from tests.coaching.factories import CommitmentFactory, session_with
from tests.coaching.outbox_support import remind
from tests.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

AGENDA = {
    "module": {"id": 3, "title": "Opening the call", "course": "Discovery"},
    "score": 67,
    "skills": [{"id": 1, "name": "Discovery"}],
    "questions_to_ask": ["What did you try on Tuesday's call?"],
    "behaviours_to_observe": ["Open questions"],
    "practice_task": "Role-play the first two minutes.",
    "missed_questions": [],
    "commitments": [
        {"id": 4, "text": "Call Acme", "due_date": "2026-12-18", "status": "open", "skill": None}
    ],
}


@pytest.fixture
def people():
    manager = ManagerFactory(first_name="Maria", timezone="America/New_York")
    rep = RepFactory(manager=manager, first_name="John", timezone="Europe/London")
    return manager, rep


@pytest.fixture
def session(people):
    _, rep = people
    return session_with(rep, scheduled_for=timezone.now() + dt.timedelta(days=1), agenda=AGENDA)


def send_due() -> None:
    now = timezone.now()
    reminders_deliver(reminder_ids=reminders_claim_due(now=now), now=now)


def email_to(user) -> str:
    [sent] = [m for m in mail.outbox if user.email in m.to]
    return sent.body


def test_the_reps_booking_email_says_what_the_coach_will_ask_and_what_to_practise(people, session):
    manager, rep = people
    for person in (rep, manager):
        remind(person, session=session, channels=(Reminder.Channel.EMAIL,), key=f"b{person.pk}")
    send_due()
    to_rep, to_coach = email_to(rep), email_to(manager)
    assert "What your coach will ask" in to_rep and "What to practise" in to_rep
    assert "Questions to ask" not in to_rep
    assert "Questions to ask" in to_coach and "Practice task to set" in to_coach
    assert "What your coach will ask" not in to_coach


def test_the_session_page_words_the_agenda_for_its_reader(client, people, session):
    manager, rep = people
    client.force_login(rep)
    as_rep = client.get(f"/coaching/sessions/{session.pk}/").content.decode()
    assert "What your coach will ask" in as_rep and "What to practise" in as_rep
    assert "you scored 67 % in its quiz" in as_rep
    client.force_login(manager)
    as_coach = client.get(f"/coaching/sessions/{session.pk}/").content.decode()
    assert "Questions to ask" in as_coach and "Practice task to set" in as_coach
    assert "John scored 67 % in its quiz" in as_coach
    # The commitment's due date is a day in the rep's calendar, for the coach in New York too.
    assert "due Fri 18 Dec 2026, London time" in as_coach


def test_a_missed_commitment_tells_the_rep_and_the_coach_each_in_their_words(people):
    manager, rep = people
    commitment = CommitmentFactory(
        session=session_with(rep, status="held", held_at=timezone.now()),
        rep=rep,
        text="Ask for the date",
        due_date=timezone.localdate() - dt.timedelta(days=1),
    )
    mark_missed_commitments()
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.MISSED
    send_due()
    due = commitment.due_date
    to_rep, to_coach = email_to(rep), email_to(manager)
    assert f"due {due:%a} {due.day} {due:%b %Y}, London time" in to_rep
    assert "your next session." in to_rep
    assert f"{rep} committed to “Ask for the date”" in to_coach
    assert "your next session with them" in to_coach


def test_the_dashboard_explains_decay_risk_in_words(client, people):
    manager, _ = people
    client.force_login(manager)
    body = client.get("/coaching/dashboard/").content.decode()
    assert "recall forecast falls below the refresher target (90 %" in body
