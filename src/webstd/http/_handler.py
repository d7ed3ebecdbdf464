"""BaseHTTPRequestHandler: the Python 3.11 handler API, driven by webstd.protocol.

The handler does no parsing of its own. Under webstd's servers the request head was parsed by the
engine (webstd.http._serving) before the handler was started; with any other server (the handler
is given a bare socket) it reads heads itself through the same RequestParser. ``rfile`` is a
:class:`~webstd.protocol.reader.BodyReader` that never reads past the request body, ``wfile`` a
:class:`~webstd.http._handler_output.ResponseWriter` that frames the response, and what the handler
leaves unread of a body is drained (up to a bound) so keep-alive and pipelining stay correct.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from webstd.http import HTTPStatus
from webstd.http._dates import format_http_date
from webstd.http._handler_output import ResponseWriter
from webstd.http._message import HTTPMessage
from webstd.http._serving import Connection, HeadTimeout
from webstd.protocol.errors import RemoteProtocolError
from webstd.protocol.events import NEED_DATA, Request
from webstd.protocol.headers import Headers
from webstd.protocol.limits import DEFAULT_LIMITS
from webstd.protocol.parser import RequestParser
from webstd.protocol.reader import BodyReader
from webstd.socketserver import StreamRequestHandler

__version__ = "0.6"

# Unread request body drained so the connection can be reused; beyond this it is closed instead.
_MAX_DRAIN = 65536
# Socket timeout when the handler's ``timeout`` is None, so a vanished client frees its thread.
_DEFAULT_IO_TIMEOUT = 60.0

DEFAULT_ERROR_MESSAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>%(code)d %(message)s</title>
</head>
<body>
<h1>%(code)d %(message)s</h1>
<p>%(explain)s</p>
</body>
</html>
"""
DEFAULT_ERROR_CONTENT_TYPE = "text/html;charset=utf-8"

# Log lines show control characters escaped, so a request cannot forge terminal output or lines.
_LOG_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}
_LOG_ESCAPES[ord("\\")] = "\\\\"
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_EMPTY = Headers()


class _NoBody:
    """``rfile`` when there is no request to read from."""

    def read(self, size: int | None = -1) -> bytes:
        return b""

    readline = read1 = read


class BaseHTTPRequestHandler(StreamRequestHandler):
    """Handles HTTP requests on one connection; subclasses define do_GET, do_POST, ..."""

    sys_version = "Python/" + sys.version.split()[0]
    server_version = "BaseHTTP/" + __version__
    error_message_format = DEFAULT_ERROR_MESSAGE
    error_content_type = DEFAULT_ERROR_CONTENT_TYPE
    # webstd speaks HTTP/1.1 (keep-alive, chunked) unless a handler asks for HTTP/1.0.
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/0.9"
    MessageClass: Any = HTTPMessage
    responses = {status: (status.phrase, status.description) for status in HTTPStatus}
    weekdayname = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    monthname = [None, "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]  # fmt: skip

    # Connection life cycle ---------------------------------------------------------------------
    def setup(self) -> None:
        self.connection = sock = self.request
        lookup = getattr(self.server, "connection_for", None)
        connection = lookup(sock) if lookup is not None else None
        # Under webstd's engine the loop parks the connection between requests; otherwise the
        # handler waits for the next head itself.
        self._engine = connection is not None
        if connection is None:
            connection = Connection(sock, self.client_address, DEFAULT_LIMITS)
        self._connection = connection
        sock.settimeout(self.timeout if self.timeout is not None else _DEFAULT_IO_TIMEOUT)
        self.rfile: Any = _NoBody()
        self.wfile: Any = ResponseWriter(sock, "GET", "1.1")
        self.close_connection = True

    def finish(self) -> None:
        self.wfile.close()

    def handle(self) -> None:
        """Handles requests until the connection is to be closed (or left to the server's loop)."""
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            self.handle_one_request()

    def handle_one_request(self) -> None:
        """Handles one request: parse_request, then the do_<command> method."""
        connection = self._connection
        self.close_connection = True
        if connection.request is None and connection.error is None and not self._wait_for_head():
            return
        request, self._error = connection.request, connection.error
        connection.request = connection.error = None
        self._request = request
        self._status: tuple[int, str] | None = None
        self._fields: list[tuple[str, str]] = []
        self._headers_buffer: list[bytes] = []
        method = request.method if request is not None else "GET"
        version = request.http_version if request is not None else "1.1"
        if self.protocol_version != "HTTP/1.1":
            version = "1.0"
        if request is None:
            self.rfile = _NoBody()
        else:
            self.rfile = BodyReader(connection.parser, connection.receive)
        self.wfile = ResponseWriter(connection.sock, method, version)
        try:
            if self.parse_request():
                handler = getattr(self, "do_" + self.command, None)
                if handler is None:
                    self.send_error(HTTPStatus.NOT_IMPLEMENTED, f"Unsupported method ({self.command!r})")
                else:
                    handler()
        except TimeoutError as error:
            self.log_error("Request timed out: %r", error)
            self.close_connection = True
            return
        except RemoteProtocolError as error:
            # The request body broke the framing rules (a bad chunk, a cut-off body).
            self.close_connection = True
            if not self.wfile.started:
                self.send_error(error.status_code, None, str(error))
                self.wfile.finish()
            return
        except Exception:
            self.close_connection = True
            if not self.wfile.started:
                self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR)
                self.wfile.finish()
            raise
        self._end_request(request)

    def _end_request(self, request: Any) -> None:
        """Completes the response, drains the body, and finds out what comes next."""
        reusable = self.wfile.finish()
        if request is None or self._error is not None:
            self.close_connection = True
            return
        if not reusable or not self._drain_body():
            self.close_connection = True
        if self.close_connection:
            return
        connection = self._connection
        if connection.take_next():
            return
        if self._engine and not connection.parser.eof:
            # Nothing more is buffered: the server's loop waits for the next request, not us.
            connection.keep = True
            self.close_connection = True

    def _drain_body(self) -> bool:
        reader = self.rfile
        drained = 0
        try:
            while not reader.at_end:
                data = reader.read(min(8192, _MAX_DRAIN - drained + 1))
                if not data:
                    break
                drained += len(data)
                if drained > _MAX_DRAIN:
                    return False
        except (RemoteProtocolError, OSError):
            return False
        return reader.at_end

    def _wait_for_head(self) -> bool:
        """Reads the next head with the blocking socket (only when not under webstd's engine)."""
        connection = self._connection
        if self._engine:
            return False
        sock = connection.sock
        deadline = None
        while not connection.take_next():
            if connection.parser.eof:
                return False
            if deadline is None and connection.parser.in_message:
                deadline = time.monotonic() + 10.0
            try:
                if deadline is not None:
                    sock.settimeout(max(0.001, deadline - time.monotonic()))
                data = sock.recv(65536)
            except TimeoutError:
                if not connection.parser.in_message:
                    return False
                connection.error = HeadTimeout("request head not received in time")
                return True
            except OSError:
                return False
            if data:
                connection.parser.feed(data)
            else:
                connection.parser.feed_eof()
        return True

    # Parsing ------------------------------------------------------------------------------------
    def parse_request(self) -> bool:
        """Takes the parsed request head; answers and returns False if it was invalid."""
        if "_request" not in self.__dict__:
            # Driven the stdlib's way: raw_requestline and the header section are in self.rfile.
            self._parse_from_rfile()
        request, error = self._request, self._error
        self.command = None
        self.request_version = self.default_request_version
        self.close_connection = True
        if request is None:
            self.raw_requestline = b""
            self.requestline = ""
            self.headers = self.MessageClass.from_headers(_EMPTY)
            self.send_error(error.status_code if error is not None else 400, None, str(error))
            return False
        self.requestline = f"{request.method} {request.target} {request.version}"
        self.raw_requestline = (self.requestline + "\r\n").encode("latin-1")
        self.command, self.path, self.request_version = request.method, request.target, request.version
        if self.path.startswith("//"):
            # An open-redirect guard the 3.11 stdlib has too: "//host/x" is not a path.
            self.path = "/" + self.path.lstrip("/")
        self.headers = self.MessageClass.from_headers(request.headers)
        if self.protocol_version >= "HTTP/1.1":
            self.close_connection = not request.keep_alive
        if (
            request.expect_continue
            and self.protocol_version >= "HTTP/1.1"
            and self.request_version >= "HTTP/1.1"
        ):
            return self.handle_expect_100()
        return True

    def _parse_from_rfile(self) -> None:
        """Parses raw_requestline and the header lines of self.rfile with webstd.protocol."""
        self._status = None
        self._fields = []
        self._headers_buffer = []
        parser = RequestParser(DEFAULT_LIMITS)
        parser.feed(bytes(getattr(self, "raw_requestline", b"")))
        self._request = self._error = None
        size = 0
        while True:
            try:
                event = parser.next_event()
            except RemoteProtocolError as error:
                self._error = error
                return
            if type(event) is Request:
                self._request = event
                return
            if event is not NEED_DATA or parser.eof:
                return
            line = self.rfile.readline(DEFAULT_LIMITS.max_header_bytes + 1)
            size += len(line)
            if not line or size > DEFAULT_LIMITS.max_header_bytes:
                if line:
                    parser.feed(b"x" * (DEFAULT_LIMITS.max_header_bytes + 1) + b"\r\n\r\n")
                else:
                    parser.feed_eof()
                continue
            parser.feed(line)

    def handle_expect_100(self) -> bool:
        """Sends "100 Continue" (RFC 9110 section 10.1.1); return False after sending an error."""
        self.send_response_only(HTTPStatus.CONTINUE)
        self.end_headers()
        return True

    # Responding ---------------------------------------------------------------------------------
    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Sends an error response with an HTML page (none for HEAD, 1xx, 204, 205 and 304)."""
        short, long = self.responses.get(code, ("???", "???"))
        if message is None:
            message = short
        if explain is None:
            explain = long
        self.log_error("code %d, message %s", code, message)
        self.send_response(code, message)
        self.send_header("Connection", "close")
        body = None
        if code >= 200 and code not in (204, 205, 304):
            page = self.error_message_format % {
                "code": code,
                "message": message.translate(_HTML_ESCAPES),
                "explain": explain.translate(_HTML_ESCAPES),
            }
            body = page.encode("utf-8", "replace")
            self.send_header("Content-Type", self.error_content_type)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def send_response(self, code: int, message: str | None = None) -> None:
        """Logs the request and adds the status line, Server and Date to the head."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Server", self.version_string())
        self.send_header("Date", self.date_time_string())

    def send_response_only(self, code: int, message: str | None = None) -> None:
        """Adds the status line to the head being built."""
        if message is None:
            message = self.responses[code][0] if code in self.responses else ""
        if not hasattr(self, "_headers_buffer"):
            self._headers_buffer = []
            self._fields = []
        self._status = (int(code), message)
        self._fields = []
        self._headers_buffer.append(f"{self.protocol_version} {int(code)} {message}\r\n".encode("latin-1", "strict"))

    def send_header(self, keyword: str, value: Any) -> None:
        """Adds a header field to the head being built."""
        if not hasattr(self, "_headers_buffer"):
            self._headers_buffer = []
            self._fields = []
        value = str(value)
        self._headers_buffer.append(f"{keyword}: {value}\r\n".encode("latin-1", "strict"))
        self._fields.append((keyword, value))
        if keyword.lower() == "connection":
            if value.lower() == "close":
                self.close_connection = True
            elif value.lower() == "keep-alive":
                self.close_connection = False

    def end_headers(self) -> None:
        """Ends the head and hands it to wfile."""
        self._headers_buffer.append(b"\r\n")
        self.flush_headers()

    def flush_headers(self) -> None:
        if not hasattr(self, "_headers_buffer"):
            return
        status = getattr(self, "_status", None)
        if status is not None and isinstance(self.wfile, ResponseWriter):
            version = self.protocol_version.removeprefix("HTTP/")
            self.wfile.send_head(status[0], status[1], Headers(self._fields), version, self.close_connection)
        else:
            self.wfile.write(b"".join(self._headers_buffer))
        self._headers_buffer = []
        self._fields = []
        self._status = None

    # Logging ------------------------------------------------------------------------------------
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if isinstance(code, HTTPStatus):
            code = code.value
        self.log_message('"%s" %s %s', self.requestline, str(code), str(size))

    def log_error(self, format: str, *args: Any) -> None:
        self.log_message(format, *args)

    def log_message(self, format: str, *args: Any) -> None:
        """Writes one line to stderr: client address, local time, the message."""
        message = (format % args).translate(_LOG_ESCAPES)
        sys.stderr.write(f"{self.address_string()} - - [{self.log_date_time_string()}] {message}\n")

    def version_string(self) -> str:
        return f"{self.server_version} {self.sys_version}"

    def date_time_string(self, timestamp: float | None = None) -> str:
        return format_http_date(timestamp)

    def log_date_time_string(self) -> str:
        year, month, day, hour, minute, second, *_ = time.localtime(time.time())
        return f"{day:02d}/{self.monthname[month]:>3s}/{year:04d} {hour:02d}:{minute:02d}:{second:02d}"

    def address_string(self) -> str:
        return self.client_address[0]
