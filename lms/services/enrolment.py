from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import can_assign_courses, is_admin
from config.errors import DomainError
from lms.models import Course, Enrolment
from lms.services.published import course_require_published


def _ensure_due_date(due_date: dt.date | None) -> None:
    if due_date is not None and due_date < timezone.localdate():
        raise DomainError("The due date is in the past; choose today or a later day.")


@transaction.atomic
def enrolment_self(*, user: User, course: Course) -> Enrolment:
    """A person enrols themselves in a published course; enrolling twice changes nothing."""
    course_require_published(course=course)
    enrolment, _ = Enrolment.objects.get_or_create(user=user, course=course)
    return enrolment


@transaction.atomic
def enrolment_assign(
    *, actor: User, user: User, course: Course, due_date: dt.date | None = None
) -> Enrolment:
    """A manager assigns a course to a direct report, an admin to anyone.

    Raises DomainError when the actor may not assign to that person, the course is not
    published or the due date has passed. Assigning again with a due date moves it; without
    one, the due date already set stays (a missing date is not a wish to drop it).
    """
    if not can_assign_courses(actor, user):
        raise DomainError("You can assign courses only to people who report to you.")
    course_require_published(course=course)
    _ensure_due_date(due_date)
    enrolment, created = Enrolment.objects.get_or_create(
        user=user, course=course, defaults={"assigned_by": actor, "due_date": due_date}
    )
    if not created:
        enrolment.assigned_by = actor
        if due_date is not None:
            enrolment.due_date = due_date
        enrolment.save(update_fields=["assigned_by", "due_date"])
    return enrolment


@transaction.atomic
def enrolment_assign_team(
    *, actor: User, manager: User, course: Course, due_date: dt.date | None = None
) -> list[Enrolment]:
    """An admin assigns a course to every direct report of ``manager`` at once, all or none."""
    if not is_admin(actor):
        raise DomainError("Only an admin can assign a course to a whole team.")
    # Direct reports only: for an admin, team_of() would widen this to the whole organisation.
    members = manager.direct_reports.active().order_by("pk")
    return [
        enrolment_assign(actor=actor, user=member, course=course, due_date=due_date)
        for member in members
    ]
