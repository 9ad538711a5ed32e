"""The one rule for progress on training content: it counts only in a published course.

Enrolling, reading a lesson, starting or submitting a quiz all ask it, so a course that is a
draft, or was unpublished or archived while someone was in the middle of it, completes no module
(and books no coaching). A conflict with the course's state: the API answers 409.
"""

from __future__ import annotations

from config.errors import Conflict
from lms.models import Course


class CourseNotPublished(Conflict):
    """Progress was refused because the course is not published."""


def course_require_published(*, course: Course) -> None:
    """Raises CourseNotPublished, with words for the person, unless ``course`` is published."""
    if course.status == Course.Status.ARCHIVED:
        raise CourseNotPublished(
            "That course is archived and not published any more: progress on it no longer counts."
        )
    if not course.is_published:
        raise CourseNotPublished(
            "That course is not published: progress on it does not count until it is."
        )
