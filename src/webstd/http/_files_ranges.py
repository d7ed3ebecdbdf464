"""Byte ranges (RFC 9110 section 14): parsing Range, and framing multipart/byteranges.

It owns the Range grammar and the decisions of section 14.2: which range sets are satisfiable,
which are ignored, how overlapping ranges are coalesced. It knows nothing of files or sockets:
callers get ``(first, last)`` pairs (inclusive, as on the wire) and lay out the bytes themselves.
"""

from __future__ import annotations

import os
import re

__all__ = ["MAX_RANGES", "Unsatisfiable", "byteranges_layout", "content_range", "parse_range"]

# RFC 9110 section 14.1.2: ranges-specifier = range-unit "=" range-set; range-set is a list of
# int-range ( first-pos "-" [ last-pos ] ) or suffix-range ( "-" suffix-length ).
_RANGES_SPECIFIER = re.compile(r"(?P<unit>[!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*=[ \t]*(?P<set>.*)")
_RANGE_SPEC = re.compile(r"(?P<first>\d{1,18})?-(?P<last>\d{1,18})?")

# Section 14.2 lets a server refuse a range set that looks like an attack; more parts than this
# are answered with the whole representation (200), as nginx does.
MAX_RANGES = 64


class Unsatisfiable(Exception):
    """No range of the set overlaps the representation: answer 416 (RFC 9110 section 15.5.17)."""


def parse_range(value: str, size: int) -> list[tuple[int, int]] | None:
    """The ranges of a Range field value for a representation of ``size`` bytes.

    Returns ``None`` when the field must be ignored (not the "bytes" unit, invalid syntax, too
    many ranges), a list of inclusive ``(first, last)`` pairs otherwise, and raises
    :class:`Unsatisfiable` when none of them is satisfiable.
    """
    match = _RANGES_SPECIFIER.fullmatch(value.strip(" \t"))
    if match is None or match["unit"].lower() != "bytes":
        return None
    ranges: list[tuple[int, int]] = []
    specs = [spec.strip(" \t") for spec in match["set"].split(",")]
    if len(specs) > MAX_RANGES:
        return None
    for spec in specs:
        if not spec:
            continue  # RFC 9110 section 5.6.1: empty list elements are ignored
        parts = _RANGE_SPEC.fullmatch(spec)
        if parts is None or (parts["first"] is None and parts["last"] is None):
            return None
        if parts["first"] is None:
            suffix = int(parts["last"])
            if suffix and size:
                ranges.append((max(0, size - suffix), size - 1))
            continue
        first = int(parts["first"])
        last = size - 1 if parts["last"] is None else int(parts["last"])
        if parts["last"] is not None and last < first:
            return None  # section 14.1.1: an invalid int-range makes the whole set invalid
        if first < size:
            ranges.append((first, min(last, size - 1)))
    if not specs or all(not spec for spec in specs):
        return None
    if not ranges:
        raise Unsatisfiable(f"bytes */{size}")
    return _coalesce(ranges)


def _coalesce(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merges ranges that overlap or touch (section 14.2 allows it); order kept otherwise."""
    if len(ranges) < 2:
        return ranges
    ordered = sorted(ranges)
    if all(ordered[i][1] + 1 < ordered[i + 1][0] for i in range(len(ordered) - 1)):
        return ranges
    merged = [ordered[0]]
    for first, last in ordered[1:]:
        if first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def content_range(first: int, last: int, size: int) -> str:
    """A Content-Range value (RFC 9110 section 14.4)."""
    return f"bytes {first}-{last}/{size}"


def byteranges_layout(
    ranges: list[tuple[int, int]], size: int, content_type: str
) -> tuple[str, list[bytes | tuple[int, int]]]:
    """The Content-Type and body pieces of a multipart/byteranges response (RFC 9110 14.6).

    Pieces are bytes (delimiters and part headers) or ``(offset, count)`` slices of the file.
    """
    boundary = os.urandom(12).hex()
    pieces: list[bytes | tuple[int, int]] = []
    for first, last in ranges:
        pieces.append(
            (
                f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\n"
                f"Content-Range: {content_range(first, last, size)}\r\n\r\n"
            ).encode("latin-1")
        )
        pieces.append((first, last - first + 1))
    pieces.append(f"\r\n--{boundary}--\r\n".encode("latin-1"))
    return f"multipart/byteranges; boundary={boundary}", pieces
