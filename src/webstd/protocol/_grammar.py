"""The RFC 9110 / RFC 9112 grammar that webstd.protocol enforces, as named regular expressions.

Every rule the parser and the serializer check lives here, next to the section that defines it, so
that a change of policy is a change of one pattern. Heads are decoded as ISO-8859-1 before they are
matched: the decoding is lossless, and it lets every pattern work on ``str``.
"""

from __future__ import annotations

import re

# RFC 9110 section 5.6.2: tchar and token.
TCHAR = r"!#$%&'*+\-.^_`|~0-9A-Za-z"
TOKEN = re.compile(f"[{TCHAR}]+")

# RFC 9110 section 5.5: field-value = *field-content; field-vchar = VCHAR / obs-text.
# Inner white space (SP, HTAB) is allowed; every other control character, CR and LF included, is not.
FIELD_VALUE = re.compile(r"[^\x00-\x08\x0a-\x1f\x7f]*")
# What may not appear anywhere in a value we are asked to send (CR/LF would inject a header).
FORBIDDEN_IN_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

# What may not appear in a request-target we send: white space and controls (request splitting).
FORBIDDEN_IN_TARGET = re.compile(r"[\x00-\x20\x7f]")

# RFC 9112 section 2.2: a bare CR, or any control other than HTAB, anywhere in a head is rejected.
# Line ends are CRLF only: a bare LF is rejected too (webstd's policy, see docs/design.md), which
# removes the disagreement between parsers that smuggling attacks rely on.
BARE_CR_OR_LF = re.compile(r"\r(?!\n)|(?<!\r)\n")
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# RFC 9112 section 5: field-line = field-name ":" OWS field-value OWS, each ended by CRLF. The
# pattern validates a whole header section at once (no white space before the colon, no obs-fold,
# no control characters but HTAB in values).
FIELD_SECTION = re.compile(rf"(?:[{TCHAR}]+:[^\x00-\x08\x0a-\x1f\x7f]*\r\n)*")

# RFC 9110 section 9.1: a method is a case-sensitive token. Every registered method is upper-case;
# webstd, like gunicorn, refuses methods with lower-case letters (a request "get / HTTP/1.1" is a
# client bug or a probe, and answering it as GET would hide that).
LOWER_CASE = re.compile(r"[a-z]")

# RFC 9112 section 3: request-line = method SP request-target SP HTTP-version.
# Exactly one SP between the parts; the target holds no white space or control characters
# (obs-text is allowed in the target: RFC 3986 says nothing of it, but real clients send it).
REQUEST_LINE = re.compile(rf"([{TCHAR}]+) ([^\x00-\x20\x7f]+) (HTTP/[0-9]\.[0-9])")
# Anything that looks like a version but is none we speak is answered with 505, not 400.
LOOKS_LIKE_VERSION = re.compile(r"HTTP/[0-9]\.[0-9]")

# RFC 9112 section 4: status-line = HTTP-version SP status-code SP [ reason-phrase ].
# The SP after the code is optional here: many servers leave it out when the reason is empty.
STATUS_LINE = re.compile(r"(HTTP/[0-9]\.[0-9]) ([0-9]{3})(?: ([^\x00-\x08\x0a-\x1f\x7f]*))?")

# RFC 9112 section 3.2: the four forms of request-target.
# absolute-form = absolute-URI (RFC 3986 section 4.3): scheme "://" [ userinfo "@" ] host [ ":" port ]
# path-abempty [ "?" query ]. The authority is checked closely, since proxies route on it.
_UNRESERVED_SUB_DELIMS = r"A-Za-z0-9\-._~%!$&'()*+,;="
ABSOLUTE_FORM = re.compile(
    rf"[A-Za-z][A-Za-z0-9+.\-]*://(?:[{_UNRESERVED_SUB_DELIMS}:]*@)?"
    rf"(?:\[[0-9A-Fa-f:.]+\]|[{_UNRESERVED_SUB_DELIMS}]*)(?::[0-9]*)?"
    r"(?:[/?][^\x00-\x20\x7f]*)?"
)
# RFC 9112 section 3.2 and RFC 3986 section 3.2.2: Host = uri-host [ ":" port ], where uri-host is
# an IP-literal, an IPv4 address or a reg-name (unreserved, pct-encoded and sub-delims; may be
# empty), and port is at most five digits here. No white space, slash, "@" (userinfo) or "#".
HOST = re.compile(
    rf"(?:\[(?:[0-9A-Fa-f:.]+|v[0-9A-Fa-f]+\.[{_UNRESERVED_SUB_DELIMS}:]+)\]|[{_UNRESERVED_SUB_DELIMS}]*)"
    r"(?::[0-9]{0,5})?"
)
# What a strict server refuses anywhere in a request-target: a fragment ("#", RFC 9112 section 3.2
# has none) and bytes outside ASCII (RFC 3986 allows only percent-encoded octets there).
FORBIDDEN_IN_STRICT_TARGET = re.compile(r"[#\x80-\xff]")
AUTHORITY_FORM = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[^\s/?#@\[\]:]+):([0-9]{1,5})")

# RFC 9112 section 7.1: chunk-size is 1*HEXDIG; chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS
# ext-val ] ) with ext-val = token / quoted-string. At most 16 hex digits: a 64-bit size.
QUOTED_STRING = r'"(?:[\t !#-\[\]-~\x80-\xff]|\\[\t !-~\x80-\xff])*"'
CHUNK_EXTENSIONS = re.compile(
    rf"(?:[ \t]*;[ \t]*[{TCHAR}]+(?:[ \t]*=[ \t]*(?:[{TCHAR}]+|{QUOTED_STRING}))?)*"
)
CHUNK_SIZE_LINE = re.compile(rf"([0-9A-Fa-f]{{1,16}})({CHUNK_EXTENSIONS.pattern})")

# RFC 9110 section 8.6: Content-Length = 1*DIGIT.
DIGITS = re.compile(r"[0-9]+")

# RFC 9112 section 7: the transfer codings webstd knows. Only chunked is decoded by the framing
# layer; the others are content-like codings that an application may undo.
KNOWN_TRANSFER_CODINGS = frozenset(
    {"chunked", "gzip", "x-gzip", "deflate", "compress", "x-compress", "identity"}
)

# RFC 9110 section 6.5.1: fields a sender must not put in a trailer section, because a recipient
# could only act on them once the body has already been processed. Receiving one is an error.
# webstd refuses the ones that would change how the message is framed or routed; the others are
# kept as trailers, never merged into the header section.
FORBIDDEN_TRAILERS = frozenset(
    {
        "transfer-encoding", "content-length", "host", "trailer", "te", "connection",
        "keep-alive", "upgrade",
    }
)

# RFC 9110 section 7.6.1: hop-by-hop fields, removed by intermediaries together with every field
# named in Connection.
HOP_BY_HOP = frozenset(
    {
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
        "upgrade", "proxy-authenticate", "proxy-authorization",
    }
)
