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
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import can_view_person, is_admin
from accounts.rendering import render_for_viewer
from accounts.selectors import reps_without_manager, team_of
from coaching.models import RUBRIC_ANCHORS, CoachingSession
from coaching.models.agenda import Agenda
from coaching.sessions.booking import OutsideWorkingHours
from coaching.sessions.budget import over_budget_note
from coaching.sessions.permissions import (
    can_amend_record,
    can_answer_reschedule_request,
    can_change_session,
    can_hold_session,
    can_reflect_on_session,
    can_request_reschedule,
    can_see_private_notes,
    commitments_reviewable_by,
)
from coaching.sessions.records import (
    HoldRecord,
    NotStarted,
    amend_closes_at,
    amend_open,
    hold_opens_at,
    session_amend,
    session_amend_preview,
    session_hold,
    session_hold_preview,
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
    session_reflect,
    session_reschedule,
)
from coaching.sessions.slots import session_free_times
from coaching.sessions.state import other_parties
from coaching.web.forms import (
    COMMITMENT_ROWS,
    BookSessionForm,
    CancelForm,
    HoldForm,
    KeepTimeForm,
    ReflectionForm,
    RescheduleForm,
    RescheduleRequestPickForm,
)
from coaching.web.rendering import back_url
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
    over_budget = ""
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
                outside_hours_confirmed=data["outside_hours_confirmed"],
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
            if isinstance(refusal, OutsideWorkingHours):
                form.offer_outside_hours(refusal.confirm)
        else:
            booked_day = timezone.localtime(booked.scheduled_for, tz).date()
            week_start = _week_start(None, booked_day)
            over_budget = over_budget_note(session=booked)
            if not request.htmx:
                messages.success(request, f"Booked a session with {booked.rep}.")
                if over_budget:
                    messages.warning(request, over_budget)
                return redirect(f"{reverse('coaching:week')}?week={week_start.isoformat()}")
            form = BookSessionForm(team=team, tz=tz)
    context = {
        "week": manager_week(manager=user, week_start=week_start),
        "previous_week": week_start - dt.timedelta(days=7),
        "next_week": week_start + dt.timedelta(days=7),
        "today": timezone.localdate(timezone=tz),
        "form": form,
        "booked": booked,
        "over_budget": over_budget,
    }
    return render_for_viewer(request, f"{WEEK}#week" if request.htmx else WEEK, context)


# --- one session ---------------------------------------------------------------------------------


def _hold_skills(session: CoachingSession) -> list[Skill]:
    """The skills to rate: the agenda's (module and missed ones), then the session's focus,
    then any other rated when it was held."""
    wanted = Agenda.from_json(session.agenda).skill_ids()
    if session.focus_skill_id:
        wanted.append(session.focus_skill_id)
    wanted.extend(observation.skill_id for observation in session.observations.all())
    order = list(dict.fromkeys(wanted))
    found = {skill.pk: skill for skill in Skill.objects.filter(pk__in=order)}
    return [found[pk] for pk in order if pk in found]


def _hold_form(session: CoachingSession, data=None) -> HoldForm:
    """The form to hold the session or, once held, to amend its record (filled in with it)."""
    peer = session.source == CoachingSession.Source.PEER
    if session.status != CoachingSession.Status.HELD:
        return HoldForm(
            data,
            skills=_hold_skills(session),
            all_skills=list(Skill.objects.order_by("name")),
            peer=peer,
        )
    made = len(session.commitments.all())
    return HoldForm(
        data,
        initial=HoldForm.initial_from(session),
        skills=_hold_skills(session),
        all_skills=list(Skill.objects.order_by("name")),
        commitment_rows=max(COMMITMENT_ROWS, made + 1),
        peer=peer,
    )


def _session_page(
    request: HttpRequest,
    session: CoachingSession,
    *,
    hold_form: HoldForm | None = None,
    reschedule_form: RescheduleForm | None = None,
    cancel_form: CancelForm | None = None,
    request_form: RescheduleRequestPickForm | None = None,
    keep_form: KeepTimeForm | None = None,
    amend_form: HoldForm | None = None,
    record_preview: HoldRecord | None = None,
    notice: str = "",
    error: str = "",
) -> HttpResponse:
    user = request.user
    scheduled = session.status == CoachingSession.Status.SCHEDULED
    can_hold = can_hold_session(user, session) and session.status in (
        CoachingSession.Status.SCHEDULED,
        CoachingSession.Status.MISSED,
    )
    coaches = can_amend_record(user, session)
    can_amend = coaches and amend_open(session)
    can_change = scheduled and can_change_session(user, session)
    commitments = list(session.commitments.all())
    # Newest first: the page shows the latest request to reschedule and what became of it.
    latest_request = next(iter(session.reschedule_requests.all()), None)
    asked = latest_request is not None and latest_request.is_open
    can_request = scheduled and not asked and can_request_reschedule(user, session)
    # The next times free for both people, to pick one: for the coach moving it, the rep asking.
    free_times = session_free_times(session=session) if can_change or can_request else []
    context = {
        "session": session,
        "is_rep": can_reflect_on_session(user, session),
        "show_private": can_see_private_notes(user, session),
        "can_hold": can_hold,
        "can_change": can_change,
        "can_see_plan": can_view_person(user, session.rep),
        "hold_form": (hold_form or _hold_form(session)) if can_hold else None,
        "hold_opens_later": opens if (opens := hold_opens_at(session)) > timezone.now() else None,
        "hold_early_minutes": settings.COACHING_HOLD_EARLY_MINUTES,
        "amend_form": (amend_form or _hold_form(session)) if can_amend else None,
        "amend_until": amend_closes_at(session),
        "amend_hours": settings.COACHING_AMEND_HOURS,
        "record_final": coaches and session.held_at is not None and not can_amend,
        "record_preview": record_preview,
        "reschedule_form": reschedule_form
        or RescheduleForm(tz=user.tzinfo, initial={"scheduled_for": session.scheduled_for}),
        "cancel_form": cancel_form or CancelForm(told=other_parties(user, session)),
        "reschedule_request": latest_request,
        "can_request": can_request,
        "free_times": free_times,
        "can_answer": scheduled and asked and can_answer_reschedule_request(user, session),
        "request_form": request_form
        or RescheduleRequestPickForm(free_times=free_times, tz=user.tzinfo),
        "keep_form": keep_form or KeepTimeForm(),
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
            if isinstance(refusal, OutsideWorkingHours) and hasattr(form, "offer_outside_hours"):
                form.offer_outside_hours(refusal.confirm)
        else:
            return _after_change(request, session.pk, done)
    return _session_page(request, session, **{form_name: form})


def _record_two_steps(
    request: HttpRequest,
    session: CoachingSession,
    *,
    form_name: str,
    preview: Callable[..., HoldRecord],
    save: Callable[..., object],
    done: str,
) -> HttpResponse:
    """Holding and amending take two POSTs, with or without htmx: the first shows what will be
    saved (the form's values ride along hidden), the second, with ``confirm``, saves it;
    ``edit`` goes back to the form as it was filled in. Both steps apply the service's rules,
    so a refusal shows on the form at either."""
    form = _hold_form(session, request.POST)
    if "edit" in request.POST or not form.is_valid():
        return _session_page(request, session, **{form_name: form})
    record = {
        "actor": request.user,
        "session": session,
        "notes": form.cleaned_data["notes"],
        "private_notes": form.cleaned_data.get("private_notes", ""),
        "observations": form.observations(),
        "commitments": form.commitments(),
    }
    try:
        if "confirm" not in request.POST:
            shown = preview(**record)
            return _session_page(request, session, **{form_name: form}, record_preview=shown)
        save(**record)
    except NotStarted as early:
        # Not a change under the form: the coach came too soon, and may come back.
        form.add_error(None, early.message)
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
    return _record_two_steps(
        request,
        session,
        form_name="hold_form",
        preview=session_hold_preview,
        save=session_hold,
        done="Session recorded as held.",
    )


@login_required
@require_POST
def session_amend_view(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_for(user=request.user, session_id=session_id)
    if not can_amend_record(request.user, session):
        raise PermissionDenied("Only the session's coach or an admin can change its record.")
    return _record_two_steps(
        request,
        session,
        form_name="amend_form",
        preview=session_amend_preview,
        save=session_amend,
        done="The record is changed.",
    )


@login_required
@require_POST
def session_reschedule_view(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_for(user=request.user, session_id=session_id)
    if not can_change_session(request.user, session):
        raise PermissionDenied("Only the coach or an admin moves this session; ask to reschedule.")
    return _session_change(
        request,
        session,
        RescheduleForm(request.POST, tz=request.user.tzinfo),
        form_name="reschedule_form",
        act=lambda data: session_reschedule(
            actor=request.user,
            session=session,
            scheduled_for=data["scheduled_for"],
            outside_hours_confirmed=data["outside_hours_confirmed"],
        ),
        done="Session moved.",
    )


@login_required
@require_POST
def session_cancel_view(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_for(user=request.user, session_id=session_id)
    if not can_change_session(request.user, session):
        raise PermissionDenied("Only the coach or an admin cancels this session.")
    return _session_change(
        request,
        session,
        CancelForm(request.POST, told=other_parties(request.user, session)),
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
    reps = reps_without_manager()
    return render_for_viewer(
        request, "coaching/no_coach.html", {"sessions": sessions, "reps": reps}
    )
