from django.apps import AppConfig


class TramitesBridgeConfig(AppConfig):
    name = "tramites_bridge"
    verbose_name = "Trámites"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tramites_bridge.tracking import connect_cache_signals

        connect_cache_signals()
