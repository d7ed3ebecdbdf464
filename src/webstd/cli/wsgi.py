"""``webstd wsgi module:app``: the production WSGI server's command line (gunicorn's conventions).

Bad options and an application that cannot be imported give one line on stderr and exit status 2.
Every option is described in docs/wsgi.md.
"""

from __future__ import annotations

import argparse
import os
import sys

from webstd.wsgiref._server_api import make_config, serve
from webstd.wsgiref._server_config import COMMON_LOG_FORMAT, ConfigError, check_reference, load_app

SUMMARY = "serve a WSGI application (event loop, threads, worker processes)"


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _size(text: str) -> int:
    """A byte count, with an optional k, m or g suffix (powers of 1024)."""
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    scale = units.get(text[-1:].lower(), 1)
    digits = text[:-1] if scale != 1 else text
    if not digits.isdigit():
        raise argparse.ArgumentTypeError(f"invalid size {text!r}")
    return int(digits) * scale


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="webstd wsgi", description=SUMMARY)
    parser.add_argument("app", metavar="MODULE:APP", help="the application, or MODULE:FACTORY() to call")
    parser.add_argument("-b", "--bind", action="append", metavar="ADDRESS",
                        help="HOST:PORT, [IPv6]:PORT or unix:PATH (repeatable; default 127.0.0.1:8000)")
    parser.add_argument("-w", "--workers", type=int, metavar="N", default=1, help="worker processes (default 1)")
    parser.add_argument("--threads", type=int, metavar="N", default=8, help="application threads per worker (default 8)")
    parser.add_argument("-t", "--timeout", type=float, metavar="SECONDS", default=30.0,
                        help="seconds a client gets to send a request head, then its body (default 30)")
    parser.add_argument("--graceful-timeout", type=float, metavar="SECONDS", default=30.0,
                        help="seconds requests in flight get after SIGTERM or SIGHUP (default 30)")
    parser.add_argument("--keep-alive", type=float, metavar="SECONDS", default=5.0,
                        help="seconds an idle connection stays open (default 5)")
    parser.add_argument("--max-body", type=_size, default=None, metavar="BYTES",
                        help="largest request body (k, m, g suffixes); 413 beyond it")
    parser.add_argument("--certfile", metavar="FILE", help="TLS certificate chain (PEM)")
    parser.add_argument("--keyfile", metavar="FILE", help="TLS private key (PEM)")
    parser.add_argument("--forwarded-allow-ips", default=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
                        metavar="LIST", help="proxies (addresses, CIDR ranges or *) whose X-Forwarded-* "
                        "and Forwarded fields are trusted (default 127.0.0.1,::1)")
    parser.add_argument("--access-logfile", metavar="FILE", help="access log: a path, or - for stderr")
    parser.add_argument("--access-logformat", default=COMMON_LOG_FORMAT, metavar="FORMAT",
                        help="access log line, with gunicorn's %%(h)s atoms (default: Common Log Format)")
    parser.add_argument("--backlog", type=int, metavar="N", default=2048, help="listen queue length (default 2048)")
    parser.add_argument("--reload", action="store_true", help="restart workers when a loaded .py file changes")
    parser.add_argument("--chdir", metavar="DIR", help="change to DIR before loading the application")
    return parser


def main(argv: list[str]) -> int:
    try:
        options = build_parser().parse_args(argv)
    except _UsageError as error:
        print(f"webstd wsgi: error: {error}", file=sys.stderr)
        return 2
    try:
        if options.chdir:
            try:
                os.chdir(options.chdir)
            except OSError as error:
                raise ConfigError(f"--chdir {options.chdir!r}: {error.strerror}") from None
        reference = options.app
        config_options = dict(
            workers=options.workers, threads=options.threads, timeout=options.timeout,
            graceful_timeout=options.graceful_timeout, keep_alive=options.keep_alive,
            max_body=options.max_body, forwarded_allow_ips=options.forwarded_allow_ips,
            certfile=options.certfile, keyfile=options.keyfile, access_logfile=options.access_logfile,
            access_logformat=options.access_logformat, reload=options.reload, backlog=options.backlog,
        )
        if options.access_logfile not in (None, "-"):
            # Checked here, before any worker is forked: a worker that cannot open it would die at
            # start-up and be replaced for ever.
            try:
                open(options.access_logfile, "a").close()
            except OSError as error:
                raise ConfigError(f"--access-logfile {options.access_logfile!r}: {error.strerror}") from None
        binds = options.bind or ["127.0.0.1:8000"]
        make_config(binds, **config_options)
        check_reference(reference)
        if options.workers == 0:
            # Serving in this process: load now, so an import error is reported before listening.
            return serve(load_app(reference), binds, **config_options)
        return serve(lambda: load_app(reference), binds, loader=True, **config_options)
    except ConfigError as error:
        print(f"webstd wsgi: error: {error}", file=sys.stderr)
        return 2
