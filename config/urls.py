from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.views import AdminLoginView
from config.api import api, api_not_found
from config.health import healthz
from config.media import media_urlpatterns

urlpatterns = [
    # before Wagtail's own login view, which it replaces (same path and name)
    path("admin/login/", AdminLoginView.as_view(), name="wagtailadmin_login"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),
    path("healthz", healthz, name="healthz"),
    path("cuenta/", include("cms.urls")),
    path("", include("lms.urls")),
    path("medios/", include("media_pipeline.urls")),
    path("tramites/", include("tramites_bridge.urls")),
    path("cabina/", include("tramites_bridge.desk_urls")),
    path("", include("broadcast.urls")),
]

# The demo serves uploads itself, never as HTML; production puts media behind the web server or S3.
urlpatterns += media_urlpatterns()

urlpatterns += [path("", include(wagtail_urls))]

# A database, cache or broker outage answers 503 in Spanish; anything else, the 500 page.
handler500 = "core.outage.server_error"
