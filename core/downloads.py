"""How every file this site hands out is sent: stored originals and renditions, lesson bundles,
citizens' attachments, Wagtail documents, the demo's /media/, CSV exports.

A file is never a page of the site. Anyone who can upload (a citizen's attachment, an editor's
document) could otherwise upload HTML or SVG with a script in it and send its link to a victim:
the browser would run it with this site's cookies. So a file carries a policy of its own that
runs nothing and sandboxes it, the browser may not guess another type, and only raster images,
audio and video (what a page shows or plays) may be shown inline; everything else downloads.

This module only decides attachment or inline and the safety headers; each view still names
the file (with Django's content_disposition_header)."""

from django.http import HttpResponseBase

# img-src and media-src: a picture or clip opened on its own is shown by the browser as a
# document that loads the file itself; nothing else may load or run.
FILE_POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
INLINE_PREFIXES = ("image/", "audio/", "video/")
# Images that are documents: an SVG may carry scripts, so it is downloaded like any other.
NEVER_INLINE = {"image/svg+xml"}


def plays_inline(content_type: str) -> bool:
    """Whether a browser may show a file of this type inline: audio, video, raster images."""
    kind = content_type.split(";")[0].strip().lower()
    return kind.startswith(INLINE_PREFIXES) and kind not in NEVER_INLINE


def sends_as_attachment(content_type: str, *, inline_requested: bool = False) -> bool:
    """True for Content-Disposition: attachment; inline only when the caller asks for it (the
    player, a preview) and the type is one that plays inline."""
    return not (inline_requested and plays_inline(content_type))


def is_file_response(response: HttpResponseBase) -> bool:
    """A response that hands out a file: it names one in Content-Disposition."""
    return "Content-Disposition" in response


def secure_file_response(response: HttpResponseBase) -> HttpResponseBase:
    """Puts the file policy and nosniff on `response`, replacing any policy a view set."""
    response["Content-Security-Policy"] = FILE_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    return response
