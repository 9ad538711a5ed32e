import zoneinfo
from collections import defaultdict

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.availability import WEEKDAYS
from accounts.models import AuditEvent
from config.dates import date_in_range


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match. Check them and try again.",
    }


def time_zone_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every IANA time zone, grouped by region ("Europe": "London", ...), for a select that
    a browser lets people type into and the page's search narrows."""
    regions: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name in sorted(zoneinfo.available_timezones()):
        region, _, place = name.partition("/")
        if not place:
            region, place = "Other", name
        regions[region].append((name, place.replace("_", " ").replace("/", " / ")))
    return sorted(regions.items(), key=lambda item: (item[0] == "Other", item[0]))


class ProfileForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(
        help_text="Where reminders, invites and password reset links are sent."
    )
    timezone = forms.ChoiceField(
        label="Time zone",
        choices=time_zone_choices,
        help_text="Sessions are booked in your working hours here, and times are shown in it.",
        error_messages={
            "invalid_choice": "Choose a time zone from the list, such as Europe/London."
        },
    )


class AuditFilterForm(forms.Form):
    """The audit page's filters; every one may be left empty."""

    actor = forms.CharField(
        label="Who", required=False, max_length=150, help_text="Username, as it was."
    )
    action = forms.ChoiceField(label="What", required=False)
    since = forms.DateField(label="From", required=False, widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action"), *AuditEvent.Action.choices]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError("“From” is after “To”: swap them to see that period.")
        return cleaned


# --- availability (the profile page; the rules are accounts.availability's) -------------------

WEEKDAY_CHOICES = [(str(day), name) for day, name in enumerate(WEEKDAYS)]


class AvailabilityForm(forms.Form):
    working_days = forms.MultipleChoiceField(
        label="Working days",
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one working day."},
    )
    day_start = forms.TimeField(
        label="Day starts",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Give the time your working day starts, such as 09:00."},
    )
    day_end = forms.TimeField(
        label="Day ends",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Give the time your working day ends, such as 17:00."},
    )

    def clean_working_days(self) -> list[int]:
        return [int(day) for day in self.cleaned_data["working_days"]]


class TimeOffForm(forms.Form):
    start = forms.DateField(
        label="First day away",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Give the first day you are away."},
    )
    end = forms.DateField(
        label="Last day away",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[date_in_range],
        error_messages={"required": "Give the last day you are away (the same day for one day)."},
    )
    note = forms.CharField(
        label="Note (optional)", required=False, max_length=200, help_text="Such as Holiday."
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "The last day is before the first; swap them.")
        return cleaned
