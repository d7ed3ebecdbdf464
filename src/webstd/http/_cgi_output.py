"""Reading a CGI script's response head (RFC 3875 section 6) into what the server sends.

It owns the CGI response rules: where the header block ends, which field lines are valid (checked
by webstd.protocol's field parser, so a CR or LF inside a value, a control character or an obs-fold
is refused rather than passed on), the CGI fields ``Status``, ``Content-Type`` and ``Location`` and
the response types they make (section 6.2: document, local redirect, client redirect), and which
script fields never reach the client (framing and hop-by-hop fields: the server frames the body).
Anything else is :class:`BadScriptResponse`, answered 502. It knows nothing of processes or sockets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from webstd.protocol._fields import parse_fields
from webstd.protocol.errors import RemoteProtocolError
from webstd.protocol.limits import DEFAULT_LIMITS

#: Longest header block accepted from a script.
MAX_HEAD = 65536
# RFC 3875 section 6.1: lines end with NL; scripts write LF or CRLF, and a lone CR line ends the head
# too (print("\r") after the fields, as many scripts, the seed's among them, do).
_HEAD_END = re.compile(rb"\n\r?\n")
_STATUS = re.compile(r"(?P<code>[1-5][0-9][0-9])(?:[ \t]+(?P<reason>[^\x00-\x08\x0a-\x1f\x7f]*))?")
_LENGTH = re.compile(r"[0-9]{1,18}")
# Fields the server owns (RFC 9110 section 7.6.1 hop-by-hop, and the framing it chooses itself).
_DROPPED = frozenset(("connection", "keep-alive", "proxy-connection", "te", "trailer",
                      "transfer-encoding", "upgrade"))  # fmt: skip
_CGI_FIELDS = ("status", "content-type", "location")


class BadScriptResponse(Exception):
    """The script's output is not a CGI response (answered 502 Bad Gateway)."""


@dataclass
class ScriptResponse:
    """A parsed head: the status to send, the fields to send, and a local redirect target."""

    status: int
    reason: str | None
    fields: list[tuple[str, str]] = field(default_factory=list)
    #: Set for a local redirect (section 6.2.2): the path and query the server serves instead.
    local_location: str | None = None


def find_head_end(buffer: bytes | bytearray) -> tuple[int, int] | None:
    """``(head_end, body_start)`` once the buffer holds the blank line ending the head, else None."""
    if buffer[:1] == b"\n" or buffer[:2] == b"\r\n":
        return 0, 1 if buffer[:1] == b"\n" else 2
    match = _HEAD_END.search(buffer)
    if match is None:
        return None
    return match.start(), match.end()


def parse_head(head: bytes) -> ScriptResponse:
    """Turns the script's header block (without its blank line) into a :class:`ScriptResponse`."""
    if not head.strip():
        raise BadScriptResponse("the script sent no header fields")
    lines = [line[:-1] if line.endswith("\r") else line for line in head.decode("latin-1").split("\n")]
    try:
        parsed = parse_fields("\r\n".join(lines), DEFAULT_LIMITS)
    except RemoteProtocolError as error:
        raise BadScriptResponse(f"invalid header block: {error}") from None
    cgi: dict[str, str] = {}
    fields = []
    for name, lowered, value in parsed:
        if lowered in _CGI_FIELDS:
            # RFC 3875 section 6.3: each CGI field at most once.
            if lowered in cgi:
                raise BadScriptResponse(f"{name} given twice")
            cgi[lowered] = value
            if lowered == "status":
                continue
        if lowered in _DROPPED:
            continue
        if lowered == "content-length" and _LENGTH.fullmatch(value) is None:
            raise BadScriptResponse(f"invalid Content-Length {value[:40]!r}")
        fields.append((name, value))
    status, reason = 200, None
    if "status" in cgi:
        match = _STATUS.fullmatch(cgi["status"])
        if match is None or match["code"][0] == "1":
            raise BadScriptResponse(f"invalid Status {cgi['status'][:40]!r}")
        status, reason = int(match["code"]), match["reason"] or None
    location = cgi.get("location")
    if location is not None:
        if location.startswith("/") and not location.startswith("//") and len(parsed) == 1:
            # Section 6.2.2: a local path alone asks the server to serve that path instead.
            return ScriptResponse(200, None, local_location=location)
        if "status" not in cgi:
            # Section 6.2.3: a client redirect is sent as 302 Found.
            status, reason = 302, None
    elif not cgi:
        raise BadScriptResponse("no Status, Content-Type or Location field")
    return ScriptResponse(status, reason, fields)
