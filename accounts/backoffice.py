"""The back office: Django's admin at /admin/, for superusers only.

Admins work in the product's own pages (/people/, /author/); the Django admin stays for the
few who run the system. Its home page puts people and content first and gathers the
internals (API tokens, the audit trail, sign-in lockout records) under one heading of their
own. Installed as the admin's default site by ``BackOfficeAdminConfig`` in ``INSTALLED_APPS``,
so ``admin.site`` (which every ``admin.py`` registers with) is this site.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.urls import reverse

# (app label, model name) of what only the people running the system need to read.
INTERNALS = {
    ("accounts", "ApiToken"),
    ("accounts", "AuditEvent"),
    ("axes", "AccessAttempt"),
    ("axes", "AccessFailureLog"),
    ("axes", "AccessLog"),
}
INTERNALS_LABEL = "internals"
# The groups' order on the home page; any other app comes after them, before the internals.
FIRST = ("accounts", "lms", "coaching")


class BackOfficeSite(admin.AdminSite):
    site_header = "Skillcoach back office"
    site_title = "Skillcoach back office"
    index_title = "Back office"
    site_url = "/"

    def has_permission(self, request: HttpRequest) -> bool:
        """Superusers only: an admin of the organisation works in /people/ and /author/."""
        user = request.user
        return bool(user.is_active and user.is_superuser)

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        internals: list[dict] = []
        kept: list[dict] = []
        for app in apps:
            for model in app["models"]:
                if (app["app_label"], model["object_name"]) == ("accounts", "User"):
                    model["name"] = "People"
            models = [m for m in app["models"] if (app["app_label"], m["object_name"]) in INTERNALS]
            internals += models
            app["models"] = [m for m in app["models"] if m not in models]
            if app["models"]:
                kept.append(app)
        kept.sort(key=lambda app: FIRST.index(app["app_label"]) if app["app_label"] in FIRST else 9)
        if internals:
            kept.append(
                {
                    "name": "Internals: API tokens, audit trail, sign-in lockouts",
                    "app_label": INTERNALS_LABEL,
                    "app_url": reverse("admin:index", current_app=self.name) + "#internals",
                    "has_module_perms": True,
                    "models": sorted(internals, key=lambda model: str(model["name"])),
                }
            )
        return kept


class BackOfficeAdminConfig(AdminConfig):
    default_site = "accounts.backoffice.BackOfficeSite"
