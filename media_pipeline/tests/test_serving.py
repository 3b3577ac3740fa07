"""The one serving function: ranges, validators, file names, production modes."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import RequestFactory

from media_pipeline.serving import serve_stored_file

pytestmark = pytest.mark.django_db

DATA = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def stored():
    return default_storage.save("media/pruebas/clase.m4a", ContentFile(DATA))


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _get(name, **headers):
    request = RequestFactory().get("/x", headers=headers)
    return serve_stored_file(request, file=name, filename="leccion-12-solo-audio.m4a")


def test_whole_file_with_length_etag_and_the_callers_filename(stored):
    response = _get(stored)
    assert response.status_code == 200
    assert _body(response) == DATA
    assert response["Content-Length"] == str(len(DATA))
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "audio/mp4"
    assert response["Content-Disposition"] == 'attachment; filename="leccion-12-solo-audio.m4a"'
    assert response["ETag"].startswith('"')


def test_a_range_answers_206_with_exactly_those_bytes(stored):
    response = _get(stored, Range="bytes=1000-1999")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 1000-1999/{len(DATA)}"
    assert response["Content-Length"] == "1000"
    assert _body(response) == DATA[1000:2000]


def test_open_and_suffix_ranges_resume_a_download(stored):
    tail = _get(stored, Range="bytes=10000-")
    assert tail.status_code == 206
    assert _body(tail) == DATA[10000:]
    last = _get(stored, Range="bytes=-240")
    assert _body(last) == DATA[-240:]
    assert last["Content-Range"] == f"bytes {len(DATA) - 240}-{len(DATA) - 1}/{len(DATA)}"


def test_a_range_past_the_end_is_416(stored):
    response = _get(stored, Range=f"bytes={len(DATA)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(DATA)}"


def test_a_malformed_range_gets_the_whole_file(stored):
    response = _get(stored, Range="lines=1-2")
    assert response.status_code == 200
    assert _body(response) == DATA


def test_if_none_match_with_the_etag_is_304(stored):
    etag = _get(stored)["ETag"]
    response = _get(stored, **{"If-None-Match": etag})
    assert response.status_code == 304
    assert response["ETag"] == etag


def test_if_range_with_an_old_etag_sends_the_whole_new_file(stored):
    response = _get(stored, Range="bytes=0-9", **{"If-Range": '"otra-version"'})
    assert response.status_code == 200
    assert _body(response) == DATA


def test_a_non_ascii_filename_uses_rfc_5987(stored):
    request = RequestFactory().get("/x")
    response = serve_stored_file(
        request, file=stored, filename="lección-12-señal.m4a", as_attachment=False
    )
    expected = "inline; filename*=utf-8''lecci%C3%B3n-12-se%C3%B1al.m4a"
    assert response["Content-Disposition"] == expected


def test_head_states_the_length_without_a_body(stored):
    request = RequestFactory().head("/x")
    response = serve_stored_file(request, file=stored, filename="a.m4a")
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(DATA))
    assert response.content == b""


def test_a_missing_file_is_404(stored):
    from django.http import Http404

    with pytest.raises(Http404):
        _get("media/pruebas/no-existe.mp4")


def test_x_accel_mode_hands_the_file_to_nginx(stored, settings):
    settings.MEDIA_SERVE_MODE = "x-accel"
    settings.MEDIA_X_ACCEL_PREFIX = "/protected-media/"
    response = _get(stored)
    assert response["X-Accel-Redirect"] == f"/protected-media/{stored}"
    assert response["Content-Disposition"].endswith('filename="leccion-12-solo-audio.m4a"')
    assert response.content == b""


def test_signed_url_mode_redirects_to_the_storage_url(stored, settings):
    settings.MEDIA_SERVE_MODE = "signed-url"
    response = _get(stored)
    assert response.status_code == 302
    assert response["Location"].endswith(stored)


def test_a_field_file_is_served_through_its_own_storage(stored):
    from media_pipeline.tests.factories import RenditionFactory

    rendition = RenditionFactory(file=ContentFile(b"abcdef", name="v.mp4"), size_bytes=6)
    request = RequestFactory().get("/x", headers={"Range": "bytes=2-3"})
    response = serve_stored_file(
        request, file=rendition.file, filename="video.mp4", etag=rendition.sha256
    )
    assert _body(response) == b"cd"
    assert response["ETag"] == f'"{rendition.sha256}"'
