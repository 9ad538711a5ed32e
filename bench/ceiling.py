"""The ceiling: a view that does nothing, behind the full middleware stack; and the floor of a
signed-in page: the same view for a signed-in person, which costs their session and user rows.

Routed by the benchmark's own URL conf (bench/urls.py, through bench/settings.py), so every other
figure can be read as a share of what Django alone manages on the same machine.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def ceiling(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def signed_in(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return HttpResponse("sign in first", status=403, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
