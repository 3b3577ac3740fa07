from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _site_settings_changed(sender, **kwargs):
    from cms.templatetags.cms_tags import SITE_SETTINGS
    from core.cache import bump

    bump(SITE_SETTINGS)


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Sitio"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cms.models import SiteSettings

        for signal in (post_save, post_delete):
            signal.connect(
                _site_settings_changed,
                sender=SiteSettings,
                dispatch_uid=f"cms.site_settings_changed.{id(signal)}",
            )
