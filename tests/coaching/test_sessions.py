"""A session's life (DESIGN §5 step 4): book by hand, move, cancel, reflect, hold, miss."""

import datetime as dt

import pytest
from django.conf import settings

from coaching.models import CoachingSession, Commitment, Observation, Reminder
from coaching.sessions.records import session_hold
from coaching.sessions.services import (
    session_book_manual,
    session_cancel,
    session_reflect,
    session_reschedule,
    sessions_mark_missed,
)
from config.errors import Conflict, DomainError
from tests.coaching.factories import (
    LONDON,
    NEW_YORK,
    UTC,
    at,
    complete_module,
    freeze,
    reminder_rows,
    session_with,
)
from tests.factories import AdminFactory, ManagerFactory, RepFactory, SkillFactory, build_module

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 10, tzinfo=UTC)  # Tuesday
THURSDAY_10 = dt.datetime(2026, 3, 12, 10, tzinfo=UTC)
FRIDAY_14 = dt.datetime(2026, 3, 13, 14, tzinfo=UTC)
H = dt.timedelta(hours=1)
NUDGE = dt.timedelta(hours=settings.COACHING_HOLD_NUDGE_HOURS)
GRACE = dt.timedelta(hours=settings.COACHING_HOLD_GRACE_HOURS)


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch, NOW)


@pytest.fixture
def manager():
    return ManagerFactory(username="maria")


@pytest.fixture
def rep(manager):
    return RepFactory(username="john", manager=manager)


@pytest.fixture
def session(clock, manager, rep):
    """Booked by the manager for Thursday 10:00, with its reminders."""
    return session_book_manual(coach=manager, rep=rep, scheduled_for=THURSDAY_10)


# A note long enough to count as a record on its own.
NOTE = "Worked through the opening and the close."


@pytest.fixture
def started(session, clock):
    """Thursday 10:35: the session has begun, so it may be recorded."""
    clock.set(THURSDAY_10 + dt.timedelta(minutes=35))
    return session


def pending(**filters):
    return Reminder.objects.filter(status=Reminder.Status.PENDING, **filters)


# --- booking by hand ----------------------------------------------------------------------------


def test_a_manager_books_a_session_with_a_direct_report(session, manager, rep):
    assert (session.coach, session.rep, session.scheduled_for) == (manager, rep, THURSDAY_10)
    assert session.source == CoachingSession.Source.MANUAL
    assert session.duration_minutes == 30
    assert session.plan.rep == rep and session.plan.coach == manager
    assert reminder_rows() == {
        # Maria booked it herself: only John hears of the booking.
        ("session_booked", "john", NOW),
        ("session_24h", "maria", THURSDAY_10 - 24 * H),
        ("session_24h", "john", THURSDAY_10 - 24 * H),
        ("session_1h", "maria", THURSDAY_10 - H),
        ("session_1h", "john", THURSDAY_10 - H),
        ("session_hold_overdue", "maria", THURSDAY_10 + dt.timedelta(minutes=30) + NUDGE),
    }


def test_a_manual_booking_carries_note_focus_and_length(clock, manager, rep):
    skill = SkillFactory(slug="discovery", name="Discovery")
    session = session_book_manual(
        coach=manager,
        rep=rep,
        scheduled_for=THURSDAY_10,
        duration_minutes=45,
        focus_skill=skill,
        note=" Review the Acme call ",
    )
    assert session.duration_minutes == 45 and session.focus_skill == skill
    assert session.agenda["note"] == "Review the Acme call"
    assert session.agenda["skills"] == [{"id": skill.pk, "name": "Discovery"}]


def test_an_admin_books_for_anyone(clock, rep):
    admin = AdminFactory()
    assert session_book_manual(coach=admin, rep=rep, scheduled_for=THURSDAY_10).coach == admin


@pytest.mark.parametrize("who", ["other_manager", "rep_self", "peer"])
def test_only_the_rep_s_manager_or_an_admin_books(clock, rep, who):
    actor = {"other_manager": ManagerFactory, "rep_self": lambda: rep, "peer": RepFactory}[who]()
    with pytest.raises(DomainError, match="report to you"):
        session_book_manual(coach=actor, rep=rep, scheduled_for=THURSDAY_10)
    assert not CoachingSession.objects.exists()


def test_a_booking_in_the_past_is_refused(clock, manager, rep):
    with pytest.raises(DomainError, match="passed"):
        session_book_manual(coach=manager, rep=rep, scheduled_for=NOW - H)


def test_a_naive_time_is_refused(clock, manager, rep):
    with pytest.raises(DomainError, match="time zone"):
        session_book_manual(coach=manager, rep=rep, scheduled_for=dt.datetime(2026, 3, 12, 10))  # noqa: DTZ001


@pytest.mark.parametrize("minutes", [5, 241])
def test_a_length_outside_bounds_is_refused(clock, manager, rep, minutes):
    with pytest.raises(DomainError, match="minutes"):
        session_book_manual(
            coach=manager, rep=rep, scheduled_for=THURSDAY_10, duration_minutes=minutes
        )


def test_overlapping_the_coach_s_sessions_is_refused(session, manager):
    other = RepFactory(manager=manager)
    with pytest.raises(DomainError, match="overlaps"):
        session_book_manual(
            coach=manager, rep=other, scheduled_for=THURSDAY_10 + dt.timedelta(minutes=15)
        )
    # Back to back is fine.
    session_book_manual(
        coach=manager, rep=other, scheduled_for=THURSDAY_10 + dt.timedelta(minutes=30)
    )


def test_overlapping_the_rep_s_sessions_with_another_coach_is_refused(session, rep):
    with pytest.raises(DomainError, match="overlaps"):
        session_book_manual(coach=AdminFactory(), rep=rep, scheduled_for=THURSDAY_10)


def test_a_cancelled_session_does_not_block_its_time(session, manager, rep):
    session_cancel(actor=manager, session=session, reason="A customer visit")
    assert session_book_manual(coach=manager, rep=rep, scheduled_for=THURSDAY_10)


# --- rescheduling -------------------------------------------------------------------------------


def test_rescheduling_moves_pending_reminders_and_leaves_sent_ones(session, manager, rep):
    sent_24h = Reminder.objects.filter(kind="session_24h", recipient=manager)
    sent_ids = set(sent_24h.values_list("pk", flat=True))
    sent_24h.update(status=Reminder.Status.SENT, sent_at=NOW)
    pending_ids = set(
        pending(kind__in=["session_1h", "session_hold_overdue"]).values_list("pk", flat=True)
    )
    rep_24h_ids = set(pending(kind="session_24h", recipient=rep).values_list("pk", flat=True))

    session_reschedule(actor=manager, session=session, scheduled_for=FRIDAY_14)

    session.refresh_from_db()
    assert session.scheduled_for == FRIDAY_14
    # The same pending rows, at the new times.
    assert {r.due_at for r in Reminder.objects.filter(pk__in=pending_ids, kind="session_1h")} == {
        FRIDAY_14 - H
    }
    assert {
        r.due_at for r in Reminder.objects.filter(pk__in=pending_ids, kind="session_hold_overdue")
    } == {FRIDAY_14 + dt.timedelta(minutes=30) + NUDGE}
    assert set(Reminder.objects.filter(pk__in=pending_ids).values_list("status", flat=True)) == {
        "pending"
    }
    assert {r.due_at for r in Reminder.objects.filter(pk__in=rep_24h_ids)} == {FRIDAY_14 - 24 * H}
    # Sent stays sent, at its old time; the coach gets a fresh 24 h reminder for the new time.
    assert {(r.status, r.due_at) for r in Reminder.objects.filter(pk__in=sent_ids)} == {
        ("sent", THURSDAY_10 - 24 * H)
    }
    fresh = pending(kind="session_24h", recipient=manager)
    assert fresh.count() == 2 and {r.due_at for r in fresh} == {FRIDAY_14 - 24 * H}
    assert not set(fresh.values_list("pk", flat=True)) & sent_ids


def test_the_other_party_hears_of_the_move(session, manager, rep):
    session_reschedule(actor=manager, session=session, scheduled_for=FRIDAY_14)
    notices = Reminder.objects.filter(kind="session_rescheduled")
    assert {(r.recipient, r.due_at) for r in notices} == {(rep, NOW)}
    assert notices.first().payload["previous"] == THURSDAY_10.isoformat()
    assert notices.first().payload["calendar_invite"] is True


def test_a_rep_cannot_move_a_session_their_coach_booked(session, rep):
    with pytest.raises(DomainError, match="ask your coach"):
        session_reschedule(actor=rep, session=session, scheduled_for=FRIDAY_14)
    session.refresh_from_db()
    assert session.scheduled_for == THURSDAY_10
    assert not Reminder.objects.filter(kind="session_rescheduled").exists()


def test_an_admin_moving_it_tells_both(session, manager, rep):
    session_reschedule(actor=AdminFactory(), session=session, scheduled_for=FRIDAY_14)
    assert {r.recipient for r in Reminder.objects.filter(kind="session_rescheduled")} == {
        manager,
        rep,
    }


def test_moving_it_closer_cancels_reminders_whose_moment_has_passed(session, manager):
    soon = NOW + 3 * H
    session_reschedule(actor=manager, session=session, scheduled_for=soon)
    assert set(Reminder.objects.filter(kind="session_24h").values_list("status", flat=True)) == {
        "cancelled"
    }
    assert {r.due_at for r in pending(kind="session_1h")} == {soon - H}


def test_moving_back_and_forth_never_doubles_a_reminder(session, manager):
    Reminder.objects.filter(kind="session_24h").update(status=Reminder.Status.SENT)
    session_reschedule(actor=manager, session=session, scheduled_for=FRIDAY_14)
    session_reschedule(actor=manager, session=session, scheduled_for=FRIDAY_14 + 2 * H)
    session_reschedule(actor=manager, session=session, scheduled_for=FRIDAY_14)
    assert pending(kind="session_24h").count() == 4  # coach and rep, two channels each


def test_moving_a_follow_up_out_of_its_window_makes_it_late(clock, manager, rep):
    complete_module(rep, build_module())
    follow_up = CoachingSession.objects.get()
    assert follow_up.late is False
    session_reschedule(actor=manager, session=follow_up, scheduled_for=FRIDAY_14)
    follow_up.refresh_from_db()
    assert follow_up.late is True
    session_reschedule(
        actor=manager,
        session=follow_up,
        scheduled_for=THURSDAY_10 - 2 * H,  # 08:00, before the working day
        outside_hours_confirmed=True,
    )
    follow_up.refresh_from_db()
    assert follow_up.late is False


@pytest.mark.parametrize("status", ["held", "cancelled", "missed"])
def test_only_a_scheduled_session_moves(session, manager, status):
    CoachingSession.objects.filter(pk=session.pk).update(status=status)
    with pytest.raises(Conflict):
        session_reschedule(actor=manager, session=session, scheduled_for=FRIDAY_14)


def test_moving_to_the_past_is_refused(session, manager):
    with pytest.raises(DomainError, match="passed"):
        session_reschedule(actor=manager, session=session, scheduled_for=NOW - H)


def test_moving_onto_another_session_is_refused(session, manager):
    session_book_manual(coach=manager, rep=RepFactory(manager=manager), scheduled_for=FRIDAY_14)
    with pytest.raises(DomainError, match="overlaps"):
        session_reschedule(actor=manager, session=session, scheduled_for=FRIDAY_14)
    session.refresh_from_db()
    assert session.scheduled_for == THURSDAY_10


def test_a_clash_names_whose_session_it_is_and_when(session, manager, rep):
    other = RepFactory(manager=manager, first_name="Sheila", last_name="Grant")
    session_book_manual(coach=manager, rep=other, scheduled_for=FRIDAY_14)
    with pytest.raises(DomainError) as refused:
        session_reschedule(actor=manager, session=session, scheduled_for=FRIDAY_14)
    assert "overlaps your coaching session on Fri 13 Mar 14:00 GMT-14:30" in refused.value.message
    with pytest.raises(DomainError) as refused:
        session_reschedule(actor=AdminFactory(), session=session, scheduled_for=FRIDAY_14)
    assert f"overlaps {manager}'s coaching session on Fri 13 Mar 14:00" in refused.value.message


def test_moving_within_its_own_time_is_not_an_overlap(session, manager):
    later = THURSDAY_10 + dt.timedelta(minutes=15)
    assert (
        session_reschedule(actor=manager, session=session, scheduled_for=later).scheduled_for
        == later
    )


def test_another_manager_cannot_move_it(session):
    with pytest.raises(DomainError, match="Only the coach"):
        session_reschedule(actor=ManagerFactory(), session=session, scheduled_for=FRIDAY_14)


# --- cancelling ---------------------------------------------------------------------------------


def test_cancelling_cancels_pending_reminders_and_tells_the_rep(session, manager, rep):
    booked = Reminder.objects.filter(kind="session_booked")
    booked.update(status=Reminder.Status.SENT)
    session_cancel(actor=manager, session=session, reason="Offsite day")

    session.refresh_from_db()
    assert session.status == CoachingSession.Status.CANCELLED
    assert set(booked.values_list("status", flat=True)) == {"sent"}
    assert set(
        Reminder.objects.filter(
            kind__in=["session_24h", "session_1h", "session_hold_overdue"]
        ).values_list("status", flat=True)
    ) == {"cancelled"}
    notice = Reminder.objects.filter(kind="session_cancelled")
    assert {r.recipient for r in notice} == {rep}
    assert notice.first().payload["reason"] == "Offsite day"
    assert set(notice.values_list("status", flat=True)) == {"pending"}


def test_cancelling_twice_is_a_conflict(session, manager):
    session_cancel(actor=manager, session=session, reason="A customer visit")
    with pytest.raises(Conflict):
        session_cancel(actor=manager, session=session, reason="A customer visit")


def test_another_manager_cannot_cancel(session):
    with pytest.raises(DomainError):
        session_cancel(actor=ManagerFactory(), session=session, reason="A customer visit")
    session.refresh_from_db()
    assert session.status == "scheduled"


# --- reflecting ---------------------------------------------------------------------------------


def test_the_rep_writes_a_reflection(session, rep):
    session_reflect(rep=rep, session=session, reflection="  I rushed the close.  ")
    session.refresh_from_db()
    assert session.reflection == "I rushed the close."


def test_only_the_rep_reflects(session, manager):
    with pytest.raises(DomainError, match="Only the rep"):
        session_reflect(rep=manager, session=session, reflection="x")


def test_no_reflection_after_the_session_is_held(started, session, manager, rep):
    session_hold(actor=manager, session=session, notes=NOTE)
    with pytest.raises(Conflict):
        session_reflect(rep=rep, session=session, reflection="late")


# --- holding ------------------------------------------------------------------------------------


@pytest.fixture
def skill(db):
    return SkillFactory(slug="closing", name="Closing")


def test_holding_records_notes_observations_and_commitments(session, manager, rep, skill, clock):
    clock.set(THURSDAY_10 + dt.timedelta(minutes=35))
    session_hold(
        actor=manager,
        session=session,
        notes="Strong opening. ",
        private_notes="Needs confidence",
        observations=[
            {"skill": skill.pk, "rating": 4, "evidence": "Asked for the order"},
            {"skill": skill, "rating": 2, "evidence": "Role-play", "source": "role_play"},
        ],
        commitments=[
            {"text": "Ask for the order on 3 calls", "skill": skill.pk, "due_date": "2026-03-20"}
        ],
    )
    session.refresh_from_db()
    assert session.status == "held" and session.held_at == clock.now
    assert session.shared_notes == "Strong opening." and session.private_notes == "Needs confidence"
    assert sorted(
        Observation.objects.values_list("rep", "observer", "session", "skill", "rating", "source")
    ) == [
        (rep.pk, manager.pk, session.pk, skill.pk, 2, "role_play"),
        (rep.pk, manager.pk, session.pk, skill.pk, 4, "session"),
    ]
    commitment = Commitment.objects.get()
    assert (commitment.rep, commitment.session, commitment.skill) == (rep, session, skill)
    assert commitment.due_date == dt.date(2026, 3, 20) and commitment.status == "open"


def test_each_commitment_is_reminded_at_nine_the_day_before_in_the_rep_s_zone(
    clock, manager, skill
):
    rep = RepFactory(manager=manager, timezone="America/New_York")
    # 10:00 in London is before the rep's working day in New York: booked anyway.
    session = session_book_manual(
        coach=manager, rep=rep, scheduled_for=THURSDAY_10, outside_hours_confirmed=True
    )
    clock.set(THURSDAY_10)
    session_hold(
        actor=manager,
        session=session,
        notes=NOTE,
        commitments=[
            {"text": "Prospect 20 accounts", "skill": None, "due_date": dt.date(2026, 3, 20)}
        ],
    )
    reminders = Reminder.objects.filter(kind="commitment_due")
    assert {(r.recipient, r.channel, r.due_at) for r in reminders} == {
        (rep, "in_app", at(NEW_YORK, 2026, 3, 19, 9)),
        (rep, "email", at(NEW_YORK, 2026, 3, 19, 9)),
    }
    assert reminders.first().commitment == Commitment.objects.get()


def test_a_commitment_due_tomorrow_made_in_the_afternoon_is_reminded_at_once(
    session, manager, clock
):
    clock.set(at(LONDON, 2026, 3, 12, 15))
    session_hold(
        actor=manager,
        session=session,
        notes=NOTE,
        commitments=[{"text": "Call Acme", "skill": None, "due_date": dt.date(2026, 3, 13)}],
    )
    assert {r.due_at for r in Reminder.objects.filter(kind="commitment_due")} == {clock.now}


def test_holding_cancels_the_hold_overdue_nudge_and_pre_session_reminders(started, manager):
    session_hold(actor=manager, session=started, notes=NOTE)
    assert not pending(kind__in=["session_hold_overdue", "session_24h", "session_1h"]).exists()


def test_a_second_hold_is_a_conflict_and_writes_nothing(started, session, manager, skill):
    session_hold(actor=manager, session=session, notes=NOTE)
    with pytest.raises(Conflict):
        session_hold(
            actor=manager,
            session=session,
            notes="twice",
            observations=[{"skill": skill, "rating": 3}],
        )
    session.refresh_from_db()
    assert session.shared_notes == NOTE and not Observation.objects.exists()


@pytest.mark.parametrize("rating", [0, 6, -1, "3", 3.5, True, None])
def test_a_rating_outside_one_to_five_writes_nothing(started, session, manager, skill, rating):
    before = set(Reminder.objects.values_list("pk", "status", "due_at"))
    with pytest.raises(DomainError, match="1 to 5"):
        session_hold(
            actor=manager,
            session=session,
            notes="x",
            observations=[{"skill": skill, "rating": 3}, {"skill": skill, "rating": rating}],
            commitments=[{"text": "t", "skill": skill, "due_date": "2026-03-20"}],
        )
    session.refresh_from_db()
    assert session.status == "scheduled" and session.shared_notes == ""
    assert not Observation.objects.exists() and not Commitment.objects.exists()
    assert set(Reminder.objects.values_list("pk", "status", "due_at")) == before


@pytest.mark.parametrize(
    ("observations", "commitments", "message"),
    [
        ([{"skill": 999999, "rating": 3}], [], "does not exist"),
        ([{"rating": 3}], [], "needs a skill"),
        ([{"skill": "x", "rating": 3}], [], "not a skill"),
        ([{"skill": None, "rating": 3, "source": "gossip"}], [], "needs a skill"),
        ([], [{"text": "", "due_date": "2026-03-20"}], "needs a text"),
        ([], [{"text": "t", "due_date": "2026-03-01"}], "has passed"),
        ([], [{"text": "t", "due_date": "soon"}], "not a date"),
        ([], [{"text": "t"}], "needs a due date"),
    ],
)
def test_bad_hold_input_is_refused(started, session, manager, observations, commitments, message):
    with pytest.raises(DomainError, match=message):
        session_hold(
            actor=manager,
            session=session,
            notes=NOTE,
            observations=observations,
            commitments=commitments,
        )
    session.refresh_from_db()
    assert session.status == "scheduled"


def test_an_unknown_observation_source_is_refused(started, session, manager, skill):
    with pytest.raises(DomainError, match="kind of observation"):
        session_hold(
            actor=manager,
            session=session,
            notes=NOTE,
            observations=[{"skill": skill, "rating": 3, "source": "gossip"}],
        )


@pytest.mark.parametrize("who", ["rep", "other_manager"])
def test_only_the_coach_or_an_admin_holds(session, rep, who):
    actor = rep if who == "rep" else ManagerFactory()
    with pytest.raises(DomainError, match="coach or an admin"):
        session_hold(actor=actor, session=session, notes=NOTE)


def test_an_admin_may_hold_and_observes_in_their_own_name(started, session, skill):
    admin = AdminFactory()
    session_hold(
        actor=admin, session=session, notes="", observations=[{"skill": skill, "rating": 5}]
    )
    assert Observation.objects.get().observer == admin


def test_a_missed_session_can_still_be_recorded_as_held(session, manager, clock):
    CoachingSession.objects.filter(pk=session.pk).update(status="missed")
    clock.set(THURSDAY_10 + GRACE + H)
    assert session_hold(actor=manager, session=session, notes=NOTE).status == "held"


def test_a_cancelled_session_cannot_be_held(session, manager):
    session_cancel(actor=manager, session=session, reason="A customer visit")
    with pytest.raises(Conflict, match="cancelled"):
        session_hold(actor=manager, session=session, notes=NOTE)


def test_new_commitments_join_the_agenda_of_the_next_session(session, manager, rep, clock):
    following = session_book_manual(coach=manager, rep=rep, scheduled_for=FRIDAY_14)
    clock.set(THURSDAY_10 + dt.timedelta(minutes=35))
    session_hold(
        actor=manager,
        session=session,
        notes=NOTE,
        commitments=[{"text": "Call Acme", "skill": None, "due_date": "2026-03-20"}],
    )
    following.refresh_from_db()
    assert [c["text"] for c in following.agenda["commitments"]] == ["Call Acme"]


# --- missed sessions ----------------------------------------------------------------------------


def test_a_session_is_missed_once_its_end_plus_grace_has_passed(session, manager, rep):
    grace_over = THURSDAY_10 + dt.timedelta(minutes=30) + GRACE
    assert sessions_mark_missed(now=grace_over - dt.timedelta(minutes=1)) == 0
    assert sessions_mark_missed(now=grace_over) == 1

    session.refresh_from_db()
    assert session.status == CoachingSession.Status.MISSED
    assert {(r.recipient, r.channel) for r in Reminder.objects.filter(kind="session_missed")} == {
        (manager, "in_app"),
        (manager, "email"),
        (rep, "in_app"),
        (rep, "email"),
    }
    assert set(
        Reminder.objects.filter(kind="session_hold_overdue").values_list("status", flat=True)
    ) == {"cancelled"}


def test_marking_missed_again_changes_nothing(session):
    later = THURSDAY_10 + GRACE + 24 * H
    assert sessions_mark_missed(now=later) == 1
    count = Reminder.objects.count()
    assert sessions_mark_missed(now=later) == 0
    assert Reminder.objects.count() == count


def test_held_and_cancelled_sessions_are_never_missed(clock, manager, rep):
    held = session_book_manual(coach=manager, rep=rep, scheduled_for=THURSDAY_10)
    cancelled = session_book_manual(coach=manager, rep=rep, scheduled_for=FRIDAY_14)
    clock.set(THURSDAY_10)
    session_hold(actor=manager, session=held, notes=NOTE)
    session_cancel(actor=manager, session=cancelled, reason="A customer visit")
    assert sessions_mark_missed(now=FRIDAY_14 + 48 * H) == 0


def test_a_long_session_is_missed_only_after_its_own_end(clock, manager, rep):
    session = session_book_manual(
        coach=manager, rep=rep, scheduled_for=THURSDAY_10, duration_minutes=120
    )
    assert sessions_mark_missed(now=THURSDAY_10 + 2 * H + GRACE - H) == 0
    assert sessions_mark_missed(now=THURSDAY_10 + 2 * H + GRACE) == 1
    session.refresh_from_db()
    assert session.status == "missed"


def test_a_session_without_a_coach_is_missed_with_word_to_the_rep_only(clock):
    rep = RepFactory(manager=None)
    session = session_with(rep, coach=None, scheduled_for=NOW - GRACE - 2 * H)
    assert session.coach is None
    assert sessions_mark_missed(now=NOW) == 1
    assert {r.recipient for r in Reminder.objects.filter(kind="session_missed")} == {rep}


# --- the calendar SEQUENCE ----------------------------------------------------------------------


def _sequence(session):
    session.refresh_from_db()
    return session.sequence


def test_a_new_session_starts_at_sequence_zero(session):
    assert _sequence(session) == 0


def test_every_move_raises_the_sequence_and_a_no_op_move_does_not(session, manager):
    session_reschedule(actor=manager, session=session, scheduled_for=FRIDAY_14)
    assert _sequence(session) == 1
    session_reschedule(actor=manager, session=session, scheduled_for=FRIDAY_14)
    assert _sequence(session) == 1
    session_reschedule(actor=manager, session=session, scheduled_for=THURSDAY_10)
    assert _sequence(session) == 2


def test_cancelling_raises_the_sequence(session, manager):
    session_reschedule(actor=manager, session=session, scheduled_for=FRIDAY_14)
    session_cancel(actor=manager, session=session, reason="A customer visit")
    assert _sequence(session) == 2


def test_holding_raises_the_sequence_and_a_reflection_does_not(session, manager, rep, clock):
    session_reflect(rep=rep, session=session, reflection="Ready")
    assert _sequence(session) == 0
    clock.set(THURSDAY_10)
    session_hold(actor=manager, session=session, notes=NOTE)
    assert _sequence(session) == 1


def test_marking_missed_raises_the_sequence_once(session):
    later = THURSDAY_10 + GRACE + 24 * H
    sessions_mark_missed(now=later)
    sessions_mark_missed(now=later)
    assert _sequence(session) == 1
