"""Streaming multipart parsing (RFC 2046 section 5.1, RFC 7578) and header parameters.

This module owns two things and knows nothing of files, sockets, CGI or WSGI:

* :class:`MultipartParser`, a sans-IO parser: :meth:`~MultipartParser.feed` it bytes in chunks of
  any size and it returns events: :class:`PartStart` (the part's header fields),
  :class:`PartData` (a piece of the part's body), :class:`PartEnd`, and :class:`BodyEnd` once
  the close-delimiter has been seen. :meth:`~MultipartParser.finish` tells it the input ended.
  Memory stays bounded: at most one header block (``max_part_header_bytes``) and a delimiter's
  length of body bytes are ever held back.
* :func:`parse_options_header`, which splits ``form-data; name="a"; filename="b"`` (or any
  Content-Type / Content-Disposition value) into the value and a dict of parameters, with the
  same results as the Python 3.11 ``cgi.parse_header`` (no RFC 2231 continuations, as there).

Theory of operation: the parser moves PREAMBLE -> HEADERS -> BODY -> HEADERS ... -> DONE.
The delimiter rules follow RFC 2046 section 5.1.1 as the 3.11 stdlib applies them: a delimiter
is a line that starts with ``--boundary`` (optionally followed by ``--`` for the last one) and
then only transport padding (whitespace) up to LF or the end of input. The line break before it
(CRLF or a bare LF) belongs to the delimiter, not to the part's content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "BodyEnd",
    "BodyTooLargeError",
    "InvalidBoundaryError",
    "MalformedDelimiterError",
    "MalformedPartHeaderError",
    "MultipartError",
    "MultipartLimits",
    "MultipartParser",
    "PartData",
    "PartEnd",
    "PartHeadersTooLargeError",
    "PartStart",
    "TooManyPartsError",
    "TruncatedBodyError",
    "is_valid_boundary",
    "parse_options_header",
]

# --- Grammar -----------------------------------------------------------------------------------

# RFC 2046 section 5.1.1: boundary := 0*69<bchars> bcharsnospace
BOUNDARY = re.compile(rb"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]\Z")
# What may follow the boundary on a delimiter line before LF: RFC 2046 transport-padding (LWSP),
# widened to every byte ``bytes.rstrip()`` removes, as the 3.11 stdlib accepts them.
PADDING_BYTES = frozenset(b" \t\r\x0b\x0c")
# A header field name: printable US-ASCII except ":" (RFC 5322 section 3.6.8, ftext).
HEADER_NAME = re.compile(r"[\x21-\x39\x3b-\x7e]+\Z")
# RFC 5322 section 2.2.3: a line starting with whitespace continues the previous field.
FOLDING_WHITESPACE = (" ", "\t")
# Longest transport padding accepted after a boundary; a longer run is an attack, not padding.
MAX_PADDING = 1024


# --- Errors ------------------------------------------------------------------------------------


class MultipartError(ValueError):
    """A multipart body is malformed or exceeds a limit (a ValueError, like the stdlib's)."""


class InvalidBoundaryError(MultipartError):
    """The boundary parameter is missing or not 1 to 70 bchars (RFC 2046 section 5.1.1)."""


class TooManyPartsError(MultipartError):
    """More parts than ``MultipartLimits.max_parts``."""


class PartHeadersTooLargeError(MultipartError):
    """A part's header block is larger than the limits allow (bytes or field count)."""


class MalformedPartHeaderError(MultipartError):
    """A line in a part's header block is neither ``name: value`` nor a continuation line."""


class MalformedDelimiterError(MultipartError):
    """A delimiter line carries more transport padding than ``MAX_PADDING``."""


class BodyTooLargeError(MultipartError):
    """The body is larger than ``MultipartLimits.max_body_bytes``."""


class TruncatedBodyError(MultipartError):
    """The input ended before the close-delimiter ``--boundary--``."""


# --- Configuration and events ------------------------------------------------------------------


@dataclass(frozen=True)
class MultipartLimits:
    """Bounds the parser enforces; ``None`` means unbounded."""

    max_parts: int | None = 1000
    max_part_header_bytes: int = 16 * 1024
    max_part_header_count: int = 32
    max_body_bytes: int | None = None


@dataclass(frozen=True)
class PartStart:
    """A part begins; ``headers`` are its (name, value) fields in order, names as sent."""

    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PartData:
    """A piece of the current part's body."""

    data: bytes


@dataclass(frozen=True)
class PartEnd:
    """The current part's body is complete."""


@dataclass(frozen=True)
class BodyEnd:
    """The close-delimiter was seen; any further input is epilogue and ignored."""


Event = PartStart | PartData | PartEnd | BodyEnd


def is_valid_boundary(boundary: bytes) -> bool:
    """Whether ``boundary`` is 1 to 70 bchars, not ending in a space (RFC 2046 section 5.1.1)."""
    return BOUNDARY.match(boundary) is not None


# --- The parser --------------------------------------------------------------------------------

_PREAMBLE, _HEADERS, _BODY, _DONE = "preamble", "headers", "body", "done"


class MultipartParser:
    """Sans-IO multipart parser. Feed bytes, act on the returned events.

    ``header_encoding``/``header_errors`` decode header lines (RFC 7578 section 5.1: UTF-8
    names and filenames are sent raw). Every error is a :class:`MultipartError` subclass.
    """

    def __init__(
        self,
        boundary: bytes,
        limits: MultipartLimits = MultipartLimits(),  # noqa: B008 - frozen, safe to share
        header_encoding: str = "utf-8",
        header_errors: str = "replace",
    ) -> None:
        if not is_valid_boundary(boundary):
            raise InvalidBoundaryError(f"Invalid boundary in multipart form: {boundary!r}")
        self.limits = limits
        self._dash_boundary = b"--" + boundary
        self._line_delimiter = b"\n" + self._dash_boundary
        self._header_encoding = header_encoding
        self._header_errors = header_errors
        self._state = _PREAMBLE
        self._buffer = b""
        # In BODY, buffer[0] may be the LF that ended the previous line: it lets a delimiter
        # sit right at the start of the body, and it is not part of the content.
        self._body_marker = False
        self._skipping_line = False
        self._header_fields: list[list[str]] = []
        self._header_bytes = 0
        self._parts = 0
        self._received = 0
        self._complete = False

    @property
    def complete(self) -> bool:
        """Whether the close-delimiter has been seen."""
        return self._complete

    def feed(self, data: bytes) -> list[Event]:
        """Parse the next chunk of the body; return the events it completes."""
        if self._state == _DONE:
            return []
        self._received += len(data)
        limit = self.limits.max_body_bytes
        if limit is not None and self._received > limit:
            raise BodyTooLargeError(f"multipart body larger than {limit} bytes")
        self._buffer += data
        events: list[Event] = []
        self._run(events, eof=False)
        return events

    def finish(self, *, allow_truncated: bool = False) -> list[Event]:
        """The input ended: flush what is left. Raise TruncatedBodyError if the body was cut
        short, unless ``allow_truncated`` (then an open part is ended as it stands)."""
        events: list[Event] = []
        if self._state == _DONE:
            return events
        self._run(events, eof=True)
        if self._state == _HEADERS and (self._header_fields or self._buffer.strip()):
            if self._buffer.strip():
                self._header_line(self._buffer)
            self._start_part(events)
            events.append(PartEnd())
        elif self._state == _BODY:
            start = 1 if self._body_marker else 0
            if len(self._buffer) > start:
                events.append(PartData(self._buffer[start:]))
            events.append(PartEnd())
        self._buffer = b""
        self._state = _DONE
        if not self._complete and not allow_truncated:
            raise TruncatedBodyError("multipart body ended before its close-delimiter")
        return events

    def _run(self, events: list[Event], eof: bool) -> None:
        while True:
            if self._state == _PREAMBLE:
                progressed = self._preamble(events)
            elif self._state == _HEADERS:
                progressed = self._headers(events)
            elif self._state == _BODY:
                progressed = self._body(events, eof)
            else:
                self._buffer = b""
                return
            if not progressed:
                return

    def _preamble(self, events: list[Event]) -> bool:
        # Lines before the first delimiter are skipped (RFC 2046 section 5.1.1). Like the
        # stdlib, the dash-boundary may carry whitespace on either side.
        end = self._buffer.find(b"\n")
        if end < 0:
            if len(self._buffer) > len(self._dash_boundary) + 2 * MAX_PADDING:
                self._buffer = b""
                self._skipping_line = True
            return False
        line, self._buffer = self._buffer[: end + 1], self._buffer[end + 1 :]
        if self._skipping_line:
            self._skipping_line = False
            return True
        stripped = line.strip()
        if stripped == self._dash_boundary:
            self._state = _HEADERS
        elif stripped == self._dash_boundary + b"--":
            self._end_body(events)
        return True

    def _headers(self, events: list[Event]) -> bool:
        end = self._buffer.find(b"\n")
        if end < 0:
            if len(self._buffer) + self._header_bytes > self.limits.max_part_header_bytes:
                raise PartHeadersTooLargeError("part header block too large")
            return False
        line = self._buffer[: end + 1]
        if not line.strip():
            # A whitespace-only line ends the header block; keep its LF as the body marker.
            self._buffer = self._buffer[end:]
            self._body_marker = True
            self._start_part(events)
            self._state = _BODY
            return True
        self._buffer = self._buffer[end + 1 :]
        self._header_bytes += len(line)
        if self._header_bytes > self.limits.max_part_header_bytes:
            raise PartHeadersTooLargeError("part header block too large")
        self._header_line(line)
        return True

    def _header_line(self, raw: bytes) -> None:
        line = raw.decode(self._header_encoding, self._header_errors)
        if line.startswith(FOLDING_WHITESPACE):
            if not self._header_fields:
                raise MalformedPartHeaderError(f"continuation line before any field: {raw!r}")
            self._header_fields[-1][1] += line
            return
        name, colon, value = line.partition(":")
        if not colon or not HEADER_NAME.match(name):
            raise MalformedPartHeaderError(f"malformed part header line: {raw!r}")
        if len(self._header_fields) >= self.limits.max_part_header_count:
            raise PartHeadersTooLargeError("too many part header fields")
        self._header_fields.append([name, value.lstrip(" \t")])

    def _start_part(self, events: list[Event]) -> None:
        self._parts += 1
        limit = self.limits.max_parts
        if limit is not None and self._parts > limit:
            raise TooManyPartsError(f"more than {limit} parts")
        headers = tuple((name, value.rstrip("\r\n")) for name, value in self._header_fields)
        events.append(PartStart(headers))
        self._header_fields = []
        self._header_bytes = 0

    def _body(self, events: list[Event], eof: bool) -> bool:
        buffer = self._buffer
        start = 1 if self._body_marker else 0
        search_from = 0
        while True:
            at = buffer.find(self._line_delimiter, search_from)
            if at < 0:
                # Hold back what could be the start of "\r\n--boundary".
                keep = max(start, len(buffer) - len(self._line_delimiter) - 1)
                if eof:
                    keep = max(start, len(buffer))
                self._emit(events, buffer[start:keep])
                if keep > start:
                    self._buffer, self._body_marker = buffer[keep:], False
                return False
            cut = at - 1 if at > start and buffer[at - 1 : at] == b"\r" else at
            line_end, final = self._delimiter_end(buffer, at + len(self._line_delimiter), eof)
            if line_end is None:
                # Not enough input to decide yet: emit what precedes, keep the candidate.
                self._emit(events, buffer[start:cut])
                if cut > start:
                    self._buffer, self._body_marker = buffer[cut:], False
                return False
            if line_end < 0:
                search_from = at + 1
                continue
            self._emit(events, buffer[start:cut])
            events.append(PartEnd())
            self._buffer = buffer[line_end:]
            self._body_marker = False
            if final:
                self._end_body(events)
            else:
                self._state = _HEADERS
            return True

    def _end_body(self, events: list[Event]) -> None:
        self._state = _DONE
        self._complete = True
        events.append(BodyEnd())

    @staticmethod
    def _delimiter_end(buffer: bytes, after: int, eof: bool) -> tuple[int | None, bool]:
        """Where the delimiter line starting before ``after`` ends: (index past its LF, final),
        (-1, _) if it is content after all, (None, _) if more input is needed."""
        final = False
        if buffer[after : after + 2] == b"--":
            final, after = True, after + 2
        elif buffer[after : after + 1] == b"-" and len(buffer) == after + 1 and not eof:
            return None, False
        index = after
        while index < len(buffer):
            byte = buffer[index]
            if byte == 0x0A:
                return index + 1, final
            if byte not in PADDING_BYTES:
                return -1, final
            index += 1
            if index - after > MAX_PADDING:
                raise MalformedDelimiterError("too much transport padding after a boundary")
        return (index, final) if eof else (None, final)

    @staticmethod
    def _emit(events: list[Event], data: bytes) -> None:
        if data:
            events.append(PartData(data))


# --- Header parameters -------------------------------------------------------------------------


def _split_parameters(line: str) -> list[str]:
    """Split ``line`` (which starts with ';') at each ';' outside double quotes; every ';'
    opens a segment, empty ones included. A quote preceded by a backslash does not count
    (RFC 2045 section 5.1 quoted-pair), as the 3.11 stdlib counts it."""
    segments = []
    rest = line
    while rest.startswith(";"):
        rest = rest[1:]
        end = rest.find(";")
        while end > 0 and (rest.count('"', 0, end) - rest.count('\\"', 0, end)) % 2:
            end = rest.find(";", end + 1)
        if end < 0:
            end = len(rest)
        segments.append(rest[:end].strip())
        rest = rest[end:]
    return segments


def parse_options_header(line: str) -> tuple[str, dict[str, str]]:
    """Split a Content-Type or Content-Disposition value into (value, {parameter: value}).

    Parameter names are lower-cased; a value in double quotes is unquoted and its ``\\\\`` and
    ``\\"`` escapes undone; a parameter without "=" is ignored; the last of a repeated name wins.
    """
    segments = _split_parameters(";" + line)
    value, parameters = segments[0], {}
    for segment in segments[1:]:
        name, equals, parameter = segment.partition("=")
        if not equals:
            continue
        parameter = parameter.strip()
        if len(parameter) >= 2 and parameter[0] == parameter[-1] == '"':
            parameter = parameter[1:-1].replace("\\\\", "\\").replace('\\"', '"')
        parameters[name.strip().lower()] = parameter
    return value, parameters
