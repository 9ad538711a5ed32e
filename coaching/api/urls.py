from django.urls import path

from coaching.api.reminders import ReminderListApi

urlpatterns: list = [
    path("reminders/", ReminderListApi.as_view(), name="api-reminders"),
]
