"""Invitations: a new person's emailed link to set their first password.

The link carries Django's password-reset kind of token, from a generator of its own (its own
salt, so a reset link is no invitation and the other way round, and its own lifetime,
``INVITATION_DAYS``). The token signs the person's password hash, last sign-in, email and
active flag, so it stops working once the password is set (used), when the address changes or
the person is deactivated, and after the days run out (expired). Sending again gives a new
link; earlier ones keep working until one of those happens.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from accounts.audit import Action, audit_record
from accounts.models import User
from config.errors import DomainError


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.invitations.InvitationTokenGenerator"

    @property
    def timeout_seconds(self) -> int:
        return settings.INVITATION_DAYS * 24 * 3600

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        # Django's value (id, password hash, last sign-in, time) plus what ends an invitation
        # here: a new address, a deactivation.
        return f"{super()._make_hash_value(user, timestamp)}{user.email}{user.is_active}"

    def check_token(self, user: User | None, token: str | None) -> bool:
        """Django's check, with this generator's lifetime instead of PASSWORD_RESET_TIMEOUT."""
        if not (user and token):
            return False
        try:
            stamp, _ = token.split("-")
            made = base36_to_int(stamp)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, made, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return self._num_seconds(self._now()) - made <= self.timeout_seconds


invitation_tokens = InvitationTokenGenerator()


def invitation_link(*, user: User) -> str:
    """The absolute address of ``user``'s page to set their password (on ``SITE_URL``)."""
    path = reverse(
        "people:invitation",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": invitation_tokens.make_token(user),
        },
    )
    return settings.SITE_URL.rstrip("/") + path


def invitation_send(*, user: User, actor: User | None = None) -> None:
    """Email ``user`` a link to set their password (text and HTML).

    Sent at once through Django's email, not the reminders outbox: the admin who invites waits
    for it and is told if it fails. Raises DomainError for a person with no email address or
    one who is deactivated.
    """
    if not user.is_active:
        raise DomainError(f"{user} is deactivated; reactivate them before inviting them.")
    if not user.email:
        raise DomainError(f"{user} has no email address; add one to send an invitation.")
    context = {
        "user": user,
        "inviter": actor,
        "link": invitation_link(user=user),
        "days": settings.INVITATION_DAYS,
        "site_url": settings.SITE_URL.rstrip("/"),
    }
    subject = " ".join(render_to_string("registration/invitation_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("registration/invitation_email.txt", context),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("registration/invitation_email.html", context), "text/html"
    )
    message.send()
    audit_record(action=Action.INVITATION_SENT, actor=actor, subject=user, detail=user.email)
