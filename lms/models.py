"""Training content and each person's progress through it (DESIGN §4, lms)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from lms.content import render_markdown
from lms.querysets import CourseQuerySet, ModuleQuerySet, QuizAttemptQuerySet


class Skill(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    skills = models.ManyToManyField(Skill, blank=True, related_name="courses")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CourseQuerySet.as_manager()

    # Who changed what and when, shown on the course's authoring page (bulk writes skip it).
    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Module(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    slug = models.SlugField()
    position = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=200)
    objectives = models.TextField(blank=True, help_text="Markdown; usually a short list.")
    skills = models.ManyToManyField(Skill, blank=True, related_name="modules")
    # The coaching guide: what the manager asks, watches for and sets as practice.
    coaching_questions = models.JSONField(default=list, blank=True)
    coaching_behaviours = models.JSONField(default=list, blank=True)
    practice_task = models.TextField(blank=True)

    objects = ModuleQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "position"], name="module_position_unique"),
            models.UniqueConstraint(fields=["course", "slug"], name="module_slug_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.course} › {self.title}"

    @property
    def objectives_html(self) -> str:
        return render_markdown(self.objectives)


class Lesson(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    position = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, help_text="Markdown. Scripts and raw HTML are removed.")
    body_html = models.TextField(blank=True, editable=False)
    video_url = models.URLField(blank=True, help_text="YouTube or Vimeo embeds; other links.")
    minutes = models.PositiveIntegerField(default=5, validators=[MinValueValidator(1)])

    # The HTML is derived from the body, so the history need not keep it twice.
    history = HistoricalRecords(excluded_fields=["body_html"])

    class Meta:
        ordering = ["module", "position"]
        constraints = [
            models.UniqueConstraint(fields=["module", "position"], name="lesson_position_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # The sanitised HTML is derived from the Markdown; keeping them together is the invariant.
        self.body_html = render_markdown(self.body)
        if kwargs.get("update_fields") is not None and "body" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_html"}
        super().save(*args, **kwargs)


class Quiz(models.Model):
    class ReviewPolicy(models.TextChoices):
        """When a rep is shown which choices were right (the key); which questions they missed
        and the explanations are shown after every attempt whatever the policy."""

        AFTER_ATTEMPT = "after_attempt", "After each attempt"
        ONCE_PASSED = "once_passed", "Only once passed"
        PASSED_OR_EXHAUSTED = "passed_or_exhausted", "Once passed or attempts used up"

    module = models.OneToOneField(Module, on_delete=models.CASCADE, related_name="quiz")
    pass_mark = models.PositiveIntegerField(
        default=80, validators=[MinValueValidator(1), MaxValueValidator(100)], help_text="1–100 %"
    )
    max_attempts = models.PositiveIntegerField(
        default=3, validators=[MinValueValidator(1)], help_text="How many attempts a rep gets."
    )
    shuffle_choices = models.BooleanField(default=True)
    questions_per_attempt = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Draw this many questions at random from the pool; empty asks them all.",
    )
    review_policy = models.CharField(
        max_length=24,
        choices=ReviewPolicy.choices,
        default=ReviewPolicy.PASSED_OR_EXHAUSTED,
        help_text="When a rep sees the right answers. Missed questions and explanations are "
        "shown after every attempt.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "quizzes"
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_mark__gte=1, pass_mark__lte=100), name="quiz_pass_mark_range"
            ),
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="quiz_max_attempts_min"),
        ]

    def __str__(self) -> str:
        return f"Quiz: {self.module.title}"


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=1)
    prompt = models.TextField()
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SINGLE)
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="questions")
    explanation = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["quiz", "position"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "position"], name="question_position_unique"),
        ]

    def __str__(self) -> str:
        return self.prompt[:80]


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveIntegerField(default=1)
    text = models.CharField(max_length=500)
    is_correct = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["question", "position"]
        constraints = [
            models.UniqueConstraint(fields=["question", "position"], name="choice_position_unique"),
        ]

    def __str__(self) -> str:
        return self.text


class Enrolment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrolments")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="enrolment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}"


class LessonProgress(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    # PROTECT: content that people have progress on is archived, never deleted.
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="progress")
    completed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "lesson progress"
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="lesson_progress_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} finished {self.lesson}"


class QuizAttempt(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveIntegerField()
    # Frozen at start: [{"question": id, "choices": [id, ...]}, ...] in the order shown.
    layout = models.JSONField(default=list)
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)

    objects = QuizAttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quiz", "number"], name="attempt_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100), name="attempt_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.quiz} · #{self.number}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def question_ids(self) -> list[int]:
        return [item["question"] for item in self.layout]


class AttemptAnswer(models.Model):
    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    choice_ids = models.JSONField(default=list)
    is_correct = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="answer_unique"),
        ]

    def __str__(self) -> str:
        return f"Answer to {self.question_id} in attempt {self.attempt_id}"


class ExtraAttemptGrant(models.Model):
    """More attempts at a quiz for one person, given by their manager or an admin."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="extra_attempt_grants"
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="extra_attempt_grants")
    attempts = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField()

    class Meta:
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(attempts__gte=1), name="extra_attempts_min"),
        ]

    def __str__(self) -> str:
        return f"{self.attempts} more for {self.user} at {self.quiz}"


class ExtraAttemptRequest(models.Model):
    """A person out of attempts asking their manager for more; answered by a grant."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="extra_attempt_requests"
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="extra_attempt_requests")
    # Whom they asked: the manager at the time.
    asked = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_at = models.DateTimeField()
    grant = models.ForeignKey(
        ExtraAttemptGrant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-asked_at", "-pk"]
        constraints = [
            # Asking again while a request is open notifies nobody a second time.
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=Q(grant__isnull=True),
                name="extra_attempt_request_open_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} asks for more attempts at {self.quiz}"


class ModuleCompletion(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="module_completions"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="completions")
    completed_at = models.DateTimeField()
    score = models.PositiveIntegerField(null=True, blank=True)
    attempt = models.ForeignKey(
        QuizAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-completed_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="module_completion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} completed {self.module}"
