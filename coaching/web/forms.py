"""Input shape for the coaching pages; the domain rules stay in the services.

Times typed into a page are wall-clock times in the viewer's time zone (``LocalDateTimeField``),
whatever zone the server runs in.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from coaching.models import RUBRIC_ANCHORS, CoachingSession, Commitment
from coaching.models.sessions import TEXT_MAX
from coaching.skills.rules import Stage
from config.dates import date_in_range
from lms.models import Skill

COMMITMENT_ROWS = 3
RATING_CHOICES = [(rating, f"{rating} · {anchor}") for rating, anchor in RUBRIC_ANCHORS.items()]


class LocalDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` input read and shown in ``tz``, not in the server's zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    default_validators = [date_in_range]

    def __init__(self, *, tz: zoneinfo.ZoneInfo | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.tz = tz or zoneinfo.ZoneInfo("UTC")

    def to_python(self, value):
        # The parent makes the typed wall-clock time aware in the current zone: make it ours.
        with timezone.override(self.tz):
            return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return timezone.localtime(value, self.tz).replace(tzinfo=None)
        return value


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ReflectionForm(forms.Form):
    reflection = forms.CharField(
        label="Your reflection",
        required=False,
        max_length=TEXT_MAX,
        widget=_textarea(4),
    )


class CommitmentKeptForm(forms.Form):
    note = forms.CharField(label="How did it go?", required=False, max_length=TEXT_MAX)


class CommitmentReviewForm(forms.Form):
    status = forms.ChoiceField(choices=Commitment.Status.choices)


class RecommendationActForm(forms.Form):
    kind = forms.CharField(max_length=32, required=False)
    # Only for a course it assigns; left out, the suggested date applies.
    due_date = forms.DateField(
        required=False,
        error_messages={"invalid": "Enter the due date as a date."},
        validators=[date_in_range],
    )


class OutsideHoursMixin:
    """A time chosen by hand outside working hours, or in time off, of coach or rep needs a
    second, explicit yes: the box appears once the service has refused the time
    (``offer_outside_hours``), labelled with what it books despite."""

    def add_outside_hours_field(self) -> None:
        self.fields["outside_hours_confirmed"] = forms.BooleanField(
            label="Yes, book it outside working hours",
            required=False,
            widget=forms.HiddenInput,
        )
        if self.is_bound and self.data.get("outside_hours_confirmed") in ("on", "true", "True"):
            self.offer_outside_hours()

    def offer_outside_hours(self, label: str = "") -> None:
        field = self.fields["outside_hours_confirmed"]
        field.widget = forms.CheckboxInput()
        if label:
            # The bound field read its label when the form was cleaned: tell both.
            field.label = self["outside_hours_confirmed"].label = label


class BookSessionForm(OutsideHoursMixin, forms.Form):
    rep = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Rep",
        empty_label="Choose…",
        error_messages={"invalid_choice": "Choose someone in your team."},
    )
    scheduled_for = LocalDateTimeField(label="When")
    duration_minutes = forms.IntegerField(
        label="Minutes", required=False, min_value=10, max_value=240, initial=30
    )
    focus_skill = forms.ModelChoiceField(
        queryset=Skill.objects.order_by("name"),
        label="Focus skill",
        required=False,
        empty_label="None",
    )
    note = forms.CharField(label="Note for the agenda", required=False, max_length=TEXT_MAX)

    def __init__(self, *args, team: QuerySet[User], tz: zoneinfo.ZoneInfo, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rep"].queryset = team
        self.fields["scheduled_for"].tz = tz
        self.fields["scheduled_for"].help_text = f"Your time ({tz.key})."
        self.add_outside_hours_field()


class RescheduleForm(OutsideHoursMixin, forms.Form):
    scheduled_for = LocalDateTimeField(label="New time")

    def __init__(self, *args, tz: zoneinfo.ZoneInfo, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scheduled_for"].tz = tz
        self.fields["scheduled_for"].help_text = f"Your time ({tz.key})."
        self.add_outside_hours_field()


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=TEXT_MAX,
        widget=_textarea(2),
        error_messages={"required": "Give a reason; the other person will read it."},
    )
    confirm = forms.BooleanField(
        label="Yes, cancel this session",
        error_messages={"required": "Tick the box to confirm the cancellation."},
    )

    def __init__(self, *args, told: Iterable[User] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        names = " and ".join(str(person) for person in told)
        if names:
            self.fields["confirm"].label = f"Yes, cancel this session and tell {names}"


class RescheduleRequestForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need another time?",
        max_length=TEXT_MAX,
        widget=_textarea(3),
        error_messages={"required": "Say why you need another time; your coach will read it."},
        help_text="Your coach is told and picks a new time, or keeps this one.",
    )


class RescheduleRequestPickForm(RescheduleRequestForm):
    """The rep's request, with the free times of both people to pick one from (optional)."""

    proposed_for = forms.ChoiceField(
        label="Pick a time that suits you both (optional)",
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "That time is no longer free; pick another."},
    )

    def __init__(self, *args, free_times: Iterable[Any], tz: zoneinfo.ZoneInfo, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        picks = []
        for free in free_times:
            local = free.start.astimezone(tz)
            picks.append((free.start.isoformat(), f"{local:%a} {local.day} {local:%b, %H:%M}"))
        self.fields["proposed_for"].choices = [("", "Any time my coach chooses"), *picks]

    def clean_proposed_for(self) -> dt.datetime | None:
        value = self.cleaned_data["proposed_for"]
        return dt.datetime.fromisoformat(value) if value else None


class KeepTimeForm(forms.Form):
    answer = forms.CharField(
        label="A word to the rep (optional)",
        required=False,
        max_length=TEXT_MAX,
        widget=_textarea(2),
    )


class GoalsForm(forms.Form):
    goals = forms.CharField(
        label="My goals", required=False, max_length=TEXT_MAX, widget=_textarea(4)
    )


class FocusSkillsForm(forms.Form):
    focus_skills = forms.ModelMultipleChoiceField(
        queryset=Skill.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Focus skills",
    )


@dataclass
class SkillRow:
    skill: Skill
    rating: forms.BoundField
    evidence: forms.BoundField


@dataclass
class CommitmentRow:
    text: forms.BoundField
    skill: forms.BoundField
    due_date: forms.BoundField
    made: forms.BoundField  # the id of a commitment already made, when amending


class HoldForm(forms.Form):
    """What the coach records: a 1-5 rubric rating with evidence per skill on the agenda (each
    optional: rate what you observed), one more skill of their choice, a few commitments, and
    notes. ``observations()`` and ``commitments()`` give them in the shape ``session_hold``
    takes; the service judges them (due dates, skills). A ``peer`` session's mentor rates its
    one skill and writes shared notes: no other skill, no commitments, no private notes.
    """

    notes = forms.CharField(
        label="Shared notes",
        required=False,
        max_length=TEXT_MAX,
        widget=_textarea(4),
        help_text="The rep sees these.",
    )
    private_notes = forms.CharField(
        label="Private notes",
        required=False,
        max_length=TEXT_MAX,
        widget=_textarea(3),
        help_text="Only you and admins see these.",
    )

    def __init__(
        self,
        *args,
        skills: Iterable[Skill],
        all_skills: Iterable[Skill],
        commitment_rows: int = COMMITMENT_ROWS,
        peer: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.skills = list(skills)
        self.peer = peer
        choices = [("", "—"), *((skill.pk, skill.name) for skill in all_skills)]
        for skill in self.skills:
            self.fields[f"rating_{skill.pk}"] = self._rating_field()
            self.fields[f"evidence_{skill.pk}"] = self._evidence_field()
        self.fields["extra_skill"] = forms.TypedChoiceField(
            label="Another skill",
            choices=choices,
            coerce=int,
            required=False,
            empty_value=None,
        )
        self.fields["extra_rating"] = self._rating_field()
        self.fields["extra_evidence"] = self._evidence_field()
        self.commitment_count = commitment_rows
        if peer:
            for name in ("private_notes", "extra_skill", "extra_rating", "extra_evidence"):
                del self.fields[name]
            self.fields["notes"].help_text = "The rep you practised with sees these."
            self.commitment_count = 0
        for n in range(commitment_rows):
            self.fields[f"commitment_{n}_text"] = forms.CharField(
                label="Commitment", required=False, max_length=TEXT_MAX
            )
            self.fields[f"commitment_{n}_skill"] = forms.TypedChoiceField(
                label="Skill", choices=choices, coerce=int, required=False, empty_value=None
            )
            self.fields[f"commitment_{n}_due"] = forms.DateField(
                label="Due",
                required=False,
                validators=[date_in_range],
                # A date input reads only ISO dates, whatever the locale's own format.
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )
            self.fields[f"commitment_{n}_id"] = forms.IntegerField(
                required=False, widget=forms.HiddenInput
            )

    @staticmethod
    def _rating_field() -> forms.Field:
        return forms.TypedChoiceField(
            label="Rating",
            choices=RATING_CHOICES,
            coerce=int,
            required=False,
            empty_value=None,
            widget=forms.RadioSelect,
        )

    @staticmethod
    def _evidence_field() -> forms.Field:
        return forms.CharField(
            label="Evidence", required=False, max_length=TEXT_MAX, widget=_textarea(2)
        )

    @property
    def skill_rows(self) -> list[SkillRow]:
        return [
            SkillRow(skill, self[f"rating_{skill.pk}"], self[f"evidence_{skill.pk}"])
            for skill in self.skills
        ]

    @property
    def commitment_rows(self) -> list[CommitmentRow]:
        return [
            CommitmentRow(
                self[f"commitment_{n}_text"],
                self[f"commitment_{n}_skill"],
                self[f"commitment_{n}_due"],
                self[f"commitment_{n}_id"],
            )
            for n in range(self.commitment_count)
        ]

    @staticmethod
    def initial_from(session: CoachingSession) -> dict:
        """The form filled in with a held session's record, to amend it."""
        initial: dict = {"notes": session.shared_notes, "private_notes": session.private_notes}
        for observation in session.observations.all():
            initial[f"rating_{observation.skill_id}"] = observation.rating
            initial[f"evidence_{observation.skill_id}"] = observation.evidence
        for n, commitment in enumerate(session.commitments.all()):
            initial[f"commitment_{n}_text"] = commitment.text
            initial[f"commitment_{n}_skill"] = commitment.skill_id
            initial[f"commitment_{n}_due"] = commitment.due_date
            initial[f"commitment_{n}_id"] = commitment.pk
        return initial

    def clean(self) -> dict:
        data = super().clean()
        for skill in self.skills:
            if data.get(f"evidence_{skill.pk}") and data.get(f"rating_{skill.pk}") is None:
                self.add_error(
                    f"rating_{skill.pk}", f"Rate {skill.name}, or leave its evidence empty."
                )
        extra_skill, extra_rating = data.get("extra_skill"), data.get("extra_rating")
        if extra_skill is None and (extra_rating is not None or data.get("extra_evidence")):
            self.add_error("extra_skill", "Choose the skill you rated.")
        if extra_skill is not None and extra_rating is None:
            self.add_error("extra_rating", "Give a rating for the skill you chose.")
        for n in range(self.commitment_count):
            text, due = data.get(f"commitment_{n}_text"), data.get(f"commitment_{n}_due")
            if text and due is None:
                self.add_error(f"commitment_{n}_due", "Give the commitment a due date.")
            if not text and (due is not None or data.get(f"commitment_{n}_skill") is not None):
                self.add_error(f"commitment_{n}_text", "Say what the rep commits to.")
        return data

    def observations(self) -> list[dict]:
        data = self.cleaned_data
        rated = [
            {
                "skill": skill.pk,
                "rating": data[f"rating_{skill.pk}"],
                "evidence": data.get(f"evidence_{skill.pk}", ""),
            }
            for skill in self.skills
            if data.get(f"rating_{skill.pk}") is not None
        ]
        if data.get("extra_skill") is not None:
            rated.append(
                {
                    "skill": data["extra_skill"],
                    "rating": data["extra_rating"],
                    "evidence": data.get("extra_evidence", ""),
                }
            )
        return rated

    def commitments(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "text": data[f"commitment_{n}_text"],
                "skill": data.get(f"commitment_{n}_skill"),
                "due_date": data[f"commitment_{n}_due"],
                "id": data.get(f"commitment_{n}_id"),
            }
            for n in range(self.commitment_count)
            if data.get(f"commitment_{n}_text")
        ]


class TeamFilterForm(forms.Form):
    """The team page's search and filters; an admin also picks whose team (none: everyone)."""

    q = forms.CharField(required=False, max_length=100, label="Search")
    risk = forms.ChoiceField(
        required=False,
        label="Decay risk",
        choices=[
            ("", "Any risk"),
            ("high", "High: coaching steps in within a week"),
            ("medium", "Medium: a refresher is due within a week"),
            ("none", "None this week"),
        ],
    )
    stage = forms.ChoiceField(
        required=False,
        label="Has a skill at",
        choices=[("", "Any stage"), *((stage.value, stage.value.capitalize()) for stage in Stage)],
    )
    manager = forms.ModelChoiceField(
        required=False, queryset=User.objects.none(), empty_label="Everyone", label="Team of"
    )

    def __init__(self, *args, viewer: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if viewer.is_org_admin:
            self.fields["manager"].queryset = (
                User.objects.active()
                .filter(role=User.Role.MANAGER)
                .order_by("first_name", "last_name", "username")
            )
        else:
            del self.fields["manager"]
