"""Input shape for the training pages; the domain rules stay in lms.services."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from accounts.models import User
from lms.models import Course, Question
from lms.selectors.quizzes import AttemptSheet


def _question_field(question_id: int) -> str:
    return f"question_{question_id}"


class AttemptForm(forms.Form):
    """One field per question of an attempt, accepting only that question's frozen choices.

    Unanswered questions are allowed: they count as wrong when graded.
    """

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
