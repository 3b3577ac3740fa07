from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PlatformConfig(AppConfig):
    """Cross-cutting infrastructure: API tokens, worker heartbeat, roles, throttling."""

    name = "config"
    label = "platform"
    verbose_name = "Plataforma"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from config.page_cache import connect_signals
        from config.roles import roles_apply

        connect_signals()

        post_migrate.connect(roles_apply, dispatch_uid="platform.roles_apply")
