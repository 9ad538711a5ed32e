"""The signed-in person's own page: their details, when they can be booked (working days and
hours, time off, the calendar read for busy times: ``coaching.web.calendars``), which reminders
come by email, their calendar feed, their API tokens, and the way to their password.

It lives here rather than in ``accounts`` because it sets coaching's things too (email per kind
of reminder, the feed); ``accounts`` knows nothing of coaching. Each form posts on its own (a
hidden ``section`` says which), and the page is rendered again with its errors, or redirected
with a message.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.availability import (
    Availability,
    availability_of,
    availability_set,
    time_off_add,
    time_off_remove,
)
from accounts.forms import AvailabilityForm, ProfileForm, TimeOffForm
from accounts.rendering import render_for_viewer
from accounts.services import user_profile_update
from accounts.tokens import token_revoke, tokens_of
from coaching.reminders.calendar import calendar_feed_for
from coaching.reminders.preferences import (
    email_kinds_for,
    email_opt_outs_of,
    email_preferences_set,
)
from coaching.web.calendars import calendar_context
from config.errors import DomainError

PAGE = "accounts/profile.html"
DETAILS, EMAIL = "details", "email"
AVAILABILITY, TIME_OFF, TIME_OFF_REMOVE = "availability", "time_off", "time_off_remove"
BUDGET = "coaching_budget"


class CoachingBudgetForm(forms.Form):
    """A manager's weekly coaching budget (DESIGN §13); empty: the organisation's default."""

    coaching_budget_hours = forms.DecimalField(
        label="Weekly coaching budget (hours)",
        required=False,
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=Decimal("40"),
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "max": "40"}),
        error_messages={
            "min_value": "A weekly coaching budget is 0.5 to 40 hours.",
            "max_value": "A weekly coaching budget is 0.5 to 40 hours.",
        },
    )


def _budget_form(request: HttpRequest, data=None) -> CoachingBudgetForm | None:
    if not request.user.is_manager:
        return None
    initial = {"coaching_budget_hours": request.user.coaching_budget_hours}
    form = CoachingBudgetForm(data, initial=initial, prefix=BUDGET)
    default = f"{settings.COACHING_BUDGET_HOURS:g}"
    form.fields["coaching_budget_hours"].widget.attrs["placeholder"] = f"{default} (the default)"
    return form


class EmailPreferencesForm(forms.Form):
    wanted = forms.MultipleChoiceField(
        label="Send me an email when",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wanted"].choices = kinds


def _details_form(request: HttpRequest, data=None) -> ProfileForm:
    user = request.user
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "timezone": user.timezone,
    }
    return ProfileForm(data, initial=initial, prefix=DETAILS)


def _email_form(request: HttpRequest, data=None) -> EmailPreferencesForm:
    kinds = email_kinds_for(user=request.user)
    off = email_opt_outs_of(user=request.user)
    initial = {"wanted": [value for value, _ in kinds if value not in off]}
    return EmailPreferencesForm(data, initial=initial, kinds=kinds, prefix=EMAIL)


def _hhmm(value: dt.timedelta) -> dt.time:
    minutes = int(value.total_seconds()) // 60
    return dt.time(minutes // 60 % 24, minutes % 60)


def _availability_form(availability: Availability, data=None) -> AvailabilityForm:
    initial = {
        "working_days": [str(day) for day in sorted(availability.workdays)],
        "day_start": _hhmm(availability.day_start),
        "day_end": _hhmm(availability.day_end),
    }
    return AvailabilityForm(data, initial=initial, prefix=AVAILABILITY)


def _availability_post(request: HttpRequest, section: str, forms_: dict) -> bool:
    """Carry out one of the availability forms (its errors stay on it in ``forms_``); True
    when it is done and the page redirects."""
    user = request.user
    if section == BUDGET:
        form = forms_[BUDGET] = _budget_form(request, request.POST)
        if form is None:  # not a manager: there is no budget to set
            messages.error(request, "Only managers have a weekly coaching budget.")
            return True
        if not form.is_valid():
            return False
        try:
            availability_set(
                user=user, coaching_budget_hours=form.cleaned_data["coaching_budget_hours"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return False
        messages.success(request, "Your weekly coaching budget is saved.")
        return True
    if section == TIME_OFF_REMOVE:
        try:
            time_off_remove(user=user, time_off_id=int(request.POST.get("time_off", "")))
        except (ValueError, DomainError):
            messages.error(request, "That time off is not on your list.")
        else:
            messages.success(request, "That time off is removed.")
        return True
    if section == AVAILABILITY:
        form = forms_[AVAILABILITY] = _availability_form(forms_["current"], request.POST)
    else:
        form = forms_[TIME_OFF] = TimeOffForm(request.POST, prefix=TIME_OFF)
    if not form.is_valid():
        return False
    try:
        if section == AVAILABILITY:
            availability_set(user=user, **form.cleaned_data)
            messages.success(request, "Your working week is saved.")
        else:
            time_off_add(user=user, **form.cleaned_data)
            messages.success(request, "Your time off is added: no session is booked then.")
    except DomainError as error:
        form.add_error(None, error.message)
        return False
    return True


def _feed_urls(request: HttpRequest) -> dict[str, str]:
    feed = calendar_feed_for(user=request.user)
    url = request.build_absolute_uri(reverse("coaching:calendar_feed", args=[feed.token]))
    # webcal:// opens the calendar program's "subscribe" dialog instead of downloading once.
    return {"feed_url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    details, email = _details_form(request), _email_form(request)
    today = timezone.localdate(timezone=request.user.tzinfo)
    availability = availability_of([request.user], today=today)[request.user.pk]
    availability_forms = {
        "current": availability,
        AVAILABILITY: _availability_form(availability),
        TIME_OFF: TimeOffForm(prefix=TIME_OFF),
        BUDGET: _budget_form(request),
    }
    if request.method == "POST":
        section = request.POST.get("section")
        if section in (AVAILABILITY, TIME_OFF, TIME_OFF_REMOVE, BUDGET):
            if _availability_post(request, section, availability_forms):
                return redirect(reverse("profile") + "#availability")
        elif section == DETAILS:
            details = _details_form(request, request.POST)
            if details.is_valid():
                try:
                    user_profile_update(user=request.user, **details.cleaned_data)
                except DomainError as error:
                    details.add_error(None, error.message)
                else:
                    messages.success(request, "Your details are saved.")
                    return redirect("profile")
        elif section == EMAIL:
            email = _email_form(request, request.POST)
            if email.is_valid():
                email_preferences_set(user=request.user, wanted=email.cleaned_data["wanted"])
                messages.success(request, "Your email settings are saved.")
                return redirect("profile")
    # In the viewer's time zone: the tokens' times are theirs.
    return render_for_viewer(
        request,
        PAGE,
        {
            "details_form": details,
            "email_form": email,
            "availability": availability,
            "time_off": [away for away in availability.time_off if away.end >= today],
            "availability_form": availability_forms[AVAILABILITY],
            "time_off_form": availability_forms[TIME_OFF],
            "budget_form": availability_forms[BUDGET],
            "budget_default_hours": settings.COACHING_BUDGET_HOURS,
            "tokens": tokens_of(user=request.user),
            **calendar_context(request),
            "token_days": settings.API_TOKEN_DAYS,
            **_feed_urls(request),
        },
    )


@login_required
@require_http_methods(["POST"])
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token_revoke(user=request.user, token_id=token_id)  # Http404 for anyone else's
    messages.success(request, "The token is revoked: the program using it must sign in again.")
    return redirect(reverse("profile") + "#tokens")
