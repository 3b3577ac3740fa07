"""config.multipart: the in-memory fast path gives exactly what Django's parser gives, and leaves
everything unusual to Django's parser on the same bytes."""

import pytest
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.test.client import encode_multipart

from config.multipart import multipart_preparse

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\r\n--not-the-boundary\r\n%%EOF\n"
BOUNDARY = "BoUnDaRyPaSoAPaSo"


def _request(body: bytes, boundary: str = BOUNDARY, content_type: str | None = None):
    return RequestFactory().generic(
        "POST",
        "/api/v1/tramites/submissions",
        data=body,
        content_type=content_type or f"multipart/form-data; boundary={boundary}",
    )


def _parsed(request) -> tuple[dict, dict]:
    post = dict(request.POST.lists())
    files = {
        key: [(f.name, f.content_type, f.size, f.read()) for f in uploads]
        for key, uploads in request.FILES.lists()
    }
    return post, files


def _both(body: bytes, **kwargs):
    """(whether the fast path took it, its result, Django's result on the same bytes)."""
    fast = _request(body, **kwargs)
    took = multipart_preparse(fast)
    return took, _parsed(fast), _parsed(_request(body, **kwargs))


def _part(name: str, value: bytes, filename: str | None = None, ctype: str | None = None):
    disposition = f'Content-Disposition: form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = disposition + (f"\r\nContent-Type: {ctype}" if ctype else "")
    return f"--{BOUNDARY}\r\n{head}\r\n\r\n".encode() + value + b"\r\n"


def _body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def test_a_procedure_form_as_clients_send_it_is_parsed_as_django_does():
    data = {
        "procedure": "LF-01",
        "dni": "41234567",
        "nombres": "María Ñusta",
        "apellidos": "Quispe Huamán",
        "consentimiento": "true",
        "giro": ["Bodega", "Restaurante"],
        "declaracion": SimpleUploadedFile("declaración jurada.pdf", PDF, "application/pdf"),
        "vacio": SimpleUploadedFile("vacio.pdf", b"", "application/pdf"),
    }
    body = encode_multipart(BOUNDARY, data)
    took, fast, django = _both(body)
    assert took
    assert fast == django
    assert fast[0]["nombres"] == ["María Ñusta"]
    assert fast[1]["declaracion"][0][:3] == ("declaración jurada.pdf", "application/pdf", len(PDF))


def test_file_names_lose_their_folders_and_entities_as_with_django():
    body = _body(
        _part("a", b"uno", filename="fotos/dni.png", ctype="image/png"),
        _part("b", b"dos", filename="../../etc/passwd"),
        _part("c", b"tres", filename="a&amp;b.pdf", ctype="application/pdf"),
    )
    took, fast, django = _both(body)
    assert took
    assert fast == django
    assert [uploads[0][0] for uploads in fast[1].values()] == ["dni.png", "passwd", "a&b.pdf"]


@pytest.mark.parametrize(
    "body",
    [
        # a transfer encoding, a charset, an RFC 2231 name: Django's to read
        _body(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\naG9sYQ==\r\n".encode()
        ),
        _body(_part("a", "hola".encode("latin-1"), ctype="text/plain; charset=latin-1")),
        _body(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; '
            "filename*=UTF-8''se%C3%B1al.pdf\r\n\r\n%PDF\r\n".encode()
        ),
        # a backslash (a Windows path, or an escaped quote), an empty file name, a part
        # without headers, a preamble
        _body(_part("a", b"uno", filename="C:\\Users\\maria\\dni.png", ctype="image/png")),
        _body(_part("f", b"", filename="")),
        _body(f"--{BOUNDARY}\r\n\r\nsin cabeceras\r\n".encode()),
        b"preambulo\r\n" + _body(_part("a", b"1")),
        # the boundary inside a part, a part whose head never ends, a second closing line
        _body(_part("a", f"x\r\n--{BOUNDARY}\r\ny".encode())),
        _body(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n'.encode()),
        _body(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\n'.encode()),
        _body(_part("a", b"1")) + f"--{BOUNDARY}--\r\n".encode(),
    ],
)
def test_what_is_not_plainly_written_is_left_to_django(body):
    took, fast, django = _both(body)
    assert not took
    assert fast == django  # Django parsed the bytes the fast path had read


def test_a_body_larger_than_memory_uploads_is_left_to_django(settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = _body(_part("f", PDF, filename="grande.pdf", ctype="application/pdf"))
    took, fast, django = _both(body)
    assert not took
    assert fast == django


def test_other_content_types_are_not_touched():
    request = RequestFactory().post("/x", {"a": "1"}, content_type="application/json")
    assert not multipart_preparse(request)
    form = RequestFactory().post("/x", "a=1", content_type="application/x-www-form-urlencoded")
    assert not multipart_preparse(form)
    assert form.POST["a"] == "1"


def test_djangos_limits_on_fields_and_files_still_apply(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    request = _request(_body(*[_part(f"c{n}", b"1") for n in range(8)]))
    assert not multipart_preparse(request)
    with pytest.raises(TooManyFieldsSent):
        request.POST  # noqa: B018 - Django's parser raises, as without the fast path
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    parts = [_part("f", b"%PDF", filename=f"{n}.pdf") for n in range(3)]
    request = _request(_body(*parts))
    assert not multipart_preparse(request)
    with pytest.raises(TooManyFilesSent):
        request.FILES  # noqa: B018


@pytest.mark.django_db
def test_a_malformed_body_still_gets_a_spanish_4xx_not_a_500(client):
    response = client.generic(
        "POST",
        "/api/v1/tramites/submissions",
        data=b"--roto\r\nbasura sin fin",
        content_type="multipart/form-data; boundary=roto",
        HTTP_IDEMPOTENCY_KEY="clave-de-prueba-1",
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "Revise los datos enviados."
