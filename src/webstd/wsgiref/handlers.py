"""Base classes that run one WSGI application for one request (PEP 3333), plus CGI adapters.

A handler owns the server side of the WSGI contract: it builds the environ, hands the
application ``start_response``, writes the status line and header block before the first
body bytes, sets Content-Length when it can, and turns an application error into a 500
response. It never parses a request or touches a socket: subclasses supply the streams
through ``get_stdin``/``get_stderr``/``_write``/``_flush`` and the request variables through
``add_cgi_vars``.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import IO, Any

from webstd.http._dates import format_http_date
from webstd.wsgiref.headers import Headers
from webstd.wsgiref.util import FileWrapper, guess_scheme, is_hop_by_hop

__all__ = [
    "BaseHandler",
    "SimpleHandler",
    "BaseCGIHandler",
    "CGIHandler",
    "IISCGIHandler",
    "read_environ",
]

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType]

# CGI request variables (RFC 3875 section 4.1) that carry request bytes, so they are
# "bytes as latin-1" strings in a WSGI environ (PEP 3333, "Unicode Issues").
_REQUEST_VARIABLES = frozenset(
    {
        "SCRIPT_NAME",
        "PATH_INFO",
        "QUERY_STRING",
        "REQUEST_METHOD",
        "AUTH_TYPE",
        "CONTENT_TYPE",
        "CONTENT_LENGTH",
        "HTTPS",
        "REMOTE_USER",
        "REMOTE_IDENT",
    }
)
_REQUEST_PREFIXES = ("HTTP_", "SSL_")
# Apache prefixes a variable with REDIRECT_ (once per internal redirect) to keep the original.
_REDIRECT_PREFIX = "REDIRECT_"
# RFC 9110 section 5.5: bytes that would end the status line early.
_FORBIDDEN_IN_STATUS = ("\r", "\n", "\x00")


def format_date_time(timestamp: float) -> str:
    """Return ``timestamp`` as an HTTP-date (RFC 9110 section 5.6.7, IMF-fixdate)."""
    return format_http_date(timestamp)


def _carries_request_bytes(name: str) -> bool:
    while name.startswith(_REDIRECT_PREFIX):
        name = name[len(_REDIRECT_PREFIX) :]
    return name in _REQUEST_VARIABLES or name.startswith(_REQUEST_PREFIXES)


def _windows_transcode(value: str, encoding: str) -> str:
    # On Windows os.environ holds real text, decoded by the server in its own way: IIS and
    # Python's CGIHTTPServer decode as UTF-8, Apache already gives latin-1 code points.
    software = os.environ.get("SERVER_SOFTWARE", "").lower()
    if software.startswith("microsoft-iis/"):
        return value.encode("utf-8").decode("iso-8859-1")
    if software.startswith("apache/"):
        return value
    if software.startswith("simplehttp/") and "python/3" in software:
        return value.encode("utf-8").decode("iso-8859-1")
    return value.encode(encoding, "replace").decode("iso-8859-1")


def read_environ() -> dict[str, str]:
    """Return a copy of ``os.environ`` with the CGI request variables turned into
    PEP 3333 "bytes as latin-1" strings."""
    encoding = sys.getfilesystemencoding()
    environ = {}
    for name, value in os.environ.items():
        if _carries_request_bytes(name):
            if sys.platform == "win32":
                value = _windows_transcode(value, encoding)
            else:
                # POSIX os.environ decodes with surrogateescape; undoing it recovers the bytes.
                value = value.encode(encoding, "surrogateescape").decode("iso-8859-1")
        environ[name] = value
    return environ


def _require_str(value: object, title: str) -> str:
    if type(value) is str:
        return value
    raise AssertionError(f"{title} must be of type str (got {value!r})")


class BaseHandler:
    """Run a WSGI application; subclasses supply the I/O."""

    wsgi_version: tuple[int, int] = (1, 0)
    wsgi_multithread = True
    wsgi_multiprocess = True
    wsgi_run_once = False

    # An origin server writes "HTTP/x.y status" itself; a CGI gateway writes "Status:" and
    # leaves the rest to the web server in front of it (RFC 3875 section 6.3.3).
    origin_server = True
    http_version = "1.0"
    server_software: str | None = None

    os_environ: dict[str, str] = read_environ()

    wsgi_file_wrapper: type | None = FileWrapper
    headers_class: type = Headers

    traceback_limit: int | None = None
    error_status = "500 Internal Server Error"
    error_headers: list[tuple[str, str]] = [("Content-Type", "text/plain")]
    error_body = b"A server error occurred.  Please contact the administrator."

    # Per-request state, reset by close().
    status: str | None = None
    result: Iterable[bytes] | None = None
    headers_sent = False
    headers: Headers | None = None
    bytes_sent = 0
    environ: dict[str, Any] | None = None

    def run(self, application: Callable[..., Iterable[bytes]]) -> None:
        """Call ``application`` and send its response."""
        try:
            self.setup_environ()
            self.result = application(self.environ, self.start_response)
            self.finish_response()
        except (ConnectionAbortedError, BrokenPipeError, ConnectionResetError):
            # The client went away; there is nobody left to send an error page to.
            return
        except BaseException:
            try:
                self.handle_error()
            except BaseException:
                # The error page failed as well: release the request and let the server
                # that called run() deal with the exception.
                self.close()
                raise

    def setup_environ(self) -> None:
        """Build ``self.environ``: os_environ, then the CGI variables, then the wsgi.* keys."""
        environ = self.environ = self.os_environ.copy()
        self.add_cgi_vars()
        environ["wsgi.input"] = self.get_stdin()
        environ["wsgi.errors"] = self.get_stderr()
        environ["wsgi.version"] = self.wsgi_version
        environ["wsgi.run_once"] = self.wsgi_run_once
        environ["wsgi.url_scheme"] = self.get_scheme()
        environ["wsgi.multithread"] = self.wsgi_multithread
        environ["wsgi.multiprocess"] = self.wsgi_multiprocess
        if self.wsgi_file_wrapper is not None:
            environ["wsgi.file_wrapper"] = self.wsgi_file_wrapper
        if self.origin_server and self.server_software:
            environ.setdefault("SERVER_SOFTWARE", self.server_software)

    def finish_response(self) -> None:
        """Send the body from ``self.result``, then close it and reset the handler."""
        try:
            if not self.result_is_file() or not self.sendfile():
                for data in self.result:
                    self.write(data)
                self.finish_content()
        except BaseException:
            # PEP 3333: the iterable's close() must be called even when iteration fails.
            # The handler itself stays populated so handle_error() can still respond.
            if hasattr(self.result, "close"):
                self.result.close()
            raise
        self.close()

    def get_scheme(self) -> str:
        """Return the URL scheme of the request (``wsgi.url_scheme``)."""
        return guess_scheme(self.environ)

    def set_content_length(self) -> None:
        """Add Content-Length when the whole body was a single block, already counted."""
        try:
            blocks = len(self.result)
        except (TypeError, AttributeError, NotImplementedError):
            return
        if blocks == 1:
            self.headers["Content-Length"] = str(self.bytes_sent)

    def cleanup_headers(self) -> None:
        """Adjust the headers just before they are sent."""
        if "Content-Length" not in self.headers:
            self.set_content_length()

    def start_response(
        self,
        status: str,
        headers: list[tuple[str, str]],
        exc_info: _ExcInfo | None = None,
    ) -> Callable[[bytes], None]:
        """The PEP 3333 ``start_response`` callable."""
        if exc_info:
            try:
                if self.headers_sent:
                    # PEP 3333: too late to change the response; re-raise the app's error.
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.headers is not None:
            raise AssertionError("Headers already set!")

        self.status = status
        self.headers = self.headers_class(headers)
        status = _require_str(status, "Status")
        if len(status) < 4:
            raise AssertionError("Status must be at least 4 characters")
        if not status[:3].isdigit():
            raise AssertionError("Status message must begin w/3-digit code")
        if status[3] != " ":
            raise AssertionError("Status message must have a space after code")
        if any(char in status for char in _FORBIDDEN_IN_STATUS):
            raise ValueError(f"Invalid status {status!r}: contains CR, LF or NUL")
        for name, value in headers:
            name = _require_str(name, "Header name")
            value = _require_str(value, "Header value")
            if is_hop_by_hop(name):
                raise AssertionError(f"Hop-by-hop header, '{name}: {value}', not allowed")
        return self.write

    def send_preamble(self) -> None:
        """Write the status line (or CGI Status field) and the Date and Server fields."""
        if self.origin_server:
            if self.client_is_modern():
                self._write(f"HTTP/{self.http_version} {self.status}\r\n".encode("iso-8859-1"))
                # RFC 9110 section 6.6.1: an origin server with a clock sends Date.
                if "Date" not in self.headers:
                    date = format_date_time(time.time())
                    self._write(f"Date: {date}\r\n".encode("iso-8859-1"))
                if self.server_software and "Server" not in self.headers:
                    self._write(f"Server: {self.server_software}\r\n".encode("iso-8859-1"))
        else:
            self._write(f"Status: {self.status}\r\n".encode("iso-8859-1"))

    def write(self, data: bytes) -> None:
        """The ``write()`` callable ``start_response`` returns: send body bytes, after the
        headers the first time."""
        if type(data) is not bytes:
            raise AssertionError("write() argument must be a bytes instance")
        if not self.status:
            raise AssertionError("write() before start_response()")
        if not self.headers_sent:
            # Counted before send_headers() so set_content_length() can use it.
            self.bytes_sent = len(data)
            self.send_headers()
        else:
            self.bytes_sent += len(data)
        self._write(data)
        self._flush()

    def sendfile(self) -> bool:
        """Send a ``wsgi.file_wrapper`` result by a platform-specific fast path; return
        whether it did. The base class has none."""
        return False

    def finish_content(self) -> None:
        """Send the headers of an empty body, if nothing was written."""
        if not self.headers_sent:
            self.headers.setdefault("Content-Length", "0")
            self.send_headers()

    def close(self) -> None:
        """Close the application's iterable and reset the per-request state."""
        try:
            if hasattr(self.result, "close"):
                self.result.close()
        finally:
            self.result = self.headers = self.status = self.environ = None
            self.bytes_sent = 0
            self.headers_sent = False

    def send_headers(self) -> None:
        """Write the header block (after the preamble, when the client understands one)."""
        self.cleanup_headers()
        self.headers_sent = True
        # An HTTP/0.9 client gets the body alone (RFC 1945 section 4.1).
        if not self.origin_server or self.client_is_modern():
            self.send_preamble()
            self._write(bytes(self.headers))

    def result_is_file(self) -> bool:
        """Return whether the application returned a ``wsgi.file_wrapper`` object."""
        wrapper = self.wsgi_file_wrapper
        return wrapper is not None and isinstance(self.result, wrapper)

    def client_is_modern(self) -> bool:
        """Return whether the client speaks HTTP/1.0 or later (expects status and headers)."""
        return self.environ["SERVER_PROTOCOL"].upper() != "HTTP/0.9"

    def log_exception(self, exc_info: _ExcInfo) -> None:
        """Print the traceback of ``exc_info`` to the error stream."""
        try:
            stderr = self.get_stderr()
            traceback.print_exception(
                exc_info[0], exc_info[1], exc_info[2], self.traceback_limit, stderr
            )
            stderr.flush()
        finally:
            exc_info = None

    def handle_error(self) -> None:
        """Log the current exception and send the error response if nothing was sent yet."""
        self.log_exception(sys.exc_info())
        if not self.headers_sent:
            self.result = self.error_output(self.environ, self.start_response)
            self.finish_response()

    def error_output(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> list[bytes]:
        """A WSGI application for the error page (``error_status``/``_headers``/``_body``)."""
        start_response(self.error_status, self.error_headers[:], sys.exc_info())
        return [self.error_body]

    def _write(self, data: bytes) -> None:
        """Send ``data`` to the client, all of it."""
        raise NotImplementedError

    def _flush(self) -> None:
        """Push buffered output to the client."""
        raise NotImplementedError

    def get_stdin(self) -> Any:
        """Return the request body stream (``wsgi.input``)."""
        raise NotImplementedError

    def get_stderr(self) -> Any:
        """Return the error stream (``wsgi.errors``)."""
        raise NotImplementedError

    def add_cgi_vars(self) -> None:
        """Add the request's CGI variables to ``self.environ``."""
        raise NotImplementedError


class SimpleHandler(BaseHandler):
    """A handler over given streams and environ (an origin server by default)."""

    def __init__(
        self,
        stdin: IO[bytes],
        stdout: IO[bytes],
        stderr: IO[str],
        environ: dict[str, Any],
        multithread: bool = True,
        multiprocess: bool = False,
    ) -> None:
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.base_env = environ
        self.wsgi_multithread = multithread
        self.wsgi_multiprocess = multiprocess

    def get_stdin(self) -> IO[bytes]:
        return self.stdin

    def get_stderr(self) -> IO[str]:
        return self.stderr

    def add_cgi_vars(self) -> None:
        self.environ.update(self.base_env)

    def _write(self, data: bytes) -> None:
        written = self.stdout.write(data)
        if written is None or written == len(data):
            return
        warnings.warn(
            "SimpleHandler.stdout.write() should not do partial writes",
            DeprecationWarning,
            stacklevel=3,
        )
        while True:
            data = data[written:]
            if not data:
                break
            written = self.stdout.write(data)

    def _flush(self) -> None:
        self.stdout.flush()


class BaseCGIHandler(SimpleHandler):
    """A CGI gateway over given streams: writes a ``Status:`` field, not a status line."""

    origin_server = False


class CGIHandler(BaseCGIHandler):
    """Run an application as a CGI script, from this process's stdio and environment."""

    wsgi_run_once = True
    # The request's variables come from read_environ() as base_env; nothing else is added.
    os_environ: dict[str, str] = {}

    def __init__(self) -> None:
        super().__init__(
            sys.stdin.buffer,
            sys.stdout.buffer,
            sys.stderr,
            read_environ(),
            multithread=False,
            multiprocess=True,
        )


class IISCGIHandler(BaseCGIHandler):
    """A CGIHandler for Microsoft IIS, which puts SCRIPT_NAME in front of PATH_INFO."""

    wsgi_run_once = True
    os_environ: dict[str, str] = {}

    def __init__(self) -> None:
        environ = read_environ()
        path = environ.get("PATH_INFO", "")
        script = environ.get("SCRIPT_NAME", "")
        if (path + "/").startswith(script + "/"):
            environ["PATH_INFO"] = path[len(script) :]
        super().__init__(
            sys.stdin.buffer,
            sys.stdout.buffer,
            sys.stderr,
            environ,
            multithread=False,
            multiprocess=True,
        )
