"""The bridge from training to coaching (DESIGN §5): receivers of ``lms.signals.module_completed``.

Both run inside the completion's transaction, connected in ``CoachingConfig.ready()``: a
rolled-back completion leaves no session, no reminder and no memory review behind.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from coaching.sessions.follow_up import follow_up_book
from coaching.skills.memory import memory_from_attempt
from lms.models import ModuleCompletion, QuizAttempt


def follow_up_on_module_completed(
    sender: type, *, completion: ModuleCompletion, attempt: QuizAttempt | None = None, **kwargs: Any
) -> dict[str, int] | None:
    """Receiver of ``lms.signals.module_completed``, inside the completion's transaction.

    Answers with the session it booked, which the quiz submit reports to the rep; nothing when
    ``COACHING_FOLLOW_UPS`` is off.
    """
    if not settings.COACHING_FOLLOW_UPS:
        return None
    session = follow_up_book(completion=completion, attempt=attempt)
    return {"follow_up_session": session.pk}


MEMORY_DISPATCH_UID = "coaching.memory_on_module_completed"
FOLLOW_UP_DISPATCH_UID = "coaching.follow_up_on_module_completed"


def memory_on_module_completed(
    sender: type, *, completion: ModuleCompletion, attempt: QuizAttempt | None = None, **kwargs: Any
) -> None:
    """The quiz that completed the module reviews each skill it asked about; no quiz, no review."""
    if attempt is not None:
        memory_from_attempt(attempt=attempt)


def receivers_connect() -> None:
    """Connect both receivers; idempotent thanks to their dispatch uids."""
    from lms.signals import module_completed

    module_completed.connect(
        follow_up_on_module_completed, sender=ModuleCompletion, dispatch_uid=FOLLOW_UP_DISPATCH_UID
    )
    module_completed.connect(
        memory_on_module_completed, sender=ModuleCompletion, dispatch_uid=MEMORY_DISPATCH_UID
    )
