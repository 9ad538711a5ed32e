"""The shape of a course file, as pydantic models, and its problems told by file, line and field.

Each model forbids unknown fields and takes values as written (``strict``: ``"6"`` is not a
number, ``1`` is not true). Besides the shape, the models check what a file can get wrong
that the admin could not: skills used but not declared, a slug used twice. The publishing
rules (a single-choice question has one correct choice, a pass mark between 1 and 100 %, ...)
come from ``lms.services.authoring``, so a file and the admin refuse the same things with the
same words; they are checked on each part once its own shape is right.

``course_file_check`` validates a parsed file and turns pydantic's errors into the messages
authors read: ``discovery.yaml:42: course.modules[1].quiz.pass_mark: the pass mark must be
between 1 and 100 %``, in the order of the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, TypeVar, get_args

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from lms.course_files.reader import CourseFileData, CourseFileError, FieldPath
from lms.models import Course, Question, Quiz
from lms.services.authoring import (
    course_rule_problems,
    module_rule_problems,
    question_rule_problems,
    quiz_rule_problems,
)

T = TypeVar("T")

_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_url_validator = URLValidator(schemes=["http", "https"])


def _kind_of(value: Any) -> str:
    """What an author wrote, in their words: ``text``, ``a number``, ``a list``, ..."""
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


def _problem(error_type: str, template: str, /, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(error_type, template, ctx)


def _refuse(model: str, problems: Iterable[tuple[FieldPath, str]]) -> None:
    """Raise each problem at its own field below the model being validated, if any."""
    details = [
        InitErrorDetails(type=_problem("rule", "{problem}", problem=message), loc=loc, input=None)
        for loc, message in problems
    ]
    if details:
        raise ValidationError.from_exception_data(model, details)


# --- value types --------------------------------------------------------------------------------


def _empty_text(value: Any) -> Any:
    # Left blank in YAML (``summary:``) means no text.
    return "" if value is None else value


def _empty_list(value: Any) -> Any:
    return [] if value is None else value


def _empty_mapping(value: Any) -> Any:
    return {} if value is None else value


def _filled(value: str) -> str:
    if not value.strip():
        raise _problem("empty", "must not be empty")
    return value


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise _problem("slug", "must be a slug: letters, digits, hyphens and underscores")
    return value


def _web_address(value: str) -> str:
    value = value.strip()
    if value:
        try:
            _url_validator(value)
        except DjangoValidationError:
            raise _problem(
                "url", "must be a web address starting with https:// or http://"
            ) from None
    return value


def _one_of(options: Iterable[str]) -> Callable[[Any], Any]:
    allowed = list(options)

    def check(value: Any) -> Any:
        if value not in allowed:
            shown = value if isinstance(value, str) else _kind_of(value)
            raise _problem(
                "option",
                "must be one of {options}, not {shown}",
                options=", ".join(allowed),
                shown=shown,
            )
        return value

    return check


def _line_of_text(value: Any) -> Any:
    if not isinstance(value, str) or not value.strip():
        raise _problem("line", "must be a line of text, not {kind}", kind=_kind_of(value))
    return value


def _declared(info: ValidationInfo) -> set[str]:
    return (info.context or {}).get("declared", set())


def _skill_declared(value: str, info: ValidationInfo) -> str:
    if value not in _declared(info):
        raise _problem(
            "unknown_skill",
            "unknown skill '{slug}'; declare it in the skills list at the top of the file",
            slug=value,
        )
    return value


def _skill_reference(value: Any, info: ValidationInfo) -> Any:
    if not isinstance(value, str):
        raise _problem("skill_slug", "must be a skill slug, not {kind}", kind=_kind_of(value))
    return _skill_declared(value, info)


def _without_repeats(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


# Lengths are the database's; checks of our own raise errors that already speak to an author.
Text = Annotated[str, BeforeValidator(_empty_text)]
RequiredText = Annotated[str, BeforeValidator(_empty_text), AfterValidator(_filled)]
Name = Annotated[str, BeforeValidator(_empty_text), Field(max_length=100), AfterValidator(_filled)]
Title = Annotated[str, BeforeValidator(_empty_text), Field(max_length=200), AfterValidator(_filled)]
ChoiceText = Annotated[
    str, BeforeValidator(_empty_text), Field(max_length=500), AfterValidator(_filled)
]
Slug = Annotated[
    str,
    BeforeValidator(_empty_text),
    Field(max_length=50),
    AfterValidator(_filled),
    AfterValidator(_slug),
]
WebAddress = Annotated[
    str, BeforeValidator(_empty_text), Field(max_length=200), AfterValidator(_web_address)
]
Count = Annotated[int, Field(ge=1)]
Items = Annotated[list[T], BeforeValidator(_empty_list)]
Lines = Annotated[
    list[Annotated[str, BeforeValidator(_line_of_text)]], BeforeValidator(_empty_list)
]
SkillRef = Annotated[
    str, BeforeValidator(_empty_text), AfterValidator(_filled), AfterValidator(_skill_declared)
]
SkillRefs = Annotated[
    list[Annotated[str, BeforeValidator(_skill_reference)]],
    BeforeValidator(_empty_list),
    AfterValidator(_without_repeats),
]


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def _slugs_repeated(
    items: Sequence[SkillSpec | ModuleSpec], message: str
) -> list[tuple[FieldPath, str]]:
    """Each item whose slug an earlier one already has, told at its slug by ``message``."""
    seen: set[str] = set()
    problems: list[tuple[FieldPath, str]] = []
    for i, item in enumerate(items):
        if item.slug in seen:
            problems.append(((i, "slug"), message.format(slug=item.slug)))
        seen.add(item.slug)
    return problems


# --- the models, from the leaves up -------------------------------------------------------------


class SkillSpec(Spec):
    slug: Slug
    name: Name
    description: Text = ""


class ChoiceSpec(Spec):
    text: ChoiceText
    correct: bool = False


class QuestionSpec(Spec):
    prompt: RequiredText
    kind: Annotated[str, BeforeValidator(_one_of(Question.Kind.values))]
    skill: SkillRef
    choices: Items[ChoiceSpec]
    explanation: Text = ""

    @model_validator(mode="after")
    def _choices_fit_the_kind(self) -> QuestionSpec:
        problems = question_rule_problems(
            kind=self.kind,
            choice_count=len(self.choices),
            correct_count=sum(choice.correct for choice in self.choices),
        )
        _refuse("question", ((("choices",), problem) for problem in problems))
        return self


class QuizSpec(Spec):
    questions: Items[QuestionSpec]
    # The range of the pass mark is a publishing rule, checked below with the others.
    pass_mark: int = 80
    max_attempts: Count = 3
    shuffle_choices: bool = True
    questions_per_attempt: Count | None = None
    # When the right answers are shown; optional, so older files keep the default.
    review_policy: Annotated[str, BeforeValidator(_one_of(Quiz.ReviewPolicy.values))] = (
        Quiz.ReviewPolicy.PASSED_OR_EXHAUSTED.value
    )

    @model_validator(mode="after")
    def _publishable(self) -> QuizSpec:
        problems = quiz_rule_problems(
            pass_mark=self.pass_mark,
            questions_per_attempt=self.questions_per_attempt,
            question_count=len(self.questions),
        )
        _refuse("quiz", (((field,), problem) for field, problem in problems))
        return self


class LessonSpec(Spec):
    title: Title
    minutes: Count = 5
    video_url: WebAddress = ""
    body: Text = ""


class CoachingGuideSpec(Spec):
    questions_to_ask: Lines = []
    behaviours_to_observe: Lines = []
    practice_task: Text = ""


class ModuleSpec(Spec):
    slug: Slug
    title: Title
    objectives: Text = ""
    skills: SkillRefs = []
    coaching_guide: Annotated[CoachingGuideSpec, BeforeValidator(_empty_mapping)] = Field(
        default_factory=CoachingGuideSpec
    )
    lessons: Items[LessonSpec] = []
    quiz: QuizSpec | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> ModuleSpec:
        problems = module_rule_problems(
            lesson_count=len(self.lessons), has_quiz=self.quiz is not None
        )
        _refuse("module", (((), problem) for problem in problems))
        return self


class CourseSpec(Spec):
    slug: Slug
    title: Title
    modules: Items[ModuleSpec]
    summary: Text = ""
    # Left alone when absent.
    status: Annotated[str | None, BeforeValidator(_one_of(Course.Status.values))] = None
    skills: SkillRefs = []

    @field_validator("modules")
    @classmethod
    def _modules_apart(cls, modules: list[ModuleSpec]) -> list[ModuleSpec]:
        problems: list[tuple[FieldPath, str]] = [
            ((), problem) for problem in course_rule_problems(module_count=len(modules))
        ]
        problems += _slugs_repeated(modules, "another module already uses the slug '{slug}'")
        _refuse("modules", problems)
        return modules


class FileSpec(Spec):
    course: CourseSpec
    skills: Items[SkillSpec] = []

    @field_validator("skills")
    @classmethod
    def _declared_once(cls, skills: list[SkillSpec]) -> list[SkillSpec]:
        _refuse("skills", _slugs_repeated(skills, "skill '{slug}' is declared twice"))
        return skills


# --- checking a parsed file ---------------------------------------------------------------------


def _spec_in(annotation: Any) -> type[Spec] | None:
    if isinstance(annotation, type) and issubclass(annotation, Spec):
        return annotation
    for arg in get_args(annotation):
        found = _spec_in(arg)
        if found is not None:
            return found
    return None


def _model_at(loc: tuple[int | str, ...]) -> type[Spec] | None:
    """The model that validates the value at ``loc`` (list positions pass through)."""
    model: type[Spec] | None = FileSpec
    for part in loc:
        if isinstance(part, int):
            continue
        if model is None or part not in model.model_fields:
            return None
        model = _spec_in(model.model_fields[part].annotation)
    return model


def _fields(model: type[Spec] | None) -> tuple[list[str], list[str]]:
    """The model's required fields, then its optional ones, as an author writes them."""
    if model is None:
        return [], []
    fields = model.model_fields
    required = [name for name, info in fields.items() if info.is_required()]
    return required, [name for name in fields if name not in required]


def _message(error: ErrorDetails) -> str:
    kind, value, ctx, loc = error["type"], error["input"], error.get("ctx") or {}, error["loc"]
    if kind == "missing":
        return "this required field is missing"
    if kind == "extra_forbidden":
        required, optional = _fields(_model_at(loc[:-1]))
        return f"unknown field; expected one of: {', '.join([*required, *optional])}"
    if kind == "model_type":
        required, _ = _fields(_model_at(loc))
        with_fields = f" with {', '.join(required)}" if required else ""
        return f"must be a mapping{with_fields}, not {_kind_of(value)}"
    if kind == "string_type":
        return f"must be text, not {_kind_of(value)} (put it in quotes)"
    if kind == "int_type":
        return f"must be a whole number, not {_kind_of(value)}"
    if kind == "bool_type":
        return f"must be true or false, not {_kind_of(value)}"
    if kind == "list_type":
        return f"must be a list, not {_kind_of(value)}"
    if kind in ("string_too_long", "too_long"):
        length = ctx.get("actual_length", len(value) if isinstance(value, str) else 0)
        return f"must be at most {ctx['max_length']} characters long, not {length}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx['ge']}, not {value}"
    # The file's own problems (custom errors) carry the words an author reads.
    return error["msg"]


def _skills_declared(data: dict) -> set[str]:
    """The skill slugs the file declares, whatever else is wrong with their entries."""
    skills = data.get("skills")
    return {
        item["slug"]
        for item in (skills if isinstance(skills, list) else [])
        if isinstance(item, dict) and isinstance(item.get("slug"), str)
    }


def course_file_check(data: CourseFileData) -> FileSpec:
    """The file's content, checked; raises CourseFileError listing every problem in file order."""
    try:
        return FileSpec.model_validate(data, context={"declared": _skills_declared(data)})
    except ValidationError as exc:
        found = [
            (data.line(error["loc"]) or 0, f"{data.where(error['loc'])}: {_message(error)}")
            for error in exc.errors(include_url=False)
        ]
    # In the order of the file, so an author can work down it.
    raise CourseFileError([message for _line, message in sorted(found, key=lambda f: f[0])])
