"""Pages and messages speak in the viewer's own time zone, so every time on them is theirs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import User


def render_for_viewer(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """``render`` with the signed-in viewer's time zone current (the server's for a visitor)."""
    with timezone.override(getattr(request.user, "tzinfo", None)):
        return render(request, template, context, status=status)


def moment_for(viewer: User, moment: dt.datetime) -> str:
    """A time as a message names it to ``viewer``: "Mon 9 Mar 10:00 GMT", in their zone."""
    local = moment.astimezone(viewer.tzinfo)
    return f"{local:%a} {local.day} {local:%b %H:%M %Z}"
