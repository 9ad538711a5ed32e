"""The bridge from training to coaching: a completed module books its follow-up (DESIGN §5)."""

from __future__ import annotations

from typing import Any

from coaching.services.follow_up import follow_up_book
from lms.models import ModuleCompletion, QuizAttempt


def follow_up_on_module_completed(
    sender: type, *, completion: ModuleCompletion, attempt: QuizAttempt | None = None, **kwargs: Any
) -> dict[str, int]:
    """Receiver of ``lms.signals.module_completed``, inside the completion's transaction.

    Answers with the session it booked, which the quiz submit reports to the rep.
    """
    session = follow_up_book(completion=completion, attempt=attempt)
    return {"follow_up_session": session.pk}
