"""Input shape for the lesson, quiz and coaching-guide editors.

The rules are not written here: a question's choices and a quiz's settings are checked by
``lms.services.authoring`` (``question_rule_problems``, ``quiz_rule_problems``), video links by the
reader's own rule through ``lms.services.editors.video_link_problem``. These forms only parse
what the page sent and put each problem next to the field or question it is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.forms.models import model_to_dict

from lms.content_forms import AuthoringForm, ModuleForm
from lms.models import Lesson, Question, Quiz, Skill
from lms.services.authoring import question_rule_problems, quiz_rule_problems
from lms.services.editors import (
    ChoiceDraft,
    QuestionDraft,
    QuizSettings,
    video_link_problem,
)

# How many questions and choices one page may send: far above any real quiz, and a bound on
# the work a hostile form can ask for.
MAX_QUESTIONS = 200
MAX_CHOICES = 12
NEW_CHOICE_ROWS = 2


class BadEditorInput(Exception):
    """The form's structure is not one this page drew (a 400, not a form error)."""


# --- lessons -------------------------------------------------------------------------------------


class LessonForm(AuthoringForm):
    video_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Video link",
        help_text="A YouTube or Vimeo address plays inside the lesson.",
    )
    plain_video_link = forms.BooleanField(
        required=False,
        label="Show it as a plain link instead",
        help_text="For a video hosted elsewhere: reps get a “Watch the video” link.",
    )

    class Meta:
        model = Lesson
        fields = ("title", "minutes", "video_url", "body")
        labels = {"minutes": "Estimated minutes", "body": "Text (Markdown)"}
        help_texts = {
            "body": "Headings with #, lists with -, **bold**, [links](https://…). Scripts and"
            " raw HTML are removed."
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 18})}

    def clean(self):
        cleaned = super().clean()
        problem = video_link_problem(cleaned.get("video_url") or "")
        if problem and not cleaned.get("plain_video_link"):
            self.add_error("video_url", problem)
        return cleaned


class MarkdownPreviewForm(forms.Form):
    """What the live preview reads: the text being typed and the video link."""

    body = forms.CharField(required=False, max_length=200_000)
    video_url = forms.CharField(required=False, max_length=2_000)


# --- coaching guides -----------------------------------------------------------------------------


class GuideForm(ModuleForm):
    """The coaching-guide part of the module form the back office uses: the same fields, lines
    and labels."""

    class Meta(ModuleForm.Meta):
        fields = ("coaching_questions", "coaching_behaviours", "practice_task")
        labels = {"practice_task": "Practice task"}
        help_texts = {"practice_task": "What the rep practises before the next session."}
        widgets = {"practice_task": forms.Textarea(attrs={"rows": 4})}


# --- quizzes -------------------------------------------------------------------------------------


class QuizSettingsForm(forms.ModelForm):
    class Meta:
        model = Quiz
        fields = (
            "pass_mark",
            "max_attempts",
            "questions_per_attempt",
            "shuffle_choices",
            "review_policy",
        )
        labels = {
            "pass_mark": "Pass mark (%)",
            "max_attempts": "Attempts",
            "questions_per_attempt": "Questions per attempt",
            "shuffle_choices": "Shuffle the choices for each attempt",
            "review_policy": "Show the right answers",
        }


class QuestionForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    prompt = forms.CharField(
        label="Question", widget=forms.Textarea(attrs={"rows": 2}), max_length=2_000
    )
    kind = forms.ChoiceField(label="Kind", choices=Question.Kind.choices)
    skill = forms.TypedChoiceField(label="Skill", coerce=int)
    explanation = forms.CharField(
        label="Explanation",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown to the rep after the attempt.",
    )

    def __init__(self, *args, skill_choices: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["skill"].choices = skill_choices


class ChoiceForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(label="Choice", required=False, max_length=500)
    is_correct = forms.BooleanField(label="Correct", required=False)


@dataclass
class QuestionRow:
    """One question of the editor: its form, its choices' forms and what is wrong with it."""

    form: QuestionForm
    choices: list[ChoiceForm]
    answered: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def number(self) -> int:
        return int(self.form.prefix[1:]) + 1


def _raw(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key, "")
    return value if isinstance(value, str) else ""


def _count(data: Mapping[str, Any], key: str, limit: int) -> int:
    try:
        count = int(_raw(data, key) or 0)
    except ValueError as error:
        raise BadEditorInput(f"{key} is not a number") from error
    if not 0 <= count <= limit:
        raise BadEditorInput(f"{key} is out of range")
    return count


def quiz_state_from(data: Mapping[str, Any]) -> list[dict]:
    """The questions as the page sent them, unchecked: each a dict of its raw fields, with a
    list of its choices. Raises BadEditorInput for a structure the page never draws."""
    questions = []
    for i in range(_count(data, "question_count", MAX_QUESTIONS)):
        prefix = f"q{i}"
        choices = [
            {
                "id": _raw(data, f"{prefix}-c{j}-id"),
                "text": _raw(data, f"{prefix}-c{j}-text"),
                "is_correct": bool(_raw(data, f"{prefix}-c{j}-is_correct")),
            }
            for j in range(_count(data, f"{prefix}-choice_count", MAX_CHOICES))
        ]
        questions.append(
            {
                "id": _raw(data, f"{prefix}-id"),
                "prompt": _raw(data, f"{prefix}-prompt"),
                "kind": _raw(data, f"{prefix}-kind"),
                "skill": _raw(data, f"{prefix}-skill"),
                "explanation": _raw(data, f"{prefix}-explanation"),
                "choices": choices,
            }
        )
    return questions


def quiz_state_of(quiz: Quiz | None) -> list[dict]:
    """The stored questions in the same shape (questions and choices prefetched)."""
    if quiz is None or quiz.pk is None:
        return []
    return [
        {
            "id": str(question.pk),
            "prompt": question.prompt,
            "kind": question.kind,
            "skill": str(question.skill_id),
            "explanation": question.explanation,
            "choices": [
                {"id": str(c.pk), "text": c.text, "is_correct": c.is_correct}
                for c in question.choices.all()
            ],
        }
        for question in quiz.questions.all()
    ]


def new_question(*, skill: str) -> dict:
    blank = {"id": "", "text": "", "is_correct": False}
    return {
        "id": "",
        "prompt": "",
        "kind": Question.Kind.SINGLE,
        "skill": skill,
        "explanation": "",
        "choices": [dict(blank) for _ in range(NEW_CHOICE_ROWS)],
    }


def quiz_state_apply(state: list[dict], action: str, *, default_skill: str) -> list[dict]:
    """The questions after one of the page's buttons: ``add_question``, ``add_choice:Q``,
    ``remove_question:Q``, ``remove_choice:Q:C`` (rows counted from 0). Nothing is saved: a
    removed row that was stored is deleted when the quiz is saved. Raises BadEditorInput for
    an action the page never draws."""
    verb, _, rest = action.partition(":")
    try:
        where = [int(part) for part in rest.split(":")] if rest else []
        if any(index < 0 for index in where):
            raise IndexError(action)
        if verb == "add_question" and not where:
            if len(state) >= MAX_QUESTIONS:
                raise BadEditorInput("too many questions")
            skill = state[-1]["skill"] if state else default_skill
            return [*state, new_question(skill=skill)]
        if verb == "remove_question" and len(where) == 1:
            del state[where[0]]
            return state
        if verb == "add_choice" and len(where) == 1:
            choices = state[where[0]]["choices"]
            if len(choices) >= MAX_CHOICES:
                raise BadEditorInput("too many choices")
            choices.append({"id": "", "text": "", "is_correct": False})
            return state
        if verb == "remove_choice" and len(where) == 2:
            choices = state[where[0]]["choices"]
            choices.pop(where[1])
            return state
    except (ValueError, IndexError) as error:
        raise BadEditorInput(f"no such row: {action}") from error
    raise BadEditorInput(f"unknown action: {action}")


def _encode(state: list[dict]) -> dict[str, str]:
    data = {"question_count": str(len(state))}
    for i, question in enumerate(state):
        prefix = f"q{i}"
        for name in ("id", "prompt", "kind", "skill", "explanation"):
            data[f"{prefix}-{name}"] = question[name]
        data[f"{prefix}-choice_count"] = str(len(question["choices"]))
        for j, choice in enumerate(question["choices"]):
            data[f"{prefix}-c{j}-id"] = choice["id"]
            data[f"{prefix}-c{j}-text"] = choice["text"]
            if choice["is_correct"]:
                data[f"{prefix}-c{j}-is_correct"] = "on"
    return data


def _is_blank_choice(choice: dict) -> bool:
    return not choice["id"] and not choice["text"].strip() and not choice["is_correct"]


def _is_blank_question(question: dict) -> bool:
    return (
        not question["id"]
        and not question["prompt"].strip()
        and not question["explanation"].strip()
        and all(_is_blank_choice(choice) for choice in question["choices"])
    )


class QuizEditor:
    """The whole quiz on one page: settings, and every question with its choices.

    ``state`` is the questions as raw values (``quiz_state_from`` or ``quiz_state_of``). Bound
    (``data`` given), the forms are checked and carry their errors; unbound, they only show the
    state, as after adding or removing a row, where a half-typed new row is not yet wrong.
    New rows left empty are not questions or choices: they are dropped when saving.
    """

    def __init__(
        self,
        *,
        state: list[dict],
        quiz: Quiz,
        skills: list[Skill],
        answered_ids: set[int],
        post: Mapping[str, Any] | None = None,
        bound: bool = False,
    ) -> None:
        self.state = state
        self.skills = {skill.pk: skill for skill in skills}
        self.bound = bound
        skill_choices = [(skill.pk, skill.name) for skill in skills]
        data = _encode(state) if bound else None
        # The settings are read from the page, never written onto the stored quiz by the form:
        # saving is the service's.
        if bound:
            self.settings = QuizSettingsForm(post)
        elif post is not None:
            self.settings = QuizSettingsForm(
                initial={name: post.get(name) for name in QuizSettingsForm._meta.fields or ()}
            )
        else:
            self.settings = QuizSettingsForm(
                initial=model_to_dict(quiz, fields=QuizSettingsForm._meta.fields)
            )
        self.rows = []
        for i, question in enumerate(state):
            prefix = f"q{i}"
            # A new row left empty is dropped on saving, so it is never "required" either.
            row_data = None if _is_blank_question(question) else data
            self.rows.append(
                QuestionRow(
                    form=QuestionForm(
                        row_data, prefix=prefix, initial=question, skill_choices=skill_choices
                    ),
                    choices=[
                        ChoiceForm(row_data, prefix=f"{prefix}-c{j}", initial=choice)
                        for j, choice in enumerate(question["choices"])
                    ],
                    answered=question["id"].isdigit() and int(question["id"]) in answered_ids,
                )
            )

    def _kept(self) -> list[tuple[QuestionRow, list[ChoiceForm]]]:
        """The rows that are questions, each with its choice forms that are choices."""
        kept = []
        for row, question in zip(self.rows, self.state, strict=True):
            if _is_blank_question(question):
                continue
            pairs = zip(row.choices, question["choices"], strict=True)
            kept.append((row, [form for form, raw in pairs if not _is_blank_choice(raw)]))
        return kept

    def is_valid(self) -> bool:
        """Every form well formed and every rule met; problems are put where they belong."""
        valid = self.settings.is_valid()
        kept = self._kept()
        for row, choices in kept:
            if not row.form.is_valid() or not all(choice.is_valid() for choice in choices):
                valid = False
                continue
            if any(not choice.cleaned_data["text"].strip() for choice in choices):
                row.problems.append("A choice has no text: write it or remove it.")
            row.problems.extend(
                problem[0].upper() + problem[1:] + "."
                for problem in question_rule_problems(
                    kind=row.form.cleaned_data["kind"],
                    choice_count=len(choices),
                    correct_count=sum(bool(c.cleaned_data["is_correct"]) for c in choices),
                )
            )
            valid = valid and not row.problems
        if self.settings.is_valid():
            for name, message in quiz_rule_problems(
                pass_mark=self.settings.cleaned_data["pass_mark"],
                questions_per_attempt=self.settings.cleaned_data["questions_per_attempt"],
                question_count=len(kept),
            ):
                self.settings.add_error(
                    name if name in self.settings.fields else None,
                    message[0].upper() + message[1:] + ".",
                )
                valid = False
        return valid

    def drafts(self) -> tuple[QuizSettings, list[QuestionDraft]]:
        """The checked quiz in the shape ``quiz_save`` takes (after ``is_valid()``)."""
        settings = QuizSettings(**self.settings.cleaned_data)
        questions = []
        for row, choices in self._kept():
            cleaned = row.form.cleaned_data
            skill = self.skills.get(cleaned["skill"])
            if skill is None:
                raise BadEditorInput("unknown skill")
            questions.append(
                QuestionDraft(
                    id=cleaned["id"],
                    prompt=cleaned["prompt"],
                    kind=cleaned["kind"],
                    skill=skill,
                    explanation=cleaned["explanation"],
                    choices=[
                        ChoiceDraft(
                            id=c.cleaned_data["id"],
                            text=c.cleaned_data["text"],
                            is_correct=c.cleaned_data["is_correct"],
                        )
                        for c in choices
                    ],
                )
            )
        return settings, questions

    @property
    def problem_count(self) -> int:
        rows = sum(bool(row.problems or row.form.errors) for row in self.rows)
        return rows + bool(self.settings.errors)
