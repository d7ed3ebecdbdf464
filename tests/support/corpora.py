"""The request corpora (tests/corpora/requests and gunicorn's) as cases to replay over real sockets.

A :class:`Case` is the bytes a client sends plus what a strict server must do with them; the
helpers here adapt those bytes to a target (a Host field where gunicorn's valid requests lack one,
absolute-form for a proxy), send them whole or in small pieces, and read what comes back with the
stdlib's http.client as the oracle for response framing.
"""

from __future__ import annotations

import io
import json
import re
import socket
import time
from dataclasses import dataclass, replace
from http.client import HTTPResponse
from pathlib import Path
from urllib.parse import unquote, urlsplit

from webstd.protocol import (
    CONNECTION_CLOSED,
    DEFAULT_LIMITS,
    NEED_DATA,
    PAUSED,
    RemoteProtocolError,
    RequestParser,
)

ROOT = Path(__file__).resolve().parents[1]
WEBSTD_CORPUS = ROOT / "corpora" / "requests"
GUNICORN_CORPUS = ROOT.parents[1] / "shared" / "corpora" / "gunicorn-requests"
# gunicorn's defaults: a 4094-byte request line and 8190-byte field lines, CRLF included.
GUNICORN_LIMITS = replace(DEFAULT_LIMITS, max_request_line=4094, max_field_size=8188)
# A head line longer than gunicorn's shortest limit was judged with gunicorn's limits; a target that
# cannot be given those limits skips the case.
_GUNICORN_LIMIT = 4094
# Statuses a server may refuse a request with: a client error, or "not implemented" / "version".
REFUSALS = frozenset(range(400, 500)) | {501, 505}

# RFC 9112 section 3: request-line = method SP request-target SP HTTP-version, one per line start.
_REQUEST_LINE = re.compile(rb"(?m)^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) (HTTP/1\.[01])\r\n")
_HOST_FIELD = re.compile(rb"(?im)^host[ \t]*:")


@dataclass(frozen=True)
class Seen:
    """What an application must see of one request: method, decoded path, body length."""

    method: str
    path: str | None  # None where the corpus does not say
    body_length: int


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    #: "accept" (one or more requests, all answered in order), "reject", "either" or "info".
    expect: str
    requests: tuple[Seen, ...]
    #: The request is cut short: the server can only decide once the client half-closes.
    needs_eof: bool
    #: Judged with gunicorn's limits, and a head line is longer than those.
    gunicorn_limit: bool

    @property
    def small(self) -> bool:
        return len(self.data) <= 600


def decoded_path(target: str) -> str:
    """The path an application sees: no query, percent-decoded as latin-1 (PEP 3333)."""
    if "://" in target:
        path = urlsplit(target).path
    else:
        path = target.split("?", 1)[0].split("#", 1)[0]
    return unquote(path, encoding="latin-1")


def _needs_eof(data: bytes, limits) -> bool:
    """True when the core cannot refuse ``data`` before the end of the stream."""
    parser = RequestParser(limits, require_host=False)
    try:
        parser.feed(data)
        while parser.next_event() not in (NEED_DATA, PAUSED, CONNECTION_CLOSED):
            pass
    except RemoteProtocolError:
        return False
    return True


def _insert_host(data: bytes, first_only: bool) -> bytes:
    """Adds ``Host`` after each HTTP/1.1 request line whose head has none (RFC 9112 section 3.2)."""
    out = bytearray()
    position = 0
    for match in _REQUEST_LINE.finditer(data):
        if match.start() < position:
            continue
        head_end = data.find(b"\r\n\r\n", match.end() - 2)
        head = data[match.end() : head_end if head_end >= 0 else len(data)]
        if match[3] == b"HTTP/1.1" and not _HOST_FIELD.search(head):
            out += data[position : match.end()] + b"Host: 127.0.0.1\r\n"
            position = match.end()
        if first_only:
            break
    return bytes(out + data[position:])


def webstd_cases() -> list[Case]:
    expected = json.loads((WEBSTD_CORPUS / "expected.json").read_text())
    cases = []
    for name, want in sorted(expected.items()):
        data = (WEBSTD_CORPUS / name).read_bytes()
        requests = tuple(
            Seen(m["method"], decoded_path(m["target"]), len(m["body"].encode()))
            for m in want.get("messages", ())
        )
        if name.startswith("valid/"):
            expect, needs_eof = "accept", False
        else:
            expect, needs_eof = "reject", want["error"] == "IncompleteMessage"
        cases.append(Case("webstd/" + name, data, expect, requests, needs_eof, False))
    return cases


# Where webstd is stricter than gunicorn on purpose (docs/protocol.md): Transfer-Encoding, even
# "identity", together with Content-Length is refused as a smuggling attempt (RFC 9112 6.1).
GUNICORN_STRICTER = {"valid/009.http": "reject"}


def gunicorn_cases() -> list[Case]:
    """gunicorn's cases that its default settings decide (an empty list if it is not there)."""
    if not GUNICORN_CORPUS.is_dir():
        return []
    cases = []
    for case in json.loads((GUNICORN_CORPUS / "cases.json").read_text()):
        if case.get("needs_setting"):
            continue
        raw = (GUNICORN_CORPUS / case["file"]).read_bytes()
        expect = "accept" if case["expect"] == "pipeline" else case["expect"]
        expect = GUNICORN_STRICTER.get(case["file"], expect)
        data = _insert_host(raw, first_only=expect == "reject")
        requests = tuple(Seen(r["method"], r.get("path"), r["body_len"]) for r in case.get("requests", ()))
        head = raw.split(b"\r\n\r\n", 1)[0]
        limit = max(len(line) for line in head.split(b"\n")) > _GUNICORN_LIMIT
        needs_eof = expect == "reject" and _needs_eof(data, GUNICORN_LIMITS)
        cases.append(Case("gunicorn/" + case["file"], data, expect, requests, needs_eof, limit))
    return cases


def absolute_form(data: bytes, port: int, first_only: bool) -> bytes:
    """Rewrites request targets into absolute-form to the origin on ``port``, for a forward proxy.

    With ``first_only`` (a request that must be refused) only the first origin-form target is
    rewritten: an absolute-form target stays as it is, since it may be what the case is about.
    """
    origin = b"http://127.0.0.1:%d" % port

    def rewrite(match: re.Match) -> bytes:
        target = match[2]
        if target.startswith(b"/"):
            target = origin + target
        elif not first_only and target.lower().startswith((b"http://", b"https://")):
            rest = target.split(b"://", 1)[1]
            slash = rest.find(b"/")
            target = origin + (rest[slash:] if slash >= 0 else b"/")
        return match[1] + b" " + target + b" " + match[3] + b"\r\n"

    return _REQUEST_LINE.sub(rewrite, data, count=1 if first_only else 0)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    #: The response ends the connection (RFC 9112 section 9.6): later requests go unanswered.
    closes: bool


class Hang(AssertionError):
    """The server neither answered nor closed in time."""


def connect(port: int, timeout: float) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def send(sock: socket.socket, data: bytes, piece: int | None) -> None:
    """Sends ``data`` at once or in ``piece``-byte slices; a server may close before the end."""
    try:
        if piece is None:
            sock.sendall(data)
            return
        for start in range(0, len(data), piece):
            sock.sendall(data[start : start + piece])
            time.sleep(0.001)
    except (BrokenPipeError, ConnectionResetError):
        pass


def read_to_eof(sock: socket.socket, timeout: float) -> bytes:
    """Everything until the server closes; :class:`Hang` if it does not within ``timeout``."""
    received = bytearray()
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Hang(f"connection still open after {timeout} s; received {bytes(received[:200])!r}")
        sock.settimeout(remaining)
        try:
            data = sock.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return bytes(received)
        if not data:
            return bytes(received)
        received += data


class _FileSocket:
    """Gives http.client one buffered reader for several responses on the same connection."""

    def __init__(self, file) -> None:
        self.file = file

    def makefile(self, *args, **kwargs):
        return self.file


class _KeptOpen(io.BufferedReader):
    """A reader that http.client cannot close: the next response is read from it."""

    def close(self) -> None:
        pass


def parse_responses(data: bytes, methods: list[str]) -> list[Answer]:
    """Each complete response in ``data``; http.client raises on an incomplete one."""
    stream = _FileSocket(_KeptOpen(io.BytesIO(data)))
    responses = []
    for index in range(len(data)):
        if stream.file.peek(1) == b"":
            break
        method = methods[index] if index < len(methods) else "GET"
        response = HTTPResponse(stream, method=method)
        response.begin()
        responses.append(Answer(response.status, response.read(), response.will_close))
    return responses


def read_responses(sock: socket.socket, methods: list[str], timeout: float) -> list[Answer]:
    """Reads until ``len(methods)`` responses are complete, or one ends the connection."""
    received = bytearray()
    deadline = time.monotonic() + timeout
    while True:
        try:
            responses = parse_responses(bytes(received), methods)
        except Exception:  # an incomplete response: read on
            responses = None
        if responses is not None and (
            len(responses) >= len(methods) or (responses and responses[-1].closes)
        ):
            return responses
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Hang(f"{len(methods)} responses not received in {timeout} s: {bytes(received[:300])!r}")
        sock.settimeout(remaining)
        try:
            data = sock.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            data = b""
        if not data:
            return parse_responses(bytes(received), methods)
        received += data
