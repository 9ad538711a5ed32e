"""Skill reads for the rep's own pages: the reinforcements open now, one of them, its questions.

Each is scoped to the caller: someone else's reinforcement is a 404, so ids leak nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from coaching.models import Reinforcement
from lms.models import Question
from lms.selectors.quizzes import questions_with_choices


def reinforcements_pending_for(*, user: User, now: dt.datetime | None = None) -> QuerySet:
    """The caller's own reinforcements open now (due, not expired), soonest to expire first."""
    now = now or timezone.now()
    return (
        Reinforcement.objects.filter(
            rep=user,
            status=Reinforcement.Status.PENDING,
            due_at__lte=now,
            expires_at__gt=now,
        )
        .select_related("skill")
        .order_by("expires_at", "pk")
    )


def reinforcement_for(*, user: User, reinforcement_id: int) -> Reinforcement:
    """One of the caller's own reinforcements; Http404 for anyone else's, so ids leak nothing."""
    reinforcement = (
        Reinforcement.objects.select_related("skill").filter(pk=reinforcement_id, rep=user).first()
    )
    if reinforcement is None:
        raise Http404("No such reinforcement.")
    return reinforcement


def reinforcement_questions(*, reinforcement: Reinforcement) -> list[Question]:
    """Its questions in the order shown, ``choices`` prefetched in order; two queries.

    Whether a choice is correct is on the rows: a form must not render it before the answers
    are in (the feedback from ``reinforcement_answer`` says it).
    """
    return questions_with_choices(ids=reinforcement.question_ids)
