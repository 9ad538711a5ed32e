"""Authoring courses in the admin: skills, courses, modules with their coaching guides, lessons.

Publishing goes through ``lms.services.authoring`` so the admin refuses what course files refuse.
Content that people have progress on is protected from deletion (PROTECT foreign keys); the
admin's delete pages explain that and offer archiving instead.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from lms.admin.authoring import (
    PositionedInline,
    PositionsAdmin,
    PreviewAdmin,
    link,
)
from lms.content import render_markdown, video_embed_url
from lms.content_forms import AuthoringForm, ModuleForm
from lms.course_files import course_export
from lms.models import Course, Lesson, Module, Skill
from lms.services.authoring import (
    CourseNotPublishable,
    course_archive,
    course_problems,
    course_publish,
    course_unpublish,
)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    form = AuthoringForm
    list_display = ("name", "slug", "description")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = True


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
        return link(
            reverse("admin:lms_lesson_preview", args=[lesson.pk]), "See it as a rep sees it"
        )


@admin.register(Module)
class ModuleAdmin(PreviewAdmin):
    form = ModuleForm
    # A lesson is previewed from its module, whose page lists it inline.
    preview_route = "lessons/<int:pk>/preview/"
    preview_name = "lms_lesson_preview"
    preview_template = "admin/lms/lesson_preview.html"
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
            return link(f"{reverse('admin:lms_quiz_add')}?module={module.pk}", "Add a quiz")
        return format_html(
            '<a href="{}">Edit the quiz</a> · <a href="{}">Preview it</a>',
            reverse("admin:lms_quiz_change", args=[quiz.pk]),
            reverse("admin:lms_quiz_preview", args=[quiz.pk]),
        )

    def preview_context(self, pk: int) -> tuple[str, dict[str, Any]]:
        lesson = get_object_or_404(Lesson.objects.select_related("module__course"), pk=pk)
        return lesson.title, {
            "lesson": lesson,
            "module": lesson.module,
            "course": lesson.module.course,
            # Rendered again from the Markdown, so the preview is safe even for stale rows.
            "body_html": render_markdown(lesson.body),
            "embed_url": video_embed_url(lesson.video_url),
        }
