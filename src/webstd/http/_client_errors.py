"""The exception classes of http.client, shared by webstd.http.client and the header parser.

The hierarchy and the constructor arguments are those of Python 3.11's http.client, so that code
written ``except http.client.IncompleteRead as error: error.partial`` works unchanged.
"""

from __future__ import annotations


class HTTPException(Exception):
    """Base class of every http.client error."""


class NotConnected(HTTPException):
    pass


class InvalidURL(HTTPException):
    pass


class UnknownProtocol(HTTPException):
    def __init__(self, version: str) -> None:
        self.args = (version,)
        self.version = version


class UnknownTransferEncoding(HTTPException):
    pass


class UnimplementedFileMode(HTTPException):
    pass


class IncompleteRead(HTTPException):
    """The body ended early: ``partial`` holds what arrived, ``expected`` how much was missing."""

    def __init__(self, partial: bytes, expected: int | None = None) -> None:
        self.args = (partial,)
        self.partial = partial
        self.expected = expected

    def __repr__(self) -> str:
        extra = f", {self.expected} more expected" if self.expected is not None else ""
        return f"{type(self).__name__}({len(self.partial)} bytes read{extra})"

    __str__ = object.__str__


class ResponseBodyTooLarge(HTTPException):
    """A webstd addition: the body is larger than the ``max_body_size`` the caller set.

    ``limit`` is that size; ``length`` the body's declared Content-Length when that gave it
    away before any of it was read, else None. The connection is closed."""

    def __init__(self, limit: int, length: int | None = None) -> None:
        detail = f"Content-Length {length}" if length is not None else "more"
        super().__init__(f"response body larger than max_body_size={limit} bytes ({detail})")
        self.limit = limit
        self.length = length


class ImproperConnectionState(HTTPException):
    pass


class CannotSendRequest(ImproperConnectionState):
    pass


class CannotSendHeader(ImproperConnectionState):
    pass


class ResponseNotReady(ImproperConnectionState):
    pass


class BadStatusLine(HTTPException):
    def __init__(self, line: str) -> None:
        if not line:
            line = repr(line)
        self.args = (line,)
        self.line = line


class LineTooLong(HTTPException):
    def __init__(self, line_type: str) -> None:
        HTTPException.__init__(self, f"got more than {_MAX_LINE} bytes when reading {line_type}")


class RemoteDisconnected(ConnectionResetError, BadStatusLine):
    """The server closed the connection before it sent a status line."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        BadStatusLine.__init__(self, "")
        ConnectionResetError.__init__(self, *args, **kwargs)


# The stdlib's limits on what it reads of a response head (and of a head given to parse_headers).
_MAX_LINE = 65536
_MAX_HEADERS = 100

error = HTTPException
