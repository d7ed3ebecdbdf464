"""webstd.http.client against a real nginx on 127.0.0.1, and side by side with the 3.11 stdlib."""

import http.client as stdlib_client
import io

import pytest

from support import stdlib311
from support.nginx import INDEX_HTML, ONE_KIB, nginx  # noqa: F401 - the fixture
from webstd.http import client
from webstd.http.client import HTTPMessage


def test_seed_example_on_one_connection(nginx):  # noqa: F811
    connection = client.HTTPConnection("127.0.0.1", nginx.port, timeout=5)
    connection.request("GET", "/index.html")
    response = connection.getresponse()
    assert (response.status, response.reason) == (200, "OK")
    assert response.read() == INDEX_HTML
    first_socket = connection.sock

    connection.request("GET", "/parrot.spam")
    response = connection.getresponse()
    assert (response.status, response.reason) == (404, "Not Found")
    assert b"404 Not Found" in response.read()
    assert connection.sock is first_socket

    connection.request("HEAD", "/index.html")
    response = connection.getresponse()
    assert response.status == 200
    assert int(response.getheader("Content-Length")) == len(INDEX_HTML)
    assert response.read() == b""

    form = "spam=1&eggs=2&bacon=0"
    connection.request("POST", "/echo", form, {"Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    assert (response.status, response.read()) == (200, b"posted\n")

    connection.request("PUT", "/upload/parrot.txt", b"It's a dead parrot")
    response = connection.getresponse()
    assert response.status in (201, 204)
    response.read()
    assert (nginx.root / "www" / "upload" / "parrot.txt").read_bytes() == b"It's a dead parrot"
    assert connection.sock is first_socket
    connection.close()
    assert connection.sock is None


def test_many_requests_on_one_connection(nginx):  # noqa: F811
    connection = client.HTTPConnection("127.0.0.1", nginx.port, timeout=5)
    for _ in range(200):
        connection.request("GET", "/1k.bin")
        response = connection.getresponse()
        assert response.read() == ONE_KIB
        assert not response.will_close
    assert connection._reuses == 200
    connection.close()


def test_streaming_uploads(nginx):  # noqa: F811
    connection = client.HTTPConnection("127.0.0.1", nginx.port, timeout=5)
    payload = bytes(range(256)) * 300
    connection.request("PUT", "/upload/file.bin", io.BytesIO(payload))
    assert connection.getresponse().status in (201, 204)
    assert (nginx.root / "www" / "upload" / "file.bin").read_bytes() == payload
    connection.request("PUT", "/upload/iter.bin", (payload[i : i + 1000] for i in range(0, len(payload), 1000)))
    assert connection.getresponse().status in (201, 204)
    assert (nginx.root / "www" / "upload" / "iter.bin").read_bytes() == payload
    connection.close()


def test_response_reading_interfaces(nginx):  # noqa: F811
    connection = client.HTTPConnection("127.0.0.1", nginx.port, timeout=5)
    connection.request("GET", "/1k.bin")
    response = connection.getresponse()
    assert isinstance(response.headers, HTTPMessage)
    assert response.msg is response.headers is response.info()
    assert response.length == 1024
    assert response.read(100) == ONE_KIB[:100]
    assert response.length == 924
    buffer = bytearray(200)
    assert response.readinto(buffer) == 200 and buffer == ONE_KIB[100:300]
    assert response.read1(24) == ONE_KIB[300:324]
    assert response.peek(1)[:1] == ONE_KIB[324:325]
    assert response.read() == ONE_KIB[324:]
    assert response.isclosed() and response.read() == b""
    connection.close()


def _exchange(module, port, method, path, body=None, headers={}):  # noqa: B006
    connection = module.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        fields = [(n, v) for n, v in response.getheaders() if n.lower() not in ("date", "last-modified", "etag")]
        return response.status, response.reason, response.version, fields, response.read()
    finally:
        connection.close()


EXCHANGES = [
    ("GET", "/index.html", None, {}),
    ("GET", "/1k.bin", None, {"Range": "bytes=10-19"}),
    ("GET", "/missing", None, {}),
    ("GET", "/upload", None, {}),
    ("HEAD", "/1k.bin", None, {}),
    ("POST", "/echo", b"x" * 5000, {}),
    ("GET", "/index.html", None, {"If-None-Match": "*"}),
    ("DELETE", "/index.html", None, {}),
    ("OPTIONS", "/", None, {}),
]


@stdlib311
@pytest.mark.parametrize("exchange", EXCHANGES, ids=lambda e: f"{e[0]} {e[1]}")
def test_same_answers_as_the_stdlib(nginx, exchange):  # noqa: F811
    assert _exchange(client, nginx.port, *exchange) == _exchange(stdlib_client, nginx.port, *exchange)


def test_debuglevel_prints_the_exchange(nginx, capsys):  # noqa: F811
    connection = client.HTTPConnection("127.0.0.1", nginx.port, timeout=5)
    connection.set_debuglevel(1)
    connection.request("GET", "/index.html")
    connection.getresponse().read()
    connection.close()
    printed = capsys.readouterr().out
    assert "send: b'GET /index.html HTTP/1.1" in printed
    assert "reply: 'HTTP/1.1 200 OK" in printed
    assert "header: Content-Length:" in printed


def test_source_address_and_blocksize(nginx):  # noqa: F811
    connection = client.HTTPConnection("127.0.0.1", nginx.port, timeout=5, source_address=("127.0.0.1", 0), blocksize=100)
    connection.request("PUT", "/upload/block.bin", io.BytesIO(b"z" * 1000))
    assert connection.getresponse().status in (201, 204)
    assert connection.sock.getsockname()[0] == "127.0.0.1"
    connection.close()
