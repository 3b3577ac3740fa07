from django.apps import AppConfig


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = "Curso"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.anonymise import retention_step_register
        from lms import signals  # noqa: F401
        from lms.hooks import register_lesson_server
        from lms.retention import retention_steps
        from lms.selectors import lesson_asset_watch_allowed
        from lms.views import lesson_serve
        from media_pipeline.permissions import register_watch_rule

        # the player URLs of media_pipeline ask lms who may play a lesson's material
        register_watch_rule(lesson_asset_watch_allowed)
        register_lesson_server(lesson_serve)
        for step in retention_steps():
            retention_step_register(step)
