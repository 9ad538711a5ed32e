"""The follow-up flow (DESIGN §5 step 2), driven by completing modules through the lms services."""

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import connection, transaction

from coaching.models import CoachingPlan, CoachingSession, Commitment, Reminder
from coaching.reminders import schedule as reminders
from coaching.sessions import follow_up as follow_up_services
from coaching.sessions.follow_up import follow_up_book
from coaching.sessions.plans import plan_archive, plan_for_rep, plan_update
from coaching.sessions.selectors import sessions_without_coach
from config.errors import Conflict, DomainError
from lms.models import ModuleCompletion
from lms.services import attempt_start, attempt_submit, lesson_complete, module_completion_check
from tests.coaching.factories import (
    LONDON,
    NEW_YORK,
    UTC,
    CommitmentFactory,
    at,
    complete_module,
    freeze,
    reminder_rows,
    session_with,
)
from tests.conftest import wait_for
from tests.factories import (
    AdminFactory,
    ManagerFactory,
    RepFactory,
    SkillFactory,
    build_module,
    correct_answers,
)

pytestmark = pytest.mark.django_db

TUESDAY_10 = dt.datetime(2026, 3, 10, 10, tzinfo=UTC)  # London is on GMT: 10:00 local too


def follow_up_of(session: CoachingSession) -> dict:
    """What the booking receiver answers: the session, its time and its address."""
    return {
        "follow_up_session": session.pk,
        "follow_up_at": session.scheduled_for,
        "follow_up_url": f"/coaching/sessions/{session.pk}/",
    }


@pytest.fixture
def manager():
    return ManagerFactory(username="maria", timezone="Europe/London")


@pytest.fixture
def rep(manager):
    return RepFactory(username="john", manager=manager, timezone="Europe/London")


@pytest.fixture
def module():
    return build_module(questions=3)


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch, TUESDAY_10)


# --- booking ------------------------------------------------------------------------------------


def test_passing_the_quiz_books_one_follow_up_with_the_manager(clock, rep, manager, module):
    result = complete_module(rep, module, failed_first=1)

    session = CoachingSession.objects.get()
    assert result.follow_up == follow_up_of(session)
    assert session.rep == rep and session.coach == manager
    assert session.scheduled_for == at(LONDON, 2026, 3, 10, 12)
    assert session.duration_minutes == 30
    assert session.status == CoachingSession.Status.SCHEDULED
    assert session.source == CoachingSession.Source.AFTER_TRAINING
    assert session.completion == ModuleCompletion.objects.get(user=rep, module=module)
    assert session.module == module
    assert session.late is False
    assert session.focus_skill.slug == "closing"
    assert session.plan.rep == rep and session.plan.coach == manager
    assert session.plan.status == CoachingPlan.Status.ACTIVE


def test_the_agenda_carries_the_coaching_guide_and_the_missed_questions(clock, rep, module):
    complete_module(rep, module, failed_first=1)  # the first question wrong in attempt one

    agenda = CoachingSession.objects.get().agenda
    first = module.quiz.questions.get(position=1)
    closing = {"id": first.skill_id, "name": "Closing"}
    assert agenda["module"] == {
        "id": module.pk,
        "title": module.title,
        "course": module.course.title,
    }
    assert agenda["score"] == 100
    assert agenda["skills"] == [closing]
    assert agenda["questions_to_ask"] == ["What did you try on your last call?"]
    assert agenda["behaviours_to_observe"] == ["Asks an open question first"]
    assert agenda["practice_task"] == "Role-play the opening twice."
    assert agenda["missed_questions"] == [
        {"id": first.pk, "prompt": first.prompt, "explanation": "Because.", "skill": closing}
    ]
    assert agenda["missed_skills"] == [closing]
    assert agenda["commitments"] == []


def test_questions_missed_in_the_passing_attempt_are_listed_too(clock, rep):
    module = build_module(questions=5)  # 4 of 5 is 80 %: a pass with one wrong
    complete_module(rep, module, wrong_when_passing=1)
    agenda = CoachingSession.objects.get().agenda
    assert [q["id"] for q in agenda["missed_questions"]] == [
        module.quiz.questions.get(position=1).pk
    ]
    assert agenda["score"] == 80


def test_a_perfect_pass_has_no_missed_questions_and_focuses_on_the_module_skill(clock, rep, module):
    complete_module(rep, module)
    session = CoachingSession.objects.get()
    assert session.agenda["missed_questions"] == [] and session.agenda["missed_skills"] == []
    assert session.focus_skill == module.skills.get()


def test_the_reminder_rows_are_written_for_coach_and_rep(clock, rep, manager, module):
    complete_module(rep, module)
    start = at(LONDON, 2026, 3, 10, 12)

    assert reminder_rows() == {
        ("session_booked", "maria", TUESDAY_10),
        ("session_booked", "john", TUESDAY_10),
        # 24 h before was yesterday: skipped.
        ("session_1h", "maria", start - dt.timedelta(hours=1)),
        ("session_1h", "john", start - dt.timedelta(hours=1)),
        (
            "session_hold_overdue",
            "maria",
            start + dt.timedelta(minutes=30, hours=settings.COACHING_HOLD_NUDGE_HOURS),
        ),
    }
    # One row per channel, every one pending; reinforcement waits for the memory to fade.
    assert Reminder.objects.count() == 10
    assert set(Reminder.objects.values_list("channel", flat=True)) == {"in_app", "email"}
    assert set(Reminder.objects.values_list("status", flat=True)) == {"pending"}


def test_reminder_payloads_and_dedupe_keys(clock, rep, manager, module):
    complete_module(rep, module)
    session = CoachingSession.objects.get()
    booked = Reminder.objects.get(kind="session_booked", recipient=rep, channel="email")
    assert booked.payload == {"calendar_invite": True}
    assert booked.session == session
    assert booked.dedupe_key == f"session:{session.pk}:booked:{rep.pk}:email"
    hold = Reminder.objects.get(kind="session_hold_overdue", channel="in_app")
    assert hold.dedupe_key == f"session:{session.pk}:hold_overdue:{manager.pk}:in_app"


def test_a_session_far_enough_ahead_gets_its_24_hour_reminders(monkeypatch, rep, manager, module):
    freeze(monkeypatch, at(LONDON, 2026, 3, 13, 18))  # Friday evening → Monday 09:00
    complete_module(rep, module)
    session = CoachingSession.objects.get()
    assert session.scheduled_for == at(LONDON, 2026, 3, 16, 9)
    assert session.late is True
    due = {r[0:2]: r[2] for r in reminder_rows(kind="session_24h")}
    assert due == {
        ("session_24h", "maria"): at(LONDON, 2026, 3, 15, 9),
        ("session_24h", "john"): at(LONDON, 2026, 3, 15, 9),
    }


def test_the_session_is_in_the_coach_s_working_hours_not_the_rep_s(monkeypatch, module):
    coach = ManagerFactory(timezone="America/New_York")
    rep = RepFactory(manager=coach, timezone="Europe/London")
    freeze(monkeypatch, dt.datetime(2026, 3, 17, 10, tzinfo=UTC))  # 06:00 in New York
    complete_module(rep, module)
    assert CoachingSession.objects.get().scheduled_for == at(NEW_YORK, 2026, 3, 17, 9)


def test_completing_just_before_the_clocks_change_books_monday_in_local_hours(
    monkeypatch, rep, module
):
    freeze(monkeypatch, at(LONDON, 2026, 3, 27, 16))  # Friday; BST starts on Sunday
    complete_module(rep, module)
    session = CoachingSession.objects.get()
    assert session.scheduled_for == dt.datetime(2026, 3, 30, 8, tzinfo=UTC)  # 09:00 BST
    assert session.late is True


def test_a_coach_in_new_york_across_the_november_change(monkeypatch, module):
    coach = ManagerFactory(timezone="America/New_York")
    rep = RepFactory(manager=coach)
    freeze(monkeypatch, at(NEW_YORK, 2026, 10, 30, 15, 30))
    complete_module(rep, module)
    assert CoachingSession.objects.get().scheduled_for == dt.datetime(2026, 11, 2, 14, tzinfo=UTC)


def test_the_coach_s_existing_sessions_are_not_overlapped(clock, rep, manager, module):
    session_with(RepFactory(manager=manager), scheduled_for=at(LONDON, 2026, 3, 10, 12))
    complete_module(rep, module)
    assert CoachingSession.objects.get(rep=rep).scheduled_for == at(LONDON, 2026, 3, 10, 12, 30)


def test_a_full_day_for_the_coach_books_the_next_day(clock, rep, manager, module, settings):
    settings.COACHING_BUDGET_HOURS = 40  # the daily cap's rule, not the weekly budget's
    for hour in (9, 10, 13, 14, 15, 16):
        session_with(RepFactory(manager=manager), scheduled_for=at(LONDON, 2026, 3, 10, hour))
    complete_module(rep, module)
    assert CoachingSession.objects.get(rep=rep).scheduled_for == at(LONDON, 2026, 3, 11, 9)


def test_a_coach_booked_solid_still_gets_the_follow_up_flagged_late(
    clock, rep, manager, module, settings
):
    settings.COACHING_MAX_SESSIONS_PER_DAY = 1
    settings.COACHING_BUDGET_HOURS = 40  # booked solid by the calendar, not by the budget
    for day in range(9, 32):  # one session every day through the horizon and beyond
        session_with(RepFactory(manager=manager), scheduled_for=at(LONDON, 2026, 3, day, 16))
    for day in range(1, 31):
        session_with(RepFactory(manager=manager), scheduled_for=at(LONDON, 2026, 4, day, 16))
    for day in range(1, 30):
        session_with(RepFactory(manager=manager), scheduled_for=at(LONDON, 2026, 5, day, 16))
    complete_module(rep, module)
    session = CoachingSession.objects.get(rep=rep)
    assert session.late is True
    assert session.scheduled_for == at(LONDON, 2026, 3, 10, 12)


def test_a_rep_with_no_manager_gets_a_session_without_a_coach_in_their_zone(monkeypatch, module):
    rep = RepFactory(username="solo", manager=None, timezone="America/Chicago")
    freeze(monkeypatch, TUESDAY_10)  # 05:00 in Chicago (CDT)
    result = complete_module(rep, module)

    session = CoachingSession.objects.get()
    assert result.follow_up == follow_up_of(session)
    assert session.coach is None and session.plan.coach is None
    assert session.scheduled_for == dt.datetime(2026, 3, 10, 14, tzinfo=UTC)  # 09:00 CDT
    assert list(sessions_without_coach(user=AdminFactory())) == [session]
    assert {row[:2] for row in reminder_rows()} == {
        ("session_booked", "solo"),
        ("session_1h", "solo"),
    }


def test_a_manager_who_has_left_is_no_coach(clock, module):
    gone = ManagerFactory(is_active=False)
    rep = RepFactory(manager=gone)
    complete_module(rep, module)
    assert CoachingSession.objects.get().coach is None


def test_a_module_without_a_quiz_is_followed_up_too(clock, rep, manager):
    module = build_module(questions=0)
    for lesson in module.lessons.all():
        outcome = lesson_complete(user=rep, lesson=lesson)
    session = CoachingSession.objects.get()
    assert outcome.completion.follow_up == follow_up_of(session)
    assert session.agenda["missed_questions"] == [] and session.agenda["score"] is None


# --- exactly one follow-up ------------------------------------------------------------------


def test_retaking_a_passed_quiz_books_no_second_follow_up(clock, rep, module):
    complete_module(rep, module)
    again = attempt_start(user=rep, quiz=module.quiz)
    result = attempt_submit(attempt=again, answers=correct_answers(again))
    assert result.passed and not result.module_completed and result.follow_up == {}
    assert CoachingSession.objects.count() == 1
    assert Reminder.objects.filter(kind="session_booked").count() == 4


def test_a_second_completion_check_books_nothing_more(clock, rep, module):
    complete_module(rep, module)
    outcome = module_completion_check(user=rep, module=module)
    assert outcome.created is False
    assert CoachingSession.objects.count() == 1


def test_booking_the_same_completion_twice_returns_the_same_session(clock, rep, module):
    complete_module(rep, module)
    completion = ModuleCompletion.objects.get()
    first = CoachingSession.objects.get()
    count = Reminder.objects.count()
    assert follow_up_book(completion=completion) == first
    assert CoachingSession.objects.count() == 1 and Reminder.objects.count() == count


def test_a_rolled_back_completion_leaves_no_session_no_reminders_and_enqueues_nothing(
    clock, rep, module, monkeypatch, django_capture_on_commit_callbacks
):
    kicks = []
    monkeypatch.setattr(reminders, "_kick_dispatcher", lambda: kicks.append(True))

    class Boom(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        complete_module(rep, module)
        assert CoachingSession.objects.count() == 1  # booked inside the transaction
        raise Boom
    assert callbacks == [] and kicks == []
    assert not ModuleCompletion.objects.exists()
    assert not CoachingSession.objects.exists()
    assert not Reminder.objects.exists()
    assert not CoachingPlan.objects.exists()


def test_a_committed_completion_wakes_the_dispatcher_after_commit(
    clock, rep, module, monkeypatch, django_capture_on_commit_callbacks
):
    kicks = []
    monkeypatch.setattr(reminders, "_kick_dispatcher", lambda: kicks.append(True))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        complete_module(rep, module)
        assert kicks == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert kicks  # the booking notices are due now


# --- the agenda's commitments ---------------------------------------------------------------


def test_open_and_recently_missed_commitments_are_on_the_agenda(clock, rep, manager, module):
    held = session_with(rep, status="held", held_at=TUESDAY_10 - dt.timedelta(days=7))
    open_one = CommitmentFactory(session=held, rep=rep, text="Call three lapsed clients")
    missed = CommitmentFactory(
        session=held, rep=rep, status="missed", resolved_at=TUESDAY_10 - dt.timedelta(days=1)
    )
    CommitmentFactory(session=held, rep=rep, status="kept", resolved_at=TUESDAY_10)
    # Missed before the last held session: discussed there already.
    CommitmentFactory(
        session=held, rep=rep, status="missed", resolved_at=TUESDAY_10 - dt.timedelta(days=8)
    )
    complete_module(rep, module)
    listed = CoachingSession.objects.get(source="after_training").agenda["commitments"]
    assert [(c["id"], c["status"]) for c in listed] == sorted(
        [(open_one.pk, "open"), (missed.pk, "missed")],
        key=lambda pair: Commitment.objects.get(pk=pair[0]).due_date,
    )
    assert listed[0]["text"] and listed[0]["due_date"] and listed[0]["skill"]["name"]


# --- plans --------------------------------------------------------------------------------------


def test_the_first_follow_up_opens_a_plan_seeded_with_the_module_skills(clock, rep, module):
    complete_module(rep, module)
    plan = CoachingPlan.objects.get(rep=rep)
    assert list(plan.focus_skills.all()) == list(module.skills.all())


def test_later_follow_ups_reuse_the_plan_and_keep_its_focus(clock, rep, module):
    complete_module(rep, module)
    other = build_module(questions=3, skill=SkillFactory(slug="prospecting", name="Prospecting"))
    complete_module(rep, other)
    plan = CoachingPlan.objects.get(rep=rep)
    assert plan.sessions.count() == 2
    assert list(plan.focus_skills.values_list("slug", flat=True)) == ["closing"]
    times = list(plan.sessions.values_list("scheduled_for", flat=True))
    assert times == [at(LONDON, 2026, 3, 10, 12), at(LONDON, 2026, 3, 10, 12, 30)]


def test_a_new_manager_takes_over_the_plan_at_the_next_follow_up(clock, rep, module):
    complete_module(rep, module)
    newcomer = ManagerFactory()
    rep.manager = newcomer
    rep.save()
    complete_module(rep, build_module(skill=SkillFactory(slug="discovery")))
    plan = CoachingPlan.objects.get(rep=rep)
    assert plan.coach == newcomer
    assert plan.sessions.order_by("pk").last().coach == newcomer


def test_plan_for_rep_finds_or_opens_one_active_plan(rep, manager):
    plan = plan_for_rep(rep=rep)
    assert plan_for_rep(rep=rep) == plan
    assert plan.coach == manager and plan.status == "active"


def test_the_rep_writes_their_goals_and_nobody_else(rep, manager):
    plan = plan_for_rep(rep=rep)
    plan_update(actor=rep, plan=plan, goals="  Close two deals a month  ")
    plan.refresh_from_db()
    assert plan.goals == "Close two deals a month"
    with pytest.raises(DomainError, match="rep writes their own goals"):
        plan_update(actor=manager, plan=plan, goals="Mine")


def test_the_coach_chooses_focus_skills_and_the_rep_cannot(rep, manager):
    plan = plan_for_rep(rep=rep)
    skills = [SkillFactory(slug="discovery"), SkillFactory(slug="closing")]
    plan_update(actor=manager, plan=plan, focus_skill_ids=[s.pk for s in skills])
    assert set(plan.focus_skills.all()) == set(skills)
    with pytest.raises(DomainError, match="coach or an admin"):
        plan_update(actor=rep, plan=plan, focus_skill_ids=[])
    with pytest.raises(DomainError, match="coach or an admin"):
        plan_update(actor=ManagerFactory(), plan=plan, focus_skill_ids=[])
    plan_update(actor=AdminFactory(), plan=plan, focus_skill_ids=[skills[0].pk])
    assert list(plan.focus_skills.all()) == [skills[0]]


def test_an_unknown_focus_skill_is_refused(rep, manager):
    plan = plan_for_rep(rep=rep)
    with pytest.raises(DomainError, match="does not exist"):
        plan_update(actor=manager, plan=plan, focus_skill_ids=[999999])


def test_archiving_a_plan_once_and_the_next_follow_up_opens_a_new_one(clock, rep, manager, module):
    plan = plan_for_rep(rep=rep)
    with pytest.raises(DomainError):
        plan_archive(actor=rep, plan=plan)
    plan_archive(actor=manager, plan=plan)
    with pytest.raises(Conflict):
        plan_archive(actor=manager, plan=plan)
    with pytest.raises(DomainError, match="archived"):
        plan_update(actor=rep, plan=CoachingPlan.objects.get(pk=plan.pk), goals="x")
    complete_module(rep, module)
    assert CoachingSession.objects.get().plan != plan
    assert CoachingPlan.objects.filter(rep=rep, status="active").count() == 1


# --- two completions for one coach at once (PostgreSQL) ----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_reps_completing_at_once_never_share_their_coach_s_slot(monkeypatch, manager):
    """The first booking holds the coach's calendar until the database shows the second one
    waiting for it; the second then sees the first session and takes the next slot."""
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite lets one writer in at a time, so no race there.")
    freeze(monkeypatch, TUESDAY_10)
    # Two modules: submits of one quiz already take turns on its rows in the training app.
    work = [
        (RepFactory(manager=manager), build_module()),
        (RepFactory(manager=manager), build_module(skill=SkillFactory(slug="discovery"))),
    ]
    real_slot = follow_up_services._follow_up_slot
    first = threading.Lock()

    def slot_then_wait(**kwargs):
        slot = real_slot(**kwargs)
        if first.acquire(blocking=False):
            wait_for(someone_waits_on_a_lock, timeout=10, message="no second booking waited")
        return slot

    monkeypatch.setattr(follow_up_services, "_follow_up_slot", slot_then_wait)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def complete(rep, module):
        try:
            barrier.wait(timeout=10)
            complete_module(rep, module)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=complete, args=pair, daemon=True) for pair in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors and not any(thread.is_alive() for thread in threads)
    assert sorted(CoachingSession.objects.values_list("scheduled_for", flat=True)) == [
        at(LONDON, 2026, 3, 10, 12),
        at(LONDON, 2026, 3, 10, 12, 30),
    ]


def someone_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0
