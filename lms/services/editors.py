"""The authoring editors' writes: a lesson, a module's quiz as one whole, a coaching guide.

Each is one transaction that checks every rule before it writes anything, so a refused save
leaves the content as it was. The rules themselves live in ``lms.services.authoring`` (questions
and quizzes) and ``lms.content`` (which video links embed); this module only applies them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max, Model

from config.errors import DomainError
from lms.content import video_embed_url
from lms.models import AttemptAnswer, Choice, Lesson, Module, Question, Quiz, Skill
from lms.services.authoring import positions_make_room, question_rule_problems, quiz_rule_problems

VIDEO_HOSTS_HINT = (
    "only YouTube and Vimeo videos play inside a lesson (https://www.youtube.com/watch?v=…,"
    " https://youtu.be/… or https://vimeo.com/123456789)"
)


class QuizNotSaved(DomainError):
    """The quiz breaks a rule; ``problems`` lists each as a sentence. Nothing was written."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("The quiz was not saved: " + "; ".join(problems) + ".")


class VideoNotEmbeddable(DomainError):
    """A video link the lesson reader would not play in the page."""


# --- lessons -------------------------------------------------------------------------------------


def video_link_problem(url: str) -> str | None:
    """Why a lesson's video link will not play inside the lesson, or None when it will (or
    there is none). The reader's own rule decides: ``lms.content.video_embed_url``."""
    if not url or video_embed_url(url) is not None:
        return None
    return f"This link will not play inside the lesson: {VIDEO_HOSTS_HINT}."


def _saved_if_changed(obj: Model, values: dict) -> bool:
    """Write only the fields that differ, so an unchanged row records no new history."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed or obj.pk is None:
        obj.save(update_fields=changed if obj.pk is not None else None)
    return bool(changed)


@transaction.atomic
def lesson_save(
    *,
    module: Module,
    lesson: Lesson | None = None,
    title: str,
    body: str,
    video_url: str = "",
    minutes: int,
    plain_video_link: bool = False,
) -> Lesson:
    """Create a lesson at the end of ``module`` (``lesson`` None) or change one of its lessons.

    The sanitised HTML comes from the Markdown on save, as for every lesson (``Lesson.save``).
    Raises VideoNotEmbeddable for a video link that will not play in the page, unless the author
    chose to show it as a plain link (``plain_video_link``), as the reader then does.
    """
    problem = video_link_problem(video_url)
    if problem and not plain_video_link:
        raise VideoNotEmbeddable(problem)
    if minutes < 1:
        raise DomainError("A lesson takes at least one minute.")
    values = {"title": title, "body": body, "video_url": video_url, "minutes": minutes}
    if lesson is not None:
        if lesson.module_id != module.pk:
            raise DomainError("That lesson is not in this module.")
        _saved_if_changed(lesson, values)
        return lesson
    # The module row is locked so two authors adding lessons at once never take one position.
    Module.objects.select_for_update().filter(pk=module.pk).first()
    last = Lesson.objects.filter(module=module).aggregate(last=Max("position"))["last"] or 0
    return Lesson.objects.create(module=module, position=last + 1, **values)


# --- coaching guides -----------------------------------------------------------------------------


def _items(lines: Iterable[str]) -> list[str]:
    return [line.strip() for line in lines if line and line.strip()]


@transaction.atomic
def module_guide_save(
    *, module: Module, questions: Iterable[str], behaviours: Iterable[str], practice_task: str
) -> Module:
    """Set a module's coaching guide: what the coach asks, watches for and sets as practice.
    Blank items are dropped; the order given is kept."""
    _saved_if_changed(
        module,
        {
            "coaching_questions": _items(questions),
            "coaching_behaviours": _items(behaviours),
            "practice_task": practice_task.strip(),
        },
    )
    return module


# --- quizzes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceDraft:
    text: str
    is_correct: bool = False
    id: int | None = None


@dataclass(frozen=True)
class QuestionDraft:
    prompt: str
    skill: Skill
    kind: str = Question.Kind.SINGLE
    explanation: str = ""
    choices: list[ChoiceDraft] = field(default_factory=list)
    id: int | None = None


@dataclass(frozen=True)
class QuizSettings:
    pass_mark: int
    max_attempts: int
    questions_per_attempt: int | None = None
    shuffle_choices: bool = True
    review_policy: str = Quiz.ReviewPolicy.PASSED_OR_EXHAUSTED


def _label(number: int, prompt: str) -> str:
    short = prompt if len(prompt) <= 60 else prompt[:59] + "…"
    return f"Question {number} (“{short}”)"


def quiz_draft_problems(*, settings: QuizSettings, questions: list[QuestionDraft]) -> list[str]:
    """Every rule the drafted quiz breaks, as sentences naming the question (empty when none)."""
    problems = [
        f"the quiz {message}" if field_name == "questions_per_attempt" else message
        for field_name, message in quiz_rule_problems(
            pass_mark=settings.pass_mark,
            questions_per_attempt=settings.questions_per_attempt,
            question_count=len(questions),
        )
    ]
    if settings.max_attempts < 1:
        problems.append("a rep needs at least one attempt")
    for number, question in enumerate(questions, start=1):
        if not question.prompt.strip():
            problems.append(f"Question {number} has no text")
        if any(not choice.text.strip() for choice in question.choices):
            problems.append(f"{_label(number, question.prompt)}: a choice has no text")
        problems.extend(
            f"{_label(number, question.prompt)}: {message}"
            for message in question_rule_problems(
                kind=question.kind,
                choice_count=len(question.choices),
                correct_count=sum(choice.is_correct for choice in question.choices),
            )
        )
    return problems


def _place(rows: list, model: type[Model]) -> None:
    """Park the rows that move, so none ever shares a position with another on the way."""
    positions_make_room(
        model=model,
        pks=[obj.pk for position, obj in enumerate(rows, start=1) if obj.position != position],
    )


def _write_choices(question: Question, drafts: list[ChoiceDraft]) -> None:
    existing = {choice.pk: choice for choice in question.choices.all()}
    wanted = {draft.id for draft in drafts if draft.id is not None}
    unknown = wanted - existing.keys()
    if unknown:
        raise DomainError("A choice in the form belongs to another question; reload the page.")
    for pk, choice in existing.items():
        if pk not in wanted:
            choice.delete()
    _place([existing[draft.id] for draft in drafts if draft.id is not None], Choice)
    for position, draft in enumerate(drafts, start=1):
        values = {"position": position, "text": draft.text.strip(), "is_correct": draft.is_correct}
        choice = existing[draft.id] if draft.id is not None else Choice(question=question)
        _saved_if_changed(choice, values)


def _quiz_locked(module: Module, settings: QuizSettings) -> Quiz:
    Module.objects.select_for_update().filter(pk=module.pk).first()
    quiz = Quiz.objects.select_for_update().filter(module=module).first()
    return quiz or Quiz(module=module, **vars(settings))


@transaction.atomic
def quiz_save(*, module: Module, settings: QuizSettings, questions: list[QuestionDraft]) -> Quiz:
    """Make ``module``'s quiz (created when it has none) exactly the drafted one: its settings,
    its questions in the order given with their choices; questions and choices left out are
    deleted. All of it or, on any refusal, nothing.

    Raises QuizNotSaved listing every rule broken (``quiz_draft_problems``), and DomainError for
    a question left out that reps have answered (their records keep it: today's rule for any
    content with learner data) or for ids that are not this quiz's.
    """
    problems = quiz_draft_problems(settings=settings, questions=questions)
    if problems:
        raise QuizNotSaved(problems)
    quiz = _quiz_locked(module, settings)
    existing = (
        {question.pk: question for question in quiz.questions.prefetch_related("choices")}
        if quiz.pk
        else {}
    )
    wanted = {draft.id for draft in questions if draft.id is not None}
    if wanted - existing.keys():
        raise DomainError("A question in the form belongs to another quiz; reload the page.")
    dropped = [question for pk, question in existing.items() if pk not in wanted]
    answered = set(
        AttemptAnswer.objects.filter(question__in=dropped).values_list("question_id", flat=True)
    )
    if answered:
        named = "; ".join(
            _label(question.position, question.prompt)
            for question in dropped
            if question.pk in answered
        )
        raise DomainError(
            f"{named}: reps have answered it, so it cannot be deleted; their training record"
            " keeps it. Keep the question (you may reword it), or archive the course instead."
        )
    _saved_if_changed(quiz, vars(settings))
    for question in dropped:
        question.delete()
    _place([existing[draft.id] for draft in questions if draft.id is not None], Question)
    for position, draft in enumerate(questions, start=1):
        question = existing[draft.id] if draft.id is not None else Question(quiz=quiz)
        _saved_if_changed(
            question,
            {
                "position": position,
                "prompt": draft.prompt.strip(),
                "kind": draft.kind,
                "skill_id": draft.skill.pk,
                "explanation": draft.explanation.strip(),
            },
        )
        _write_choices(question, draft.choices)
    return quiz
