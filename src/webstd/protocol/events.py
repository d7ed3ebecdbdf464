"""What the parsers produce: message heads, body data, the end of a message, and two sentinels.

A message is always ``head``, then zero or more :class:`Data`, then one :class:`EndOfMessage`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from webstd.protocol.headers import Headers


class BodyKind(Enum):
    """How a message's body is delimited (RFC 9112 section 6.3)."""

    NONE = "none"  # no body at all: HEAD responses, 1xx, 204, 304, requests without framing fields
    LENGTH = "length"  # Content-Length bytes
    CHUNKED = "chunked"  # the chunked transfer coding, ended by a zero-size chunk
    UNTIL_CLOSE = "until-close"  # responses only: everything until the server closes


@dataclass(slots=True, eq=False)
class Request:
    """A parsed request head."""

    method: str
    target: str
    #: "1.0" or "1.1".
    http_version: str
    headers: Headers
    body_kind: BodyKind = BodyKind.NONE
    #: Content-Length when ``body_kind`` is LENGTH.
    content_length: int | None = None
    #: May the connection carry another request after this one's response?
    keep_alive: bool = True
    #: The client waits for "100 Continue" before it sends the body (RFC 9110 section 10.1.1).
    expect_continue: bool = False
    #: The protocol the client asks to switch to (Connection: upgrade plus Upgrade), if any.
    upgrade: str | None = None

    @property
    def version(self) -> str:
        """The version as it appears on the request line: "HTTP/1.1"."""
        return "HTTP/" + self.http_version


@dataclass(slots=True, eq=False)
class Response:
    """A parsed final response head (status 101 or 200 to 599)."""

    status: int
    reason: str
    http_version: str
    headers: Headers
    body_kind: BodyKind = BodyKind.NONE
    content_length: int | None = None
    keep_alive: bool = True

    @property
    def version(self) -> str:
        return "HTTP/" + self.http_version


@dataclass(slots=True, eq=False)
class InformationalResponse(Response):
    """A 1xx response other than 101: "100 Continue", "103 Early Hints"; a final one follows."""


@dataclass(slots=True, eq=False)
class Data:
    """A piece of a message body, with the transfer coding already removed."""

    data: bytes


class _NoTrailers(Headers):
    """The one empty trailer section shared by every message without trailers: read-only, so
    that sharing it is safe and no message pays for an object it does not need."""

    __slots__ = ()

    def _refuse(self, *args: object) -> None:
        raise TypeError("a message without trailers has an empty, read-only trailer section")

    add = set = remove = __delitem__ = _refuse  # type: ignore[assignment]
    # Immutable, so hashable (and so accepted as a dataclass default).
    __hash__ = object.__hash__


NO_TRAILERS: Headers = _NoTrailers()


@dataclass(slots=True, eq=False)
class EndOfMessage:
    """The body is complete. ``trailers`` holds a chunked body's trailer fields."""

    trailers: Headers = NO_TRAILERS


class Sentinel(Enum):
    #: Feed more bytes (or call feed_eof) before asking again.
    NEED_DATA = "NEED_DATA"
    #: The connection stopped being HTTP (CONNECT, Upgrade, 101): take ``trailing_data`` and go.
    PAUSED = "PAUSED"
    #: The peer closed the connection cleanly, between messages.
    CONNECTION_CLOSED = "CONNECTION_CLOSED"


NEED_DATA = Sentinel.NEED_DATA
PAUSED = Sentinel.PAUSED
CONNECTION_CLOSED = Sentinel.CONNECTION_CLOSED

Event = Request | Response | InformationalResponse | Data | EndOfMessage | Sentinel
