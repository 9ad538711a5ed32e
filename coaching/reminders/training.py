"""Notices about someone's training, sent by lms as signals and received in
``coaching/receivers.py``: an in-app notification and an email each, written as reminder rows
due now, so the outbox delivers them like every other message (once, retried, never doubled).

The words are written here, when the event happens, and carried in the row's payload.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from coaching.models import Reminder
from coaching.reminders.messages import local_time
from coaching.reminders.schedule import reminder_schedule
from lms.models import ExtraAttemptGrant, ExtraAttemptRequest, Quiz, QuizAttempt

# Where a manager grants more attempts: the team's training page, at its list of people out
# of attempts.
GRANT_ANCHOR = "#extra-attempts"


def _quiz_name(quiz: Quiz) -> str:
    return f"the quiz “{quiz.module.title}” ({quiz.module.course.title})"


def _notice(*, recipient: User, kind: str, key: str, title: str, body: str, url: str) -> None:
    reminder_schedule(
        recipient=recipient,
        kind=kind,
        due_at=timezone.now(),
        key=key,
        payload={"title": title, "body": body, "url": url},
    )


def _grant_notice(*, manager: User, kind: str, key: str, title: str, body: str) -> None:
    """A notice to someone who may grant more attempts: it sends them to where they do."""
    _notice(
        recipient=manager,
        kind=kind,
        key=key,
        title=title,
        body=f"{body} You can give them more attempts on the team training page.",
        url=reverse("lms:team") + GRANT_ANCHOR,
    )


def attempts_used_up_notice(*, attempt: QuizAttempt) -> None:
    """Tell the person's manager that they failed their last attempt. Nobody to tell without a
    manager: an admin sees it on the team training page."""
    rep, quiz = attempt.user, attempt.quiz
    manager = rep.manager
    if manager is None or not manager.is_active:
        return
    _grant_notice(
        manager=manager,
        kind=Reminder.Kind.QUIZ_ATTEMPTS_USED_UP,
        key=f"quiz:{quiz.pk}:used_up:{attempt.pk}",
        title=f"{rep} has no attempts left at {quiz.module.title}",
        body=(
            f"{rep} scored {attempt.score} % (pass mark {quiz.pass_mark} %) on their last "
            f"attempt at {_quiz_name(quiz)} and cannot try again."
        ),
    )


def extra_attempts_asked_notice(*, request: ExtraAttemptRequest) -> None:
    """Tell the manager the person asked."""
    if request.asked is None:
        return
    rep, quiz = request.user, request.quiz
    _grant_notice(
        manager=request.asked,
        kind=Reminder.Kind.EXTRA_ATTEMPTS_ASKED,
        key=f"quiz:{quiz.pk}:asked:{request.pk}",
        title=f"{rep} asks for more attempts at {quiz.module.title}",
        body=(
            f"{rep} has used all their attempts at {_quiz_name(quiz)} without passing and asked "
            f"you for more on {local_time(request.asked_at, request.asked)}."
        ),
    )


def extra_attempts_granted_notice(*, grant: ExtraAttemptGrant) -> None:
    """Tell the person they may try again, and who let them."""
    quiz = grant.quiz
    who = str(grant.granted_by) if grant.granted_by else "An admin"
    plural = "s" if grant.attempts != 1 else ""
    _notice(
        recipient=grant.user,
        kind=Reminder.Kind.EXTRA_ATTEMPTS_GRANTED,
        key=f"quiz:{quiz.pk}:granted:{grant.pk}",
        title=f"{who} gave you {grant.attempts} more attempt{plural} at {quiz.module.title}",
        body=(
            f"{who} gave you {grant.attempts} more attempt{plural} at {_quiz_name(quiz)}. "
            "You can try again now."
        ),
        url=reverse("lms:quiz", args=[quiz.pk]),
    )
