from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "People and reporting lines"

    def ready(self) -> None:
        # Token revocation and the audit trail on credential changes, sign-ins and lockouts.
        from accounts import receivers  # noqa: F401
