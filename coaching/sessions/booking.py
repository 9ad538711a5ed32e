"""The one place a coaching session comes into being: the row and its reminders together.

Callers (the follow-up, a manager booking by hand, decay coaching) choose the time under
``slots.calendar_lock`` and build the agenda; every booked session then gets the same
reminder set, whoever booked it. A time chosen by hand (booking or moving) keeps the rules the
slot search keeps (``ensure_bookable_by_hand``): never over another session of coach or rep
or a busy time in their calendars, and inside both people's working hours unless the one
booking confirms otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from accounts.availability import availability_of
from accounts.models import User
from accounts.rendering import moment_for
from coaching.changes import team_version_bump
from coaching.models import CoachingPlan, CoachingSession
from coaching.models.agenda import Agenda
from coaching.reminders.schedule import session_reminders_schedule
from coaching.sessions.busy import BusyInterval, busy_intervals
from coaching.sessions.slots import Slot, SlotRules, away_at, working_hours_problem
from config.errors import DomainError
from lms.models import Module, ModuleCompletion


class OutsideWorkingHours(DomainError):
    """A time chosen by hand falls outside the working hours, or in the time off, of coach or
    rep and was not confirmed. ``confirm`` is the yes it needs, in words that say which."""

    def __init__(self, message: str, *, confirm: str = "Yes, book it outside working hours"):
        super().__init__(message)
        self.confirm = confirm


@dataclass(frozen=True)
class HoursProblem:
    """Why a time chosen by hand is not one the booking would take, in the words of the one
    choosing it: outside someone's working hours, in someone's time off, or both."""

    message: str
    time_off: bool
    hours: bool

    @property
    def overridden(self) -> str:
        """What a yes books it despite: "outside working hours", "during time off" or both."""
        parts = ["outside working hours"] * self.hours + ["during time off"] * self.time_off
        return " and ".join(parts)


def _whose(person: User, actor: User) -> str:
    return "your" if person.pk == actor.pk else f"{person}'s"


def _clash_message(clash: BusyInterval, *, actor: User, people: list[User]) -> str:
    """What the clash is, for ``actor``: whose session, or whose calendar (an event's title
    only to the calendar's owner)."""
    when = f"{moment_for(actor, clash.start)}-{clash.end.astimezone(actor.tzinfo):%H:%M}"
    # The actor's own first: "your session" says more to them than their coach's name.
    ordered = sorted(people, key=lambda person: person.pk != actor.pk)
    busy = next(person for person in ordered if clash.occupies(person.pk))
    if clash.is_session:
        whose = _whose(busy, actor)
        return f"That overlaps {whose} coaching session on {when}; choose another time."
    if busy.pk == actor.pk:
        title = f" ({clash.title})" if clash.title else ""
        return f"You are busy then, from your calendar: {when}{title}; choose another time."
    return f"{busy} is busy then (from their calendar): {when}; choose another time."


def ensure_free(
    *,
    actor: User,
    people: list[User],
    start: dt.datetime,
    end: dt.datetime,
    exclude: int | None = None,
) -> None:
    """Refuse [start, end) when it overlaps a session of any of ``people`` (``exclude`` leaves
    out the one being moved) or a busy time in their calendars, naming whose it is and when
    (an event's title only to its owner), in ``actor``'s time zone. Two queries."""
    clashes = busy_intervals(people=people, start=start, end=end, exclude=exclude)
    if clashes:
        raise DomainError(_clash_message(clashes[0], actor=actor, people=people))


def hours_problem(
    *, actor: User, people: list[User], start: dt.datetime, end: dt.datetime
) -> HoursProblem | None:
    """Why [start, end) is in the time off of any of ``people``, or outside their working days
    and hours, each in their own time zone (in ``actor``'s words); None when it is neither.
    One query."""
    availability = availability_of(people, today=start.date())
    reasons: list[str] = []
    time_off = hours = False
    for person in people:
        theirs, whose = availability[person.pk], _whose(person, actor)
        away = away_at(start=start, availability=theirs)
        if away is not None:
            reasons.append(f"during {whose} time off ({away.label})")
            time_off = True
            continue
        problem = working_hours_problem(start=start, end=end, availability=theirs)
        if problem:
            reasons.append(f"outside {whose} working hours: {problem}")
            hours = True
    if not reasons:
        return None
    message = f"{moment_for(actor, start)} is {' and '.join(reasons)}"
    return HoursProblem(message=message, time_off=time_off, hours=hours)


def ensure_bookable_by_hand(
    *,
    actor: User,
    coach: User | None,
    rep: User,
    start: dt.datetime,
    minutes: int,
    exclude: int | None = None,
    outside_hours_confirmed: bool = False,
) -> None:
    """Refuse a time chosen by hand that the automatic booking would not take.

    A clash with a session or a calendar's busy time of coach or rep is always refused
    (``ensure_free``). A time outside the working days and hours of coach or rep, or on their
    time off (``hours_problem``), raises OutsideWorkingHours unless ``outside_hours_confirmed``.
    Times in the messages are in ``actor``'s time zone. Three queries.
    """
    end = start + dt.timedelta(minutes=minutes)
    people = [person for person in dict.fromkeys([coach, rep]) if person is not None]
    ensure_free(actor=actor, people=people, start=start, end=end, exclude=exclude)
    if coach is None or outside_hours_confirmed:
        return
    problem = hours_problem(actor=actor, people=people, start=start, end=end)
    if problem:
        raise OutsideWorkingHours(
            f"{problem.message}. Confirm that you want it {problem.overridden}, "
            "or choose another time.",
            confirm=f"Yes, book it {problem.overridden}",
        )


def session_create(
    *,
    plan: CoachingPlan,
    rep: User,
    coach: User | None,
    scheduled_for: dt.datetime,
    duration_minutes: int,
    source: str,
    agenda: Agenda,
    late: bool = False,
    module: Module | None = None,
    focus_skill_id: int | None = None,
    completion: ModuleCompletion | None = None,
    booked_by: User | None = None,
) -> CoachingSession:
    """``booked_by``: the person who booked it by hand, who is not told of their own booking
    (None when the product booked it: both hear of it)."""
    session = CoachingSession.objects.create(
        plan=plan,
        rep=rep,
        coach=coach,
        scheduled_for=scheduled_for,
        duration_minutes=duration_minutes,
        source=source,
        agenda=agenda.to_json(),
        late=late,
        module=module,
        focus_skill_id=focus_skill_id,
        completion=completion,
    )
    session_reminders_schedule(session=session, booked_by=booked_by)
    team_version_bump(rep_ids=[rep.pk])
    return session


def session_create_in_slot(
    *,
    plan: CoachingPlan,
    rep: User,
    slot: Slot,
    rules: SlotRules,
    source: str,
    agenda: Agenda,
    module: Module | None,
    focus_skill_id: int | None,
    completion: ModuleCompletion | None = None,
) -> CoachingSession:
    """A session at a slot the search found under ``rules``: led by the plan's coach, as long
    as the rules say, late when the slot fell past the window."""
    return session_create(
        plan=plan,
        rep=rep,
        coach=plan.coach,
        scheduled_for=slot.start,
        duration_minutes=rules.session_minutes,
        late=slot.late,
        source=source,
        agenda=agenda,
        module=module,
        focus_skill_id=focus_skill_id,
        completion=completion,
    )
