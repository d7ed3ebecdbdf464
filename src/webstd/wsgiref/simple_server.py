"""A simple WSGI server (Python 3.11 API): WSGIServer, WSGIRequestHandler, demo_app, make_server.

It runs a WSGI application under webstd.http.server's HTTPServer, so requests are parsed by
webstd.protocol and idle keep-alive connections are parked by that server's engine; the WSGI side
is webstd.wsgiref.handlers.SimpleHandler. For production use webstd.wsgiref.server
(``webstd wsgi module:app``).
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable, Iterable
from typing import Any

from webstd.http.server import BaseHTTPRequestHandler, HTTPServer
from webstd.urllib.parse import unquote
from webstd.wsgiref.handlers import SimpleHandler

__all__ = ["WSGIServer", "WSGIRequestHandler", "demo_app", "make_server"]

__version__ = "0.2"
server_version = "WSGIServer/" + __version__
sys_version = platform.python_implementation() + "/" + sys.version.split()[0]
software_version = server_version + " " + sys_version


class ServerHandler(SimpleHandler):
    """The per-request WSGI handler; logs the request through the HTTP request handler."""

    server_software = software_version
    request_handler: Any = None

    def close(self) -> None:
        try:
            if self.request_handler is not None and self.status is not None:
                self.request_handler.log_request(self.status.split(" ", 1)[0], self.bytes_sent)
        finally:
            super().close()


class WSGIServer(HTTPServer):
    """An HTTPServer that runs one WSGI application (``set_app``) for every request."""

    application: Callable[..., Iterable[bytes]] | None = None

    def server_bind(self) -> None:
        super().server_bind()
        self.setup_environ()

    def setup_environ(self) -> None:
        self.base_environ: dict[str, Any] = {
            "SERVER_NAME": self.server_name,
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PORT": str(self.server_port),
            "REMOTE_HOST": "",
            "CONTENT_LENGTH": "",
            "SCRIPT_NAME": "",
        }

    def get_app(self) -> Callable[..., Iterable[bytes]] | None:
        return self.application

    def set_app(self, application: Callable[..., Iterable[bytes]]) -> None:
        self.application = application


class WSGIRequestHandler(BaseHTTPRequestHandler):
    """Turns each request, whatever its method, into one call of the server's application."""

    server_version = "WSGIServer/" + __version__

    def __getattr__(self, name: str) -> Any:
        # BaseHTTPRequestHandler dispatches to do_<METHOD>; every method goes to the application.
        if name.startswith("do_"):
            return self._run_application
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_environ(self) -> dict[str, Any]:
        environ = self.server.base_environ.copy()
        environ["SERVER_PROTOCOL"] = self.request_version
        environ["SERVER_SOFTWARE"] = self.server_version
        environ["REQUEST_METHOD"] = self.command
        path, _, query = self.path.partition("?")
        environ["PATH_INFO"] = unquote(path, "iso-8859-1")
        environ["QUERY_STRING"] = query
        host = self.address_string()
        if host != self.client_address[0]:
            environ["REMOTE_HOST"] = host
        environ["REMOTE_ADDR"] = self.client_address[0]
        content_type = self.headers.get("content-type")
        environ["CONTENT_TYPE"] = self.headers.get_content_type() if content_type is None else content_type
        length = self.headers.get("content-length")
        if length:
            environ["CONTENT_LENGTH"] = length
        for name, value in self.headers.items():
            key = name.replace("-", "_").upper()
            value = value.strip()
            if key in environ:
                continue
            key = "HTTP_" + key
            if key in environ:
                environ[key] += "," + value
            else:
                environ[key] = value
        return environ

    def get_stderr(self) -> Any:
        return sys.stderr

    def _run_application(self) -> None:
        handler = ServerHandler(
            self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=False
        )
        handler.request_handler = self
        handler.run(self.server.get_app())


def demo_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Answers "Hello world!" and the sorted environ, one ``name = repr(value)`` per line."""
    lines = ["Hello world!", ""]
    lines += [f"{name} = {environ[name]!r}" for name in sorted(environ)]
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return ["\n".join(lines).encode("utf-8")]


def make_server(
    host: str,
    port: int,
    app: Callable[..., Iterable[bytes]],
    server_class: type[WSGIServer] = WSGIServer,
    handler_class: type[WSGIRequestHandler] = WSGIRequestHandler,
) -> WSGIServer:
    """A server listening on (host, port) that runs ``app``."""
    server = server_class((host, port), handler_class)
    server.set_app(app)
    return server
