"""Reinforcement (due rules, daily cap, question choice, answers, expiry) and coaching on decay."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.http import Http404
from fsrs import Rating

from coaching.models import (
    CoachingSession,
    Reinforcement,
    ReinforcementAnswer,
    Reminder,
    SkillMemory,
)
from coaching.sessions import decay as decay_service
from coaching.sessions.decay import decay_coaching_propose, skill_upkeep_run
from coaching.sessions.services import session_cancel
from coaching.skills.memory import memory_review, retention_forecast
from coaching.skills.refreshers import (
    reinforcement_answer,
    reinforcement_questions_pick,
    reinforcements_due,
    reinforcements_expire,
)
from coaching.skills.selectors import (
    reinforcement_for,
    reinforcement_questions,
    reinforcements_pending_for,
)
from config.errors import Conflict, DomainError
from lms.models import Choice, Course, Question
from tests.coaching.factories import (
    LONDON,
    NEW_YORK,
    at,
    complete_module,
    freeze,
    session_with,
)
from tests.coaching.memory_support import T0, days, memory_receiver  # noqa: F401 - a fixture
from tests.factories import (
    CourseFactory,
    ManagerFactory,
    ModuleFactory,
    QuizFactory,
    RepFactory,
    SkillFactory,
    build_module,
    question_with_choices,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return ManagerFactory(username="maria", timezone="Europe/London")


@pytest.fixture
def rep(manager):
    return RepFactory(username="john", manager=manager, timezone="Europe/London")


@pytest.fixture
def closing():
    return SkillFactory(slug="closing", name="Closing")


@pytest.fixture
def rapport():
    return SkillFactory(slug="rapport", name="Rapport")


@pytest.fixture
def module(closing):
    return build_module(skill=closing, questions=5, pass_mark=60)


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch, T0)


def right(question_id: int) -> dict:
    return {"question": question_id, "choices": [_choice(question_id, True)]}


def wrong(question_id: int) -> dict:
    return {"question": question_id, "choices": [_choice(question_id, False)]}


def _choice(question_id: int, correct: bool) -> int:
    return Choice.objects.filter(question_id=question_id, is_correct=correct).first().pk


def answer_all(reinforcement, *, correct: int | None = None, now=None):
    """Answer the first ``correct`` questions right (all by default) and the rest wrong."""
    ids = reinforcement.question_ids
    correct = len(ids) if correct is None else correct
    answers = [right(q) if i < correct else wrong(q) for i, q in enumerate(ids)]
    return reinforcement_answer(
        rep=reinforcement.rep, reinforcement=reinforcement, answers=answers, now=now
    )


def memory_of(rep, skill) -> SkillMemory:
    return SkillMemory.objects.get(rep=rep, skill=skill)


# --- when a reinforcement is due -------------------------------------------------------------


@pytest.mark.usefixtures("memory_receiver")
def test_a_reinforcement_opens_when_forecast_recall_falls_below_the_target(
    rep, closing, module, clock, settings
):
    complete_module(rep, module)
    memory = memory_of(rep, closing)
    due = memory.next_due_at
    assert retention_forecast(memory=memory, at=due) < settings.REINFORCEMENT_TARGET_RECALL
    assert reinforcements_due(now=due - dt.timedelta(seconds=1)) == []

    clock.set(due)
    [reinforcement] = reinforcements_due(now=due)
    assert reinforcement.rep == rep and reinforcement.skill == closing
    assert reinforcement.status == Reinforcement.Status.PENDING
    assert 1 <= len(reinforcement.question_ids) <= 3
    assert set(reinforcement.question_ids) <= set(
        module.quiz.questions.values_list("pk", flat=True)
    )
    assert reinforcement.due_at == due  # a weekday morning in London: right away
    assert reinforcement.expires_at == due + dt.timedelta(hours=48)
    reminders = Reminder.objects.filter(kind=Reminder.Kind.REINFORCEMENT_DUE, recipient=rep)
    ours = reminders.filter(payload__reinforcement=reinforcement.pk)
    assert {r.channel for r in ours} == {Reminder.Channel.IN_APP, Reminder.Channel.EMAIL}
    assert all(r.due_at == due and r.status == Reminder.Status.PENDING for r in ours)
    assert "Closing" in ours[0].payload["title"]


@pytest.mark.usefixtures("memory_receiver")
def test_running_again_opens_nothing_more(rep, closing, module, clock):
    complete_module(rep, module)
    due = memory_of(rep, closing).next_due_at
    assert len(reinforcements_due(now=due)) == 1
    assert reinforcements_due(now=due) == []
    # Still pending the next day: one open reinforcement per skill.
    assert reinforcements_due(now=due + days(1)) == []
    assert Reinforcement.objects.count() == 1


def test_a_rep_gets_one_a_day_weakest_skill_first(rep, closing, rapport):
    build_module(skill=closing, questions=3)
    build_module(skill=rapport, questions=3)
    memory_review(rep=rep, skill=rapport, rating=Rating.Good, at=T0)
    memory_review(rep=rep, skill=closing, rating=Rating.Again, at=T0)
    now = T0 + days(10)
    [first] = reinforcements_due(now=now)
    assert first.skill == closing
    assert reinforcements_due(now=now + dt.timedelta(hours=5)) == []  # same day
    [second] = reinforcements_due(now=now + days(1))
    assert second.skill == rapport


def test_the_daily_cap_is_a_setting(rep, closing, rapport, settings):
    settings.REINFORCEMENT_MAX_PER_DAY = 2
    build_module(skill=closing, questions=3)
    build_module(skill=rapport, questions=3)
    memory_review(rep=rep, skill=rapport, rating=Rating.Good, at=T0)
    memory_review(rep=rep, skill=closing, rating=Rating.Again, at=T0)
    assert {r.skill for r in reinforcements_due(now=T0 + days(10))} == {closing, rapport}


def test_the_daily_cap_counts_the_reps_own_calendar_day(closing, rapport, settings):
    settings.COACHING_WORKDAY_START_HOUR, settings.COACHING_WORKDAY_END_HOUR = 0, 24
    rep = RepFactory(timezone="America/New_York")
    build_module(skill=closing, questions=3)
    build_module(skill=rapport, questions=3)
    memory_review(rep=rep, skill=rapport, rating=Rating.Good, at=T0)
    memory_review(rep=rep, skill=closing, rating=Rating.Again, at=T0)
    assert len(reinforcements_due(now=at(NEW_YORK, 2026, 3, 20, 15))) == 1
    # Past midnight in London and UTC, still the 20th in New York.
    assert reinforcements_due(now=at(NEW_YORK, 2026, 3, 20, 23, 30)) == []
    assert len(reinforcements_due(now=at(NEW_YORK, 2026, 3, 21, 0, 5))) == 1


@pytest.mark.parametrize(
    ("local_now", "local_due"),
    [
        ((2026, 3, 20, 2, 0), (2026, 3, 20, 9, 0)),  # night: that morning
        ((2026, 3, 20, 18, 30), (2026, 3, 21, 9, 0)),  # evening: the next morning
        ((2026, 3, 20, 9, 0), (2026, 3, 20, 9, 0)),  # working hours: now
        ((2026, 3, 20, 16, 59), (2026, 3, 20, 16, 59)),
    ],
)
def test_reinforcements_reach_reps_in_their_working_hours(rep, closing, local_now, local_due):
    build_module(skill=closing, questions=3)
    memory_review(rep=rep, skill=closing, rating=Rating.Good, at=T0)
    [reinforcement] = reinforcements_due(now=at(LONDON, *local_now))
    assert reinforcement.due_at == at(LONDON, *local_due)
    reminder = Reminder.objects.filter(payload__reinforcement=reinforcement.pk).first()
    assert reminder.due_at == at(LONDON, *local_due)


def test_inactive_reps_get_none(rep, closing):
    build_module(skill=closing, questions=3)
    memory_review(rep=rep, skill=closing, rating=Rating.Good, at=T0)
    rep.is_active = False
    rep.save()
    assert reinforcements_due(now=T0 + days(30)) == []


def test_a_skill_with_no_questions_gets_none_and_does_not_block_others(rep, closing, rapport):
    build_module(skill=rapport, questions=3)
    memory_review(rep=rep, skill=closing, rating=Rating.Again, at=T0)  # weakest, no questions
    memory_review(rep=rep, skill=rapport, rating=Rating.Good, at=T0)
    assert [r.skill for r in reinforcements_due(now=T0 + days(10))] == [rapport]


# --- which questions -------------------------------------------------------------------------


def test_questions_come_only_from_modules_that_taught_the_skill(rep, closing, rapport):
    taught = build_module(skill=closing, questions=2)
    # Tagged with another skill, though one question is about closing.
    other = build_module(skill=rapport, questions=1)
    question_with_choices(other.quiz, [True, False], position=9, skill=closing)
    # Teaches closing, but its question is about rapport.
    mixed = build_module(skill=closing, questions=0)
    question_with_choices(QuizFactory(module=mixed), [True, False], skill=rapport)
    # Teaches closing, but is not published.
    draft = build_module(
        course=CourseFactory(status=Course.Status.DRAFT), skill=closing, questions=3
    )
    assert draft.quiz.questions.count() == 3

    picked = reinforcement_questions_pick(rep=rep, skill=closing, count=3)
    assert {q.pk for q in picked} == set(taught.quiz.questions.values_list("pk", flat=True))


@pytest.mark.usefixtures("memory_receiver")
def test_the_modules_the_rep_completed_come_before_others(rep, closing, module, clock):
    other = build_module(skill=closing, questions=3)
    complete_module(rep, module)
    picked = reinforcement_questions_pick(rep=rep, skill=closing, count=3)
    assert {q.quiz.module_id for q in picked} == {module.pk}
    assert {
        q.quiz.module_id for q in reinforcement_questions_pick(rep=RepFactory(), skill=closing)
    } <= {
        module.pk,
        other.pk,
    }


@pytest.mark.usefixtures("memory_receiver")
def test_questions_the_rep_missed_come_first(rep, closing, module, clock):
    result = complete_module(rep, module, wrong_when_passing=2)  # 60 %: a pass
    missed = set(result.missed_question_ids)
    assert len(missed) == 2
    picked = reinforcement_questions_pick(rep=rep, skill=closing, count=3)
    assert {q.pk for q in picked[:2]} == missed
    assert picked[2].pk not in missed


@pytest.mark.usefixtures("memory_receiver")
def test_questions_seen_lately_come_last(rep, closing, module, clock):
    complete_module(rep, module)
    ordered = list(module.quiz.questions.order_by("position").values_list("pk", flat=True))
    due = memory_of(rep, closing).next_due_at
    clock.set(due)
    [first] = reinforcements_due(now=due)
    assert first.question_ids == ordered[:3]  # all seen at the quiz: quiz order
    answer_all(first, now=due)
    picked = [q.pk for q in reinforcement_questions_pick(rep=rep, skill=closing, count=3)]
    assert picked == [ordered[3], ordered[4], ordered[0]]


@pytest.mark.usefixtures("memory_receiver")
def test_a_missed_question_answered_right_since_is_no_longer_missed(rep, closing, module, clock):
    result = complete_module(rep, module, wrong_when_passing=1)
    [missed] = result.missed_question_ids
    due = memory_of(rep, closing).next_due_at
    clock.set(due)
    [reinforcement] = reinforcements_due(now=due)
    assert reinforcement.question_ids[0] == missed
    answer_all(reinforcement, now=due)
    picked = [q.pk for q in reinforcement_questions_pick(rep=rep, skill=closing, count=3)]
    unseen_since_the_quiz = [
        pk
        for pk in module.quiz.questions.values_list("pk", flat=True)
        if pk not in reinforcement.question_ids
    ]
    assert picked[:2] == sorted(unseen_since_the_quiz)


@pytest.mark.parametrize(("count", "expected"), [(1, 1), (2, 2), (3, 3), (10, 3), (0, 3)])
def test_a_reinforcement_has_one_to_three_questions(rep, closing, count, expected, settings):
    settings.REINFORCEMENT_QUESTIONS = 3
    build_module(skill=closing, questions=5)
    assert len(reinforcement_questions_pick(rep=rep, skill=closing, count=count)) == expected


def test_the_number_of_questions_is_a_setting(rep, closing, settings):
    settings.REINFORCEMENT_QUESTIONS = 1
    build_module(skill=closing, questions=5)
    memory_review(rep=rep, skill=closing, rating=Rating.Good, at=T0)
    [reinforcement] = reinforcements_due(now=T0 + days(10))
    assert len(reinforcement.question_ids) == 1


# --- answering ------------------------------------------------------------------------------


@pytest.fixture
def due_reinforcement(rep, closing, module, clock, memory_receiver):  # noqa: F811
    complete_module(rep, module)
    due = memory_of(rep, closing).next_due_at
    clock.set(due)
    [reinforcement] = reinforcements_due(now=due)
    return reinforcement


def test_answers_get_feedback_with_the_explanation_at_once(rep, closing, due_reinforcement):
    reinforcement = due_reinforcement
    before = memory_of(rep, closing).reviews
    first, *others = reinforcement.question_ids
    feedback = reinforcement_answer(
        rep=rep,
        reinforcement=reinforcement,
        answers=[wrong(first), *[right(q) for q in others]],
    )
    assert feedback.total == 3 and feedback.correct == 2 and feedback.score == 67
    assert feedback.rating == "Hard"
    assert [item.question.pk for item in feedback.items] == reinforcement.question_ids
    miss = feedback.items[0]
    assert not miss.is_correct
    assert miss.correct_ids == [_choice(first, True)]
    assert miss.chosen_ids == [_choice(first, False)]
    assert miss.explanation == Question.objects.get(pk=first).explanation
    assert all(item.is_correct for item in feedback.items[1:])

    reinforcement.refresh_from_db()
    assert reinforcement.status == Reinforcement.Status.ANSWERED
    assert reinforcement.score == 67 and reinforcement.answered_at is not None
    assert ReinforcementAnswer.objects.filter(reinforcement=reinforcement).count() == 3
    memory = memory_of(rep, closing)
    assert memory.reviews == before + 1
    assert feedback.next_due_at == memory.next_due_at > reinforcement.answered_at
    assert feedback.retention == pytest.approx(1.0)
    # The reminder has done its job.
    assert not Reminder.objects.filter(
        payload__reinforcement=reinforcement.pk, status=Reminder.Status.PENDING
    ).exists()


def test_an_unanswered_question_is_wrong(rep, due_reinforcement):
    feedback = reinforcement_answer(rep=rep, reinforcement=due_reinforcement, answers=[])
    assert feedback.correct == 0 and feedback.score == 0 and feedback.rating == "Again"


@pytest.mark.parametrize(
    ("correct", "longer"),
    [(3, True), (0, False)],
    ids=["all right lengthens", "all wrong shortens"],
)
def test_the_result_moves_the_next_interval(rep, closing, due_reinforcement, correct, longer):
    memory = memory_of(rep, closing)
    previous_interval = memory.next_due_at - memory.last_review_at
    now = due_reinforcement.due_at
    feedback = answer_all(due_reinforcement, correct=correct, now=now)
    next_interval = feedback.next_due_at - now
    assert (next_interval > previous_interval) is longer
    assert (next_interval < previous_interval) is not longer


@pytest.mark.usefixtures("memory_receiver")
def test_right_wrong_and_mostly_right_order_the_next_due_date(closing, module, clock):
    intervals = {}
    for correct in (0, 2, 3):
        rep = RepFactory()
        clock.set(T0)
        complete_module(rep, module)
        due = memory_of(rep, closing).next_due_at
        clock.set(due)
        [reinforcement] = reinforcements_due(now=due)
        intervals[correct] = answer_all(reinforcement, correct=correct, now=due).next_due_at - due
    assert intervals[0] < intervals[2] < intervals[3]


def test_answering_twice_is_a_conflict(rep, due_reinforcement):
    answer_all(due_reinforcement)
    with pytest.raises(Conflict):
        answer_all(due_reinforcement)


def test_only_the_rep_answers_their_reinforcement(due_reinforcement):
    with pytest.raises(DomainError, match="someone else"):
        reinforcement_answer(rep=RepFactory(), reinforcement=due_reinforcement, answers=[])


def test_an_expired_reinforcement_cannot_be_answered(rep, due_reinforcement):
    late = due_reinforcement.expires_at
    with pytest.raises(DomainError, match="expired"):
        answer_all(due_reinforcement, now=late)
    reinforcements_expire(now=late)
    with pytest.raises(DomainError, match="expired"):
        answer_all(due_reinforcement, now=late - dt.timedelta(hours=1))


def test_answers_outside_the_reinforcement_are_refused(rep, closing, due_reinforcement):
    outside = next(
        pk
        for pk in Question.objects.values_list("pk", flat=True)
        if pk not in due_reinforcement.question_ids
    )
    first = due_reinforcement.question_ids[0]
    second = due_reinforcement.question_ids[1]
    cases = [
        ([right(outside)], "not part of this reinforcement"),
        ([right(first), right(first)], "answered twice"),
        ([{"question": first, "choices": [_choice(second, True)]}], "does not belong"),
    ]
    for answers, message in cases:
        with pytest.raises(DomainError, match=message):
            reinforcement_answer(rep=rep, reinforcement=due_reinforcement, answers=answers)
    assert not ReinforcementAnswer.objects.exists()


# --- expiry --------------------------------------------------------------------------------


def test_an_unanswered_reinforcement_expires_and_the_skill_comes_back(
    rep, closing, due_reinforcement
):
    reinforcement = due_reinforcement
    # A reminder not yet sent when it expires is not sent at all.
    Reminder.objects.filter(payload__reinforcement=reinforcement.pk).update(
        due_at=reinforcement.expires_at + days(1)
    )
    assert reinforcements_expire(now=reinforcement.expires_at - dt.timedelta(seconds=1)) == 0
    assert reinforcements_expire(now=reinforcement.expires_at) == 1
    reinforcement.refresh_from_db()
    assert reinforcement.status == Reinforcement.Status.EXPIRED
    assert set(
        Reminder.objects.filter(payload__reinforcement=reinforcement.pk).values_list(
            "status", flat=True
        )
    ) == {Reminder.Status.CANCELLED}
    assert reinforcements_expire(now=reinforcement.expires_at + days(1)) == 0
    # The memory was not reviewed: the skill is still due, and a fresh one opens.
    [fresh] = reinforcements_due(now=reinforcement.expires_at + days(1))
    assert fresh.skill == closing and fresh.pk != reinforcement.pk


# --- coaching on decay ----------------------------------------------------------------------

WEDNESDAY = T0 + days(2)  # 10:00 in London


def _fading(rep, skill, *, at=T0):
    """A memory that falls below the 70 % coaching threshold two days after ``at``."""
    memory = memory_review(rep=rep, skill=skill, rating=Rating.Again, at=at)
    assert retention_forecast(memory=memory, at=at + days(1)) >= 0.7
    assert retention_forecast(memory=memory, at=at + days(2)) < 0.7
    return memory


def test_fading_recall_books_a_decay_session_with_the_coach(rep, manager, closing, monkeypatch):
    taught = build_module(skill=closing, questions=3)
    _fading(rep, closing)
    freeze(monkeypatch, WEDNESDAY)
    assert decay_coaching_propose(now=T0 + days(1)) == []

    [session] = decay_coaching_propose(now=WEDNESDAY)
    assert session.source == CoachingSession.Source.DECAY
    assert session.rep == rep and session.coach == manager
    assert session.focus_skill == closing and session.module == taught
    assert session.status == CoachingSession.Status.SCHEDULED and not session.late
    assert session.plan.rep == rep and session.plan.coach == manager
    local = session.scheduled_for.astimezone(LONDON)
    assert session.scheduled_for >= WEDNESDAY + dt.timedelta(hours=2)
    assert local.weekday() < 5 and 9 <= local.hour < 17
    reason = session.agenda["reason"]
    assert "Closing" in reason and "70 %" in reason
    assert session.agenda["questions_to_ask"] == taught.coaching_questions
    assert session.agenda["practice_task"] == taught.practice_task
    booked = Reminder.objects.filter(session=session, kind=Reminder.Kind.SESSION_BOOKED)
    assert {r.recipient for r in booked} == {rep, manager}


def test_no_second_decay_session_while_one_is_scheduled(rep, closing, monkeypatch):
    build_module(skill=closing, questions=3)
    _fading(rep, closing)
    freeze(monkeypatch, WEDNESDAY)
    assert len(decay_coaching_propose(now=WEDNESDAY)) == 1
    assert decay_coaching_propose(now=WEDNESDAY) == []
    assert decay_coaching_propose(now=WEDNESDAY + days(1)) == []
    assert CoachingSession.objects.filter(source=CoachingSession.Source.DECAY).count() == 1


def test_any_scheduled_session_on_the_skill_holds_decay_coaching_back(rep, closing, monkeypatch):
    _fading(rep, closing)
    session_with(rep, focus_skill=closing, scheduled_for=WEDNESDAY + days(3))
    freeze(monkeypatch, WEDNESDAY)
    assert decay_coaching_propose(now=WEDNESDAY) == []


def test_a_cancelled_decay_session_is_not_proposed_again_until_the_cool_down_ends(
    rep, manager, closing, monkeypatch, settings
):
    _fading(rep, closing)
    clock = freeze(monkeypatch, WEDNESDAY)
    [session] = decay_coaching_propose(now=WEDNESDAY)
    session_cancel(actor=manager, session=session, reason="We talked it through on a call.")
    clock.set(WEDNESDAY + days(settings.DECAY_COACHING_COOLDOWN_DAYS - 1))
    assert decay_coaching_propose() == []
    clock.set(WEDNESDAY + days(settings.DECAY_COACHING_COOLDOWN_DAYS + 1))
    [again] = decay_coaching_propose()
    assert again.focus_skill == closing and again.pk != session.pk


def test_the_session_fits_the_coachs_capacity(rep, manager, closing, monkeypatch, settings):
    settings.COACHING_MAX_SESSIONS_PER_DAY = 1
    _fading(rep, closing)
    freeze(monkeypatch, WEDNESDAY)
    # Maria's one session for Wednesday is taken already, by someone else's follow-up.
    session_with(RepFactory(manager=manager), scheduled_for=at(LONDON, 2026, 3, 4, 15))
    [session] = decay_coaching_propose(now=WEDNESDAY)
    assert session.scheduled_for == at(LONDON, 2026, 3, 5, 9)


def test_a_full_calendar_means_no_proposal_until_a_later_run(rep, closing, monkeypatch):
    _fading(rep, closing)
    freeze(monkeypatch, WEDNESDAY)

    def booked_solid(**kwargs):
        return iter(())  # no free slot before the search limit

    monkeypatch.setattr(decay_service, "slots_find", booked_solid)
    assert decay_coaching_propose(now=WEDNESDAY) == []
    assert not CoachingSession.objects.exists()
    monkeypatch.undo()
    freeze(monkeypatch, WEDNESDAY)
    assert len(decay_coaching_propose(now=WEDNESDAY)) == 1


def test_one_proposal_per_rep_per_run_weakest_skill_first(rep, closing, rapport, monkeypatch):
    _fading(rep, rapport, at=T0 + dt.timedelta(hours=1))
    _fading(rep, closing)
    now = T0 + days(4)
    freeze(monkeypatch, now)
    [first] = decay_coaching_propose(now=now)
    assert first.focus_skill == closing  # reviewed an hour earlier: recall a little lower
    [second] = decay_coaching_propose(now=now)
    assert second.focus_skill == rapport
    assert second.scheduled_for != first.scheduled_for


def test_a_rep_without_a_manager_gets_a_session_without_a_coach(closing, monkeypatch):
    rep = RepFactory(manager=None, timezone="Europe/London")
    _fading(rep, closing)
    freeze(monkeypatch, WEDNESDAY)
    [session] = decay_coaching_propose(now=WEDNESDAY)
    assert session.coach is None and session.rep == rep


def _resolved(rep, skill, outcomes, *, start):
    """Reinforcements resolved one a day from ``start``: "expired" or a score."""
    for day, outcome in enumerate(outcomes):
        due = start + days(day)
        if outcome == "expired":
            Reinforcement.objects.create(
                rep=rep,
                skill=skill,
                due_at=due - days(2),
                expires_at=due,
                status=Reinforcement.Status.EXPIRED,
            )
        else:
            Reinforcement.objects.create(
                rep=rep,
                skill=skill,
                due_at=due,
                expires_at=due + days(2),
                status=Reinforcement.Status.ANSWERED,
                score=outcome,
                answered_at=due,
            )


@pytest.mark.parametrize(
    ("outcomes", "proposed"),
    [
        (["expired", "expired"], True),
        ([0, "expired"], True),
        ([33, 50], True),  # half right is still a miss
        ([100, "expired", 0], True),  # the latest two
        (["expired"], False),
        (["expired", 100], False),  # answered right since
        (["expired", 100, "expired"], False),  # not in a row
        ([67, "expired"], False),  # mostly right is not a miss
    ],
)
def test_missing_the_same_skills_reinforcement_twice_proposes_coaching(
    rep, closing, monkeypatch, outcomes, proposed
):
    now = T0 + days(20)
    # Recall well above the coaching threshold: only the misses can call for coaching.
    memory = memory_review(rep=rep, skill=closing, rating=Rating.Easy, at=now - days(1))
    assert retention_forecast(memory=memory, at=now) > 0.9
    _resolved(rep, closing, outcomes, start=now - days(10))
    freeze(monkeypatch, now)
    sessions = decay_coaching_propose(now=now)
    assert bool(sessions) is proposed
    if proposed:
        assert "refreshers on Closing were missed" in sessions[0].agenda["reason"]
        assert "recall" not in sessions[0].agenda["reason"].lower()


def test_misses_before_the_last_decay_session_do_not_count_again(
    rep, manager, closing, monkeypatch, settings
):
    now = T0 + days(40)
    memory_review(rep=rep, skill=closing, rating=Rating.Easy, at=now - days(1))
    _resolved(rep, closing, ["expired", "expired"], start=now - days(30))
    clock = freeze(monkeypatch, now - days(25))
    [session] = decay_coaching_propose()
    session_cancel(actor=manager, session=session, reason="A customer visit")
    clock.set(now)
    assert decay_coaching_propose() == []  # the cool-down is over; the misses were dealt with
    _resolved(rep, closing, ["expired", 0], start=now - days(3))
    assert len(decay_coaching_propose()) == 1


def test_misses_long_ago_do_not_count(rep, closing, monkeypatch):
    now = T0 + days(200)
    memory_review(rep=rep, skill=closing, rating=Rating.Easy, at=now - days(1))
    _resolved(rep, closing, ["expired", "expired"], start=now - days(120))
    freeze(monkeypatch, now)
    assert decay_coaching_propose(now=now) == []


@pytest.mark.usefixtures("memory_receiver")
def test_the_agenda_names_the_questions_missed_in_reinforcements(rep, closing, module, clock):
    complete_module(rep, module)
    # The follow-up of the completion is held; decay coaching may follow later.
    CoachingSession.objects.filter(rep=rep).update(status=CoachingSession.Status.HELD)
    due = memory_of(rep, closing).next_due_at
    clock.set(due)
    [first] = reinforcements_due(now=due)
    answer_all(first, correct=0, now=due)
    clock.set(due + days(1))
    [second] = reinforcements_due()
    reinforcements_expire(now=second.expires_at)
    clock.set(second.expires_at)
    [session] = decay_coaching_propose()
    prompts = [item["prompt"] for item in session.agenda["missed_questions"]]
    assert prompts == [Question.objects.get(pk=pk).prompt for pk in first.question_ids]
    assert session.agenda["decay"]["missed_reinforcements"] == 2


def test_a_reinforcement_due_with_no_course_published_anymore_is_skipped(rep, closing):
    module = ModuleFactory(course=CourseFactory(status=Course.Status.ARCHIVED))
    module.skills.add(closing)
    question_with_choices(QuizFactory(module=module), [True, False], skill=closing)
    memory_review(rep=rep, skill=closing, rating=Rating.Good, at=T0)
    assert reinforcements_due(now=T0 + days(30)) == []


def test_times_are_aware_utc(rep, closing):
    build_module(skill=closing, questions=3)
    memory_review(rep=rep, skill=closing, rating=Rating.Good, at=T0)
    [reinforcement] = reinforcements_due(now=(T0 + days(30)).astimezone(ZoneInfo("Asia/Tokyo")))
    reinforcement.refresh_from_db()
    assert reinforcement.due_at.utcoffset() == dt.timedelta(0)


def test_the_periodic_pass_expires_then_opens_then_proposes(rep, closing, monkeypatch):
    build_module(skill=closing, questions=3)
    _fading(rep, closing)
    clock = freeze(monkeypatch, T0 + days(1))
    assert skill_upkeep_run() == {"expired": 0, "opened": 1, "proposed": 0}
    clock.set(WEDNESDAY + days(2))  # the reinforcement ran out; recall is below 70 %
    assert skill_upkeep_run() == {"expired": 1, "opened": 1, "proposed": 1}
    assert skill_upkeep_run() == {"expired": 0, "opened": 0, "proposed": 0}


# --- reads for the answer page --------------------------------------------------------------


def test_a_rep_sees_only_their_own_open_reinforcements(rep, due_reinforcement):
    now = due_reinforcement.due_at
    assert list(reinforcements_pending_for(user=rep, now=now)) == [due_reinforcement]
    assert list(reinforcements_pending_for(user=RepFactory(), now=now)) == []
    assert list(reinforcements_pending_for(user=rep, now=now - dt.timedelta(seconds=1))) == []
    assert list(reinforcements_pending_for(user=rep, now=due_reinforcement.expires_at)) == []
    assert reinforcement_for(user=rep, reinforcement_id=due_reinforcement.pk) == due_reinforcement
    for other in (RepFactory(), rep.manager):
        with pytest.raises(Http404):
            reinforcement_for(user=other, reinforcement_id=due_reinforcement.pk)


def test_the_form_lists_the_questions_in_order_with_their_choices(
    due_reinforcement, django_assert_num_queries
):
    with django_assert_num_queries(2):
        questions = reinforcement_questions(reinforcement=due_reinforcement)
        choices = [[c.position for c in q.choices.all()] for q in questions]
    assert [q.pk for q in questions] == due_reinforcement.question_ids
    assert choices == [[1, 2, 3]] * 3
