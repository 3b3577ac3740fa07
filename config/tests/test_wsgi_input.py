"""config.wsgi_input: the site under gunicorn reads a request body in large pieces and still gets
exactly the bytes sent, whatever mix of reads the application makes. The requests go through
gunicorn's own parser over a real socket, as its workers do."""

import socket
import threading
import uuid

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from gunicorn.config import Config
from gunicorn.http import wsgi
from gunicorn.http.parser import RequestParser

from config.wsgi_input import LengthBody
from tramites_bridge.models import Submission
from tramites_bridge.tests.factories import ProcedureFactory, citizen_fields, pdf_upload

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 400 + b"\n%%EOF\n"


def _gunicorn_environ(raw: bytes, *, chunked: bool = False):
    """The WSGI environ a gunicorn worker builds for this request, read from a real socket."""
    client, server = socket.socketpair()
    sender = threading.Thread(target=lambda: (client.sendall(raw), client.shutdown(socket.SHUT_WR)))
    sender.start()
    request = next(iter(RequestParser(Config(), server, ("127.0.0.1", 40000))))
    _response, environ = wsgi.create(
        request, server, ("127.0.0.1", 40000), ("127.0.0.1", 8000), Config()
    )
    return environ, (sender, client, server)


def _close(sockets) -> None:
    sender, client, server = sockets
    sender.join()
    client.close()
    server.close()


def _raw_request(body: bytes, headers: dict[str, str]) -> bytes:
    lines = ["POST /api/v1/tramites/submissions HTTP/1.1", "Host: testserver"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@pytest.mark.parametrize(
    "reads",
    [
        [None],  # request.body
        [65536, 65536, 65536],  # Django's multipart parser
        [1, 1023, 4096, 100_000, 10],
        ["line", 10, "line", None],
        [-1],
    ],
)
def test_every_mix_of_reads_gets_the_bytes_sent(reads):
    body = b"cabecera\r\n" + PDF + b"\r\nfin"
    environ, sockets = _gunicorn_environ(
        _raw_request(body, {"Content-Length": str(len(body)), "Content-Type": "text/plain"})
    )
    stream = LengthBody(environ["wsgi.input"], environ["wsgi.input"].reader)
    got = b""
    for read in reads:
        got += stream.readline() if read == "line" else stream.read(read)
    got += stream.read()
    assert got == body
    assert stream.read() == b"" and stream.read(10) == b""
    _close(sockets)


@pytest.mark.django_db
def test_a_submission_through_gunicorn_is_stored_and_its_body_read_in_one_piece():
    from django.core.files.storage import default_storage
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    from config.wsgi import application

    procedure = ProcedureFactory()
    fields = {
        "procedure": procedure.tupa_code,
        **citizen_fields(),
        "declaracion": pdf_upload(content=PDF),
    }
    body = encode_multipart(BOUNDARY, fields)
    environ, sockets = _gunicorn_environ(
        _raw_request(
            body,
            {
                "Content-Type": MULTIPART_CONTENT,
                "Content-Length": str(len(body)),
                "Idempotency-Key": str(uuid.uuid4()),
            },
        )
    )
    reader = environ["wsgi.input"].reader
    calls = []
    read = reader.read
    reader.read = lambda size: calls.append(size) or read(size)
    status = []
    # as Django's test client does: the test's transaction keeps its connection
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = application(environ, lambda s, h, exc_info=None: status.append(s))
        response = b"".join(result)
        result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    _close(sockets)
    assert status == ["201 Created"], response
    attachment = Submission.objects.get().attachments.get()
    with default_storage.open(attachment.file.name) as stored:
        assert stored.read() == PDF
    # gunicorn alone asks its reader for 1 KB at a time: ~100 calls for this body
    assert len(calls) <= 2


def test_a_chunked_body_is_left_to_gunicorn():
    from config.wsgi_input import whole_body_reads

    raw = (
        b"POST /x HTTP/1.1\r\nHost: testserver\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhola \r\n5\r\nmundo\r\n0\r\n\r\n"
    )
    environ, sockets = _gunicorn_environ(raw)
    seen = []

    def app(environ, start_response):
        seen.append(environ["wsgi.input"].read())
        return [b""]

    whole_body_reads(app)(environ, lambda *args: None)
    _close(sockets)
    assert seen == [b"hola mundo"]
