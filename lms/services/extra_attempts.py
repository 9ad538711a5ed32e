"""More attempts at a quiz: someone out of attempts asks their manager, who (or an admin) grants.

Attempts left always count the grants (``lms.selectors.quizzes.attempts_left_of``). Each step
sends its signal inside its transaction, so the people concerned hear of it exactly when it
happened and never of a rolled-back grant.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import can_assign_courses
from config.errors import DomainError
from lms.models import ExtraAttemptGrant, ExtraAttemptRequest, Quiz
from lms.selectors.quizzes import attempt_tally
from lms.services.published import course_require_published
from lms.signals import extra_attempts_asked, extra_attempts_granted

# A grant is a second chance, not a way round the quiz: a handful at a time.
EXTRA_ATTEMPTS_MAX = 10


def extra_attempts_check(attempts: object) -> int:
    """``attempts`` as a whole number from 1 to EXTRA_ATTEMPTS_MAX; DomainError otherwise."""
    if isinstance(attempts, bool) or not isinstance(attempts, int):
        raise DomainError(f"Give a whole number of attempts, from 1 to {EXTRA_ATTEMPTS_MAX}.")
    if not 1 <= attempts <= EXTRA_ATTEMPTS_MAX:
        raise DomainError(f"Give from 1 to {EXTRA_ATTEMPTS_MAX} more attempts at a time.")
    return attempts


@transaction.atomic
def extra_attempts_grant(
    *, actor: User, user: User, quiz: Quiz, attempts: int
) -> ExtraAttemptGrant:
    """``actor`` (``user``'s manager, or an admin) gives ``user`` more attempts at ``quiz``.

    Answers ``user``'s open request, if any, and tells them. Raises DomainError when ``actor``
    may not manage ``user``'s training or ``attempts`` is not from 1 to EXTRA_ATTEMPTS_MAX, and
    CourseNotPublished (a Conflict) for a quiz of a course that is not published.
    """
    attempts = extra_attempts_check(attempts)
    if actor.pk == user.pk or not can_assign_courses(actor, user):
        raise DomainError("You can give more attempts only to people who report to you.")
    course_require_published(course=quiz.module.course)
    grant = ExtraAttemptGrant.objects.create(
        user=user, quiz=quiz, attempts=attempts, granted_by=actor, granted_at=timezone.now()
    )
    ExtraAttemptRequest.objects.filter(user=user, quiz=quiz, grant__isnull=True).update(grant=grant)
    extra_attempts_granted.send(sender=ExtraAttemptGrant, grant=grant)
    return grant


@transaction.atomic
def extra_attempts_ask(*, user: User, quiz: Quiz) -> tuple[ExtraAttemptRequest, bool]:
    """``user``, out of attempts at ``quiz`` without a pass, asks their manager for more.

    Asking again while the request is open returns it, tells nobody twice, and says False.
    Raises DomainError when they have attempts left or have passed, or have no manager to ask.
    """
    # Two clicks at once: the second waits here and then finds the first one's request.
    User.objects.select_for_update().filter(pk=user.pk).first()
    request = ExtraAttemptRequest.objects.filter(user=user, quiz=quiz, grant__isnull=True).first()
    if request is not None:
        return request, False
    tally = attempt_tally(user=user, quiz=quiz)
    if tally.passed:
        raise DomainError("You have passed this quiz already.")
    if tally.left:
        raise DomainError(f"You still have {tally.left} attempt{'s' if tally.left != 1 else ''}.")
    course_require_published(course=quiz.module.course)
    manager = user.manager
    if manager is None or not manager.is_active:
        raise DomainError("Nobody is set as your manager yet: an admin can give you more attempts.")
    request = ExtraAttemptRequest.objects.create(
        user=user, quiz=quiz, asked=manager, asked_at=timezone.now()
    )
    extra_attempts_asked.send(sender=ExtraAttemptRequest, request=request)
    return request, True
