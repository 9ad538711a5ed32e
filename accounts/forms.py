import zoneinfo
from collections import defaultdict

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.models import AuditEvent


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
