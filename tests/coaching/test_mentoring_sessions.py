"""Peer practice: approving a proposal books a session between the two reps by the booking rules
(no manager), declining stores the decision; who sees and records a peer session; the mentor's
rating feeds both memories."""

import datetime as dt

import pytest
from django.http import Http404

from accounts.models import TimeOff
from coaching.models import (
    CalendarBusy,
    CalendarSource,
    CoachingSession,
    MentorPairing,
    Observation,
    Reminder,
    SkillMemory,
)
from coaching.sessions.mentoring import pairing_approve, pairing_decline
from coaching.sessions.permissions import (
    can_amend_record,
    can_change_session,
    can_hold_session,
    can_see_private_notes,
    can_see_session,
)
from coaching.sessions.records import session_hold
from coaching.sessions.selectors import session_for, sessions_visible_to
from config.errors import Conflict, DomainError
from tests.coaching.factories import LONDON, at, freeze, session_started, session_with
from tests.coaching.test_mentoring import stands
from tests.factories import AdminFactory, ManagerFactory, RepFactory, SkillFactory, build_module

pytestmark = pytest.mark.django_db

# A Monday at 08:00 in London: the first slot by the rules is 10:00 (a two-hour lead).
MONDAY = at(LONDON, 2026, 3, 9, 8)


@pytest.fixture
def closing():
    return SkillFactory(slug="closing", name="Closing")


@pytest.fixture
def team(closing):
    module = build_module(skill=closing, questions=4)
    module.practice_task = "Role-play a close with a buyer who asks for a discount."
    module.coaching_behaviours = ["Asks for the business", "Handles the price objection"]
    module.save()
    maria = ManagerFactory(username="maria", timezone="Europe/London")
    john = RepFactory(username="john", manager=maria, timezone="Europe/London")
    sheila = RepFactory(username="sheila", manager=maria, timezone="Europe/London")
    stands(john, module, closing, 2, 2, 2)
    stands(sheila, module, closing, 4, 4, 4)
    return maria, john, sheila


def approve(maria, john, sheila, closing, now=MONDAY):
    return pairing_approve(
        actor=maria, mentee_id=john.pk, mentor_id=sheila.pk, skill_id=closing.pk, now=now
    )


# --- booking --------------------------------------------------------------------------------------


def test_approval_books_a_peer_session_between_the_two_reps(team, closing):
    maria, john, sheila = team
    approved = approve(maria, john, sheila, closing)
    session = approved.session
    assert approved.pairing.status == MentorPairing.Status.ACTIVE
    assert approved.pairing.decided_by == maria
    assert (session.rep, session.coach, session.source) == (john, sheila, "peer")
    assert session.plan.rep == john and session.focus_skill == closing
    assert session.scheduled_for == at(LONDON, 2026, 3, 9, 10)
    # The role-play from the module, and nothing of john's plan.
    assert session.agenda["practice_task"].startswith("Role-play a close")
    assert session.agenda["behaviours_to_observe"] == [
        "Asks for the business",
        "Handles the price objection",
    ]
    assert "commitments" not in session.agenda and "missed_questions" not in session.agenda
    # Invites and reminders to both reps, none to the manager.
    recipients = set(Reminder.objects.filter(session=session).values_list("recipient", flat=True))
    assert recipients == {john.pk, sheila.pk}


def test_the_booking_keeps_to_both_reps_availability(team, closing):
    maria, john, sheila = team
    # Sheila is on holiday Monday; John is busy Tuesday morning in his calendar and in a
    # session with maria at 14:00; Sheila starts work at 13:00.
    TimeOff.objects.create(user=sheila, start=dt.date(2026, 3, 9), end=dt.date(2026, 3, 9))
    source = CalendarSource.objects.create(
        user=john, kind="ics_url", url="https://example.com/x.ics"
    )
    CalendarBusy.objects.create(
        user=john, source=source, start=at(LONDON, 2026, 3, 10, 9), end=at(LONDON, 2026, 3, 10, 14)
    )
    session_with(john, scheduled_for=at(LONDON, 2026, 3, 10, 14))
    sheila.day_start = dt.time(13)
    sheila.save()
    session = approve(maria, john, sheila, closing).session
    assert session.scheduled_for == at(LONDON, 2026, 3, 10, 14, 30)


def test_the_managers_calendar_is_not_asked(team, closing):
    maria, john, sheila = team
    # Maria is in sessions all Monday: peer practice uses none of her time.
    for hour in range(9, 17):
        session_with(RepFactory(manager=maria), scheduled_for=at(LONDON, 2026, 3, 9, hour))
    assert approve(maria, john, sheila, closing).session.scheduled_for == at(LONDON, 2026, 3, 9, 10)


def test_no_slot_approves_nothing(team, closing):
    maria, john, sheila = team
    TimeOff.objects.create(user=sheila, start=dt.date(2026, 3, 1), end=dt.date(2026, 12, 31))
    with pytest.raises(DomainError, match="No time free for both"):
        approve(maria, john, sheila, closing)
    assert not MentorPairing.objects.exists()
    assert not CoachingSession.objects.filter(source="peer").exists()


# --- deciding -------------------------------------------------------------------------------------


def test_only_the_mentees_manager_or_an_admin_decides(team, closing):
    _maria, john, sheila = team
    for outsider in (ManagerFactory(), sheila, john):
        with pytest.raises(Http404):
            approve(outsider, john, sheila, closing)
        with pytest.raises(Http404):
            pairing_decline(
                actor=outsider, mentee_id=john.pk, mentor_id=sheila.pk, skill_id=closing.pk
            )
    assert approve(AdminFactory(), john, sheila, closing).pairing.status == "active"


def test_a_mentor_who_does_not_qualify_is_refused(team, closing):
    maria, john, _sheila = team
    liam = RepFactory(username="liam", manager=maria)  # no evidence on closing
    with pytest.raises(DomainError, match="not at applied or mastered"):
        approve(maria, john, liam, closing)
    with pytest.raises(DomainError, match="cannot be paired"):
        approve(maria, john, john, closing)
    nina = RepFactory(username="nina")
    with pytest.raises(DomainError, match="within a team"):
        approve(maria, john, nina, closing)
    assert not MentorPairing.objects.exists()


def test_a_decision_stands_once(team, closing):
    maria, john, sheila = team
    declined = pairing_decline(
        actor=maria, mentee_id=john.pk, mentor_id=sheila.pk, skill_id=closing.pk
    )
    assert declined.status == MentorPairing.Status.DECLINED
    assert not CoachingSession.objects.filter(source="peer").exists()
    with pytest.raises(Conflict):
        approve(maria, john, sheila, closing)
    with pytest.raises(Conflict):
        pairing_decline(actor=maria, mentee_id=john.pk, mentor_id=sheila.pk, skill_id=closing.pk)


# --- who sees and records a peer session ----------------------------------------------------------


@pytest.fixture
def peer(team, closing, monkeypatch):
    maria, john, sheila = team
    freeze(monkeypatch, MONDAY)
    session = approve(maria, john, sheila, closing).session
    return session


def test_the_pair_and_their_managers_see_the_peer_session(peer, team):
    maria, john, sheila = team
    omar = ManagerFactory(username="omar")
    sheila.manager = omar  # the mentor's manager sees it too
    sheila.save()
    peer.refresh_from_db()
    for person in (john, sheila, maria, omar, AdminFactory()):
        assert can_see_session(person, peer)
        assert session_for(user=person, session_id=peer.pk) == peer
    for outsider in (RepFactory(manager=maria), ManagerFactory()):
        assert not can_see_session(outsider, peer)
        with pytest.raises(Http404):
            session_for(user=outsider, session_id=peer.pk)


def test_a_rep_never_sees_another_pairs_peer_session(peer, team, closing):
    maria, john, sheila = team
    liam, priya = RepFactory(manager=maria), RepFactory(manager=maria)
    other = session_with(priya, coach=liam, source=CoachingSession.Source.PEER, focus_skill=closing)
    assert other not in sessions_visible_to(user=john)
    assert other not in sessions_visible_to(user=sheila)
    assert set(sessions_visible_to(user=liam)) == {other}
    with pytest.raises(Http404):
        session_for(user=john, session_id=other.pk)


def test_a_mentor_cannot_open_the_mentees_other_sessions(peer, team):
    maria, john, sheila = team
    coached = session_with(john, coach=maria)
    held = session_with(john, coach=maria, status=CoachingSession.Status.HELD)
    visible = set(sessions_visible_to(user=sheila))
    assert visible == {peer}
    for other in (coached, held):
        with pytest.raises(Http404):
            session_for(user=sheila, session_id=other.pk)


def test_only_the_mentor_records_and_no_one_reads_private_notes(peer, team):
    maria, john, sheila = team
    assert can_hold_session(sheila, peer) and can_amend_record(sheila, peer)
    for other in (john, maria, AdminFactory()):
        assert not can_hold_session(other, peer)
    for person in (john, sheila, maria):
        assert not can_see_private_notes(person, peer)
    assert can_change_session(sheila, peer) and can_change_session(maria, peer)
    assert not can_change_session(john, peer)


def test_the_mentor_records_a_peer_rating(peer, team, closing):
    maria, john, sheila = team
    session = session_started(peer)
    assert not SkillMemory.objects.filter(rep=sheila, skill=closing).exists()
    with pytest.raises(DomainError, match="no private notes"):
        session_hold(actor=sheila, session=session, notes="ok", private_notes="secret")
    with pytest.raises(DomainError, match="agreed with a manager"):
        session_hold(
            actor=sheila,
            session=session,
            notes="Practised the close.",
            commitments=[{"text": "x", "due_date": "2099-01-01"}],
        )
    other = SkillFactory(slug="rapport")
    with pytest.raises(DomainError, match="its own skill"):
        session_hold(
            actor=sheila, session=session, notes="", observations=[{"skill": other.pk, "rating": 3}]
        )
    with pytest.raises(DomainError):
        session_hold(
            actor=maria,
            session=session,
            notes="",
            observations=[{"skill": closing.pk, "rating": 3}],
        )
    session_hold(
        actor=sheila,
        session=session,
        notes="Asked for the business twice; froze at the discount.",
        observations=[{"skill": closing.pk, "rating": 3, "source": "session", "evidence": "Close"}],
    )
    [rating] = Observation.objects.filter(session=session)
    assert (rating.source, rating.observer, rating.rep) == ("peer", sheila, john)
    # The mentee's memory reviewed by the peer's rating, the mentor's by teaching it.
    assert SkillMemory.objects.get(rep=john, skill=closing).reviews == 1
    assert SkillMemory.objects.get(rep=sheila, skill=closing).reviews == 1


def test_a_coach_cannot_pass_a_rating_off_as_a_peers(team, closing):
    maria, john, _sheila = team
    session = session_started(session_with(john, coach=maria))
    with pytest.raises(DomainError, match="not a kind of observation"):
        session_hold(
            actor=maria,
            session=session,
            notes="",
            observations=[{"skill": closing.pk, "rating": 3, "source": "peer"}],
        )


# --- where a session's coach was taken for a manager ---------------------------------------------


def test_a_mentee_moving_team_keeps_the_peer_session_with_the_mentor(peer, team):
    from accounts.services import user_set_manager

    _maria, john, sheila = team
    omar = ManagerFactory(username="omar")
    user_set_manager(user=john, manager=omar, actor=AdminFactory())
    peer.refresh_from_db()
    assert peer.coach == sheila and peer.status == "scheduled"


def test_peer_sessions_take_none_of_the_managers_week_or_kpis(peer, team, monkeypatch):
    from coaching.insights.kpis import coaching_kpis, team_follow_ups
    from coaching.sessions.selectors import manager_week

    maria, john, sheila = team
    week = manager_week(manager=maria, week_start=dt.date(2026, 3, 9))
    assert peer not in week.sessions
    # Held by the mentor: not the coaching the KPIs count; unrecorded: not the manager's to do.
    freeze(monkeypatch, peer.ends_at + dt.timedelta(hours=2))
    assert peer not in team_follow_ups(rep_ids=[john.pk, sheila.pk]).not_recorded
    CoachingSession.objects.filter(pk=peer.pk).update(status="held", held_at=peer.ends_at)
    _groups, total = coaching_kpis(groups={john.pk: "team", sheila.pk: "team"})
    assert total.sessions_held == 0


def test_a_mentor_leaving_ends_the_pairing_and_cancels_the_practice(peer, team):
    from coaching.sessions.offboarding import coaching_offboard

    _maria, _john, sheila = team
    coaching_offboard(person=sheila, actor=AdminFactory())
    peer.refresh_from_db()
    assert peer.status == "cancelled"
    assert MentorPairing.objects.get().status == MentorPairing.Status.ENDED


def test_the_invites_name_the_peer_practice(peer, team):
    from coaching.reminders.messages import reminder_message

    _maria, john, sheila = team
    booked = Reminder.objects.filter(session=peer, kind=Reminder.Kind.SESSION_BOOKED)
    bodies = {r.recipient_id: reminder_message(r).body for r in booked}
    assert f"with {sheila}, your peer mentor" in bodies[john.pk]
    assert f"with {john}, whom you mentor" in bodies[sheila.pk]
    assert "your coach" not in bodies[john.pk]


def test_the_calendar_names_the_peer_practice(peer, team, closing):
    from coaching.reminders.calendar import session_title

    _maria, john, sheila = team
    assert session_title(peer) == f"Peer practice: Closing ({sheila} with {john})"
