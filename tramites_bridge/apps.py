from django.apps import AppConfig


class TramitesBridgeConfig(AppConfig):
    name = "tramites_bridge"
    verbose_name = "Trámites"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tramites_bridge import caching, tracking

        tracking.connect_cache_signals()
        caching.connect_cache_signals()
