"""People at /people/: the roster, one person's page, CSV import, invitations, deactivation."""

from django.urls import path

from accounts.people import csv_import, views, welcome

app_name = "people"

urlpatterns = [
    path("", views.roster, name="roster"),
    path("add/", views.person_add, name="add"),
    path("import/", csv_import.people_import, name="import"),
    path("<int:person_id>/", views.person, name="person"),
    path("<int:person_id>/invite/", views.person_invite, name="invite"),
    path("<int:person_id>/deactivate/", views.person_deactivate, name="deactivate"),
    path("<int:person_id>/reactivate/", views.person_reactivate, name="reactivate"),
    path(
        "welcome/<uidb64>/<token>/",
        welcome.InvitationAcceptView.as_view(),
        name="invitation",
    ),
    path("welcome/done/", welcome.InvitationDoneView.as_view(), name="invitation_done"),
]
