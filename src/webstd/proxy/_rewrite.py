"""What a forwarding proxy changes in a message (RFC 9110 section 7.6, RFC 9112 section 3.2.2).

Requests: the absolute-form target becomes origin-form, Host is taken from that target (a received
Host is replaced, never trusted), and responses and requests alike lose their hop-by-hop fields and
every field the Connection field names, gain a Via entry, and are re-framed from what the parser
decided, never from the fields as received.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from webstd.protocol import BodyKind, Headers
from webstd.protocol._grammar import HOP_BY_HOP

# RFC 3986 section 3: scheme "://" authority path-abempty [ "?" query ]; the parser has already
# checked the characters (ABSOLUTE_FORM). A userinfo part is refused: credentials do not belong in
# a request line, and "http://trusted@evil" tricks have a long history.
_HTTP_URL = re.compile(
    r"(?i:http)://(?P<host>\[[0-9A-Fa-f:.]+\]|[^/?#@:\[\]]+)(?::(?P<port>[0-9]{1,5}))?(?P<rest>[/?].*)?",
    re.DOTALL,
)
_AUTHORITY = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^/?#@:\[\]]+):(?P<port>[0-9]{1,5})")

# Framing fields are written from the parser's decision; the received ones are dropped.
_REFRAMED = frozenset({"content-length", "transfer-encoding"})


class BadTarget(Exception):
    """The request target is not one this proxy forwards (the client gets 400)."""


class Destination(NamedTuple):
    host: str  # lower case, without IPv6 brackets
    port: int
    authority: str  # for the Host field: host[:port] as the client wrote it, lower-cased
    origin_form: str  # path and query: what the origin sees as the target


def _host_port(match: re.Match[str], default_port: int | None) -> tuple[str, int]:
    host = match["host"].lower()
    port_text = match["port"]
    port = default_port if not port_text else int(port_text)
    if port is None or not 0 < port < 65536:
        raise BadTarget("invalid port")
    return host.strip("[]"), port


def http_destination(target: str) -> Destination:
    """Splits an absolute-form ``http://`` target (RFC 9112 section 3.2.2)."""
    match = _HTTP_URL.fullmatch(target)
    if match is None:
        if target.startswith("/"):
            raise BadTarget("this is a forward proxy: the target must be an absolute http:// URL")
        raise BadTarget("only http:// targets are forwarded; use CONNECT for https")
    host, port = _host_port(match, 80)
    rest = match["rest"] or "/"
    if "#" in rest:
        raise BadTarget("a fragment is not part of a request target")
    if rest.startswith("?"):
        rest = "/" + rest
    authority = match["host"].lower() + ("" if port == 80 else f":{port}")
    return Destination(host, port, authority, rest)


def connect_destination(target: str) -> Destination:
    """Splits a CONNECT authority-form target (RFC 9112 section 3.2.3)."""
    match = _AUTHORITY.fullmatch(target)
    if match is None:
        raise BadTarget("CONNECT needs host:port")
    host, port = _host_port(match, None)
    return Destination(host, port, target.lower(), "")


def _end_to_end(headers: Headers) -> list[tuple[str, str]]:
    """The fields that are not hop-by-hop nor named in Connection, nor framing fields."""
    dropped = HOP_BY_HOP | _REFRAMED
    named = headers.get_tokens("connection")
    if named:
        dropped = dropped | frozenset(named)
    return [(name, value) for name, value in headers if name.lower() not in dropped]


def request_fields(
    headers: Headers, destination: Destination, body_kind: BodyKind, length: int | None, via: str
) -> list[tuple[str, str]]:
    fields = [("Host", destination.authority)]
    fields += [field for field in _end_to_end(headers) if field[0].lower() != "host"]
    fields.append(("Via", via))
    if body_kind is BodyKind.LENGTH:
        fields.append(("Content-Length", str(length)))
    elif body_kind is BodyKind.CHUNKED:
        fields.append(("Transfer-Encoding", "chunked"))
    return fields


def response_fields(
    headers: Headers, body_kind: BodyKind, length: int | None, chunked: bool, close: bool, via: str
) -> list[tuple[str, str]]:
    """``chunked``: the proxy chunks the body to the client; ``close``: it closes after."""
    fields = _end_to_end(headers)
    fields.append(("Via", via))
    if body_kind is BodyKind.LENGTH:
        fields.append(("Content-Length", str(length)))
    elif body_kind is BodyKind.NONE:
        # HEAD and 304 responses state the length of the body they do not carry (RFC 9110 8.6).
        received = headers.get("content-length")
        if received is not None and received.strip().isdigit():
            fields.append(("Content-Length", received.strip()))
    if chunked:
        fields.append(("Transfer-Encoding", "chunked"))
    if close:
        fields.append(("Connection", "close"))
    return fields


def trailer_fields(trailers: Headers) -> list[tuple[str, str]]:
    return _end_to_end(trailers)
