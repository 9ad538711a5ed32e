"""Reminder channels: what each reminder says, and how it reaches its recipient.

Called by the outbox (``coaching.reminders.outbox.reminders_deliver``) with the reminders' rows
locked, inside the transaction that marks them sent: it builds each notification and email
here, and writes and sends them a batch at a time. Text is written in the recipient's own time
zone; session reminders sent by email carry an iCalendar invite (REQUEST or CANCEL).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from email.policy import Compat32

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from coaching.insights.digest import ManagerDigest, digest_for_manager
from coaching.models import CoachingSession, Commitment, Notification, Reminder
from coaching.reminders import calendar

Kind = Reminder.Kind

# Email about these kinds carries an invite that adds, moves or removes the calendar event.
INVITE_METHODS = {
    Kind.SESSION_BOOKED: "REQUEST",
    Kind.SESSION_RESCHEDULED: "REQUEST",
    Kind.SESSION_CANCELLED: "CANCEL",
}
# Reminders timed against the session's start: stale once the session has moved away from them.
BEFORE_START = {Kind.SESSION_24H: dt.timedelta(hours=24), Kind.SESSION_1H: dt.timedelta(hours=1)}
# Reminders that point at a session still to come: pointless once it is over or called off.
UPCOMING_SESSION_KINDS = {
    Kind.SESSION_BOOKED,
    Kind.SESSION_24H,
    Kind.SESSION_1H,
    Kind.SESSION_RESCHEDULED,
}
# How far a before-start reminder may sit from "session start minus its offset" and still be
# about this session's time (due times are written to the second; this only absorbs rounding).
STALE_AFTER = dt.timedelta(minutes=1)
# A digest that could not go out within its week is left to the next one, never sent late.
DIGEST_STALE_AFTER = dt.timedelta(days=7)


@dataclass
class Message:
    title: str
    body: str
    url: str = ""
    agenda: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def absolute_url(self) -> str:
        if not self.url or self.url.startswith(("http://", "https://")):
            return self.url
        return settings.SITE_URL.rstrip("/") + self.url


def session_path(session: CoachingSession) -> str:
    return reverse("coaching:session", args=[session.pk])


def commitment_path(commitment: Commitment) -> str:
    if commitment.session_id:
        return session_path(commitment.session)
    return reverse("coaching:my_coaching")


def local_time(value: dt.datetime, user: User) -> str:
    """ "Tue 3 Mar 2026, 14:00 GMT" in ``user``'s time zone."""
    local = timezone.localtime(value, user.tzinfo)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def _counterpart(session: CoachingSession, recipient: User) -> str:
    if recipient.pk == session.rep_id:
        return f"with your coach {session.coach}" if session.coach_id else "(no coach assigned yet)"
    return f"with {session.rep}"


def _session_message(reminder: Reminder, session: CoachingSession) -> Message:
    recipient = reminder.recipient
    when = local_time(session.scheduled_for, recipient)
    topic = f" on {session.module.title}" if session.module_id else ""
    who = _counterpart(session, recipient)
    texts = {
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
    }
    title, body = texts.get(reminder.kind, (f"Coaching session {when}", f"Coaching {who}."))
    payload = reminder.payload or {}
    if reminder.kind == Kind.SESSION_RESCHEDULED and payload.get("previous"):
        previous = dt.datetime.fromisoformat(payload["previous"])
        body = f"{body} It was planned for {local_time(previous, recipient)}."
    if reminder.kind == Kind.SESSION_CANCELLED and payload.get("reason"):
        body = f"{body} Reason given: {payload['reason']}"
    cancelled = reminder.kind == Kind.SESSION_CANCELLED
    agenda = [] if cancelled else calendar.agenda_sections(session.agenda)
    return Message(title=title, body=body, url=session_path(session), agenda=agenda)


def _commitment_message(reminder: Reminder, commitment: Commitment) -> Message:
    due = f"{commitment.due_date.day} {commitment.due_date:%b %Y}"
    if reminder.kind == Kind.COMMITMENT_MISSED:
        title = f"Commitment missed: {commitment.text[:80]}"
        body = f"“{commitment.text}” was due on {due}. It is on the agenda of your next session."
    else:
        title = f"Commitment due {due}: {commitment.text[:80]}"
        body = f"You committed to: “{commitment.text}”, due on {due}. Mark it kept when done."
    return Message(title=title, body=body, url=commitment_path(commitment))


GENERIC_TEXTS = {
    Kind.REINFORCEMENT_DUE: (
        "Time for a two-minute refresher",
        "A few questions keep what you learnt from fading.",
    ),
}


def _digest_message(digest: ManagerDigest) -> Message:
    if digest.is_empty:
        body = "Nothing needs you this week: no sessions ahead, nothing overdue, no skill fading."
    else:
        body = f"This week in coaching: {digest.summary}."
    return Message(
        title=f"Your coaching week: {digest.summary}",
        body=body,
        url=reverse("coaching:dashboard"),
    )


def reminder_digest(reminder: Reminder, *, now: dt.datetime) -> ManagerDigest | None:
    """The digest a weekly-digest reminder carries, read at delivery so it is current."""
    if reminder.kind != Kind.WEEKLY_DIGEST:
        return None
    return digest_for_manager(manager=reminder.recipient, now=now)


def reminder_message(reminder: Reminder, *, now: dt.datetime | None = None) -> Message:
    """What the reminder says to its recipient. ``payload`` title/body/url override the text."""
    if reminder.session_id:
        message = _session_message(reminder, reminder.session)
    elif reminder.commitment_id:
        message = _commitment_message(reminder, reminder.commitment)
    elif reminder.kind == Kind.WEEKLY_DIGEST:
        message = _digest_message(
            digest_for_manager(manager=reminder.recipient, now=now or timezone.now())
        )
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
            offset = BEFORE_START.get(reminder.kind)
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


def reminder_notification(reminder: Reminder, *, now: dt.datetime) -> Notification:
    """The in-app notification for ``reminder``, unsaved: the outbox writes a batch at once."""
    message = reminder_message(reminder, now=now)
    return Notification(
        recipient_id=reminder.recipient_id,
        reminder=reminder,
        title=message.title,
        body=message.body,
        url=message.url,
    )


class _HeaderPolicy(Compat32):
    """Python's default email policy (compat32), minus its costliest step where that step
    changes nothing: a header value that is ASCII, on one line and short enough not to fold is
    written as it is, instead of through ``email.header.Header``, which would return it
    unchanged at about twice the cost of the whole rest of writing the message."""

    def _fold(self, name, value, sanitize):
        if (
            isinstance(value, str)
            and value.isascii()
            and value.isprintable()
            and value == value.strip()
            and "  " not in value
            and len(name) + len(value) + 2 <= self.max_line_length
        ):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


HEADER_POLICY = _HeaderPolicy()


class ReminderEmail(EmailMultiAlternatives):
    """An email whose multipart boundaries are chosen when it is built, written with
    ``HEADER_POLICY``.

    Left to itself, Python's email generator picks a random boundary per part while writing the
    message and compiles a fresh regular expression to check it against the body: most of the
    cost of writing a reminder email. "=_" cannot occur in quoted-printable or base64 text and a
    uuid cannot plausibly occur anywhere else, so no check is needed.
    """

    def message(self, *args, **kwargs):
        mime = super().message(*args, **kwargs)
        for part in mime.walk():
            if part.is_multipart() and part.get_boundary() is None:
                part.set_boundary(f"=_{uuid.uuid4().hex}")
        # The generator writes every part with the top-level message's policy.
        mime.policy = HEADER_POLICY
        return mime


def reminder_email(reminder: Reminder, *, now: dt.datetime) -> EmailMultiAlternatives:
    """The email for ``reminder``: text and HTML bodies, and an invite for session changes."""
    message = reminder_message(reminder, now=now)
    digest = reminder_digest(reminder, now=now)
    context = {
        "recipient": reminder.recipient,
        "message": message,
        "reminder": reminder,
        "digest": digest,
        "site_url": settings.SITE_URL.rstrip("/"),
        "settings_url": settings.SITE_URL.rstrip("/") + reverse("coaching:notifications"),
    }
    template = "email/digest" if digest is not None else "email/reminder"
    email = ReminderEmail(
        subject=message.title,
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.recipient.email],
        # Lets support trace a message back to its reminder row.
        headers={"X-Reminder-Id": str(reminder.pk)},
    )
    email.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    method = INVITE_METHODS.get(reminder.kind)
    wants_invite = (reminder.payload or {}).get("calendar_invite", True) is not False
    if method and reminder.session_id and wants_invite:
        email.attach(
            calendar.session_invite_part(
                session=reminder.session, method=method, now=now, url=message.absolute_url
            )
        )
    return email


def deliver(reminder: Reminder, *, now: dt.datetime) -> None:
    """Deliver one reminder on its own, outside the outbox (the benchmark's baseline does)."""
    if reminder.channel == Reminder.Channel.IN_APP:
        # The one-to-one on the reminder refuses a second notification.
        Notification.objects.bulk_create(
            [reminder_notification(reminder, now=now)], ignore_conflicts=True
        )
    else:
        reminder_email(reminder, now=now).send(fail_silently=False)
