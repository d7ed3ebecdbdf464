"""The exceptions webstd.protocol raises.

Errors are values to assert on: each class says what went wrong, and ``status_code`` says what a
server should answer (a client maps the same classes onto webstd.http.client's exceptions).

- :class:`RemoteProtocolError` and its subclasses: the peer sent something that is not HTTP/1.1 as
  webstd accepts it. After one of these the connection's framing can no longer be trusted: answer
  (if a server) and close.
- :class:`LocalProtocolError`: the caller asked to send something invalid (a CR in a header value,
  a body on a 204 ...). Nothing has been serialized when it is raised.
"""

from __future__ import annotations


class ProtocolError(Exception):
    """Base class. ``status_code`` is the response a server should send for this error."""

    status_code: int = 400

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        if status_code is not None:
            self.status_code = status_code


class LocalProtocolError(ProtocolError, ValueError):
    """We were asked to send something that HTTP/1.1 does not allow."""


class RemoteProtocolError(ProtocolError):
    """The peer sent something that HTTP/1.1 does not allow (answer ``status_code``, then close)."""


class BadRequestLine(RemoteProtocolError):
    """The request line is not ``method SP request-target SP HTTP-version``."""


class InvalidMethod(BadRequestLine):
    """The method is not a token (RFC 9110 section 9.1)."""


class InvalidTarget(BadRequestLine):
    """The request-target is not in a form allowed for the method (RFC 9112 section 3.2)."""


class InvalidVersion(BadRequestLine):
    """The version is not ``HTTP/DIGIT.DIGIT``."""


class UnsupportedVersion(RemoteProtocolError):
    """A well-formed version other than HTTP/1.0 and HTTP/1.1."""

    status_code = 505


class BadStatusLine(RemoteProtocolError):
    """The status line of a response is not ``HTTP-version SP 3DIGIT SP reason``."""

    status_code = 502


class StatusLineTooLong(BadStatusLine):
    """A response's status line is longer than ``Limits.max_request_line``."""


class InvalidHeader(RemoteProtocolError):
    """A header field is malformed: bad name, control character in the value, colon missing."""


class ObsoleteLineFolding(InvalidHeader):
    """A field line starts with white space (obs-fold, RFC 9112 section 5.2)."""


class BadLineEnding(RemoteProtocolError):
    """A bare CR, a bare LF or another control character in the head (RFC 9112 section 2.2)."""


class MissingHost(RemoteProtocolError):
    """An HTTP/1.1 request without exactly one Host field (RFC 9112 section 3.2)."""


class InvalidHost(InvalidHeader):
    """A Host field that is not ``uri-host [":" port]`` (RFC 9112 section 3.2, RFC 3986 3.2.2)."""


class InvalidContentLength(RemoteProtocolError):
    """Content-Length that is not all digits, or several that differ (RFC 9112 section 6.3)."""


class ConflictingFraming(RemoteProtocolError):
    """Both Content-Length and Transfer-Encoding: a request-smuggling vector (RFC 9112 6.1)."""


class InvalidTransferEncoding(RemoteProtocolError):
    """Transfer-Encoding whose last coding is not chunked, or that applies chunked twice."""


class UnsupportedTransferCoding(RemoteProtocolError):
    """A transfer coding webstd does not know (RFC 9112 section 6.1: answer 501)."""

    status_code = 501


class InvalidChunk(RemoteProtocolError):
    """A chunk-size line or chunk terminator that breaks RFC 9112 section 7.1."""


class ForbiddenTrailer(InvalidHeader):
    """A trailer field that RFC 9110 section 6.5.1 says must not be sent in a trailer."""


class IncompleteMessage(RemoteProtocolError):
    """The peer closed the connection before the message was complete."""

    def __init__(self, message: str, received: int = 0, expected: int | None = None) -> None:
        super().__init__(message)
        self.received = received
        self.expected = expected


class RequestLineTooLong(RemoteProtocolError):
    """The request line is longer than ``Limits.max_request_line``."""

    status_code = 414


class HeaderFieldTooLarge(RemoteProtocolError):
    """One field line is longer than ``Limits.max_field_size``."""

    status_code = 431


class HeadersTooLarge(RemoteProtocolError):
    """The header section is larger than ``Limits.max_header_bytes``."""

    status_code = 431


class TooManyHeaders(RemoteProtocolError):
    """More field lines than ``Limits.max_header_count``."""

    status_code = 431


class BodyTooLarge(RemoteProtocolError):
    """The body is, or announces that it will be, larger than ``Limits.max_body``."""

    status_code = 413
