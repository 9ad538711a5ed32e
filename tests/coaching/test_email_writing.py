"""Reminder emails are written with a faster header policy that must change no byte."""

from __future__ import annotations

from email.policy import compat32

import pytest

from coaching.reminders.messages import HEADER_POLICY, ReminderEmail

SUBJECTS = [
    "Coaching session booked for Tue 15 Jan 2030, 10:00 EST",
    "Short",
    "A subject long enough that the stock policy has to fold it over more than one line of the "
    "message header block",
    "Commitment due 3 Mar 2026: “Call three prospects”",
    "Réunion de coaching à 10:00",
    "Emoji 🎯 in the subject",
    "Two  spaces inside",
    " leading space",
    "trailing space ",
    "tab\tinside",
    "x" * 70,
    "x" * 71,
    "x" * 72,
    "x" * 73,
    "x" * 80,
    'semi;colon, comma: colon "quoted" (paren) <angle>',
    "=?utf-8?q?looks_encoded?=",
]


@pytest.mark.parametrize("subject", SUBJECTS)
def test_a_reminder_email_is_written_byte_for_byte_as_the_stock_policy_writes_it(subject, settings):
    settings.EMAIL_USE_LOCALTIME = False
    email = ReminderEmail(
        subject=subject,
        body="Plain text body.",
        from_email="Coaching <coaching@example.com>",
        to=[f"{'Ann Example' if len(subject) % 2 else 'Zoë Ünïcode'} <ann@example.com>"],
        headers={"X-Reminder-Id": "12", "Message-ID": "<fixed@example.com>", "Date": "Tue, 1"},
    )
    email.attach_alternative("<p>HTML body</p>", "text/html")
    mime = email.message()
    assert mime.policy is HEADER_POLICY
    # The same message object both ways: boundaries and generated headers are fixed once.
    ours = mime.as_bytes(linesep="\r\n")
    mime.policy = compat32
    assert ours == mime.as_bytes(linesep="\r\n")
