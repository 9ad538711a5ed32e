"""The authoring pages' forms: input shape only; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.core.validators import validate_slug

from lms.content_forms import PlainNewlines
from lms.models import Course, Skill

# A real course file is a few tens of kilobytes; this leaves room and refuses what is not one.
COURSE_FILE_MAX_BYTES = 1_000_000


class _CleanText(PlainNewlines, forms.Form):
    """A plain form whose text is stored with plain newlines."""


def _skills_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=Skill.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="What it trains; publishing needs at least one.",
    )


class CourseFilterForm(forms.Form):
    q = forms.CharField(label="Title", required=False, max_length=100)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Course.Status.choices]
    )


class CourseForm(_CleanText):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    skills = _skills_field()


class CourseNewForm(CourseForm):
    slug = forms.CharField(
        max_length=50,
        required=False,
        validators=[validate_slug],
        help_text="Letters, numbers and hyphens; left empty, it is made from the title.",
    )
    field_order = ("title", "slug", "summary", "skills")

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip()
        if slug and Course.objects.filter(slug=slug).exists():
            raise forms.ValidationError("Another course already uses this slug.")
        return slug


class ModuleForm(_CleanText):
    title = forms.CharField(max_length=200)
    objectives = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown; usually a short list.",
    )
    skills = _skills_field()


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class CourseFileForm(forms.Form):
    text = ""  # the file's content, once it is valid

    file = forms.FileField(
        label="Course file (YAML)",
        help_text="Creates the course, or updates the one with the same slug; all or nothing.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > COURSE_FILE_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size // 1000:,} kB; a course file may be at most"
                f" {COURSE_FILE_MAX_BYTES // 1000:,} kB."
            )
        try:
            self.text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "The file is not text in UTF-8; save it as UTF-8 and upload it again."
            ) from None
        return upload
