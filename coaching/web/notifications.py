"""Pages for what the outbox delivers: the notification bell and list, and the calendar feed.

htmx requests get the page's inline partials (and the bell, swapped out of band, so its badge
follows); plain requests get a redirect back to the full page, which works without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe
from django_htmx.http import HttpResponseStopPolling

from coaching.reminders.bell import (
    notification_list_for,
    notification_mark_read,
    notification_unread_count,
    notifications_mark_all_read,
)
from coaching.reminders.calendar import (
    calendar_feed_rotate,
    calendar_feed_sessions,
    session_title,
    sessions_calendar,
)
from coaching.reminders.links import session_path, site_url
from coaching.sessions.permissions import session_scope
from coaching.sessions.selectors import session_for

PAGE = "coaching/notifications.html"


def _with_bell(request: HttpRequest, html: str) -> HttpResponse:
    """The partial, plus the bell swapped out of band so its count stays true."""
    bell = render_to_string(
        "partials/bell.html",
        {"count": notification_unread_count(user=request.user), "oob": True},
        request=request,
    )
    return HttpResponse(html + bell)


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = notification_list_for(user=request.user)
    return render(
        request,
        PAGE,
        {
            "notifications": notifications,
            "has_unread": any(n.read_at is None for n in notifications),
        },
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = notification_mark_read(user=request.user, notification_id=pk)
    if request.htmx:
        html = render_to_string(
            f"{PAGE}#notification", {"notification": notification}, request=request
        )
        return _with_bell(request, html)
    return redirect("coaching:notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_all_read(user=request.user)
    if request.htmx:
        notifications = notification_list_for(user=request.user)
        html = render_to_string(
            f"{PAGE}#notification-list",
            {"notifications": notifications, "has_unread": False},
            request=request,
        )
        return _with_bell(request, html)
    return redirect("coaching:notifications")


@never_cache
@require_GET
def notification_count(request: HttpRequest) -> HttpResponse:
    """The bell alone, for htmx to poll."""
    if not request.user.is_authenticated:
        # A signed-out tab stops asking for the count.
        return HttpResponseStopPolling() if request.htmx else HttpResponse(status=401)
    return render(
        request, "partials/bell.html", {"count": notification_unread_count(user=request.user)}
    )


def _calendar_response(body: bytes, *, filename: str, disposition: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# HEAD too: calendar programs ask it before subscribing; Django leaves the body off.
@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private iCalendar feed. No sign-in: calendar programs can't; the token is the key."""
    owner, sessions = calendar_feed_sessions(token=token)
    body = sessions_calendar(
        # A coach whose rep moved on keeps only the sessions they held with them.
        sessions=sessions.filter(session_scope(owner)),
        now=timezone.now(),
        url_for=lambda session: site_url(session_path(session)),
    )
    return _calendar_response(body, filename="coaching.ics", disposition="inline")


@login_required
@require_safe
def session_calendar(request: HttpRequest, session_id: int) -> HttpResponse:
    """One session as an .ics file to add to a calendar by hand: the same event (UID and
    SEQUENCE) as its email invite and the feed, so the calendar updates it rather than adding
    a second one."""
    session = session_for(user=request.user, session_id=session_id)
    body = sessions_calendar(
        sessions=[session],
        now=timezone.now(),
        name=session_title(session),
        url_for=lambda session: site_url(session_path(session)),
    )
    return _calendar_response(
        body, filename=f"coaching-session-{session.pk}.ics", disposition="attachment"
    )


@login_required
@require_POST
def calendar_feed_reset(request: HttpRequest) -> HttpResponse:
    calendar_feed_rotate(user=request.user)
    messages.success(request, "Your calendar link was reset; the old link no longer works.")
    return redirect(reverse("profile") + "#calendar")
