"""Parsing of field lines (header and trailer sections), shared by heads and chunked trailers."""

from __future__ import annotations

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
_bad_character = grammar.BAD_HEAD_CHARACTER.search


def check_characters(text: str) -> None:
    """Rejects bare CR, bare LF and control characters other than HTAB (RFC 9112 section 2.2)."""
    bad = _bad_character(text)
    if bad is not None:
        character = bad.group()
        if character in "\r\n":
            raise BadLineEnding(f"bare {'CR' if character == chr(13) else 'LF'} in message head")
        raise BadLineEnding(f"control character {character!r} in message head")


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


def parse_field_lines(lines: list[str], limits: Limits) -> list[tuple[str, str, str]]:
    """Turns ``name: value`` lines into (name, lower-case name, value) triples.

    The lines have been split on CRLF and checked with :func:`check_characters` already.
    """
    if len(lines) > limits.max_header_count:
        raise TooManyHeaders(f"more than {limits.max_header_count} header fields")
    fields = []
    max_size = limits.max_field_size
    for line in lines:
        if len(line) > max_size:
            raise HeaderFieldTooLarge(f"a header field is longer than {max_size} bytes")
        name, colon, value = line.partition(":")
        if not colon or _token_match(name) is None:
            if line[:1] in (" ", "\t"):
                # RFC 9112 section 5.2: obs-fold is rejected, never unfolded.
                raise ObsoleteLineFolding("obsolete line folding (a field line starts with white space)")
            if not colon:
                raise InvalidHeader(f"header field without a colon: {line[:40]!r}")
            # RFC 9112 section 5.1: no white space between name and colon.
            raise InvalidHeader(f"invalid header field name {name[:40]!r}")
        fields.append((name, name.lower(), value.strip(" \t")))
    return fields
