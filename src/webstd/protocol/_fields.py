"""Parsing of field lines (header and trailer sections), shared by heads and chunked trailers."""

from __future__ import annotations

from itertools import repeat

from webstd.protocol import _grammar as grammar
from webstd.protocol.errors import (
    BadLineEnding,
    HeaderFieldTooLarge,
    InvalidHeader,
    ObsoleteLineFolding,
    TooManyHeaders,
)
from webstd.protocol.limits import Limits

_token_match = grammar.TOKEN.fullmatch
_bad_line_end = grammar.BARE_CR_OR_LF.search
_control_character = grammar.CONTROL_CHARACTER.search
_field_section = grammar.FIELD_SECTION.fullmatch


def check_characters(text: str) -> None:
    """Rejects bare CR, bare LF and control characters other than HTAB (RFC 9112 section 2.2)."""
    pairs = text.count("\r\n")
    if text.count("\r") != pairs or text.count("\n") != pairs:
        bad = _bad_line_end(text)
        raise BadLineEnding(f"bare {'CR' if bad.group() == chr(13) else 'LF'} in message head")
    bad = _control_character(text)
    if bad is not None:
        raise BadLineEnding(f"control character {bad.group()!r} in message head")


def check_partial(buffer: bytearray, start: int) -> None:
    """Checks the not yet complete end of a head from ``start`` on, so that a peer using bare LF
    line ends gets an error at once instead of a wait for a CRLF CRLF that never comes."""
    end = len(buffer)
    if end and buffer[end - 1] == 13:
        end -= 1  # a CR at the very end may be the first half of a CRLF
    # Step back so that a CRLF straddling ``start`` is seen whole, never as a bare LF.
    start = max(0, start - 1)
    if start and buffer[start] == 10:
        start -= 1
    if end > start:
        check_characters(buffer[start:end].decode("latin-1"))


def parse_fields(section: str, limits: Limits) -> list[tuple[str, str, str]]:
    """Turns a field section (``name: value`` lines joined by CRLF, without the final empty line)
    into (name, lower-case name, value) triples. A bare CR or LF, or another control character,
    is found by the same validation, and reported by :func:`_diagnose`."""
    if section.count("\r\n") >= limits.max_header_count:
        raise TooManyHeaders(f"more than {limits.max_header_count} header fields")
    if len(section) > limits.max_field_size:
        for line in section.split("\r\n"):
            if len(line) > limits.max_field_size:
                raise HeaderFieldTooLarge(f"a header field is longer than {limits.max_field_size} bytes")
    if _field_section(section + "\r\n") is None:
        _diagnose(section.split("\r\n"))
    # One C-level pass has validated every line; str methods extract faster than a second regex.
    return [
        (name, name.lower(), value.strip(" \t"))
        for name, _, value in map(str.partition, section.split("\r\n"), repeat(":"))
    ]


def _diagnose(lines: list[str]) -> None:
    """Raises the precise error for a field section that failed validation."""
    check_characters("\r\n".join(lines))
    for line in lines:
        name, colon, _ = line.partition(":")
        if colon and _token_match(name) is not None:
            continue
        if line[:1] in (" ", "\t"):
            # RFC 9112 section 5.2: obs-fold is rejected, never unfolded.
            raise ObsoleteLineFolding("obsolete line folding (a field line starts with white space)")
        if not colon:
            raise InvalidHeader(f"header field without a colon: {line[:40]!r}")
        # RFC 9112 section 5.1: no white space between name and colon.
        raise InvalidHeader(f"invalid header field name {name[:40]!r}")
    raise InvalidHeader("invalid header section")
