"""Training pages: parse, authorise through a selector, call a service, render.

Every form posts without JavaScript too; with htmx the answer is the page's partial, swapped in
place. A refused action becomes a message on the page it came from, never an error page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, push_url

from accounts.permissions import is_admin
from config.errors import DomainError
from lms import services
from lms.content import video_embed_url
from lms.forms import AssignCourseForm, AssignTeamForm, AttemptForm, ExtraAttemptsForm
from lms.selectors.access import (
    course_for,
    courses_visible_to,
    lesson_to_complete_for,
    quiz_for,
)
from lms.selectors.courses import course_outline_for, lesson_reading_for
from lms.selectors.learning import learning_for
from lms.selectors.quizzes import (
    AttemptPage,
    attempt_page_for,
    quiz_standing_for,
    way_forward_for,
)
from lms.selectors.team import out_of_attempts_for, team_for, team_training_for

FOLLOW_UP_BOOKED = "A coaching session with your manager has been booked to follow this up."
# How the rep reads a session's time: their own time zone, named.
WHEN_FORMAT = "D j M Y, H:i T"


def _follow_up_message(request: HttpRequest, follow_up: dict[str, Any]) -> str:
    """The booked session's time in the reader's time zone and a link to it, when the receiver
    said them (``lms.signals``); "" otherwise."""
    at, url = follow_up.get("follow_up_at"), follow_up.get("follow_up_url")
    if at is None or not url:
        return ""
    when = date_format(timezone.localtime(at, request.user.tzinfo), WHEN_FORMAT)
    return format_html(
        "A coaching session with your manager is booked for {} to follow this up. "
        '<a href="{}">Open the session</a>',
        when,
        url,
    )


def _refused(request: HttpRequest, message: str, url: str) -> HttpResponse:
    """Back to ``url`` with the reason shown there; htmx is told to load it as a whole page."""
    messages.error(request, message)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
@require_GET
def my_learning(request: HttpRequest) -> HttpResponse:
    learning = learning_for(user=request.user)
    return render(request, "lms/my_learning.html", {"learning": learning})


@login_required
@require_POST
def course_start(request: HttpRequest, course_id: int) -> HttpResponse:
    course = course_for(user=request.user, course_id=course_id)
    try:
        services.enrolment_self(user=request.user, course=course)
    except DomainError as error:
        return _refused(request, error.message, reverse("lms:my_learning"))
    messages.success(request, f"You have started {course.title}.")
    return redirect("lms:course", course_id=course.pk)


@login_required
@require_GET
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    outline = course_outline_for(user=request.user, course_id=course_id)
    return render(request, "lms/course.html", {"outline": outline})


@login_required
@require_GET
def lesson_detail(request: HttpRequest, lesson_id: int) -> HttpResponse:
    reading = lesson_reading_for(user=request.user, lesson_id=lesson_id)
    context = {"reading": reading, "video_embed": video_embed_url(reading.lesson.video_url)}
    return render(request, "lms/lesson.html", context)


@login_required
@require_POST
def lesson_mark_complete(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = lesson_to_complete_for(user=request.user, lesson_id=lesson_id)
    try:
        completion = services.lesson_complete(user=request.user, lesson=lesson).completion
    except DomainError as error:
        # A course taken down under the reader is no longer theirs to open: say why elsewhere.
        course_id = lesson.module.course_id
        readable = courses_visible_to(user=request.user).filter(pk=course_id).exists()
        back = reverse("lms:lesson", args=[lesson.pk]) if readable else reverse("lms:my_learning")
        return _refused(request, error.message, back)
    follow_up = completion.follow_up
    if request.htmx:
        reading = lesson_reading_for(user=request.user, lesson_id=lesson.pk)
        context = {
            "reading": reading,
            "module_just_completed": completion.created,
            "follow_up_session": follow_up.get("follow_up_session"),
            "follow_up_message": _follow_up_message(request, follow_up),
        }
        return render(request, "lms/lesson.html#status", context)
    # The page shows "Module complete" itself; only the booking needs saying.
    if follow_up.get("follow_up_session"):
        messages.info(request, _follow_up_message(request, follow_up) or FOLLOW_UP_BOOKED)
    return redirect("lms:lesson", lesson_id=lesson.pk)


@login_required
@require_GET
def quiz_detail(request: HttpRequest, quiz_id: int) -> HttpResponse:
    standing = quiz_standing_for(user=request.user, quiz_id=quiz_id)
    return render(request, "lms/quiz.html", {"standing": standing})


@login_required
@require_POST
def quiz_ask(request: HttpRequest, quiz_id: int) -> HttpResponse:
    """Someone out of attempts asks their manager for more; asking twice tells them once."""
    quiz = quiz_for(user=request.user, quiz_id=quiz_id)
    here = reverse("lms:quiz", args=[quiz.pk])
    try:
        services.extra_attempts_ask(user=request.user, quiz=quiz)
    except DomainError as error:
        return _refused(request, error.message, here)
    if request.htmx:
        context = {"quiz": quiz, "way_forward": way_forward_for(user=request.user, quiz=quiz)}
        return render(request, "components/way_forward.html", context)
    return redirect(here)


@login_required
@require_POST
def quiz_start(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = quiz_for(user=request.user, quiz_id=quiz_id)
    try:
        attempt = services.attempt_start(user=request.user, quiz=quiz)
    except DomainError as error:
        return _refused(request, error.message, reverse("lms:quiz", args=[quiz.pk]))
    url = reverse("lms:attempt", args=[attempt.pk])
    if request.htmx:
        # "Try again" swaps the fresh questions in where the result was.
        page = attempt_page_for(user=request.user, attempt_id=attempt.pk)
        context = {"page": page, "questions": _questions(page)}
        return push_url(render(request, "lms/attempt.html#questions", context), url)
    return redirect(url)


def _questions(page: AttemptPage, answers: list[dict] | None = None) -> list[tuple]:
    """Each question of the sheet with the choices already picked (none on a fresh sheet)."""
    chosen = {answer["question"]: answer["choices"] for answer in answers or []}
    return [(item, chosen.get(item.question.pk, [])) for item in page.sheet.items]


@login_required
@require_GET
def attempt_detail(request: HttpRequest, attempt_id: int) -> HttpResponse:
    page = attempt_page_for(user=request.user, attempt_id=attempt_id)
    return render(request, "lms/attempt.html", {"page": page, "questions": _questions(page)})


@login_required
@require_POST
def attempt_submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    page = attempt_page_for(user=request.user, attempt_id=attempt_id)
    here = reverse("lms:attempt", args=[attempt_id])
    form = AttemptForm(request.POST, sheet=page.sheet)
    if not form.is_valid():
        return _refused(request, "An answer was not one of its question's choices.", here)
    answers = form.answers()
    unanswered = sum(1 for answer in answers if not answer["choices"])
    if unanswered and not form.cleaned_data["submit_anyway"]:
        # Asked once, on the server, so it works the same with htmx and without JavaScript.
        context = {"page": page, "questions": _questions(page, answers), "unanswered": unanswered}
        template = "lms/attempt.html#questions" if request.htmx else "lms/attempt.html"
        return render(request, template, context)
    try:
        result = services.attempt_submit(attempt=page.attempt, answers=answers)
    except DomainError as error:
        return _refused(request, error.message, here)
    follow_up = result.follow_up
    if request.htmx:
        page = attempt_page_for(user=request.user, attempt_id=attempt_id)
        context = {
            "page": page,
            "follow_up_session": follow_up.get("follow_up_session"),
            "follow_up_message": _follow_up_message(request, follow_up),
        }
        return render(request, "lms/attempt.html#result", context)
    if follow_up.get("follow_up_session"):
        messages.info(request, _follow_up_message(request, follow_up) or FOLLOW_UP_BOOKED)
    return redirect(here)


@login_required
@require_http_methods(["GET", "POST"])
def team_training(request: HttpRequest) -> HttpResponse:
    team = team_for(user=request.user)
    form = AssignCourseForm(request.POST if request.method == "POST" else None, team=team)
    assigned = None
    if form.is_valid():
        try:
            assigned = services.enrolment_assign(
                actor=request.user,
                user=form.cleaned_data["rep"],
                course=form.cleaned_data["course"],
                due_date=form.cleaned_data["due_date"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if not request.htmx:
                messages.success(request, f"Assigned {assigned.course} to {assigned.user}.")
                return redirect("lms:team")
            form = AssignCourseForm(team=team)
    context = {
        "members": team_training_for(user=request.user),
        "out_of_attempts": out_of_attempts_for(user=request.user),
        "extra_attempts_max": services.EXTRA_ATTEMPTS_MAX,
        "form": form,
        "assigned": assigned,
        "team_form": AssignTeamForm(prefix="team") if is_admin(request.user) else None,
    }
    template = "lms/team.html#training" if request.htmx else "lms/team.html"
    return render(request, template, context)


@login_required
@require_POST
def team_assign(request: HttpRequest) -> HttpResponse:
    """An admin assigns a course to a whole team; all of it or, with an error, none."""
    if not is_admin(request.user):
        raise Http404("No such page.")
    form = AssignTeamForm(request.POST, prefix="team")
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("lms:team")
    manager = form.cleaned_data["manager"]
    try:
        assigned = services.enrolment_assign_team(
            actor=request.user,
            manager=manager,
            course=form.cleaned_data["course"],
            due_date=form.cleaned_data["due_date"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        course = form.cleaned_data["course"]
        messages.success(
            request, f"Assigned {course} to {len(assigned)} people in {manager}'s team."
        )
    return redirect("lms:team")


@login_required
@require_POST
def extra_attempts_grant(request: HttpRequest) -> HttpResponse:
    """A manager (or an admin) gives someone in their team more attempts at a quiz. Anyone
    else, or someone outside the team, gets a 404."""
    team = team_for(user=request.user)
    form = ExtraAttemptsForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(reverse("lms:team") + "#extra-attempts")
    person = team.filter(pk=form.cleaned_data["user"]).first()
    if person is None:
        raise Http404("No such person in your team.")
    quiz = quiz_for(user=request.user, quiz_id=form.cleaned_data["quiz"])
    try:
        grant = services.extra_attempts_grant(
            actor=request.user, user=person, quiz=quiz, attempts=form.cleaned_data["attempts"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        plural = "s" if grant.attempts != 1 else ""
        messages.success(
            request,
            f"{person} has {grant.attempts} more attempt{plural} at {quiz.module.title}; "
            "they have been told.",
        )
    return redirect(reverse("lms:team") + "#extra-attempts")
