"""The production WSGI server's configuration: one immutable Config and the parsers of its values.

It owns what an option means (``--bind`` addresses, ``--forwarded-allow-ips`` networks, the
``module:app`` reference and how it is loaded) and nothing of sockets or HTTP.
"""

from __future__ import annotations

import importlib
import ipaddress
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Config", "ConfigError", "BindAddress", "parse_bind", "parse_networks", "check_reference", "load_app",
]

DEFAULT_BIND = "127.0.0.1:8000"
COMMON_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s'

# "module.path:attribute" or "module.path:factory()" / "module.path:factory(arg, key=value)".
_APP_REFERENCE = re.compile(
    r"(?P<module>[A-Za-z_][\w.]*)(?::(?P<name>[A-Za-z_][\w.]*)(?P<call>\(.*\))?)?",
    re.DOTALL,
)
_PORT = re.compile(r"\d{1,5}")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ConfigError(ValueError):
    """An option value that cannot be used; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class BindAddress:
    """Where to listen: a TCP host and port, or the path of a Unix-domain socket."""

    host: str = "127.0.0.1"
    port: int = 8000
    unix_path: str | None = None

    def __str__(self) -> str:
        if self.unix_path is not None:
            return f"unix:{self.unix_path}"
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_bind(text: str) -> BindAddress:
    """``HOST:PORT``, ``[IPv6]:PORT``, ``HOST`` (port 8000), ``:PORT`` (all IPv4) or ``unix:PATH``."""
    if text.startswith("unix:"):
        path = text[5:]
        if not path:
            raise ConfigError(f"--bind {text!r}: a Unix socket needs a path")
        return BindAddress(unix_path=path)
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ConfigError(f"--bind {text!r}: expected [IPv6]:PORT")
        port_text = rest[1:] if rest else "8000"
    elif text.count(":") > 1:
        raise ConfigError(f"--bind {text!r}: write an IPv6 address in brackets, [::1]:8000")
    else:
        host, _, port_text = text.partition(":")
        port_text = port_text or "8000"
        host = host or "0.0.0.0"
    if _PORT.fullmatch(port_text) is None or int(port_text) > 65535:
        raise ConfigError(f"--bind {text!r}: invalid port {port_text!r}")
    return BindAddress(host=host, port=int(port_text))


def parse_networks(text: str) -> tuple[Network, ...] | None:
    """A comma-separated list of addresses and CIDR ranges; ``*`` (None) trusts every peer."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if "*" in items:
        return None
    networks = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(f"--forwarded-allow-ips: {item!r} is not an address or network") from None
    return tuple(networks)


@dataclass(frozen=True, slots=True)
class Config:
    """Every setting of the server; build a variant with ``dataclasses.replace``."""

    binds: tuple[BindAddress, ...] = (BindAddress(),)
    #: Worker processes; 0 serves in the calling process (no arbiter, no fork).
    workers: int = 0
    #: Threads per worker that run applications; the event loop thread is not counted.
    threads: int = 8
    #: Seconds a client has to send a request head, and then its body.
    timeout: float = 30.0
    #: Seconds in-flight requests get to finish after SIGTERM or SIGHUP.
    graceful_timeout: float = 30.0
    #: Seconds an idle keep-alive connection is kept open.
    keep_alive: float = 5.0
    #: Largest request body in bytes (413 beyond it); None for no limit.
    max_body: int | None = None
    #: Addresses of proxies whose X-Forwarded-For/-Proto and Forwarded fields are believed;
    #: None believes every peer. Unix-socket peers are always believed.
    forwarded_allow_ips: tuple[Network, ...] | None = field(
        default_factory=lambda: parse_networks("127.0.0.1,::1")
    )
    certfile: str | None = None
    keyfile: str | None = None
    #: "-" for stderr, a path, or None for no access log.
    access_logfile: str | None = None
    access_logformat: str = COMMON_LOG_FORMAT
    #: Restart workers when a loaded .py file changes (development only).
    reload: bool = False
    backlog: int = 2048
    server_software: str = "webstd"


def check_reference(reference: str) -> re.Match[str]:
    """Checks the form of ``module:app`` without importing anything."""
    match = _APP_REFERENCE.fullmatch(reference.strip())
    if match is None:
        raise ConfigError(f"{reference!r} is not MODULE:APP or MODULE:FACTORY()")
    return match


def load_app(reference: str, chdir: str | None = None) -> Callable[..., Any]:
    """Imports ``module:name`` (default name ``application``) and calls ``name(...)`` if asked.

    Raises ConfigError with a one-line message for any failure, the import's own included.
    """
    match = check_reference(reference)
    directory = os.path.abspath(chdir) if chdir else os.getcwd()
    if directory not in sys.path:
        sys.path.insert(0, directory)
    module_name, name, call = match["module"], match["name"] or "application", match["call"]
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as error:
        raise ConfigError(f"cannot import {module_name!r}: {type(error).__name__}: {error}") from None
    for part in name.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise ConfigError(f"module {module_name!r} has no attribute {name!r}") from None
    if call is not None:
        target = _call_factory(reference, target, call)
    if not callable(target):
        raise ConfigError(f"{reference!r} is not callable")
    return target


def _call_factory(reference: str, factory: Any, call: str) -> Any:
    """Calls ``factory`` with the literal arguments written in ``(...)`` (like gunicorn)."""
    import ast

    try:
        expression = ast.parse(f"f{call}", mode="eval").body
        if not isinstance(expression, ast.Call):
            raise ValueError("not a call")
        args = [ast.literal_eval(argument) for argument in expression.args]
        kwargs = {item.arg: ast.literal_eval(item.value) for item in expression.keywords}
    except (SyntaxError, ValueError):
        raise ConfigError(f"{reference!r}: factory arguments must be Python literals") from None
    try:
        return factory(*args, **kwargs)
    except Exception as error:
        raise ConfigError(f"{reference!r} failed: {type(error).__name__}: {error}") from None
