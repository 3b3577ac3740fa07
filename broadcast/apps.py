from django.apps import AppConfig


class BroadcastConfig(AppConfig):
    name = "broadcast"
    verbose_name = "Programación de TV"
    default_auto_field = "django.db.models.BigAutoField"
