"""The one function that serves every stored file (originals, renditions, documents, and the
lesson bundles `lms` builds): through Django's storage API only, so S3 works the same as the
local disk.

Students resume interrupted downloads over metered links, so it answers HTTP Range (206, and 416
for a range that cannot be satisfied), validates with ETag/If-None-Match (304) and If-Range, and
always states Content-Length. MEDIA_SERVE_MODE switches production serving:
- "direct": Django streams the bytes (the default; fine behind WhiteNoise-less gunicorn for
  moderate traffic),
- "x-accel": nginx streams the file named in X-Accel-Redirect (MEDIA_X_ACCEL_PREFIX + storage
  name); Django only checks permissions and names the file,
- "signed-url": a 302 to the storage's signed URL (S3), valid MEDIA_SIGNED_URL_SECONDS.
With S3 storage, "direct" reads each range from the bucket as it is sent (stored_files), so any
web process serves any file and a resumed download fetches only the bytes it asks for;
"signed-url" takes the bytes off the web tier altogether (the bucket answers Range itself).
"""

import hashlib
import mimetypes
import re
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db.models.fields.files import FieldFile
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.http import content_disposition_header, http_date

from core.downloads import secure_file_response, sends_as_attachment
from media_pipeline.stored_files import StoredStat, stored_range, stored_stat

_RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


class _Unsatisfiable(Exception):
    pass


def _storage_and_name(file: FieldFile | str) -> tuple[Storage, str]:
    if isinstance(file, FieldFile):
        if not file.name:
            raise Http404("Sin archivo")
        return file.storage, file.name
    return default_storage, str(file)


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte positions, inclusive; None to ignore the header (send everything).
    Multiple ranges are answered with the whole file, which RFC 9110 allows."""
    match = _RANGE_RE.match(header)
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # the last N bytes
        suffix = int(last)
        if suffix == 0:
            raise _Unsatisfiable
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # invalid: ignored, as RFC 9110 says
    if start >= size:
        raise _Unsatisfiable
    return start, min(end, size - 1)


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [c.strip().removeprefix("W/") for c in header.split(",")]
    return "*" in candidates or etag in candidates


def serve_stored_file(
    request: HttpRequest,
    *,
    file: FieldFile | str,
    filename: str,
    content_type: str | None = None,
    as_attachment: bool = True,
    etag: str | None = None,
) -> HttpResponseBase:
    """Serves `file` (a FieldFile, or a name in the default storage) as `filename`.

    `as_attachment=False` asks for inline, granted only to audio, video and images
    (core.downloads); every response carries the file policy and nosniff.
    The caller has already checked who may download it. `etag` may be a content hash the caller
    knows (a rendition's sha256); otherwise one is derived from the name, size and mtime.
    Raises Http404 when the stored file is missing."""
    storage, name = _storage_and_name(file)
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    as_attachment = sends_as_attachment(content_type, inline_requested=not as_attachment)
    disposition = content_disposition_header(as_attachment, filename)
    mode = getattr(settings, "MEDIA_SERVE_MODE", "direct")

    if mode == "signed-url":
        return _signed_url_redirect(storage, name, disposition, content_type)

    try:
        stat = stored_stat(storage, name)
    except FileNotFoundError:
        raise Http404("Archivo no encontrado") from None
    quoted_etag = f'"{etag or _derived_etag(name, stat)}"'

    if_none_match = request.headers.get("If-None-Match")
    if if_none_match and _etag_matches(if_none_match, quoted_etag):
        return _with_file_headers(HttpResponse(status=304), quoted_etag, stat)

    if mode == "x-accel":
        response = _x_accel_response(name, content_type)
    else:
        try:
            byte_range = _requested_range(request, stat.size, quoted_etag)
        except _Unsatisfiable:
            return _with_file_headers(_unsatisfiable_response(stat.size), quoted_etag, stat)
        response = _bytes_response(request, storage, name, stat, byte_range, content_type)
    response["Content-Disposition"] = disposition
    return _with_file_headers(response, quoted_etag, stat)


def _x_accel_response(name: str, content_type: str) -> HttpResponse:
    """An empty answer naming the file for nginx, which streams it (and answers Range)."""
    response = HttpResponse(content_type=content_type)
    prefix = settings.MEDIA_X_ACCEL_PREFIX.rstrip("/")
    response["X-Accel-Redirect"] = f"{prefix}/{quote(name)}"
    return response


def _unsatisfiable_response(size: int) -> HttpResponse:
    response = HttpResponse(status=416, content_type="text/plain; charset=utf-8")
    response.content = "El rango pedido está fuera del archivo.".encode()
    response["Content-Range"] = f"bytes */{size}"
    return response


def _signed_url_redirect(
    storage: Storage, name: str, disposition: str, content_type: str
) -> HttpResponseRedirect:
    """A 302 to the storage's signed URL, which answers with our filename and type."""
    try:
        url = storage.url(
            name,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
            },
            expire=settings.MEDIA_SIGNED_URL_SECONDS,
        )
    except TypeError:  # a storage without signed URLs (the local disk)
        url = storage.url(name)
    return HttpResponseRedirect(url)


def _derived_etag(name: str, stat: StoredStat) -> str:
    """An ETag for a file whose content hash the caller does not know: name, size and mtime."""
    modified = stat.modified
    seed = f"{name}:{stat.size}:{modified.timestamp() if modified else ''}"
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def _with_file_headers(
    response: HttpResponseBase, quoted_etag: str, stat: StoredStat
) -> HttpResponseBase:
    """The headers every answer about a stored file carries, whatever its status."""
    response["ETag"] = quoted_etag
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    secure_file_response(response)
    if stat.modified is not None:
        response["Last-Modified"] = http_date(stat.modified.timestamp())
    return response


def _requested_range(request: HttpRequest, size: int, quoted_etag: str) -> tuple[int, int] | None:
    """The byte range to send (None: the whole file). A Range whose If-Range names another
    version of the file is ignored; raises _Unsatisfiable for a range outside the file."""
    range_header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if range_header and (not if_range or if_range.strip() == quoted_etag):
        return _parse_range(range_header, size)
    return None


def _bytes_response(
    request: HttpRequest,
    storage: Storage,
    name: str,
    stat: StoredStat,
    byte_range: tuple[int, int] | None,
    content_type: str,
) -> HttpResponseBase:
    """A 200 with the whole file or a 206 with `byte_range`; headers only for HEAD."""
    size = stat.size
    start, length, status = 0, size, 200
    if byte_range is not None:
        start, last = byte_range
        length = last - start + 1
        status = 206

    if request.method == "HEAD":
        response: HttpResponseBase = HttpResponse(status=status, content_type=content_type)
    else:
        response = StreamingHttpResponse(
            stored_range(storage, name, start, length, stat=stat),
            status=status,
            content_type=content_type,
        )
    response["Content-Length"] = str(length)
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{start + length - 1}/{size}"
    return response
