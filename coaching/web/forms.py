"""Input shape for the coaching pages; the domain rules stay in the services.

Times typed into a page are wall-clock times in the viewer's time zone (``LocalDateTimeField``),
whatever zone the server runs in.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from coaching.models import RUBRIC_ANCHORS, Commitment
from coaching.models.sessions import TEXT_MAX
from lms.models import Skill

COMMITMENT_ROWS = 3
RATING_CHOICES = [(rating, f"{rating} · {anchor}") for rating, anchor in RUBRIC_ANCHORS.items()]


class LocalDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` input read and shown in ``tz``, not in the server's zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

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


class BookSessionForm(forms.Form):
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


class RescheduleForm(forms.Form):
    scheduled_for = LocalDateTimeField(label="New time")

    def __init__(self, *args, tz: zoneinfo.ZoneInfo, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scheduled_for"].tz = tz
        self.fields["scheduled_for"].help_text = f"Your time ({tz.key})."


class CancelForm(forms.Form):
    reason = forms.CharField(label="Reason", required=False, max_length=TEXT_MAX)


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


class HoldForm(forms.Form):
    """What the coach records: a 1-5 rubric rating with evidence per skill on the agenda (each
    optional: rate what you observed), one more skill of their choice, a few commitments, and
    notes. ``observations()`` and ``commitments()`` give them in the shape ``session_hold``
    takes; the service judges them (due dates, skills).
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
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.skills = list(skills)
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
        for n in range(commitment_rows):
            self.fields[f"commitment_{n}_text"] = forms.CharField(
                label="Commitment", required=False, max_length=TEXT_MAX
            )
            self.fields[f"commitment_{n}_skill"] = forms.TypedChoiceField(
                label="Skill", choices=choices, coerce=int, required=False, empty_value=None
            )
            self.fields[f"commitment_{n}_due"] = forms.DateField(
                label="Due", required=False, widget=forms.DateInput(attrs={"type": "date"})
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
            )
            for n in range(self.commitment_count)
        ]

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
            }
            for n in range(self.commitment_count)
            if data.get(f"commitment_{n}_text")
        ]
