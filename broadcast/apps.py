from django.apps import AppConfig


class BroadcastConfig(AppConfig):
    name = "broadcast"
    verbose_name = "Programación de TV"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The LMS asks "has this lesson aired yet?" through its hook; it never imports broadcast.
        from broadcast.selectors import lessons_first_airing
        from lms.hooks import register_first_airing_provider

        register_first_airing_provider(lessons_first_airing)
