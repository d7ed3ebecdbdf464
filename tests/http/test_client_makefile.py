"""HTTPResponse over an object that offers only makefile() (the "parse a raw response" idiom)."""

import io

from webstd.http.client import HTTPResponse


class FakeSocket:
    def __init__(self, raw):
        self._raw = raw

    def makefile(self, *args, **kwargs):
        return io.BytesIO(self._raw)

    def close(self):
        pass


def test_parse_raw_response_with_length():
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
    resp = HTTPResponse(FakeSocket(raw))
    resp.begin()
    assert resp.status == 200 and resp.reason == "OK"
    assert resp.getheader("Content-Type") == "text/plain"
    assert resp.read() == b"hello"


def test_parse_raw_chunked_response():
    raw = b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    resp = HTTPResponse(FakeSocket(raw))
    resp.begin()
    assert resp.status == 404
    assert resp.read() == b"abc"


def test_parse_raw_response_until_close():
    raw = b"HTTP/1.0 200 OK\r\n\r\nbody to the end"
    resp = HTTPResponse(FakeSocket(raw))
    resp.begin()
    assert resp.read() == b"body to the end"
