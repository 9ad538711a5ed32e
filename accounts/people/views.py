"""The roster and one person's page: admins read and change everyone, a manager reads their own
reports, a rep gets a 404. Each page: parse, authorise through ``selectors``, call a service
(``accounts.services``, ``accounts.offboarding``, ``accounts.invitations``), render."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.invitations import invitation_send
from accounts.models import User
from accounts.offboarding import user_deactivate, user_reactivate
from accounts.people.forms import ConfirmForm, PersonAddForm, PersonForm, RosterFilterForm
from accounts.people.selectors import people_roster_for, person_for_people, reports_of
from accounts.permissions import is_admin
from accounts.rendering import render_for_viewer
from accounts.services import user_invite, user_update
from config.errors import DomainError

log = logging.getLogger(__name__)
ROSTER_PAGE = 50


def admin_only(request: HttpRequest) -> None:
    if not is_admin(request.user):
        raise Http404("No such page.")


@login_required
@require_GET
def roster(request: HttpRequest) -> HttpResponse:
    people_roster_for(user=request.user)  # a rep: 404 before anything is read
    form = RosterFilterForm(request.GET or None, viewer=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    people = people_roster_for(
        user=request.user,
        q=filters.get("q", ""),
        role=filters.get("role", ""),
        team=filters.get("team", ""),
        active=filters.get("active", ""),
    )
    page = Paginator(people, ROSTER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filtered": any(filters.get(name) for name in ("q", "role", "team", "active")),
        "editable": is_admin(request.user),
    }
    return render_for_viewer(request, "people/roster.html", context)


def _person_form(person: User, data=None) -> PersonForm:
    initial = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "role": person.role,
        "manager": person.manager_id or "",
        "timezone": person.timezone,
    }
    return PersonForm(data, initial=initial, person=person)


def _person_page(
    request: HttpRequest, person: User, *, form: PersonForm | None = None, status: int = 200
) -> HttpResponse:
    editable = is_admin(request.user)
    context = {
        "person": person,
        "editable": editable,
        "form": form or (_person_form(person) if editable else None),
        "reports": list(
            reports_of(person=person).only("pk", "first_name", "last_name", "username")
        ),
        "confirm": ConfirmForm(),
        "invited": not person.has_usable_password(),
        "is_self": person.pk == request.user.pk,
        "invitation_days": settings.INVITATION_DAYS,
    }
    return render_for_viewer(request, "people/person.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def person(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_for_people(user=request.user, person_id=person_id)
    if request.method == "GET":
        return _person_page(request, person)
    admin_only(request)
    form = _person_form(person, request.POST)
    if not form.is_valid():
        return _person_page(request, person, form=form, status=400)
    data = form.cleaned_data
    try:
        person = user_update(
            actor=request.user,
            user=person,
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            role=data["role"],
            timezone=data["timezone"],
            manager=form.manager_user(),
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return _person_page(request, person, form=form, status=400)
    # Named as saved: a changed name shows in the message too.
    messages.success(request, f"{person}'s details are saved.")
    return redirect("people:person", person_id=person.pk)


@login_required
@require_http_methods(["GET", "POST"])
def person_add(request: HttpRequest) -> HttpResponse:
    admin_only(request)
    form = PersonAddForm(request.POST or None, initial={"timezone": request.user.timezone})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = user_invite(
                actor=request.user,
                username=data["username"],
                email=data["email"],
                role=data["role"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                manager=form.manager_user(),
                timezone=data["timezone"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, f"{person} is added; an invitation is on its way to {person.email}."
            )
            return redirect("people:person", person_id=person.pk)
    context = {"form": form, "invitation_days": settings.INVITATION_DAYS}
    return render_for_viewer(
        request, "people/add.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def person_invite(request: HttpRequest, person_id: int) -> HttpResponse:
    admin_only(request)
    person = person_for_people(user=request.user, person_id=person_id)
    try:
        invitation_send(user=person, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    except OSError:  # the mail server refused or is away (smtplib's errors are OSErrors)
        log.exception("invitation to %s not sent", person.username)
        messages.error(request, "The email could not be sent just now; try again in a while.")
    else:
        messages.success(request, f"A new invitation is on its way to {person.email}.")
    return redirect("people:person", person_id=person.pk)


def _standing_change(request: HttpRequest, person_id: int, *, change, done: str) -> HttpResponse:
    admin_only(request)
    person = person_for_people(user=request.user, person_id=person_id)
    confirm = ConfirmForm(request.POST)
    if not confirm.is_valid():
        messages.error(request, "Tick the box to confirm.")
        return redirect("people:person", person_id=person.pk)
    try:
        change(user=person, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done.format(person=person))
    return redirect("people:person", person_id=person.pk)


@login_required
@require_POST
def person_deactivate(request: HttpRequest, person_id: int) -> HttpResponse:
    return _standing_change(
        request,
        person_id,
        change=user_deactivate,
        done="{person} is deactivated: they cannot sign in, their sessions are cancelled and "
        "their reports have no manager now.",
    )


@login_required
@require_POST
def person_reactivate(request: HttpRequest, person_id: int) -> HttpResponse:
    return _standing_change(
        request,
        person_id,
        change=user_reactivate,
        done="{person} can sign in again, with the role and manager they had before.",
    )
