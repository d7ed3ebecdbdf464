"""Server-side cookie state: the API of Python 3.11's ``http.cookies``.

A ``BaseCookie`` maps cookie names to ``Morsel`` objects; ``output()`` writes Set-Cookie header
lines and ``load()`` reads a Cookie request header. The wire format is that of RFC 6265 section
4.1 on output (values outside the cookie-octet set are sent as a quoted string with octal
escapes, as the stdlib does) and the stdlib's lenient grammar on input, kept in one place below
so that results match the stdlib byte for byte. This module knows nothing of requests, responses
or sockets; the client-side jar is ``webstd.http.cookiejar``.
"""

from __future__ import annotations

import re
import string
import time
import types
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["CookieError", "BaseCookie", "SimpleCookie"]

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = (None, "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip


class CookieError(Exception):
    """A cookie name, attribute or header that the module cannot accept."""


# ---------------------------------------------------------------------------------------------
# Grammar. Output side: a name or value made only of these characters is written bare;
# anything else goes in double quotes with the escapes below. This is the stdlib's legal-chars set:
# RFC 9110 tchar (webstd.protocol._grammar.TCHAR) plus ":", which the token rule does not allow
# but the stdlib accepts in names and writes bare. It is spelled out as characters, not taken
# from the TCHAR regex fragment, because _QUOTE_TABLE below tests membership character by character.
TOKEN_CHARS = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~:"
# Characters that may appear unescaped inside a quoted value.
QUOTED_SAFE_CHARS = TOKEN_CHARS + " ()/<=>?@[]{}"
is_legal_key = re.compile(f"[{re.escape(TOKEN_CHARS)}]+").fullmatch

# Latin-1 characters outside QUOTED_SAFE_CHARS become a backslash and three octal digits; the
# quote and the backslash are escaped with a backslash. Characters above U+00FF pass unchanged.
_QUOTE_TABLE = {code: f"\\{code:03o}" for code in range(256) if chr(code) not in QUOTED_SAFE_CHARS}
_QUOTE_TABLE[ord('"')] = '\\"'
_QUOTE_TABLE[ord("\\")] = "\\\\"

# The reverse: "\ooo" (first digit 0-3) is an octal escape, "\c" stands for c (not a newline).
_ESCAPE = re.compile(r"\\(?:(?P<octal>[0-3][0-7]{2})|(?P<char>.))")

# Input side: the stdlib's lenient Cookie-header grammar (ASCII classes). A pair is a name, then
# optionally "=" and a value, then a separator: whitespace, ";" or the end of the text. The
# name is the shortest run of NAME_CHARS after which the rest of the pair matches.
_NAME_CHARS = r"\w\d!#%&'~_`><@,:/$*+\-.^|)(?}{="
_VALUE_CHARS = _NAME_CHARS + r"\[\]"
_QUOTED_STRING = r'"(?:[^\\"]|\\.)*"'
# Unquoted Expires dates contain a comma and spaces: "Wdy, DD-Mon-YY HH:MM:SS GMT".
_EXPIRES_DATE = r"\w{3},\s[\w\d\s-]{9,11}\s[\d:]{8}\sGMT"
COOKIE_PAIR = re.compile(
    rf"\s*(?P<key>[{_NAME_CHARS}]+?)"
    rf"(?:\s*=\s*(?P<val>{_QUOTED_STRING}|{_EXPIRES_DATE}|[{_VALUE_CHARS}]*))?"
    r"\s*(?:\s+|;|$)",
    re.ASCII,
)
# ---------------------------------------------------------------------------------------------


def _quote(text: str | None) -> str | None:
    if text is None or is_legal_key(text):
        return text
    return '"' + text.translate(_QUOTE_TABLE) + '"'


def _replace_escape(match: re.Match[str]) -> str:
    if match["octal"] is not None:
        return chr(int(match["octal"], 8))
    return match["char"]


def _unquote(text: str | None) -> str | None:
    if text is None or len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return text
    return _ESCAPE.sub(_replace_escape, text[1:-1])


def _expires_date(offset_seconds: int) -> str:
    # An int Expires is relative to now (the stdlib's convention), written as an RFC 1123 date.
    t = time.gmtime(time.time() + offset_seconds)
    return (
        f"{_DAY_NAMES[t.tm_wday]}, {t.tm_mday:02d} {_MONTH_NAMES[t.tm_mon]:>3} {t.tm_year:4d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"
    )


class Morsel(dict):
    """One cookie: its key, value and coded (wire) value, plus its attributes as dict items."""

    # Attribute names (lower case, as stored) and how they are spelled on output.
    _reserved = {
        "expires": "expires",
        "path": "Path",
        "comment": "Comment",
        "domain": "Domain",
        "max-age": "Max-Age",
        "secure": "Secure",
        "httponly": "HttpOnly",
        "version": "Version",
        "samesite": "SameSite",
    }
    # Attributes written as a bare name when true.
    _flags = {"secure", "httponly"}

    def __init__(self) -> None:
        self._key: str | None = None
        self._value: Any = None
        self._coded_value: str | None = None
        for name in self._reserved:
            dict.__setitem__(self, name, "")

    @property
    def key(self) -> str | None:
        return self._key

    @property
    def value(self) -> Any:
        return self._value

    @property
    def coded_value(self) -> str | None:
        return self._coded_value

    def _attribute_name(self, name: str) -> str:
        lowered = name.lower()
        if lowered not in self._reserved:
            raise CookieError(f"Invalid attribute {lowered!r}")
        return lowered

    def __setitem__(self, name: str, value: Any) -> None:
        dict.__setitem__(self, self._attribute_name(name), value)

    def setdefault(self, name: str, value: Any = None) -> Any:
        return dict.setdefault(self, self._attribute_name(name), value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Morsel):
            return NotImplemented
        return (
            dict.__eq__(self, other)
            and self._value == other._value
            and self._key == other._key
            and self._coded_value == other._coded_value
        )

    __ne__ = object.__ne__
    __hash__ = None  # type: ignore[assignment]  # mutable, compared by content

    def copy(self) -> Morsel:
        duplicate = Morsel()
        dict.update(duplicate, self)
        duplicate.__dict__.update(self.__dict__)
        return duplicate

    def update(self, values: Mapping[str, Any] | Iterable[tuple[str, Any]], /) -> None:
        # Validate every name before storing any, so a bad name leaves the morsel unchanged.
        checked = {self._attribute_name(name): value for name, value in dict(values).items()}
        dict.update(self, checked)

    def isReservedKey(self, name: str) -> bool:  # noqa: N802 (stdlib name)
        return name.lower() in self._reserved

    def set(self, key: str, val: Any, coded_val: str) -> None:
        if key.lower() in self._reserved:
            raise CookieError(f"Attempt to set a reserved key {key!r}")
        if not is_legal_key(key):
            raise CookieError(f"Illegal key {key!r}")
        self._key = key
        self._value = val
        self._coded_value = coded_val

    def __getstate__(self) -> dict[str, Any]:
        return {"key": self._key, "value": self._value, "coded_value": self._coded_value}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._key = state["key"]
        self._value = state["value"]
        self._coded_value = state["coded_value"]

    def output(self, attrs: Iterable[str] | None = None, header: str = "Set-Cookie:") -> str:
        return f"{header} {self.OutputString(attrs)}"

    __str__ = output

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.OutputString()}>"

    def js_output(self, attrs: Iterable[str] | None = None) -> str:
        escaped = self.OutputString(attrs).replace('"', '\\"')
        return (
            "\n        <script type=\"text/javascript\">\n        <!-- begin hiding\n"
            f"        document.cookie = \"{escaped}\";\n"
            "        // end hiding -->\n        </script>\n        "
        )

    def OutputString(self, attrs: Iterable[str] | None = None) -> str:  # noqa: N802 (stdlib name)
        wanted = self._reserved if attrs is None else attrs
        parts = [f"{self.key}={self.coded_value}"]
        for name, value in sorted(self.items()):
            if value == "" or name not in wanted:
                continue
            spelled = self._reserved[name]
            if name == "expires" and isinstance(value, int):
                parts.append(f"{spelled}={_expires_date(value)}")
            elif name == "max-age" and isinstance(value, int):
                parts.append(f"{spelled}={value:d}")
            elif name == "comment" and isinstance(value, str):
                parts.append(f"{spelled}={_quote(value)}")
            elif name in self._flags:
                if value:
                    parts.append(spelled)
            else:
                parts.append(f"{spelled}={value}")
        return "; ".join(parts)

    __class_getitem__ = classmethod(types.GenericAlias)


class BaseCookie(dict):
    """A dict of cookie name to Morsel; subclasses choose how values are encoded."""

    def value_decode(self, val: str) -> tuple[Any, str]:
        """Return (real value, coded value) for a value read from a header."""
        return val, val

    def value_encode(self, val: Any) -> tuple[Any, str]:
        """Return (real value, coded value) for a value set by the program."""
        text = str(val)
        return text, text

    def __init__(self, input: str | Mapping[str, Any] | None = None) -> None:  # noqa: A002
        if input:
            self.load(input)

    def _set_morsel(self, key: str, real_value: Any, coded_value: str) -> None:
        morsel = self.get(key, Morsel())
        morsel.set(key, real_value, coded_value)
        dict.__setitem__(self, key, morsel)

    def __setitem__(self, key: str, value: Any) -> None:
        if isinstance(value, Morsel):
            dict.__setitem__(self, key, value)
        else:
            real_value, coded_value = self.value_encode(value)
            self._set_morsel(key, real_value, coded_value)

    def output(
        self,
        attrs: Iterable[str] | None = None,
        header: str = "Set-Cookie:",
        sep: str = "\r\n",
    ) -> str:
        return sep.join(morsel.output(attrs, header) for _, morsel in sorted(self.items()))

    __str__ = output

    def __repr__(self) -> str:
        pairs = " ".join(f"{key}={morsel.value!r}" for key, morsel in sorted(self.items()))
        return f"<{type(self).__name__}: {pairs}>"

    def js_output(self, attrs: Iterable[str] | None = None) -> str:
        return "".join(morsel.js_output(attrs) for _, morsel in sorted(self.items()))

    def load(self, rawdata: str | Mapping[str, Any]) -> None:
        """Load a Cookie header's text, or set every item of a mapping."""
        if isinstance(rawdata, str):
            self._parse_header(rawdata)
        else:
            for key, value in rawdata.items():
                self[key] = value

    def _parse_header(self, text: str) -> None:
        # Collect everything first and store only if the whole header is acceptable: an
        # attribute before any cookie, or a bare non-flag attribute or name, rejects it all.
        # Text that stops matching the grammar ends the parse, keeping what came before.
        items: list[tuple[bool, str, Any]] = []  # (is_attribute, name, value)
        seen_cookie = False
        position = 0
        while position < len(text):
            match = COOKIE_PAIR.match(text, position)
            if match is None:
                break
            key, value = match["key"], match["val"]
            position = match.end()
            if key[0] == "$":
                # RFC 2109 "$Path"-style attributes of the preceding cookie.
                if seen_cookie:
                    items.append((True, key[1:], value))
            elif key.lower() in Morsel._reserved:
                if not seen_cookie:
                    return
                if value is not None:
                    items.append((True, key, _unquote(value)))
                elif key.lower() in Morsel._flags:
                    items.append((True, key, True))
                else:
                    return
            elif value is not None:
                items.append((False, key, self.value_decode(value)))
                seen_cookie = True
            else:
                return
        morsel: Morsel | None = None
        for is_attribute, key, value in items:
            if is_attribute:
                assert morsel is not None  # an attribute is only kept after a cookie
                morsel[key] = value
            else:
                real_value, coded_value = value
                self._set_morsel(key, real_value, coded_value)
                morsel = self[key]


class SimpleCookie(BaseCookie):
    """A cookie whose values are strings, quoted on output and unquoted on input."""

    def value_decode(self, val: str) -> tuple[Any, str]:
        return _unquote(val), val

    def value_encode(self, val: Any) -> tuple[Any, str]:
        text = str(val)
        return text, _quote(text)
