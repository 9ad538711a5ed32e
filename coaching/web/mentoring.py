"""Peer mentoring decided from the dashboard (DESIGN §13): the mentee's manager approves a
proposed pair (which books their first peer practice) or declines it, with one click.

Parse, call the service (a rep the viewer does not coach is a 404), answer: htmx gets the
proposal's row redrawn with what was done, a plain post goes back to where it came from with a
message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.rendering import moment_for, render_for_viewer
from coaching.sessions.mentoring import (
    pairing_approve,
    pairing_book_next,
    pairing_decline,
    pairing_end,
)
from coaching.web.rendering import back_url
from config.errors import DomainError

DECISION = "coaching/_mentoring.html#decision"


def _answer(request: HttpRequest, *, done: str, error: str, session=None) -> HttpResponse:
    if request.htmx:
        context = {"done": done, "error": error, "session": session}
        return render_for_viewer(request, DECISION, context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(back_url(request, reverse("coaching:dashboard") + "#mentoring"))


@login_required
@require_POST
def pairing_approve_view(
    request: HttpRequest, mentee_id: int, skill_id: int, mentor_id: int
) -> HttpResponse:
    try:
        approved = pairing_approve(
            actor=request.user, mentee_id=mentee_id, mentor_id=mentor_id, skill_id=skill_id
        )
    except DomainError as refusal:
        return _answer(request, done="", error=refusal.message)
    pairing, session = approved.pairing, approved.session
    when = moment_for(request.user, session.scheduled_for)
    done = (
        f"Approved: {pairing.mentor} mentors {pairing.mentee} on {pairing.skill.name}. "
        f"Peer practice booked for {when}; both have the invite."
    )
    return _answer(request, done=done, error="", session=session)


@login_required
@require_POST
def pairing_decline_view(
    request: HttpRequest, mentee_id: int, skill_id: int, mentor_id: int
) -> HttpResponse:
    try:
        pairing = pairing_decline(
            actor=request.user, mentee_id=mentee_id, mentor_id=mentor_id, skill_id=skill_id
        )
    except DomainError as refusal:
        return _answer(request, done="", error=refusal.message)
    done = (
        f"Declined: {pairing.mentee} is not proposed a mentor on {pairing.skill.name} again "
        "while this decision stands."
    )
    return _answer(request, done=done, error="")


@login_required
@require_POST
def pairing_book_view(request: HttpRequest, pairing_id: int) -> HttpResponse:
    try:
        session = pairing_book_next(actor=request.user, pairing_id=pairing_id)
    except DomainError as refusal:
        return _answer(request, done="", error=refusal.message)
    when = moment_for(request.user, session.scheduled_for)
    done = f"Next peer practice of {session.coach} with {session.rep} booked for {when}."
    return _answer(request, done=done, error="", session=session)


@login_required
@require_POST
def pairing_end_view(request: HttpRequest, pairing_id: int) -> HttpResponse:
    pairing = pairing_end(actor=request.user, pairing_id=pairing_id)
    done = f"Ended: {pairing.mentor} no longer mentors {pairing.mentee} on {pairing.skill.name}."
    return _answer(request, done=done, error="")
