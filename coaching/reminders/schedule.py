"""Writing reminder rows: the outbox's input. Delivery lives in ``coaching.reminders.outbox``.

Every reminder is a row first, keyed by a unique ``dedupe_key`` so that writing the same
reminder twice keeps one row. Callers run inside their own transaction; a reminder that is
already due wakes the dispatcher once that transaction commits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from coaching.models import CoachingSession, Commitment, Reminder
from coaching.reminders.wake import dispatcher_wake

CHANNELS = (Reminder.Channel.IN_APP, Reminder.Channel.EMAIL)

# Reminders timed against the session's start, and how long before it each is due. The one
# statement of the rule: writing puts them there, delivery drops one that no longer sits there.
SESSION_BEFORE_START: dict[str, dt.timedelta] = {
    Reminder.Kind.SESSION_24H: dt.timedelta(hours=24),
    Reminder.Kind.SESSION_1H: dt.timedelta(hours=1),
}


def _kick_dispatcher() -> None:
    # After the commit: never raises, a broker outage only delays until the next beat.
    dispatcher_wake()


def _wake_after_commit() -> None:
    _kick_dispatcher()


def _kick_dispatcher_once_on_commit() -> None:
    """One wake per transaction, however many due reminders it wrote: one dispatcher run claims
    them all, and each wake costs a broker round trip on the request's hot path."""
    connection = transaction.get_connection()
    if any(entry[1] is _wake_after_commit for entry in connection.run_on_commit):
        return
    transaction.on_commit(_wake_after_commit)


def _per_channel(
    occasion: Reminder, *, key: str, channels: tuple[str, ...] = CHANNELS
) -> list[Reminder]:
    """Unsaved rows of ``occasion`` (a reminder with no channel yet), one per channel; the
    dedupe key adds recipient and channel to ``key``."""
    return [
        Reminder(
            recipient=occasion.recipient,
            kind=occasion.kind,
            channel=channel,
            due_at=occasion.due_at,
            dedupe_key=f"{key}:{occasion.recipient.pk}:{channel}",
            session=occasion.session,
            commitment=occasion.commitment,
            payload=occasion.payload,
        )
        for channel in channels
    ]


def reminders_write(*, rows: list[Reminder]) -> None:
    """Write unsaved reminder rows idempotently, by ``dedupe_key``, in a few queries whatever
    their number: one SELECT of the keys that exist, one UPDATE per due time that moves, one
    INSERT of the rest.

    A row that exists already is left as it is (sent stays sent); a pending one takes the new
    due time. A row another transaction writes at the same moment is kept as that one wrote it
    (the unique key refuses the second). Wakes the dispatcher once the transaction commits when
    any pending row is due already.
    """
    if not rows:
        return
    existing = {
        reminder.dedupe_key: reminder
        for reminder in Reminder.objects.filter(dedupe_key__in=[row.dedupe_key for row in rows])
    }
    moves: dict[dt.datetime, list[int]] = defaultdict(list)
    missing: list[Reminder] = []
    pending_due: list[dt.datetime] = []
    for row in rows:
        reminder = existing.get(row.dedupe_key)
        if reminder is None:
            missing.append(row)
            pending_due.append(row.due_at)
        elif reminder.status == Reminder.Status.PENDING:
            if reminder.due_at != row.due_at:
                moves[row.due_at].append(reminder.pk)
            pending_due.append(row.due_at)
    for due_at, ids in moves.items():
        # Only while still pending: a row claimed since the SELECT keeps its time.
        Reminder.objects.filter(pk__in=ids, status=Reminder.Status.PENDING).update(due_at=due_at)
    if missing:
        Reminder.objects.bulk_create(missing, ignore_conflicts=True)
    now = timezone.now()
    if any(due_at <= now for due_at in pending_due):
        _kick_dispatcher_once_on_commit()


def reminder_schedule(
    *,
    recipient: User,
    kind: str,
    due_at: dt.datetime,
    key: str,
    channels: tuple[str, ...] = CHANNELS,
    session: CoachingSession | None = None,
    commitment: Commitment | None = None,
    payload: dict[str, Any] | None = None,
) -> list[Reminder]:
    """Write one pending reminder per channel, idempotently (the rules of ``reminders_write``).

    ``key`` names the occasion (``session:12:24h``); the dedupe key adds recipient and channel.
    Returns the rows as stored, in the order of ``channels``.
    """
    occasion = Reminder(
        recipient=recipient,
        kind=kind,
        due_at=due_at,
        session=session,
        commitment=commitment,
        payload=payload or {},
    )
    rows = _per_channel(occasion, key=key, channels=channels)
    reminders_write(rows=rows)
    stored = Reminder.objects.in_bulk([row.dedupe_key for row in rows], field_name="dedupe_key")
    return [stored[row.dedupe_key] for row in rows]


def reminders_cancel(*, reminders: QuerySet[Reminder]) -> int:
    """Cancel what has not gone out yet; sent reminders stay sent."""
    return reminders.filter(status__in=[Reminder.Status.PENDING, Reminder.Status.QUEUED]).update(
        status=Reminder.Status.CANCELLED, lease_expires_at=None
    )


def reminders_restore(*, reminders: QuerySet[Reminder], due_at: dt.datetime) -> int:
    """Make cancelled reminders pending again at ``due_at`` (what they were about is back)."""
    restored = reminders.filter(status=Reminder.Status.CANCELLED, sent_at__isnull=True).update(
        status=Reminder.Status.PENDING, due_at=due_at, attempts=0, last_error=""
    )
    if restored and due_at <= timezone.now():
        _kick_dispatcher_once_on_commit()
    return restored


# --- a session's reminder set -----------------------------------------------------------------
#
# Reminders whose due time follows the session's time: written at booking, moved when the
# session moves, cancelled when it is cancelled or held. Offsets are from the start
# (``SESSION_BEFORE_START``), except the hold-overdue nudge, which follows the end.
SESSION_TIMED_KINDS = (*SESSION_BEFORE_START, Reminder.Kind.SESSION_HOLD_OVERDUE)
# The occasion in each dedupe key: session:12:24h, session:12:1h, session:12:hold_overdue.
SESSION_TIMED_OCCASIONS: dict[str, str] = {
    Reminder.Kind.SESSION_24H: "24h",
    Reminder.Kind.SESSION_1H: "1h",
    Reminder.Kind.SESSION_HOLD_OVERDUE: "hold_overdue",
}


def _session_parties(session: CoachingSession) -> list[User]:
    return [person for person in (session.coach, session.rep) if person is not None]


def _session_timed_due(session: CoachingSession, kind: str) -> dt.datetime:
    if kind == Reminder.Kind.SESSION_HOLD_OVERDUE:
        end = session.ends_at
        return end + dt.timedelta(hours=settings.COACHING_HOLD_NUDGE_HOURS)
    return session.scheduled_for - SESSION_BEFORE_START[kind]


def _session_timed_recipients(session: CoachingSession, kind: str) -> list[User]:
    if kind == Reminder.Kind.SESSION_HOLD_OVERDUE:
        return [session.coach] if session.coach is not None else []
    return _session_parties(session)


def _session_rows(
    session: CoachingSession,
    *,
    kind: str,
    due_at: dt.datetime,
    recipients: list[User],
    key: str,
    channels: tuple[str, ...] = CHANNELS,
    payload: dict[str, Any] | None = None,
) -> list[Reminder]:
    """Unsaved rows of one occasion of the session, for each recipient on each channel."""
    return [
        row
        for person in recipients
        for row in _per_channel(
            Reminder(
                recipient=person, kind=kind, due_at=due_at, session=session, payload=payload or {}
            ),
            key=f"session:{session.pk}:{key}",
            channels=channels,
        )
    ]


def session_reminders_schedule(
    *, session: CoachingSession, calendar_invite: bool = True, booked_by: User | None = None
) -> None:
    """Write a newly booked session's reminders.

    Coach and rep hear of the booking now (its payload says a calendar invite goes with it),
    except ``booked_by``, who just booked it themselves; both are reminded 24 h and 1 h before
    (unless that moment has passed already), and the coach is nudged when the session is not
    marked held by its end plus the grace period. With no coach, only the rep's reminders are
    written.
    """
    now = timezone.now()
    told = [p for p in _session_parties(session) if booked_by is None or p.pk != booked_by.pk]
    rows = _session_rows(
        session,
        kind=Reminder.Kind.SESSION_BOOKED,
        due_at=now,
        recipients=told,
        key="booked",
        payload={"calendar_invite": calendar_invite},
    )
    for kind in SESSION_TIMED_KINDS:
        due_at = _session_timed_due(session, kind)
        if due_at <= now:
            continue
        rows += _session_rows(
            session,
            kind=kind,
            due_at=due_at,
            recipients=_session_timed_recipients(session, kind),
            key=SESSION_TIMED_OCCASIONS[kind],
        )
    reminders_write(rows=rows)


def session_reminders_move(*, session: CoachingSession) -> None:
    """Follow the session to its new time: pending reminders move, sent ones stay sent.

    A reminder whose new moment has already passed is cancelled. Someone whose reminder went
    out (or was never written because its moment had passed) gets a fresh one for the new
    time, keyed by that time so that moving back and forth never doubles a message.
    Reminders being delivered right now (queued) are left to finish; a fresh one follows.
    """
    now = timezone.now()
    stamp = session.scheduled_for.astimezone(dt.UTC).strftime("%Y%m%dT%H%M")
    rows: list[Reminder] = []
    for kind in SESSION_TIMED_KINDS:
        due_at = _session_timed_due(session, kind)
        pending = session.reminders.filter(kind=kind, status=Reminder.Status.PENDING)
        if due_at <= now:
            reminders_cancel(reminders=pending)
            continue
        pending.update(due_at=due_at)
        covered = set(
            session.reminders.filter(kind=kind, status=Reminder.Status.PENDING).values_list(
                "recipient_id", "channel"
            )
        )
        for person in _session_timed_recipients(session, kind):
            channels = tuple(c for c in CHANNELS if (person.pk, c) not in covered)
            if channels:
                rows += _session_rows(
                    session,
                    kind=kind,
                    due_at=due_at,
                    recipients=[person],
                    key=f"{SESSION_TIMED_OCCASIONS[kind]}:{stamp}",
                    channels=channels,
                )
    reminders_write(rows=rows)


def session_reminders_cancel(
    *, session: CoachingSession, kinds: Iterable[str] | None = None
) -> int:
    """Cancel the session's reminders that have not gone out (of ``kinds``, or all of them)."""
    reminders = session.reminders.all()
    if kinds is not None:
        reminders = reminders.filter(kind__in=kinds)
    return reminders_cancel(reminders=reminders)


def session_notice(
    *,
    session: CoachingSession,
    kind: str,
    recipients: list[User],
    occasion: str,
    payload: dict[str, Any] | None = None,
) -> None:
    """Tell ``recipients`` now that something happened to the session (moved, cancelled...).

    ``occasion`` makes the dedupe key (``session:12:cancelled``), so repeating the same event
    writes nothing new.
    """
    reminders_write(
        rows=_session_rows(
            session,
            kind=kind,
            due_at=timezone.now(),
            recipients=recipients,
            key=occasion,
            payload=payload,
        )
    )


def session_reminders_hand_over(*, session: CoachingSession, previous: User | None) -> None:
    """The session changed coach (the rep moved to another manager) and perhaps time.

    The former coach's pending reminders of the session's time go to the new coach, their
    other pending notices (a booking or a move not yet delivered) are dropped, and then the
    reminders follow the session's time as on any move (``session_reminders_move``), which
    also writes what the new coach still lacks. The row keeps its key: re-pointing it, rather
    than writing another, keeps a move back and forth from ever doubling a message.
    """
    if previous is not None and previous.pk != session.coach_id:
        pending = session.reminders.filter(recipient=previous, status=Reminder.Status.PENDING)
        timed = pending.filter(kind__in=SESSION_TIMED_KINDS)
        if session.coach_id is not None:
            timed.update(recipient_id=session.coach_id)
        reminders_cancel(reminders=pending)
    session_reminders_move(session=session)
