from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from lms.models import Lesson, LessonProgress
from lms.services.completion import CompletionOutcome, module_completion_check
from lms.services.enrolment import enrolment_self
from lms.services.published import course_require_published


@dataclass
class LessonOutcome:
    progress: LessonProgress
    created: bool
    completion: CompletionOutcome


@transaction.atomic
def lesson_complete(*, user: User, lesson: Lesson) -> LessonOutcome:
    """Mark a lesson done (idempotent) and complete its module if that was the last step.

    Raises CourseNotPublished (a Conflict) for a lesson of a course that is not published.
    """
    course_require_published(course=lesson.module.course)
    progress, created = LessonProgress.objects.get_or_create(
        user=user, lesson=lesson, defaults={"completed_at": timezone.now()}
    )
    completion = module_completion_check(user=user, module=lesson.module)
    # Working through a course is enrolling in it, so it shows on "My learning" with progress.
    # Last, so two of the person's lessons racing meet at the completion check's lock first.
    enrolment_self(user=user, course=lesson.module.course)
    return LessonOutcome(progress=progress, created=created, completion=completion)
