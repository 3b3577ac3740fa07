"""Serving uploaded files in the demo (DEBUG or SERVE_MEDIA): never as a page of this site.

Anyone who can upload (a citizen's attachment, an editor's image) could otherwise upload an
.html or .svg file with a script in it and send its /media/ link to a victim: the browser would
run it with this site's cookies. So only raster images, audio and video are shown inline; every
other file is a download, the browser may not guess another type, and the response carries a
sandboxing policy of its own. Production puts media behind the web server or S3 instead.
"""

from pathlib import PurePosixPath

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.urls import URLPattern, re_path
from django.utils.http import content_disposition_header
from django.views.static import serve

INLINE_PREFIXES = ("image/", "audio/", "video/")
# Images that are documents: an SVG may carry scripts, so it is downloaded like any other.
NEVER_INLINE = {"image/svg+xml"}
SANDBOX_POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"


def shows_inline(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind.startswith(INLINE_PREFIXES) and kind not in NEVER_INLINE


def serve_media(request: HttpRequest, path: str) -> HttpResponseBase:
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_POLICY
    # A 304 has no type of its own; the browser keeps the headers of the 200 it revalidates.
    if response.status_code == 200 and not shows_inline(response.get("Content-Type", "")):
        response["Content-Type"] = "application/octet-stream"
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=PurePosixPath(path).name or "archivo"
        )
    return response


def media_urlpatterns(*, force: bool = False) -> list[URLPattern]:
    """The /media/ route, only where the project serves its own uploads (the demo)."""
    if not (force or settings.DEBUG or getattr(settings, "SERVE_MEDIA", False)):
        return []
    return [re_path(r"^media/(?P<path>.*)$", serve_media, name="media")]
