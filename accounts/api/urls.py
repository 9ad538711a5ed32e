from django.urls import path

from accounts.api.people import PeopleImportApi
from accounts.api.views import MeApi, TokenObtainApi

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
    path("me/", MeApi.as_view(), name="api-me"),
    path("people/import/", PeopleImportApi.as_view(), name="api-people-import"),
]
