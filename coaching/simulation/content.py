"""What the simulated reps train on: the demo courses, loaded once per world."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from config.errors import DomainError
from lms.course_files import course_file_load
from lms.demo import DEMO_COURSES_DIR, demo_courses_seed
from lms.models import Choice, Course, Lesson, Module, Question, Quiz, Skill


@dataclass
class Content:
    courses: list[list[Module]]  # the demo courses' modules, in order
    lessons: dict[int, list[Lesson]]  # by module id
    quizzes: dict[int, Quiz]  # by module id
    module_skills: dict[int, list[str]]  # by module id, skill slugs
    skills: dict[int, Skill]  # by id
    # question id → (skill slug, correct choice ids, wrong choice ids)
    questions: dict[int, tuple[str, frozenset[int], tuple[int, ...]]]

    @property
    def skill_slugs(self) -> list[str]:
        return sorted(skill.slug for skill in self.skills.values())


def _demo_courses() -> list[Course]:
    """The demo courses as they are in the database; imported from their files when missing.

    Courses already there are used as they are, so that a kept run never rewrites content an
    admin may have edited.
    """
    paths = sorted(DEMO_COURSES_DIR.glob("*.yaml"))
    slugs = {course_file_load(path=path)["course"]["slug"] for path in paths}
    courses = list(Course.objects.filter(slug__in=slugs))
    if len(courses) < len(slugs):
        courses = [item.course for item in demo_courses_seed()]
    unpublished = [course.title for course in courses if not course.is_published]
    if unpublished:
        raise DomainError(f"The simulation needs the demo course “{unpublished[0]}” published.")
    return sorted(courses, key=lambda course: course.slug)


def content_load() -> Content:
    """The demo courses and every published question, in a few queries."""
    courses = _demo_courses()
    modules = list(
        Module.objects.filter(course__in=courses)
        .select_related("course")
        .prefetch_related("skills")
        .order_by("course__slug", "position")
    )
    by_course: dict[int, list[Module]] = defaultdict(list)
    for module in modules:
        by_course[module.course_id].append(module)
    lessons: dict[int, list[Lesson]] = defaultdict(list)
    for lesson in (
        Lesson.objects.filter(module__in=modules)
        .select_related("module__course")
        .order_by("module_id", "position")
    ):
        lessons[lesson.module_id].append(lesson)
    quizzes = {
        quiz.module_id: quiz
        for quiz in Quiz.objects.filter(module__in=modules).select_related("module__course")
    }
    missing = [module.title for module in modules if module.pk not in quizzes]
    if missing:
        raise DomainError(f"Every simulated module needs a quiz; {missing[0]} has none.")
    skills = Skill.objects.in_bulk()
    # Reinforcements may ask any published question on a skill, so the reps know them all.
    published = Question.objects.filter(quiz__module__course__status=Course.Status.PUBLISHED)
    right: dict[int, set[int]] = defaultdict(set)
    wrong: dict[int, list[int]] = defaultdict(list)
    for question_id, choice_id, is_correct in (
        Choice.objects.filter(question__in=published)
        .order_by("question_id", "position")
        .values_list("question_id", "pk", "is_correct")
    ):
        if is_correct:
            right[question_id].add(choice_id)
        else:
            wrong[question_id].append(choice_id)
    return Content(
        courses=[by_course[course.pk] for course in courses],
        lessons=dict(lessons),
        quizzes=quizzes,
        module_skills={m.pk: sorted(s.slug for s in m.skills.all()) for m in modules},
        skills=skills,
        questions={
            pk: (skills[skill_id].slug, frozenset(right[pk]), tuple(wrong[pk]))
            for pk, skill_id in published.values_list("pk", "skill_id")
        },
    )
