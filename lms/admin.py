"""Authoring in the admin: courses, modules with their coaching guides, lessons, quizzes.

Publishing goes through ``lms.services.authoring`` so the admin refuses what course files refuse.
Content that people have progress on is protected from deletion (PROTECT foreign keys); the
admin's delete pages explain that and offer archiving instead.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Prefetch, Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from lms.content import render_markdown, video_embed_url
from lms.course_files import course_export
from lms.models import Choice, Course, Lesson, Module, Question, Quiz, Skill
from lms.services.authoring import (
    CourseNotPublishable,
    course_archive,
    course_problems,
    course_publish,
    course_unpublish,
    positions_make_room,
    question_rule_problems,
    quiz_problems,
)

# --- shared form pieces -------------------------------------------------------------------------


class AuthoringForm(forms.ModelForm):
    """Browsers send CRLF line endings; content is stored with plain newlines, as files have it."""

    def clean(self):
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str) and "\r" in value:
                cleaned[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        return cleaned


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


def _share_choices(formfield):
    """Evaluate a select's options once for all inline rows instead of once per row."""
    if formfield is not None and hasattr(formfield, "queryset"):
        formfield.choices = list(formfield.choices)
    return formfield


class PositionsAdmin(admin.ModelAdmin):
    """Saves reordered inline rows without two ever holding the same position."""

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


def _link(url: str, text: str):
    return format_html('<a href="{}">{}</a>', url, text)


# --- skills -------------------------------------------------------------------------------------


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    form = AuthoringForm
    list_display = ("name", "slug", "description")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = True


# --- courses ------------------------------------------------------------------------------------


class ModuleInline(PositionedInline, admin.TabularInline):
    model = Module
    fields = ("position", "title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    show_change_link = True
    extra = 1


@admin.register(Course)
class CourseAdmin(PositionsAdmin):
    list_display = ("title", "slug", "status", "module_count", "updated_at")
    list_filter = ("status",)
    list_select_related = True
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("skills",)
    readonly_fields = ("status", "publishing_check")
    fields = ("title", "slug", "summary", "skills", "status", "publishing_check")
    inlines = (ModuleInline,)
    actions = ("publish_courses", "unpublish_courses", "archive_courses", "export_course_file")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(module_total=Count("modules"))

    @admin.display(description="modules", ordering="module_total")
    def module_count(self, course: Course) -> int:
        return course.module_total

    @admin.display(description="publishing check")
    def publishing_check(self, course: Course):
        if course.pk is None:
            return "Save the course first."
        problems = course_problems(course=course)
        if not problems:
            if course.is_published:
                return "Published; it meets every publishing rule."
            return "Ready: publish it with the “Publish” action on the course list."
        return format_html(
            "<ul class='errorlist'>{}</ul>",
            format_html_join("", "<li>{}</li>", ((p,) for p in problems)),
        )

    @admin.action(description="Publish selected courses")
    def publish_courses(self, request: HttpRequest, queryset) -> None:
        published = 0
        for course in queryset:
            try:
                course_publish(course=course)
            except CourseNotPublishable as refused:
                for problem in refused.problems:
                    self.message_user(
                        request, f"“{course.title}” cannot be published: {problem}", messages.ERROR
                    )
            else:
                published += 1
        if published:
            self.message_user(request, f"Published {published} course(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected courses (back to draft)")
    def unpublish_courses(self, request: HttpRequest, queryset) -> None:
        for course in queryset:
            course_unpublish(course=course)
        self.message_user(request, f"Moved {len(queryset)} course(s) back to draft.")

    @admin.action(description="Archive selected courses (keeps everyone's records)")
    def archive_courses(self, request: HttpRequest, queryset) -> None:
        for course in queryset:
            course_archive(course=course)
        self.message_user(request, f"Archived {len(queryset)} course(s).")

    @admin.action(description="Download as a course file (YAML)")
    def export_course_file(self, request: HttpRequest, queryset):
        courses = list(queryset[:2])
        if len(courses) != 1:
            self.message_user(request, "Choose exactly one course to download.", messages.ERROR)
            return None
        response = HttpResponse(
            course_export(course=courses[0]), content_type="application/yaml; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{courses[0].slug}.yaml"'
        return response


# --- modules and lessons ------------------------------------------------------------------------


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


class LessonInline(PositionedInline, admin.StackedInline):
    model = Lesson
    fields = ("position", "title", "minutes", "video_url", "body", "preview")
    readonly_fields = ("preview",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 0

    @admin.display(description="preview")
    def preview(self, lesson: Lesson):
        if lesson.pk is None:
            return "Save to preview."
        return _link(
            reverse("admin:lms_lesson_preview", args=[lesson.pk]), "See it as a rep sees it"
        )


@admin.register(Module)
class ModuleAdmin(PositionsAdmin):
    form = ModuleForm
    list_display = ("title", "course", "position", "lesson_count", "quiz_link")
    list_filter = ("course__status", "course")
    list_select_related = ("course", "quiz")
    search_fields = ("title", "slug", "course__title")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("skills",)
    readonly_fields = ("quiz_link",)
    fieldsets = (
        (None, {"fields": ("course", "position", "title", "slug", "objectives", "skills")}),
        (
            "Coaching guide",
            {
                "description": "What the manager asks, watches for and sets as practice in the"
                " coaching session that follows this module.",
                "fields": ("coaching_questions", "coaching_behaviours", "practice_task"),
            },
        ),
        ("Quiz", {"fields": ("quiz_link",)}),
    )
    inlines = (LessonInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("course", "quiz")
            .annotate(lesson_total=Count("lessons"))
        )

    @admin.display(description="lessons", ordering="lesson_total")
    def lesson_count(self, module: Module) -> int:
        return module.lesson_total

    @admin.display(description="quiz")
    def quiz_link(self, module: Module):
        if module.pk is None:
            return "Save the module first."
        quiz = getattr(module, "quiz", None)
        if quiz is None:
            return _link(f"{reverse('admin:lms_quiz_add')}?module={module.pk}", "Add a quiz")
        return format_html(
            '<a href="{}">Edit the quiz</a> · <a href="{}">Preview it</a>',
            reverse("admin:lms_quiz_change", args=[quiz.pk]),
            reverse("admin:lms_quiz_preview", args=[quiz.pk]),
        )

    def get_urls(self):
        return [
            path(
                "lessons/<int:lesson_id>/preview/",
                self.admin_site.admin_view(self.lesson_preview_view),
                name="lms_lesson_preview",
            ),
            *super().get_urls(),
        ]

    def lesson_preview_view(self, request: HttpRequest, lesson_id: int) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        lesson = get_object_or_404(Lesson.objects.select_related("module__course"), pk=lesson_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Preview: {lesson.title}",
            "lesson": lesson,
            "module": lesson.module,
            "course": lesson.module.course,
            # Rendered again from the Markdown, so the preview is safe even for stale rows.
            "body_html": render_markdown(lesson.body),
            "embed_url": video_embed_url(lesson.video_url),
        }
        return TemplateResponse(request, "admin/lms/lesson_preview.html", context)


# --- quizzes, questions and choices -------------------------------------------------------------


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
        return _share_choices(super().formfield_for_foreignkey(db_field, request, **kwargs))


def _warn_problems(admin_: admin.ModelAdmin, request: HttpRequest, quiz: Quiz) -> None:
    for problem in quiz_problems(quiz=quiz):
        admin_.message_user(request, f"Not ready for reps yet: {problem}", messages.WARNING)


@admin.register(Quiz)
class QuizAdmin(PositionsAdmin):
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
        return _link(reverse("admin:lms_quiz_preview", args=[quiz.pk]), "See it as a rep sees it")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _warn_problems(self, request, form.instance)

    def get_urls(self):
        return [
            path(
                "<int:quiz_id>/preview/",
                self.admin_site.admin_view(self.quiz_preview_view),
                name="lms_quiz_preview",
            ),
            *super().get_urls(),
        ]

    def quiz_preview_view(self, request: HttpRequest, quiz_id: int) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        quiz = get_object_or_404(
            Quiz.objects.select_related("module__course").prefetch_related(
                Prefetch(
                    "questions",
                    queryset=Question.objects.select_related("skill").prefetch_related("choices"),
                )
            ),
            pk=quiz_id,
        )
        questions = list(quiz.questions.all())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Preview: {quiz}",
            "quiz": quiz,
            "module": quiz.module,
            "course": quiz.module.course,
            "questions": questions,
            "drawn": quiz.questions_per_attempt
            if quiz.questions_per_attempt and quiz.questions_per_attempt < len(questions)
            else None,
            "problems": quiz_problems(quiz=quiz),
        }
        return TemplateResponse(request, "admin/lms/quiz_preview.html", context)


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
