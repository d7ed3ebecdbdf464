"""Validators and preconditions (RFC 9110 sections 8.8 and 13) and content-coding negotiation.

It owns: the ETag a file gets, the evaluation order of If-Match, If-Unmodified-Since,
If-None-Match, If-Modified-Since and If-Range (section 13.2.2), and reading Accept-Encoding
(section 12.5.3). It knows nothing of files beyond their size and times, nor of sockets.
"""

from __future__ import annotations

import re

from webstd.http._dates import parse_http_date

__all__ = ["Validators", "accepted_codings", "evaluate_preconditions", "if_range_holds", "make_etag"]

# RFC 9110 section 8.8.3: entity-tag = [ weak ] opaque-tag; opaque-tag = DQUOTE *etagc DQUOTE
_ENTITY_TAG = re.compile(r'[ \t]*(W/)?("[\x21\x23-\x7e\x80-\xff]*")[ \t]*(?:,|$)')
# RFC 9110 section 12.4.2: weight = OWS ";" OWS "q=" qvalue
_CODING = re.compile(r"[ \t]*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*(?:;[ \t]*[qQ]=([01](?:\.\d{0,3})?))?[ \t]*")


class Validators:
    """The validators of one representation: its strong ``etag`` and ``last_modified`` (seconds)."""

    __slots__ = ("etag", "last_modified")

    def __init__(self, etag: str, last_modified: int) -> None:
        self.etag = etag
        self.last_modified = last_modified


def make_etag(size: int, mtime_ns: int, inode: int, coding: str = "") -> str:
    """A strong entity-tag that changes whenever the file does (size, mtime or inode).

    A content-coded representation is a different representation (section 8.8.3.3), so it
    gets a different tag.
    """
    suffix = f"-{coding}" if coding else ""
    return f'"{inode:x}-{mtime_ns:x}-{size:x}{suffix}"'


def _entity_tags(value: str) -> list[tuple[bool, str]] | None:
    """``[(weak, opaque-tag)]`` of an If-Match / If-None-Match list; None when malformed."""
    tags: list[tuple[bool, str]] = []
    position = 0
    while position < len(value):
        match = _ENTITY_TAG.match(value, position)
        if match is None or match.end() == position:
            if value[position:].strip(" \t,") == "":
                break
            return None
        tags.append((match[1] is not None, match[2]))
        position = match.end()
    return tags


def _strong_match(value: str, etag: str) -> bool:
    if value.strip(" \t") == "*":
        return True
    tags = _entity_tags(value)
    return bool(tags) and any(not weak and tag == etag for weak, tag in tags)


def _weak_match(value: str, etag: str) -> bool:
    if value.strip(" \t") == "*":
        return True
    tags = _entity_tags(value)
    return bool(tags) and any(tag == etag for _, tag in tags)


def evaluate_preconditions(method: str, get_header, validators: Validators) -> int | None:
    """The status the preconditions impose (304 or 412), or None to go on (section 13.2.2).

    ``get_header(name)`` returns a request field's value or None.
    """
    etag, last_modified = validators.etag, validators.last_modified
    if_match = get_header("if-match")
    if if_match is not None:
        if not _strong_match(if_match, etag):
            return 412
    else:
        since = get_header("if-unmodified-since")
        date = parse_http_date(since) if since is not None else None
        if date is not None and last_modified > date:
            return 412
    if_none_match = get_header("if-none-match")
    if if_none_match is not None:
        if _weak_match(if_none_match, etag):
            return 304 if method in ("GET", "HEAD") else 412
    elif method in ("GET", "HEAD"):
        since = get_header("if-modified-since")
        date = parse_http_date(since) if since is not None else None
        if date is not None and last_modified <= date:
            return 304
    return None


def if_range_holds(value: str, validators: Validators) -> bool:
    """Does If-Range let the Range field apply (section 13.1.5)? Strong comparison only."""
    value = value.strip(" \t")
    if value.startswith(('"', 'W/"')):
        return not value.startswith("W/") and value == validators.etag
    date = parse_http_date(value)
    return date is not None and date == validators.last_modified


def accepted_codings(value: str | None) -> dict[str, float]:
    """Accept-Encoding as ``{coding: qvalue}``, lower-cased; ``{}`` when the field is absent.

    Malformed elements are skipped. ``identity`` is acceptable unless excluded (section 12.5.3).
    """
    if value is None:
        return {}
    codings: dict[str, float] = {}
    for element in value.split(","):
        match = _CODING.fullmatch(element)
        if match is None or not element.strip(" \t"):
            continue
        codings[match[1].lower()] = float(match[2]) if match[2] is not None else 1.0
    return codings


def coding_allowed(codings: dict[str, float], coding: str) -> bool:
    """Is ``coding`` acceptable: listed with q > 0, or covered by ``*`` with q > 0?"""
    if coding in codings:
        return codings[coding] > 0
    return codings.get("*", 0) > 0
