"""One course's page: its modules in order with their lessons, quiz and guide, the publishing
checklist, who changed what lately; and the forms that edit, reorder, delete and publish.

Moving a module or lesson works as a plain form post; with htmx the answer is the outline
partial, swapped in place. A refusal is a message on the course page, never an error page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.rendering import render_for_viewer
from lms.author.forms import CourseFileForm, CourseForm, ModuleForm, MoveForm
from lms.author.views import act_and_tell
from lms.models import Course
from lms.selectors.authoring import (
    course_for_author,
    course_history,
    course_outline,
    lesson_for_author,
    module_for_author,
)
from lms.services.authoring import (
    CourseNotPublishable,
    course_publish,
    course_readiness,
    course_unpublish,
)
from lms.services.outline import (
    course_update,
    lesson_delete,
    lesson_move,
    module_create,
    module_delete,
    module_move,
    module_update,
)

COURSE = "author/course.html"
MODULE_FORM = "author/module_form.html"


def _course_page(
    request: HttpRequest, course: Course, *, course_form: CourseForm | None = None, status=200
) -> HttpResponse:
    readiness = course_readiness(course=course)
    context = {
        "course": course,
        "modules": course_outline(course=course),
        "readiness": readiness,
        "ready": all(check.passed for check in readiness),
        "history": course_history(course=course),
        "course_form": course_form
        or CourseForm(
            initial={
                "title": course.title,
                "summary": course.summary,
                "skills": list(course.skills.all()),
            }
        ),
        "new_module_form": ModuleForm(prefix="new"),
        "upload_form": CourseFileForm(),
    }
    if request.htmx and request.method == "POST":
        return render_for_viewer(request, f"{COURSE}#outline", context, status=status)
    return render_for_viewer(request, COURSE, context, status=status)


@login_required
@require_GET
def course_page(request: HttpRequest, course_id: int) -> HttpResponse:
    return _course_page(request, course_for_author(user=request.user, course_id=course_id))


@login_required
@require_POST
def course_edit(request: HttpRequest, course_id: int) -> HttpResponse:
    course = course_for_author(user=request.user, course_id=course_id)
    form = CourseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The course was not saved: see the form below.")
        return _course_page(request, course, course_form=form, status=400)
    course_update(course=course, **form.cleaned_data)
    messages.success(request, f"Saved “{course.title}”.")
    return redirect("author:course", course_id=course.pk)


@login_required
@require_POST
def course_publish_view(request: HttpRequest, course_id: int) -> HttpResponse:
    course = course_for_author(user=request.user, course_id=course_id)
    try:
        course_publish(course=course)
    except CourseNotPublishable as refused:
        messages.error(
            request,
            f"“{course.title}” was not published: {len(refused.problems)} thing"
            f"{'s' if len(refused.problems) != 1 else ''} on the checklist still block it.",
        )
    else:
        messages.success(request, f"Published “{course.title}”: reps can take it now.")
    return redirect("author:course", course_id=course.pk)


@login_required
@require_POST
def course_unpublish_view(request: HttpRequest, course_id: int) -> HttpResponse:
    course = course_for_author(user=request.user, course_id=course_id)
    course_unpublish(course=course)
    messages.success(
        request, f"“{course.title}” is a draft again: hidden from reps, their progress kept."
    )
    return redirect("author:course", course_id=course.pk)


@login_required
@require_http_methods(["GET", "POST"])
def module_new(request: HttpRequest, course_id: int) -> HttpResponse:
    course = course_for_author(user=request.user, course_id=course_id)
    form = ModuleForm(request.POST if request.method == "POST" else None, prefix="new")
    if request.method == "POST" and form.is_valid():
        module = module_create(course=course, **form.cleaned_data)
        messages.success(request, f"Added the module “{module.title}”. Now add its lessons.")
        return redirect(f"{_course_url(course)}#module-{module.pk}")
    context = {"course": course, "form": form, "module": None}
    return render_for_viewer(request, MODULE_FORM, context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def module_edit(request: HttpRequest, module_id: int) -> HttpResponse:
    module = module_for_author(user=request.user, module_id=module_id)
    initial = {
        "title": module.title,
        "objectives": module.objectives,
        "skills": list(module.skills.all()),
    }
    form = ModuleForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        module_update(module=module, **form.cleaned_data)
        messages.success(request, f"Saved the module “{module.title}”.")
        return redirect(f"{_course_url(module.course)}#module-{module.pk}")
    context = {"course": module.course, "form": form, "module": module}
    return render_for_viewer(request, MODULE_FORM, context, status=400 if form.errors else 200)


def _course_url(course: Course) -> str:
    return reverse("author:course", kwargs={"course_id": course.pk})


def _moved(request: HttpRequest, course: Course, moved: bool | None, anchor: str) -> HttpResponse:
    if moved is None:
        messages.error(request, "Say which way to move it: up or down.")
    elif not moved:
        messages.info(request, "It is already at that end.")
    if request.htmx:
        return _course_page(request, course_for_author(user=request.user, course_id=course.pk))
    return redirect(f"{_course_url(course)}#{anchor}")


@login_required
@require_POST
def module_move_view(request: HttpRequest, module_id: int) -> HttpResponse:
    module = module_for_author(user=request.user, module_id=module_id)
    form = MoveForm(request.POST)
    moved = (
        module_move(module=module, direction=form.cleaned_data["direction"])
        if form.is_valid()
        else None
    )
    return _moved(request, module.course, moved, f"module-{module.pk}")


@login_required
@require_POST
def lesson_move_view(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = lesson_for_author(user=request.user, lesson_id=lesson_id)
    form = MoveForm(request.POST)
    moved = (
        lesson_move(lesson=lesson, direction=form.cleaned_data["direction"])
        if form.is_valid()
        else None
    )
    return _moved(request, lesson.module.course, moved, f"lesson-{lesson.pk}")


@login_required
@require_POST
def module_delete_view(request: HttpRequest, module_id: int) -> HttpResponse:
    module = module_for_author(user=request.user, module_id=module_id)
    done = f"Deleted the module “{module.title}”."
    act_and_tell(request, lambda: module_delete(module=module), done=done)
    return redirect("author:course", course_id=module.course_id)


@login_required
@require_POST
def lesson_delete_view(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = lesson_for_author(user=request.user, lesson_id=lesson_id)
    done = f"Deleted the lesson “{lesson.title}”."
    act_and_tell(request, lambda: lesson_delete(lesson=lesson), done=done)
    return redirect(f"{_course_url(lesson.module.course)}#module-{lesson.module_id}")
