from django.apps import AppConfig


class TramitesBridgeConfig(AppConfig):
    name = "tramites_bridge"
    verbose_name = "Trámites"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.anonymise import retention_step_register
        from tramites_bridge import caching, tracking
        from tramites_bridge.retention import retention_steps

        tracking.connect_cache_signals()
        caching.connect_cache_signals()
        for step in retention_steps():
            retention_step_register(step)
