"""The editors' writes (lms.services.editors): every rule, and all-or-nothing saves."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.errors import DomainError
from lms.models import AttemptAnswer, Choice, Lesson, Question, Quiz
from lms.services import attempt_start, attempt_submit
from lms.services.editors import (
    ChoiceDraft,
    QuestionDraft,
    QuizNotSaved,
    QuizSettings,
    VideoNotEmbeddable,
    lesson_save,
    module_guide_save,
    quiz_save,
    video_link_problem,
)
from tests.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    RepFactory,
    SkillFactory,
    build_module,
    correct_answers,
)

pytestmark = pytest.mark.django_db

SETTINGS = QuizSettings(pass_mark=80, max_attempts=3)


def single(prompt: str, skill, *, right: int = 0, count: int = 3, **kwargs) -> QuestionDraft:
    return QuestionDraft(
        prompt=prompt,
        skill=skill,
        choices=[ChoiceDraft(text=f"{prompt} {n}", is_correct=n == right) for n in range(count)],
        **kwargs,
    )


def stored(quiz: Quiz) -> list[tuple[str, list[tuple[str, bool]]]]:
    return [
        (q.prompt, [(c.text, c.is_correct) for c in q.choices.order_by("position")])
        for q in quiz.questions.order_by("position")
    ]


# --- lessons ---------------------------------------------------------------------------------


def test_a_new_lesson_goes_last_with_its_html_sanitised():
    module = ModuleFactory(course=CourseFactory(status="draft"))
    LessonFactory(module=module, position=1)
    lesson = lesson_save(
        module=module,
        title="Why ask",
        body="Ask **first**.\n\n<script>alert('x')</script>",
        minutes=7,
    )
    lesson.refresh_from_db()
    assert lesson.position == 2
    assert "<strong>first</strong>" in lesson.body_html
    assert "<script" not in lesson.body_html and "alert" not in lesson.body_html


def test_editing_a_lesson_renders_its_html_again():
    lesson = LessonFactory(body="old")
    lesson_save(module=lesson.module, lesson=lesson, title="T", body="*new*", minutes=3)
    lesson.refresh_from_db()
    assert lesson.body_html == "<p><em>new</em></p>" and lesson.minutes == 3


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtu.be/dQw4w9WgXcQ",
        "https://vimeo.com/123456789",
        "",
    ],
)
def test_allow_listed_videos_embed(url):
    assert video_link_problem(url) is None
    lesson = lesson_save(module=ModuleFactory(), title="V", body="", video_url=url, minutes=2)
    assert lesson.video_url == url


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/video.mp4",
        "http://www.youtube.com/watch?v=dQw4w9WgXcQ",  # not https: the reader will not embed it
        "https://www.youtube.com/playlist?list=abc",
    ],
)
def test_a_link_that_will_not_embed_is_refused_unless_kept_as_a_plain_link(url):
    module = ModuleFactory()
    assert "will not play inside the lesson" in video_link_problem(url)
    with pytest.raises(VideoNotEmbeddable):
        lesson_save(module=module, title="V", body="", video_url=url, minutes=2)
    assert not Lesson.objects.filter(module=module).exists()
    lesson = lesson_save(
        module=module, title="V", body="", video_url=url, minutes=2, plain_video_link=True
    )
    assert lesson.video_url == url


def test_a_lesson_of_another_module_is_refused():
    lesson = LessonFactory()
    with pytest.raises(DomainError):
        lesson_save(module=ModuleFactory(), lesson=lesson, title="T", body="", minutes=2)


# --- coaching guides -------------------------------------------------------------------------


def test_the_guide_keeps_its_items_in_order_without_blanks():
    module = ModuleFactory()
    module_guide_save(
        module=module,
        questions=["  What did you ask first? ", "", "What happened next?"],
        behaviours=["Listens", "   "],
        practice_task="  Role-play twice. ",
    )
    module.refresh_from_db()
    assert module.coaching_questions == ["What did you ask first?", "What happened next?"]
    assert module.coaching_behaviours == ["Listens"]
    assert module.practice_task == "Role-play twice."


# --- quizzes ---------------------------------------------------------------------------------


def test_saving_creates_the_quiz_with_its_questions_and_choices_in_order():
    module = ModuleFactory()
    skill = SkillFactory()
    quiz = quiz_save(
        module=module,
        settings=QuizSettings(pass_mark=60, max_attempts=2, questions_per_attempt=1),
        questions=[single("One", skill, right=1), single("Two", skill, right=1, count=2)],
    )
    assert quiz.module == module and quiz.pass_mark == 60 and quiz.questions_per_attempt == 1
    assert stored(quiz) == [
        ("One", [("One 0", False), ("One 1", True), ("One 2", False)]),
        ("Two", [("Two 0", False), ("Two 1", True)]),
    ]


def test_a_single_choice_question_needs_exactly_one_correct_choice():
    skill = SkillFactory()
    two_right = QuestionDraft(
        prompt="Pick",
        skill=skill,
        choices=[ChoiceDraft("a", True), ChoiceDraft("b", True), ChoiceDraft("c")],
    )
    with pytest.raises(QuizNotSaved) as refused:
        quiz_save(module=ModuleFactory(), settings=SETTINGS, questions=[two_right])
    assert "exactly one correct choice (2 marked correct)" in refused.value.message
    assert not Quiz.objects.exists()


def test_a_multiple_choice_question_needs_a_correct_choice():
    draft = QuestionDraft(
        prompt="Pick",
        skill=SkillFactory(),
        kind=Question.Kind.MULTIPLE,
        choices=[ChoiceDraft("a"), ChoiceDraft("b")],
    )
    with pytest.raises(QuizNotSaved, match="at least one correct choice"):
        quiz_save(module=ModuleFactory(), settings=SETTINGS, questions=[draft])


def test_a_question_without_choices_cannot_be_saved():
    draft = QuestionDraft(prompt="Nothing to pick", skill=SkillFactory(), choices=[])
    with pytest.raises(QuizNotSaved, match="at least two choices"):
        quiz_save(module=ModuleFactory(), settings=SETTINGS, questions=[draft])


@pytest.mark.parametrize(
    ("quiz_settings", "message"),
    [
        (QuizSettings(pass_mark=0, max_attempts=3), "pass mark must be between 1 and 100"),
        (QuizSettings(pass_mark=101, max_attempts=3), "pass mark must be between 1 and 100"),
        (
            QuizSettings(pass_mark=80, max_attempts=3, questions_per_attempt=5),
            "asks 5 questions per attempt but the quiz has only 1",
        ),
        (QuizSettings(pass_mark=80, max_attempts=0), "at least one attempt"),
    ],
)
def test_the_quiz_settings_rules(quiz_settings, message):
    with pytest.raises(QuizNotSaved, match=message):
        quiz_save(
            module=ModuleFactory(),
            settings=quiz_settings,
            questions=[single("Q", SkillFactory())],
        )


def test_a_quiz_needs_a_question():
    with pytest.raises(QuizNotSaved, match="at least one question"):
        quiz_save(module=ModuleFactory(), settings=SETTINGS, questions=[])


def test_one_bad_question_saves_nothing_of_the_whole_quiz():
    module = build_module(questions=2)
    quiz = module.quiz
    before = stored(quiz)
    first, second = quiz.questions.order_by("position")
    drafts = [
        QuestionDraft(
            id=first.pk,
            prompt="Reworded",
            skill=first.skill,
            choices=[ChoiceDraft(c.text, c.is_correct, c.pk) for c in first.choices.all()],
        ),
        QuestionDraft(id=second.pk, prompt="Broken", skill=second.skill, choices=[]),
    ]
    with pytest.raises(QuizNotSaved):
        quiz_save(
            module=module, settings=QuizSettings(pass_mark=50, max_attempts=9), questions=drafts
        )
    quiz.refresh_from_db()
    assert stored(quiz) == before and quiz.pass_mark == 80


def test_a_failure_midway_through_the_writes_rolls_all_back(monkeypatch):
    """Even a refusal found only while writing (here: the last question's choices) leaves the
    quiz as it was: the save is one transaction."""
    module = build_module(questions=2)
    quiz = module.quiz
    before = stored(quiz)
    first, second = quiz.questions.order_by("position")
    drafts = [
        QuestionDraft(
            id=q.pk,
            prompt=f"Changed {q.pk}",
            skill=q.skill,
            choices=[ChoiceDraft(f"x{c.pk}", c.is_correct, c.pk) for c in q.choices.all()],
        )
        for q in (first, second)
    ]
    foreign = (
        Choice.objects.exclude(question__quiz=quiz).first()
        or build_module(questions=1).quiz.questions.get().choices.first()
    )
    drafts[1] = QuestionDraft(
        id=second.pk,
        prompt="Changed",
        skill=second.skill,
        choices=[ChoiceDraft("a", True, foreign.pk), ChoiceDraft("b")],
    )
    with pytest.raises(DomainError, match="belongs to another question"):
        quiz_save(
            module=module, settings=QuizSettings(pass_mark=50, max_attempts=2), questions=drafts
        )
    quiz.refresh_from_db()
    assert stored(quiz) == before and quiz.pass_mark == 80


def test_reordering_removing_and_adding_questions_and_choices():
    module = build_module(questions=3)
    quiz = module.quiz
    one, two, three = quiz.questions.order_by("position")
    skill = one.skill
    three_choices = list(three.choices.order_by("position"))
    quiz_save(
        module=module,
        settings=SETTINGS,
        questions=[
            QuestionDraft(
                id=three.pk,
                prompt=three.prompt,
                skill=skill,
                choices=[
                    ChoiceDraft(three_choices[1].text, True, three_choices[1].pk),
                    ChoiceDraft(three_choices[0].text, False, three_choices[0].pk),
                ],
            ),
            single("Brand new", skill),
            QuestionDraft(
                id=one.pk,
                prompt=one.prompt,
                skill=skill,
                choices=[ChoiceDraft(c.text, c.is_correct, c.pk) for c in one.choices.all()],
            ),
        ],
    )
    assert [q.prompt for q in quiz.questions.order_by("position")] == [
        three.prompt,
        "Brand new",
        one.prompt,
    ]
    assert not Question.objects.filter(pk=two.pk).exists()
    assert [(c.pk, c.is_correct) for c in three.choices.order_by("position")] == [
        (three_choices[1].pk, True),
        (three_choices[0].pk, False),
    ]


def test_a_question_reps_have_answered_cannot_be_deleted():
    module = build_module(lessons=0, questions=2)
    quiz = module.quiz
    rep = RepFactory()
    attempt = attempt_start(user=rep, quiz=quiz)
    attempt_submit(attempt=attempt, answers=correct_answers(attempt))
    keep = quiz.questions.order_by("position").first()
    with pytest.raises(DomainError, match="reps have answered it, so it cannot be deleted"):
        quiz_save(
            module=module,
            settings=SETTINGS,
            questions=[
                QuestionDraft(
                    id=keep.pk,
                    prompt=keep.prompt,
                    skill=keep.skill,
                    choices=[ChoiceDraft(c.text, c.is_correct, c.pk) for c in keep.choices.all()],
                )
            ],
        )
    assert quiz.questions.count() == 2
    assert AttemptAnswer.objects.count() == 2


def test_saving_an_unchanged_quiz_writes_no_row():
    module = build_module(questions=3)
    quiz = module.quiz
    drafts = [
        QuestionDraft(
            id=q.pk,
            prompt=q.prompt,
            skill=q.skill,
            kind=q.kind,
            explanation=q.explanation,
            choices=[ChoiceDraft(c.text, c.is_correct, c.pk) for c in q.choices.all()],
        )
        for q in quiz.questions.order_by("position")
    ]
    settings = QuizSettings(
        pass_mark=quiz.pass_mark,
        max_attempts=quiz.max_attempts,
        questions_per_attempt=quiz.questions_per_attempt,
        shuffle_choices=quiz.shuffle_choices,
        review_policy=quiz.review_policy,
    )
    with CaptureQueriesContext(connection) as queries:
        quiz_save(module=module, settings=settings, questions=drafts)
    writes = [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT", "DELETE"))]
    assert writes == []
