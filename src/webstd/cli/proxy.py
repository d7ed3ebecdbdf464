"""``webstd proxy``: a forward HTTP proxy with CONNECT tunnels, safe by default.

It owns the command line (options, the start-up line, signals); the proxy itself is
:mod:`webstd.proxy`. Every option is described in docs/proxy.md.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from webstd.cli._args import port_number
from webstd.proxy import ProxyConfig, ProxyServer

SUMMARY = "a forward HTTP proxy (absolute-form forwarding, CONNECT tunnels, Basic auth)"


def _credentials(text: str) -> bytes:
    user, colon, _ = text.partition(":")
    if not colon or not user:
        raise argparse.ArgumentTypeError("--auth takes user:password")
    return text.encode("utf-8")


def _ports(text: str) -> frozenset[int]:
    try:
        ports = frozenset(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port list {text!r} (e.g. 443,8443)") from None
    if not ports or not all(0 < port < 65536 for port in ports):
        raise argparse.ArgumentTypeError(f"invalid port list {text!r}")
    return ports


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"invalid number of seconds {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="webstd proxy", description=SUMMARY)
    parser.add_argument("--port", type=port_number, help="port to listen on (default 3128)")
    parser.add_argument("port_positional", nargs="?", type=port_number, metavar="PORT",
                        help="the same as --port (as webstd serve takes it)")
    parser.add_argument("--bind", default="127.0.0.1", metavar="ADDR",
                        help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--auth", type=_credentials, metavar="USER:PASSWORD",
                        help="require Proxy-Authorization Basic with these credentials")
    parser.add_argument("--connect-ports", type=_ports, default=frozenset({443}), metavar="PORTS",
                        help="comma-separated ports CONNECT may reach (default 443)")
    parser.add_argument("--allow-private", action="store_true",
                        help="allow loopback, private, link-local and reserved destinations")
    parser.add_argument("--allow", action="append", default=[], metavar="HOST",
                        help="only serve this host name or pattern (*.example.com); repeatable")
    parser.add_argument("--connect-timeout", type=_seconds, default=10.0, metavar="SECONDS",
                        help="time to connect to an upstream server (default 10)")
    parser.add_argument("--response-timeout", type=_seconds, default=60.0, metavar="SECONDS",
                        help="time to wait for an upstream response head (default 60)")
    parser.add_argument("--tunnel-timeout", type=_seconds, default=300.0, metavar="SECONDS",
                        help="idle time after which a CONNECT tunnel is closed (default 300)")
    parser.add_argument("--client-timeout", type=_seconds, default=30.0, metavar="SECONDS",
                        help="idle time after which a client connection is closed (default 30)")
    parser.add_argument("--access-log", default="-", metavar="FILE",
                        help="access log file; - for stderr (default), none to disable")
    return parser


def config_from(options: argparse.Namespace, log: object) -> ProxyConfig:
    return ProxyConfig(
        bind=options.bind, port=options.port, credentials=options.auth,
        connect_ports=options.connect_ports, allow_private=options.allow_private,
        allowed_hosts=tuple(host.lower() for host in options.allow),
        connect_timeout=options.connect_timeout, response_timeout=options.response_timeout,
        tunnel_timeout=options.tunnel_timeout, client_timeout=options.client_timeout,
        access_log=log,
    )


async def _serve(config: ProxyConfig) -> None:
    server = ProxyServer(config)
    await server.start()
    host, port = server.address
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    # After the handlers: whoever waits for this line may stop the proxy at once.
    print(f"webstd proxy listening on {host} port {port}", file=sys.stderr, flush=True)
    await stop.wait()
    await server.close()


def main(argv: list[str]) -> int:
    parser = build_parser()
    options = parser.parse_args(argv)
    if None not in (options.port, options.port_positional) and options.port != options.port_positional:
        parser.error("the port is given twice, as PORT and --port")
    options.port = next((p for p in (options.port, options.port_positional) if p is not None), 3128)
    if options.access_log == "none":
        log = None
    elif options.access_log == "-":
        log = sys.stderr
    else:
        try:
            log = open(options.access_log, "a", encoding="utf-8")  # noqa: SIM115 (lives as long as the process)
        except OSError as error:
            print(f"webstd proxy: cannot open access log {options.access_log}: {error.strerror}",
                  file=sys.stderr)
            return 2
    if options.auth is None and options.bind not in ("127.0.0.1", "::1", "localhost"):
        print(f"webstd proxy: warning: listening on {options.bind} without --auth: anyone who can"
              " reach it can use this open proxy", file=sys.stderr)
    try:
        asyncio.run(_serve(config_from(options, log)))
    except OSError as error:
        print(f"webstd proxy: {error}", file=sys.stderr)
        return 1
    return 0
