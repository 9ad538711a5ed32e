"""The demo courses (DESIGN §10): the course files shipped in lms/fixtures/courses."""

from __future__ import annotations

from pathlib import Path

from lms.course_files import ImportedCourse, course_files_import

DEMO_COURSES_DIR = Path(__file__).resolve().parent / "fixtures" / "courses"


def demo_courses_seed() -> list[ImportedCourse]:
    """Import every demo course file; safe to run any number of times."""
    return course_files_import(paths=sorted(DEMO_COURSES_DIR.glob("*.yaml")))
