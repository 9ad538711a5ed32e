"""Demo of the coaching budget (DESIGN §13): maria's week over her budget, and what did not fit.

Through the real services, after the history and today's demo:

- maria books sessions by hand with her reps (a deal review each) at the first free times of
  every week the follow-up window reaches from now (and, when the window holds no working
  hours, the week of the first free time after it), until each week is over her budget: a
  manager's own bookings count against it and are never refused;
- then liam and priya each complete a module: their follow-ups find no room in any week of the
  window, so the completions book no session and are listed on her dashboard as deferred, with
  the ranking rule's reason and the alternative (peer practice with a teammate who could mentor,
  else refresher questions).

Idempotent: a rep who has completed the module already is left alone, and the weeks are filled
only when someone is about to complete one.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from coaching.models import DeferredCoaching
from coaching.sessions.budget import budget_minutes_of, budget_week, week_bounds, week_start_of
from coaching.sessions.services import session_book_manual
from coaching.sessions.slots import NoSlotFound, SlotRules, coach_slot_find
from config.errors import DomainError
from lms.models import Choice, Module, ModuleCompletion, QuizAttempt, Skill
from lms.services import attempt_start, attempt_submit, enrolment_assign, lesson_complete

BUDGET_COACH = "maria"
# Who completes what today, after maria's weeks are full.
BUDGET_COMPLETIONS = (
    ("liam", "discovery-uncovering-pain"),
    ("priya", "closing-asking-and-negotiating"),
)
# The reps maria books by hand, and what about.
BUDGET_BOOKED_WITH = ("john", "sheila", "priya", "liam")
BUDGET_NOTE = "Deal review before the quarter closes."
BUDGET_SKILL = "closing"
# Over the budget by this much, so the bar shows it.
BUDGET_OVER_MINUTES = 30


def _right_answers(attempt: QuizAttempt) -> list[dict]:
    right: dict[int, list[int]] = {qid: [] for qid in attempt.question_ids}
    for question_id, choice_id in Choice.objects.filter(
        question_id__in=attempt.question_ids, is_correct=True
    ).values_list("question_id", "pk"):
        right[question_id].append(choice_id)
    return [{"question": qid, "choices": choices} for qid, choices in right.items()]


def _complete(*, coach: User, rep: User, module: Module) -> None:
    enrolment_assign(actor=coach, user=rep, course=module.course)
    for lesson in module.lessons.all():
        lesson_complete(user=rep, lesson=lesson)
    if module.quiz is not None:
        attempt = attempt_start(user=rep, quiz=module.quiz)
        attempt_submit(attempt=attempt, answers=_right_answers(attempt))


def _week_fill(*, coach: User, reps: list[User], week: dt.date, now: dt.datetime) -> int:
    """Book deal reviews by hand in ``week`` until it is over the budget; how many."""
    start, end = week_bounds(week, coach.tzinfo)
    target = budget_minutes_of(coach) + BUDGET_OVER_MINUTES
    used = budget_week(manager=coach, week_start=week).used_minutes
    skill = Skill.objects.filter(slug=BUDGET_SKILL).first()
    booked = 0
    for rep in itertools.islice(itertools.cycle(reps), 40):
        if used >= target:
            break
        try:
            slot = coach_slot_find(coach=coach, rep=rep, after=max(now, start))
        except NoSlotFound:
            break
        if slot.start >= end:
            break
        session = session_book_manual(
            coach=coach, rep=rep, scheduled_for=slot.start, focus_skill=skill, note=BUDGET_NOTE
        )
        used += session.duration_minutes
        booked += 1
    return booked


@transaction.atomic
def demo_budget_seed(people: dict[str, User]) -> dict[str, int]:
    """Fill maria's weeks past her budget, then let two completions find no room. Returns how
    many sessions were booked by hand and how many follow-ups were deferred."""
    coach = people.get(BUDGET_COACH)
    if coach is None:
        return {"booked": 0, "deferred": 0}
    to_complete = []
    for username, slug in BUDGET_COMPLETIONS:
        rep = people.get(username)
        module = Module.objects.select_related("course", "quiz").filter(slug=slug).first()
        if rep is None or module is None or rep.manager_id != coach.pk:
            continue
        if not ModuleCompletion.objects.filter(user=rep, module=module).exists():
            to_complete.append((rep, module))
    if not to_complete:
        return {"booked": 0, "deferred": 0}
    now = timezone.now()
    rules = SlotRules.from_settings()
    weeks = {
        week_start_of(now, coach.tzinfo),
        week_start_of(now + rules.lead + rules.window, coach.tzinfo),
    }
    # A window with no working hours left in it (a Friday evening's holds only the weekend)
    # sends the follow-up to the first free time after it: that week must be full too.
    for rep, _module in to_complete:
        try:
            first = coach_slot_find(coach=coach, rep=rep, after=now)
        except NoSlotFound:
            continue
        weeks.add(week_start_of(first.start, coach.tzinfo))
    reps = [people[name] for name in BUDGET_BOOKED_WITH if name in people]
    booked = sum(_week_fill(coach=coach, reps=reps, week=week, now=now) for week in sorted(weeks))
    before = DeferredCoaching.objects.filter(coach=coach).count()
    for rep, module in to_complete:
        try:
            _complete(coach=coach, rep=rep, module=module)
        except DomainError:
            continue
    return {
        "booked": booked,
        "deferred": DeferredCoaching.objects.filter(coach=coach).count() - before,
    }
