from django.apps import AppConfig


class CoachingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coaching"
    verbose_name = "Coaching"

    def ready(self) -> None:
        from coaching.receivers import follow_up_on_module_completed
        from lms.models import ModuleCompletion
        from lms.signals import module_completed

        module_completed.connect(
            follow_up_on_module_completed,
            sender=ModuleCompletion,
            dispatch_uid="coaching.follow_up_on_module_completed",
        )
