"""Serving uploaded files in the demo (DEBUG or SERVE_MEDIA): never as a page of this site.

Anyone who can upload (a citizen's attachment, an editor's image) could otherwise upload an
.html or .svg file with a script in it and send its /media/ link to a victim: the browser would
run it with this site's cookies. So it is sent as every file is (core.downloads): only raster
images, audio and video inline, the rest a download, with the file policy and nosniff.
Production puts media behind the web server or S3 instead.
"""

from pathlib import PurePosixPath

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.urls import URLPattern, re_path
from django.utils.http import content_disposition_header
from django.views.static import serve

from core.downloads import secure_file_response, sends_as_attachment


def serve_media(request: HttpRequest, path: str) -> HttpResponseBase:
    response = secure_file_response(serve(request, path, document_root=settings.MEDIA_ROOT))
    # A 304 has no type of its own; the browser keeps the headers of the 200 it revalidates.
    content_type = response.get("Content-Type", "")
    if response.status_code == 200 and sends_as_attachment(content_type, inline_requested=True):
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
