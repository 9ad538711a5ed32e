"""The Django admin: a back office for authoring content (DESIGN §12); importing the modules
registers their pages."""

from lms.admin import courses, quizzes

__all__ = ["courses", "quizzes"]
