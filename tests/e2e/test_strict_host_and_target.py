"""Issue 20 over real sockets: the production servers refuse bad Host values and targets with "#"
or non-ASCII bytes (400); the stdlib-named HTTPServer keeps the stdlib's leniency."""

from __future__ import annotations

import socket
import threading

import pytest

from support.servers import spawn_webstd, stop_process
from webstd.http.server import BaseHTTPRequestHandler, HTTPServer

BAD = [
    b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: user@a\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
    b"GET / HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
    b"GET /x#y HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /\x80 HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\nhi",
]


def status_of(port: int, data: bytes) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        while b"\r\n" not in answer:
            piece = sock.recv(4096)
            if not piece:
                break
            answer += piece
    return int(answer.split(b" ", 2)[1])


@pytest.fixture(scope="module")
def serve_port(tmp_path_factory):
    directory = tmp_path_factory.mktemp("strict")
    (directory / "site").mkdir()
    with open(directory / "log", "w") as log:
        process, port = spawn_webstd(
            ["serve", "0", "--bind", "127.0.0.1", "--directory", str(directory / "site")],
            directory, r"port (\d+)", log=log,
        )  # fmt: skip
    yield port
    stop_process(process, timeout=10)


@pytest.fixture(scope="module")
def wsgi_port(tmp_path_factory):
    directory = tmp_path_factory.mktemp("strict_wsgi")
    (directory / "strict_app.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Length', '2')])\n"
        "    return [b'ok']\n"
    )
    process, port = spawn_webstd(
        ["wsgi", "strict_app:app", "--bind", "127.0.0.1:0", "--timeout", "5"], directory,
        r"Listening at: http://127\.0\.0\.1:(\d+)",
    )  # fmt: skip
    yield port
    stop_process(process, timeout=10)


@pytest.mark.parametrize("data", BAD)
def test_webstd_serve_refuses(serve_port, data):
    assert status_of(serve_port, data) == 400


@pytest.mark.parametrize("data", BAD)
def test_webstd_wsgi_refuses(wsgi_port, data):
    assert status_of(wsgi_port, data) == 400


def test_valid_requests_still_served(serve_port, wsgi_port):
    for data in (b"\n\r\nGET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", b"GET / HTTP/1.0\r\n\r\n"):
        assert status_of(serve_port, data) == 200
        assert status_of(wsgi_port, data) == 200


def test_stdlib_named_server_stays_lenient():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        assert status_of(port, b"GET /x#y HTTP/1.1\r\nHost: a\r\n\r\n") == 200
        assert status_of(port, b"GET /\x80 HTTP/1.1\r\nHost: a b\r\n\r\n") == 200
    finally:
        server.shutdown()
        server.server_close()
