"""HTTPResponse of webstd.http.client: a response head and a file-like body on a socket.

The head and the body framing come from webstd.protocol's ResponseParser; the body is read through
its BodyReader, so a response never consumes bytes past its own end and the connection can carry
the next request once the body is read. This module maps webstd.protocol's errors onto the
exceptions of the 3.11 http.client (the table is :func:`_head_error`).
"""

from __future__ import annotations

import io
import socket
from collections.abc import Callable
from typing import Any

from webstd.http._client_errors import (
    BadStatusLine,
    HTTPException,
    IncompleteRead,
    LineTooLong,
    RemoteDisconnected,
    ResponseBodyTooLarge,
    ResponseNotReady,
    UnknownProtocol,
    UnknownTransferEncoding,
)
from webstd.http._message import HTTPMessage
from webstd.protocol import (
    CONNECTION_CLOSED,
    NEED_DATA,
    BodyKind,
    BodyReader,
    Data,
    EndOfMessage,
    HeaderFieldTooLarge,
    HeadersTooLarge,
    IncompleteMessage,
    InformationalResponse,
    Limits,
    RemoteProtocolError,
    Response,
    ResponseParser,
    TooManyHeaders,
    UnsupportedTransferCoding,
    UnsupportedVersion,
)
from webstd.protocol import BadStatusLine as ProtocolBadStatusLine

# The stdlib reads lines of up to 64 KiB and at most 100 header fields; webstd keeps those limits
# and bounds the whole head too (the stdlib does not): 100 fields of 4 KiB each fit.
CLIENT_LIMITS = Limits(
    max_request_line=65536, max_field_size=65536, max_header_bytes=512 * 1024, max_header_count=100
)
# One recv takes whatever the kernel holds, up to this much: a small response arrives whole.
RECEIVE_SIZE = 65536
_UNKNOWN = "UNKNOWN"


def _head_error(error: RemoteProtocolError, first_line: str) -> Exception:
    """The http.client exception for a protocol error found while reading a response head."""
    if isinstance(error, UnsupportedVersion):
        return UnknownProtocol(first_line.partition(" ")[0])
    if isinstance(error, ProtocolBadStatusLine):
        if len(first_line) > CLIENT_LIMITS.max_request_line:
            return LineTooLong("status line")
        return BadStatusLine(first_line)
    if isinstance(error, TooManyHeaders):
        return HTTPException(f"got more than {CLIENT_LIMITS.max_header_count} headers")
    if isinstance(error, HeaderFieldTooLarge):
        return LineTooLong("header line")
    if isinstance(error, HeadersTooLarge):
        return HTTPException(f"got more than {CLIENT_LIMITS.max_header_bytes} bytes of headers")
    if isinstance(error, UnsupportedTransferCoding):
        return UnknownTransferEncoding(str(error))
    if isinstance(error, IncompleteMessage):
        return RemoteDisconnected("Remote end closed connection in the middle of the response head")
    return HTTPException(str(error))


def _read_into(b: Any, read: Callable[[int], bytes]) -> int:
    """readinto() by way of ``read``: as many bytes as ``b`` holds, copied into it."""
    view = memoryview(b).cast("B")
    data = read(len(view))
    view[: len(data)] = data
    return len(data)


class HTTPResponse(io.BufferedIOBase):
    """The response to one request: status, reason, headers, and the body as a binary file."""

    # What a response knows before begin(): the stdlib's "UNKNOWN" for the head's facts. Class
    # attributes, so that a response costs only the assignments that differ.
    headers: HTTPMessage | None = None
    msg: HTTPMessage | None = None
    version: int | str = _UNKNOWN
    status: int | str = _UNKNOWN
    #: The status, as urllib's responses call it (a webstd addition, like ``url``).
    code: int | str = _UNKNOWN
    reason: str = _UNKNOWN
    chunked: bool | str = _UNKNOWN
    chunk_left: int | str | None = _UNKNOWN
    length: int | str | None = _UNKNOWN
    will_close: bool | str = _UNKNOWN
    fp: BodyReader | None = None
    #: A chunked body's trailer fields, once the body has been read (a webstd addition).
    trailers: HTTPMessage | None = None
    #: Bytes of the head received so far (0 lets the connection retry a safe request).
    _head_received = 0
    #: No part of the body was read yet, so read() may take it from the parser directly.
    _untouched = True
    #: True once the whole body was read, so that the socket may carry another request.
    _complete = False
    #: Called once when the body has been read completely or the response is closed.
    _release: Callable[[HTTPResponse], None] | None = None
    #: A webstd addition: the most body bytes this response hands out, however they are read;
    #: beyond it reading raises ResponseBodyTooLarge and closes the connection. None: no limit
    #: (the stdlib's behaviour). HTTPConnection.max_body_size sets it.
    max_body_size: int | None = None
    #: Body bytes handed out so far (counted only with max_body_size).
    _body_read = 0

    def __init__(
        self, sock: socket.socket, debuglevel: int = 0, method: str | None = None, url: str | None = None
    ) -> None:
        self._sock: socket.socket | None = sock
        self.debuglevel = debuglevel
        self._method = method
        self.url = url
        self._parser = ResponseParser(CLIENT_LIMITS)
        self._parser.expect(method or "GET")
        self._head_chunks: list[bytes] = []
        # An object with only makefile() (test doubles, vcrpy, "parse a raw response" with a
        # FakeSocket whose makefile returns io.BytesIO) is read through makefile("rb"), as the
        # stdlib reads every socket; a real socket is read with recv, without a buffer between.
        self._file = None if hasattr(sock, "recv") else sock.makefile("rb")

    def _receive(self) -> bytes:
        if self._file is not None:
            read1 = getattr(self._file, "read1", None)
            data = read1(RECEIVE_SIZE) if read1 is not None else self._file.read(RECEIVE_SIZE)
        else:
            data = self._sock.recv(RECEIVE_SIZE)
        if self.debuglevel > 1:
            print("recv:", len(data), "bytes")
        return data

    # The head -------------------------------------------------------------------------------------
    def begin(self) -> None:
        """Reads the status line and the header fields; 1xx interim responses are skipped."""
        if self.headers is not None:
            return
        parser = self._parser
        if not parser.in_message:
            # Nothing buffered yet: receive before asking the parser, which can only say NEED_DATA.
            self._receive_head()
        while True:
            try:
                event = parser.next_event()
            except RemoteProtocolError as error:
                raise _head_error(error, self._first_line()) from error
            if event is NEED_DATA:
                self._receive_head()
            elif event is CONNECTION_CLOSED:
                raise RemoteDisconnected("Remote end closed connection without response")
            elif type(event) is InformationalResponse:
                if self.debuglevel > 0:
                    print("reply:", repr(f"{event.version} {event.status} {event.reason}"))
            else:
                self._start(event)
                return

    def _receive_head(self) -> None:
        data = self._receive()
        if data:
            self._head_received += len(data)
            self._head_chunks.append(data)
            self._parser.feed(data)
        else:
            self._parser.feed_eof()

    def _first_line(self) -> str:
        """The status line as received (for the exceptions), from the chunks kept meanwhile."""
        return b"".join(self._head_chunks).partition(b"\r\n")[0].decode("latin-1")

    def _start(self, response: Response) -> None:
        self._head_chunks = []
        if self.debuglevel > 0:
            print("reply:", repr(f"{response.version} {response.status} {response.reason}\r\n"))
            for name, value in response.headers:
                print("header:", name + ":", value)
        self.version = 11 if response.http_version == "1.1" else 10
        self.status = self.code = response.status
        self.reason = response.reason
        self.headers = self.msg = HTTPMessage.from_headers(response.headers)
        kind = response.body_kind
        self.chunked = kind is BodyKind.CHUNKED
        self.chunk_left = None
        self.length = response.content_length if kind is BodyKind.LENGTH else None
        if kind is BodyKind.NONE:
            self.length = 0
        self.will_close = not response.keep_alive
        self.fp = BodyReader(self._parser, self._receive)
        if kind is BodyKind.NONE or self.length == 0:
            self.fp.drain()
            self._finish()

    # Reading the body -------------------------------------------------------------------------
    def _finish(self) -> None:
        """The body is complete: give the socket back (or close it) and stop reading."""
        if self.fp is not None and self.fp.trailers:
            self.trailers = HTTPMessage.from_headers(self.fp.trailers)
        self._complete = not self._parser.in_message
        self._close_conn()

    def _close_conn(self) -> None:
        self.fp = None
        release, self._release = self._release, None
        if release is not None:
            release(self)
        elif self._sock is not None and self.will_close is not False:
            self._sock.close()
        self._sock = None

    def _too_large(self, length: int | None = None) -> ResponseBodyTooLarge:
        self._close_conn()
        return ResponseBodyTooLarge(self.max_body_size, length)

    def _check_declared(self) -> None:
        """With a limit, a Content-Length beyond it is refused before anything is read."""
        if self.length is not None and self._body_read + self.length > self.max_body_size:
            raise self._too_large(self._body_read + self.length)

    def _consumed(self, data: bytes) -> bytes:
        if self.max_body_size is not None:
            self._body_read += len(data)
            if self._body_read > self.max_body_size:
                raise self._too_large()
        if self.length is not None:
            self.length -= len(data)
        if self.fp is not None and self.fp.at_end:
            self._finish()
        return data

    def _body_error(self, error: RemoteProtocolError, partial: bytes | None = None) -> IncompleteRead:
        if partial is None:
            partial = self.fp.buffered() if self.fp is not None else b""
        expected = None
        if isinstance(error, IncompleteMessage) and error.expected is not None:
            expected = error.expected - error.received
        self._close_conn()
        return IncompleteRead(partial, expected)

    def _call(self, method: Callable[..., Any], *args: Any) -> Any:
        if self.fp is None:
            return b""
        try:
            return self._consumed(method(*args))
        except RemoteProtocolError as error:
            raise self._body_error(error) from error

    def _partial(self, method: Callable[..., Any], size: Any, strict: bool = False) -> bytes:
        """A partial read (read1, readline). As in 3.11, a body cut short gives what arrived and
        then b"" (the whole-body read() is where truncation raises); ``strict`` raises instead."""
        if self.fp is None:
            return b""
        try:
            return self._consumed(method(size))
        except IncompleteMessage as error:
            if strict:
                raise self._body_error(error) from error
            data = self.fp.buffered()
            self._close_conn()
            if self.max_body_size is not None and self._body_read + len(data) > self.max_body_size:
                raise ResponseBodyTooLarge(self.max_body_size) from None
            return data
        except RemoteProtocolError as error:
            raise self._body_error(error) from error

    def read(self, amt: int | None = None) -> bytes:
        """The rest of the body, or at most ``amt`` bytes of it; b"" at the end.

        As in the stdlib, ``read()`` without a size keeps everything until the body ends: a
        server that sends an endless body (chunked or until close) makes it grow until memory
        runs out. Read a body of unknown size in pieces (``read(65536)``), or set
        ``max_body_size`` (on the response, its HTTPConnection, or the urllib handler) to get
        ResponseBodyTooLarge beyond a total.
        """
        if self.fp is None:
            return b""
        if self.max_body_size is not None:
            self._check_declared()
        if amt is None or amt < 0:
            if self._untouched:
                return self._read_whole_body()
            return self._call(self.fp.read, -1)
        self._untouched = False
        if amt == 0:
            return b""
        # As in the stdlib, read(amt) of a Content-Length body hands out what arrived and the end
        # shows up as b""; a broken chunked body raises IncompleteRead.
        return self._partial(self.fp.read, amt, self.chunked is True)

    def _read_whole_body(self) -> bytes:
        """read() before any other read, the common case: the body straight from the parser,
        without BodyReader's buffer in between."""
        parser = self._parser
        pieces = []
        limit = self.max_body_size
        total = 0
        while True:
            try:
                event = parser.next_event()
            except RemoteProtocolError as error:
                raise self._body_error(error, b"".join(pieces)) from error
            if type(event) is Data:
                pieces.append(event.data)
                if limit is not None:
                    total += len(event.data)
                    if total > limit:
                        raise self._too_large()
            elif event is NEED_DATA:
                data = self._receive()
                parser.feed(data) if data else parser.feed_eof()
            else:
                break
        if type(event) is EndOfMessage and event.trailers:
            self.trailers = HTTPMessage.from_headers(event.trailers)
        if self.length is not None:
            self.length = 0
        self._complete = not parser.in_message
        self._close_conn()
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def readinto(self, b: Any) -> int:
        return _read_into(b, self.read)

    def read1(self, n: int = -1) -> bytes:
        self._untouched = False
        # 3.11 raises IncompleteRead from read1() of a broken chunked body only.
        return self._partial(self.fp.read1, n, self.chunked is True) if self.fp is not None else b""

    def readinto1(self, b: Any) -> int:
        return _read_into(b, self.read1)

    def peek(self, n: int = -1) -> bytes:
        self._untouched = False
        if self.fp is None:
            return b""
        try:
            return self.fp.peek(n if n > 0 else 0)
        except IncompleteMessage:
            data = self.fp.buffered()
            self._close_conn()
            return data
        except RemoteProtocolError as error:
            raise self._body_error(error) from error

    def readline(self, limit: int | None = -1) -> bytes:
        self._untouched = False
        if self.fp is None:
            return b""
        if self.max_body_size is not None:
            # A line without end must not collect the whole body first: one byte past the limit
            # is enough to know.
            room = self.max_body_size - self._body_read + 1
            if limit is None or limit < 0 or limit > room:
                limit = room
        return self._partial(self.fp.readline, limit)

    # The file and the head accessors --------------------------------------------------------------
    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.fp is not None or self._sock is not None:
                self._close_conn()

    def flush(self) -> None:
        super().flush()

    def readable(self) -> bool:
        return True

    def isclosed(self) -> bool:
        """True once the body has been read completely or the response was closed."""
        return self.fp is None and (self.headers is not None or self._sock is None)

    def fileno(self) -> int:
        if self._sock is None:
            raise ValueError("I/O operation on a response whose body has been read")
        return self._sock.fileno()

    def getheader(self, name: str, default: Any = None) -> Any:
        if self.headers is None:
            raise ResponseNotReady()
        values = self.headers.get_all(name) or default
        if isinstance(values, str) or not hasattr(values, "__iter__"):
            return values
        return ", ".join(values)

    def getheaders(self) -> list[tuple[str, str]]:
        if self.headers is None:
            raise ResponseNotReady()
        return self.headers.items()

    def __iter__(self) -> HTTPResponse:
        return self

    def info(self) -> HTTPMessage | None:
        return self.headers

    def geturl(self) -> str | None:
        return self.url

    def getcode(self) -> int | str:
        return self.status
