"""Which character encoding a fetched HTML page is in, and decoding it.

The order is the HTML Living Standard's "determine the character encoding" (section 13.2.3.2):
a byte order mark first, then the charset parameter of the Content-Type header, then a ``<meta>``
declaration found by the prescan of the first 1024 bytes (section 13.2.3.2, "prescan a byte
stream"), and UTF-8 when none of them names an encoding Python knows. Decoding never fails:
undecodable bytes become U+FFFD, as in a browser.
"""

from __future__ import annotations

import codecs
import re

PRESCAN_BYTES = 1024

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_BE, "utf-16-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"))

# WHATWG Encoding Standard labels whose Python codec of the same name decodes differently:
# browsers treat Latin-1 and ASCII labels as windows-1252, and EUC-KR as its superset cp949.
_LABEL_ALIASES = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "l1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252", "iso_8859-1": "cp1252",
    "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "korean": "cp949", "csksc56011987": "cp949",
    "windows-949": "cp949", "x-windows-949": "cp949",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030",
    "shift_jis": "cp932", "sjis": "cp932", "windows-31j": "cp932", "x-sjis": "cp932",
    "tis-620": "cp874", "iso-8859-11": "cp874",
}

# Section 13.2.3.2: a meta declaration of UTF-16 means UTF-8 (the bytes were readable as ASCII).
_META_UTF16 = {"utf-16", "utf-16le", "utf-16be", "utf-16-le", "utf-16-be"}

_CHARSET_PARAMETER = re.compile(rb"""charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s;"']+))""",
                                re.IGNORECASE)
_META_OR_SKIPPED = re.compile(rb"<!--.*?-->|<meta(?=[\s/])|<[!/?][^>]*>", re.IGNORECASE | re.DOTALL)
_ATTRIBUTE = re.compile(rb"""[\s/]*([^\s/>=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*)))?""")


def python_codec(label: str | bytes | None) -> str | None:
    """The Python codec for an encoding label, or None when the label is unknown or unsafe."""
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "replace")
    label = label.strip().strip("\"'").lower()
    label = _LABEL_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # Only text encodings: a label like "rot13" or "zlib" names a bytes/str transform.
    if not codecs.lookup(name)._is_text_encoding:  # type: ignore[attr-defined]
        return None
    return name


def charset_of_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _CHARSET_PARAMETER.search(content_type.encode("latin-1", "replace"))
    return python_codec(match and next(g for g in match.groups() if g is not None))


def prescan(head: bytes) -> str | None:
    """The encoding a ``<meta charset>`` or ``<meta http-equiv=content-type>`` in ``head`` names."""
    head = head[:PRESCAN_BYTES]
    for found in _META_OR_SKIPPED.finditer(head):
        if not found.group().lower().startswith(b"<meta"):
            continue
        attributes: dict[bytes, bytes] = {}
        position = found.end()
        while True:
            attribute = _ATTRIBUTE.match(head, position)
            if attribute is None or not attribute.group(1) or attribute.end() == position:
                break
            position = attribute.end()
            name = attribute.group(1).lower()
            value = next((v for v in attribute.groups()[1:] if v is not None), b"")
            attributes.setdefault(name, value)
            if head[position:position + 1] == b">":
                break
        label: bytes | None = None
        if b"charset" in attributes:
            label = attributes[b"charset"]
        elif (attributes.get(b"http-equiv", b"").lower() == b"content-type"
              and b"content" in attributes):
            match = _CHARSET_PARAMETER.search(attributes[b"content"])
            if match:
                label = next(g for g in match.groups() if g is not None)
        if label is None:
            continue
        if label.strip().lower().decode("ascii", "replace") in _META_UTF16:
            return "utf-8"
        codec = python_codec(label)
        if codec is not None:
            return codec
    return None


def sniff(body: bytes, content_type: str | None) -> tuple[str, int]:
    """(codec, number of leading BOM bytes to skip) for a page."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return codec, len(bom)
    return charset_of_content_type(content_type) or prescan(body) or "utf-8", 0


def decode_page(body: bytes, content_type: str | None) -> tuple[str, str]:
    """(text, codec) of a page body."""
    codec, skip = sniff(body, content_type)
    return body[skip:].decode(codec, "replace"), codec
