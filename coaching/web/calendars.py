"""A person's own calendar on their profile page (set it, clear it, read it now), and the answer
to a calendar clash on the session page (move to the proposed time, or keep the time).

The profile page includes ``templates/components/calendar_source.html`` with
``calendar_context(request)``; the forms here post to their own routes and go back to the profile
with a message. Nobody sees another person's calendar address, credentials or event titles: every
view here acts on the signed-in person's own calendar, or on a session they may change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from coaching.sessions.calendars.conflicts import conflict_accept, conflict_dismiss
from coaching.sessions.calendars.selectors import (
    busy_listed,
    calendar_source_of,
    calendar_state_of,
)
from coaching.sessions.calendars.services import (
    READ_AGAIN_AFTER,
    calendar_clear,
    calendar_read_now,
    calendar_set,
)
from coaching.sessions.permissions import can_change_session
from coaching.sessions.selectors import session_for
from config.errors import DomainError

SECTION = "#busy-calendar"
# The owner's coming busy times listed on the profile page.
LISTED_DAYS = 7


class CalendarForm(forms.Form):
    url = forms.CharField(
        label="Calendar address",
        required=False,  # empty keeps the saved address (calendar_set says so when there is none)
        max_length=2000,
        widget=forms.URLInput(
            attrs={"placeholder": "https://… or webcal://…", "autocomplete": "off"}
        ),
        help_text="Google Calendar: Settings → your calendar → “Secret address in iCal format”. "
        "Outlook: a published calendar's ICS link. CalDAV: the calendar's own address.",
    )
    username = forms.CharField(
        label="CalDAV user name",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="Only for a CalDAV calendar (Nextcloud, Fastmail, iCloud); "
        "leave empty for an .ics address.",
    )
    password = forms.CharField(
        label="CalDAV password",
        required=False,
        max_length=500,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="An app password is best. Stored encrypted and never shown again; "
        "leave empty to keep the saved one.",
    )


def calendar_context(request: HttpRequest) -> dict[str, Any]:
    """What ``components/calendar_source.html`` needs: the form, how the last read went, the
    owner's busy times of the coming week with their titles. Two queries."""
    user = request.user
    source = calendar_source_of(user)
    now = timezone.now()
    return {
        "calendar_form": CalendarForm(initial={"username": source.username if source else ""}),
        "calendar_state": calendar_state_of(source),
        "calendar_read_ago": _ago(source.last_read_at if source else None, now),
        "calendar_ok_ago": _ago(source.last_ok_at if source else None, now),
        "calendar_host": urlsplit(source.url).hostname if source else "",
        "calendar_username": source.username if source else "",
        "calendar_busy": _listed(user, now) if source else [],
        "calendar_refresh_minutes": settings.CALENDAR_REFRESH_MINUTES,
        "calendar_listed_days": LISTED_DAYS,
    }


def _ago(moment: dt.datetime | None, now: dt.datetime) -> str:
    """ "just now", or "3 hours ago"."""
    if moment is None:
        return ""
    if now - moment < dt.timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, now, depth=1)} ago"


def _listed(user, now: dt.datetime) -> list[dict[str, Any]]:
    """The owner's busy times of the coming days in their time zone; whole days as such."""
    tz = user.tzinfo
    rows = []
    for busy in busy_listed(owner=user, start=now, end=now + dt.timedelta(days=LISTED_DAYS)):
        start, end = busy.start.astimezone(tz), busy.end.astimezone(tz)
        all_day = start.time() == end.time() == dt.time()
        rows.append(
            {
                "start": start,
                "end": end,
                "title": busy.title,
                "all_day": all_day,
                "days": (end.date() - start.date()).days,
            }
        )
    return rows


def _back(*, failed: bool = False) -> HttpResponse:
    """Back to the profile: at the calendar section, or at the top where a refusal is shown."""
    return redirect(reverse("profile") + ("" if failed else SECTION))


@login_required
@require_POST
def calendar_set_view(request: HttpRequest) -> HttpResponse:
    form = CalendarForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label}: {' '.join(errs)}" for name, errs in form.errors.items()
        )
        messages.error(request, f"Your calendar was not saved. {problems}")
        return _back(failed=True)
    try:
        calendar_set(
            user=request.user,
            url=form.cleaned_data["url"],
            username=form.cleaned_data["username"],
            secret=form.cleaned_data["password"],
        )
    except DomainError as refusal:
        messages.error(request, f"Your calendar was not saved: {refusal.message}")
        return _back(failed=True)
    else:
        messages.success(
            request,
            "Your calendar is saved and being read; your busy times show here in a few seconds.",
        )
    return _back()


@login_required
@require_POST
def calendar_clear_view(request: HttpRequest) -> HttpResponse:
    calendar_clear(user=request.user)
    messages.success(request, "Your calendar is removed, with every busy time read from it.")
    return _back()


@login_required
@require_POST
def calendar_read_view(request: HttpRequest) -> HttpResponse:
    answer = calendar_read_now(user=request.user)
    if answer == "none":
        messages.error(request, "You have no calendar to read; add one first.")
        return _back(failed=True)
    if answer == "just read":
        seconds = int(READ_AGAIN_AFTER.total_seconds())
        messages.info(
            request,
            f"Your calendar was read less than {seconds} seconds ago: what it said is below. "
            "Press “Read now” again in a moment to read a change made since.",
        )
    else:
        messages.success(request, "Reading your calendar now; reload in a few seconds.")
    return _back()


def _conflict_answer(request: HttpRequest, session_id: int, act, done: str) -> HttpResponse:
    session = session_for(user=request.user, session_id=session_id)  # 404 for what they may not see
    if not can_change_session(request.user, session):
        raise PermissionDenied("Only the coach or an admin answers a calendar clash.")
    try:
        act(actor=request.user, session=session)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, done)
    return redirect("coaching:session", session_id=session_id)


@login_required
@require_POST
def session_conflict_accept_view(request: HttpRequest, session_id: int) -> HttpResponse:
    return _conflict_answer(
        request,
        session_id,
        conflict_accept,
        "The session is moved to the proposed time; the other person is told.",
    )


@login_required
@require_POST
def session_conflict_dismiss_view(request: HttpRequest, session_id: int) -> HttpResponse:
    return _conflict_answer(request, session_id, conflict_dismiss, "The session keeps its time.")
