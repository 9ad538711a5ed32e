"""The signed-in person's own pages, under /accounts/ beside signing in and the password views,
and named without a namespace as Django's auth views are (``profile``)."""

from django.urls import path

from coaching.web import calendars, profile

urlpatterns = [
    path("profile/", profile.profile, name="profile"),
    path(
        "profile/tokens/<int:token_id>/revoke/",
        profile.token_revoke_view,
        name="profile_token_revoke",
    ),
    # The person's own calendar, read for busy times (coaching/web/calendars.py).
    path("profile/calendar/", calendars.calendar_set_view, name="profile_calendar_set"),
    path("profile/calendar/clear/", calendars.calendar_clear_view, name="profile_calendar_clear"),
    path("profile/calendar/read/", calendars.calendar_read_view, name="profile_calendar_read"),
]
