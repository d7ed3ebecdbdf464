"""webstd.http.server: HTTP servers with the API of Python 3.11's http.server.

HTTPServer and ThreadingHTTPServer are socketserver TCP servers run by webstd's connection engine
(webstd.http._serving): HTTP/1.1 keep-alive and pipelining, idle connections parked in the loop
rather than in threads, timeouts and limits. BaseHTTPRequestHandler lives in
webstd.http._handler, SimpleHTTPRequestHandler (the stdlib's file handler API answering with
``webstd serve``'s decisions, webstd.http._files*) in webstd.http._simple_handler.
"""

from __future__ import annotations

import socket

from webstd.http._handler import DEFAULT_ERROR_CONTENT_TYPE as DEFAULT_ERROR_CONTENT_TYPE
from webstd.http._handler import DEFAULT_ERROR_MESSAGE as DEFAULT_ERROR_MESSAGE
from webstd.http._handler import BaseHTTPRequestHandler
from webstd.http._serving import ConnectionParking
from webstd.http._simple_handler import SimpleHTTPRequestHandler as SimpleHTTPRequestHandler
from webstd.socketserver import TCPServer, ThreadingMixIn

__all__ = [
    "HTTPServer", "ThreadingHTTPServer", "BaseHTTPRequestHandler", "SimpleHTTPRequestHandler",
    "CGIHTTPRequestHandler",
]
__version__ = "0.6"


class HTTPServer(ConnectionParking, TCPServer):
    """A single-threaded HTTP server: one handler at a time, any number of idle connections."""

    allow_reuse_address = True

    def server_bind(self) -> None:
        """Binds, then records ``server_name`` and ``server_port``."""
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = socket.getfqdn(host)
        self.server_port = port


class ThreadingHTTPServer(ThreadingMixIn, HTTPServer):
    """Runs each dispatched connection's requests on a worker thread."""

    daemon_threads = True


def test(
    HandlerClass: type = BaseHTTPRequestHandler,  # noqa: N803 (the stdlib's parameter names)
    ServerClass: type = ThreadingHTTPServer,  # noqa: N803
    protocol: str = "HTTP/1.0",
    port: int = 8000,
    bind: str | None = None,
) -> None:
    """The stdlib's ``http.server.test``: serves HandlerClass on (bind, port) until interrupted."""
    import sys

    infos = socket.getaddrinfo(bind, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, _, _, _, sockaddr = infos[0]
    ServerClass.address_family = family
    HandlerClass.protocol_version = protocol
    with ServerClass(sockaddr[:2], HandlerClass) as httpd:
        host, real_port = httpd.socket.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        print(f"Serving HTTP on {host} port {real_port} (http://{shown}:{real_port}/) ...")
        sys.stdout.flush()
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            print("\nKeyboard interrupt received, exiting.")
            sys.exit(0)


def main(argv: list[str] | None = None) -> int:
    """``python -m webstd.http.server``: the ``webstd serve`` command (see docs/serve.md)."""
    from webstd.cli.serve import main as serve

    return serve(argv)


# Before the CGI import below: run as a script, this file is not yet webstd.http.server, and
# _cgi importing it would find the import circular.
if __name__ == "__main__":
    raise SystemExit(main())

# Defined in its own module, which imports SimpleHTTPRequestHandler from here.
from webstd.http._cgi import CGIHTTPRequestHandler, executable, nobody_uid  # noqa: E402, F401, I001

