"""Percent-encoding (RFC 3986 section 2.1): quote and unquote, in their str and bytes forms.

This module owns the byte <-> "%XX" mapping and nothing else; it knows no URL structure.  Every
quoting table is computed once per distinct ``safe`` argument and cached, so the hot path is a
C-level ``str.translate`` or ``rstrip`` and never a Python loop over characters.
"""

from __future__ import annotations

import re
from typing import Any

# RFC 3986 2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"; never quoted.
_UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"
_HEXDIGITS = "0123456789ABCDEFabcdef"

# "%" HEXDIG HEXDIG, as bytes (RFC 3986 2.1), mapped to the octet it stands for.
_ESCAPE_TO_BYTE = {
    (high + low).encode(): bytes([int(high + low, 16)]) for high in _HEXDIGITS for low in _HEXDIGITS
}
# A run of escapes in a str, decoded together so that multi-byte UTF-8 sequences survive.
_ESCAPE_RUN = re.compile("(?:%[0-9A-Fa-f]{2})+")
# The stdlib decodes each maximal run of ASCII characters on its own; non-ASCII text is kept as is.
_ASCII_RUN = re.compile("([\x00-\x7f]+)")

# safe argument -> (characters rstrip may drop, str.translate table for the other bytes)
_QUOTE_TABLES: dict[Any, tuple[bytes, str, dict[int, str]]] = {}


def _quote_table(safe: Any) -> tuple[bytes, str, dict[int, str]]:
    try:
        return _QUOTE_TABLES[safe]
    except (KeyError, TypeError):
        pass
    if isinstance(safe, str):
        safe_bytes = safe.encode("ascii", "ignore")
    else:
        safe_bytes = bytes([octet for octet in safe if octet < 128])
    keep = _UNRESERVED + safe_bytes
    table = {octet: f"%{octet:02X}" for octet in range(256) if octet not in keep}
    entry = (keep, keep.decode("ascii"), table)
    if len(_QUOTE_TABLES) < 512:
        try:
            _QUOTE_TABLES[safe] = entry
        except TypeError:
            pass
    return entry


def quote_from_bytes(bs: bytes | bytearray, safe: str | bytes = "/") -> str:
    """Percent-encode every byte of bs except unreserved characters and ASCII ones in safe."""
    if not isinstance(bs, (bytes, bytearray)):
        raise TypeError("quote_from_bytes() expected bytes")
    if not bs:
        return ""
    keep, _, table = _quote_table(safe)
    if not bs.rstrip(keep):
        return bs.decode()
    return bs.decode("latin-1").translate(table)


def quote(
    string: str | bytes | bytearray,
    safe: str | bytes = "/",
    encoding: str | None = None,
    errors: str | None = None,
) -> str:
    """Percent-encode string (encoded with encoding, UTF-8 by default) for a URL component."""
    if isinstance(string, str):
        if not string:
            return string
        if encoding is None and errors is None and string.isascii():
            # ASCII text is its own UTF-8 encoding: quote the str without a bytes round trip.
            _, keep_text, table = _quote_table(safe)
            if not string.rstrip(keep_text):
                return string
            return string.translate(table)
        string = string.encode(encoding or "utf-8", errors or "strict")
    else:
        if encoding is not None:
            raise TypeError("quote() doesn't support 'encoding' for bytes")
        if errors is not None:
            raise TypeError("quote() doesn't support 'errors' for bytes")
    return quote_from_bytes(string, safe)


def quote_plus(
    string: str | bytes | bytearray,
    safe: str | bytes = "",
    encoding: str | None = None,
    errors: str | None = None,
) -> str:
    """Like quote(), but encode spaces as "+" (HTML form encoding) and quote "/" by default."""
    if isinstance(string, str):
        has_space = " " in string
    elif isinstance(string, bytes):
        has_space = b" " in string
    else:
        has_space = True
    if not has_space:
        return quote(string, safe, encoding, errors)
    space = " " if isinstance(safe, str) else b" "
    return quote(string, safe + space, encoding, errors).replace(" ", "+")


def unquote_to_bytes(string: str | bytes | bytearray) -> bytes:
    """Replace every valid %XX escape by its octet; a str is encoded as UTF-8 first."""
    if not string:
        string.split  # noqa: B018 - the stdlib raises AttributeError for non-strings here.
        return b""
    if isinstance(string, str):
        string = string.encode("utf-8")
    pieces = string.split(b"%")
    if len(pieces) == 1:
        return string
    if isinstance(string, bytearray):
        # The stdlib looks bytearray slices up in a dict and so fails this way.
        raise TypeError("unhashable type: 'bytearray'")
    out = [pieces[0]]
    append = out.append
    lookup = _ESCAPE_TO_BYTE.get
    for piece in pieces[1:]:
        octet = lookup(piece[:2])
        if octet is None:
            # RFC 3986 2.4: a "%" not followed by two hex digits is kept as data.
            append(b"%")
            append(piece)
        else:
            append(octet)
            append(piece[2:])
    return b"".join(out)


def _decode_escape_run(match: re.Match[str]) -> str:
    return bytes.fromhex(match.group().replace("%", "")).decode("utf-8", "replace")


def unquote(
    string: str | bytes, encoding: str | None = "utf-8", errors: str | None = "replace"
) -> str:
    """Replace %XX escapes by the characters they encode (in encoding, UTF-8 by default)."""
    if isinstance(string, bytes):
        return unquote_to_bytes(string).decode(encoding, errors)
    if "%" not in string:
        string.split  # noqa: B018 - the stdlib raises AttributeError for non-strings here.
        return string
    if encoding is None:
        encoding = "utf-8"
    if errors is None:
        errors = "replace"
    if errors == "replace" and encoding in ("utf-8", "UTF-8", "utf8", "UTF8"):
        # UTF-8 never lets a sequence span an ASCII or a whole non-ASCII character, so decoding
        # each run of escapes alone gives the same text as decoding each ASCII run.
        return _ESCAPE_RUN.sub(_decode_escape_run, string)
    pieces = _ASCII_RUN.split(string)
    out = [pieces[0]]
    for index in range(1, len(pieces), 2):
        out.append(unquote_to_bytes(pieces[index]).decode(encoding, errors))
        out.append(pieces[index + 1])
    return "".join(out)


def unquote_plus(
    string: str | bytes, encoding: str | None = "utf-8", errors: str | None = "replace"
) -> str:
    """Like unquote(), but first turn "+" into a space (HTML form encoding)."""
    return unquote(string.replace("+", " "), encoding, errors)
