"""Helpers shared by the outbox, delivery and notification tests."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections import Counter
from email import message_from_bytes
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from coaching.models import CoachingPlan, CoachingSession, Reminder
from coaching.reminders.schedule import reminder_schedule


def session_between(*, rep, coach, scheduled_for: dt.datetime, **fields) -> CoachingSession:
    """A scheduled session, written directly: these tests are about delivery, not booking."""
    plan = CoachingPlan.objects.filter(rep=rep, status=CoachingPlan.Status.ACTIVE).first()
    if plan is None:
        plan = CoachingPlan.objects.create(rep=rep, coach=coach)
    return CoachingSession.objects.create(
        plan=plan, rep=rep, coach=coach, scheduled_for=scheduled_for, **fields
    )


def remind(
    recipient,
    *,
    kind: str = Reminder.Kind.SESSION_BOOKED,
    due_at: dt.datetime | None = None,
    key: str | None = None,
    channels: tuple[str, ...] = (Reminder.Channel.IN_APP, Reminder.Channel.EMAIL),
    **kwargs,
) -> list[Reminder]:
    """Write reminders through the one service that writes them."""
    due_at = due_at or timezone.now()
    key = (
        key or f"test:{kind}:{due_at.timestamp()}:{kwargs.get('session') and kwargs['session'].pk}"
    )
    return reminder_schedule(
        recipient=recipient, kind=kind, due_at=due_at, key=key, channels=channels, **kwargs
    )


class RecordingEmailBackend(BaseEmailBackend):
    """Email for a worker in another process: each message becomes a file the test can count.

    Configured through the environment, since the worker is a separate process:
    ``OUTBOX_TEST_MAIL_DIR`` is where messages go; with ``OUTBOX_TEST_HANG_SEND`` set, a send
    announces itself there (a ``hung-<pid>`` file) and then hangs like a stalled mail server,
    until the test kills the worker. With ``OUTBOX_TEST_HANG_AFTER=n``, the first ``n``
    messages are accepted and the ``n``-th then hangs, accepted but not yet acknowledged: the
    worst moment for the worker to die.
    """

    accepted = 0  # per worker process: the solo pool keeps it across the batch's sends

    def send_messages(self, email_messages) -> int:
        folder = Path(os.environ["OUTBOX_TEST_MAIL_DIR"])
        if os.environ.get("OUTBOX_TEST_HANG_SEND"):
            self._hang(folder)
        hang_after = int(os.environ.get("OUTBOX_TEST_HANG_AFTER") or 0)
        for message in email_messages:
            (folder / f"{uuid.uuid4().hex}.eml").write_bytes(message.message().as_bytes())
            RecordingEmailBackend.accepted += 1
            if RecordingEmailBackend.accepted == hang_after:
                self._hang(folder)
        return len(email_messages)

    @staticmethod
    def _hang(folder: Path) -> None:
        (folder / f"hung-{os.getpid()}").write_text("sending")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(0.05)  # a stalled server, in the worker; the test polls, not sleeps
        raise TimeoutError("The hung send was never interrupted.")


class RefusingEmailBackend(BaseEmailBackend):
    """A mail server that refuses the addresses in ``refused`` one message at a time, or, when
    ``refused`` is empty, has gone away altogether; it keeps what it accepts in ``accepted``.
    Class-level state, so tests can read it."""

    refused: set[str] = set()
    accepted: list = []
    attempts: list[str] = []

    @classmethod
    def reset(cls, *, refused: set[str] | None = None) -> None:
        cls.refused, cls.accepted, cls.attempts = set(refused or ()), [], []

    def send_messages(self, email_messages) -> int:
        import smtplib

        for message in email_messages:
            address = message.to[0]
            self.attempts.append(address)
            if not self.refused:
                raise smtplib.SMTPServerDisconnected("mail server went away")
            if address in self.refused:
                raise smtplib.SMTPRecipientsRefused({address: (550, b"No such mailbox")})
            self.accepted.append(message)
        return len(email_messages)


def sent_mail_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml"))


def sent_message_ids(folder: Path) -> Counter[str]:
    """How many times each Message-ID reached the mail sink."""
    return Counter(
        message_from_bytes(path.read_bytes())["Message-ID"] for path in sent_mail_files(folder)
    )
