"""Differential tests: one handler class, run by the stdlib's HTTPServer and by webstd's.

Each handler is written once against a base class and instantiated for both modules; the same
requests go to both servers and the answers are compared: status, reason, selected headers and
body. Known differences (docs/differences.md) are left out: webstd's error page text, and the
framing headers it adds (Transfer-Encoding, Connection) where the stdlib leaves framing to the
handler.
"""

from __future__ import annotations

import http.client
import http.server

import pytest

import webstd.http.server
from support import stdlib311
from support.servers import running

MODULES = {"stdlib": http.server, "webstd": webstd.http.server}
COMPARED_HEADERS = ("Content-Type", "Content-Length", "Location", "X-Echo", "Server")


def make_handler(module):
    class App(module.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"
        server_version = "Diff/1"
        sys_version = ""

        def log_message(self, format, *args):
            pass

        def do_GET(self):
            if self.path == "/error":
                self.send_error(404, "Nothing here", "really nothing")
                return
            if self.path == "/redirect":
                self.send_response(301)
                self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = f"{self.command} {self.path} {self.request_version} {self.headers.get('X-Test')}".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Echo", self.headers.get("X-Test", "none"))
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET

        def do_POST(self):
            length = int(self.headers["Content-Length"])
            body = self.rfile.read(length)[::-1]
            self.send_response(201, "Made")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return App


REQUESTS = [
    ("GET", "/", None, {}),
    ("GET", "/path?query=1", None, {"X-Test": "value"}),
    ("HEAD", "/head", None, {}),
    ("POST", "/form", b"a=1&b=2", {"Content-Type": "application/x-www-form-urlencoded"}),
    ("GET", "/redirect", None, {}),
    ("GET", "/error", None, {}),
    ("PUT", "/unsupported", b"x", {}),
    ("GET", "//double/slash", None, {}),
]


def answer(server, method, path, body, headers):
    client = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
    try:
        client.request(method, path, body, headers)
        response = client.getresponse()
        return (
            response.status,
            response.reason,
            {name: response.getheader(name) for name in COMPARED_HEADERS},
            response.read(),
        )
    finally:
        client.close()


@stdlib311
@pytest.mark.parametrize("protocol_version", ["HTTP/1.0", "HTTP/1.1"])
def test_same_answers_as_the_stdlib(protocol_version):
    results = {}
    for name, module in MODULES.items():
        handler = make_handler(module)
        handler.protocol_version = protocol_version
        with running(module.HTTPServer, handler) as server:
            results[name] = [answer(server, *request) for request in REQUESTS]
    for request, ours, theirs in zip(REQUESTS, results["webstd"], results["stdlib"], strict=True):
        status, reason, headers, body = ours
        assert (status, headers["X-Echo"], headers["Location"]) == (theirs[0], theirs[2]["X-Echo"], theirs[2]["Location"]), request
        assert reason == theirs[1], request
        if status < 400:
            # Error pages are webstd's own text; everything else must match byte for byte.
            assert (headers, body) == (theirs[2], theirs[3]), request
        else:
            assert headers["Content-Type"] == theirs[2]["Content-Type"], request


@stdlib311
def test_same_attributes_as_the_stdlib():
    ours, theirs = webstd.http.server.BaseHTTPRequestHandler, http.server.BaseHTTPRequestHandler
    for name in ("server_version", "error_content_type", "default_request_version", "monthname",
                 "weekdayname", "rbufsize", "wbufsize", "timeout", "disable_nagle_algorithm"):
        assert getattr(ours, name) == getattr(theirs, name), name
    # The long descriptions are webstd's own words (webstd.http.HTTPStatus); the phrases match.
    assert {code: text[0] for code, text in ours.responses.items()} == {
        int(code): text[0] for code, text in theirs.responses.items()
    }
    assert webstd.http.server.HTTPServer.allow_reuse_address == http.server.HTTPServer.allow_reuse_address
    assert webstd.http.server.ThreadingHTTPServer.daemon_threads is True


@stdlib311
def test_date_and_log_formats_match():
    class Probe(webstd.http.server.BaseHTTPRequestHandler):
        def __init__(self):
            pass

    class StdProbe(http.server.BaseHTTPRequestHandler):
        def __init__(self):
            pass

    for timestamp in (0, 1_000_000_000, 1_700_000_000.5):
        assert Probe().date_time_string(timestamp) == StdProbe().date_time_string(timestamp)
    assert Probe().log_date_time_string() == StdProbe().log_date_time_string()


def test_parse_request_from_rfile_the_stdlib_way():
    """A handler built without a socket parses raw_requestline and rfile (issue 16, item 1)."""
    import io

    from webstd.http.server import BaseHTTPRequestHandler

    class Parser(BaseHTTPRequestHandler):
        def __init__(self, raw: bytes) -> None:
            self.rfile = io.BytesIO(raw)
            self.raw_requestline = self.rfile.readline()
            self.error_code = self.error_message = None
            self.ok = self.parse_request()

        def send_error(self, code, message=None, explain=None):
            self.error_code, self.error_message = code, message

    good = Parser(b"GET /x HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\r\nbody")
    assert good.ok and good.command == "GET" and good.path == "/x"
    assert good.request_version == "HTTP/1.1" and good.headers["X-A"] == "1"
    assert good.rfile.read() == b"body"
    bad = Parser(b"GET / HTTP/1.1.1\r\nHost: a\r\n\r\n")
    assert not bad.ok and bad.error_code == 400


def test_malformed_versions_get_the_stdlibs_status():
    """Differential: bad versions get 400 and unsupported majors 505, as in the stdlib."""
    import http.server as stdlib_server
    import io

    from webstd.http import server as webstd_server

    def status(module, line):
        class Parser(module.BaseHTTPRequestHandler):
            def __init__(self, raw):
                self.rfile = io.BytesIO(raw)
                self.raw_requestline = self.rfile.readline()
                self.error_code = self.error_message = None
                self.ok = self.parse_request()

            def send_error(self, code, message=None, explain=None):
                self.error_code = int(code)

        return Parser(line + b"\r\nHost: a\r\n\r\n").error_code

    for line in (b"GET / HTTP/1.1.1", b"GET / HTTP/2.0", b"GET / HTTP/9.9", b"GET / HTTP/1.",
                 b"GET / HTTP/a.b", b"GET / HTTX/1.1", b"GET", b"GET / HTTP/1.1 x", b"GET / HTTP/-1.1"):
        assert status(webstd_server, line) == status(stdlib_server, line), line
    # Stricter than the stdlib, which accepts leading zeros and two-digit minors (differences.md).
    assert status(webstd_server, b"GET / HTTP/01.1") == 400
