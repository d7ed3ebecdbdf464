"""``webstd serve --cgi``: the directory served by CGIHTTPRequestHandler on a ThreadingHTTPServer.

The file server's own loop answers files only; with ``--cgi`` the command serves like
``python -m http.server --cgi`` instead, on the socket ``webstd serve`` already bound. Options of
the file server that the CGI handler does not have are refused rather than silently ignored.
"""

from __future__ import annotations

import argparse
import functools
import socket
import sys

from webstd.http._serving import serve_until_stopped
from webstd.http.server import CGIHTTPRequestHandler, ThreadingHTTPServer

# (argument name, option) of the file server's features that --cgi cannot combine with.
_FILE_SERVER_ONLY = (
    ("upload", "--upload"), ("max_upload", "--max-upload"), ("overwrite", "--overwrite"),
    ("auth", "--auth"), ("tls_cert", "--tls-cert"), ("tls_key", "--tls-key"), ("cors", "--cors"),
    ("follow_symlinks", "--follow-symlinks"), ("no_gzip", "--no-gzip"),
)  # fmt: skip


def serve_cgi(listener: socket.socket, args: argparse.Namespace) -> int:
    """Serves ``args.directory`` with CGI scripts under /cgi-bin and /htbin until stopped."""
    given = [option for name, option in _FILE_SERVER_ONLY if getattr(args, name, None)]
    if given:
        print(f"webstd serve: --cgi cannot be combined with {', '.join(given)}", file=sys.stderr)
        listener.close()
        return 2
    handler_class = type("CGIHandler", (CGIHTTPRequestHandler,),
                         {"protocol_version": args.protocol})  # fmt: skip
    handler = functools.partial(handler_class, directory=args.directory)
    server = ThreadingHTTPServer(listener.getsockname()[:2], handler, bind_and_activate=False)
    server.socket.close()
    server.socket = listener
    server.server_address = listener.getsockname()
    host, port = server.server_address[:2]
    server.server_name, server.server_port = socket.getfqdn(host), port
    server.server_activate()
    url_host = f"[{host}]" if ":" in host else host
    print(f"Serving HTTP on {host} port {port} (http://{url_host}:{port}/) with CGI ...", flush=True)
    try:
        serve_until_stopped(server)
    finally:
        server.server_close()
    return 0
