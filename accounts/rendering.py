"""Pages render in the viewer's own time zone, so every time on them is theirs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def render_for_viewer(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """``render`` with the signed-in viewer's time zone current."""
    with timezone.override(request.user.tzinfo):
        return render(request, template, context, status=status)
