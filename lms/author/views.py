"""The course list and what acts on whole courses: create, duplicate, archive, and course files
uploaded and downloaded. Admins only; the selectors answer 404 to anyone else.

Parse, authorise through a selector, call a service, render. Every form posts without
JavaScript; a refusal comes back as a message on the page it came from.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.rendering import render_for_viewer
from config.errors import DomainError
from lms.author.forms import CourseFileForm, CourseFilterForm, CourseNewForm
from lms.course_files import CourseFileError, course_export, course_file_import_text
from lms.selectors.authoring import course_for_author, courses_for_author
from lms.services.authoring import course_archive
from lms.services.outline import course_create, course_duplicate

COURSES = "author/courses.html"
COURSE_NEW = "author/course_new.html"
COURSE_UPLOAD = "author/course_upload.html"
# The list shows this many courses; a search finds the rest.
LIST_LIMIT = 200


def act_and_tell(request: HttpRequest, act: Callable[[], object], *, done: str) -> None:
    """Do ``act``; the page redirected to next says what came of it: ``done``, or the rule's
    refusal in its own words."""
    try:
        act()
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, done)


@login_required
@require_GET
def courses(request: HttpRequest) -> HttpResponse:
    form = CourseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = courses_for_author(
        user=request.user, search=filters.get("q", ""), status=filters.get("status", "")
    )
    shown = list(rows[: LIST_LIMIT + 1])
    context = {
        "form": form,
        "courses": shown[:LIST_LIMIT],
        "more": len(shown) > LIST_LIMIT,
        "filtered": bool(filters.get("q") or filters.get("status")),
        "upload_form": CourseFileForm(),
    }
    return render_for_viewer(request, COURSES, context)


@login_required
@require_http_methods(["GET", "POST"])
def course_new(request: HttpRequest) -> HttpResponse:
    courses_for_author(user=request.user)  # authorise: 404 for anyone but an admin
    form = CourseNewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            course = course_create(**form.cleaned_data)
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, f"Created “{course.title}” as a draft. Add its modules.")
            return redirect("author:course", course_id=course.pk)
    status = 400 if form.errors else 200
    return render_for_viewer(request, COURSE_NEW, {"form": form}, status=status)


@login_required
@require_POST
def course_duplicate_view(request: HttpRequest, course_id: int) -> HttpResponse:
    course = course_for_author(user=request.user, course_id=course_id)
    copy = course_duplicate(course=course)
    messages.success(
        request, f"Copied “{course.title}” to a new draft, “{copy.title}” ({copy.slug})."
    )
    return redirect("author:course", course_id=copy.pk)


@login_required
@require_POST
def course_archive_view(request: HttpRequest, course_id: int) -> HttpResponse:
    course = course_for_author(user=request.user, course_id=course_id)
    course_archive(course=course)
    messages.success(
        request, f"Archived “{course.title}”: reps no longer see it; every record is kept."
    )
    return redirect("author:course", course_id=course.pk)


@login_required
@require_GET
def course_download(request: HttpRequest, course_id: int) -> HttpResponse:
    course = course_for_author(user=request.user, course_id=course_id)
    response = HttpResponse(
        course_export(course=course), content_type="application/yaml; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{course.slug}.yaml"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def course_upload(request: HttpRequest) -> HttpResponse:
    courses_for_author(user=request.user)  # authorise: 404 for anyone but an admin
    form = CourseFileForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["file"].name
        try:
            imported = course_file_import_text(text=form.text, source=name)
        except DomainError as refusal:
            # A file's problems, each as file:line: field; or the publishing rule's refusal.
            errors = refusal.errors if isinstance(refusal, CourseFileError) else [refusal.message]
        else:
            item = imported[0]
            messages.success(
                request,
                f"{item.source}: {item.outcome} “{item.course.title}”"
                f" ({item.course.slug}, {item.course.get_status_display().lower()}).",
            )
            return redirect("author:course", course_id=item.course.pk)
    status = 400 if errors or form.errors else 200
    return render_for_viewer(
        request, COURSE_UPLOAD, {"form": form, "errors": errors}, status=status
    )
