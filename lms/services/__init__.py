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
from lms.services.extra_attempts import (
    EXTRA_ATTEMPTS_MAX,
    extra_attempts_ask,
    extra_attempts_grant,
)
from lms.services.progress import lesson_complete
from lms.services.published import CourseNotPublished, course_require_published
from lms.services.quizzes import AttemptResult, attempt_start, attempt_submit

__all__ = [
    "EXTRA_ATTEMPTS_MAX",
    "AttemptResult",
    "CourseNotPublishable",
    "CourseNotPublished",
    "attempt_start",
    "attempt_submit",
    "course_archive",
    "course_problems",
    "course_publish",
    "course_require_published",
    "course_unpublish",
    "enrolment_assign",
    "enrolment_assign_team",
    "enrolment_self",
    "extra_attempts_ask",
    "extra_attempts_grant",
    "lesson_complete",
    "module_completion_check",
    "quiz_problems",
]
