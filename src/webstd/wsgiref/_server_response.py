"""One WSGI call (PEP 3333) and the HTTP/1.1 response it produces.

It owns start_response (with exc_info), the write() callable, the framing of the body
(Content-Length when known, chunked for HTTP/1.1, close-delimited for HTTP/1.0, nothing for HEAD,
1xx, 204 and 304: RFC 9110 section 6.4.1, RFC 9112 section 6.3), wsgi.file_wrapper through
sendfile, and the 500 an application error turns into. Bytes leave through a ``send`` function
the caller supplies, so the same code serves the event loop (which collects them) and a pool
thread (which blocks until they are sent).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from webstd.http import HTTPStatus
from webstd.protocol import (
    LocalProtocolError,
    RemoteProtocolError,
    Request,
    check_field,
    chunk,
    response_has_body,
)
from webstd.wsgiref.util import FileWrapper, is_hop_by_hop

__all__ = ["Exchange", "ApplicationError", "ClientGone", "error_response"]

_STATUS = re.compile(r"([1-9]\d\d) [^\x00-\x08\x0a-\x1f\x7f]*")
_DIGITS = re.compile(r"\d{1,18}")
# Statuses already checked, so a busy server checks "200 OK" once (bounded: apps use few).
_checked_statuses: dict[str, int] = {}
_MAX_CHECKED_STATUSES = 256
_INTERNAL_ERROR_BODY = b"Internal Server Error\n"


class ApplicationError(Exception):
    """The application broke the WSGI contract (bad status, header, body type...)."""


class ClientGone(Exception):
    """The client closed the connection or stopped reading; the response cannot be finished."""


class _Clock:
    """The Date field value, formatted once per second (RFC 9110 section 6.6.1)."""

    __slots__ = ("second", "value")

    def __init__(self) -> None:
        self.second = -1
        self.value = ""

    def now(self) -> str:
        second = int(time.time())
        if second != self.second:
            self.second = second
            self.value = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(second))
        return self.value


_clock = _Clock()


def _status_code(status: object) -> int:
    code = _checked_statuses.get(status)  # type: ignore[arg-type]
    if code is not None:
        return code
    if type(status) is not str:
        raise ApplicationError(f"status must be a str, not {type(status).__name__}")
    match = _STATUS.fullmatch(status)
    if match is None:
        raise ApplicationError(f"invalid status {status!r}: expected '200 OK'")
    code = int(match[1])
    if len(_checked_statuses) < _MAX_CHECKED_STATUSES:
        _checked_statuses[status] = code
    return code


def error_response(status: int, *, keep_alive: bool = False, body: bytes | None = None) -> bytes:
    """A complete small response the server itself sends (protocol errors, 500, 408)."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    if body is None:
        body = f"{status} {phrase}\n".encode("latin-1")
    connection = "keep-alive" if keep_alive else "close"
    return (
        f"HTTP/1.1 {status} {phrase}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nDate: {_clock.now()}\r\nConnection: {connection}\r\n\r\n"
    ).encode("latin-1") + body


class Exchange:
    """The state of one request while the application answers it.

    ``keep_alive`` says, once :meth:`run` returns, whether the connection may carry another
    request. ``send`` may be replaced between :meth:`call` and :meth:`finish`.
    """

    __slots__ = (
        "request", "environ", "send", "keep_alive", "status", "status_code", "headers",
        "head_sent", "bytes_sent", "_length", "_chunked", "_has_body", "_software",
        "sendfile", "error_log", "_input",
    )

    def __init__(
        self,
        request: Request,
        environ: dict[str, Any],
        send: Callable[[bytes], Any],
        *,
        keep_alive: bool,
        software: str,
        error_log: Callable[[str, BaseException | None], None],
        sendfile: Callable[[Any, int, int], int] | None = None,
        wsgi_input: Any = None,
    ) -> None:
        self.request = request
        self.environ = environ
        self.send = send
        self.keep_alive = keep_alive
        self.status: str | None = None
        self.status_code = 0
        self.headers: list[tuple[str, str]] = []
        self.head_sent = False
        #: Body bytes sent (for the access log's %(b)s).
        self.bytes_sent = 0
        self._length: int | None = None
        self._chunked = False
        self._has_body = True
        self._software = software
        self.sendfile = sendfile
        self.error_log = error_log
        self._input = wsgi_input

    # start_response and write -------------------------------------------------------------
    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info is not None:
            try:
                if self.head_sent:
                    # PEP 3333: too late to change the status; let the error abort the response.
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise ApplicationError("start_response() called a second time without exc_info")
        code = _status_code(status)
        if type(headers) is not list:
            raise ApplicationError(f"headers must be a list, not {type(headers).__name__}")
        length = None
        for item in headers:
            if type(item) is not tuple or len(item) != 2:
                raise ApplicationError(f"header {item!r} is not a (name, value) tuple")
            name, value = item
            if type(name) is not str or type(value) is not str:
                raise ApplicationError(f"header {item!r}: name and value must be str")
            try:
                check_field(name, value)
            except LocalProtocolError as error:
                raise ApplicationError(str(error)) from None
            lower = name.lower()
            if lower == "content-length":
                if _DIGITS.fullmatch(value.strip()) is None:
                    raise ApplicationError(f"invalid Content-Length {value!r}")
                length = int(value)
            elif is_hop_by_hop(lower):
                raise ApplicationError(f"hop-by-hop header {name!r} is the server's to send")
        self.status, self.status_code, self.headers, self._length = status, code, headers, length
        return self.write

    def write(self, data: bytes) -> None:
        """The write() callable: sends ``data`` at once, after the head if it is not out yet."""
        if type(data) is not bytes:
            raise ApplicationError(f"the body must be bytes, not {type(data).__name__}")
        if self.status is None:
            raise ApplicationError("write() before start_response()")
        if not self.head_sent:
            if data:
                # PEP 3333: the head waits for the first non-empty piece of the body.
                self._send_head(None, data)
        elif data:
            self._send_body(data)

    # Sending ------------------------------------------------------------------------------
    def _head(self, known_length: int | None) -> bytes:
        """The status line and fields; decides the framing from what the application said."""
        request = self.request
        code = self.status_code
        self._has_body = response_has_body(request.method, code)
        lines = [f"HTTP/1.1 {self.status}\r\n"]
        headers = self.headers
        if request.method == "CONNECT" and 200 <= code < 300:
            # RFC 9110 section 9.3.6: a 2xx to CONNECT has no content and no framing fields.
            headers = [(name, value) for name, value in headers
                       if name.lower() not in ("content-length", "transfer-encoding")]  # fmt: skip
            self._length = None
        lines.extend(f"{name}: {value}\r\n" for name, value in headers)
        if self._length is None:
            if known_length is not None and (self._has_body or (known_length and request.method == "HEAD")):
                if code >= 200 and code not in (204, 304):
                    self._length = known_length
                    lines.append(f"Content-Length: {known_length}\r\n")
            elif self._has_body:
                if request.http_version == "1.1":
                    self._chunked = True
                    lines.append("Transfer-Encoding: chunked\r\n")
                else:
                    # RFC 9112 section 6.3 item 8: an HTTP/1.0 client reads until we close.
                    self.keep_alive = False
        if self.keep_alive and request.expect_continue and self._input is not None and not self._input.started:
            # The client waits for 100 Continue that will not come; it may or may not send the
            # body, so this connection cannot carry another request (RFC 9110 section 10.1.1).
            self.keep_alive = False
        lines.append(f"Date: {_clock.now()}\r\nServer: {self._software}\r\n")
        if not self.keep_alive:
            lines.append("Connection: close\r\n\r\n")
        elif request.http_version == "1.0":
            lines.append("Connection: keep-alive\r\n\r\n")
        else:
            lines.append("\r\n")
        try:
            return "".join(lines).encode("latin-1")
        except UnicodeEncodeError as error:
            raise ApplicationError(f"status or header is not ISO-8859-1: {error}") from None

    def _send_head(self, known_length: int | None, body: bytes) -> None:
        head = self._head(known_length)
        self.head_sent = True
        if body and self._has_body:
            self.send(head + self._frame(body))
        else:
            self.send(head)

    def _frame(self, data: bytes) -> bytes:
        if self._length is not None:
            room = self._length - self.bytes_sent
            if len(data) > room:
                # More than the Content-Length promised: send what fits, then close.
                self.keep_alive = False
                data = data[:room]
            self.bytes_sent += len(data)
            return data
        self.bytes_sent += len(data)
        return chunk(data) if self._chunked else data

    def _send_body(self, data: bytes) -> None:
        if self._has_body:
            self.send(self._frame(data))

    # Running the application --------------------------------------------------------------
    def call(self, application: Callable[..., Iterable[bytes]]) -> Iterable[bytes] | None:
        """Calls the application; None when it raised (the 500 is then already sent)."""
        try:
            result = application(self.environ, self.start_response)
        except ClientGone:
            raise
        except Exception as error:
            self._fail(error)
            return None
        return result

    def finish(self, result: Iterable[bytes]) -> None:
        """Sends the body from the application's iterable and closes it, whatever happens."""
        try:
            if type(result) is list and not self.head_sent:
                self._send_list(result)
            elif type(result) is FileWrapper and self.sendfile is not None and self._send_file(result):
                pass
            else:
                for data in result:
                    self.write(data)
                self._end()
        except ClientGone:
            self.keep_alive = False
            raise
        except Exception as error:
            self._fail(error)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                try:
                    close()
                except Exception as error:
                    self.error_log("error closing the application's iterable", error)

    def _send_list(self, result: list[bytes]) -> None:
        total = 0
        for data in result:
            if type(data) is not bytes:
                raise ApplicationError(f"the body must be bytes, not {type(data).__name__}")
            total += len(data)
        if self.status is None:
            raise ApplicationError("the application returned without calling start_response()")
        body = result[0] if len(result) == 1 else b"".join(result)
        self._send_head(total, body)
        self._check_length()

    def _send_file(self, wrapper: FileWrapper) -> bool:
        """wsgi.file_wrapper over a regular file: the kernel copies it (os.sendfile)."""
        filelike = wrapper.filelike
        try:
            descriptor = filelike.fileno()
            stat = os.fstat(descriptor)
            offset = filelike.tell()
        except (AttributeError, OSError, ValueError):
            return False
        if not (stat.st_mode & 0o170000 == 0o100000) or self.status is None or self.head_sent:
            return False
        available = max(0, stat.st_size - offset)
        count = available if self._length is None else min(self._length, available)
        self._send_head(count, b"")
        if self._has_body and count:
            sent = self.sendfile(filelike, offset, count)
            self.bytes_sent += sent
        self._check_length()
        return True

    def _end(self) -> None:
        if self.status is None:
            raise ApplicationError("the application returned without calling start_response()")
        if not self.head_sent:
            self._send_head(0, b"")
        elif self._chunked and self._has_body:
            self.send(b"0\r\n\r\n")
        self._check_length()

    def _check_length(self) -> None:
        if self._has_body and self._length is not None and self.bytes_sent < self._length:
            # Fewer bytes than Content-Length: the client waits for the rest; closing tells it.
            self.keep_alive = False

    def _fail(self, error: Exception) -> None:
        status = 500
        if isinstance(error, RemoteProtocolError):
            # The request body broke the protocol (bad chunk, over --max-body): the client's fault,
            # and the connection's framing can no longer be trusted.
            status = error.status_code
            self.keep_alive = False
        else:
            self.error_log(
                f"error in the application answering {self.request.method} "
                f"{self.request.target[:200]!r}",
                error,
            )
        if self.head_sent:
            # The status is out; the only way left to say the response is broken is to close.
            self.keep_alive = False
            return
        response = error_response(status, keep_alive=self.keep_alive)
        if self.request.method == "HEAD":
            response = response[: response.index(b"\r\n\r\n") + 4]
        self.status, self.status_code = response[9:].split(b"\r\n", 1)[0].decode("latin-1"), status
        self.headers = []
        self._length = None
        self.bytes_sent = 0
        self.head_sent = True
        self.send(response)
