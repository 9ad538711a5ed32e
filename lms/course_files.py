"""Course files: a whole course in one YAML file, imported all or nothing and exported back.

A file holds the skills it uses and one course::

    skills:
      - {slug: discovery, name: Discovery, description: ...}
    course:
      slug: discovery-fundamentals
      title: ...
      summary: ...
      status: published            # draft | published | archived; left alone when absent
      skills: [discovery]
      modules:                     # matched by slug, ordered as listed
        - slug: opening-the-call
          title: ...
          objectives: |
            - ...
          skills: [discovery]
          coaching_guide:
            questions_to_ask: [...]
            behaviours_to_observe: [...]
            practice_task: ...
          lessons:                 # matched by their place in the list
            - {title: ..., minutes: 6, video_url: https://..., body: "Markdown"}
          quiz:                    # optional
            pass_mark: 80
            max_attempts: 3
            shuffle_choices: true
            questions_per_attempt: null
            questions:             # matched by their place in the list
              - prompt: ...
                kind: single       # single | multiple
                skill: discovery
                explanation: ...
                choices:
                  - {text: ..., correct: true}

Every error names the file, the line and the field, so an author can fix it without guessing:
``discovery.yaml:42: course.modules[1].quiz.questions[0].choices: a single-choice question
needs exactly one correct choice (2 marked correct)``. The shape is checked here and the
publishing rules come from ``lms.services.authoring``, so a file and the admin refuse the same
things. Importing updates a course in place; it refuses to change or remove lessons and questions
that people have progress or attempts on, because that would rewrite their training record.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import router, transaction
from django.db.models import Count, Model, Prefetch, ProtectedError, RestrictedError
from django.db.models.deletion import Collector

from config.errors import DomainError
from lms.models import (
    Choice,
    Course,
    Lesson,
    LessonProgress,
    Module,
    ModuleCompletion,
    Question,
    Quiz,
    QuizAttempt,
    Skill,
)
from lms.services.authoring import (
    course_archive,
    course_publish,
    course_rule_problems,
    course_unpublish,
    module_rule_problems,
    positions_make_room,
    question_rule_problems,
    quiz_rule_problems,
)

FieldPath = tuple[str | int, ...]

# Beyond any real course; stops a file of nested aliases from expanding without end.
_MAX_NODES = 200_000
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_ADVICE = (
    "leave it as it is and add a new one instead, or archive this course and import the new"
    " version under a new slug"
)


class CourseFileError(DomainError):
    """The files were refused; ``errors`` holds one ``file:line: field: problem`` per problem."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


class CourseFileData(dict):
    """A parsed file: the plain mapping, plus the line on which each field starts."""

    def __init__(self, value: dict, *, lines: dict[FieldPath, int]):
        super().__init__(value)
        self.lines = lines


# --- reading YAML with line numbers -------------------------------------------------------------


def _dotted(path: FieldPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class _NodeReader:
    """Turns composed YAML nodes into plain values, noting the line of every field and item."""

    def __init__(self, source: str):
        self.source = source
        self.constructor = yaml.constructor.SafeConstructor()
        self.lines: dict[FieldPath, int] = {}
        self.errors: list[str] = []
        self.nodes = 0

    def error(self, node: yaml.Node, path: FieldPath, message: str) -> None:
        where = f"{self.source}:{node.start_mark.line + 1}"
        self.errors.append(
            f"{where}: {_dotted(path)}: {message}" if path else f"{where}: {message}"
        )

    def read(
        self, node: yaml.Node, path: FieldPath = (), stack: frozenset[int] = frozenset()
    ) -> Any:
        self.nodes += 1
        if self.nodes > _MAX_NODES:
            raise CourseFileError([f"{self.source}: the file is too large to be a course"])
        self.lines.setdefault(path, node.start_mark.line + 1)
        if id(node) in stack:
            self.error(node, path, "an alias refers to itself")
            return None
        inner = stack | {id(node)}
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = (
                    self.constructor.construct_object(key_node)
                    if isinstance(key_node, yaml.ScalarNode)
                    else None
                )
                if not isinstance(key, str):
                    self.error(key_node, path, "field names must be plain words")
                    continue
                if key in result:
                    self.error(key_node, (*path, key), "this field appears twice")
                    continue
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                result[key] = self.read(value_node, (*path, key), inner)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.read(item, (*path, i), inner) for i, item in enumerate(node.value)]
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.error(node, path, f"cannot read this value ({getattr(exc, 'problem', exc)})")
            return None


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, source: str) -> str:
    problem = exc.problem or exc.context or "the file does not parse"
    mark = exc.problem_mark or exc.context_mark
    # An unclosed quote or bracket is only noticed at the end; where it opened helps more.
    if exc.context_mark and (mark is None or problem.startswith("found unexpected end")):
        mark = exc.context_mark
    line = mark.line + 1 if mark else 1
    lines = text.splitlines()
    near = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    message = f"{source}:{line}: not valid YAML"
    if near:
        message += f" at “{near[:80]}”"
    message += f": {problem}"
    if exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
        message += f" ({exc.context} on line {exc.context_mark.line + 1})"
    return message


def course_file_parse(*, text: str, source: str) -> CourseFileData:
    """Parse one file's text; raises CourseFileError for YAML that does not parse."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise CourseFileError([_syntax_error(exc, text, source)]) from exc
    except yaml.YAMLError as exc:  # a reader error: bytes that are not text
        position = getattr(exc, "position", 0) or 0
        line = text[:position].count("\n") + 1
        raise CourseFileError([f"{source}:{line}: not valid YAML: {exc}"]) from exc
    if root is None:
        raise CourseFileError([f"{source}:1: the file is empty; it needs skills and a course"])
    reader = _NodeReader(source)
    value = reader.read(root)
    if reader.errors:
        raise CourseFileError(reader.errors)
    if not isinstance(value, dict):
        raise CourseFileError(
            [f"{source}:{root.start_mark.line + 1}: the file must be a mapping with a course"]
        )
    return CourseFileData(value, lines=reader.lines)


def course_file_load(*, path: str | Path) -> dict:
    """Read and parse a course file, keeping the line of every field for error messages."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CourseFileError([f"{source}: no such file"]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseFileError([f"{source}: cannot be read ({exc})"]) from exc
    return course_file_parse(text=text, source=source)


# --- checking the shape -------------------------------------------------------------------------


@dataclass
class _SkillSpec:
    slug: str
    name: str
    description: str
    path: FieldPath


@dataclass
class _ChoiceSpec:
    text: str
    correct: bool


@dataclass
class _QuestionSpec:
    prompt: str
    kind: str
    skill: str
    explanation: str
    choices: list[_ChoiceSpec]
    path: FieldPath


@dataclass
class _QuizSpec:
    pass_mark: int
    max_attempts: int
    shuffle_choices: bool
    questions_per_attempt: int | None
    questions: list[_QuestionSpec]
    path: FieldPath


@dataclass
class _LessonSpec:
    title: str
    body: str
    video_url: str
    minutes: int
    path: FieldPath


@dataclass
class _ModuleSpec:
    slug: str
    title: str
    objectives: str
    skills: list[str]
    coaching_questions: list[str]
    coaching_behaviours: list[str]
    practice_task: str
    lessons: list[_LessonSpec]
    quiz: _QuizSpec | None
    path: FieldPath


@dataclass
class _CourseSpec:
    slug: str
    title: str
    summary: str
    status: str | None
    skills: list[str]
    modules: list[_ModuleSpec]
    path: FieldPath


@dataclass
class _FileSpec:
    source: str
    skills: list[_SkillSpec]
    course: _CourseSpec
    where: Callable[[FieldPath], str]


def _kind_of(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


class _Checker:
    """Collects every problem in one file, each located by line and field."""

    def __init__(self, source: str, lines: dict[FieldPath, int]):
        self.source = source
        self.lines = lines
        self._found: list[tuple[int, str]] = []

    @property
    def errors(self) -> list[str]:
        """In the order of the file, so an author can work down it."""
        return [message for _line, message in sorted(self._found, key=lambda found: found[0])]

    def line(self, path: FieldPath) -> int | None:
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]

    def where(self, path: FieldPath) -> str:
        line = self.line(path)
        head = f"{self.source}:{line}" if line is not None else self.source
        return f"{head}: {_dotted(path)}" if path else head

    def error(self, path: FieldPath, message: str) -> None:
        self._found.append((self.line(path) or 0, f"{self.where(path)}: {message}"))

    def fields(
        self, value: Any, path: FieldPath, *, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> dict | None:
        if not isinstance(value, dict):
            self.error(path, f"must be a mapping with {', '.join(required)}, not {_kind_of(value)}")
            return None
        allowed = (*required, *optional)
        for key in value:
            if key not in allowed:
                self.error((*path, key), f"unknown field; expected one of: {', '.join(allowed)}")
        for key in required:
            if key not in value:
                self.error((*path, key), "this required field is missing")
        return value

    def text(
        self,
        m: dict,
        path: FieldPath,
        key: str,
        *,
        required: bool = False,
        max_length: int | None = None,
    ) -> str:
        if key not in m:
            return ""
        value = m[key]
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error((*path, key), "must not be empty")
            return ""
        if not isinstance(value, str):
            self.error((*path, key), f"must be text, not {_kind_of(value)} (put it in quotes)")
            return ""
        if max_length is not None and len(value) > max_length:
            self.error(
                (*path, key), f"must be at most {max_length} characters long, not {len(value)}"
            )
        return value

    def slug(self, m: dict, path: FieldPath, key: str) -> str:
        value = self.text(m, path, key, required=True, max_length=50)
        if value and not _SLUG.match(value):
            self.error((*path, key), "must be a slug: letters, digits, hyphens and underscores")
        return value

    def integer(
        self,
        m: dict,
        path: FieldPath,
        key: str,
        *,
        default: int | None,
        minimum: int | None = None,
        nullable: bool = False,
    ) -> int | None:
        if key not in m:
            return default
        value = m[key]
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error((*path, key), f"must be a whole number, not {_kind_of(value)}")
            return default
        if minimum is not None and value < minimum:
            self.error((*path, key), f"must be at least {minimum}, not {value}")
            return default
        return value

    def boolean(self, m: dict, path: FieldPath, key: str, *, default: bool) -> bool:
        if key not in m:
            return default
        value = m[key]
        if not isinstance(value, bool):
            self.error((*path, key), f"must be true or false, not {_kind_of(value)}")
            return default
        return value

    def option(self, m: dict, path: FieldPath, key: str, options: Iterable[str]) -> str | None:
        if key not in m:
            return None
        options = list(options)
        value = m[key]
        if value not in options:
            shown = value if isinstance(value, str) else _kind_of(value)
            self.error((*path, key), f"must be one of {', '.join(options)}, not {shown}")
            return None
        return value

    def items(self, m: dict, path: FieldPath, key: str) -> list:
        value = m.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error((*path, key), f"must be a list, not {_kind_of(value)}")
            return []
        return value

    def texts(self, m: dict, path: FieldPath, key: str) -> list[str]:
        result = []
        for i, item in enumerate(self.items(m, path, key)):
            if not isinstance(item, str) or not item.strip():
                self.error((*path, key, i), f"must be a line of text, not {_kind_of(item)}")
            else:
                result.append(item)
        return result

    def skills(self, m: dict, path: FieldPath, key: str, declared: set[str]) -> list[str]:
        result: list[str] = []
        for i, item in enumerate(self.items(m, path, key)):
            if not isinstance(item, str):
                self.error((*path, key, i), f"must be a skill slug, not {_kind_of(item)}")
            elif item not in declared:
                self.error((*path, key, i), _unknown_skill(item))
            elif item not in result:
                result.append(item)
        return result


def _unknown_skill(slug: str) -> str:
    return f"unknown skill '{slug}'; declare it in the skills list at the top of the file"


_url_validator = URLValidator(schemes=["http", "https"])


def _check_lesson(c: _Checker, value: Any, path: FieldPath) -> _LessonSpec | None:
    m = c.fields(value, path, required=("title",), optional=("minutes", "video_url", "body"))
    if m is None:
        return None
    video_url = c.text(m, path, "video_url", max_length=200).strip()
    if video_url:
        try:
            _url_validator(video_url)
        except ValidationError:
            c.error((*path, "video_url"), "must be a web address starting with https:// or http://")
    return _LessonSpec(
        title=c.text(m, path, "title", required=True, max_length=200),
        body=c.text(m, path, "body"),
        video_url=video_url,
        minutes=c.integer(m, path, "minutes", default=5, minimum=1),
        path=path,
    )


def _check_question(
    c: _Checker, value: Any, path: FieldPath, declared: set[str]
) -> _QuestionSpec | None:
    m = c.fields(
        value, path, required=("prompt", "kind", "skill", "choices"), optional=("explanation",)
    )
    if m is None:
        return None
    kind = c.option(m, path, "kind", Question.Kind.values)
    skill = c.text(m, path, "skill", required=True)
    if skill and skill not in declared:
        c.error((*path, "skill"), _unknown_skill(skill))
    choices = []
    choices_ok = "choices" in m
    for i, item in enumerate(c.items(m, path, "choices")):
        cm = c.fields(item, (*path, "choices", i), required=("text",), optional=("correct",))
        if cm is None:
            choices_ok = False
            continue
        choices.append(
            _ChoiceSpec(
                text=c.text(cm, (*path, "choices", i), "text", required=True, max_length=500),
                correct=c.boolean(cm, (*path, "choices", i), "correct", default=False),
            )
        )
    if kind and choices_ok:
        for problem in question_rule_problems(
            kind=kind,
            choice_count=len(choices),
            correct_count=sum(choice.correct for choice in choices),
        ):
            c.error((*path, "choices"), problem)
    return _QuestionSpec(
        prompt=c.text(m, path, "prompt", required=True),
        kind=kind or Question.Kind.SINGLE,
        skill=skill,
        explanation=c.text(m, path, "explanation"),
        choices=choices,
        path=path,
    )


def _check_quiz(c: _Checker, value: Any, path: FieldPath, declared: set[str]) -> _QuizSpec | None:
    m = c.fields(
        value,
        path,
        required=("questions",),
        optional=("pass_mark", "max_attempts", "shuffle_choices", "questions_per_attempt"),
    )
    if m is None:
        return None
    raw_questions = c.items(m, path, "questions")
    questions = [
        _check_question(c, item, (*path, "questions", i), declared)
        for i, item in enumerate(raw_questions)
    ]
    spec = _QuizSpec(
        # The range of the pass mark is a publishing rule, checked below with the others.
        pass_mark=c.integer(m, path, "pass_mark", default=80),
        max_attempts=c.integer(m, path, "max_attempts", default=3, minimum=1),
        shuffle_choices=c.boolean(m, path, "shuffle_choices", default=True),
        questions_per_attempt=c.integer(
            m, path, "questions_per_attempt", default=None, minimum=1, nullable=True
        ),
        questions=[q for q in questions if q is not None],
        path=path,
    )
    if "questions" in m:
        for rule_field, problem in quiz_rule_problems(
            pass_mark=spec.pass_mark,
            questions_per_attempt=spec.questions_per_attempt,
            question_count=len(raw_questions),
        ):
            c.error((*path, rule_field), problem)
    return spec


def _check_module(
    c: _Checker, value: Any, path: FieldPath, declared: set[str]
) -> _ModuleSpec | None:
    m = c.fields(
        value,
        path,
        required=("slug", "title"),
        optional=("objectives", "skills", "coaching_guide", "lessons", "quiz"),
    )
    if m is None:
        return None
    guide: dict = {}
    if m.get("coaching_guide") is not None:
        guide = (
            c.fields(
                m["coaching_guide"],
                (*path, "coaching_guide"),
                required=(),
                optional=("questions_to_ask", "behaviours_to_observe", "practice_task"),
            )
            or {}
        )
    guide_path = (*path, "coaching_guide")
    raw_lessons = c.items(m, path, "lessons")
    lessons = [_check_lesson(c, item, (*path, "lessons", i)) for i, item in enumerate(raw_lessons)]
    quiz = None
    if m.get("quiz") is not None:
        quiz = _check_quiz(c, m["quiz"], (*path, "quiz"), declared)
    for problem in module_rule_problems(
        lesson_count=len(raw_lessons), has_quiz=m.get("quiz") is not None
    ):
        c.error(path, problem)
    return _ModuleSpec(
        slug=c.slug(m, path, "slug"),
        title=c.text(m, path, "title", required=True, max_length=200),
        objectives=c.text(m, path, "objectives"),
        skills=c.skills(m, path, "skills", declared),
        coaching_questions=c.texts(guide, guide_path, "questions_to_ask"),
        coaching_behaviours=c.texts(guide, guide_path, "behaviours_to_observe"),
        practice_task=c.text(guide, guide_path, "practice_task"),
        lessons=[lesson for lesson in lessons if lesson is not None],
        quiz=quiz,
        path=path,
    )


def _check_file(data: dict, source: str) -> _FileSpec:
    c = _Checker(source, getattr(data, "lines", {}))
    top = c.fields(data, (), required=("course",), optional=("skills",))
    if top is None:
        raise CourseFileError(c.errors)
    skills: list[_SkillSpec] = []
    declared: set[str] = set()
    for i, item in enumerate(c.items(top, (), "skills")):
        path = ("skills", i)
        m = c.fields(item, path, required=("slug", "name"), optional=("description",))
        if m is None:
            continue
        slug = c.slug(m, path, "slug")
        if slug in declared:
            c.error((*path, "slug"), f"skill '{slug}' is declared twice")
            continue
        declared.add(slug)
        skills.append(
            _SkillSpec(
                slug=slug,
                name=c.text(m, path, "name", required=True, max_length=100),
                description=c.text(m, path, "description"),
                path=path,
            )
        )
    path = ("course",)
    m = (
        c.fields(
            top["course"],
            path,
            required=("slug", "title", "modules"),
            optional=("summary", "status", "skills"),
        )
        if "course" in top
        else None
    )
    if m is None:
        raise CourseFileError(c.errors)
    raw_modules = c.items(m, path, "modules")
    modules = []
    seen_slugs: set[str] = set()
    for i, item in enumerate(raw_modules):
        module = _check_module(c, item, (*path, "modules", i), declared)
        if module is None:
            continue
        if module.slug in seen_slugs:
            c.error((*module.path, "slug"), f"another module already uses the slug '{module.slug}'")
        seen_slugs.add(module.slug)
        modules.append(module)
    if "modules" in m:
        for problem in course_rule_problems(module_count=len(raw_modules)):
            c.error((*path, "modules"), problem)
    course = _CourseSpec(
        slug=c.slug(m, path, "slug"),
        title=c.text(m, path, "title", required=True, max_length=200),
        summary=c.text(m, path, "summary"),
        status=c.option(m, path, "status", Course.Status.values),
        skills=c.skills(m, path, "skills", declared),
        modules=modules,
        path=path,
    )
    if c.errors:
        raise CourseFileError(c.errors)
    return _FileSpec(source=source, skills=skills, course=course, where=c.where)


# --- writing ------------------------------------------------------------------------------------


def _update(obj: Model, **values: Any) -> bool:
    """Save only the fields that differ, so importing the same file twice writes nothing."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        stamps = [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]
        obj.save(update_fields=[*changed, *stamps])
    return bool(changed)


def _park_moved(model: type[Model], placed: list[tuple[Model, int]]) -> None:
    """Move the rows whose position changes out of the way before any takes its new place."""
    positions_make_room(
        model=model, pks=[obj.pk for obj, position in placed if obj.position != position]
    )


def _set_skills(relation, wanted: list[str], skills: dict[str, Skill]) -> bool:
    if {s.slug for s in relation.all()} == set(wanted):
        return False
    relation.set([skills[slug] for slug in wanted])
    return True


@dataclass
class _Usage:
    """What people have done in a course, by row id: the things an import must not rewrite."""

    completions: dict[int, int] = field(default_factory=dict)  # module -> people
    progress: dict[int, int] = field(default_factory=dict)  # lesson -> people
    attempts: dict[int, int] = field(default_factory=dict)  # quiz -> attempts
    question_attempts: dict[int, int] = field(default_factory=dict)  # question -> attempts

    @classmethod
    def of(cls, course: Course) -> _Usage:
        usage = cls()
        usage.completions = dict(
            ModuleCompletion.objects.filter(module__course=course)
            .order_by()
            .values("module")
            .annotate(people=Count("user", distinct=True))
            .values_list("module", "people")
        )
        usage.progress = dict(
            LessonProgress.objects.filter(lesson__module__course=course)
            .order_by()
            .values("lesson")
            .annotate(people=Count("user", distinct=True))
            .values_list("lesson", "people")
        )
        attempts: dict[int, int] = defaultdict(int)
        question_attempts: dict[int, int] = defaultdict(int)
        for quiz_id, layout in QuizAttempt.objects.filter(quiz__module__course=course).values_list(
            "quiz_id", "layout"
        ):
            attempts[quiz_id] += 1
            for item in layout or []:
                question_attempts[item["question"]] += 1
        usage.attempts = dict(attempts)
        usage.question_attempts = dict(question_attempts)
        return usage

    def of_module(self, module: Module) -> int:
        quiz = getattr(module, "quiz", None)
        return (
            self.completions.get(module.pk, 0)
            + sum(self.progress.get(lesson.pk, 0) for lesson in module.lessons.all())
            + (self.attempts.get(quiz.pk, 0) if quiz else 0)
        )


def _question_content(question: Question) -> tuple:
    return (
        question.prompt,
        question.kind,
        question.skill.slug,
        [(choice.text, choice.is_correct) for choice in question.choices.all()],
    )


def _question_spec_content(spec: _QuestionSpec) -> tuple:
    return (
        spec.prompt,
        spec.kind,
        spec.skill,
        [(choice.text, choice.correct) for choice in spec.choices],
    )


def _people(n: int) -> str:
    return "1 person has" if n == 1 else f"{n} people have"


def _attempts(n: int) -> str:
    return "1 attempt" if n == 1 else f"{n} attempts"


def _protected_references(obj: Model) -> int:
    """How many rows, in any app, refuse to let ``obj`` go (answers, sessions, ...)."""
    try:
        Collector(using=router.db_for_write(type(obj))).collect([obj])
    except ProtectedError as exc:
        return len(exc.protected_objects)
    except RestrictedError as exc:
        return len(exc.restricted_objects)
    return 0


def _refusals(spec: _FileSpec, existing: dict[str, Module], usage: _Usage) -> list[str]:
    """Every change the file asks for that would rewrite someone's training record."""
    where = spec.where
    course = spec.course
    problems = []
    wanted = {module.slug for module in course.modules}
    for slug, module in existing.items():
        if slug not in wanted and (usage.of_module(module) or _protected_references(module)):
            problems.append(
                f"{where((*course.path, 'modules'))}: module '{slug}' (“{module.title}”) is no"
                f" longer in the file, but people have progress, attempts, completions or"
                f" coaching sessions in it; {_ADVICE}"
            )
    for module_spec in course.modules:
        module = existing.get(module_spec.slug)
        if module is None:
            continue
        for i, lesson in enumerate(module.lessons.all()):
            people = usage.progress.get(lesson.pk, 0)
            if not people:
                continue
            if i >= len(module_spec.lessons):
                problems.append(
                    f"{where((*module_spec.path, 'lessons'))}: lesson {i + 1} (“{lesson.title}”)"
                    f" is no longer in the file, but {_people(people)} completed it; {_ADVICE}"
                )
            elif (lesson.title, lesson.body) != (
                module_spec.lessons[i].title,
                module_spec.lessons[i].body,
            ):
                problems.append(
                    f"{where(module_spec.lessons[i].path)}: {_people(people)} completed lesson"
                    f" {i + 1} (“{lesson.title}”), so its title and text cannot change; {_ADVICE}"
                )
        quiz = getattr(module, "quiz", None)
        if quiz is None:
            continue
        if module_spec.quiz is None:
            if usage.attempts.get(quiz.pk) or _protected_references(quiz):
                problems.append(
                    f"{where(module_spec.path)}: the module no longer has a quiz in the file, but"
                    f" people have attempted or answered it; {_ADVICE}"
                )
            continue
        question_specs = module_spec.quiz.questions
        for i, question in enumerate(quiz.questions.all()):
            removed = i >= len(question_specs)
            if not removed and _question_content(question) == _question_spec_content(
                question_specs[i]
            ):
                continue
            asked = usage.question_attempts.get(question.pk, 0)
            if not asked and not _protected_references(question):
                continue
            record = f"it was asked in {_attempts(asked)}" if asked else "people have answered it"
            if removed:
                problems.append(
                    f"{where((*module_spec.quiz.path, 'questions'))}: question {i + 1} is no"
                    f" longer in the file, but {record}; {_ADVICE}"
                )
            else:
                problems.append(
                    f"{where(question_specs[i].path)}: question {i + 1} cannot change its prompt,"
                    f" kind, skill or choices: {record}; {_ADVICE}"
                )
    return problems


def _existing_modules(course: Course) -> dict[str, Module]:
    modules = (
        Module.objects.filter(course=course)
        .select_related("quiz")
        .prefetch_related(
            "skills",
            "lessons",
            Prefetch(
                "quiz__questions",
                queryset=Question.objects.select_related("skill").prefetch_related("choices"),
            ),
        )
        .order_by("position")
    )
    return {module.slug: module for module in modules}


def _write_choices(question: Question, specs: list[_ChoiceSpec], fresh: bool) -> bool:
    existing = [] if fresh else list(question.choices.all())
    changed = False
    for choice in existing[len(specs) :]:
        choice.delete()
        changed = True
    placed = [(choice, i + 1) for i, choice in enumerate(existing[: len(specs)])]
    _park_moved(Choice, placed)
    for i, spec in enumerate(specs):
        values = {"position": i + 1, "text": spec.text, "is_correct": spec.correct}
        if i < len(existing):
            changed |= _update(existing[i], **values)
        else:
            Choice.objects.create(question=question, **values)
            changed = True
    return changed


def _write_quiz(module: Module, spec: _QuizSpec | None, skills: dict[str, Skill]) -> bool:
    quiz = getattr(module, "quiz", None)
    if spec is None:
        if quiz is not None:
            quiz.delete()
            return True
        return False
    settings = {
        "pass_mark": spec.pass_mark,
        "max_attempts": spec.max_attempts,
        "shuffle_choices": spec.shuffle_choices,
        "questions_per_attempt": spec.questions_per_attempt,
    }
    fresh = quiz is None
    if fresh:
        quiz = Quiz.objects.create(module=module, **settings)
        changed = True
    else:
        changed = _update(quiz, **settings)
    existing = [] if fresh else list(quiz.questions.all())
    for question in existing[len(spec.questions) :]:
        question.delete()
        changed = True
    _park_moved(Question, [(q, i + 1) for i, q in enumerate(existing[: len(spec.questions)])])
    for i, question_spec in enumerate(spec.questions):
        values = {
            "position": i + 1,
            "prompt": question_spec.prompt,
            "kind": question_spec.kind,
            "skill": skills[question_spec.skill],
            "explanation": question_spec.explanation,
        }
        if i < len(existing):
            question = existing[i]
            changed |= _update(question, **values)
            changed |= _write_choices(question, question_spec.choices, fresh=False)
        else:
            question = Question.objects.create(quiz=quiz, **values)
            _write_choices(question, question_spec.choices, fresh=True)
            changed = True
    return changed


def _write_lessons(module: Module, specs: list[_LessonSpec], fresh: bool) -> bool:
    existing = [] if fresh else list(module.lessons.all())
    changed = False
    for lesson in existing[len(specs) :]:
        lesson.delete()
        changed = True
    _park_moved(Lesson, [(lesson, i + 1) for i, lesson in enumerate(existing[: len(specs)])])
    for i, spec in enumerate(specs):
        values = {
            "position": i + 1,
            "title": spec.title,
            "body": spec.body,
            "video_url": spec.video_url,
            "minutes": spec.minutes,
        }
        if i < len(existing):
            changed |= _update(existing[i], **values)
        else:
            Lesson.objects.create(module=module, **values)
            changed = True
    return changed


def _write_course(spec: _FileSpec, skills: dict[str, Skill]) -> tuple[Course, str]:
    course_spec = spec.course
    course = Course.objects.select_for_update().filter(slug=course_spec.slug).first()
    created = course is None
    if created:
        course = Course.objects.create(
            slug=course_spec.slug, title=course_spec.title, summary=course_spec.summary
        )
        existing: dict[str, Module] = {}
        changed = True
    else:
        existing = _existing_modules(course)
        refusals = _refusals(spec, existing, _Usage.of(course))
        if refusals:
            raise CourseFileError(refusals)
        changed = _update(course, title=course_spec.title, summary=course_spec.summary)
    changed |= _set_skills(course.skills, course_spec.skills, skills)

    wanted = {module.slug for module in course_spec.modules}
    for slug, module in existing.items():
        if slug not in wanted:
            module.delete()
            changed = True
    targets = {module.slug: i + 1 for i, module in enumerate(course_spec.modules)}
    _park_moved(
        Module, [(module, targets[slug]) for slug, module in existing.items() if slug in wanted]
    )
    for i, module_spec in enumerate(course_spec.modules):
        values = {
            "position": i + 1,
            "title": module_spec.title,
            "objectives": module_spec.objectives,
            "coaching_questions": module_spec.coaching_questions,
            "coaching_behaviours": module_spec.coaching_behaviours,
            "practice_task": module_spec.practice_task,
        }
        module = existing.get(module_spec.slug)
        fresh = module is None
        if fresh:
            module = Module.objects.create(course=course, slug=module_spec.slug, **values)
            changed = True
        else:
            changed |= _update(module, **values)
        changed |= _set_skills(module.skills, module_spec.skills, skills)
        changed |= _write_lessons(module, module_spec.lessons, fresh)
        changed |= _write_quiz(module, module_spec.quiz, skills)

    if course_spec.status is not None and course.status != course_spec.status:
        # Through the lifecycle services, so a file publishes by the same rules as the admin.
        {
            Course.Status.PUBLISHED: course_publish,
            Course.Status.DRAFT: course_unpublish,
            Course.Status.ARCHIVED: course_archive,
        }[course_spec.status](course=course)
        course.refresh_from_db()
        changed = True
    return course, "created" if created else ("updated" if changed else "unchanged")


def _write_skills(specs: list[_SkillSpec]) -> dict[str, Skill]:
    skills = {skill.slug: skill for skill in Skill.objects.filter(slug__in={s.slug for s in specs})}
    for spec in specs:
        skill = skills.get(spec.slug)
        if skill is None:
            skills[spec.slug] = Skill.objects.create(
                slug=spec.slug, name=spec.name, description=spec.description
            )
        else:
            _update(skill, name=spec.name, description=spec.description)
    return skills


@dataclass
class ImportedCourse:
    course: Course
    source: str
    outcome: str  # created, updated or unchanged


def _import(specs: list[_FileSpec]) -> list[ImportedCourse]:
    errors: list[str] = []
    courses_seen: dict[str, _FileSpec] = {}
    skills_seen: dict[str, tuple[_FileSpec, _SkillSpec]] = {}
    for spec in specs:
        first = courses_seen.setdefault(spec.course.slug, spec)
        if first is not spec:
            errors.append(
                f"{spec.where((*spec.course.path, 'slug'))}: the course '{spec.course.slug}' is"
                f" also in {first.source}; import each course from one file"
            )
        for skill in spec.skills:
            first_file, first_skill = skills_seen.setdefault(skill.slug, (spec, skill))
            if (first_skill.name, first_skill.description) != (skill.name, skill.description):
                errors.append(
                    f"{spec.where(skill.path)}: skill '{skill.slug}' is declared differently in"
                    f" {first_file.source}; declare it the same way in both files"
                )
    if errors:
        raise CourseFileError(errors)
    skills = _write_skills([skill for _, skill in skills_seen.values()])
    imported = []
    for spec in specs:
        try:
            course, outcome = _write_course(spec, skills)
        except CourseFileError as exc:
            errors.extend(exc.errors)
            continue
        except ProtectedError:
            # Records of another app that the checks above cannot see by name.
            errors.append(
                f"{spec.where(spec.course.path)}: the import would delete content that other"
                f" records depend on; {_ADVICE}"
            )
            continue
        imported.append(ImportedCourse(course=course, source=spec.source, outcome=outcome))
    if errors:
        raise CourseFileError(errors)
    return imported


@transaction.atomic
def course_import(*, data: dict, source: str) -> Course:
    """Create the course in ``data``, or update it in place when its slug exists.

    Raises CourseFileError (a DomainError) listing every problem, each as ``file:line: field:
    problem``; nothing is written then. Importing the same data twice changes nothing.
    """
    return _import([_check_file(data, source)])[0].course


@transaction.atomic
def course_files_import(*, paths: Iterable[str | Path]) -> list[ImportedCourse]:
    """Import several course files all or nothing: one problem anywhere and none is written."""
    specs, errors = [], []
    for path in paths:
        try:
            specs.append(_check_file(course_file_load(path=path), str(path)))
        except CourseFileError as exc:
            errors.extend(exc.errors)
    if errors:
        raise CourseFileError(errors)
    return _import(specs)


# --- exporting ----------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent lists under their key, as people write them by hand.
        return super().increase_indent(flow, False)


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Block style keeps Markdown readable; PyYAML falls back to quotes where it cannot.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)


def course_export(*, course: Course) -> str:
    """The course as a course file that ``course_import`` reads back to the same course."""
    course = Course.objects.prefetch_related(
        "skills",
        Prefetch(
            "modules",
            queryset=Module.objects.select_related("quiz")
            .prefetch_related(
                "skills",
                "lessons",
                Prefetch(
                    "quiz__questions",
                    queryset=Question.objects.select_related("skill").prefetch_related("choices"),
                ),
            )
            .order_by("position"),
        ),
    ).get(pk=course.pk)
    skills: dict[str, Skill] = {skill.slug: skill for skill in course.skills.all()}
    modules = []
    for module in course.modules.all():
        skills.update((skill.slug, skill) for skill in module.skills.all())
        entry: dict[str, Any] = {
            "slug": module.slug,
            "title": module.title,
            "objectives": module.objectives,
            "skills": sorted(skill.slug for skill in module.skills.all()),
            "coaching_guide": {
                "questions_to_ask": list(module.coaching_questions or []),
                "behaviours_to_observe": list(module.coaching_behaviours or []),
                "practice_task": module.practice_task,
            },
            "lessons": [
                {
                    "title": lesson.title,
                    "minutes": lesson.minutes,
                    **({"video_url": lesson.video_url} if lesson.video_url else {}),
                    "body": lesson.body,
                }
                for lesson in module.lessons.all()
            ],
        }
        quiz = getattr(module, "quiz", None)
        if quiz is not None:
            questions = []
            for question in quiz.questions.all():
                skills[question.skill.slug] = question.skill
                questions.append(
                    {
                        "prompt": question.prompt,
                        "kind": str(question.kind),
                        "skill": question.skill.slug,
                        "explanation": question.explanation,
                        "choices": [
                            {"text": choice.text, "correct": choice.is_correct}
                            for choice in question.choices.all()
                        ],
                    }
                )
            entry["quiz"] = {
                "pass_mark": quiz.pass_mark,
                "max_attempts": quiz.max_attempts,
                "shuffle_choices": quiz.shuffle_choices,
                "questions_per_attempt": quiz.questions_per_attempt,
                "questions": questions,
            }
        modules.append(entry)
    document = {
        "skills": [
            {"slug": skill.slug, "name": skill.name, "description": skill.description}
            for skill in sorted(skills.values(), key=lambda s: s.slug)
        ],
        "course": {
            "slug": course.slug,
            "title": course.title,
            "summary": course.summary,
            "status": str(course.status),
            "skills": sorted(skill.slug for skill in course.skills.all()),
            "modules": modules,
        },
    }
    return yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000, indent=2
    )
