from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from config.api import api, api_not_found
from config.health import healthz

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),
    path("healthz", healthz, name="healthz"),
    path("cuenta/", include("cms.urls")),
    path("", include("lms.urls")),
    path("medios/", include("media_pipeline.urls")),
    path("tramites/", include("tramites_bridge.urls")),
    path("", include("broadcast.urls")),
]

if settings.DEBUG or getattr(settings, "SERVE_MEDIA", False):
    # The demo serves uploaded images itself; production puts media behind the web server or S3.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

urlpatterns += [path("", include(wagtail_urls))]
