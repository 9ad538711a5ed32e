"""People at /people/: the roster, one person's page, CSV import, invitations, deactivation."""

from django.urls import path

from accounts.people import csv_import, views, welcome

app_name = "people"

urlpatterns = [
    path("", views.roster, name="roster"),
    path("add/", views.person_add, name="add"),
    path("import/", csv_import.people_import, name="import"),
    path("<int:pk>/", views.person, name="person"),
    path("<int:pk>/invite/", views.person_invite, name="invite"),
    path("<int:pk>/deactivate/", views.person_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.person_reactivate, name="reactivate"),
    path(
        "welcome/<uidb64>/<token>/",
        welcome.InvitationAcceptView.as_view(),
        name="invitation",
    ),
    path("welcome/done/", welcome.InvitationDoneView.as_view(), name="invitation_done"),
]
