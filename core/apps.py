from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PlatformConfig(AppConfig):
    """Floor 0: the mechanisms every app shares (error contract, roles, throttling, accounts and
    API tokens, the cache's generation tokens, seed helpers). Its label stays "platform", the
    label these tables and migrations have always had, so a site migrated before the move keeps
    its data and its migration history."""

    name = "core"
    label = "platform"
    verbose_name = "Plataforma"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.cache import connect_signals
        from core.roles import roles_apply

        connect_signals()

        post_migrate.connect(roles_apply, dispatch_uid="platform.roles_apply")
