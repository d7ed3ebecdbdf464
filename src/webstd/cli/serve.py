"""``webstd serve``: a static file server, with the options of ``python -m http.server`` and more.

It owns the command line (parsing, binding the socket, TLS setup, signals, the start-up line);
serving is :class:`webstd.http._files_loop.StaticServer` driving
:class:`webstd.http._files.FileService`. ``python -m webstd.http.server`` runs this too.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import ssl
import sys

from webstd.cli._args import port_number
from webstd.http._cgi_serve import serve_cgi
from webstd.http._files import FileServerConfig, FileService
from webstd.http._files_loop import StaticServer

SUMMARY = "serve a directory over HTTP (like python -m http.server, plus ranges, uploads, TLS)"

_SIZE = re.compile(r"(?P<number>\d+)(?P<unit>[kmgt]?)(?:i?b)?", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(text: str) -> int:
    """``10M``, ``512k``, ``1GiB`` or a plain number of bytes."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"invalid size {text!r} (e.g. 100M, 512K, 2G)")
    return int(match["number"]) * _UNITS[match["unit"].lower()]


def parse_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"invalid number of seconds {text!r}")
    return value


def parse_credentials(text: str) -> bytes:
    user, colon, password = text.partition(":")
    if not colon or not user:
        raise argparse.ArgumentTypeError("--auth takes user:password")
    return text.encode("utf-8")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="webstd serve", description=SUMMARY)
    parser.add_argument("port", nargs="?", type=port_number, default=8000,
                        help="bind to this port (default: 8000)")
    parser.add_argument("--port", dest="port_option", type=port_number, metavar="PORT",
                        help="the same as the positional PORT (as webstd proxy takes it)")
    parser.add_argument("-b", "--bind", metavar="ADDRESS",
                        help="bind to this address (default: all interfaces)")
    parser.add_argument("-d", "--directory", default=os.getcwd(),
                        help="serve this directory (default: current directory)")
    parser.add_argument("-p", "--protocol", metavar="VERSION", default="HTTP/1.1",
                        choices=("HTTP/1.0", "HTTP/1.1"),
                        help="conform to this HTTP version (default: HTTP/1.1, keep-alive)")
    parser.add_argument("--upload", action="store_true",
                        help="accept uploads: PUT /path and the listing page's form (POST)")
    parser.add_argument("--max-upload", type=parse_size, metavar="SIZE",
                        help="largest upload body, e.g. 100M (default: no limit)")
    parser.add_argument("--overwrite", action="store_true",
                        help="let uploads replace existing files (409 Conflict otherwise)")
    parser.add_argument("--auth", type=parse_credentials, metavar="USER:PASSWORD",
                        help="require HTTP Basic authentication")
    parser.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this certificate")
    parser.add_argument("--tls-key", metavar="FILE", help="the certificate's private key")
    parser.add_argument("--cors", action="store_true",
                        help="send Access-Control-Allow-Origin: * and answer CORS preflights")
    parser.add_argument("--follow-symlinks", action="store_true",
                        help="follow symlinks that point outside the directory")
    parser.add_argument("--no-gzip", action="store_true",
                        help="do not gzip text files on the fly")
    parser.add_argument("--charset", default="utf-8", metavar="NAME",
                        help="charset sent with text/* and JavaScript types (default: utf-8; "
                             "'none' sends none)")
    parser.add_argument("--cgi", action="store_true",
                        help="run CGI scripts in /cgi-bin and /htbin (CGIHTTPRequestHandler)")
    parser.add_argument("--head-timeout", type=parse_seconds, metavar="SECONDS",
                        help="a request head must arrive within this time of its first byte "
                             "(then 408; default 30, with --cgi 10)")
    parser.add_argument("--body-timeout", type=parse_seconds, default=30.0, metavar="SECONDS",
                        help="a request body must bring 8 KiB in each such period (then 408; "
                             "default 30)")
    parser.add_argument("--graceful-timeout", type=parse_seconds, default=30.0,
                        metavar="SECONDS",
                        help="after SIGTERM, responses in flight get this long to finish "
                             "(default 30)")
    return parser  # fmt: skip


def bind_socket(address: str | None, port: int) -> socket.socket:
    """A listening socket like the stdlib's: all interfaces (dual-stack when IPv6) by default."""
    infos = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, _, _, _, sockaddr = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and address is None:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(sockaddr)
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    return sock


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.port_option is not None:
        args.port = args.port_option
    if bool(args.tls_cert) != bool(args.tls_key) and not args.tls_cert:
        print("webstd serve: --tls-key needs --tls-cert", file=sys.stderr)
        return 2
    if not re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+", args.charset):
        print(f"webstd serve: invalid --charset {args.charset!r}", file=sys.stderr)
        return 2
    if not os.path.isdir(args.directory):
        print(f"webstd serve: {args.directory!r} is not a directory", file=sys.stderr)
        return 2
    context = None
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            context.load_cert_chain(args.tls_cert, args.tls_key)
        except (OSError, ssl.SSLError) as error:
            print(f"webstd serve: cannot load the certificate: {error}", file=sys.stderr)
            return 2
    config = FileServerConfig(
        root=os.path.realpath(args.directory), follow_symlinks=args.follow_symlinks,
        upload=args.upload, overwrite=args.overwrite, max_upload=args.max_upload,
        credentials=args.auth, cors=args.cors, gzip=not args.no_gzip,
        charset=None if args.charset.lower() == "none" else args.charset,
    )  # fmt: skip
    try:
        listener = bind_socket(args.bind, args.port)
    except OSError as error:
        print(f"webstd serve: cannot listen on port {args.port}: {error.strerror}", file=sys.stderr)
        return 1
    if args.cgi:
        return serve_cgi(listener, args)
    server = StaticServer(listener, FileService(config), ssl_context=context,
                          protocol=args.protocol, head_timeout=args.head_timeout or 30.0,
                          body_timeout=args.body_timeout,
                          graceful_timeout=args.graceful_timeout)  # fmt: skip
    host, port = listener.getsockname()[:2]
    url_host = f"[{host}]" if ":" in host else host
    scheme = "https" if context else "http"
    # The handler goes in before the start-up line: whoever waits for that line may stop us at once.
    signal.signal(signal.SIGTERM, lambda signum, frame: server.shutdown(graceful=True))
    print(f"Serving {scheme.upper()} on {host} port {port} ({scheme}://{url_host}:{port}/) ...",
          flush=True)  # fmt: skip
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nKeyboard interrupt received, exiting.", flush=True)
    finally:
        server.server_close()
    return 0
