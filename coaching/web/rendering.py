"""What every coaching page does the same way: render in the viewer's time zone, and send a
plain form post back where it came from."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme


def render_for_viewer(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """Render with the viewer's time zone current, so every date on the page is theirs."""
    with timezone.override(request.user.tzinfo):
        return render(request, template, context, status=status)


def back_url(request: HttpRequest, default: str) -> str:
    """Where a plain form post returns to: the page it came from, if it is ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
