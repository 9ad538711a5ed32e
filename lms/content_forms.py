"""The content forms the back office and the authoring pages share: text stored with plain
newlines, lists edited one item per line, and a module's fields."""

from __future__ import annotations

from django import forms

from lms.models import Module


class PlainNewlines:
    """Browsers send CRLF line endings; content is stored with plain newlines, as files have it."""

    def clean(self):
        cleaned = super().clean()  # type: ignore[misc]
        for name, value in cleaned.items():
            if isinstance(value, str) and "\r" in value:
                cleaned[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        return cleaned


class AuthoringForm(PlainNewlines, forms.ModelForm):
    """A model form whose text is stored with plain newlines."""


class LinesField(forms.CharField):
    """A list of short texts edited as one item per line; blank lines are dropped."""

    widget = forms.Textarea(attrs={"rows": 5, "cols": 80})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class ModuleForm(AuthoringForm):
    coaching_questions = LinesField(
        required=False, label="Questions to ask", help_text="One question per line."
    )
    coaching_behaviours = LinesField(
        required=False, label="Behaviours to observe", help_text="One behaviour per line."
    )

    class Meta:
        model = Module
        fields = (
            "course",
            "position",
            "title",
            "slug",
            "objectives",
            "skills",
            "coaching_questions",
            "coaching_behaviours",
            "practice_task",
        )
