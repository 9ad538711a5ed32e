"""Input shape for the training pages; the domain rules stay in lms.services."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from accounts.models import User
from config.api import MAX_ID
from config.dates import date_in_range
from lms.models import Course, Question
from lms.selectors.quizzes import AttemptSheet
from lms.services import EXTRA_ATTEMPTS_MAX


def _question_field(question_id: int) -> str:
    return f"question_{question_id}"


class AttemptForm(forms.Form):
    """One field per question of an attempt, accepting only that question's frozen choices.

    Unanswered questions are allowed: they count as wrong when graded, once the person says
    to submit anyway.
    """

    submit_anyway = forms.BooleanField(required=False)

    def __init__(self, *args, sheet: AttemptSheet, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.question_ids = [item.question.pk for item in sheet.items]
        for item in sheet.items:
            choices = [(choice.pk, choice.text) for choice in item.choices]
            if item.question.kind == Question.Kind.MULTIPLE:
                field: forms.Field = forms.TypedMultipleChoiceField(
                    choices=choices, coerce=int, required=False
                )
            else:
                field = forms.TypedChoiceField(
                    choices=choices, coerce=int, required=False, empty_value=None
                )
            self.fields[_question_field(item.question.pk)] = field

    def answers(self) -> list[dict]:
        """The answers in the shape ``attempt_submit`` takes."""
        answers = []
        for question_id in self.question_ids:
            value = self.cleaned_data.get(_question_field(question_id))
            chosen = value if isinstance(value, list) else [] if value is None else [value]
            answers.append({"question": question_id, "choices": chosen})
        return answers


class _CourseAssignment(forms.Form):
    """The course and the optional due date of an assignment; who gets it is the subclass's."""

    course = forms.ModelChoiceField(
        queryset=Course.objects.published().order_by("title"),
        empty_label="Choose…",
        error_messages={"invalid_choice": "Choose a published course."},
    )
    due_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional. Today or later.",
        validators=[date_in_range],
    )


class AssignCourseForm(_CourseAssignment):
    rep = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Rep",
        empty_label="Choose…",
        error_messages={
            "invalid_choice": "Choose someone in your team: you assign courses to your reports."
        },
    )
    field_order = ["rep", "course", "due_date"]

    def __init__(self, *args, team: QuerySet[User], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rep"].queryset = team


class AssignTeamForm(_CourseAssignment):
    """An admin assigns one course to every direct report of a manager at once."""

    manager = forms.ModelChoiceField(
        queryset=User.objects.active_managers().order_by("first_name", "username"),
        label="Team of",
        empty_label="Choose…",
        error_messages={"invalid_choice": "Choose a manager: their direct reports get the course."},
    )
    field_order = ["manager", "course", "due_date"]


class ExtraAttemptsForm(forms.Form):
    """A manager gives someone more attempts at a quiz; who and which are checked by the view."""

    user = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    quiz = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    attempts = forms.IntegerField(
        min_value=1,
        max_value=EXTRA_ATTEMPTS_MAX,
        initial=1,
        label="More attempts",
        error_messages={
            "min_value": f"Give from 1 to {EXTRA_ATTEMPTS_MAX} more attempts at a time.",
            "max_value": f"Give from 1 to {EXTRA_ATTEMPTS_MAX} more attempts at a time.",
            "invalid": "Give a whole number of attempts.",
            "required": "Say how many more attempts to give.",
        },
    )
