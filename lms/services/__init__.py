"""Training writes: enrolment, progress, quiz attempts and exactly-once module completion."""

from lms.services.authoring import (
    CourseNotPublishable,
    course_archive,
    course_problems,
    course_publish,
    course_unpublish,
    quiz_problems,
)
from lms.services.completion import module_completion_check
from lms.services.enrolment import enrolment_assign, enrolment_assign_team, enrolment_self
from lms.services.progress import lesson_complete
from lms.services.quizzes import AttemptResult, attempt_start, attempt_submit

__all__ = [
    "AttemptResult",
    "CourseNotPublishable",
    "attempt_start",
    "attempt_submit",
    "course_archive",
    "course_problems",
    "course_publish",
    "course_unpublish",
    "enrolment_assign",
    "enrolment_assign_team",
    "enrolment_self",
    "lesson_complete",
    "module_completion_check",
    "quiz_problems",
]
