"""API tokens: issued at sign-in, expiring, revocable by their holder, and revoked all at once
when the password changes or the person is deactivated (``accounts.receivers``).

``ExpiringTokenAuthentication`` is DRF's ``TokenAuthentication`` reading ``ApiToken``: a token
past its expiry is refused with a message saying so, and use is noted at most once a minute so a
busy client does not write on every request.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts.audit import Action, audit_record
from accounts.models import ApiToken, User

LAST_USED_EVERY = dt.timedelta(minutes=1)


class ExpiringTokenAuthentication(TokenAuthentication):
    model = ApiToken

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        now = timezone.now()
        if token.expires <= now:
            raise exceptions.AuthenticationFailed(
                "This token has expired; sign in again (POST /api/v1/auth/token/) for a new one."
            )
        if token.last_used is None or now - token.last_used >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        return token.user, token


def tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The person's own tokens still in force, newest first."""
    return ApiToken.objects.filter(user=user, expires__gt=timezone.now())


@transaction.atomic
def token_issue(*, user: User, label: str = "") -> ApiToken:
    """A new token for ``user``, valid for ``API_TOKEN_DAYS``; each sign-in gets its own, so
    revoking one client's leaves the others working."""
    token = ApiToken.objects.create(
        user=user,
        key=ApiToken.generate_key(),
        expires=timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS),
        label=label[:200],
    )
    audit_record(action=Action.TOKEN_ISSUED, actor=user, subject=user, detail=token.label)
    return token


@transaction.atomic
def token_revoke(*, user: User, token_id: int) -> None:
    """Revoke one of ``user``'s own tokens. Raises Http404 for anyone else's (or none)."""
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise Http404("No such token of yours.")
    token.delete()
    audit_record(action=Action.TOKEN_REVOKED, actor=user, subject=user, detail=token.label)


@transaction.atomic
def tokens_revoke_all(*, user: User, reason: str) -> int:
    """Revoke every token ``user`` holds; returns how many. Records one row when any went."""
    revoked, _ = ApiToken.objects.filter(user=user).delete()
    if revoked:
        audit_record(
            action=Action.TOKEN_REVOKED,
            subject=user,
            detail=f"all {revoked} token(s): {reason}",
        )
    return revoked


def tokens_purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete tokens past their expiry (they authenticate nobody already); returns how many."""
    deleted, _ = ApiToken.objects.filter(expires__lte=now or timezone.now()).delete()
    return deleted
