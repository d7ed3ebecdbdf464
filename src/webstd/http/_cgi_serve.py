"""``webstd serve --cgi``: the directory served by CGIHTTPRequestHandler on a ThreadingHTTPServer.

The file server's own loop answers files only; with ``--cgi`` the command serves like
``python -m http.server --cgi`` instead, on the socket ``webstd serve`` already bound. Files are
answered by SimpleHTTPRequestHandler with the file server's decisions, so ``--upload``, ``--auth``
(scripts included), ``--cors``, ``--follow-symlinks`` and ``--no-gzip`` apply as without
``--cgi``; uploads never land in a CGI directory. TLS is refused: the threaded engine does not
do handshakes.
"""

from __future__ import annotations

import argparse
import functools
import socket
import sys

from webstd.http import HTTPStatus
from webstd.http._cgi_environ import ScriptRefused
from webstd.http._serving import serve_until_stopped
from webstd.http.server import CGIHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer

# (argument name, option) of the file server's features that --cgi cannot combine with.
_FILE_SERVER_ONLY = (("tls_cert", "--tls-cert"), ("tls_key", "--tls-key"))


class ServeCGIHandler(CGIHTTPRequestHandler):
    """CGI targets run scripts; other targets get the file server, uploads included."""

    def do_POST(self) -> None:  # noqa: N802
        if self.upload and not self._names_script():
            SimpleHTTPRequestHandler.do_POST(self)
        else:
            super().do_POST()

    def do_PUT(self) -> None:  # noqa: N802
        if self.upload and self._names_script():
            # A stored file must never become a script, nor replace one.
            self.send_error(HTTPStatus.FORBIDDEN, "No uploads into a CGI directory")
            return
        super().do_PUT()

    def _names_script(self) -> bool:
        try:
            return self.is_cgi() or self._in_cgi_directory(self.translate_path(self.path))
        except ScriptRefused:
            return True


def serve_cgi(listener: socket.socket, args: argparse.Namespace) -> int:
    """Serves ``args.directory`` with CGI scripts under /cgi-bin and /htbin until stopped."""
    given = [option for name, option in _FILE_SERVER_ONLY if getattr(args, name, None)]
    if given:
        print(f"webstd serve: --cgi cannot be combined with {', '.join(given)}", file=sys.stderr)
        listener.close()
        return 2
    options = {
        "protocol_version": args.protocol, "upload": args.upload, "overwrite": args.overwrite,
        "max_upload": args.max_upload, "credentials": args.auth, "cors": args.cors,
        "follow_symlinks": args.follow_symlinks, "gzip": not args.no_gzip,
    }  # fmt: skip
    handler_class = type("CGIHandler", (ServeCGIHandler,), options)
    handler = functools.partial(handler_class, directory=args.directory)
    server = ThreadingHTTPServer(listener.getsockname()[:2], handler, bind_and_activate=False)
    server.socket.close()
    server.socket = listener
    server.server_address = listener.getsockname()
    host, port = server.server_address[:2]
    server.server_name, server.server_port = socket.getfqdn(host), port
    server.server_activate()
    if getattr(args, "head_timeout", None):
        server.header_timeout = args.head_timeout
    url_host = f"[{host}]" if ":" in host else host
    line = f"Serving HTTP on {host} port {port} (http://{url_host}:{port}/) with CGI ..."
    try:
        serve_until_stopped(server, on_ready=lambda: print(line, flush=True))
    finally:
        server.server_close()
    return 0
