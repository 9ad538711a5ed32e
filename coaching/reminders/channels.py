"""How a reminder reaches its recipient: an in-app notification, or an email.

Called by the outbox (``coaching.reminders.outbox.reminders_deliver``) with the reminders' rows
locked, inside the transaction that marks them sent; the outbox writes and sends a batch at a
time. Session changes sent by email carry an iCalendar invite (REQUEST or CANCEL).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from coaching.models import CoachingSession, Notification, Reminder
from coaching.reminders import calendar
from coaching.reminders.links import site_host, site_url
from coaching.reminders.messages import reminder_message

Kind = Reminder.Kind

# Email about these kinds carries an invite that adds, moves or removes the calendar event.
INVITE_METHODS: dict[str, str] = {
    Kind.SESSION_BOOKED: "REQUEST",
    Kind.SESSION_RESCHEDULED: "REQUEST",
    Kind.SESSION_CANCELLED: "CANCEL",
}

# A batch's invites by session, method and link: coach and rep hear of the same change in the
# same batch, and the invite is the same calendar text for both, so it is written once.
Invites = dict[tuple[int, str, str], bytes]


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


def reminder_message_id(reminder: Reminder) -> str:
    """The email's Message-ID, the same every time the reminder is sent: a message sent again
    after a crash is recognisable as the one already received."""
    # 128 bits of the key's hash: unique enough, and short enough that the header stays on
    # one line.
    digest = hashlib.sha256(reminder.dedupe_key.encode()).hexdigest()[:32]
    return f"<reminder.{digest}@{site_host()}>"


def _invite(
    session: CoachingSession, *, method: str, now: dt.datetime, url: str, invites: Invites
) -> bytes:
    key = (session.pk, method, url)
    if key not in invites:
        invites[key] = calendar.session_invite(session=session, method=method, now=now, url=url)
    return invites[key]


def reminder_email(
    reminder: Reminder, *, now: dt.datetime, invites: Invites | None = None
) -> EmailMultiAlternatives:
    """The email for ``reminder``: text and HTML bodies, and an invite for session changes.

    ``invites`` keeps the invites written for one batch, so a batch writes each one once.
    """
    message = reminder_message(reminder, now=now)
    context = {
        "recipient": reminder.recipient,
        "message": message,
        "reminder": reminder,
        "digest": message.digest,
        "site_url": site_url(),
        "settings_url": site_url(reverse("profile")),
    }
    template = "email/digest" if message.digest is not None else "email/reminder"
    email = EmailMultiAlternatives(
        subject=message.title,
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.recipient.email],
        headers={
            "Message-ID": reminder_message_id(reminder),
            # Lets support trace a message back to its reminder row.
            "X-Reminder-Id": str(reminder.pk),
        },
    )
    email.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    method = INVITE_METHODS.get(reminder.kind)
    wants_invite = (reminder.payload or {}).get("calendar_invite", True) is not False
    if method and reminder.session is not None and wants_invite:
        ics = _invite(
            reminder.session,
            method=method,
            now=now,
            url=message.absolute_url,
            invites={} if invites is None else invites,
        )
        email.attach(calendar.invite_part(ics=ics, method=method))
    return email
