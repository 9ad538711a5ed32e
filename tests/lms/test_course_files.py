"""Course files through their commands: import, export, and the demo courses."""

import io
import os
import subprocess
import sys
import textwrap

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from lms.demo import demo_courses_seed
from lms.models import (
    AttemptAnswer,
    Choice,
    Course,
    Lesson,
    Module,
    Question,
    Quiz,
    QuizAttempt,
    Skill,
)
from lms.services import attempt_start, lesson_complete
from tests.conftest import ROOT
from tests.factories import (
    ChoiceFactory,
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    QuestionFactory,
    QuizFactory,
    RepFactory,
    SkillFactory,
)

pytestmark = pytest.mark.django_db

GOOD = textwrap.dedent(
    """\
    skills:
      - slug: discovery
        name: Discovery
        description: Finding the buyer's real problem.
      - slug: rapport
        name: Rapport
    course:
      slug: discovery-basics
      title: Discovery basics
      summary: Ask better questions.
      status: published
      skills: [discovery, rapport]
      modules:
        - slug: opening
          title: Opening the call
          objectives: |
            - Agree an agenda
          skills: [rapport]
          coaching_guide:
            questions_to_ask:
              - "How did you open your last call?"
            behaviours_to_observe:
              - "Confirms the time available"
            practice_task: "Record three openers."
          lessons:
            - title: Why the first minutes matter
              minutes: 6
              video_url: https://www.youtube.com/watch?v=dQw4w9WgXcQ
              body: |
                ## First impressions

                Buyers decide **quickly**.
            - title: Setting an agenda
              minutes: 7
              body: Keep it short.
          quiz:
            pass_mark: 80
            max_attempts: 3
            shuffle_choices: true
            questions_per_attempt: null
            questions:
              - prompt: "Why check the time?"
                kind: single
                skill: rapport
                explanation: "Respect and planning."
                choices:
                  - text: "To cover what matters"
                    correct: true
                  - text: "To sound busy"
                    correct: false
              - prompt: "What belongs in an opener?"
                kind: multiple
                skill: discovery
                choices:
                  - text: "A time check"
                    correct: true
                  - text: "An open question"
                    correct: true
                  - text: "Company history"
        - slug: pain
          title: Uncovering pain
          lessons:
            - title: Layered questions
              body: Situation, problem, impact.
          skills: [discovery]
          coaching_guide:
            practice_task: "Map one buyer's three layers of pain."
    """
)

CONTENT_MODELS = (Skill, Course, Module, Lesson, Quiz, Question, Choice)


def snapshot() -> dict:
    """Every authoring row, so a test can show that a refused import wrote nothing."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in CONTENT_MODELS}


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in the file")


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_files(*paths) -> str:
    out = io.StringIO()
    call_command("import_course", *[str(p) for p in paths], stdout=out)
    return out.getvalue()


def test_importing_a_good_file_creates_the_published_course(tmp_path):
    path = write(tmp_path, "discovery.yaml", GOOD)
    assert "created" in import_files(path)

    course = Course.objects.get(slug="discovery-basics")
    assert course.status == Course.Status.PUBLISHED
    assert sorted(course.skills.values_list("slug", flat=True)) == ["discovery", "rapport"]
    opening, pain = course.modules.order_by("position")
    assert (opening.slug, opening.position, pain.slug, pain.position) == (
        "opening",
        1,
        "pain",
        2,
    )
    assert opening.coaching_questions == ["How did you open your last call?"]
    assert opening.coaching_behaviours == ["Confirms the time available"]
    assert opening.practice_task == "Record three openers."
    first, second = opening.lessons.order_by("position")
    assert "<strong>quickly</strong>" in first.body_html
    assert first.video_url.startswith("https://www.youtube.com/")
    assert (first.minutes, second.minutes) == (6, 7)
    quiz = opening.quiz
    assert (quiz.pass_mark, quiz.max_attempts, quiz.questions_per_attempt) == (80, 3, None)
    single, multiple = quiz.questions.order_by("position")
    assert single.kind == "single" and single.skill.slug == "rapport"
    assert [c.is_correct for c in multiple.choices.order_by("position")] == [True, True, False]
    assert not hasattr(pain, "quiz") or Quiz.objects.filter(module=pain).count() == 0


def test_importing_the_same_file_again_changes_nothing(tmp_path):
    path = write(tmp_path, "discovery.yaml", GOOD)
    import_files(path)
    before = snapshot()
    assert "unchanged" in import_files(path)
    assert snapshot() == before


BAD_FILES = [
    pytest.param(
        "kind: single", "kind: single: multiple", "kind: single: multiple",
        "", "not valid YAML", id="yaml-syntax",
    ),
    pytest.param(
        "  - title: Setting an agenda", "  - tittle: Setting an agenda", "tittle: Setting",
        "course.modules[0].lessons[1].tittle", "unknown field", id="unknown-key",
    ),
    pytest.param(
        "  title: Discovery basics\n", "", "course:",
        "course.title", "this required field is missing", id="missing-field",
    ),
    pytest.param(
        "minutes: 6", "minutes: six", "minutes: six",
        "course.modules[0].lessons[0].minutes", "must be a whole number, not text",
        id="wrong-type",
    ),
    pytest.param(
        "skill: discovery", "skill: closing", "skill: closing",
        "course.modules[0].quiz.questions[1].skill", "unknown skill 'closing'",
        id="unknown-skill",
    ),
    pytest.param(
        'text: "To sound busy"\n' + " " * 16 + "correct: false",
        'text: "To sound busy"\n' + " " * 16 + "correct: true",
        " choices:",
        "course.modules[0].quiz.questions[0].choices",
        "a single-choice question needs exactly one correct choice",
        id="single-with-two-correct",
    ),
    pytest.param(
        "kind: multiple", "kind: essay", "kind: essay",
        "course.modules[0].quiz.questions[1].kind", "must be one of single, multiple",
        id="unknown-kind",
    ),
    pytest.param(
        "pass_mark: 80", "pass_mark: 0", "pass_mark: 0",
        "course.modules[0].quiz.pass_mark", "between 1 and 100", id="pass-mark-0",
    ),
    pytest.param(
        "pass_mark: 80", "pass_mark: 101", "pass_mark: 101",
        "course.modules[0].quiz.pass_mark", "between 1 and 100", id="pass-mark-101",
    ),
    pytest.param(
        "questions_per_attempt: null", "questions_per_attempt: 3", "questions_per_attempt: 3",
        "course.modules[0].quiz.questions_per_attempt", "the quiz has only 2",
        id="more-questions-per-attempt-than-the-pool",
    ),
    pytest.param(
        "    - title: Layered questions\n          body: Situation, problem, impact.\n",
        "    []\n", "- slug: pain",
        "course.modules[1]", "a module needs at least one lesson or a quiz",
        id="empty-module",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "line_text", "field", "message"), BAD_FILES)
def test_a_bad_file_is_refused_with_file_line_and_field_and_writes_nothing(
    tmp_path, old, new, line_text, field, message
):
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    path = write(tmp_path, "discovery.yaml", text)
    before = snapshot()

    with pytest.raises(CommandError) as refused:
        import_files(path)

    expected = f"discovery.yaml:{line_of(text, line_text)}: "
    if field:
        expected += f"{field}: "
    assert expected in str(refused.value)
    assert message in str(refused.value)
    assert "Nothing was imported." in str(refused.value)
    assert snapshot() == before


def test_a_quiz_without_questions_is_refused(tmp_path):
    start = GOOD.index("questions:\n")
    end = GOOD.index("    - slug: pain")
    text = GOOD[:start] + "questions: []\n" + GOOD[end:]
    path = write(tmp_path, "discovery.yaml", text)

    with pytest.raises(CommandError) as refused:
        import_files(path)

    line = line_of(text, "questions: []")
    assert (
        f"discovery.yaml:{line}: course.modules[0].quiz.questions: a quiz needs at least one"
        " question" in str(refused.value)
    )
    assert Course.objects.count() == 0 and Skill.objects.count() == 0


def test_every_problem_in_a_file_is_reported_at_once(tmp_path):
    text = GOOD.replace("minutes: 6", "minutes: six").replace("pass_mark: 80", "pass_mark: 0")
    path = write(tmp_path, "discovery.yaml", text)
    with pytest.raises(CommandError) as refused:
        import_files(path)
    assert "lessons[0].minutes" in str(refused.value)
    assert "quiz.pass_mark" in str(refused.value)


def test_the_command_exits_non_zero_with_the_problem_on_stderr(tmp_path):
    path = write(tmp_path, "broken.yaml", GOOD.replace("kind: single", "kind: single: x", 1))
    result = subprocess.run(
        [sys.executable, "manage.py", "import_course", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        # The file is refused before any database is needed: an embedded one in a scratch folder.
        env={
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "VAR_DIR": str(tmp_path / "var"),
        },
        timeout=120,
    )
    assert result.returncode != 0
    assert f"broken.yaml:{line_of(GOOD, 'kind: single')}: not valid YAML" in result.stderr


def test_several_files_import_all_or_nothing(tmp_path):
    good = write(tmp_path, "discovery.yaml", GOOD)
    bad = write(
        tmp_path,
        "other.yaml",
        GOOD.replace("slug: discovery-basics", "slug: other").replace(
            "pass_mark: 80", "pass_mark: 101"
        ),
    )
    with pytest.raises(CommandError) as refused:
        import_files(good, bad)
    assert "other.yaml:" in str(refused.value)
    assert Course.objects.count() == 0 and Skill.objects.count() == 0


def test_a_file_updates_its_course_in_place_matching_modules_by_slug(tmp_path):
    path = write(tmp_path, "discovery.yaml", GOOD)
    import_files(path)
    opening = Module.objects.get(slug="opening")
    pain = Module.objects.get(slug="pain")
    first_lesson = opening.lessons.get(position=1)

    # Swap the modules, retitle a lesson, add a choice, drop the quiz's second question.
    pain_block = GOOD[GOOD.index("    - slug: pain") :]
    opening_block = GOOD[GOOD.index("    - slug: opening") : GOOD.index("    - slug: pain")]
    head = GOOD[: GOOD.index("    - slug: opening")]
    question_two = opening_block[opening_block.index('          - prompt: "What belongs') :]
    opening_block = opening_block.replace(question_two, "")
    opening_block = opening_block.replace("Why the first minutes matter", "The first minutes")
    busy = '"To sound busy"\n' + " " * 16 + "correct: false\n"
    assert busy in opening_block
    opening_block = opening_block.replace(busy, busy + " " * 14 + '- text: "To fill the silence"\n')
    path.write_text(head + pain_block + opening_block, encoding="utf-8")

    assert "updated" in import_files(path)

    opening.refresh_from_db()
    pain.refresh_from_db()
    assert (pain.position, opening.position) == (1, 2)
    first_lesson.refresh_from_db()
    assert first_lesson.title == "The first minutes"
    question = opening.quiz.questions.get()
    assert question.position == 1
    assert question.choices.count() == 3
    before = snapshot()
    assert "unchanged" in import_files(path)
    assert snapshot() == before


def test_changing_a_lesson_people_have_completed_is_refused_and_writes_nothing(tmp_path):
    path = write(tmp_path, "discovery.yaml", GOOD)
    other = write(
        tmp_path, "other.yaml", GOOD.replace("slug: discovery-basics", "slug: another-course")
    )
    import_files(path)
    lesson = Lesson.objects.get(title="Setting an agenda")
    lesson_complete(user=RepFactory(), lesson=lesson)
    changed = GOOD.replace("body: Keep it short.", "body: Keep it very short.")
    path.write_text(changed, encoding="utf-8")
    before = snapshot()

    with pytest.raises(CommandError) as refused:
        import_files(other, path)

    message = str(refused.value)
    assert f"discovery.yaml:{line_of(changed, '- title: Setting an agenda')}: " in message
    assert "course.modules[0].lessons[1]: 1 person has completed lesson 2" in message
    assert "archive" in message
    assert snapshot() == before


def test_removing_a_question_people_have_attempted_is_refused(tmp_path):
    path = write(tmp_path, "discovery.yaml", GOOD)
    import_files(path)
    quiz = Quiz.objects.get(module__slug="opening")
    attempt_start(user=RepFactory(), quiz=quiz)
    start = GOOD.index('          - prompt: "What belongs')
    end = GOOD.index("    - slug: pain")
    trimmed = GOOD[:start] + GOOD[end:]
    path.write_text(trimmed, encoding="utf-8")
    before = snapshot()

    with pytest.raises(CommandError) as refused:
        import_files(path)

    assert (
        f"discovery.yaml:{line_of(trimmed, 'questions:')}: course.modules[0].quiz.questions:"
        " question 2 is no longer in the file, but it was asked in 1 attempt"
    ) in str(refused.value)
    assert snapshot() == before


def test_changing_a_question_that_answers_point_to_is_refused(tmp_path):
    path = write(tmp_path, "discovery.yaml", GOOD)
    import_files(path)
    question = Question.objects.get(prompt="Why check the time?")
    # An answer recorded outside any attempt's frozen layout (as reinforcement answers are).
    attempt = QuizAttempt.objects.create(
        user=RepFactory(), quiz=question.quiz, number=1, layout=[], started_at=timezone.now()
    )
    AttemptAnswer.objects.create(attempt=attempt, question=question, is_correct=True)
    changed = GOOD.replace("Why check the time?", "Why confirm the time?")
    path.write_text(changed, encoding="utf-8")

    with pytest.raises(CommandError) as refused:
        import_files(path)

    assert (
        f"discovery.yaml:{line_of(changed, 'Why confirm the time?')}:"
        " course.modules[0].quiz.questions[0]: question 1 cannot change its prompt, kind, skill"
        " or choices: people have answered it"
    ) in str(refused.value)
    question.refresh_from_db()
    assert question.prompt == "Why check the time?"


def test_removing_a_module_people_have_progress_in_is_refused(tmp_path):
    path = write(tmp_path, "discovery.yaml", GOOD)
    import_files(path)
    lesson_complete(user=RepFactory(), lesson=Lesson.objects.get(title="Layered questions"))
    path.write_text(GOOD[: GOOD.index("    - slug: pain")], encoding="utf-8")

    with pytest.raises(CommandError) as refused:
        import_files(path)

    assert "course.modules: module 'pain'" in str(refused.value)
    assert Module.objects.filter(slug="pain").exists()


def test_export_then_import_round_trips(tmp_path):
    skill = SkillFactory(slug="closing", name="Closing", description="Asking for the business.")
    course = CourseFactory(slug="closing-course", title="Closing", summary="Ask.\nThen stop.")
    course.skills.add(skill)
    module = ModuleFactory(course=course, slug="asking", position=3, title="Asking")
    module.skills.add(skill)
    LessonFactory(
        module=module,
        position=5,
        title="The ask",
        body="## Ask\n\n  indented line\nA line with trailing spaces  \n",
        video_url="https://vimeo.com/123456",
        minutes=9,
    )
    LessonFactory(module=module, position=9, title="After the ask", body="Stay quiet.")
    quiz = QuizFactory(module=module, pass_mark=70, questions_per_attempt=1, shuffle_choices=False)
    question = QuestionFactory(quiz=quiz, position=4, skill=skill, prompt="Then?", kind="single")
    ChoiceFactory(question=question, position=2, text="Stop talking", is_correct=True)
    ChoiceFactory(question=question, position=7, text="Keep talking: it helps", is_correct=False)
    ModuleFactory(course=course, slug="empty-guide", position=8, coaching_questions=[])
    LessonFactory(module=Module.objects.get(slug="empty-guide"), title="Only a lesson")
    Module.objects.get(slug="empty-guide").skills.add(skill)  # publishing asks for skills
    exported = tmp_path / "closing.yaml"
    lesson_ids = sorted(Lesson.objects.values_list("pk", flat=True))
    choice_ids = sorted(Choice.objects.values_list("pk", flat=True))

    call_command("export_course", "closing-course", "-o", str(exported), stderr=io.StringIO())
    first = exported.read_text(encoding="utf-8")
    # Importing its own export keeps every row; only the gaps between positions close.
    import_files(exported)
    assert sorted(Lesson.objects.values_list("pk", flat=True)) == lesson_ids
    assert sorted(Choice.objects.values_list("pk", flat=True)) == choice_ids
    assert list(module.lessons.order_by("position").values_list("position", "title")) == [
        (1, "The ask"),
        (2, "After the ask"),
    ]
    before = snapshot()
    assert "unchanged" in import_files(exported)
    assert snapshot() == before

    Course.objects.all().delete()
    assert "created" in import_files(exported)
    out = io.StringIO()
    call_command("export_course", "closing-course", stdout=out)
    assert out.getvalue() == first
    reimported = Module.objects.get(course__slug="closing-course", slug="asking")
    assert reimported.lessons.get(position=1).body == (
        "## Ask\n\n  indented line\nA line with trailing spaces  \n"
    )


def test_exporting_an_unknown_course_fails_clearly():
    with pytest.raises(CommandError, match="no course with the slug 'nope'"):
        call_command("export_course", "nope")


def test_the_demo_courses_import_published_with_quizzes_and_coaching_guides():
    demo_courses_seed()
    published = Course.objects.published()
    assert published.count() >= 4
    for course in published:
        modules = list(course.modules.all())
        assert modules
        for module in modules:
            assert module.lessons.exists()
            assert module.quiz.questions.count() >= 5
            assert module.coaching_questions and module.coaching_behaviours
            assert module.practice_task
    before = snapshot()
    assert all(item.outcome == "unchanged" for item in demo_courses_seed())
    assert snapshot() == before


def test_seed_demo_imports_the_demo_courses():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    assert Course.objects.published().count() >= 4
