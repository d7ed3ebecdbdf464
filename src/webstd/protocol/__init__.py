"""webstd.protocol: the one HTTP/1.1 engine of webstd, sans-IO (no sockets, no threads).

It owns the wire format of RFC 9112 and the message rules of RFC 9110 that framing depends on:
parsing request and response heads, body framing (Content-Length, chunked with extensions and
trailers, read-until-close, no body for HEAD, 1xx, 204 and 304), keep-alive decisions, limits, and
serializing what we send. It must not know about sockets, threads, URLs beyond the request-target
forms, or any application API: webstd.http.client, webstd.http.server, the WSGI server and the
proxy all drive it with the bytes they read and write themselves.

Usage, server side::

    parser = RequestParser()
    parser.feed(sock.recv(65536))
    event = parser.next_event()   # Request, then Data..., EndOfMessage; NEED_DATA when starved

Policy choices (see docs/design.md): line ends are CRLF only, a bare LF or CR is rejected; obs-fold
is rejected; Content-Length with Transfer-Encoding is rejected; every error is an exception whose
``status_code`` is the answer a server should send.
"""

from webstd.protocol.errors import (
    BadLineEnding,
    BadRequestLine,
    BadStatusLine,
    BodyTooLarge,
    ConflictingFraming,
    ForbiddenTrailer,
    HeaderFieldTooLarge,
    HeadersTooLarge,
    IncompleteMessage,
    InvalidChunk,
    InvalidContentLength,
    InvalidHeader,
    InvalidHost,
    InvalidMethod,
    InvalidTarget,
    InvalidTransferEncoding,
    InvalidVersion,
    LocalProtocolError,
    MissingHost,
    ObsoleteLineFolding,
    ProtocolError,
    RemoteProtocolError,
    RequestLineTooLong,
    StatusLineTooLong,
    TooManyHeaders,
    UnsupportedTransferCoding,
    UnsupportedVersion,
)
from webstd.protocol.events import (
    CONNECTION_CLOSED,
    NEED_DATA,
    PAUSED,
    BodyKind,
    Data,
    EndOfMessage,
    Event,
    InformationalResponse,
    Request,
    Response,
    Sentinel,
)
from webstd.protocol.framing import Framing, outgoing_response_framing, response_has_body
from webstd.protocol.headers import Headers
from webstd.protocol.limits import DEFAULT_LIMITS, Limits
from webstd.protocol.parser import RequestParser, ResponseParser
from webstd.protocol.reader import BodyReader
from webstd.protocol.serialize import (
    RequestTemplate,
    check_field,
    check_method,
    check_target,
    chunk,
    last_chunk,
    request_head,
    response_head,
)

__all__ = [
    "BadLineEnding", "BadRequestLine", "BadStatusLine", "BodyKind", "BodyReader", "BodyTooLarge",
    "CONNECTION_CLOSED", "ConflictingFraming", "DEFAULT_LIMITS", "Data", "EndOfMessage", "Event",
    "ForbiddenTrailer", "Framing", "HeaderFieldTooLarge", "Headers", "HeadersTooLarge",
    "IncompleteMessage", "InformationalResponse", "InvalidChunk", "InvalidContentLength",
    "InvalidHeader", "InvalidHost", "InvalidMethod", "InvalidTarget", "InvalidTransferEncoding", "InvalidVersion",
    "Limits", "LocalProtocolError", "MissingHost", "NEED_DATA", "ObsoleteLineFolding", "PAUSED",
    "ProtocolError", "RemoteProtocolError", "Request", "RequestLineTooLong", "RequestParser",
    "RequestTemplate",
    "Response", "ResponseParser", "Sentinel", "StatusLineTooLong", "TooManyHeaders", "UnsupportedTransferCoding",
    "UnsupportedVersion", "check_field", "check_method", "check_target", "chunk", "last_chunk",
    "outgoing_response_framing", "request_head", "response_has_body", "response_head",
]
