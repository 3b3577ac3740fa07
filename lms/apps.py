from django.apps import AppConfig


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = "Curso"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms import signals  # noqa: F401
