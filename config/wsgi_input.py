"""gunicorn's request body, read in large pieces.

gunicorn's `wsgi.input` serves `read(n)` by asking the reader underneath for 1 KB at a time, and
that reader moves the rest of each 8 KB socket read back into a buffer on every call: reading a
100 KB procedure form took ~100 such rounds and ~1 MB of copying, a few percent of a
submission's CPU. Django reads a body whole (`request.body`) or in 64 KB pieces (its multipart
parser). When the body has a Content-Length and nothing of it has been read line by line, the
length reader can hand over n bytes in one call; everything else goes through gunicorn's own
object as before (chunked bodies, line reads, other servers)."""

from gunicorn.http.body import Body, LengthReader


class LengthBody:
    """A Content-Length body: `read` goes straight to gunicorn's length reader."""

    def __init__(self, body: Body, reader: LengthReader):
        self._body = body
        self._reader = reader

    def read(self, size: int | None = None) -> bytes:
        if self._body.buf.tell():  # bytes a line read left behind come first
            return self._body.read(size)
        if size is None or size < 0:
            size = self._reader.length
        return self._reader.read(size)  # at most what is left of the body

    def readline(self, size: int | None = None) -> bytes:
        return self._body.readline(size)

    def readlines(self, size: int | None = None) -> list[bytes]:
        return self._body.readlines(size)

    def __iter__(self):
        return iter(self._body)


def whole_body_reads(application):
    """Wraps a WSGI application so that gunicorn's Content-Length bodies are read as above."""

    def wrapped(environ, start_response):
        body = environ.get("wsgi.input")
        if isinstance(body, Body) and isinstance(body.reader, LengthReader):
            environ["wsgi.input"] = LengthBody(body, body.reader)
        return application(environ, start_response)

    return wrapped
