"""Signed-in sessions end after ``SESSION_IDLE_MINUTES`` without a request.

Django sets a session's expiry (cookie and stored row alike) to ``SESSION_COOKIE_AGE`` from the
last time it was saved. ``SESSION_SAVE_EVERY_REQUEST`` would make that an idle timeout, at the
price of a session write on every request; this renews it at most once a minute instead, so a
session lasts between the idle time and a minute less after the last request.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse

RENEW_EVERY_SECONDS = 60
SEEN_KEY = "_seen"


def session_seen(session) -> None:
    """Note the session as used now: it is saved (renewing its expiry) with the response."""
    session[SEEN_KEY] = int(time.time())


class SessionIdleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            seen = session.get(SEEN_KEY)
            if not isinstance(seen, int) or time.time() - seen >= RENEW_EVERY_SECONDS:
                session_seen(session)
        return self.get_response(request)
