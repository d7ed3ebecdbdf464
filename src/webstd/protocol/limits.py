"""Size limits that bound what a peer can make webstd.protocol buffer or count."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Immutable limits; derive a variant with ``dataclasses.replace(DEFAULT_LIMITS, ...)``.

    The defaults follow common servers: nginx allows 8 KiB per request line and per field line,
    Apache 100 fields.
    """

    #: Longest request line or status line, in bytes, without its CRLF (414 when exceeded).
    max_request_line: int = 8192
    #: Longest single field line, in bytes, without its CRLF (431).
    max_field_size: int = 8192
    #: Largest header section, request line and CRLFs included (431).
    max_header_bytes: int = 65536
    #: Most field lines in a header or trailer section (431).
    max_header_count: int = 100
    #: Longest chunk-size line, extensions included (400).
    max_chunk_line: int = 4096
    #: Largest body, in bytes; None for no limit (413).
    max_body: int | None = None
    #: Most empty lines accepted before a request line (RFC 9112 section 2.2 asks for at least one).
    max_leading_empty_lines: int = 8


DEFAULT_LIMITS = Limits()
