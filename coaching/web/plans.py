"""The coaching plan page (DESIGN §8): the rep's goals in their words, the focus skills their
coach chooses, and their coaching so far.

The rep is fetched through ``person_for`` and the active plan through ``active_plan_for``
(404 for what the viewer may not see); what they may see but not change is a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.rendering import render_for_viewer
from accounts.selectors import person_for
from coaching.models import CoachingPlan
from coaching.sessions.permissions import can_steer_plan, can_write_goals, commitments_reviewable_by
from coaching.sessions.plans import plan_update
from coaching.sessions.selectors import active_plan_for, rep_coaching_overview
from coaching.web.forms import FocusSkillsForm, GoalsForm
from config.errors import DomainError

PLAN = "coaching/plan.html"


def _plan_page(
    request: HttpRequest,
    rep_id: int,
    *,
    goals_form: GoalsForm | None = None,
    focus_form: FocusSkillsForm | None = None,
    partial: bool = False,
) -> HttpResponse:
    user = request.user
    rep = person_for(user=user, person_id=rep_id)
    overview = rep_coaching_overview(rep=rep)
    plan = overview.plan
    may_write_goals = plan is not None and can_write_goals(user, plan)
    may_steer = plan is not None and can_steer_plan(user, plan)
    if may_write_goals and goals_form is None:
        goals_form = GoalsForm(initial={"goals": plan.goals})
    if may_steer and focus_form is None:
        focus_form = FocusSkillsForm(initial={"focus_skills": list(plan.focus_skills.all())})
    commitments = [
        *overview.open_commitments,
        *overview.missed_commitments,
        *(c for s in overview.history for c in s.commitments.all()),
    ]
    context = {
        "rep": rep,
        "overview": overview,
        "plan": plan,
        "goals_form": goals_form if may_write_goals else None,
        "focus_form": focus_form if may_steer else None,
        "reviewable": commitments_reviewable_by(user, commitments),
        "back": reverse("coaching:plan", args=[rep.pk]),
    }
    return render_for_viewer(request, f"{PLAN}#summary" if partial else PLAN, context)


@login_required
@require_GET
def plan_detail(request: HttpRequest, rep_id: int) -> HttpResponse:
    return _plan_page(request, rep_id)


@login_required
@require_POST
def plan_goals(request: HttpRequest, rep_id: int) -> HttpResponse:
    plan = active_plan_for(user=request.user, rep_id=rep_id)
    if not can_write_goals(request.user, plan):
        raise PermissionDenied("Only the rep writes their own goals.")
    return _plan_change(
        request,
        plan,
        GoalsForm(request.POST),
        form_name="goals_form",
        act=lambda data: plan_update(actor=request.user, plan=plan, goals=data["goals"]),
        done="Your goals are saved.",
    )


@login_required
@require_POST
def plan_focus(request: HttpRequest, rep_id: int) -> HttpResponse:
    plan = active_plan_for(user=request.user, rep_id=rep_id)
    if not can_steer_plan(request.user, plan):
        raise PermissionDenied("Only the rep's coach or an admin chooses the focus skills.")
    return _plan_change(
        request,
        plan,
        FocusSkillsForm(request.POST),
        form_name="focus_form",
        act=lambda data: plan_update(
            actor=request.user,
            plan=plan,
            focus_skill_ids=[skill.pk for skill in data["focus_skills"]],
        ),
        done="Focus skills saved.",
    )


def _plan_change(
    request: HttpRequest,
    plan: CoachingPlan,
    form: forms.Form,
    *,
    form_name: str,
    act: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Carry out ``act`` with a valid form's data and show the plan; a refusal shows on the
    form."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            if not request.htmx:
                messages.success(request, done)
                return redirect("coaching:plan", rep_id=plan.rep_id)
            return _plan_page(request, plan.rep_id, partial=True)
    return _plan_page(request, plan.rep_id, partial=bool(request.htmx), **{form_name: form})
