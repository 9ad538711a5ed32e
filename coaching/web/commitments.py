"""Commitment pages (DESIGN §8): the rep ticks one off (and may take that back for a day), the
coach settles its outcome.

Each answers with the commitment's row when asked by htmx, else sends the form back where it
came from. What the viewer may not see is a 404 (``commitment_for``); what they may see but
not do is a 403.
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
from django.views.decorators.http import require_POST

from accounts.rendering import render_for_viewer
from coaching.models import Commitment
from coaching.sessions.commitments import (
    commitment_mark_kept,
    commitment_review,
    commitment_undo_kept,
)
from coaching.sessions.permissions import (
    can_mark_commitment_kept,
    can_review_commitment,
    can_undo_commitment_kept,
    commitments_reviewable_by,
)
from coaching.sessions.selectors import commitment_for
from coaching.web.forms import CommitmentKeptForm, CommitmentReviewForm
from coaching.web.rendering import back_url
from config.errors import DomainError

COMMITMENT_ROW = "components/commitment_row.html"


@login_required
@require_POST
def commitment_kept(request: HttpRequest, commitment_id: int) -> HttpResponse:
    commitment = commitment_for(user=request.user, commitment_id=commitment_id)
    if not can_mark_commitment_kept(request.user, commitment):
        raise PermissionDenied("Only the rep marks their commitment kept.")
    return _commitment_change(
        request,
        commitment,
        CommitmentKeptForm(request.POST),
        act=lambda data: commitment_mark_kept(
            rep=request.user, commitment=commitment, note=data["note"]
        ),
        invalid="Keep the note shorter.",
        done="Marked kept.",
    )


@login_required
@require_POST
def commitment_review_view(request: HttpRequest, commitment_id: int) -> HttpResponse:
    commitment = commitment_for(user=request.user, commitment_id=commitment_id)
    if not can_review_commitment(request.user, commitment):
        raise PermissionDenied("Only the rep's coach or an admin reviews a commitment.")
    return _commitment_change(
        request,
        commitment,
        CommitmentReviewForm(request.POST),
        act=lambda data: commitment_review(
            actor=request.user, commitment=commitment, status=data["status"]
        ),
        invalid="Choose kept, missed or open.",
        done="Commitment updated.",
    )


@login_required
@require_POST
def commitment_undo_view(request: HttpRequest, commitment_id: int) -> HttpResponse:
    commitment = commitment_for(user=request.user, commitment_id=commitment_id)
    if not can_undo_commitment_kept(request.user, commitment):
        raise PermissionDenied("Only the rep or their coach undoes marking a commitment kept.")
    return _commitment_change(
        request,
        commitment,
        forms.Form(request.POST),
        act=lambda _: commitment_undo_kept(actor=request.user, commitment=commitment),
        invalid="",
        done="Set open again.",
    )


def _commitment_change(
    request: HttpRequest,
    commitment: Commitment,
    form: forms.Form,
    *,
    act: Callable[[dict[str, Any]], Commitment],
    invalid: str,
    done: str,
) -> HttpResponse:
    """Carry out ``act`` with a valid form's data; a refusal, or a form that does not parse,
    is shown with the commitment."""
    error = None
    if form.is_valid():
        try:
            commitment = act(form.cleaned_data)
        except DomainError as refusal:
            error = refusal.message
    else:
        error = invalid
    return _commitment_answer(request, commitment, error, done)


def _commitment_answer(
    request: HttpRequest, commitment: Commitment, error: str | None, done: str
) -> HttpResponse:
    if request.htmx:
        context = {
            "commitment": commitment,
            "commitment_error": error,
            "reviewable": commitments_reviewable_by(request.user, [commitment]),
        }
        return render_for_viewer(request, COMMITMENT_ROW, context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(back_url(request, reverse("coaching:my_coaching")))
