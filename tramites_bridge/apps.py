from django.apps import AppConfig


class TramitesBridgeConfig(AppConfig):
    name = "tramites_bridge"
    verbose_name = "Trámites"
    default_auto_field = "django.db.models.BigAutoField"
