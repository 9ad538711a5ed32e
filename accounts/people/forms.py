"""The people pages' forms: the roster's filters, a person's details, adding one, importing."""

from __future__ import annotations

from django import forms
from django.core import signing

from accounts.forms import ProfileForm
from accounts.importing import MAX_BYTES
from accounts.models import User
from accounts.people.selectors import NO_MANAGER

IMPORT_SALT = "accounts.people.import"
IMPORT_MAX_AGE = 3600  # seconds between the preview and "Apply"


def managers() -> list[tuple[str, str]]:
    """Everyone who may have reports: active managers and admins, by name."""
    people = (
        User.objects.active()
        .exclude(role=User.Role.REP)
        .order_by("first_name", "last_name", "username")
        .only("pk", "first_name", "last_name", "username")
    )
    return [(str(person.pk), f"{person} ({person.username})") for person in people]


class RosterFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    role = forms.ChoiceField(required=False, label="Role")
    team = forms.ChoiceField(required=False, label="Team of")
    active = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[("", "Active"), ("inactive", "Deactivated"), ("all", "Everyone")],
    )

    def __init__(self, *args, viewer: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "Any role"), *User.Role.choices]
        if viewer.is_org_admin:
            self.fields["team"].choices = [
                ("", "Any team"),
                (NO_MANAGER, "Reps with no manager"),
                *managers(),
            ]
        else:
            # A manager sees their own team only: nothing to choose.
            del self.fields["team"]
            del self.fields["active"]


class ManagerField(forms.TypedChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(
            required=False,
            coerce=int,
            empty_value=None,
            label="Manager",
            help_text="Their coach. Changing it moves their plan and scheduled sessions too.",
            **kwargs,
        )


class PersonForm(ProfileForm):
    """A person's details as an admin sets them: the profile's fields (the same searchable
    time-zone list) with the role and the reporting line."""

    role = forms.ChoiceField(choices=User.Role.choices)
    manager = ManagerField()

    field_order = ["first_name", "last_name", "email", "role", "manager", "timezone"]

    def __init__(self, *args, person: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].help_text = "Sessions are booked in their working hours here."
        choices = [(pk, name) for pk, name in managers() if not person or pk != str(person.pk)]
        self.fields["manager"].choices = [("", "Nobody"), *choices]

    def manager_user(self) -> User | None:
        manager_id = self.cleaned_data.get("manager")
        return User.objects.filter(pk=manager_id).first() if manager_id else None


class PersonAddForm(PersonForm):
    username = forms.CharField(
        max_length=150,
        help_text="What they sign in with: letters, digits and @ . + - _ only.",
        validators=[User.username_validator],
    )

    field_order = ["username", "first_name", "last_name", "email", "role", "manager", "timezone"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError(f"The username {username} is taken; choose another.")
        return username


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        error_messages={"required": "Tick the box to confirm."},
    )


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        required=False,
        label="CSV file",
        help_text="Save the spreadsheet as CSV (UTF-8).",
    )
    text = forms.CharField(
        required=False,
        label="Or paste the rows",
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        max_length=MAX_BYTES,
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > MAX_BYTES:
                raise forms.ValidationError(f"The file is over {MAX_BYTES // 1000} kB; split it.")
            try:
                cleaned["content"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise forms.ValidationError(
                    "The file is not UTF-8 text; save it from the spreadsheet as CSV (UTF-8)."
                ) from error
        elif cleaned.get("text", "").strip():
            cleaned["content"] = cleaned["text"].replace("\r\n", "\n")
        else:
            raise forms.ValidationError("Choose a CSV file, or paste its rows.")
        return cleaned


def import_sign(content: str, *, salt: str = IMPORT_SALT) -> str:
    """The previewed file, signed: "Apply" posts exactly what was previewed, or nothing. Each
    import signs with its own ``salt``, so one import's preview never applies as another's."""
    return signing.dumps(content, salt=salt, compress=True)


class ImportApplyForm(forms.Form):
    """ "Apply" on an import's preview; another import subclasses it with its own ``salt``."""

    salt = IMPORT_SALT
    signed = forms.CharField(widget=forms.HiddenInput)

    def clean_signed(self) -> str:
        try:
            return signing.loads(
                self.cleaned_data["signed"], salt=self.salt, max_age=IMPORT_MAX_AGE
            )
        except signing.SignatureExpired as error:
            raise forms.ValidationError(
                "The preview is over an hour old; upload the file again to check it anew."
            ) from error
        except signing.BadSignature as error:
            raise forms.ValidationError(
                "This is not the file that was previewed; upload it again to check it."
            ) from error
