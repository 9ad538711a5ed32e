"""Session pages (DESIGN §8): the rep's "My coaching", the manager's week, one session to
prepare for, hold, move or cancel, and the admins' list of sessions without a coach.

Each view parses, authorises through a selector, calls a service and renders.

Every form posts without JavaScript too; with htmx the answer is the page's partial, swapped in
place. What the viewer may not see is a 404 (the ``*_for`` selectors); what they may see but
not do is a 403. A refusal from a service is shown on the form that asked. Times render in the
viewer's time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import can_view_person, is_admin
from accounts.selectors import team_of
from coaching.models import RUBRIC_ANCHORS, CoachingSession
from coaching.models.agenda import Agenda
from coaching.sessions.permissions import (
    can_change_session,
    can_hold_session,
    can_reflect_on_session,
    can_see_private_notes,
    commitments_reviewable_by,
)
from coaching.sessions.selectors import (
    manager_week,
    rep_coaching_overview,
    session_for,
    sessions_without_coach,
)
from coaching.sessions.services import (
    session_book_manual,
    session_cancel,
    session_hold,
    session_reflect,
    session_reschedule,
)
from coaching.web.forms import (
    BookSessionForm,
    CancelForm,
    HoldForm,
    ReflectionForm,
    RescheduleForm,
)
from coaching.web.rendering import back_url, render_for_viewer
from config.errors import Conflict, DomainError
from lms.models import Skill

MY_COACHING = "coaching/my_coaching.html"
SESSION = "coaching/session.html"
REFLECTION_FORM = "components/reflection_form.html"
WEEK = "coaching/week.html"


# --- the rep's page ------------------------------------------------------------------------------


@login_required
@require_GET
def my_coaching(request: HttpRequest) -> HttpResponse:
    overview = rep_coaching_overview(rep=request.user)
    return render_for_viewer(request, MY_COACHING, {"overview": overview, "rubric": RUBRIC_ANCHORS})


@login_required
@require_POST
def session_reflect_view(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_for(user=request.user, session_id=session_id)
    if not can_reflect_on_session(request.user, session):
        raise PermissionDenied("Only the rep writes their reflection.")
    form = ReflectionForm(request.POST)
    error = None
    if form.is_valid():
        try:
            session = session_reflect(
                rep=request.user, session=session, reflection=form.cleaned_data["reflection"]
            )
        except DomainError as refusal:
            error = refusal.message
    else:
        error = "; ".join(form.errors.get("reflection", ["Check your reflection."]))
    if request.htmx:
        context = {
            "session": session,
            "saved": error is None,
            "reflection_error": error,
            "reflection_text": request.POST.get("reflection", "") if error else None,
            "back": request.POST.get("next", ""),
        }
        return render_for_viewer(request, REFLECTION_FORM, context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Your reflection is saved.")
    return redirect(back_url(request, reverse("coaching:session", args=[session.pk])))


# --- the manager's week --------------------------------------------------------------------------


def _week_start(value: str | None, today: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    if not dt.date(1900, 1, 1) <= day <= dt.date(9998, 12, 31):
        # The weeks either side are linked from the page; at the calendar's ends they overflow.
        day = today
    return day - dt.timedelta(days=day.weekday())


@login_required
@require_http_methods(["GET", "POST"])
def week(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.is_manager or is_admin(user)):
        raise Http404("No team.")
    tz = user.tzinfo
    week_start = _week_start(request.GET.get("week"), timezone.localdate(timezone=tz))
    team = team_of(manager=user).order_by("first_name", "last_name", "username")
    form = BookSessionForm(request.POST if request.method == "POST" else None, team=team, tz=tz)
    booked = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booked = session_book_manual(
                coach=user,
                rep=data["rep"],
                scheduled_for=data["scheduled_for"],
                duration_minutes=data["duration_minutes"],
                focus_skill=data["focus_skill"],
                note=data["note"],
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            booked_day = timezone.localtime(booked.scheduled_for, tz).date()
            week_start = _week_start(None, booked_day)
            if not request.htmx:
                messages.success(request, f"Booked a session with {booked.rep}.")
                return redirect(f"{reverse('coaching:week')}?week={week_start.isoformat()}")
            form = BookSessionForm(team=team, tz=tz)
    context = {
        "week": manager_week(manager=user, week_start=week_start),
        "previous_week": week_start - dt.timedelta(days=7),
        "next_week": week_start + dt.timedelta(days=7),
        "today": timezone.localdate(timezone=tz),
        "form": form,
        "booked": booked,
    }
    return render_for_viewer(request, f"{WEEK}#week" if request.htmx else WEEK, context)


# --- one session ---------------------------------------------------------------------------------


def _hold_skills(session: CoachingSession) -> list[Skill]:
    """The skills to rate: the agenda's (module and missed ones), then the session's focus."""
    wanted = Agenda.from_json(session.agenda).skill_ids()
    if session.focus_skill_id:
        wanted.append(session.focus_skill_id)
    order = list(dict.fromkeys(wanted))
    found = {skill.pk: skill for skill in Skill.objects.filter(pk__in=order)}
    return [found[pk] for pk in order if pk in found]


def _hold_form(session: CoachingSession, data=None) -> HoldForm:
    return HoldForm(
        data,
        skills=_hold_skills(session),
        all_skills=list(Skill.objects.order_by("name")),
    )


def _session_page(
    request: HttpRequest,
    session: CoachingSession,
    *,
    hold_form: HoldForm | None = None,
    reschedule_form: RescheduleForm | None = None,
    cancel_form: CancelForm | None = None,
    notice: str = "",
    error: str = "",
) -> HttpResponse:
    user = request.user
    scheduled = session.status == CoachingSession.Status.SCHEDULED
    can_hold = can_hold_session(user, session) and session.status in (
        CoachingSession.Status.SCHEDULED,
        CoachingSession.Status.MISSED,
    )
    can_change = scheduled and can_change_session(user, session)
    commitments = list(session.commitments.all())
    context = {
        "session": session,
        "is_rep": can_reflect_on_session(user, session),
        "show_private": can_see_private_notes(user, session),
        "can_hold": can_hold,
        "can_change": can_change,
        "can_see_plan": can_view_person(user, session.rep),
        "hold_form": (hold_form or _hold_form(session)) if can_hold else None,
        "reschedule_form": reschedule_form
        or RescheduleForm(tz=user.tzinfo, initial={"scheduled_for": session.scheduled_for}),
        "cancel_form": cancel_form or CancelForm(),
        "reviewable": commitments_reviewable_by(user, commitments),
        "back": reverse("coaching:session", args=[session.pk]),
        "notice": notice,
        "error": error,
    }
    return render_for_viewer(request, f"{SESSION}#body" if request.htmx else SESSION, context)


@login_required
@require_GET
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_for(user=request.user, session_id=session_id)
    return _session_page(request, session)


def _after_change(request: HttpRequest, session_id: int, done: str) -> HttpResponse:
    session = session_for(user=request.user, session_id=session_id)
    if request.htmx:
        return _session_page(request, session, notice=done)
    messages.success(request, done)
    return redirect("coaching:session", session_id=session_id)


def _conflict(request: HttpRequest, session_id: int, clash: Conflict) -> HttpResponse:
    """The session changed under the form (held or cancelled in another tab): show it as it is
    now, with the reason."""
    session = session_for(user=request.user, session_id=session_id)
    if request.htmx:
        return _session_page(request, session, error=clash.message)
    messages.error(request, clash.message)
    return redirect("coaching:session", session_id=session_id)


def _session_change(
    request: HttpRequest,
    session: CoachingSession,
    form: forms.Form,
    *,
    form_name: str,
    act: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Carry out ``act`` with a valid form's data. A refusal shows on the form; a session that
    changed under the form (held or cancelled in another tab) shows as it is now."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except Conflict as clash:
            return _conflict(request, session.pk, clash)
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            return _after_change(request, session.pk, done)
    return _session_page(request, session, **{form_name: form})


@login_required
@require_POST
def session_hold_view(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_for(user=request.user, session_id=session_id)
    if not can_hold_session(request.user, session):
        raise PermissionDenied("Only the session's coach or an admin can record it as held.")
    form = _hold_form(session, request.POST)
    return _session_change(
        request,
        session,
        form,
        form_name="hold_form",
        act=lambda data: session_hold(
            actor=request.user,
            session=session,
            notes=data["notes"],
            private_notes=data["private_notes"],
            observations=form.observations(),
            commitments=form.commitments(),
        ),
        done="Session recorded as held.",
    )


@login_required
@require_POST
def session_reschedule_view(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_for(user=request.user, session_id=session_id)
    if not can_change_session(request.user, session):
        raise PermissionDenied("Only the rep, their coach or an admin can move this session.")
    return _session_change(
        request,
        session,
        RescheduleForm(request.POST, tz=request.user.tzinfo),
        form_name="reschedule_form",
        act=lambda data: session_reschedule(
            actor=request.user, session=session, scheduled_for=data["scheduled_for"]
        ),
        done="Session moved.",
    )


@login_required
@require_POST
def session_cancel_view(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_for(user=request.user, session_id=session_id)
    if not can_change_session(request.user, session):
        raise PermissionDenied("Only the rep, their coach or an admin can cancel this session.")
    return _session_change(
        request,
        session,
        CancelForm(request.POST),
        form_name="cancel_form",
        act=lambda data: session_cancel(actor=request.user, session=session, reason=data["reason"]),
        done="Session cancelled.",
    )


# --- admins ------------------------------------------------------------------------------------


@login_required
@require_GET
def no_coach(request: HttpRequest) -> HttpResponse:
    if not is_admin(request.user):
        raise Http404("No such page.")
    sessions = sessions_without_coach(user=request.user)
    return render_for_viewer(request, "coaching/no_coach.html", {"sessions": sessions})
