"""A mutable, ordered list of response header fields for WSGI applications (PEP 3333).

``Headers`` wraps the very list a WSGI application passes to ``start_response``: changes made
through it show in that list. Names compare case-insensitively (RFC 9110 section 5.1).

Unlike the 3.11 stdlib, a name that is not an RFC 9110 token and a value holding CR, LF or NUL
are refused with ``ValueError``, so no field can smuggle in another (docs/differences.md).
"""

from __future__ import annotations

import re
from typing import TypeVar

__all__ = ["Headers"]

_Default = TypeVar("_Default")

# RFC 9110 section 5.1 / 5.6.2: field-name = token; tchar excludes delimiters and controls.
_FIELD_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
# RFC 9110 section 5.5: CR, LF and NUL are never valid in a field value; one that reached the
# wire would end the field early and start an attacker-chosen one.
_FORBIDDEN_IN_VALUE = re.compile(r"[\r\n\x00]")


def _require_str(value: object) -> str:
    if type(value) is str:
        return value
    raise AssertionError(f"Header names/values must be of type str (got {value!r})")


def _field_name(name: object) -> str:
    name = _require_str(name)
    if not _FIELD_NAME.match(name):
        raise ValueError(f"Invalid header name {name!r}: not an RFC 9110 token")
    return name


def _field_value(value: object) -> str:
    value = _require_str(value)
    # isprintable() (a fast C scan) is true for nearly every value and rules out all controls.
    if not value.isprintable() and _FORBIDDEN_IN_VALUE.search(value):
        raise ValueError(f"Invalid header value {value!r}: contains CR, LF or NUL")
    return value


def _quoted_parameter(name: str, value: str) -> str:
    # RFC 9110 section 5.6.4: quoted-string with "\" escaping the backslash and the quote.
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{name}="{escaped}"'


class Headers:
    """Manage a list of ``(name, value)`` response header tuples like a case-insensitive
    mapping that may hold a name more than once."""

    def __init__(self, headers: list[tuple[str, str]] | None = None) -> None:
        if headers is None:
            headers = []
        if type(headers) is not list:
            raise TypeError("Headers must be a list of name/value tuples")
        for name, value in headers:
            _field_name(name)
            _field_value(value)
        self._headers = headers

    def __len__(self) -> int:
        return len(self._headers)

    def __setitem__(self, name: str, value: str) -> None:
        """Replace every field called ``name`` with one field at the end."""
        del self[name]
        self._headers.append((_field_name(name), _field_value(value)))

    def __delitem__(self, name: str) -> None:
        """Remove every field called ``name``; a missing name is not an error."""
        wanted = _require_str(name.lower())
        # Slice assignment keeps the caller's list object (see the module docstring).
        self._headers[:] = [field for field in self._headers if field[0].lower() != wanted]

    def __getitem__(self, name: str) -> str | None:
        """Return the first value of ``name``, or ``None`` when it is absent (no KeyError)."""
        return self.get(name)

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def get_all(self, name: str) -> list[str]:
        """Return every value of ``name`` in order; an empty list when there is none."""
        wanted = _require_str(name.lower())
        return [value for field_name, value in self._headers if field_name.lower() == wanted]

    def get(self, name: str, default: _Default | None = None) -> str | _Default | None:
        """Return the first value of ``name``, or ``default``."""
        wanted = _require_str(name.lower())
        for field_name, value in self._headers:
            if field_name.lower() == wanted:
                return value
        return default

    def keys(self) -> list[str]:
        """Return the field names in order, repeats included."""
        return [name for name, _ in self._headers]

    def values(self) -> list[str]:
        """Return the field values in order."""
        return [value for _, value in self._headers]

    def items(self) -> list[tuple[str, str]]:
        """Return a copy of the ``(name, value)`` list."""
        return self._headers[:]

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self._headers!r})"

    def __str__(self) -> str:
        """The header block as sent: one ``name: value`` line per field, CRLF-terminated,
        then the empty line that ends the block (RFC 9112 section 2.1)."""
        return "".join(f"{name}: {value}\r\n" for name, value in self._headers) + "\r\n"

    def __bytes__(self) -> bytes:
        return str(self).encode("iso-8859-1")

    def setdefault(self, name: str, value: str) -> str:
        """Return the first value of ``name``; when absent, append ``name: value`` first."""
        current = self.get(name)
        if current is not None:
            return current
        self._headers.append((_field_name(name), _field_value(value)))
        return value

    def add_header(self, _name: str, _value: str | None, **_params: str | None) -> None:
        """Append a field whose value is ``_value`` followed by ``; key="value"`` parameters.

        Underscores in keyword names become dashes (``filename_star`` is ``filename-star``);
        a parameter whose value is ``None`` or empty is written as the bare name. ``_value``
        may be ``None`` for a field made only of parameters.
        """
        parts = []
        if _value is not None:
            parts.append(_require_str(_value))
        for key, param_value in _params.items():
            param_name = _require_str(key).replace("_", "-")
            if param_value is None:
                parts.append(param_name)
            elif _require_str(param_value):
                parts.append(_quoted_parameter(param_name, param_value))
            else:
                parts.append(param_name)
        self._headers.append((_field_name(_name), _field_value("; ".join(parts))))
