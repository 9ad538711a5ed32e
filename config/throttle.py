"""Rate limits on what people post through pages: sign-in per address, forms per person.

The API is throttled by DRF itself (the ``token`` scope on the token endpoint, the shared
``write`` scope on every write). Pages spend the same ``write`` budget per person, so a form
and an API client cannot double it, and a sign-in post spends a ``login`` budget per client
address on top of django-axes, which locks a username out per address after failed attempts
but does not stop one address from trying many usernames.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The API answers its own 429s as JSON; the admin's writes are staff authoring.
UNTHROTTLED_PREFIXES = ("/api/", "/admin/")
TOO_MANY_WRITES = (
    "You are sending changes faster than we can take them; wait a minute and try again."
)
TOO_MANY_SIGN_INS = "Too many sign-in attempts from your network; wait a minute and try again."


class ApiWriteThrottle(ScopedRateThrottle):
    """The API's default (``DEFAULT_THROTTLE_CLASSES``): every write spends the caller's
    ``write`` budget, unless the view names another scope; reads are never counted."""

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        self.scope = getattr(view, "write_throttle_scope", "write")
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return SimpleRateThrottle.allow_request(self, request, view)


class PageThrottle(SimpleRateThrottle):
    """DRF's sliding window and rate settings, keyed by person (``write``) or address."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def get_cache_key(self, request: HttpRequest, view: object) -> str:
        ident = request.user.pk if self.scope == "write" else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PageThrottleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._sign_in_paths: frozenset[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self._refusal(request) or self.get_response(request)

    def _sign_in(self, request: HttpRequest) -> bool:
        if self._sign_in_paths is None:
            # A password reset sends an email to whatever address is typed: it spends the same
            # per-address budget, so nobody can use it to flood someone's inbox.
            self._sign_in_paths = frozenset(
                {reverse("login"), reverse("admin:login"), reverse("password_reset")}
            )
        return request.path_info in self._sign_in_paths

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        if request.method not in WRITE_METHODS:
            return None
        if self._sign_in(request):
            scope, message = "login", TOO_MANY_SIGN_INS
        elif request.path_info.startswith(UNTHROTTLED_PREFIXES):
            return None
        elif request.user.is_authenticated:
            scope, message = "write", TOO_MANY_WRITES
        else:
            return None
        throttle = PageThrottle(scope)
        if throttle.allow_request(request, None):
            return None
        return _too_many(request, message, retry_after=throttle.wait())


def _too_many(request: HttpRequest, message: str, *, retry_after: float | None) -> HttpResponse:
    if getattr(request, "htmx", False):
        # htmx swaps no 4xx answer, so the page it came from is reloaded to show the message.
        messages.error(request, message)
        response = HttpResponseClientRedirect(_page_it_came_from(request), status=429)
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    if retry_after:
        response["Retry-After"] = str(max(1, round(retry_after)))
    return response


def _page_it_came_from(request: HttpRequest) -> str:
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return reverse("home")
