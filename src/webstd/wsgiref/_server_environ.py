"""The WSGI environ (PEP 3333) of one request: its variables, wsgi.input, and trusted proxy fields.

It turns a parsed :class:`webstd.protocol.Request` into the CGI-style dict an application gets.
It reads no sockets itself: wsgi.input pulls the body through the protocol core's BodyReader
with a ``receive`` function the caller supplies.
"""

from __future__ import annotations

import ipaddress
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

from webstd.protocol import BodyKind, BodyReader, RemoteProtocolError, Request
from webstd.wsgiref._server_config import Config
from webstd.wsgiref.util import FileWrapper

__all__ = ["EnvironBuilder", "InputStream"]

_PERCENT = re.compile(rb"%([0-9A-Fa-f]{2})")
# RFC 7239 section 4: forwarded-pair = token "=" value, value a token or a quoted-string.
_FORWARDED_PAIR = re.compile(r'\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)=("(?:[^"\\]|\\.)*"|[^;,\s]*)\s*')
_SCHEMES = frozenset({"http", "https"})
# Header names that become these CGI variables instead of HTTP_* ones (RFC 3875 section 4.1).
_CGI_NAMES = {"CONTENT_TYPE": "CONTENT_TYPE", "CONTENT_LENGTH": "CONTENT_LENGTH"}


def _unquote_path(path: str) -> str:
    """Percent-decodes the path's bytes; the result is "bytes as latin-1" (PEP 3333)."""
    if "%" not in path:
        return path
    raw = path.encode("latin-1")
    return _PERCENT.sub(lambda match: bytes((int(match[1], 16),)), raw).decode("latin-1")


def _split_target(target: str) -> tuple[str, str]:
    """PATH_INFO and QUERY_STRING of an origin-form or absolute-form target (RFC 9112 3.2)."""
    if target[0] != "/":
        if target == "*":
            return "*", ""
        # absolute-form: scheme "://" authority path-abempty [ "?" query ]
        rest = target.partition("://")[2]
        slash = rest.find("/")
        question = rest.find("?")
        if slash < 0 or 0 <= question < slash:
            target = "/" + (rest[question:] if question >= 0 else "")
        else:
            target = rest[slash:]
    path, _, query = target.partition("?")
    return _unquote_path(path), query


class InputStream:
    """``wsgi.input``: reads this request's body only, never the next pipelined request.

    The first read of a request that asked for ``Expect: 100-continue`` sends "100 Continue"
    (RFC 9110 section 10.1.1) through ``send_continue``. A framing error in the body (a bad chunk,
    a body over ``--max-body``) raises the protocol core's error, whose status the server answers.
    """

    __slots__ = ("_reader", "_send_continue")

    def __init__(self, reader: BodyReader | None, send_continue: Callable[[], None] | None = None) -> None:
        self._reader = reader
        self._send_continue = send_continue

    def _ready(self) -> BodyReader | None:
        if self._send_continue is not None:
            send, self._send_continue = self._send_continue, None
            send()
        return self._reader

    def read(self, size: int | None = -1) -> bytes:
        reader = self._ready()
        if reader is None:
            return b""
        return reader.read(-1 if size is None else size)

    def readline(self, size: int | None = -1) -> bytes:
        reader = self._ready()
        if reader is None:
            return b""
        return reader.readline(-1 if size is None else size)

    def readlines(self, hint: int = -1) -> list[bytes]:
        lines, total = [], 0
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                return lines

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    @property
    def started(self) -> bool:
        """Whether the application asked for the body (and so any 100 Continue went out)."""
        return self._send_continue is None

    def finish(self) -> bool:
        """Reads and drops what the application left of the body; False if that is impossible."""
        if self._reader is None:
            return True
        if self._send_continue is not None:
            # The client still waits for 100 Continue and may or may not send the body: the
            # connection cannot be reused reliably (RFC 9110 section 10.1.1).
            return False
        try:
            self._reader.drain()
        except (RemoteProtocolError, OSError):
            return False
        return True


class _EmptyInput:
    """``wsgi.input`` for a request without a body (shared: it has no state)."""

    __slots__ = ()
    started = True

    def read(self, size: int | None = -1) -> bytes:
        return b""

    def readline(self, size: int | None = -1) -> bytes:
        return b""

    def readlines(self, hint: int = -1) -> list[bytes]:
        return []

    def __iter__(self) -> Iterator[bytes]:
        return iter(())


EMPTY_INPUT = _EmptyInput()


class EnvironBuilder:
    """Builds environs for one listening address from a precomputed base dict."""

    __slots__ = ("_base", "_trusted", "_scheme", "_unix")

    def __init__(self, config: Config, server_name: str, server_port: str, *, tls: bool, unix: bool) -> None:
        self._scheme = "https" if tls else "http"
        self._trusted = config.forwarded_allow_ips
        self._unix = unix
        self._base: dict[str, Any] = {
            "SERVER_NAME": server_name,
            "SERVER_PORT": server_port,
            "SCRIPT_NAME": "",
            "SERVER_SOFTWARE": config.server_software,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": self._scheme,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": config.workers > 1,
            "wsgi.run_once": False,
            "wsgi.file_wrapper": FileWrapper,
        }
        if tls:
            self._base["HTTPS"] = "on"

    def build(self, request: Request, peer: tuple[str, int] | None, wsgi_input: Any) -> dict[str, Any]:
        environ = self._base.copy()
        path, query = _split_target(request.target)
        environ["REQUEST_METHOD"] = request.method
        environ["PATH_INFO"] = path
        environ["QUERY_STRING"] = query
        environ["SERVER_PROTOCOL"] = "HTTP/" + request.http_version
        environ["RAW_URI"] = request.target
        environ["wsgi.input"] = wsgi_input
        if request.body_kind is BodyKind.CHUNKED:
            # No CONTENT_LENGTH: say that wsgi.input ends at the end of the body, the convention
            # (gunicorn, waitress) by which frameworks such as Werkzeug read chunked bodies at all.
            environ["wsgi.input_terminated"] = True
        if peer is not None:
            environ["REMOTE_ADDR"] = peer[0]
            environ["REMOTE_PORT"] = str(peer[1])
        for name, value in request.headers:
            if "_" in name:
                # "X_Forwarded_For" would pass for X-Forwarded-For once both are HTTP_*; drop it.
                continue
            key = name.upper().replace("-", "_")
            key = _CGI_NAMES.get(key) or "HTTP_" + key
            if key in environ:
                environ[key] += "," + value
            else:
                environ[key] = value
        if request.content_length is not None:
            # The length the parser framed the body with: repeated equal Content-Length fields
            # (RFC 9110 section 8.6) would otherwise join into "3,3", which no application parses.
            environ["CONTENT_LENGTH"] = str(request.content_length)
        if self._unix or (peer is not None and self._is_trusted(peer[0])):
            self._apply_forwarded(environ)
        return environ

    def _is_trusted(self, address: str) -> bool:
        trusted = self._trusted
        if trusted is None:
            return True
        if not trusted:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in trusted)

    def _apply_forwarded(self, environ: dict[str, Any]) -> None:
        """The client address and scheme as a trusted proxy reports them (RFC 7239, X-Forwarded-*).

        Of a chain of addresses the rightmost one that is not itself a trusted proxy is the
        client: addresses further left were written by the client and cannot be believed.
        """
        forwarded = environ.get("HTTP_FORWARDED")
        if forwarded is not None:
            addresses, schemes = _parse_forwarded(forwarded)
        else:
            addresses = [item.strip() for item in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            addresses = [item for item in addresses if item]
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            schemes = [proto] if proto else []
        if addresses:
            client = addresses[-1]
            for address in reversed(addresses):
                client = address
                if not self._is_trusted(address):
                    break
            environ["REMOTE_ADDR"] = client
            environ.pop("REMOTE_PORT", None)
        if schemes and schemes[-1] in _SCHEMES:
            environ["wsgi.url_scheme"] = schemes[-1]
            if schemes[-1] == "https":
                environ["HTTPS"] = "on"
            else:
                environ.pop("HTTPS", None)


def _parse_forwarded(value: str) -> tuple[list[str], list[str]]:
    """The ``for`` addresses and ``proto`` values of a Forwarded field, in order (RFC 7239)."""
    addresses: list[str] = []
    schemes: list[str] = []
    for element in value.split(","):
        for pair in element.split(";"):
            match = _FORWARDED_PAIR.fullmatch(pair)
            if match is None:
                continue
            name, item = match[1].lower(), match[2]
            if item.startswith('"'):
                item = re.sub(r"\\(.)", r"\1", item[1:-1])
            if name == "for":
                addresses.append(_node_address(item))
            elif name == "proto":
                schemes.append(item.lower())
    return addresses, schemes


def _node_address(node: str) -> str:
    """RFC 7239 section 6: "192.0.2.1:80", "[2001:db8::1]:80" or an obfuscated "_name"."""
    if node.startswith("["):
        return node[1:].partition("]")[0]
    if node.count(":") == 1:
        return node.partition(":")[0]
    return node
