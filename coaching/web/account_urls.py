"""The signed-in person's own pages, under /accounts/ beside signing in and the password views,
and named without a namespace as Django's auth views are (``profile``)."""

from django.urls import path

from coaching.web import profile

urlpatterns = [
    path("profile/", profile.profile, name="profile"),
    path(
        "profile/tokens/<int:token_id>/revoke/",
        profile.token_revoke_view,
        name="profile_token_revoke",
    ),
]
