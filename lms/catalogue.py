"""The course catalogue: every course with its skills, modules, lessons and quiz, in order.

Every "My learning" page and course list reads it, and only authoring changes it, so it is kept
in the cache under a content version. The one rule: any write to content calls
``catalogue_changed()``, which gives the catalogue a new version once the write commits, and the
next read builds it afresh. Row saves and deletes of courses, modules, lessons, quizzes and skills
(the admin's forms, course files, publishing) reach it through the receivers connected in
``LmsConfig.ready()``; writes that bypass ``save()`` (``QuerySet.update``) call it themselves.

It holds no one's progress: pages join it with the reader's own rows, read fresh each time.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from itertools import groupby
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.urls import get_script_prefix, reverse

from lms.models import Course, Lesson, Module, Quiz, Skill

VERSION_KEY = "lms:catalogue:version"
# A catalogue nobody asks for leaves the cache by itself; the version is kept until replaced.
CATALOGUE_TIMEOUT = 24 * 60 * 60


def _path(viewname: str, pk: int) -> str:
    """A page's address below the script prefix, so it can be kept and served under any."""
    return reverse(viewname, args=[pk])[len(get_script_prefix()) :]


class _Linked:
    """An entry with a page: ``url`` is worked out once per entry and process, not on every
    render, where reversing each link was about a third of drawing My learning."""

    viewname: str

    if TYPE_CHECKING:

        @property
        def pk(self) -> int: ...

    @cached_property
    def _page(self) -> str:
        return _path(self.viewname, self.pk)

    @property
    def url(self) -> str:
        return get_script_prefix() + self._page


@dataclass(frozen=True)
class SkillEntry:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class ModuleHeading:
    pk: int
    title: str


@dataclass(frozen=True)
class LessonEntry(_Linked):
    viewname = "lms:lesson"

    pk: int
    title: str
    module: ModuleHeading


@dataclass(frozen=True)
class QuizEntry(_Linked):
    viewname = "lms:quiz"

    pk: int
    module: ModuleHeading


@dataclass(frozen=True)
class ModuleEntry:
    pk: int
    title: str
    lessons: tuple[LessonEntry, ...]
    quiz: QuizEntry | None


@dataclass(frozen=True)
class CourseEntry(_Linked):
    viewname = "lms:course"

    id: int
    slug: str
    title: str
    summary: str
    status: str
    skills: tuple[SkillEntry, ...]
    # In position order.
    modules: tuple[ModuleEntry, ...]

    @property
    def pk(self) -> int:
        return self.id

    @property
    def is_published(self) -> bool:
        return self.status == Course.Status.PUBLISHED

    @cached_property
    def _start_page(self) -> str:
        return _path("lms:course_start", self.pk)

    @property
    def start_url(self) -> str:
        return get_script_prefix() + self._start_page

    @property
    def module_count(self) -> int:
        return len(self.modules)


@dataclass(frozen=True)
class Catalogue:
    # Every course, drafts and archived ones too, by title: readers filter what they may see.
    courses: tuple[CourseEntry, ...]
    by_pk: dict[int, CourseEntry] = field(init=False, repr=False, compare=False)
    course_of_module: dict[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_pk", {course.pk: course for course in self.courses})
        object.__setattr__(
            self,
            "course_of_module",
            {module.pk: course.pk for course in self.courses for module in course.modules},
        )


def catalogue_build() -> Catalogue:
    """The catalogue read from the database: four small queries over content only."""
    skills_of: dict[int, list[SkillEntry]] = {}
    for course_id, skill_id, slug, name in Course.skills.through.objects.order_by(
        "skill__name", "skill_id"
    ).values_list("course_id", "skill_id", "skill__slug", "skill__name"):
        skills_of.setdefault(course_id, []).append(SkillEntry(id=skill_id, slug=slug, name=name))
    modules = list(
        Module.objects.order_by("course_id", "position", "pk").values_list(
            "pk", "course_id", "title", "quiz__id"
        )
    )
    headings = {pk: ModuleHeading(pk=pk, title=title) for pk, _, title, _ in modules}
    lessons_of = {
        module_id: tuple(
            LessonEntry(pk=pk, title=title, module=headings[module_id]) for _, pk, title in rows
        )
        for module_id, rows in groupby(
            Lesson.objects.order_by("module_id", "position", "pk").values_list(
                "module_id", "pk", "title"
            ),
            key=lambda row: row[0],
        )
    }
    modules_of: dict[int, list[ModuleEntry]] = {}
    for pk, course_id, title, quiz_id in modules:
        modules_of.setdefault(course_id, []).append(
            ModuleEntry(
                pk=pk,
                title=title,
                lessons=lessons_of.get(pk, ()),
                quiz=QuizEntry(pk=quiz_id, module=headings[pk]) if quiz_id else None,
            )
        )
    return Catalogue(
        courses=tuple(
            CourseEntry(
                id=pk,
                slug=slug,
                title=title,
                summary=summary,
                status=status,
                skills=tuple(skills_of.get(pk, ())),
                modules=tuple(modules_of.get(pk, ())),
            )
            for pk, slug, title, summary, status in Course.objects.order_by(
                "title", "pk"
            ).values_list("pk", "slug", "title", "summary", "status")
        )
    )


# --- the version --------------------------------------------------------------------------------

# Per thread: a content write in the current transaction that has not committed yet.
_uncommitted = threading.local()
# Per process: the last catalogue read, so a request whose version is unchanged unpickles nothing.
_last: tuple[str, Catalogue] | None = None


def _version_replace() -> None:
    _uncommitted.write = False
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def catalogue_changed() -> None:
    """Content changed: the catalogue gets a new version when the change commits.

    Not before: a reader between the write and the commit would build the old content and keep
    it under the new version. A rolled-back change replaces nothing.
    """
    if transaction.get_connection().in_atomic_block:
        _uncommitted.write = True
    transaction.on_commit(_version_replace)


def _version() -> str | None:
    version = cache.get(VERSION_KEY)
    if version is None:
        # First read, or the cache lost it: any fresh version is right, as long as all agree.
        version = uuid.uuid4().hex
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY)
    return version


def catalogue() -> Catalogue:
    """The catalogue as of the last committed content change."""
    global _last
    if getattr(_uncommitted, "write", False):
        if transaction.get_connection().in_atomic_block:
            # This transaction changed content and sees it; nobody else may, nor later.
            return catalogue_build()
        _uncommitted.write = False
    version = _version()
    if version is None:
        return catalogue_build()
    last = _last
    if last is not None and last[0] == version:
        return last[1]
    key = f"lms:catalogue:{version}"
    built = cache.get(key)
    if built is None:
        built = catalogue_build()
        cache.set(key, built, timeout=CATALOGUE_TIMEOUT)
    _last = (version, built)
    return built


# --- the receivers ------------------------------------------------------------------------------


def _content_changed(*, action: str = "post", **kwargs) -> None:
    # Relation changes announce themselves before and after; once, after, is enough.
    if action.startswith("post"):
        catalogue_changed()


def catalogue_receivers_connect() -> None:
    """Every saved or deleted content row moves the version (called from ``LmsConfig.ready``)."""
    for model in (Course, Module, Lesson, Quiz, Skill):
        post_save.connect(_content_changed, sender=model, dispatch_uid=f"catalogue-save-{model}")
        post_delete.connect(
            _content_changed, sender=model, dispatch_uid=f"catalogue-delete-{model}"
        )
    m2m_changed.connect(
        _content_changed, sender=Course.skills.through, dispatch_uid="catalogue-course-skills"
    )
