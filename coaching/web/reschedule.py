"""Asking to reschedule, on the session page: the rep asks with a reason and may pick one of the
times free for both, the coach keeps the time (moving it is the page's Move form, or one click
on the rep's pick, which answers the request too).

Each view parses, authorises through ``session_for`` (404) and a predicate (403), calls a
service from ``coaching.sessions.reschedule_requests`` and renders the session page as
``coaching.web.sessions`` does for every other change.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from coaching.sessions.permissions import can_answer_reschedule_request, can_request_reschedule
from coaching.sessions.reschedule_requests import reschedule_request_create, reschedule_request_keep
from coaching.sessions.selectors import session_for
from coaching.sessions.slots import session_free_times
from coaching.web.forms import KeepTimeForm, RescheduleRequestPickForm
from coaching.web.sessions import _session_change


@login_required
@require_POST
def session_reschedule_request_view(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_for(user=request.user, session_id=session_id)
    if not can_request_reschedule(request.user, session):
        raise PermissionDenied("Only the rep asks their coach to reschedule.")
    return _session_change(
        request,
        session,
        RescheduleRequestPickForm(
            request.POST, free_times=session_free_times(session=session), tz=request.user.tzinfo
        ),
        form_name="request_form",
        act=lambda data: reschedule_request_create(
            rep=request.user,
            session=session,
            reason=data["reason"],
            proposed_for=data["proposed_for"],
        ),
        done="Your coach has been asked for another time; you will be told when they answer.",
    )


@login_required
@require_POST
def session_reschedule_keep_view(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_for(user=request.user, session_id=session_id)
    if not can_answer_reschedule_request(request.user, session):
        raise PermissionDenied("Only the coach or an admin answers a request to reschedule.")
    return _session_change(
        request,
        session,
        KeepTimeForm(request.POST),
        form_name="keep_form",
        act=lambda data: reschedule_request_keep(
            actor=request.user, session=session, answer=data["answer"]
        ),
        done=f"The time stays; {session.rep} has been told.",
    )
