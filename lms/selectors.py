"""Training reads shared by pages and the API, each scoped to the person asking.

Fetch-and-authorise helpers (``*_for``) raise Http404 for anything the caller may not see, so
ids leak nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.permissions import is_admin
from accounts.selectors import team_of
from lms.catalogue import CourseEntry, LessonEntry, QuizEntry, catalogue
from lms.models import (
    AttemptAnswer,
    Choice,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
    ModuleCompletion,
    Question,
    Quiz,
    QuizAttempt,
)
from lms.services.quizzes import attempts_left


def _people_filter(user: User, field: str) -> Q:
    """Rows about people the caller may see: their own, their team's, or all for an admin."""
    if is_admin(user):
        return Q()
    if user.is_manager:
        return Q(**{field: user}) | Q(**{f"{field}__manager": user})
    return Q(**{field: user})


def courses_visible_to(*, user: User) -> QuerySet[Course]:
    """Published courses; admins also see drafts and archived ones."""
    if is_admin(user):
        return Course.objects.all()
    return Course.objects.published()


def course_for(*, user: User, course_id: int) -> Course:
    course = courses_visible_to(user=user).filter(pk=course_id).first()
    if course is None:
        raise Http404("No such course.")
    return course


def lesson_for(*, user: User, lesson_id: int) -> Lesson:
    lesson = (
        Lesson.objects.select_related("module__course")
        .filter(pk=lesson_id, module__course__in=courses_visible_to(user=user))
        .first()
    )
    if lesson is None:
        raise Http404("No such lesson.")
    return lesson


def quiz_for(*, user: User, quiz_id: int) -> Quiz:
    quiz = (
        Quiz.objects.select_related("module__course")
        .filter(pk=quiz_id, module__course__in=courses_visible_to(user=user))
        .first()
    )
    if quiz is None:
        raise Http404("No such quiz.")
    return quiz


def attempt_for(*, user: User, attempt_id: int) -> QuizAttempt:
    """Only the person who took an attempt may read or submit it."""
    attempt = (
        QuizAttempt.objects.select_related("quiz__module__course")
        .filter(pk=attempt_id, user=user)
        .first()
    )
    if attempt is None:
        raise Http404("No such attempt.")
    return attempt


def enrolments_visible_to(*, user: User) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(_people_filter(user, "user")).select_related(
        "user", "course", "assigned_by"
    )


def completions_visible_to(*, user: User) -> QuerySet[ModuleCompletion]:
    return ModuleCompletion.objects.filter(_people_filter(user, "user")).select_related(
        "user", "module__course"
    )


# --- reads for the training API ----------------------------------------------------------------


def _count_of(queryset: QuerySet, *, group_by: str) -> Coalesce:
    """A correlated ``COUNT`` of ``queryset`` (already filtered on ``OuterRef``), 0 when empty."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@dataclass(frozen=True)
class CourseListItem(CourseEntry):
    """A catalogue course as the list shows it to one person: with how many of its modules
    they completed."""

    completed_module_count: int = 0


def course_list_for(*, user: User) -> list[CourseListItem]:
    """Visible courses by title, from the cached catalogue, with the caller's completed-module
    count from one query over their own completions."""
    content = catalogue()
    completed = ModuleCompletion.objects.filter(user=user).order_by().values_list("module_id")
    done = Counter(content.course_of_module.get(module_id) for (module_id,) in completed)
    everything = is_admin(user)
    return [
        CourseListItem(
            **{entry.name: getattr(course, entry.name) for entry in fields(CourseEntry)},
            completed_module_count=done.get(course.pk, 0),
        )
        for course in content.courses
        if everything or course.is_published
    ]


def course_detail_for(*, user: User, course_id: int) -> Course:
    """A visible course, its modules in order with lessons, skills and quiz id, and the caller's
    progress marked on each module and lesson (``completed``). 404 for what the caller may not see.
    """
    lessons = Lesson.objects.order_by("position").annotate(
        completed=Exists(LessonProgress.objects.filter(user=user, lesson=OuterRef("pk")))
    )
    modules = (
        Module.objects.order_by("position")
        .annotate(
            quiz_pk=F("quiz__id"),
            completed=Exists(ModuleCompletion.objects.filter(user=user, module=OuterRef("pk"))),
        )
        .prefetch_related("skills", Prefetch("lessons", queryset=lessons))
    )
    course = (
        courses_visible_to(user=user)
        .filter(pk=course_id)
        .prefetch_related("skills", Prefetch("modules", queryset=modules))
        .first()
    )
    if course is None:
        raise Http404("No such course.")
    return course


def lesson_to_complete_for(*, user: User, lesson_id: int) -> Lesson:
    """A lesson the caller may record progress on.

    Only published courses count, for admins too: progress on a draft would complete modules
    (and book coaching) for content nobody else can take yet.
    """
    lesson = (
        Lesson.objects.select_related("module__course")
        .filter(pk=lesson_id, module__course__in=courses_visible_to(user=user).published())
        .first()
    )
    if lesson is None:
        raise Http404("No such lesson.")
    return lesson


def enrolment_list_for(*, user: User) -> QuerySet[Enrolment]:
    """Visible enrolments with the learner's progress through the course and ``overdue``: past
    the due date with modules still to finish."""
    return (
        enrolments_visible_to(user=user)
        .annotate(
            module_count=_count_of(
                Module.objects.filter(course=OuterRef("course")), group_by="course"
            ),
            completed_module_count=_count_of(
                ModuleCompletion.objects.filter(
                    user=OuterRef("user"), module__course=OuterRef("course")
                ),
                group_by="module__course",
            ),
        )
        .annotate(
            overdue=Case(
                When(
                    due_date__lt=timezone.localdate(),
                    completed_module_count__lt=F("module_count"),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by(F("due_date").asc(nulls_last=True), "created_at", "pk")
    )


def completion_list_for(*, user: User) -> QuerySet[ModuleCompletion]:
    """Visible module completions, newest first, in a stable order for paging."""
    return completions_visible_to(user=user).order_by("-completed_at", "-pk")


@dataclass(frozen=True)
class AttemptItem:
    """One question of an attempt as it was shown, with the answer once submitted."""

    question: Question
    choices: list[Choice]
    answer: AttemptAnswer | None

    @property
    def correct_choice_ids(self) -> list[int]:
        return [choice.pk for choice in self.choices if choice.is_correct]

    @property
    def chosen_choice_ids(self) -> list[int]:
        return list(self.answer.choice_ids) if self.answer else []

    @property
    def is_correct(self) -> bool:
        return bool(self.answer and self.answer.is_correct)


@dataclass(frozen=True)
class AttemptSheet:
    attempt: QuizAttempt
    items: list[AttemptItem]


def attempt_sheet(
    *,
    attempt: QuizAttempt,
    questions: list[Question] | None = None,
    answers: list[AttemptAnswer] | None = None,
) -> AttemptSheet:
    """The attempt's questions and choices in the order frozen at its start, with its answers once
    submitted. Interfaces decide what of it to show: nothing that grades before submission.

    ``questions`` (their choices prefetched) and ``answers`` are for a caller that loaded them
    already, such as the submit that graded them; otherwise they are loaded here.
    """
    if questions is None:
        questions = list(
            Question.objects.filter(pk__in=attempt.question_ids).prefetch_related("choices")
        )
    if answers is None:
        answers = list(attempt.answers.all()) if attempt.is_submitted else []
    question_of = {question.pk: question for question in questions}
    answer_of = {answer.question_id: answer for answer in answers}
    items = []
    for entry in attempt.layout:
        question = question_of.get(entry["question"])
        if question is None:
            continue
        by_id = {choice.pk: choice for choice in question.choices.all()}
        items.append(
            AttemptItem(
                question=question,
                choices=[by_id[pk] for pk in entry["choices"] if pk in by_id],
                answer=answer_of.get(question.pk),
            )
        )
    return AttemptSheet(attempt=attempt, items=items)


# --- reads for the training pages --------------------------------------------------------------


def progress_percent(*, done: int, total: int) -> int:
    """Whole percent of a course's steps (lessons done and quizzes passed) behind someone."""
    return min(round(100 * done / total), 100) if total else 0


def _with_step_counts(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """Each enrolment with its course's steps and how many of them its learner has done:
    ``lesson_count``, ``lessons_done``, ``quiz_count``, ``quizzes_passed``."""
    course, learner = OuterRef("course"), OuterRef("user")
    passed_by_learner = QuizAttempt.objects.filter(
        quiz=OuterRef("pk"), user=OuterRef(OuterRef("user")), passed=True
    )
    return enrolments.annotate(
        lesson_count=_count_of(
            Lesson.objects.filter(module__course=course), group_by="module__course"
        ),
        lessons_done=_count_of(
            LessonProgress.objects.filter(user=learner, lesson__module__course=course),
            group_by="lesson__module__course",
        ),
        quiz_count=_count_of(Quiz.objects.filter(module__course=course), group_by="module__course"),
        quizzes_passed=_count_of(
            Quiz.objects.filter(Exists(passed_by_learner), module__course=course),
            group_by="module__course",
        ),
    )


@dataclass(frozen=True)
class CourseProgress:
    """One person's way through one course, for the lists (My learning, Team training)."""

    enrolment: Enrolment
    # The course's title and id: a catalogue entry on My learning, the row on Team training.
    course: Course | CourseEntry
    module_count: int
    modules_done: int
    lesson_count: int
    lessons_done: int
    quiz_count: int
    quizzes_passed: int
    next_lesson: Lesson | LessonEntry | None = None
    next_quiz: Quiz | QuizEntry | None = None

    @classmethod
    def of_annotated(cls, enrolment: Enrolment) -> CourseProgress:
        """From an enrolment carrying ``enrolment_list_for`` and ``_with_step_counts``."""
        return cls(
            enrolment=enrolment,
            course=enrolment.course,
            module_count=enrolment.module_count,
            modules_done=enrolment.completed_module_count,
            lesson_count=enrolment.lesson_count,
            lessons_done=enrolment.lessons_done,
            quiz_count=enrolment.quiz_count,
            quizzes_passed=enrolment.quizzes_passed,
        )

    @property
    def is_complete(self) -> bool:
        return 0 < self.module_count <= self.modules_done

    @property
    def is_overdue(self) -> bool:
        due = self.enrolment.due_date
        return bool(due and due < timezone.localdate() and self.modules_done < self.module_count)

    @property
    def percent(self) -> int:
        if self.is_complete:
            return 100
        return progress_percent(
            done=self.lessons_done + self.quizzes_passed,
            total=self.lesson_count + self.quiz_count,
        )


@dataclass(frozen=True)
class _Done:
    """Ids of what one person has finished: lessons, quizzes passed, modules completed."""

    lessons: set[int]
    quizzes: set[int]
    modules: set[int]


def _done_by(*, user: User) -> _Done:
    """One query over the person's own rows, however many courses they follow."""
    lessons = LessonProgress.objects.filter(user=user).order_by()
    quizzes = QuizAttempt.objects.filter(user=user, passed=True).order_by()
    modules = ModuleCompletion.objects.filter(user=user).order_by()
    done = _Done(lessons=set(), quizzes=set(), modules=set())
    into = {1: done.lessons, 2: done.quizzes, 3: done.modules}
    for pk, kind in lessons.values_list("lesson_id", Value(1)).union(
        quizzes.values_list("quiz_id", Value(2)),
        modules.values_list("module_id", Value(3)),
        all=True,
    ):
        into[kind].add(pk)
    return done


def _progress_in(course: CourseEntry, *, enrolment: Enrolment, done: _Done) -> CourseProgress:
    """The person's progress through ``course`` and their next step in it: in the first module
    not completed (a module with nothing in it never is), the first lesson not done, else the
    quiz."""
    lesson_count = lessons_done = quiz_count = quizzes_passed = modules_done = 0
    next_step: LessonEntry | QuizEntry | None = None
    next_found = False
    for module in course.modules:
        lesson_count += len(module.lessons)
        lessons_done += sum(1 for lesson in module.lessons if lesson.pk in done.lessons)
        if module.quiz is not None:
            quiz_count += 1
            quizzes_passed += module.quiz.pk in done.quizzes
        if module.pk in done.modules:
            modules_done += 1
        elif not next_found and (module.lessons or module.quiz is not None):
            next_found = True
            next_step = next(
                (lesson for lesson in module.lessons if lesson.pk not in done.lessons),
                module.quiz,
            )
    return CourseProgress(
        enrolment=enrolment,
        course=course,
        module_count=len(course.modules),
        modules_done=modules_done,
        lesson_count=lesson_count,
        lessons_done=lessons_done,
        quiz_count=quiz_count,
        quizzes_passed=quizzes_passed,
        next_lesson=next_step if isinstance(next_step, LessonEntry) else None,
        next_quiz=next_step if isinstance(next_step, QuizEntry) else None,
    )


@dataclass(frozen=True)
class Learning:
    courses: list[CourseProgress]
    # Published courses the person is not enrolled in yet, to start themselves.
    available: list[CourseEntry]
    # Who coaches the person after each module, if anyone.
    coach: User | None


def learning_for(*, user: User) -> Learning:
    """The person's own courses with progress and the next step in each, and the courses they
    could start. Content comes from the cached catalogue; the person's rows are read fresh, in
    two queries however many courses, modules and enrolments there are."""
    content = catalogue()
    # The coach rides on this query; only someone with no enrolment costs one more.
    enrolments = list(
        Enrolment.objects.filter(user=user)
        .select_related("assigned_by", "user__manager")
        .order_by()
    )
    # As enrolment_list_for orders them (due first, no due date last), sorted here: for a handful
    # of rows, building that ORDER BY costs more than the sort.
    enrolments.sort(key=lambda e: (e.due_date is None, e.due_date, e.created_at, e.pk))
    done = _done_by(user=user) if enrolments else _Done(set(), set(), set())
    everything = is_admin(user)
    courses = []
    for enrolment in enrolments:
        course = content.by_pk.get(enrolment.course_id)
        if course is not None and (everything or course.is_published):
            courses.append(_progress_in(course, enrolment=enrolment, done=done))
    enrolled = {enrolment.course_id for enrolment in enrolments}
    available = [
        course for course in content.courses if course.is_published and course.pk not in enrolled
    ]
    coach = enrolments[0].user.manager if enrolments else user.manager
    return Learning(courses=courses, available=available, coach=coach)


def team_for(*, user: User) -> QuerySet[User]:
    """The people whose training ``user`` oversees: direct reports, everyone for an admin.
    A rep has no team: 404."""
    if not (is_admin(user) or user.is_manager):
        raise Http404("No team.")
    return team_of(manager=user)


@dataclass(frozen=True)
class MemberTraining:
    person: User
    courses: list[CourseProgress]


def team_training_for(*, user: User) -> list[MemberTraining]:
    """Each person in ``user``'s team with their enrolments and progress; 404 for a rep.
    Two queries for the table, however many people and courses."""
    enrolments = _with_step_counts(enrolment_list_for(user=user))
    people = team_for(user=user).prefetch_related(
        Prefetch("enrolments", queryset=enrolments, to_attr="training")
    )
    return [
        MemberTraining(
            person=person,
            courses=[CourseProgress.of_annotated(enrolment) for enrolment in person.training],
        )
        for person in people
    ]


@dataclass(frozen=True)
class ModuleOutline:
    """A module as its learner sees it. ``module`` and its lessons carry ``completed`` (from
    ``course_detail_for``); ``quiz`` carries ``attempts_used``, ``passed``, ``open_attempt_id``."""

    module: Module
    quiz: Quiz | None

    @property
    def lessons(self) -> list[Lesson]:
        return list(self.module.lessons.all())

    @property
    def lessons_done(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.completed)

    @property
    def attempts_left(self) -> int | None:
        if self.quiz is None:
            return None
        return max(self.quiz.max_attempts - self.quiz.attempts_used, 0)

    @property
    def state(self) -> str:
        if self.module.completed:
            return "complete"
        if self.lessons_done or (
            self.quiz and (self.quiz.attempts_used or self.quiz.open_attempt_id)
        ):
            return "in_progress"
        return "not_started"

    @property
    def next_step(self) -> Lesson | Quiz | None:
        if self.module.completed:
            return None
        for lesson in self.lessons:
            if not lesson.completed:
                return lesson
        return self.quiz


@dataclass(frozen=True)
class CourseOutline:
    course: Course
    enrolment: Enrolment | None
    modules: list[ModuleOutline]

    @property
    def is_complete(self) -> bool:
        return bool(self.modules) and all(outline.module.completed for outline in self.modules)

    @property
    def is_overdue(self) -> bool:
        due = self.enrolment.due_date if self.enrolment else None
        return bool(due and due < timezone.localdate() and not self.is_complete)

    @property
    def percent(self) -> int:
        if self.is_complete:
            return 100
        done = total = 0
        for outline in self.modules:
            done += outline.lessons_done + int(bool(outline.quiz and outline.quiz.passed))
            total += len(outline.lessons) + int(outline.quiz is not None)
        return progress_percent(done=done, total=total)

    @property
    def next_step(self) -> Lesson | Quiz | None:
        return next((o.next_step for o in self.modules if o.next_step is not None), None)

    @property
    def next_lesson(self) -> Lesson | None:
        step = self.next_step
        return step if isinstance(step, Lesson) else None

    @property
    def next_quiz(self) -> Quiz | None:
        step = self.next_step
        return step if isinstance(step, Quiz) else None


def course_outline_for(*, user: User, course_id: int) -> CourseOutline:
    """A visible course with each module's state, lessons done and quiz standing for ``user``.
    404 for what they may not see; a fixed number of queries however many modules."""
    course = course_detail_for(user=user, course_id=course_id)
    mine = QuizAttempt.objects.filter(user=user, quiz=OuterRef("pk"))
    quizzes = (
        Quiz.objects.filter(module__course=course)
        .select_related("module")
        .annotate(
            attempts_used=_count_of(mine.filter(submitted_at__isnull=False), group_by="quiz"),
            passed=Exists(mine.filter(passed=True)),
            open_attempt_id=Subquery(mine.filter(submitted_at__isnull=True).values("pk")[:1]),
        )
    )
    by_module = {quiz.module_id: quiz for quiz in quizzes}
    return CourseOutline(
        course=course,
        enrolment=Enrolment.objects.filter(user=user, course=course).first(),
        modules=[ModuleOutline(module=m, quiz=by_module.get(m.pk)) for m in course.modules.all()],
    )


@dataclass(frozen=True)
class LessonReading:
    lesson: Lesson
    done: bool
    module_completed: bool
    previous: Lesson | None
    next: Lesson | None
    # The module's quiz, offered as the next step after the module's last lesson.
    quiz: Quiz | None

    @property
    def quiz_is_next(self) -> bool:
        return self.quiz is not None and (
            self.next is None or self.next.module_id != self.lesson.module_id
        )


def lesson_reading_for(*, user: User, lesson_id: int) -> LessonReading:
    """A visible lesson with ``user``'s standing on it and its neighbours in the course."""
    lesson = lesson_for(user=user, lesson_id=lesson_id)
    in_order = list(
        Lesson.objects.filter(module__course_id=lesson.module.course_id)
        .order_by("module__position", "position")
        .only("pk", "title", "module_id")
    )
    index = next(i for i, other in enumerate(in_order) if other.pk == lesson.pk)
    return LessonReading(
        lesson=lesson,
        done=LessonProgress.objects.filter(user=user, lesson=lesson).exists(),
        module_completed=ModuleCompletion.objects.filter(
            user=user, module_id=lesson.module_id
        ).exists(),
        previous=in_order[index - 1] if index > 0 else None,
        next=in_order[index + 1] if index + 1 < len(in_order) else None,
        quiz=Quiz.objects.filter(module_id=lesson.module_id).first(),
    )


@dataclass(frozen=True)
class QuizStanding:
    quiz: Quiz
    # The person's attempts, newest first.
    attempts: list[QuizAttempt]
    question_count: int
    attempts_left: int

    @property
    def open_attempt(self) -> QuizAttempt | None:
        return next((a for a in self.attempts if not a.is_submitted), None)

    @property
    def passed(self) -> bool:
        return any(a.passed for a in self.attempts)


def quiz_standing_for(*, user: User, quiz_id: int) -> QuizStanding:
    """A visible quiz with ``user``'s attempts at it; 404 for what they may not see."""
    quiz = quiz_for(user=user, quiz_id=quiz_id)
    pool = quiz.questions.count()
    return QuizStanding(
        quiz=quiz,
        attempts=list(QuizAttempt.objects.filter(user=user, quiz=quiz).order_by("-number")),
        question_count=min(quiz.questions_per_attempt or pool, pool),
        attempts_left=attempts_left(user=user, quiz=quiz),
    )


@dataclass(frozen=True)
class AttemptPage:
    sheet: AttemptSheet
    attempts_left: int
    # The person's completion of the quiz's module, whichever attempt (or lesson) brought it.
    completion: ModuleCompletion | None

    @property
    def attempt(self) -> QuizAttempt:
        return self.sheet.attempt

    @property
    def completed_module(self) -> bool:
        """This attempt's pass is what completed the module."""
        return self.completion is not None and self.completion.attempt_id == self.attempt.pk


def attempt_page_for(*, user: User, attempt_id: int) -> AttemptPage:
    """The person's own attempt in its frozen order; anyone else's is a 404."""
    attempt = attempt_for(user=user, attempt_id=attempt_id)
    return AttemptPage(
        sheet=attempt_sheet(attempt=attempt),
        attempts_left=attempts_left(user=user, quiz=attempt.quiz),
        completion=ModuleCompletion.objects.filter(
            user=user, module_id=attempt.quiz.module_id
        ).first(),
    )
