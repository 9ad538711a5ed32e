from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import healthz
from config.schema import ApiDocsPermission

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("lms.api.urls")),
    path("", include("coaching.api.urls")),
]

urlpatterns = [
    path("", include("accounts.urls")),
    path("accounts/", include("coaching.web.account_urls")),
    path("learn/", include("lms.urls")),
    path("coaching/", include("coaching.web.urls")),
    path("author/", include("lms.author.urls")),
    path("people/", include("accounts.people.urls")),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(permission_classes=[ApiDocsPermission]),
        name="api-schema",
    ),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", permission_classes=[ApiDocsPermission]
        ),
        name="api-docs",
    ),
]
