"""What the weekly coaching budget deferred, acted on from the dashboard (DESIGN §13): pull an
item into the week, take the alternative it offers (peer practice or refresher questions), or
set it aside as met another way.

Parse, authorise (``deferred_for``: someone else's item is a 404), call the service, answer:
htmx gets the whole section redrawn (the weeks' hours move with a pull), a plain post goes back
to the dashboard with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.rendering import moment_for, render_for_viewer
from coaching.models import DeferredCoaching
from coaching.sessions.deferred import (
    budget_overview,
    deferred_dismiss,
    deferred_for,
    deferred_pull,
    deferred_take_alternative,
)
from config.errors import DomainError

SECTION = "coaching/_budget_week.html"


def _answer(request: HttpRequest, item_id: int, *, done: str, error: str) -> HttpResponse:
    if request.htmx:
        deferred_for(user=request.user, item_id=item_id)  # someone else's: 404, as the post
        context = {
            "budget": budget_overview(manager=request.user),
            "can_act": True,
            "error": error,
            "error_item": item_id,
        }
        return render_for_viewer(request, SECTION, context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(reverse("coaching:dashboard") + "#budget")


@login_required
@require_POST
def deferred_pull_view(request: HttpRequest, deferred_id: int) -> HttpResponse:
    error = done = ""
    try:
        item = deferred_pull(actor=request.user, item_id=deferred_id)
    except DomainError as refusal:
        error = refusal.message
    else:
        when = moment_for(request.user, item.session.scheduled_for)
        done = f"Booked with {item.rep} on {when}, over your budget."
    return _answer(request, deferred_id, done=done, error=error)


@login_required
@require_POST
def deferred_dismiss_view(request: HttpRequest, deferred_id: int) -> HttpResponse:
    error = ""
    try:
        item = deferred_dismiss(actor=request.user, item_id=deferred_id)
    except DomainError as refusal:
        error = refusal.message
        item = None
    done = f"Set aside: {item.rep}'s coaching was met another way." if item else ""
    return _answer(request, deferred_id, done=done, error=error)


@login_required
@require_POST
def deferred_take_alternative_view(request: HttpRequest, deferred_id: int) -> HttpResponse:
    error = done = ""
    try:
        item = deferred_take_alternative(actor=request.user, item_id=deferred_id)
    except DomainError as refusal:
        error = refusal.message
    else:
        if item.alternative == DeferredCoaching.Alternative.PEER and item.session is not None:
            session = item.session
            done = (
                f"Peer practice booked: {session.coach} with {item.rep} on "
                f"{moment_for(request.user, session.scheduled_for)}, without your time."
            )
        else:
            done = f"Refresher questions sent to {item.rep}."
    return _answer(request, deferred_id, done=done, error=error)
