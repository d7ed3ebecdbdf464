"""Serializing what we send: request and response heads, chunks, the last chunk and trailers.

Every name, value, method and target is checked before a byte is produced, so a caller cannot be
tricked into header injection or request splitting by a CR or LF in data it passes on (the class
of CVEs the stdlib's http.client had). Violations raise
:class:`~webstd.protocol.errors.LocalProtocolError`.
"""

from __future__ import annotations

from collections.abc import Iterable

from webstd.protocol import _grammar as grammar
from webstd.protocol.errors import LocalProtocolError
from webstd.protocol.headers import Headers

_token_match = grammar.TOKEN.fullmatch
_forbidden_in_value = grammar.FORBIDDEN_IN_VALUE.search
_forbidden_in_target = grammar.FORBIDDEN_IN_TARGET.search

FieldsLike = Headers | Iterable[tuple[str, str]]


def check_method(method: str) -> None:
    if _token_match(method) is None:
        raise LocalProtocolError(f"invalid method {method!r}: it must be a token")


def check_target(target: str) -> None:
    if not target or _forbidden_in_target(target) is not None:
        raise LocalProtocolError(
            f"invalid request target {target!r}: control characters and spaces must be %-encoded"
        )


def check_field(name: str, value: str) -> None:
    """Raises LocalProtocolError for a name that is not a token or a value with CR, LF or a CTL."""
    if _token_match(name) is None:
        raise LocalProtocolError(f"invalid header name {name!r}")
    if _forbidden_in_value(value) is not None:
        raise LocalProtocolError(f"invalid header value {value!r} for {name!r}")


def _fields(fields: FieldsLike) -> str:
    lines = []
    for name, value in fields:
        value = str(value)
        check_field(name, value)
        lines.append(f"{name}: {value}\r\n")
    return "".join(lines)


def _encode(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError as error:
        raise LocalProtocolError(f"head is not ISO-8859-1: {error}") from None


def request_head(method: str, target: str, fields: FieldsLike, http_version: str = "1.1") -> bytes:
    """``METHOD target HTTP/x.y`` CRLF, the fields, the empty line."""
    check_method(method)
    check_target(target)
    return _encode(f"{method} {target} HTTP/{http_version}\r\n{_fields(fields)}\r\n")


class RequestTemplate:
    """The heads of requests that differ only in their target, as a client sends to one server:
    ``RequestTemplate(method, fields).head(target) == request_head(method, target, fields)``, with
    the method, fields and version checked and encoded once and only the target per head."""

    __slots__ = ("_start", "_rest")

    def __init__(self, method: str, fields: FieldsLike, http_version: str = "1.1") -> None:
        check_method(method)
        self._start = _encode(method + " ")
        self._rest = _encode(f" HTTP/{http_version}\r\n{_fields(fields)}\r\n")

    def head(self, target: str) -> bytes:
        check_target(target)
        return self._start + _encode(target) + self._rest


def response_head(status: int, reason: str, fields: FieldsLike, http_version: str = "1.1") -> bytes:
    """``HTTP/x.y status reason`` CRLF, the fields, the empty line."""
    if not 100 <= status <= 999:
        raise LocalProtocolError(f"invalid status code {status!r}")
    if _forbidden_in_value(reason) is not None:
        raise LocalProtocolError(f"invalid reason phrase {reason!r}")
    return _encode(f"HTTP/{http_version} {status} {reason}\r\n{_fields(fields)}\r\n")


def chunk(data: bytes) -> bytes:
    """One chunk of a chunked body (RFC 9112 section 7.1). Empty data gives nothing: the zero-size
    chunk ends the body and is written by :func:`last_chunk`."""
    if not data:
        return b""
    return b"%x\r\n%b\r\n" % (len(data), data)


def last_chunk(trailers: FieldsLike = ()) -> bytes:
    """The zero-size chunk, the trailer fields, and the final CRLF."""
    trailers = list(trailers)
    for name, _ in trailers:
        if name.lower() in grammar.FORBIDDEN_TRAILERS:
            raise LocalProtocolError(f"{name} is not allowed in a trailer section")
    return _encode(f"0\r\n{_fields(trailers)}\r\n")
