"""Three weeks of one coaching plan on a simulated clock, with the outbox run each interval.

The clock is moved explicitly; at every dispatcher interval where something is due, the
dispatcher's services claim and deliver exactly as beat and the workers would. Sessions are
booked, held, moved, cancelled and missed through the coaching services, at their own times.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.core import mail
from django.db.models import Min

from coaching.models import CoachingSession, Commitment, Notification, Reminder
from coaching.reminders.messages import UPCOMING_SESSION_KINDS
from coaching.reminders.outbox import reminder_deliver, reminders_claim_due
from coaching.reminders.schedule import SESSION_BEFORE_START as BEFORE_START
from coaching.sessions.commitments import commitments_mark_missed
from coaching.sessions.records import session_hold
from coaching.sessions.reschedule_requests import reschedule_request_create
from coaching.sessions.services import (
    session_book_manual,
    session_cancel,
    session_reschedule,
    sessions_mark_missed,
)
from tests.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

Kind, Status = Reminder.Kind, Reminder.Status
START = dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)  # a Monday; London is on GMT
END = START + dt.timedelta(weeks=3)
# As in config/celery_app.py's beat schedule.
MISSED_SESSIONS_EVERY = dt.timedelta(minutes=5)
MISSED_COMMITMENTS_EVERY = dt.timedelta(hours=1)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return (START + dt.timedelta(days=day)).replace(hour=hour, minute=minute)


@dataclass
class Clock:
    now: dt.datetime = START

    def __call__(self) -> dt.datetime:
        return self.now


def _grid_at_or_after(moment: dt.datetime, step: dt.timedelta) -> dt.datetime:
    steps = -(-(moment - START) // step)  # ceiling division
    return START + steps * step


@dataclass
class Periodic:
    """A beat job. It runs on its grid, skipping the runs that could not change anything."""

    every: dt.timedelta
    run: Callable[[], object]
    useful_from: Callable[[], dt.datetime | None]
    last: dt.datetime | None = None

    def next_run(self) -> dt.datetime | None:
        useful = self.useful_from()
        if useful is None:
            return None
        if self.last is not None:
            useful = max(useful, self.last + self.every)
        return _grid_at_or_after(useful, self.every)


@dataclass
class Simulation:
    """One-off events at their own moments; beat jobs and dispatcher ticks on their grids.

    Idle stretches are skipped: a dispatcher tick with nothing due claims nothing, so the clock
    jumps to the next tick at which something is due. At one moment, events go first, then
    the periodic jobs, then the dispatcher, as a change made at 10:00 is seen by the 10:00 tick.
    """

    clock: Clock
    interval: dt.timedelta
    periodic: list[Periodic] = field(default_factory=list)
    events: list[tuple[dt.datetime, int, Callable[[], object]]] = field(default_factory=list)
    ticks: int = 0
    last_tick: dt.datetime | None = None

    def on(self, when: dt.datetime, action: Callable[[], object]) -> None:
        self.events.append((when, len(self.events), action))
        self.events.sort(key=lambda event: event[:2])

    def _next_tick(self) -> dt.datetime | None:
        due = Reminder.objects.filter(status=Status.PENDING).aggregate(m=Min("due_at"))["m"]
        if due is None:
            return None
        if self.last_tick is not None:
            due = max(due, self.last_tick + self.interval)
        return _grid_at_or_after(due, self.interval)

    def run_until(self, end: dt.datetime, check_sent: Callable[[Reminder, dt.datetime], None]):
        while True:
            candidates = []
            if self.events:
                candidates.append((self.events[0][0], 0, None))
            for order, job in enumerate(self.periodic, start=1):
                if (when := job.next_run()) is not None:
                    candidates.append((when, order, job))
            if (tick := self._next_tick()) is not None:
                candidates.append((tick, len(self.periodic) + 1, "tick"))
            if not candidates:
                return
            when, order, what = min(candidates, key=lambda c: c[:2])
            if when > end:
                return
            self.clock.now = when
            if order == 0:
                self.events.pop(0)[2]()
            elif isinstance(what, Periodic):
                what.last = when
                what.run()
            else:
                self._dispatch(when, check_sent)

    def _dispatch(self, now: dt.datetime, check_sent) -> None:
        """What beat's dispatcher and the send tasks do at ``now``."""
        self.last_tick = now
        self.ticks += 1
        for reminder_id in reminders_claim_due(now=now):
            outcome = reminder_deliver(reminder_id=reminder_id, now=now)
            assert outcome in {Status.SENT, Status.CANCELLED}
            reminder = Reminder.objects.select_related("session", "commitment").get(pk=reminder_id)
            if reminder.status == Status.SENT:
                check_sent(reminder, now)


def missed_sessions_from() -> dt.datetime | None:
    """The first moment the missed-session sweep could mark anything."""
    grace = dt.timedelta(hours=settings.COACHING_HOLD_GRACE_HOURS)
    scheduled = CoachingSession.objects.filter(status=CoachingSession.Status.SCHEDULED)
    return min(
        (s.scheduled_for + dt.timedelta(minutes=s.duration_minutes) + grace for s in scheduled),
        default=None,
    )


def missed_commitments_from() -> dt.datetime | None:
    """The first moment the commitment sweep could mark anything: the day after one is due."""
    first = Commitment.objects.filter(status=Commitment.Status.OPEN).aggregate(m=Min("due_date"))
    if first["m"] is None:
        return None
    return dt.datetime.combine(first["m"] + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("django.utils.timezone.now", clock)
    return clock


def test_three_weeks_of_coaching_send_every_reminder_once_on_time_and_nothing_stale(clock):
    interval = dt.timedelta(seconds=settings.REMINDER_DISPATCH_SECONDS)
    coach = ManagerFactory(username="maria", timezone="Europe/London")
    rep = RepFactory(username="john", manager=coach, timezone="Europe/London")
    sim = Simulation(
        clock=clock,
        interval=interval,
        periodic=[
            Periodic(MISSED_SESSIONS_EVERY, sessions_mark_missed, missed_sessions_from),
            Periodic(MISSED_COMMITMENTS_EVERY, commitments_mark_missed, missed_commitments_from),
        ],
    )
    sessions: dict[str, CoachingSession] = {}
    sent_log: list[tuple[int, dt.datetime]] = []

    def book(name: str, when: dt.datetime) -> Callable[[], None]:
        def action() -> None:
            # Booked by hand on any day of the three weeks (a Sunday too): the coach confirms.
            sessions[name] = session_book_manual(
                coach=coach, rep=rep, scheduled_for=when, outside_hours_confirmed=True
            )

        return action

    def move(name: str, when: dt.datetime, actor) -> Callable[[], None]:
        return lambda: session_reschedule(
            actor=actor, session=sessions[name], scheduled_for=when, outside_hours_confirmed=True
        )

    def ask(name: str) -> Callable[[], None]:
        return lambda: reschedule_request_create(
            rep=rep, session=sessions[name], reason="A customer visit"
        )

    def check_sent(reminder: Reminder, now: dt.datetime) -> None:
        """Whatever goes out is still true at the moment it goes out."""
        sent_log.append((reminder.pk, now))
        assert dt.timedelta(0) <= reminder.sent_at - reminder.due_at < interval
        session = reminder.session
        if session is not None and reminder.kind in UPCOMING_SESSION_KINDS:
            assert session.status == CoachingSession.Status.SCHEDULED, reminder
            assert session.scheduled_for > now, reminder
        if reminder.kind in BEFORE_START:
            assert reminder.due_at == session.scheduled_for - BEFORE_START[reminder.kind]
        if reminder.kind == Kind.SESSION_HOLD_OVERDUE:
            assert session.status == CoachingSession.Status.SCHEDULED
        if reminder.kind == Kind.COMMITMENT_DUE:
            assert reminder.commitment.status == Commitment.Status.OPEN

    # Monday: six sessions booked across the three weeks.
    for name, when in {
        "held": at(1, 10),
        "missed": at(3, 14),
        "moved": at(8, 9),
        "cancelled": at(10, 11),
        "moved_twice": at(15, 10),
        "last": at(20, 9),
    }.items():
        sim.on(START, book(name, when))
    sim.on(
        at(1, 11),
        lambda: session_hold(
            actor=coach,
            session=sessions["held"],
            notes="Good opening questions.",
            commitments=[{"text": "Ask two open questions per call", "due_date": at(5, 0).date()}],
        ),
    )
    # The rep asks; the coach moves it, after its first 24 h reminder.
    sim.on(at(7, 11), ask("moved"))
    sim.on(at(7, 12), move("moved", at(9, 15), actor=coach))
    sim.on(
        at(9, 8),
        lambda: session_cancel(actor=coach, session=sessions["cancelled"], reason="Offsite day"),
    )
    sim.on(at(12, 9), move("moved_twice", at(16, 10), actor=coach))
    sim.on(at(14, 8), move("moved_twice", at(15, 16), actor=coach))
    sim.on(
        at(20, 9, 40),
        lambda: session_hold(
            actor=coach, session=sessions["last"], notes="Covered the discovery plan."
        ),
    )
    sim.run_until(END, check_sent)

    reminders = list(Reminder.objects.select_related("session"))
    by_status = Counter(r.status for r in reminders)
    assert set(by_status) <= {Status.SENT, Status.CANCELLED}, by_status
    sent = [r for r in reminders if r.status == Status.SENT]
    # Every reminder once: one delivery each, one notification per in-app, one email per email.
    assert len(sent_log) == len({pk for pk, _ in sent_log}) == len(sent)
    in_app = {r.pk for r in sent if r.channel == Reminder.Channel.IN_APP}
    assert set(Notification.objects.values_list("reminder_id", flat=True)) == in_app
    emails = Counter(int(message.extra_headers["X-Reminder-Id"]) for message in mail.outbox)
    assert set(emails.values()) == {1}
    assert set(emails) == {r.pk for r in sent if r.channel == Reminder.Channel.EMAIL}
    # Cancelled ones were cancelled by the change that made them stale, not caught at the last
    # moment by delivery, and left no trace in anyone's inbox.
    cancelled = {r.pk for r in reminders if r.status == Status.CANCELLED}
    assert not [r for r in reminders if r.status == Status.CANCELLED and r.last_error]
    assert not Notification.objects.filter(reminder_id__in=cancelled).exists()

    def sent_kinds(name: str) -> Counter:
        return Counter(r.kind for r in sent if r.session_id == sessions[name].pk)

    both = 2 * 2  # coach and rep, in-app and email
    # Held on the day: reminded before, never nudged after, and the commitment came up.
    # The coach booked them: only the rep hears of each booking.
    assert sent_kinds("held") == {Kind.SESSION_BOOKED: 2, Kind.SESSION_24H: both,
                                  Kind.SESSION_1H: both}  # fmt: skip
    assert Reminder.objects.filter(kind=Kind.COMMITMENT_DUE, status=Status.SENT).count() == 2
    # Never held: both hear it was missed.
    assert sent_kinds("missed")[Kind.SESSION_MISSED] == both
    # Moved after its first 24 h reminder: a fresh 24 h for the new time, the old 1 h never.
    moved = sessions["moved"]
    moved.refresh_from_db()
    assert sent_kinds("moved")[Kind.SESSION_24H] == 2 * both
    assert sent_kinds("moved")[Kind.SESSION_1H] == both
    [one_hour_due] = {
        r.due_at for r in sent if r.session_id == moved.pk and r.kind == Kind.SESSION_1H
    }
    assert one_hour_due == moved.scheduled_for - dt.timedelta(hours=1)
    # The rep asked (the coach is told), the coach moved it (the rep is told).
    assert sent_kinds("moved")[Kind.RESCHEDULE_REQUESTED] == 2
    assert sent_kinds("moved")[Kind.SESSION_RESCHEDULED] == 2
    # Cancelled before its reminders: only the booking and the cancellation went out.
    assert sent_kinds("cancelled") == {Kind.SESSION_BOOKED: 2, Kind.SESSION_CANCELLED: 2}
    # Moved away and back: each reminder once, for the final time only.
    twice = sessions["moved_twice"]
    twice.refresh_from_db()
    assert twice.scheduled_for == at(15, 16)
    assert sent_kinds("moved_twice")[Kind.SESSION_24H] == both
    assert sent_kinds("moved_twice")[Kind.SESSION_1H] == both
    assert {r.due_at for r in sent if r.session_id == twice.pk and r.kind == Kind.SESSION_24H} == {
        at(14, 16)
    }
    # The dispatcher only woke when something was due: a few hundred ticks, not 60 000.
    assert sim.ticks < 500
