from django.urls import path

from lms.api.views import (
    AttemptDetailApi,
    AttemptStartApi,
    AttemptSubmitApi,
    CompletionListApi,
    CourseDetailApi,
    CourseListApi,
    EnrolmentListCreateApi,
    ExtraAttemptsApi,
    LessonCompleteApi,
)

urlpatterns = [
    path("courses/", CourseListApi.as_view(), name="api-course-list"),
    path("courses/<int:course_id>/", CourseDetailApi.as_view(), name="api-course-detail"),
    path("enrolments/", EnrolmentListCreateApi.as_view(), name="api-enrolment-list"),
    path(
        "lessons/<int:lesson_id>/complete/",
        LessonCompleteApi.as_view(),
        name="api-lesson-complete",
    ),
    path("quizzes/<int:quiz_id>/attempts/", AttemptStartApi.as_view(), name="api-attempt-start"),
    path(
        "quizzes/<int:quiz_id>/extra-attempts/",
        ExtraAttemptsApi.as_view(),
        name="api-quiz-extra-attempts",
    ),
    path("attempts/<int:attempt_id>/", AttemptDetailApi.as_view(), name="api-attempt-detail"),
    path(
        "attempts/<int:attempt_id>/submit/", AttemptSubmitApi.as_view(), name="api-attempt-submit"
    ),
    path("completions/", CompletionListApi.as_view(), name="api-completion-list"),
]
