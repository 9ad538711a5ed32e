from django.urls import include, path

app_name = "author"

urlpatterns: list = [
    # The editors of one lesson, one quiz and one coaching guide, and the rep's-eye preview.
    path("", include("lms.author.editor_urls")),
]
