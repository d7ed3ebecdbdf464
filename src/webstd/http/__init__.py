"""Low-level HTTP: HTTPStatus and HTTPMethod here; client, server, cookies and cookiejar.

The status codes are those of the IANA "HTTP Status Code Registry" that the Python 3.11 stdlib
knows, with the registry's reason phrases (RFC 9110 section 15 and the RFCs it cites). The
one-line descriptions are webstd's own summaries of each RFC's definition.
"""

from __future__ import annotations

import enum

__all__ = ["HTTPStatus", "HTTPMethod"]


class HTTPStatus(enum.IntEnum):
    """An HTTP status code, with its registered reason phrase and a short description."""

    phrase: str
    description: str

    def __new__(cls, value: int, phrase: str, description: str = "") -> HTTPStatus:
        member = int.__new__(cls, value)
        member._value_ = value
        member.phrase = phrase
        member.description = description
        return member

    # 1xx informational: RFC 9110 section 15.2, RFC 2518, RFC 8297
    CONTINUE = 100, "Continue", "The request so far is fine; send the rest of it"
    SWITCHING_PROTOCOLS = 101, "Switching Protocols", "Switching to the protocol named in Upgrade"
    PROCESSING = 102, "Processing", "Request received and still being worked on"
    EARLY_HINTS = 103, "Early Hints", "Headers likely to appear in the final response"

    # 2xx successful: RFC 9110 section 15.3, RFC 4918, RFC 5842, RFC 3229
    OK = 200, "OK", "The request succeeded"
    CREATED = 201, "Created", "The request succeeded and created a new resource"
    ACCEPTED = 202, "Accepted", "Accepted for processing, which has not finished"
    NON_AUTHORITATIVE_INFORMATION = (
        203,
        "Non-Authoritative Information",
        "Succeeded, but a transforming proxy changed the content",
    )
    NO_CONTENT = 204, "No Content", "Succeeded, and there is no content to send"
    RESET_CONTENT = 205, "Reset Content", "Succeeded; the client should reset its document view"
    PARTIAL_CONTENT = 206, "Partial Content", "Here are the requested ranges of the representation"
    MULTI_STATUS = 207, "Multi-Status", "Several status codes, one per sub-request, in the body"
    ALREADY_REPORTED = 208, "Already Reported", "Members of this binding were listed earlier"
    IM_USED = 226, "IM Used", "Instance manipulations were applied to the current instance"

    # 3xx redirection: RFC 9110 section 15.4
    MULTIPLE_CHOICES = 300, "Multiple Choices", "Several representations; pick one"
    MOVED_PERMANENTLY = 301, "Moved Permanently", "The resource has a new permanent URI"
    FOUND = 302, "Found", "The resource is temporarily at another URI"
    SEE_OTHER = 303, "See Other", "The answer is at another URI; retrieve it with GET"
    NOT_MODIFIED = 304, "Not Modified", "The cached representation is still current"
    USE_PROXY = 305, "Use Proxy", "Deprecated: the resource must be reached through a proxy"
    TEMPORARY_REDIRECT = (
        307,
        "Temporary Redirect",
        "Temporarily at another URI; repeat the request unchanged there",
    )
    PERMANENT_REDIRECT = (
        308,
        "Permanent Redirect",
        "Permanently at another URI; repeat the request unchanged there",
    )

    # 4xx client error: RFC 9110 section 15.5, RFC 2324, RFC 4918, RFC 6585, RFC 7725, RFC 8470
    BAD_REQUEST = 400, "Bad Request", "The server cannot process this malformed request"
    UNAUTHORIZED = 401, "Unauthorized", "Valid authentication credentials are needed"
    PAYMENT_REQUIRED = 402, "Payment Required", "Reserved for future use"
    FORBIDDEN = 403, "Forbidden", "Understood, but the server refuses to fulfil it"
    NOT_FOUND = 404, "Not Found", "No current representation for the target resource"
    METHOD_NOT_ALLOWED = (
        405,
        "Method Not Allowed",
        "The target resource does not support this method",
    )
    NOT_ACCEPTABLE = 406, "Not Acceptable", "No representation satisfies the Accept headers"
    PROXY_AUTHENTICATION_REQUIRED = (
        407,
        "Proxy Authentication Required",
        "The client must authenticate to the proxy first",
    )
    REQUEST_TIMEOUT = 408, "Request Timeout", "The request did not arrive in time"
    CONFLICT = 409, "Conflict", "The request conflicts with the resource's current state"
    GONE = 410, "Gone", "The resource is gone for good and has no forwarding address"
    LENGTH_REQUIRED = 411, "Length Required", "A Content-Length header is needed"
    PRECONDITION_FAILED = 412, "Precondition Failed", "A request precondition evaluated to false"
    REQUEST_ENTITY_TOO_LARGE = (
        413,
        "Request Entity Too Large",
        "The request content is larger than the server will process",
    )
    REQUEST_URI_TOO_LONG = (
        414,
        "Request-URI Too Long",
        "The target URI is longer than the server will interpret",
    )
    UNSUPPORTED_MEDIA_TYPE = (
        415,
        "Unsupported Media Type",
        "The content's format or coding is not supported",
    )
    REQUESTED_RANGE_NOT_SATISFIABLE = (
        416,
        "Requested Range Not Satisfiable",
        "None of the requested ranges overlap the representation",
    )
    EXPECTATION_FAILED = 417, "Expectation Failed", "The Expect header cannot be met"
    IM_A_TEAPOT = 418, "I'm a Teapot", "The server is a teapot and refuses to brew coffee"
    MISDIRECTED_REQUEST = (
        421,
        "Misdirected Request",
        "This server cannot answer for the target URI's authority",
    )
    UNPROCESSABLE_ENTITY = (
        422,
        "Unprocessable Entity",
        "Well-formed content whose instructions cannot be carried out",
    )
    # Python 3.13's names for four of these (RFC 9110's own names), kept as aliases so that code
    # written for 3.13 runs; the members and phrases stay those of 3.11.
    CONTENT_TOO_LARGE = REQUEST_ENTITY_TOO_LARGE
    URI_TOO_LONG = REQUEST_URI_TOO_LONG
    RANGE_NOT_SATISFIABLE = REQUESTED_RANGE_NOT_SATISFIABLE
    UNPROCESSABLE_CONTENT = UNPROCESSABLE_ENTITY
    LOCKED = 423, "Locked", "The resource is locked"
    FAILED_DEPENDENCY = 424, "Failed Dependency", "An action this one depended on failed"
    TOO_EARLY = 425, "Too Early", "The server will not risk processing a replayable request"
    UPGRADE_REQUIRED = 426, "Upgrade Required", "Switch to the protocol named in Upgrade first"
    PRECONDITION_REQUIRED = (
        428,
        "Precondition Required",
        "The request must be conditional",
    )
    TOO_MANY_REQUESTS = 429, "Too Many Requests", "Rate limit exceeded; slow down"
    REQUEST_HEADER_FIELDS_TOO_LARGE = (
        431,
        "Request Header Fields Too Large",
        "One header field, or all of them together, are too large",
    )
    UNAVAILABLE_FOR_LEGAL_REASONS = (
        451,
        "Unavailable For Legal Reasons",
        "Access denied because of a legal demand",
    )

    # 5xx server error: RFC 9110 section 15.6, RFC 2295, RFC 4918, RFC 5842, RFC 2774, RFC 6585
    INTERNAL_SERVER_ERROR = (
        500,
        "Internal Server Error",
        "An unexpected condition stopped the server",
    )
    NOT_IMPLEMENTED = 501, "Not Implemented", "The server does not support this functionality"
    BAD_GATEWAY = 502, "Bad Gateway", "The upstream server sent an invalid response"
    SERVICE_UNAVAILABLE = (
        503,
        "Service Unavailable",
        "Temporarily overloaded or down for maintenance",
    )
    GATEWAY_TIMEOUT = 504, "Gateway Timeout", "The upstream server did not answer in time"
    HTTP_VERSION_NOT_SUPPORTED = (
        505,
        "HTTP Version Not Supported",
        "The request's major HTTP version is not supported",
    )
    VARIANT_ALSO_NEGOTIATES = (
        506,
        "Variant Also Negotiates",
        "Content negotiation is misconfigured into a loop",
    )
    INSUFFICIENT_STORAGE = (
        507,
        "Insufficient Storage",
        "Not enough storage to complete the request",
    )
    LOOP_DETECTED = 508, "Loop Detected", "An infinite loop was found while processing"
    NOT_EXTENDED = 510, "Not Extended", "An extension the request needs is not declared"
    NETWORK_AUTHENTICATION_REQUIRED = (
        511,
        "Network Authentication Required",
        "Authenticate to gain network access",
    )


class HTTPMethod(enum.StrEnum):
    """An HTTP request method (RFC 9110 section 9, RFC 5789 for PATCH)."""

    description: str

    def __new__(cls, value: str, description: str = "") -> HTTPMethod:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member

    def __repr__(self) -> str:
        return f"<{type(self).__name__}.{self._name_}>"

    CONNECT = "CONNECT", "Open a tunnel to the server named by the target"
    DELETE = "DELETE", "Remove the association between the target and its functionality"
    GET = "GET", "Transfer a current representation of the target"
    HEAD = "HEAD", "As GET, but send only the status line and header section"
    OPTIONS = "OPTIONS", "Describe the communication options for the target"
    PATCH = "PATCH", "Apply a set of changes to the target"
    POST = "POST", "Have the target process the enclosed representation"
    PUT = "PUT", "Replace the target's state with the enclosed representation"
    TRACE = "TRACE", "Loop the request message back to the client"
