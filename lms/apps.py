from django.apps import AppConfig


class LmsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms"
    verbose_name = "Training"

    def ready(self) -> None:
        from lms.catalogue import catalogue_receivers_connect

        catalogue_receivers_connect()
