"""What every authoring page shares: clean text, positions that authors may leave blank or
reorder freely, and a page that previews a row as a rep sees it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.html import format_html
from django.utils.safestring import SafeString
from simple_history.admin import SimpleHistoryAdmin

from lms.content_forms import AuthoringForm
from lms.services.authoring import positions_make_room


class PositionedInlineFormSet(BaseInlineFormSet):
    """Rows left without a position go to the end, in the order they were added."""

    def clean(self):
        super().clean()
        taken, blanks = [], []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            if form.empty_permitted and not form.has_changed():
                continue
            position = form.cleaned_data.get("position")
            if position is None:
                blanks.append(form)
            else:
                taken.append(position)
        next_position = max(taken, default=0)
        for form in blanks:
            next_position += 1
            form.cleaned_data["position"] = next_position
            form.instance.position = next_position


class PositionedInline:
    """Inline rows ordered by a position that authors may leave blank or change freely."""

    formset = PositionedInlineFormSet
    form = AuthoringForm

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "position":
            return forms.IntegerField(
                required=False,
                min_value=1,
                label="Position",
                help_text="Blank puts it last.",
                widget=forms.NumberInput(attrs={"style": "width: 4em"}),
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


def share_choices(formfield):
    """Evaluate a select's options once for all inline rows instead of once per row."""
    if formfield is not None and hasattr(formfield, "queryset"):
        formfield.choices = list(formfield.choices)
    return formfield


class PositionsAdmin(SimpleHistoryAdmin):
    """Saves reordered inline rows without two ever holding the same position; its "History"
    page lists who changed the row and what (django-simple-history)."""

    form = AuthoringForm

    def save_formset(self, request, form, formset, change):
        if any(field.name == "position" for field in formset.model._meta.fields):
            positions_make_room(
                model=formset.model,
                pks=[
                    row.instance.pk
                    for row in formset.initial_forms
                    if row.instance.pk
                    and (formset._should_delete_form(row) or "position" in row.changed_data)
                ],
            )
        super().save_formset(request, form, formset, change)


def link(url: str, text: str) -> SafeString:
    return format_html('<a href="{}">{}</a>', url, text)


class PreviewAdmin(PositionsAdmin):
    """An admin with a page that shows one row as a rep sees it, at ``preview_route`` (taking
    the row's ``pk``) under the URL name ``preview_name``."""

    preview_route: str
    preview_name: str
    preview_template: str
    # Each admin says what its page previews (for the title) and the template's context, and
    # answers 404 for a row that does not exist.
    preview_context: Callable[[int], tuple[str, dict[str, Any]]]

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                self.preview_route,
                self.admin_site.admin_view(self.preview_view),
                name=self.preview_name,
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest, pk: int) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        subject, context = self.preview_context(pk)
        return TemplateResponse(
            request,
            self.preview_template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": f"Preview: {subject}",
                **context,
            },
        )
