"""The bad-input corpora replayed over real sockets against every server mode and the proxy.

Targets: webstd.http.server.ThreadingHTTPServer with an echo handler, ``webstd serve --upload``,
``webstd wsgi`` with an echo application, and ``webstd proxy --allow-private`` in front of an echo
origin (requests rewritten into absolute-form). Cases come from tests/corpora/requests and from
gunicorn's corpus beside the checkout (see support.corpora). For each invalid request the answer,
if any, is a refusal (4xx, 501, 505), the connection is then closed, and the application saw
nothing; each valid request is answered, in order, and the application saw its method, path and
body length; an "info" request (its body cut short) gets no answer while the client waits.
Each case is sent whole, and the small ones also in 7-byte pieces, for incremental parsing.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from support.corpora import (
    GUNICORN_LIMITS,
    REFUSALS,
    Case,
    Seen,
    absolute_form,
    connect,
    decoded_path,
    gunicorn_cases,
    parse_responses,
    read_responses,
    read_to_eof,
    send,
    webstd_cases,
)
from support.servers import spawn_webstd, stop_process
from webstd.http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CASES = webstd_cases() + gunicorn_cases()
# Seconds a server gets to answer or close; a hang fails the case.
TIMEOUT = 3.0
PIECE = 7

WSGI_APP = """\
import json, os, threading
from urllib.parse import unquote

_lock = threading.Lock()

def app(environ, start_response):
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    seen = {"method": environ["REQUEST_METHOD"], "path": environ["PATH_INFO"],
            "body_length": len(body)}
    line = json.dumps(seen)
    with _lock, open(os.environ["CORPUS_RECORDS"], "a") as records:
        records.write(line + "\\n")
    payload = line.encode()
    # A refused CONNECT keeps a normal body; a 2xx would start a tunnel (RFC 9110 section 9.3.6).
    status = "405 Method Not Allowed" if seen["method"] == "CONNECT" else "200 OK"
    start_response(status, [("Content-Type", "application/json"),
                              ("Content-Length", str(len(payload)))])
    return [payload]
"""


# Echo handler and server (target 1, and the proxy's origin) ---------------------------------------
class EchoHandler(BaseHTTPRequestHandler):
    """Answers any method with what it saw, as JSON, reading the body through rfile."""

    def echo(self) -> None:
        if self.headers.get("Transfer-Encoding"):
            body = self.rfile.read()  # webstd's rfile de-chunks and stops at the end of the body
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        # The target as sent: self.path has the stdlib's "//" open-redirect guard applied.
        target = self.requestline.split(" ")[1]
        seen = Seen(self.command, decoded_path(target), len(body))
        self.server.seen.append(seen)
        payload = json.dumps(asdict(seen)).encode()
        self.send_response(answer_status(self.command))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def __getattr__(self, name: str):
        if name.startswith("do_"):
            return self.echo
        raise AttributeError(name)

    def log_message(self, format: str, *args) -> None:
        pass


def answer_status(method: str) -> int:
    """The echo's status: a refused CONNECT keeps a normal body (a 2xx would open a tunnel,
    RFC 9110 section 9.3.6)."""
    return 405 if method == "CONNECT" else 200


def start_echo(limits=None):
    server_class = ThreadingHTTPServer
    if limits is not None:
        server_class = type("LimitedServer", (ThreadingHTTPServer,), {"limits": limits})
    server = server_class(("127.0.0.1", 0), EchoHandler)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server


def stop_echo(server) -> None:
    server.shutdown()
    server.server_close()


# Targets -----------------------------------------------------------------------------------------
class Target:
    """A server under test: where to send a case, and what its application saw."""

    name = ""
    #: Can be given gunicorn's limits for gunicorn's cases.
    gunicorn_limits = False
    #: Compares the body length the application saw (a file server does not say).
    body_lengths = True

    def port_for(self, case: Case) -> int:
        return self.port

    #: Parses in webstd.protocol's strict mode (the production servers): a "#" or a byte outside
    #: ASCII in a request-target is a 400.
    strict = False

    def may_refuse(self, case: Case) -> bool:
        """A valid request this target may refuse by design (not for a parse error)."""
        line = case.data.split(b"\r\n", 1)[0]
        return self.strict and (b"#" in line or not line.isascii())

    def prepare(self, case: Case) -> bytes:
        return case.data

    def seen(self) -> list[Seen]:
        raise NotImplementedError

    def acted_on(self, before: int) -> list[Seen]:
        """The requests the application acted on since ``seen()`` had ``before`` entries."""
        return self.seen()[before:]

    def check_answer(self, status: int, body: bytes, want: Seen) -> None:
        assert status == answer_status(want.method), (status, body[:200])
        answer = json.loads(body)
        assert answer["method"] == want.method
        assert answer["body_length"] == want.body_length
        if want.path is not None:
            assert answer["path"] == want.path

    def close(self) -> None:
        pass


class HTTPServerTarget(Target):
    name = "http.server"
    gunicorn_limits = True

    def __init__(self) -> None:
        self.default = start_echo()
        self.gunicorn = start_echo(GUNICORN_LIMITS)

    def server_for(self, case: Case):
        return self.gunicorn if case.name.startswith("gunicorn/") else self.default

    def port_for(self, case: Case) -> int:
        return self.server_for(case).server_address[1]

    def seen(self) -> list[Seen]:
        return self.default.seen + self.gunicorn.seen

    def close(self) -> None:
        stop_echo(self.default)
        stop_echo(self.gunicorn)


class ServeTarget(Target):
    """``webstd serve --upload``: what it saw is its access log; uploads land in its directory."""

    name = "serve"
    strict = True
    body_lengths = False

    def __init__(self, directory: Path) -> None:
        self.directory = directory / "site"
        self.directory.mkdir()
        # Where gunicorn's cases upload to, so the upload is read rather than refused with 404.
        for name in ("stuff", "test-form"):
            (self.directory / name).mkdir()
        self.log = directory / "access.log"
        with open(self.log, "w") as log:  # its access log goes to stderr
            self.process, self.port = spawn_webstd(
                ["serve", "0", "--bind", "127.0.0.1", "--directory", str(self.directory),
                 "--upload", "--overwrite"], directory, r"port (\d+)", log=log,
            )  # fmt: skip

    def log_entries(self) -> list[tuple[Seen, int]]:
        entries = []
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            match = re.search(r'"(\S+) (\S+) HTTP/[\d.]+" (\d+) ', line)
            if match:
                target = match[2].replace('\\"', '"').replace("\\\\", "\\")  # the log escapes these
                entries.append((Seen(match[1], decoded_path(target), 0), int(match[3])))
        return entries

    def seen(self) -> list[Seen]:
        return [seen for seen, _ in self.log_entries()]

    def acted_on(self, before: int) -> list[Seen]:
        # A refusal it decided on the head alone (415 for a POST that is no form) is not acting.
        return [seen for seen, status in self.log_entries()[before:] if status < 400]

    def files(self) -> set[str]:
        return {str(path.relative_to(self.directory)) for path in self.directory.rglob("*")}

    def check_answer(self, status: int, body: bytes, want: Seen) -> None:
        # A file server answers with files, so 2xx to 4xx are all fine, and 501 for a method it
        # does not implement (its access log, checked after, shows the request was parsed); a
        # parse error is not.
        assert status not in (400, 431, 505), (status, body[:200])

    def close(self) -> None:
        stop_process(self.process, timeout=10)


class WSGITarget(Target):
    name = "wsgi"
    strict = True

    def __init__(self, directory: Path) -> None:
        (directory / "corpus_echo.py").write_text(WSGI_APP)
        self.records = directory / "records.jsonl"
        self.records.write_text("")
        self.process, self.port = spawn_webstd(
            ["wsgi", "corpus_echo:app", "--bind", "127.0.0.1:0", "--timeout", "5"], directory,
            r"Listening at: http://127\.0\.0\.1:(\d+)", env={"CORPUS_RECORDS": str(self.records)},
        )  # fmt: skip

    def seen(self) -> list[Seen]:
        lines = self.records.read_text().splitlines()
        return [Seen(**json.loads(line)) for line in lines if line.endswith("}")]

    def close(self) -> None:
        stop_process(self.process, timeout=10)


class ProxyTarget(Target):
    """``webstd proxy`` in front of an echo origin: what reached the origin is what it saw."""

    name = "proxy"
    strict = True

    def __init__(self, directory: Path) -> None:
        self.origin = start_echo()
        self.process, self.port = spawn_webstd(
            ["proxy", "--port", "0", "--allow-private", "--access-log", "none",
             "--client-timeout", "5"], directory, r"listening on \S+ port (\d+)",
        )  # fmt: skip

    def may_refuse(self, case: Case) -> bool:
        # A fragment is no part of an absolute-URI (RFC 3986 section 4.3), and "OPTIONS *" asks
        # the proxy itself, not an origin: refusing either is a forward proxy's choice.
        line = case.data.split(b"\r\n", 1)[0]
        return b"#" in line or b" * " in line or super().may_refuse(case)

    def prepare(self, case: Case) -> bytes:
        return absolute_form(case.data, self.origin.server_address[1], case.expect == "reject")

    def seen(self) -> list[Seen]:
        return list(self.origin.seen)

    def close(self) -> None:
        stop_process(self.process, timeout=10)
        stop_echo(self.origin)


@pytest.fixture(scope="module", params=["http.server", "serve", "wsgi", "proxy"])
def target(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp(request.param)
    if request.param == "http.server":
        server = HTTPServerTarget()
    elif request.param == "serve":
        server = ServeTarget(directory)
    elif request.param == "wsgi":
        server = WSGITarget(directory)
    else:
        server = ProxyTarget(directory)
    yield server
    server.close()


def skip_unless_applicable(target: Target, case: Case) -> None:
    if case.gunicorn_limit and not target.gunicorn_limits:
        pytest.skip("judged with gunicorn's 4094/8190-byte limits; this target only has webstd's 8 KiB")
    if isinstance(target, ProxyTarget) and any(r.method == "CONNECT" for r in case.requests):
        pytest.skip("CONNECT opens a tunnel to its own host, not to the origin (tests/proxy/test_tunnel.py)")


def splits(expect: str) -> list:
    params = []
    for case in CASES:
        if case.expect == expect:
            params.append(pytest.param(case, None, id=case.name + "-whole"))
            if case.small:
                params.append(pytest.param(case, PIECE, id=case.name + "-pieces"))
    return params


# Tests -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case, piece", splits("reject"))
def test_invalid_request_is_refused_and_the_connection_closed(target, case, piece):
    skip_unless_applicable(target, case)
    before = len(target.seen())
    files = target.files() if isinstance(target, ServeTarget) else None
    with connect(target.port_for(case), TIMEOUT) as sock:
        send(sock, target.prepare(case), piece)
        if case.needs_eof:
            sock.shutdown(socket.SHUT_WR)
        received = read_to_eof(sock, TIMEOUT)
    if received:
        answer, *rest = parse_responses(received, ["GET"])
        assert answer.status in REFUSALS, answer
        assert not rest, "answered after a refusal"
    if isinstance(target, ProxyTarget):
        time.sleep(0.02)  # anything the proxy did forward has reached the origin by now
    assert target.acted_on(before) == []
    if files is not None:
        assert target.files() == files


@pytest.mark.parametrize("case, piece", splits("accept"))
def test_valid_requests_are_answered_in_order(target, case, piece):
    skip_unless_applicable(target, case)
    before = len(target.seen())
    with connect(target.port_for(case), TIMEOUT) as sock:
        send(sock, target.prepare(case), piece)
        responses = read_responses(sock, [r.method for r in case.requests], TIMEOUT)
    assert responses, "no answer"
    if target.may_refuse(case) and responses[0].status in REFUSALS:
        assert target.acted_on(before) == []
        return
    # Every request is answered, in order, unless an answer closes the connection before the rest.
    assert len(responses) == len(case.requests) or responses[-1].closes, responses
    answered = case.requests[: len(responses)]
    for answer, want in zip(responses, answered, strict=True):
        target.check_answer(answer.status, answer.body, want)
    seen = wait_for_seen(target, before, len(answered))
    for got, want in zip(seen, answered, strict=True):
        assert got.method == want.method
        if want.path is not None:
            assert got.path == want.path
        if target.body_lengths:
            assert got.body_length == want.body_length


def wait_for_seen(target: Target, before: int, count: int) -> list[Seen]:
    """What the application saw since ``before`` (a file server writes its log a moment later)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        seen = target.seen()[before:]
        if len(seen) >= count or time.monotonic() > deadline:
            assert len(seen) == count, seen
            return seen
        time.sleep(0.01)


@pytest.mark.parametrize("case", [c for c in CASES if c.expect == "info"], ids=lambda c: c.name)
def test_short_body_makes_the_server_wait(target, case):
    with connect(target.port_for(case), TIMEOUT) as sock:
        send(sock, target.prepare(case), None)
        sock.settimeout(0.5)
        with pytest.raises(TimeoutError):
            data = sock.recv(65536)
            pytest.fail(f"the server did not wait for the body: {data[:200]!r}")


@pytest.mark.parametrize("case, piece", splits("either"))
def test_either_case_is_answered_without_a_server_error(target, case, piece):
    with connect(target.port_for(case), TIMEOUT) as sock:
        send(sock, target.prepare(case), piece)
        responses = read_responses(sock, [r.method for r in case.requests], TIMEOUT)
    for answer in responses:
        assert answer.status < 500 or answer.status in (501, 505), answer

