"""Factories and helpers for coaching tests: plans, sessions, commitments, a frozen clock, and
completing a module through the real training services (so the real signal path runs)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from coaching.models import CoachingPlan, CoachingSession, Commitment, Observation, Reminder
from lms.models import Choice
from lms.services import attempt_start, attempt_submit, lesson_complete
from tests.factories import RepFactory, SkillFactory, correct_answers

UTC = dt.UTC
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def at(tz: ZoneInfo, *args: int) -> dt.datetime:
    """A wall-clock time in ``tz`` (``at(LONDON, 2026, 3, 10, 9)``) as an aware UTC instant."""
    return dt.datetime(*args, tzinfo=tz).astimezone(UTC)


class Clock:
    """Frozen ``django.utils.timezone.now`` that a test moves by hand; no sleeping."""

    def __init__(self, monkeypatch, when: dt.datetime):
        self.now = when
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, when: dt.datetime) -> None:
        self.now = when

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


def freeze(monkeypatch, when: dt.datetime) -> Clock:
    return Clock(monkeypatch, when)


# --- completing training ------------------------------------------------------------------------


def wrong_answers(attempt, wrong: int) -> list[dict]:
    """Answers to ``attempt`` with the first ``wrong`` questions answered wrongly."""
    answers = correct_answers(attempt)
    for answer in answers[:wrong]:
        bad = Choice.objects.filter(question_id=answer["question"], is_correct=False).first()
        answer["choices"] = [bad.pk]
    return answers


def complete_module(rep, module, *, failed_first: int = 0, wrong_when_passing: int = 0):
    """Do every lesson, optionally fail one attempt with ``failed_first`` wrong answers, then
    pass the quiz (with ``wrong_when_passing`` wrong answers). Returns the passing result."""
    for lesson in module.lessons.all():
        lesson_complete(user=rep, lesson=lesson)
    if failed_first:
        attempt = attempt_start(user=rep, quiz=module.quiz)
        result = attempt_submit(attempt=attempt, answers=wrong_answers(attempt, failed_first))
        assert not result.passed
    attempt = attempt_start(user=rep, quiz=module.quiz)
    result = attempt_submit(attempt=attempt, answers=wrong_answers(attempt, wrong_when_passing))
    assert result.passed
    return result


# --- coaching rows ------------------------------------------------------------------------------


class CoachingPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoachingPlan
        skip_postgeneration_save = True

    rep = factory.SubFactory(RepFactory)
    coach = factory.LazyAttribute(lambda plan: plan.rep.manager)
    status = CoachingPlan.Status.ACTIVE


def plan_of(rep, coach=None) -> CoachingPlan:
    """The rep's active plan, made when there is none (one active plan per rep)."""
    plan = CoachingPlan.objects.filter(rep=rep, status=CoachingPlan.Status.ACTIVE).first()
    return plan or CoachingPlanFactory(rep=rep, coach=coach or rep.manager)


def session_with(rep, coach=None, **kwargs) -> CoachingSession:
    """A session for ``rep`` in their active plan, led by ``coach`` (default: their manager)."""
    coach = coach if coach is not None else rep.manager
    return CoachingSessionFactory(plan=plan_of(rep, coach), rep=rep, coach=coach, **kwargs)


def session_started(session: CoachingSession, *, minutes_ago: int = 5) -> CoachingSession:
    """``session`` moved to have begun ``minutes_ago``: a record may be written only from just
    before a session starts (``COACHING_HOLD_EARLY_MINUTES``)."""
    start = timezone.now() - dt.timedelta(minutes=minutes_ago)
    CoachingSession.objects.filter(pk=session.pk).update(scheduled_for=start)
    session.refresh_from_db()
    return session


class CoachingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoachingSession

    plan = factory.SubFactory(CoachingPlanFactory)
    rep = factory.LazyAttribute(lambda session: session.plan.rep)
    coach = factory.LazyAttribute(lambda session: session.plan.coach)
    scheduled_for = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=2))
    duration_minutes = 30
    status = CoachingSession.Status.SCHEDULED
    source = CoachingSession.Source.MANUAL
    agenda = factory.LazyFunction(dict)
    private_notes = "Coach's eyes only."


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    session = factory.SubFactory(
        CoachingSessionFactory,
        status=CoachingSession.Status.HELD,
        held_at=factory.LazyFunction(timezone.now),
    )
    rep = factory.LazyAttribute(lambda commitment: commitment.session.rep)
    text = factory.Sequence(lambda n: f"Ask two open questions on call {n}")
    skill = factory.SubFactory(SkillFactory)
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))
    status = Commitment.Status.OPEN


class ObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Observation

    session = factory.SubFactory(
        CoachingSessionFactory,
        status=CoachingSession.Status.HELD,
        held_at=factory.LazyFunction(timezone.now),
    )
    rep = factory.LazyAttribute(lambda observation: observation.session.rep)
    observer = factory.LazyAttribute(lambda observation: observation.session.coach)
    skill = factory.SubFactory(SkillFactory)
    rating = 3
    evidence = "Asked about budget before pitching."
    observed_at = factory.LazyFunction(timezone.now)


class ReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reminder

    recipient = factory.SubFactory(RepFactory)
    kind = Reminder.Kind.SESSION_24H
    channel = Reminder.Channel.IN_APP
    due_at = factory.LazyFunction(timezone.now)
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")


def reminder_rows(**filters) -> set[tuple[str, str, dt.datetime]]:
    """(kind, recipient username, due_at) of matching reminders, channels folded together."""
    return {
        (r.kind, r.recipient.username, r.due_at)
        for r in Reminder.objects.filter(**filters).select_related("recipient")
    }
