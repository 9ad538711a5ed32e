"""Input and output shapes of the training API, one pair per operation.

Nothing that grades an attempt (which choices are right, explanations, per-question verdicts)
appears in a serializer used before the attempt is submitted.
"""

from __future__ import annotations

from rest_framework import serializers

from config.api import ErrorSerializer as ErrorSerializer
from config.api import IdField, StrictInputSerializer
from config.dates import date_in_range
from lms.models import Course, Enrolment, Lesson, Module, ModuleCompletion, Question, Skill
from lms.selectors.access import courses_visible_to
from lms.services.extra_attempts import EXTRA_ATTEMPTS_MAX

# --- courses -----------------------------------------------------------------------------------


class SkillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["id", "slug", "name"]
        read_only_fields = fields


# What the list and the detail both say of a course.
COURSE_FIELDS = ["id", "slug", "title", "summary", "status", "skills"]


class CourseListItemSerializer(serializers.ModelSerializer):
    skills = SkillSerializer(many=True, read_only=True)
    module_count = serializers.IntegerField(read_only=True)
    completed_module_count = serializers.IntegerField(
        read_only=True, help_text="Modules of this course the caller has completed."
    )

    class Meta:
        model = Course
        fields = [*COURSE_FIELDS, "module_count", "completed_module_count"]
        read_only_fields = fields


class LessonSerializer(serializers.ModelSerializer):
    completed = serializers.BooleanField(read_only=True, help_text="The caller has done it.")
    # A plain string, not a URI: a lesson without a video has "".
    video_url = serializers.CharField(
        read_only=True, help_text="A YouTube or Vimeo address or another link; empty if none."
    )

    class Meta:
        model = Lesson
        fields = ["id", "title", "minutes", "position", "body_html", "video_url", "completed"]
        read_only_fields = fields


class ModuleSerializer(serializers.ModelSerializer):
    skills = SkillSerializer(many=True, read_only=True)
    objectives_html = serializers.CharField(read_only=True)
    lessons = LessonSerializer(many=True, read_only=True)
    quiz = serializers.IntegerField(
        source="quiz_pk", read_only=True, allow_null=True, help_text="The module's quiz, if any."
    )
    completed = serializers.BooleanField(read_only=True, help_text="The caller completed it.")

    class Meta:
        model = Module
        fields = [
            "id",
            "slug",
            "position",
            "title",
            "objectives",
            "objectives_html",
            "skills",
            "lessons",
            "quiz",
            "completed",
        ]
        read_only_fields = fields


class CourseDetailSerializer(serializers.ModelSerializer):
    skills = SkillSerializer(many=True, read_only=True)
    modules = ModuleSerializer(many=True, read_only=True)
    completed_modules = serializers.SerializerMethodField(
        help_text="Ids of the modules the caller has completed."
    )

    class Meta:
        model = Course
        fields = [*COURSE_FIELDS, "modules", "completed_modules"]
        read_only_fields = fields

    def get_completed_modules(self, course: Course) -> list[int]:
        return [module.pk for module in course.modules.all() if module.completed]


# --- enrolments --------------------------------------------------------------------------------


class EnrolmentCreateInputSerializer(StrictInputSerializer):
    """``{course}`` enrols the caller; ``{course, user, due_date}`` assigns the course."""

    course = serializers.PrimaryKeyRelatedField(
        queryset=Course.objects.none(), error_messages={"does_not_exist": "No such course."}
    )
    user = IdField(
        required=False, help_text="Whom to assign the course to; leave out to enrol yourself."
    )
    due_date = serializers.DateField(required=False, allow_null=True, validators=[date_in_range])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Courses the caller cannot see are as unknown as ids that do not exist.
        request = self.context.get("request")
        if request is not None:
            self.fields["course"].queryset = courses_visible_to(user=request.user)


class EnrolmentSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.__str__", read_only=True)
    course_title = serializers.CharField(source="course.title", read_only=True)
    overdue = serializers.BooleanField(
        read_only=True, help_text="Past the due date with modules still to complete."
    )
    module_count = serializers.IntegerField(read_only=True)
    completed_module_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "user",
            "user_name",
            "course",
            "course_title",
            "assigned_by",
            "due_date",
            "overdue",
            "module_count",
            "completed_module_count",
            "created_at",
        ]
        read_only_fields = fields


# --- lessons -----------------------------------------------------------------------------------


class LessonCompletionSerializer(serializers.Serializer):
    lesson = serializers.IntegerField()
    completed_at = serializers.DateTimeField()
    module_completed = serializers.BooleanField(
        help_text="True when this request completed the module."
    )
    follow_up_session = serializers.IntegerField(
        allow_null=True, help_text="The coaching session booked because the module was completed."
    )


# --- quiz attempts -----------------------------------------------------------------------------


class AttemptChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    text = serializers.CharField()


class AttemptQuestionSerializer(serializers.Serializer):
    """A question as shown while the attempt is open: nothing about which choices are right."""

    id = serializers.IntegerField(source="question.pk")
    prompt = serializers.CharField(source="question.prompt")
    kind = serializers.ChoiceField(source="question.kind", choices=Question.Kind.choices)
    choices = AttemptChoiceSerializer(many=True)


class AttemptSerializer(serializers.Serializer):
    """An open attempt: its questions and choices in the order frozen when it started."""

    id = serializers.IntegerField(source="attempt.pk")
    number = serializers.IntegerField(source="attempt.number")
    quiz = serializers.IntegerField(source="attempt.quiz_id")
    max_attempts = serializers.IntegerField(source="attempt.quiz.max_attempts")
    pass_mark = serializers.IntegerField(source="attempt.quiz.pass_mark")
    started_at = serializers.DateTimeField(source="attempt.started_at")
    submitted_at = serializers.DateTimeField(source="attempt.submitted_at", allow_null=True)
    questions = AttemptQuestionSerializer(many=True, source="items")


class GradedQuestionSerializer(AttemptQuestionSerializer):
    """A question of a submitted attempt: the right choices (when the quiz's review policy shows
    them), the chosen ones and why."""

    correct_choices = serializers.ListField(
        child=serializers.IntegerField(),
        source="correct_choice_ids",
        allow_null=True,
        help_text="Null while the quiz's review policy withholds the right answers.",
    )
    chosen_choices = serializers.ListField(
        child=serializers.IntegerField(), source="chosen_choice_ids"
    )
    is_correct = serializers.BooleanField()
    explanation = serializers.CharField(source="question.explanation")


KEY_SHOWN_HELP = (
    "Whether the right answers are shown, by the quiz's review policy: after each attempt, "
    "once passed, or once passed or attempts used up."
)


class GradedAttemptSerializer(AttemptSerializer):
    """A submitted attempt with its score and, per question, the chosen choices and (by the
    quiz's review policy) the right ones."""

    score = serializers.IntegerField(source="attempt.score")
    passed = serializers.BooleanField(source="attempt.passed")
    correct_choices_shown = serializers.BooleanField(source="key_shown", help_text=KEY_SHOWN_HELP)
    questions = GradedQuestionSerializer(many=True, source="items")


class AnswerInputSerializer(StrictInputSerializer):
    question = IdField()
    choices = serializers.ListField(child=IdField(), allow_empty=True, max_length=50)


class AttemptSubmitInputSerializer(StrictInputSerializer):
    answers = AnswerInputSerializer(many=True, max_length=500)


class AttemptResultSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    passed = serializers.BooleanField()
    module_completed = serializers.BooleanField(
        help_text="True when this submission completed the module."
    )
    follow_up_session = serializers.IntegerField(
        allow_null=True, help_text="The coaching session booked because the module was completed."
    )
    correct_choices_shown = serializers.BooleanField(help_text=KEY_SHOWN_HELP)
    results = GradedQuestionSerializer(many=True)


# --- extra attempts ----------------------------------------------------------------------------


class ExtraAttemptsInputSerializer(StrictInputSerializer):
    user = IdField(help_text="The person to give more attempts: your direct report.")
    attempts = serializers.IntegerField(
        min_value=1,
        max_value=EXTRA_ATTEMPTS_MAX,
        help_text=f"How many more attempts, from 1 to {EXTRA_ATTEMPTS_MAX}.",
        error_messages={
            "min_value": f"Give from 1 to {EXTRA_ATTEMPTS_MAX} more attempts at a time.",
            "max_value": f"Give from 1 to {EXTRA_ATTEMPTS_MAX} more attempts at a time.",
        },
    )


class ExtraAttemptGrantSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="grant.pk")
    user = serializers.IntegerField(source="grant.user_id")
    quiz = serializers.IntegerField(source="grant.quiz_id")
    attempts = serializers.IntegerField(source="grant.attempts")
    granted_by = serializers.IntegerField(source="grant.granted_by_id")
    granted_at = serializers.DateTimeField(source="grant.granted_at")
    attempts_left = serializers.IntegerField(
        help_text="The person's attempts left at the quiz, this grant included."
    )


# --- completions -------------------------------------------------------------------------------


class CompletionSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.__str__", read_only=True)
    module_title = serializers.CharField(source="module.title", read_only=True)
    course = serializers.IntegerField(source="module.course_id", read_only=True)
    course_title = serializers.CharField(source="module.course.title", read_only=True)

    class Meta:
        model = ModuleCompletion
        fields = [
            "id",
            "user",
            "user_name",
            "module",
            "module_title",
            "course",
            "course_title",
            "completed_at",
            "score",
        ]
        read_only_fields = fields
