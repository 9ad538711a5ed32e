"""Authoring quizzes in the admin: settings, questions and their choices, and a preview.

A question's choices must agree with its kind (one correct choice for single choice, at least
one for multiple), by the same rule course files and publishing use.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.text import Truncator

from lms.admin.authoring import (
    PositionedInline,
    PositionedInlineFormSet,
    PositionsAdmin,
    PreviewAdmin,
    link,
    share_choices,
)
from lms.models import Choice, Module, Question, Quiz
from lms.services.authoring import question_rule_problems, quiz_problems


class QuestionInlineFormSet(PositionedInlineFormSet):
    """Changing a question's kind here must still agree with the choices it already has."""

    def clean(self):
        super().clean()
        changed = [
            form
            for form in self.initial_forms
            if "kind" in form.changed_data and not self._should_delete_form(form)
        ]
        counts = {
            q.pk: q
            for q in Question.objects.filter(pk__in=[f.instance.pk for f in changed]).annotate(
                choice_total=Count("choices"),
                correct_total=Count("choices", filter=Q(choices__is_correct=True)),
            )
        }
        for form in changed:
            stored = counts.get(form.instance.pk)
            if stored is None:
                continue
            problems = question_rule_problems(
                kind=form.cleaned_data["kind"],
                choice_count=stored.choice_total,
                correct_count=stored.correct_total,
            )
            if problems:
                form.add_error("kind", f"{problems[0].capitalize()}; edit its choices first.")


class QuestionInline(PositionedInline, admin.TabularInline):
    model = Question
    formset = QuestionInlineFormSet
    fields = ("position", "prompt", "kind", "skill")
    show_change_link = True
    extra = 1

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "prompt":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 60})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return share_choices(super().formfield_for_foreignkey(db_field, request, **kwargs))


def _warn_problems(admin_: admin.ModelAdmin, request: HttpRequest, quiz: Quiz) -> None:
    for problem in quiz_problems(quiz=quiz):
        admin_.message_user(request, f"Not ready for reps yet: {problem}", messages.WARNING)


@admin.register(Quiz)
class QuizAdmin(PreviewAdmin):
    preview_route = "<int:pk>/preview/"
    preview_name = "lms_quiz_preview"
    preview_template = "admin/lms/quiz_preview.html"
    list_display = (
        "__str__",
        "course",
        "pass_mark",
        "max_attempts",
        "question_count",
        "preview_link",
    )
    list_filter = ("module__course__status", "module__course")
    list_select_related = ("module__course",)
    search_fields = ("module__title", "module__course__title")
    fields = (
        "module",
        "pass_mark",
        "max_attempts",
        "shuffle_choices",
        "questions_per_attempt",
        "review_policy",
        "preview_link",
    )
    readonly_fields = ("preview_link",)
    inlines = (QuestionInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("module__course")
            .annotate(question_total=Count("questions"))
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "module":
            kwargs["queryset"] = Module.objects.select_related("course")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="course", ordering="module__course__title")
    def course(self, quiz: Quiz) -> str:
        return quiz.module.course.title

    @admin.display(description="questions", ordering="question_total")
    def question_count(self, quiz: Quiz) -> int:
        return quiz.question_total

    @admin.display(description="preview")
    def preview_link(self, quiz: Quiz):
        if quiz.pk is None:
            return "Save to preview."
        return link(reverse("admin:lms_quiz_preview", args=[quiz.pk]), "See it as a rep sees it")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _warn_problems(self, request, form.instance)

    def preview_context(self, pk: int) -> tuple[str, dict[str, Any]]:
        quiz = get_object_or_404(
            Quiz.objects.select_related("module__course").prefetch_related(
                Prefetch(
                    "questions",
                    queryset=Question.objects.select_related("skill").prefetch_related("choices"),
                )
            ),
            pk=pk,
        )
        questions = list(quiz.questions.all())
        return str(quiz), {
            "quiz": quiz,
            "module": quiz.module,
            "course": quiz.module.course,
            "questions": questions,
            "drawn": quiz.questions_per_attempt
            if quiz.questions_per_attempt and quiz.questions_per_attempt < len(questions)
            else None,
            "problems": quiz_problems(quiz=quiz),
        }


class ChoiceInlineFormSet(PositionedInlineFormSet):
    """A single-choice question has exactly one correct choice, a multiple-choice at least one."""

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        kept = [
            form
            for form in self.forms
            if hasattr(form, "cleaned_data")
            and not self._should_delete_form(form)
            and not (form.empty_permitted and not form.has_changed())
        ]
        problems = question_rule_problems(
            kind=self.instance.kind,
            choice_count=len(kept),
            correct_count=sum(bool(form.cleaned_data.get("is_correct")) for form in kept),
        )
        if problems:
            raise ValidationError([f"{problem[0].upper()}{problem[1:]}." for problem in problems])


class ChoiceInline(PositionedInline, admin.TabularInline):
    model = Choice
    formset = ChoiceInlineFormSet
    fields = ("position", "text", "is_correct")
    formfield_overrides = {models.CharField: {"widget": forms.TextInput(attrs={"size": 80})}}
    extra = 2


@admin.register(Question)
class QuestionAdmin(PositionsAdmin):
    list_display = ("short_prompt", "quiz", "position", "kind", "skill", "choice_count")
    list_filter = ("kind", "skill", "quiz__module__course")
    list_select_related = ("quiz__module__course", "skill")
    search_fields = ("prompt", "quiz__module__title")
    fields = ("quiz", "position", "prompt", "kind", "skill", "explanation")
    inlines = (ChoiceInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("quiz__module__course", "skill")
            .annotate(choice_total=Count("choices"))
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "quiz":
            kwargs["queryset"] = Quiz.objects.select_related("module")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="prompt", ordering="prompt")
    def short_prompt(self, question: Question) -> str:
        return Truncator(question.prompt).chars(80)

    @admin.display(description="choices", ordering="choice_total")
    def choice_count(self, question: Question) -> int:
        return question.choice_total

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _warn_problems(self, request, form.instance.quiz)
