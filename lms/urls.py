from django.urls import path

from lms import views

app_name = "lms"

urlpatterns = [
    path("", views.my_learning, name="my_learning"),
    path("team/", views.team_training, name="team"),
    path("team/assign-team/", views.team_assign, name="team_assign"),
    path("team/extra-attempts/", views.extra_attempts_grant, name="extra_attempts_grant"),
    path("courses/<int:course_id>/", views.course_detail, name="course"),
    path("courses/<int:course_id>/start/", views.course_start, name="course_start"),
    path("lessons/<int:lesson_id>/", views.lesson_detail, name="lesson"),
    path("lessons/<int:lesson_id>/complete/", views.lesson_mark_complete, name="lesson_complete"),
    path("quizzes/<int:quiz_id>/", views.quiz_detail, name="quiz"),
    path("quizzes/<int:quiz_id>/start/", views.quiz_start, name="quiz_start"),
    path("quizzes/<int:quiz_id>/ask/", views.quiz_ask, name="quiz_ask"),
    path("attempts/<int:attempt_id>/", views.attempt_detail, name="attempt"),
    path("attempts/<int:attempt_id>/submit/", views.attempt_submit, name="attempt_submit"),
]
