"""What each reminder says, and whether it still has anything to say when it comes due.

Text is written in the recipient's own time zone. How a message reaches its recipient (an in-app
notification, an email with its invite) is ``coaching.reminders.channels``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol, cast

from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from coaching.models import CoachingSession, Commitment, Reminder
from coaching.models.agenda import agenda_sections
from coaching.reminders.content import reminder_content
from coaching.reminders.links import commitment_path, session_path, site_url
from coaching.reminders.schedule import SESSION_BEFORE_START

Kind = Reminder.Kind

# Reminders that point at a session still to come: pointless once it is over or called off.
UPCOMING_SESSION_KINDS = {
    Kind.SESSION_BOOKED,
    Kind.SESSION_24H,
    Kind.SESSION_1H,
    Kind.SESSION_RESCHEDULED,
    Kind.SESSION_CONFLICT,
    Kind.RESCHEDULE_REQUESTED,
    Kind.RESCHEDULE_KEPT,
}
# How far a before-start reminder may sit from "session start minus its offset" and still be
# about this session's time (due times are written to the second; this only absorbs rounding).
STALE_AFTER = dt.timedelta(minutes=1)
# A digest that could not go out within its week is left to the next one, never sent late.
DIGEST_STALE_AFTER = dt.timedelta(days=7)


class DigestContent(Protocol):
    """What the weekly digest's provider computes (``insights``' ManagerDigest), as far as its
    message needs it; its email template reads the rest."""

    @property
    def summary(self) -> str: ...

    @property
    def is_empty(self) -> bool: ...


@dataclass
class Message:
    title: str
    body: str
    url: str = ""
    agenda: list[tuple[str, list[str]]] = field(default_factory=list)
    # A weekly digest's content, computed once for the message and the email that carries it.
    digest: DigestContent | None = None

    @property
    def absolute_url(self) -> str:
        if not self.url or self.url.startswith(("http://", "https://")):
            return self.url
        return site_url(self.url)


def local_time(value: dt.datetime, user: User) -> str:
    """ "Tue 3 Mar 2026, 14:00 GMT" in ``user``'s time zone."""
    local = timezone.localtime(value, user.tzinfo)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def zone_name(user: User) -> str:
    """ "London time" for Europe/London, "New York time" for America/New_York."""
    place = str(user.tzinfo).rsplit("/", 1)[-1].replace("_", " ")
    return "UTC" if place.upper() == "UTC" else f"{place} time"


def local_day(day: dt.date, user: User) -> str:
    """ "Fri 11 Dec 2026, London time": a due date is a day in ``user``'s calendar."""
    return f"{day:%a} {day.day} {day:%b %Y}, {zone_name(user)}"


def _counterpart(session: CoachingSession, recipient: User) -> str:
    if session.source == CoachingSession.Source.PEER:
        # Peer practice (DESIGN §13): led by a teammate, the mentor, stored as its coach.
        if recipient.pk == session.rep_id:
            return f"with {session.coach}, your peer mentor (peer practice)"
        return f"with {session.rep}, whom you mentor (peer practice)"
    if recipient.pk == session.rep_id:
        return f"with your coach {session.coach}" if session.coach_id else "(no coach assigned yet)"
    return f"with {session.rep}"


def _session_message(reminder: Reminder, session: CoachingSession) -> Message:
    recipient = reminder.recipient
    when = local_time(session.scheduled_for, recipient)
    topic = f" on {session.module.title}" if session.module is not None else ""
    who = _counterpart(session, recipient)
    texts: dict[str, tuple[str, str]] = {
        Kind.SESSION_BOOKED: (
            f"Coaching session booked for {when}",
            f"A coaching session{topic} {who} is booked for {when}.",
        ),
        Kind.SESSION_24H: (
            f"Coaching session tomorrow, {when}",
            f"Your coaching session{topic} {who} is tomorrow, {when}.",
        ),
        Kind.SESSION_1H: (
            f"Coaching session in an hour, {when}",
            f"Your coaching session{topic} {who} starts at {when}.",
        ),
        Kind.SESSION_HOLD_OVERDUE: (
            f"Mark your session with {session.rep} as held",
            f"The coaching session{topic} {who} was due at {when}. "
            "Record how it went, or mark it missed.",
        ),
        Kind.SESSION_RESCHEDULED: (
            f"Coaching session moved to {when}",
            f"The coaching session{topic} {who} now takes place {when}.",
        ),
        Kind.SESSION_CANCELLED: (
            f"Coaching session on {when} cancelled",
            f"The coaching session{topic} {who} planned for {when} is cancelled.",
        ),
        Kind.SESSION_MISSED: (
            f"Coaching session on {when} missed",
            f"The coaching session{topic} {who} planned for {when} did not take place.",
        ),
        # A calendar clash (``sessions/calendars/conflicts.py``): never whose event, nor its title.
        Kind.SESSION_CONFLICT: (
            f"Calendar clash with your coaching session on {when}",
            f"A calendar now shows a busy time during the coaching session{topic} {who} "
            f"on {when}. The session keeps its time until the coach moves it or keeps it, "
            "on the session page.",
        ),
        Kind.RESCHEDULE_REQUESTED: (
            f"{session.rep} asks to reschedule {when}",
            f"{session.rep} asks to move the coaching session{topic} planned for {when}. "
            "Pick a new time, or keep this one, on the session page.",
        ),
        Kind.RESCHEDULE_KEPT: (
            f"Coaching session stays at {when}",
            f"You asked to move the coaching session{topic} {who}; it stays at {when}.",
        ),
    }
    title, body = texts.get(reminder.kind, (f"Coaching session {when}", f"Coaching {who}."))
    payload = reminder.payload or {}
    if reminder.kind == Kind.SESSION_RESCHEDULED and payload.get("previous"):
        previous = dt.datetime.fromisoformat(payload["previous"])
        body = f"{body} It was planned for {local_time(previous, recipient)}."
    if reminder.kind == Kind.SESSION_RESCHEDULED and payload.get("answers_request"):
        body = f"{body} This answers the request to reschedule it."
    if reminder.kind in (Kind.SESSION_CANCELLED, Kind.RESCHEDULE_REQUESTED) and payload.get(
        "reason"
    ):
        body = f"{body} Reason given: {payload['reason']}"
    if reminder.kind == Kind.SESSION_CONFLICT and payload.get("proposed_for"):
        proposed = dt.datetime.fromisoformat(payload["proposed_for"])
        body = f"{body} Proposed instead: {local_time(proposed, recipient)}."
    if reminder.kind == Kind.RESCHEDULE_REQUESTED and payload.get("proposed_for"):
        proposed = dt.datetime.fromisoformat(payload["proposed_for"])
        body = (
            f"{body} {session.rep} proposes {local_time(proposed, recipient)}, free for you "
            "both: one click on the session page moves it there."
        )
    if reminder.kind == Kind.RESCHEDULE_KEPT and payload.get("answer"):
        body = f"{body} Your coach says: {payload['answer']}"
    cancelled = reminder.kind == Kind.SESSION_CANCELLED
    for_rep = recipient.pk == session.rep_id
    agenda = [] if cancelled else agenda_sections(session.agenda, for_rep=for_rep)
    return Message(title=title, body=body, url=session_path(session), agenda=agenda)


def _commitment_message(reminder: Reminder, commitment: Commitment) -> Message:
    # A due date is a day in the rep's calendar, whoever reads it.
    due = local_day(commitment.due_date, commitment.rep)
    if reminder.kind == Kind.COMMITMENT_MISSED and reminder.recipient_id != commitment.rep_id:
        rep = commitment.rep
        title = f"{rep} missed a commitment: {commitment.text[:80]}"
        body = (
            f"{rep} committed to “{commitment.text}”, due {due}, and has not kept it. "
            "It is on the agenda of your next session with them."
        )
    elif reminder.kind == Kind.COMMITMENT_MISSED:
        title = f"Commitment missed: {commitment.text[:80]}"
        body = f"“{commitment.text}” was due {due}. It is on the agenda of your next session."
    else:
        day = commitment.due_date
        title = f"Commitment due {day:%a} {day.day} {day:%b}: {commitment.text[:80]}"
        body = f"You committed to “{commitment.text}”, due {due}. Mark it kept when done."
    return Message(title=title, body=body, url=commitment_path(commitment))


GENERIC_TEXTS: dict[str, tuple[str, str]] = {
    Kind.REINFORCEMENT_DUE: (
        "Time for a two-minute refresher",
        "A few questions keep what you learnt from fading.",
    ),
}


def _digest_message(digest: DigestContent) -> Message:
    if digest.is_empty:
        body = "Nothing needs you this week: no sessions ahead, nothing overdue, no skill fading."
    else:
        body = f"This week in coaching: {digest.summary}."
    return Message(
        title=f"Your coaching week: {digest.summary}",
        body=body,
        url=reverse("coaching:dashboard"),
        digest=digest,
    )


def _sessions_phrase(count: int) -> str:
    return "1 upcoming session" if count == 1 else f"{count} upcoming sessions"


def _coach_changed_message(reminder: Reminder) -> Message:
    """A rep moved to another manager (``coaching.sessions.reassign``): the rep, the former and
    the new coach each read what it means for them."""
    recipient, facts = reminder.recipient, reminder.payload or {}
    rep, previous = facts.get("rep_name"), facts.get("previous_name")
    coach = facts.get("coach_name")
    moved = facts.get("moved") or []
    sessions = int(facts.get("kept") or 0) + len(moved)
    times = "; ".join(
        f"{local_time(dt.datetime.fromisoformat(m['from']), recipient)} → "
        f"{local_time(dt.datetime.fromisoformat(m['to']), recipient)}"
        for m in moved
    )
    moved_note = f" Moved to a time {coach} is free: {times}." if times else ""
    if recipient.pk == facts.get("rep"):
        if not coach:
            return Message(
                title="You have no manager assigned for now",
                body=f"You no longer report to {previous}. Your sessions wait for a new coach; "
                "an admin will assign one.",
                url=reverse("coaching:my_coaching"),
            )
        return Message(
            title=f"Your coach is now {coach}",
            body=f"You now report to {coach}, who takes over your coaching plan and "
            f"{_sessions_phrase(sessions)}.{moved_note} Your past sessions stay in your history.",
            url=reverse("coaching:my_coaching"),
        )
    if recipient.pk == facts.get("coach"):
        source = f" from {previous}'s team" if previous else ""
        return Message(
            title=f"{rep} now reports to you",
            body=f"{rep} joined your team{source}. Their coaching plan and "
            f"{_sessions_phrase(sessions)} are yours now.{moved_note} Their past sessions "
            "and ratings are in their history.",
            url=reverse("coaching:plan", args=[facts.get("rep")]),
        )
    successor = f"{coach}, their new manager," if coach else "an admin, until a new manager is set,"
    return Message(
        title=f"{rep} no longer reports to you",
        body=f"{rep}'s coaching plan and {_sessions_phrase(sessions)} now go to {successor} "
        "with their reminders. The sessions you held with them stay readable in your history.",
        url=reverse("coaching:week"),
    )


def _handed_over_message(reminder: Reminder, session: CoachingSession) -> Message:
    """The former coach's word that a session left their calendar with the rep."""
    when = local_time(session.scheduled_for, reminder.recipient)
    successor = (reminder.payload or {}).get("handed_to") or "an admin"
    return Message(
        title=f"Session with {session.rep} on {when} handed over",
        body=f"{session.rep} now reports to {successor}, who leads the coaching session "
        f"planned for {when}. It is removed from your calendar.",
        url=reverse("coaching:week"),
    )


def reminder_message(reminder: Reminder, *, now: dt.datetime | None = None) -> Message:
    """What the reminder says to its recipient. ``payload`` title/body/url override the text.

    A weekly digest is computed here, at delivery, so it says what is true when it goes out.
    """
    if reminder.kind == Kind.COACH_CHANGED:
        message = _coach_changed_message(reminder)
    elif reminder.session is not None and "handed_to" in (reminder.payload or {}):
        message = _handed_over_message(reminder, reminder.session)
    elif reminder.session is not None:
        message = _session_message(reminder, reminder.session)
    elif reminder.commitment is not None:
        message = _commitment_message(reminder, reminder.commitment)
    elif reminder.kind == Kind.WEEKLY_DIGEST:
        digest = reminder_content(reminder, now=now or timezone.now())
        message = _digest_message(cast(DigestContent, digest))
    else:
        title, body = GENERIC_TEXTS.get(
            reminder.kind, (reminder.get_kind_display(), reminder.get_kind_display())
        )
        message = Message(title=title, body=body)
    payload = reminder.payload or {}
    for name in ("title", "body", "url"):
        if isinstance(payload.get(name), str) and payload[name]:
            setattr(message, name, payload[name])
    message.title = " ".join(message.title.split())[:200]  # one line: it is also a subject
    return message


def reason_not_to_deliver(reminder: Reminder, *, now: dt.datetime) -> str:
    """Why the reminder must not go out any more (it is then cancelled), or "".

    A recipient without an email address gets the in-app twin of an email reminder only; the
    email row is cancelled rather than marked sent, so ``sent`` always means a message left.
    """
    recipient = reminder.recipient
    if not recipient.is_active:
        return "Recipient is no longer active."
    if reminder.channel == Reminder.Channel.EMAIL and not recipient.email:
        return "Recipient has no email address; delivered in-app only."
    if reminder.kind == Kind.WEEKLY_DIGEST and now - reminder.due_at > DIGEST_STALE_AFTER:
        return "A newer weekly digest replaces this one."
    session = reminder.session
    if session is not None:
        scheduled = session.status == CoachingSession.Status.SCHEDULED
        if reminder.kind in UPCOMING_SESSION_KINDS:
            if not scheduled:
                return f"The session is {session.get_status_display().lower()}."
            if session.scheduled_for <= now:
                return "The session has already started."
            offset = SESSION_BEFORE_START.get(reminder.kind)
            # A reminder claimed just before its session moved still names the old time; the
            # move wrote a fresh one for the new time, so this one must not go out.
            if offset and abs(session.scheduled_for - offset - reminder.due_at) > STALE_AFTER:
                return "The session has moved."
        if reminder.kind == Kind.SESSION_HOLD_OVERDUE and not scheduled:
            return f"The session is already {session.get_status_display().lower()}."
        if reminder.kind == Kind.SESSION_MISSED and session.status != CoachingSession.Status.MISSED:
            return f"The session is {session.get_status_display().lower()}."
    commitment = reminder.commitment
    if commitment is not None:
        if reminder.kind == Kind.COMMITMENT_DUE and commitment.status != Commitment.Status.OPEN:
            return f"The commitment is already {commitment.get_status_display().lower()}."
        if (
            reminder.kind == Kind.COMMITMENT_MISSED
            and commitment.status != Commitment.Status.MISSED
        ):
            return f"The commitment is {commitment.get_status_display().lower()}."
    return ""
