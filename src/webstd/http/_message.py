"""HTTPMessage, the header object of http.client and http.server, and ``parse_headers``.

In the stdlib HTTPMessage is an ``email.message.Message``; webstd must not lean on the email package,
so this module gives the part of that API that HTTP code uses: a list of ``(name, value)`` fields,
looked up without regard to case, and the Content-Type / Content-Disposition parameter helpers of
RFC 2045, RFC 2231 and RFC 6266. It owns no HTTP framing: received heads are parsed by
webstd.protocol and wrapped with :meth:`HTTPMessage.from_headers`. ``parse_headers`` exists for the
stdlib-compatible API that reads a head from a file, with the stdlib's limits and leniency.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from webstd.http._client_errors import _MAX_HEADERS, _MAX_LINE, HTTPException, LineTooLong
from webstd.protocol.headers import Headers

__all__ = ["HTTPMessage", "parse_headers"]

# A line that starts a header field, as the stdlib's lenient header reader sees one: printable
# ASCII other than the colon, then a colon. A line starting with SP or HTAB continues the previous
# field (obs-fold, RFC 5322 section 2.2.3); any other line ends the header section.
_FIELD_START = re.compile(r"[\x21-\x39\x3b-\x7e]*:")
_LINE_ENDS = re.compile(r"(?<=\n)|(?<=\r)(?!\n)")
# RFC 2045 section 5.1: characters that force a parameter value into a quoted-string.
# RFC 2231 section 7: characters kept as they are in an extended parameter value.
_ATTRIBUTE_CHARS = re.compile(r"[A-Za-z0-9_.\-~]")
_PERCENT_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# RFC 2231 sections 3 and 4: ``name*`` (extended), ``name*0``, ``name*1*`` ... (continuations).
_EXTENDED_NAME = re.compile(r"([A-Za-z0-9_]+)\*(?:([0-9]+)(\*)?)?")
_MISSING: Any = object()


def _quote(value: str) -> str:
    """Escapes a quoted-string's content (RFC 5322 section 3.2.4: quoted-pair)."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _unquote(value: str) -> str:
    if len(value) > 1:
        if value[0] == value[-1] == '"':
            return value[1:-1].replace("\\\\", "\\").replace('\\"', '"')
        if value[0] == "<" and value[-1] == ">":
            return value[1:-1]
    return value


def _percent_encode(value: str, charset: str) -> str:
    """RFC 2231 section 4: every byte outside attribute-char becomes %XX."""
    return "".join(
        chr(byte) if _ATTRIBUTE_CHARS.fullmatch(chr(byte)) else f"%{byte:02X}"
        for byte in value.encode(charset)
    )


def _format_param(name: str, value: Any) -> str:
    if isinstance(value, tuple):
        charset, language, text = value
        return f"{name}*={charset}'{language or ''}'{_percent_encode(text, charset or 'ascii')}"
    if not value:
        return name
    if not value.isascii():
        return f"{name}*=utf-8''{_percent_encode(value, 'utf-8')}"
    return f'{name}="{_quote(value)}"'


def _split_params(text: str) -> list[str]:
    """Splits ``type; a=b; c="x;y"`` on the semicolons outside quoted-strings."""
    parts = []
    rest = text
    while True:
        end = rest.find(";")
        # A semicolon inside an open quoted-string does not end the parameter.
        while end > 0 and (rest.count('"', 0, end) - rest.count('\\"', 0, end)) % 2:
            end = rest.find(";", end + 1)
        if end < 0:
            end = len(rest)
        part = rest[:end]
        name, equals, value = part.partition("=")
        if equals:
            part = name.strip().lower() + "=" + value.strip()
        parts.append(part.strip())
        if end >= len(rest):
            return parts
        rest = rest[end + 1 :]


def _decode_params(pairs: list[tuple[str, str]]) -> list[tuple[str, Any]]:
    """Joins RFC 2231 continuations and decodes extended values. Plain parameters come first, then
    the RFC 2231 ones in order of first appearance (as in the stdlib); every value is left quoted,
    as ``unquote=False`` shows them, and extended values become (charset, language, text)."""
    result: list[tuple[str, Any]] = [pairs[0]]
    extended: dict[str, list[tuple[int, str, bool]]] = {}
    for name, value in pairs[1:]:
        match = _EXTENDED_NAME.fullmatch(name)
        if match is None:
            result.append((name, f'"{_quote(_unquote(value))}"'))
            continue
        base, number, starred = match.group(1), match.group(2), match.group(3)
        starred = bool(starred) or number is None
        extended.setdefault(base, []).append((int(number or 0), value, starred))
    for name, pieces in extended.items():
        pieces.sort()
        text = ""
        for _, piece, starred in pieces:
            piece = _unquote(piece)
            if starred:
                piece = _PERCENT_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), piece)
            text += piece
        if not any(starred for _, _, starred in pieces):
            result.append((name, f'"{_quote(text)}"'))
        elif text.count("'") >= 2:
            charset, language, text = text.split("'", 2)
            result.append((name, (charset, language, f'"{_quote(text)}"')))
        else:
            result.append((name, (None, None, f'"{_quote(text)}"')))
    return result


def _unquote_param(value: Any) -> Any:
    if isinstance(value, tuple):
        return value[0], value[1], _unquote(value[2])
    return _unquote(value)


def _collapse(value: Any) -> str:
    """An RFC 2231 (charset, language, text) value decoded to str; a plain value unquoted."""
    if not isinstance(value, tuple):
        return _unquote(value)
    text = _unquote(value[2])
    try:
        return text.encode("raw-unicode-escape").decode(value[0] or "us-ascii", "replace")
    except LookupError:
        return _unquote(text)


class HTTPMessage:
    """The header fields of a message: ordered, repeatable, looked up without regard to case."""

    def __init__(self) -> None:
        self._fields: list[tuple[str, str]] = []
        self._default_type = "text/plain"
        self.defects: list[object] = []
        self.preamble = self.epilogue = None
        self._unixfrom: str | None = None
        self._payload: Any = None

    @classmethod
    def from_headers(cls, headers: Headers) -> HTTPMessage:
        """Wraps fields parsed by webstd.protocol (names keep their case, values their bytes)."""
        message = cls()
        message._fields = headers.items()
        return message

    # The mapping interface -----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._fields)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = name.lower()
        return any(field.lower() == key for field, _ in self._fields)

    def __iter__(self) -> Iterator[str]:
        for name, _ in self._fields:
            yield name

    def __getitem__(self, name: str) -> str | None:
        return self.get(name)

    def __setitem__(self, name: str, value: str) -> None:
        """Adds a field: it does not replace one of the same name (as in the stdlib)."""
        self._fields.append((name, value))

    def __delitem__(self, name: str) -> None:
        """Removes every field called ``name``; no error when there is none."""
        key = name.lower()
        self._fields = [field for field in self._fields if field[0].lower() != key]

    def keys(self) -> list[str]:
        return [name for name, _ in self._fields]

    def values(self) -> list[str]:
        return [value for _, value in self._fields]

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)

    def get(self, name: str, failobj: Any = None) -> Any:
        key = name.lower()
        for field, value in self._fields:
            if field.lower() == key:
                return value
        return failobj

    def get_all(self, name: str, failobj: Any = None) -> Any:
        key = name.lower()
        values = [value for field, value in self._fields if field.lower() == key]
        return values or failobj

    def getallmatchingheaders(self, name: str) -> list[str]:
        """The ``Name: value`` lines of every field called ``name``, CRLF included."""
        key = name.lower()
        return [f"{field}: {value}\r\n" for field, value in self._fields if field.lower() == key]

    def add_header(self, _name: str, _value: str | None, **_params: Any) -> None:
        """Adds a field with parameters: ``add_header("Content-Disposition", "attachment",
        filename="a.txt")``; an underscore in a parameter name becomes a hyphen, a None value gives
        a parameter without value, a non-ASCII value is RFC 2231-encoded as UTF-8."""
        parts = [
            name.replace("_", "-") if value is None else _format_param(name.replace("_", "-"), value)
            for name, value in _params.items()
        ]
        if _value is not None:
            parts.insert(0, _value)
        self._fields.append((_name, "; ".join(parts)))

    def replace_header(self, _name: str, _value: str) -> None:
        """Replaces the first field called ``_name``, in place; KeyError when there is none."""
        key = _name.lower()
        for index, (field, _) in enumerate(self._fields):
            if field.lower() == key:
                self._fields[index] = (field, _value)
                return
        raise KeyError(_name)

    # Content-Type and parameters (RFC 2045 section 5, RFC 2231) ----------------------------------
    def get_content_type(self) -> str:
        value = self.get("content-type")
        if value is None:
            return self.get_default_type()
        media_type = value.partition(";")[0].strip().lower()
        # RFC 2045 section 5.2: an invalid Content-Type counts as text/plain.
        return media_type if media_type.count("/") == 1 else "text/plain"

    def get_content_maintype(self) -> str:
        return self.get_content_type().split("/")[0]

    def get_content_subtype(self) -> str:
        return self.get_content_type().split("/")[1]

    def get_default_type(self) -> str:
        return self._default_type

    def set_default_type(self, ctype: str) -> None:
        self._default_type = ctype

    def _params(self, header: str) -> list[tuple[str, Any]] | None:
        value = self.get(header)
        if value is None:
            return None
        pairs = []
        for part in _split_params(value):
            name, equals, raw = part.partition("=")
            pairs.append((name.strip(), raw.strip()) if equals else (part.strip(), ""))
        return _decode_params(pairs)

    def get_params(
        self, failobj: Any = None, header: str = "content-type", unquote: bool = True
    ) -> Any:
        """``[(media type, ""), (name, value), ...]`` for ``header``, or ``failobj``."""
        params = self._params(header)
        if params is None:
            return failobj
        if unquote:
            return [(name, _unquote_param(value)) for name, value in params]
        return params

    def get_param(
        self, param: str, failobj: Any = None, header: str = "content-type", unquote: bool = True
    ) -> Any:
        key = param.lower()
        for name, value in self._params(header) or ():
            if name.lower() == key:
                return _unquote_param(value) if unquote else value
        return failobj

    def _rewrite(self, header: str, parts: list[str]) -> None:
        value = "; ".join(parts)
        if header in self:
            self.replace_header(header, value)
        else:
            self[header] = value

    def _plain_params(self, header: str) -> list[tuple[str, Any]]:
        return [(n, _collapse(v)) for n, v in self.get_params([], header)]

    def set_param(
        self, param: str, value: str, header: str = "Content-Type", requote: bool = True,
        charset: Any = None, language: str = "", replace: bool = False,
    ) -> None:
        """Sets one parameter of ``header`` (Content-Type by default), adding the field if needed."""
        params = self._plain_params(header) or [("text/plain", "")]
        parts, done = [params[0][0]], False
        for name, old in params[1:]:
            if name.lower() == param.lower():
                parts.append(_format_param(param, value))
                done = True
            else:
                parts.append(_format_param(name, old))
        if not done:
            parts.append(_format_param(param, value))
        self._rewrite(header, parts)

    def del_param(self, param: str, header: str = "content-type", requote: bool = True) -> None:
        if header not in self:
            return
        params = self._plain_params(header)
        parts = [params[0][0]] + [
            _format_param(n, v) for n, v in params[1:] if n.lower() != param.lower()
        ]
        self._rewrite(header, parts)

    def set_type(self, type: str, header: str = "Content-Type", requote: bool = True) -> None:  # noqa: A002
        if type.count("/") != 1:
            raise ValueError("Content-Type must be of the form maintype/subtype")
        params = self._plain_params(header)
        self._rewrite(header, [type] + [_format_param(n, v) for n, v in params[1:]])

    def set_boundary(self, boundary: str) -> None:
        if "content-type" not in self:
            raise ValueError("No Content-Type header found")
        self.set_param("boundary", boundary)

    def get_filename(self, failobj: Any = None) -> Any:
        """The ``filename`` of Content-Disposition, else the ``name`` of Content-Type."""
        filename = self.get_param("filename", _MISSING, "content-disposition")
        if filename is _MISSING:
            filename = self.get_param("name", _MISSING, "content-type")
        if filename is _MISSING:
            return failobj
        return _collapse(filename).strip()

    def get_boundary(self, failobj: Any = None) -> Any:
        boundary = self.get_param("boundary", _MISSING)
        if boundary is _MISSING:
            return failobj
        return _collapse(boundary).rstrip()

    def get_content_charset(self, failobj: Any = None) -> Any:
        charset = self.get_param("charset", _MISSING)
        if charset is _MISSING:
            return failobj
        if isinstance(charset, tuple):
            try:
                charset = charset[2].encode("raw-unicode-escape").decode(charset[0] or "us-ascii")
            except (LookupError, UnicodeError):
                charset = charset[2]
        if not charset.isascii():
            return failobj
        return charset.lower()

    def get_charsets(self, failobj: Any = None) -> list[Any]:
        """The charset of each part: one part here, the message itself."""
        return [part.get_content_charset(failobj) for part in self.walk()]

    def get_content_disposition(self) -> str | None:
        """The Content-Disposition value without parameters, lowercased; None when absent."""
        value = self.get("content-disposition")
        if value is None:
            return None
        return str(value).split(";", 1)[0].strip().lower()

    def walk(self) -> Iterator[HTTPMessage]:
        """The message and its parts, depth first: a header block has no parts."""
        yield self

    def raw_items(self) -> Iterator[tuple[str, str]]:
        return iter(list(self._fields))

    def get_unixfrom(self) -> str | None:
        return self._unixfrom

    def set_unixfrom(self, unixfrom: str | None) -> None:
        self._unixfrom = unixfrom

    def is_multipart(self) -> bool:
        return False

    def get_payload(self, i: int | None = None, decode: bool = False) -> Any:
        if i is not None:
            raise TypeError(f"Expected list, got {type(self._payload)}")
        return self._payload

    def set_payload(self, payload: Any, charset: Any = None) -> None:
        self._payload = payload

    # Serializing -------------------------------------------------------------------------------
    def as_string(self, unixfrom: bool = False, maxheaderlen: int = 0, policy: Any = None) -> str:
        """The fields as ``Name: value`` lines ended by LF, then an empty line."""
        return "".join(f"{name}: {value}\n" for name, value in self._fields) + "\n"

    def as_bytes(self, unixfrom: bool = False, policy: Any = None) -> bytes:
        return self.as_string().encode("latin-1", "replace")

    def __str__(self) -> str:
        return self.as_string()

    def __bytes__(self) -> bytes:
        return self.as_bytes()


def _read_head_lines(fp: BinaryIO) -> list[bytes]:
    """The lines of a header section up to the empty line, within the stdlib's limits."""
    lines = []
    while True:
        line = fp.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise LineTooLong("header line")
        lines.append(line)
        if len(lines) > _MAX_HEADERS:
            raise HTTPException(f"got more than {_MAX_HEADERS} headers")
        if line in (b"\r\n", b"\n", b""):
            return lines


def parse_headers(fp: BinaryIO, _class: type[HTTPMessage] = HTTPMessage) -> HTTPMessage:
    """Reads a header section from the binary file ``fp`` (up to and including the empty line).

    As lenient as the stdlib: CRLF, LF or CR line ends, obs-fold kept in the value, a line that is
    no field ends the section. The webstd servers and client parse with webstd.protocol instead.
    """
    text = b"".join(_read_head_lines(fp)).decode("iso-8859-1")
    message = _class()
    fields: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line in _LINE_ENDS.split(text):
        if line in ("", "\r\n", "\n", "\r"):
            break
        if line[0] in " \t":
            if current is not None:
                current.append(line)
            continue
        if line.startswith("From "):
            continue  # an mbox envelope line, skipped as the email parser does
        if _FIELD_START.match(line) is None:
            break
        name, _, value = line.partition(":")
        if not name:
            current = None
            continue
        current = [value.lstrip(" \t")]
        fields.append((name, current))
    message._fields = [(name, "".join(parts).rstrip("\r\n")) for name, parts in fields]
    return message
