"""Reading and writing the attribute lists of Set-Cookie, Set-Cookie2 and LWP "Set-Cookie3".

``split_header_words`` reads the RFC 2965 / RFC 2616 section 4.2 layout (comma-separated
elements of semicolon-separated ``name[=value]`` pairs, values as tokens or quoted strings);
``join_header_words`` writes it; ``parse_ns_headers`` reads Netscape Set-Cookie headers,
where commas are not separators (they occur in Expires dates). Nothing here knows about policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from webstd.http._cookie_dates import http2time

# RFC 2616 section 2.2 style tokens, quoted strings and bare values, read from the front. None of
# these is the RFC 9110 rule of the same name in webstd.protocol._grammar, and must not become it:
# cookie jars read what servers really send, and the stdlib's split_header_words (our oracle)
# reads a "token" as any run of characters but "=", ";", "," and white space (separators such as
# "/", ":", "@" and non-ASCII included), a quoted string as any characters but an unescaped '"'
# (controls included), and a bare value likewise. Taking TOKEN or QUOTED_STRING from the
# protocol grammar would drop or split cookies the stdlib keeps.
HEADER_TOKEN_RE = re.compile(r"^\s*([^=\s;,]+)")
HEADER_QUOTED_VALUE_RE = re.compile(r"^\s*=\s*\"([^\"\\]*(?:\\.[^\"\\]*)*)\"")
HEADER_VALUE_RE = re.compile(r"^\s*=\s*([^\s;,]*)")
HEADER_ESCAPE_RE = re.compile(r"\\(.)")
# Characters that must be backslash-escaped inside a quoted-string on output.
HEADER_JOIN_ESCAPE_RE = re.compile(r"([\"\\])")
# A value written bare on output; anything else is quoted. Word characters (non-ASCII letters too),
# as the stdlib writes them, not tchar: "a.b" is quoted here although it is a token.
_BARE_VALUE_RE = re.compile(r"^\w+$")
# What split_header_words skips when no token starts the remaining text.
_JUNK_RE = re.compile(r"^[=\s;]*")

# The Netscape attributes whose names are case-insensitive.
_NETSCAPE_ATTRIBUTES = ("expires", "domain", "path", "secure", "version", "port", "max-age")


def unmatched(match: re.Match[str]) -> str:
    """The subject string of ``match`` with the matched span cut out."""
    start, end = match.span(0)
    return match.string[:start] + match.string[end:]


def split_header_words(header_values: Iterable[str]) -> list[list[tuple[str, str | None]]]:
    """Split header values into lists of (name, value) pairs, one list per element.

    A name without "=" gets the value None; quoted values are unescaped; a comma outside
    quotes ends an element (RFC 2616 section 4.2 lets headers be joined with commas).
    """
    if isinstance(header_values, str):
        raise TypeError("split_header_words() takes a list of header values, not a str")
    result = []
    for text in header_values:
        pairs: list[tuple[str, str | None]] = []
        while text:
            match = HEADER_TOKEN_RE.search(text)
            if match:
                text = unmatched(match)
                name = match.group(1)
                value: str | None
                match = HEADER_QUOTED_VALUE_RE.search(text)
                if match:
                    text = unmatched(match)
                    value = HEADER_ESCAPE_RE.sub(r"\1", match.group(1))
                else:
                    match = HEADER_VALUE_RE.search(text)
                    if match:
                        text = unmatched(match)
                        value = match.group(1).rstrip()
                    else:
                        value = None
                pairs.append((name, value))
            elif text.lstrip().startswith(","):
                text = text.lstrip()[1:]
                if pairs:
                    result.append(pairs)
                pairs = []
            else:
                # What is left starts with "=", ";" or whitespace: skip it.
                text = _JUNK_RE.sub("", text, count=1)
        if pairs:
            result.append(pairs)
    return result


def join_header_words(lists: Iterable[Iterable[tuple[str, str | None]]]) -> str:
    """The inverse of split_header_words: values that are not plain words are quoted."""
    elements = []
    for pairs in lists:
        parts = []
        for name, value in pairs:
            if value is not None:
                if not _BARE_VALUE_RE.search(value):
                    value = '"' + HEADER_JOIN_ESCAPE_RE.sub(r"\\\1", value) + '"'
                name = f"{name}={value}"
            parts.append(name)
        if parts:
            elements.append("; ".join(parts))
    return ", ".join(elements)


def strip_quotes(text: str) -> str:
    """Drop one leading and one trailing double quote, each if present."""
    if text.startswith('"'):
        text = text[1:]
    if text.endswith('"'):
        text = text[:-1]
    return text


def parse_ns_headers(ns_headers: Iterable[str]) -> list[list[tuple[str, str | None]]]:
    """Read Netscape-style Set-Cookie header values into lists of (name, value) pairs.

    The first pair is the cookie; known attribute names are lower-cased, Expires becomes POSIX
    seconds (None if unreadable) and a ("version", "0") pair is added unless Version is given.
    Empty names are skipped, and a header whose cookie has an empty name is ignored.
    """
    result = []
    for header in ns_headers:
        pairs: list[tuple[str, str | None]] = []
        version_set = False
        for index, param in enumerate(header.split(";")):
            key, sep, raw_value = param.strip().partition("=")
            key = key.strip()
            if not key:
                if index == 0:
                    break
                continue
            # Keep "name" (None) apart from "name=" ("").
            value: str | None = raw_value.strip() if sep else None
            if index != 0:
                if key.lower() in _NETSCAPE_ATTRIBUTES:
                    key = key.lower()
                if key == "version":
                    # RFC 2109 cookie
                    if value is not None:
                        value = strip_quotes(value)
                    version_set = True
                elif key == "expires" and value is not None:
                    value = http2time(strip_quotes(value))
            pairs.append((key, value))
        if pairs:
            if not version_set:
                pairs.append(("version", "0"))
            result.append(pairs)
    return result
