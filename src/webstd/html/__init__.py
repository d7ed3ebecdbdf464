"""HTML text helpers: escape and unescape; the event parser lives in webstd.html.parser.

unescape follows the WHATWG HTML tokenizer's rules for character references (section 13.2.5.72
onwards) the way the Python 3.11 stdlib applies them outside of attribute context: every HTML5
named reference, the legacy names that may omit their semicolon (matched as the longest prefix),
and numeric references with the spec's replacements for invalid code points.  The names come from
html.entities, which is a data table.
"""

from __future__ import annotations

import re
from html.entities import html5 as _NAMED_REFERENCES

__all__ = ["escape", "unescape"]

# "&" followed by a decimal reference, a hexadecimal reference or up to 32 characters that may
# form a name (a name never holds whitespace, "<", "&", "#" or ";"), each with an optional ";".
_REFERENCE = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")

# Legacy references such as "&amp" are recognised without their semicolon, also as a prefix of a
# longer run ("&notit;" is "¬it;"); the longest of those names bounds the prefix search.
_LONGEST_LEGACY_NAME = max(len(name) for name in _NAMED_REFERENCES if not name.endswith(";"))

# Numeric character reference end state: code points 0x80-0x9F are read as windows-1252 (the five
# bytes that codec leaves undefined stand for themselves); NULL and CR have fixed replacements.
_NUMERIC_REPLACEMENTS: dict[int, str] = {0x00: "\ufffd", 0x0D: "\r"}
for _byte in range(0x80, 0xA0):
    try:
        _NUMERIC_REPLACEMENTS[_byte] = bytes([_byte]).decode("cp1252")
    except UnicodeDecodeError:
        _NUMERIC_REPLACEMENTS[_byte] = chr(_byte)
del _byte

# Controls other than ASCII whitespace, and the Unicode noncharacters, are dropped.
_DROPPED_CODE_POINTS = frozenset(
    [*range(0x01, 0x09), 0x0B, *range(0x0E, 0x20), *range(0x7F, 0xA0), *range(0xFDD0, 0xFDF0)]
    + [plane | low for plane in range(0, 0x110000, 0x10000) for low in (0xFFFE, 0xFFFF)]
)

# More significant digits than this is always beyond U+10FFFF, whatever the base.
_MAX_SIGNIFICANT_DIGITS = 8


def escape(s: str, quote: bool = True) -> str:
    """Replace "&", "<" and ">" (and with quote, '"' and "'") by character references."""
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if quote:
        s = s.replace('"', "&quot;").replace("'", "&#x27;")
    return s


def _numeric_reference(digits: str, base: int) -> str:
    digits = digits.lstrip("0")
    if len(digits) > _MAX_SIGNIFICANT_DIGITS:
        return "\ufffd"
    code_point = int(digits, base) if digits else 0
    replacement = _NUMERIC_REPLACEMENTS.get(code_point)
    if replacement is not None:
        return replacement
    if code_point > 0x10FFFF or 0xD800 <= code_point <= 0xDFFF:
        return "\ufffd"
    if code_point in _DROPPED_CODE_POINTS:
        return ""
    return chr(code_point)


def _named_reference(name: str) -> str:
    text = _NAMED_REFERENCES.get(name)
    if text is not None:
        return text
    for length in range(min(len(name) - 1, _LONGEST_LEGACY_NAME), 1, -1):
        text = _NAMED_REFERENCES.get(name[:length])
        if text is not None:
            return text + name[length:]
    return "&" + name


def _decode_reference(reference: str) -> str:
    if reference[1] != "#":
        return _named_reference(reference[1:])
    if reference[2] in "xX":
        return _numeric_reference(reference[3:].rstrip(";"), 16)
    return _numeric_reference(reference[2:].rstrip(";"), 10)


class _DecodedReferences(dict[str, str]):
    """Reference text -> decoded text, filled on first use; pages repeat the same few."""

    def __missing__(self, reference: str) -> str:
        text = _decode_reference(reference)
        if len(self) < _CACHE_LIMIT:
            self[reference] = text
        return text


_CACHE_LIMIT = 4096
_DECODED = _DecodedReferences()


def _replace_reference(match: re.Match[str]) -> str:
    return _DECODED[match.group()]


def unescape(s: str) -> str:
    """Replace every named and numeric character reference in s by the text it stands for."""
    if "&" not in s:
        return s
    return _REFERENCE.sub(_replace_reference, s)
