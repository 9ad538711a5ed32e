"""The audit trail: the one way a row is written, and how long rows are kept.

Services and receivers call ``audit_record`` inside the transaction of what they record, so an
action rolled back leaves no row. The address and, when none is given, the actor come from the
request being served (``AuditRequestMiddleware`` keeps it for the length of the request): the
actions recorded are reached from views, the admin, auth signals and services alike, and
threading the request through all of them would put an HTTP object into every service. Work
done outside a request (commands, tasks) records no address, and no actor unless it says one.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework.settings import api_settings

from accounts.models import AuditEvent, User

Action = AuditEvent.Action

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "audit_request", default=None
)


class AuditRequestMiddleware:
    """Keeps the request in reach of ``audit_record`` while it is served."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reset = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(reset)


def current_request() -> HttpRequest | None:
    return _current_request.get()


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, or behind ``PROXY_COUNT`` proxies of our own the
    address the outermost of them saw, as the API throttles read it. Entries further left in
    X-Forwarded-For are the client's own say, so they are never trusted."""
    if request is None:
        return None
    proxies = api_settings.NUM_PROXIES or 0  # the count the API throttles trust
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return _valid(hops[-min(proxies, len(hops))])
    return _valid(request.META.get("REMOTE_ADDR", ""))


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _request_user(request: HttpRequest | None) -> User | None:
    # ``request.user`` exists once AuthenticationMiddleware (or DRF) has run; an anonymous one
    # is no actor.
    user = getattr(request, "user", None) if request is not None else None
    return user if user is not None and user.is_authenticated else None


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    actor_name: str = "",
    subject: User | None = None,
    subject_name: str = "",
    detail: str = "",
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one row. ``actor`` defaults to the signed-in person of the current request;
    ``subject_name`` to the subject's username (a course's title, an export's name otherwise)."""
    request = request or current_request()
    actor = actor or _request_user(request)
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_name=(actor.username if actor else actor_name)[:150],
        subject=subject,
        subject_name=(subject_name or (subject.username if subject else ""))[:200],
        address=client_address(request),
        detail=detail[:300],
    )


def audit_purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete the rows older than ``AUDIT_RETENTION_DAYS``; returns how many went."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    return AuditEvent.objects.purge_before(cutoff)
