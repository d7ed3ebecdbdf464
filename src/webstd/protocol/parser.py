"""Incremental parsers: bytes in, events out, for the two directions of an HTTP/1.1 connection.

Theory of operation. A parser owns a byte buffer. ``feed(data)`` appends to it and ``feed_eof()``
records that the peer closed. ``next_event()`` returns the next event the buffer holds: a head
(:class:`~webstd.protocol.events.Request` or ``Response``), then the body as ``Data`` events, then
``EndOfMessage``; ``NEED_DATA`` when more bytes are needed. After ``EndOfMessage`` the parser moves
on to the next message by itself, which is how pipelined requests are read one after another. A
CONNECT request, an Upgrade or a 101 response leaves the parser ``PAUSED``: the connection is no
longer HTTP and ``trailing_data`` holds the bytes that arrived after the head.

Any violation raises a :class:`~webstd.protocol.errors.RemoteProtocolError`; the parser is then
broken and every later call raises the same error.

The parsers do no I/O and know nothing of sockets or threads.
"""

from __future__ import annotations

from collections import deque

from webstd.protocol import _grammar as grammar
from webstd.protocol._fields import check_characters, check_partial, parse_fields
from webstd.protocol.errors import (
    BadRequestLine,
    BadStatusLine,
    ConflictingFraming,
    HeadersTooLarge,
    IncompleteMessage,
    InvalidContentLength,
    InvalidHeader,
    InvalidHost,
    InvalidMethod,
    InvalidTarget,
    InvalidTransferEncoding,
    InvalidVersion,
    LocalProtocolError,
    MissingHost,
    RemoteProtocolError,
    RequestLineTooLong,
    StatusLineTooLong,
    UnsupportedTransferCoding,
    UnsupportedVersion,
)
from webstd.protocol.events import (
    CONNECTION_CLOSED,
    NEED_DATA,
    PAUSED,
    BodyKind,
    EndOfMessage,
    Event,
    InformationalResponse,
    Request,
    Response,
)
from webstd.protocol.framing import _Decoder, make_decoder
from webstd.protocol.headers import Headers
from webstd.protocol.limits import DEFAULT_LIMITS, Limits

_request_line = grammar.REQUEST_LINE.fullmatch
_status_line = grammar.STATUS_LINE.fullmatch
_host = grammar.HOST.fullmatch
_forbidden_in_strict_target = grammar.FORBIDDEN_IN_STRICT_TARGET.search
_CR_LF = (13, 10)
_SPOKEN_VERSIONS = {"HTTP/1.1": "1.1", "HTTP/1.0": "1.0"}
# Longest Content-Length we take as a number: 18 digits is beyond any real body.
_MAX_LENGTH_DIGITS = 18


def _content_length(values: list[str]) -> int:
    """RFC 9112 section 6.3 item 5: one value (or repeats of one value), all digits."""
    first = values[0]
    if len(values) == 1 and len(first) <= _MAX_LENGTH_DIGITS and first.isascii() and first.isdigit():
        return int(first)  # the usual case; isascii() keeps out the other Unicode digits
    for value in values:
        if value != first:
            raise InvalidContentLength("several Content-Length fields that differ")
    if grammar.DIGITS.fullmatch(first) is None:
        raise InvalidContentLength(f"invalid Content-Length {first[:40]!r}")
    if len(first.lstrip("0")) > _MAX_LENGTH_DIGITS:
        raise InvalidContentLength("Content-Length too large")
    return int(first)


def _tokens(values: list[str] | tuple[()]) -> list[str] | tuple[str, ...]:
    """The comma-separated elements of list-based field values, lower-cased (RFC 9110 5.6.1)."""
    if not values:
        return ()
    tokens = []
    for value in values:
        for element in value.split(","):
            element = element.strip(" \t").lower()
            if element:
                tokens.append(element)
    return tokens


def _transfer_codings(values: list[str] | tuple[()]) -> list[str]:
    """The transfer codings, lower-cased, without parameters; unknown ones raise 501.

    A Transfer-Encoding of nothing but "identity" (a no-op coding that RFC 2616 had) is treated as
    absent, so the message is framed by its Content-Length, as gunicorn and nginx do.
    """
    if not values:
        return []
    codings = [element.partition(";")[0].strip(" \t") for element in _tokens(values)]
    for coding in codings:
        if coding not in grammar.KNOWN_TRANSFER_CODINGS:
            raise UnsupportedTransferCoding(f"unsupported transfer coding {coding[:40]!r}")
    if all(coding == "identity" for coding in codings):
        return []
    return codings


# The fields the parsers act on; every other field is only stored.
_CONTROL_FIELDS = frozenset(
    {"host", "content-type", "connection", "expect", "upgrade", "transfer-encoding", "content-length"}
)


def _control_fields(headers: Headers) -> dict[str, list[str]]:
    """One pass over the fields picks out the few that decide framing, routing and keep-alive."""
    control: dict[str, list[str]] = {}
    for _, lower, value in headers._fields:
        if lower in _CONTROL_FIELDS:
            control.setdefault(lower, []).append(value)
    return control


class _Parser:
    """What the two directions share: the buffer, head splitting, the body decoder, EOF."""

    __slots__ = ("limits", "_buffer", "_scanned", "_eof", "_decoder", "_state", "_error")

    _HEAD, _BODY, _PAUSED = range(3)

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._buffer = bytearray()
        self._scanned = 0
        self._eof = False
        self._decoder: _Decoder | None = None
        self._state = self._HEAD
        self._error: RemoteProtocolError | None = None

    # Input ------------------------------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        """Adds received bytes. ``b""`` is ignored: use :meth:`feed_eof` for a closed peer."""
        if self._eof and data:
            raise LocalProtocolError("data fed after feed_eof()")
        self._buffer += data

    def feed_eof(self) -> None:
        """Records that the peer closed its side of the connection."""
        self._eof = True

    @property
    def trailing_data(self) -> bytes:
        """Bytes received but not parsed: after PAUSED, the start of the tunnelled stream."""
        return bytes(self._buffer)

    @property
    def eof(self) -> bool:
        return self._eof

    @property
    def in_message(self) -> bool:
        """True between a head and its EndOfMessage (or with part of a head buffered)."""
        return self._state == self._BODY or (self._state == self._HEAD and bool(self._buffer))

    # Output -----------------------------------------------------------------------------------
    def next_event(self) -> Event:
        """The next event; raises RemoteProtocolError on a violation (and on every call after)."""
        if self._error is not None:
            raise self._error
        try:
            if self._state == self._BODY:
                event = self._decoder.next(self._buffer, self._eof)
                if type(event) is EndOfMessage:
                    self._end_of_message()
                return event
            if self._state == self._HEAD:
                return self._next_head()
            return PAUSED
        except RemoteProtocolError as error:
            self._error = error
            raise

    def _end_of_message(self) -> None:
        self._decoder = None
        self._state = self._HEAD

    def _skip_empty_lines(self) -> None:
        """Overridden by the request parser (RFC 9112 section 2.2)."""

    def _next_head(self) -> Event:
        buffer = self._buffer
        if not buffer:
            # The usual call between two messages: nothing to scan or check.
            return CONNECTION_CLOSED if self._eof else NEED_DATA
        if buffer[0] in _CR_LF:
            self._skip_empty_lines()
            if not buffer:
                return CONNECTION_CLOSED if self._eof else NEED_DATA
        end = buffer.find(b"\r\n\r\n", max(0, self._scanned - 3))
        if end < 0:
            return self._incomplete_head()
        self._scanned = 0
        limits = self.limits
        if end + 4 > limits.max_header_bytes:
            raise HeadersTooLarge(f"header section larger than {limits.max_header_bytes} bytes")
        text = buffer[:end].decode("latin-1")
        del buffer[: end + 4]
        # The request or status line pattern and the field section pattern reject every control
        # character, CR and LF included; check_characters names the culprit when one fails.
        first, _, rest = text.partition("\r\n")
        if len(first) > limits.max_request_line:
            raise self._line_too_long()
        fields = parse_fields(rest, limits) if rest else []
        return self._head(first, Headers._from_parsed(fields))

    def _incomplete_head(self) -> Event:
        buffer = self._buffer
        start = max(0, self._scanned - 3)
        self._scanned = len(buffer)
        limits = self.limits
        if len(buffer) > limits.max_header_bytes:
            raise HeadersTooLarge(f"header section larger than {limits.max_header_bytes} bytes")
        if buffer.find(b"\r\n", 0, limits.max_request_line + 2) < 0 and len(buffer) > limits.max_request_line + 1:
            raise self._line_too_long()
        check_partial(buffer, start)
        if self._eof:
            if buffer:
                raise IncompleteMessage("connection closed in the middle of a message head")
            return CONNECTION_CLOSED
        return NEED_DATA

    def _line_too_long(self) -> RemoteProtocolError:
        raise NotImplementedError

    def _head(self, first_line: str, headers: Headers) -> Event:
        raise NotImplementedError

    def _start_body(self, kind: BodyKind, length: int | None) -> None:
        self._decoder = make_decoder(kind, length, self.limits)
        self._state = self._BODY


class RequestParser(_Parser):
    """Parses the requests a server receives.

    ``require_host``: answer an HTTP/1.1 request without a Host field with 400, as RFC 9112
    section 3.2 requires of a server. A proxy sees absolute-form targets and may turn it off.

    ``strict``: what the production servers (``webstd serve``, ``webstd wsgi``, the proxy) turn on,
    and the stdlib-named servers leave off to keep the stdlib's leniency: a Host value that is not
    ``uri-host [":" port]`` is a 400 (:class:`InvalidHost`), a missing Host in HTTP/1.1 is a 400
    whatever ``require_host`` says, and a request-target with a "#" or a byte outside ASCII is a
    400 (:class:`InvalidTarget`).
    """

    __slots__ = ("require_host", "strict", "_pause_after", "_empty_lines")

    def __init__(
        self, limits: Limits = DEFAULT_LIMITS, *, require_host: bool = True, strict: bool = False
    ) -> None:
        super().__init__(limits)
        self.require_host = require_host or strict
        self.strict = strict
        self._pause_after = False
        self._empty_lines = 0

    def resume(self) -> None:
        """Goes back to reading HTTP after a CONNECT or Upgrade request that was refused."""
        if self._state == self._PAUSED:
            self._state = self._HEAD

    def _end_of_message(self) -> None:
        super()._end_of_message()
        if self._pause_after:
            self._pause_after = False
            self._state = self._PAUSED

    def _skip_empty_lines(self) -> None:
        # RFC 9112 section 2.2: at least one empty line (CRLF, or a bare LF) before a request line
        # is ignored, up to limits.max_leading_empty_lines of them (counted across feeds).
        buffer = self._buffer
        while buffer:
            if buffer[0] == 10:
                size = 1
            elif buffer[:2] == b"\r\n":
                size = 2
            else:
                break  # a lone CR waits for its LF; anything else starts the request line
            self._empty_lines += 1
            if self._empty_lines > self.limits.max_leading_empty_lines:
                raise BadRequestLine("too many empty lines before the request line")
            del buffer[:size]

    def _line_too_long(self) -> RemoteProtocolError:
        return RequestLineTooLong(f"request line longer than {self.limits.max_request_line} bytes")

    def _head(self, first_line: str, headers: Headers) -> Request:
        self._empty_lines = 0
        match = _request_line(first_line)
        if match is None:
            check_characters(first_line)
            raise self._diagnose_request_line(first_line)
        method, target, version_text = match.groups()
        if grammar.LOWER_CASE.search(method) is not None:
            raise InvalidMethod(f"method {method[:40]!r} is not upper-case")
        version = _SPOKEN_VERSIONS.get(version_text)
        if version is None:
            raise UnsupportedVersion(f"unsupported HTTP version {version_text!r}")
        self._check_target(method, target)
        if self.strict and _forbidden_in_strict_target(target) is not None:
            raise InvalidTarget(f"request target with a fragment or a non-ASCII byte {target[:80]!r}")

        control = _control_fields(headers)

        hosts = control.get("host", ())
        if len(hosts) > 1:
            raise MissingHost("more than one Host field")
        if not hosts and version == "1.1" and self.require_host:
            raise MissingHost("HTTP/1.1 request without a Host field")
        if hosts and self.strict and _host(hosts[0]) is None:
            raise InvalidHost(f"invalid Host {hosts[0][:80]!r}")
        if len(control.get("content-type", ())) > 1:
            raise InvalidHeader("more than one Content-Type field")

        connection = _tokens(control.get("connection", ()))
        if version == "1.1":
            keep_alive = "close" not in connection
        else:
            keep_alive = "keep-alive" in connection and "close" not in connection
        request = Request(method, target, version, headers, keep_alive=keep_alive)
        if version == "1.1" and "100-continue" in _tokens(control.get("expect", ())):
            request.expect_continue = True
        if "upgrade" in connection and "upgrade" in control:
            request.upgrade = control["upgrade"][0]

        transfer_encoding = control.get("transfer-encoding")
        content_length = control.get("content-length")
        if transfer_encoding and content_length:
            # RFC 9112 sections 6.1 and 6.3 item 3: a request with both may be an attempt at request
            # smuggling; refused whatever the codings are ("identity" included), then closed.
            raise ConflictingFraming("both Content-Length and Transfer-Encoding")
        codings = _transfer_codings(transfer_encoding) if transfer_encoding else []
        if codings:
            if version == "1.0":
                # RFC 9112 section 6.1: HTTP/1.0 has no chunked coding; the framing is faulty.
                raise InvalidTransferEncoding("Transfer-Encoding in an HTTP/1.0 request")
            if codings[-1] != "chunked" or codings.count("chunked") != 1:
                raise InvalidTransferEncoding("Transfer-Encoding must end with chunked, once")
            request.body_kind = BodyKind.CHUNKED
        elif content_length:
            request.content_length = _content_length(content_length)
            request.body_kind = BodyKind.LENGTH
        if method == "CONNECT" or request.upgrade is not None:
            self._pause_after = True
        self._start_body(request.body_kind, request.content_length)
        return request

    @staticmethod
    def _diagnose_request_line(line: str) -> RemoteProtocolError:
        parts = line.split(" ")
        if len(parts) == 3:
            method, _, version = parts
            if not grammar.TOKEN.fullmatch(method):
                return InvalidMethod(f"invalid method {method[:40]!r}")
            if not grammar.LOOKS_LIKE_VERSION.fullmatch(version):
                return InvalidVersion(f"invalid HTTP version {version[:40]!r}")
        return BadRequestLine(f"invalid request line {line[:80]!r}")

    @staticmethod
    def _check_target(method: str, target: str) -> None:
        """RFC 9112 section 3.2: each form of request-target goes with its methods only."""
        if method == "CONNECT":
            if grammar.AUTHORITY_FORM.fullmatch(target) is None:
                raise InvalidTarget("CONNECT needs an authority-form target (host:port)")
        elif target == "*":
            if method != "OPTIONS":
                raise InvalidTarget("the asterisk target is for OPTIONS only")
        elif target[0] != "/" and grammar.ABSOLUTE_FORM.fullmatch(target) is None:
            raise InvalidTarget(f"invalid request target {target[:80]!r}")


class ResponseParser(_Parser):
    """Parses the responses a client receives.

    A response's framing depends on the request it answers, so call :meth:`expect` with each
    request's method, in the order the requests were sent, before its response is parsed.
    """

    __slots__ = ("_methods",)

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        super().__init__(limits)
        self._methods: deque[str] = deque()

    def expect(self, method: str) -> None:
        """Announces that a response to a ``method`` request is due (after the earlier ones)."""
        self._methods.append(method)

    def _skip_empty_lines(self) -> None:
        # Some servers send a stray CRLF after a body; tolerate a few, as for requests.
        buffer = self._buffer
        skipped = 0
        while buffer[:2] == b"\r\n" and skipped < self.limits.max_leading_empty_lines:
            skipped += 1
            del buffer[:2]

    def _line_too_long(self) -> RemoteProtocolError:
        return StatusLineTooLong(f"status line longer than {self.limits.max_request_line} bytes")

    def _head(self, first_line: str, headers: Headers) -> Response:
        match = _status_line(first_line)
        if match is None:
            check_characters(first_line)
            raise BadStatusLine(f"invalid status line {first_line[:80]!r}")
        version_text, status_text, reason = match.groups()
        version = _SPOKEN_VERSIONS.get(version_text)
        if version is None:
            raise UnsupportedVersion(f"unsupported HTTP version {version_text!r}", 502)
        status = int(status_text)
        if status < 100:
            raise BadStatusLine(f"invalid status code {status_text!r}")
        method = self._methods[0] if self._methods else "GET"
        control = _control_fields(headers)
        connection = _tokens(control.get("connection", ()))
        if version == "1.1":
            keep_alive = "close" not in connection
        else:
            keep_alive = "keep-alive" in connection and "close" not in connection

        if 100 <= status < 200 and status != 101:
            return InformationalResponse(status, reason or "", version, headers, keep_alive=keep_alive)
        if self._methods:
            self._methods.popleft()
        response = Response(status, reason or "", version, headers, keep_alive=keep_alive)

        if status == 101 or (method == "CONNECT" and 200 <= status < 300):
            self._state = self._PAUSED
            return response
        if method == "HEAD" or status in (204, 304):
            kind, length = BodyKind.NONE, None
        else:
            kind, length = self._response_framing(control)
        if kind is BodyKind.UNTIL_CLOSE:
            response.keep_alive = False
        response.body_kind, response.content_length = kind, length
        self._start_body(kind, length)
        return response

    @staticmethod
    def _response_framing(control: dict[str, list[str]]) -> tuple[BodyKind, int | None]:
        """RFC 9112 section 6.3, items 3 to 8, for a response that may have a body."""
        transfer_encoding = control.get("transfer-encoding")
        content_length = control.get("content-length")
        if transfer_encoding and content_length:
            # RFC 9112 section 6.3 item 3 lets a client let Transfer-Encoding win and close after;
            # webstd refuses such a response instead (whatever the codings), which is safer still.
            raise ConflictingFraming("both Content-Length and Transfer-Encoding", 502)
        codings = _transfer_codings(transfer_encoding) if transfer_encoding else ()
        if codings:
            if codings[-1] == "chunked":
                if codings.count("chunked") != 1:
                    raise InvalidTransferEncoding("chunked applied more than once", 502)
                return BodyKind.CHUNKED, None
            return BodyKind.UNTIL_CLOSE, None
        if content_length:
            try:
                return BodyKind.LENGTH, _content_length(content_length)
            except InvalidContentLength as error:
                error.status_code = 502
                raise
        return BodyKind.UNTIL_CLOSE, None


