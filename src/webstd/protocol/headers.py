"""Headers: an ordered, case-insensitive multi-dict of header fields.

Names keep the case they arrived (or were added) in; lookups ignore case. Values are ``str``
decoded as ISO-8859-1, which maps every byte to one code point, so :meth:`Headers.raw` gives back the
exact bytes received. This module only stores fields: validation happens where fields enter the
protocol (the parser for received heads, :mod:`webstd.protocol.serialize` for heads we send).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

Field = tuple[str, str]


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes | bytearray) else str(value)


class Headers:
    """Ordered multi-dict: ``(name, value)`` pairs, looked up without regard to case."""

    __slots__ = ("_fields",)

    def __init__(self, fields: Iterable[tuple[str | bytes, str | bytes]] = ()) -> None:
        # Each entry is (name as received, lower-cased name, value).
        self._fields: list[tuple[str, str, str]] = []
        for name, value in fields:
            name = _text(name)
            self._fields.append((name, name.lower(), _text(value)))

    @classmethod
    def _from_parsed(cls, fields: list[tuple[str, str, str]]) -> Headers:
        """Wraps a list built by the parser, without copying or re-checking it."""
        headers = cls.__new__(cls)
        headers._fields = fields
        return headers

    # Reading ----------------------------------------------------------------------------------
    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of ``name``, or ``default``."""
        key = name.lower()
        for _, lower, value in self._fields:
            if lower == key:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        """Every value of ``name``, in order (an empty list when absent)."""
        key = name.lower()
        return [value for _, lower, value in self._fields if lower == key]

    def get_tokens(self, name: str) -> list[str]:
        """The comma-separated elements of every ``name`` field, lower-cased, empties dropped.

        For list-based fields whose elements are tokens: Connection, Transfer-Encoding, TE,
        Upgrade, Expect (RFC 9110 section 5.6.1).
        """
        tokens: list[str] = []
        for value in self.get_all(name):
            for element in value.split(","):
                element = element.strip(" \t").lower()
                if element:
                    tokens.append(element)
        return tokens

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = name.lower()
        return any(lower == key for _, lower, _ in self._fields)

    def __iter__(self) -> Iterator[Field]:
        for name, _, value in self._fields:
            yield name, value

    def items(self) -> list[Field]:
        """``(name, value)`` pairs in order, names in their original case."""
        return [(name, value) for name, _, value in self._fields]

    def keys(self) -> list[str]:
        return [name for name, _, _ in self._fields]

    def values(self) -> list[str]:
        return [value for _, _, value in self._fields]

    def raw(self) -> list[tuple[bytes, bytes]]:
        """The fields as the bytes that were received (or will be sent)."""
        return [(name.encode("latin-1"), value.encode("latin-1")) for name, _, value in self._fields]

    def __len__(self) -> int:
        return len(self._fields)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return [(lower, value) for _, lower, value in self._fields] == [
            (lower, value) for _, lower, value in other._fields
        ]

    def __repr__(self) -> str:
        return f"Headers({self.items()!r})"

    # Changing ---------------------------------------------------------------------------------
    def add(self, name: str | bytes, value: str | bytes) -> None:
        """Appends a field, keeping any others of the same name."""
        name = _text(name)
        self._fields.append((name, name.lower(), _text(value)))

    def set(self, name: str, value: str) -> None:
        """Replaces every ``name`` field with one field, at the place of the first."""
        key = name.lower()
        new = (name, key, _text(value))
        fields, placed = [], False
        for field in self._fields:
            if field[1] == key:
                if not placed:
                    fields.append(new)
                    placed = True
            else:
                fields.append(field)
        if not placed:
            fields.append(new)
        self._fields = fields

    def remove(self, name: str) -> int:
        """Removes every ``name`` field; returns how many there were."""
        key = name.lower()
        before = len(self._fields)
        self._fields = [field for field in self._fields if field[1] != key]
        return before - len(self._fields)

    def __delitem__(self, name: str) -> None:
        if not self.remove(name):
            raise KeyError(name)

    def copy(self) -> Headers:
        return Headers._from_parsed(list(self._fields))
