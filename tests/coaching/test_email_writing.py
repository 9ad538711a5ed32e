"""Reminder emails: Django's own email classes, and a Message-ID that names the reminder."""

from __future__ import annotations

import hashlib
from email import message_from_bytes
from email.policy import compat32

import pytest
from django.core import mail
from django.utils import timezone

from coaching.models import Reminder
from coaching.reminders.channels import reminder_email
from coaching.reminders.outbox import reminders_claim_due, reminders_deliver
from tests.coaching.outbox_support import remind
from tests.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

EMAIL = Reminder.Channel.EMAIL


@pytest.fixture
def rep(db, settings):
    settings.SITE_URL = "https://app.example.com/"
    return RepFactory(manager=ManagerFactory())


def send_due() -> None:
    now = timezone.now()
    reminders_deliver(reminder_ids=reminders_claim_due(now=now), now=now)


def test_a_reminder_email_has_a_message_id_made_from_its_dedupe_key(rep):
    [reminder] = remind(rep, kind=Reminder.Kind.REINFORCEMENT_DUE, channels=(EMAIL,), key="r")
    send_due()

    [sent] = mail.outbox
    digest = hashlib.sha256(reminder.dedupe_key.encode()).hexdigest()[:32]
    expected = f"<reminder.{digest}@app.example.com>"
    assert sent.message()["Message-ID"] == expected
    parsed = message_from_bytes(sent.message().as_bytes())
    assert parsed["Message-ID"] == expected
    assert parsed["X-Reminder-Id"] == str(reminder.pk)


def test_the_same_reminder_written_again_has_the_same_message_id_and_others_their_own(rep):
    first, second = (
        remind(rep, kind=Reminder.Kind.REINFORCEMENT_DUE, channels=(EMAIL,), key=key)[0]
        for key in ("first", "second")
    )
    reminders = Reminder.objects.select_related("recipient").in_bulk([first.pk, second.pk])
    now = timezone.now()

    # As after a crash between the mail server's accept and the commit: written anew.
    once, again = (reminder_email(reminders[first.pk], now=now).message() for _ in range(2))
    other = reminder_email(reminders[second.pk], now=now).message()

    assert once["Message-ID"] == again["Message-ID"]
    assert other["Message-ID"] != once["Message-ID"]


def test_the_email_is_written_by_django_with_the_stock_policy(rep):
    remind(rep, kind=Reminder.Kind.REINFORCEMENT_DUE, channels=(EMAIL,), key="stock")
    send_due()

    [sent] = mail.outbox
    assert type(sent) is mail.EmailMultiAlternatives
    message = sent.message()
    assert message.policy is compat32  # Python's default
    # Boundaries are the generator's to choose when it writes the message.
    multiparts = [part for part in message.walk() if part.is_multipart()]
    assert multiparts and all(part.get_boundary() is None for part in multiparts)
    written = message_from_bytes(message.as_bytes())
    assert [part.get_content_type() for part in written.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
