"""The bridges into coaching: receivers of ``lms.signals.module_completed`` (DESIGN §5), of
the quiz-attempt signals (notices to a rep and their manager), of
``accounts.signals.manager_changed`` (DESIGN §6) and of ``accounts.signals.user_deactivated``
(a person's open coaching ends when they leave).

All run inside the sender's transaction, connected in ``CoachingConfig.ready()``: a rolled-back
completion leaves no session, no reminder and no memory review behind, and a rolled-back move
of a rep leaves their coaching with the former manager.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from accounts.models import User
from coaching.changes import team_version_bump
from coaching.models import CoachingSession
from coaching.reminders.links import session_path
from coaching.reminders.training import (
    attempts_used_up_notice,
    extra_attempts_asked_notice,
    extra_attempts_granted_notice,
)
from coaching.sessions.follow_up import follow_up_book
from coaching.sessions.offboarding import coaching_offboard
from coaching.sessions.reassign import coaching_hand_over
from coaching.skills.memory import memory_from_attempt
from lms.models import ExtraAttemptGrant, ExtraAttemptRequest, ModuleCompletion, QuizAttempt


def follow_up_on_module_completed(
    sender: type, *, completion: ModuleCompletion, attempt: QuizAttempt | None = None, **kwargs: Any
) -> dict[str, Any] | None:
    """Receiver of ``lms.signals.module_completed``, inside the completion's transaction.

    Answers with the session it booked (its id, time and address), which the quiz submit
    reports to the rep; nothing when ``COACHING_FOLLOW_UPS`` is off, or when the coach's
    weekly budget deferred the follow-up (the coach's dashboard lists it).
    """
    if not settings.COACHING_FOLLOW_UPS:
        return None
    session = follow_up_book(completion=completion, attempt=attempt)
    if not isinstance(session, CoachingSession):
        return None
    return {
        "follow_up_session": session.pk,
        "follow_up_at": session.scheduled_for,
        "follow_up_url": session_path(session),
    }


MEMORY_DISPATCH_UID = "coaching.memory_on_module_completed"
FOLLOW_UP_DISPATCH_UID = "coaching.follow_up_on_module_completed"


def memory_on_module_completed(
    sender: type, *, completion: ModuleCompletion, attempt: QuizAttempt | None = None, **kwargs: Any
) -> None:
    """The quiz that completed the module reviews each skill it asked about; no quiz, no review."""
    if attempt is not None:
        memory_from_attempt(attempt=attempt)


SUBMITTED_DISPATCH_UID = "coaching.team_version_on_quiz_submitted"


def team_version_on_quiz_submitted(sender: type, *, attempt: QuizAttempt, **kwargs: Any) -> None:
    """Receiver of ``lms.signals.quiz_submitted``: the person's knowledge moved, so their
    manager's cached team reads are stale (``coaching.changes``)."""
    team_version_bump(rep_ids=[attempt.user_id])


USED_UP_DISPATCH_UID = "coaching.notice_on_quiz_attempts_used_up"
ASKED_DISPATCH_UID = "coaching.notice_on_extra_attempts_asked"
GRANTED_DISPATCH_UID = "coaching.notice_on_extra_attempts_granted"


def notice_on_quiz_attempts_used_up(sender: type, *, attempt: QuizAttempt, **kwargs: Any) -> None:
    """Receiver of ``lms.signals.quiz_attempts_used_up``: the manager hears of the dead end."""
    attempts_used_up_notice(attempt=attempt)


def notice_on_extra_attempts_asked(
    sender: type, *, request: ExtraAttemptRequest, **kwargs: Any
) -> None:
    """Receiver of ``lms.signals.extra_attempts_asked``: the manager asked hears of it."""
    extra_attempts_asked_notice(request=request)


def notice_on_extra_attempts_granted(
    sender: type, *, grant: ExtraAttemptGrant, **kwargs: Any
) -> None:
    """Receiver of ``lms.signals.extra_attempts_granted``: the person may try again."""
    extra_attempts_granted_notice(grant=grant)


HAND_OVER_DISPATCH_UID = "coaching.hand_over_on_manager_changed"


def hand_over_on_manager_changed(
    sender: type,
    *,
    user: User,
    previous: User | None,
    actor: User | None = None,
    **kwargs: Any,
) -> None:
    """Receiver of ``accounts.signals.manager_changed``: the rep's coaching follows the line."""
    coaching_hand_over(rep=user, previous=previous, actor=actor)


OFFBOARD_DISPATCH_UID = "coaching.offboard_on_user_deactivated"


def offboard_on_user_deactivated(sender: type, *, user: User, actor: User, **kwargs: Any) -> None:
    """Receiver of ``accounts.signals.user_deactivated``: the person's open coaching ends."""
    coaching_offboard(person=user, actor=actor)


def receivers_connect() -> None:
    """Connect the receivers; idempotent thanks to their dispatch uids."""
    from accounts.signals import manager_changed, user_deactivated
    from lms.signals import (
        extra_attempts_asked,
        extra_attempts_granted,
        module_completed,
        quiz_attempts_used_up,
        quiz_submitted,
    )

    manager_changed.connect(
        hand_over_on_manager_changed, sender=User, dispatch_uid=HAND_OVER_DISPATCH_UID
    )
    user_deactivated.connect(
        offboard_on_user_deactivated, sender=User, dispatch_uid=OFFBOARD_DISPATCH_UID
    )
    module_completed.connect(
        follow_up_on_module_completed, sender=ModuleCompletion, dispatch_uid=FOLLOW_UP_DISPATCH_UID
    )
    module_completed.connect(
        memory_on_module_completed, sender=ModuleCompletion, dispatch_uid=MEMORY_DISPATCH_UID
    )
    quiz_submitted.connect(
        team_version_on_quiz_submitted, sender=QuizAttempt, dispatch_uid=SUBMITTED_DISPATCH_UID
    )
    quiz_attempts_used_up.connect(
        notice_on_quiz_attempts_used_up, sender=QuizAttempt, dispatch_uid=USED_UP_DISPATCH_UID
    )
    extra_attempts_asked.connect(
        notice_on_extra_attempts_asked, sender=ExtraAttemptRequest, dispatch_uid=ASKED_DISPATCH_UID
    )
    extra_attempts_granted.connect(
        notice_on_extra_attempts_granted,
        sender=ExtraAttemptGrant,
        dispatch_uid=GRANTED_DISPATCH_UID,
    )
