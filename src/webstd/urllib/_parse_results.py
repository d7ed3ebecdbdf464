"""The result tuples of webstd.urllib.parse and what they compute from a netloc.

This module owns the six named tuples (str and bytes twins of SplitResult, ParseResult and
DefragResult) and the properties they derive from ``netloc``: hostname, port, username and password.
It knows nothing about how a URL is split; ``geturl`` calls back into the functions the parse module
registers with :func:`bind_unsplitters`.

The netloc grammar is RFC 3986 section 3.2: ``[ userinfo "@" ] host [ ":" port ]``.  The userinfo
ends at the *last* "@" (a password may hold "@" once a client has failed to encode it), the host may
be an IP literal in brackets (section 3.2.2), and an empty port means "no port" (section 3.2.3).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from typing import Any

_unsplitters: dict[str, Callable[[Any], Any]] = {}


def bind_unsplitters(urlunsplit: Callable[[Any], Any], urlunparse: Callable[[Any], Any]) -> None:
    """Give geturl() the reassembly functions without an import cycle."""
    _unsplitters["split"] = urlunsplit
    _unsplitters["parse"] = urlunparse


class _ResultMixinStr:
    """Methods shared by the str results."""

    __slots__ = ()

    def encode(self, encoding: str = "ascii", errors: str = "strict") -> Any:
        return self._encoded_counterpart(*(part.encode(encoding, errors) for part in self))


class _ResultMixinBytes:
    """Methods shared by the bytes results."""

    __slots__ = ()

    def decode(self, encoding: str = "ascii", errors: str = "strict") -> Any:
        return self._decoded_counterpart(*(part.decode(encoding, errors) for part in self))


class _NetlocResultMixinBase:
    """hostname, port, username and password, for either str or bytes netlocs.

    Subclasses set the delimiters as their own type (str or bytes).
    """

    __slots__ = ()
    _AT: Any
    _COLON: Any
    _OPEN: Any
    _CLOSE: Any
    _ZONE: Any

    @property
    def _userinfo(self) -> tuple[Any, Any]:
        userinfo, at, _ = self.netloc.rpartition(self._AT)
        if not at:
            return None, None
        username, colon, password = userinfo.partition(self._COLON)
        return username, (password if colon else None)

    @property
    def _hostinfo(self) -> tuple[Any, Any]:
        hostinfo = self.netloc.rpartition(self._AT)[2]
        _, bracket, bracketed = hostinfo.partition(self._OPEN)
        if bracket:
            # RFC 3986 3.2.2: an IP literal is the bracketed text; the port follows the "]".
            hostname, _, rest = bracketed.partition(self._CLOSE)
            port = rest.partition(self._COLON)[2]
        else:
            hostname, _, port = hostinfo.partition(self._COLON)
        return hostname, (port or None)

    @property
    def username(self) -> Any:
        return self._userinfo[0]

    @property
    def password(self) -> Any:
        return self._userinfo[1]

    @property
    def hostname(self) -> Any:
        hostname = self._hostinfo[0]
        if not hostname:
            return None
        # Host names are case-insensitive (RFC 3986 3.2.2) but an IPv6 zone id (RFC 6874) is not.
        address, percent, zone = hostname.partition(self._ZONE)
        return address.lower() + percent + zone

    @property
    def port(self) -> int | None:
        port = self._hostinfo[1]
        if port is None:
            return None
        # RFC 3986 3.2.3: port = *DIGIT, ASCII digits only (no sign, no spaces, no other scripts).
        if not (port.isdigit() and port.isascii()):
            raise ValueError(f"Port could not be cast to integer value as {port!r}")
        number = int(port)
        if not 0 <= number <= 65535:
            raise ValueError("Port out of range 0-65535")
        return number


class _NetlocResultMixinStr(_NetlocResultMixinBase, _ResultMixinStr):
    __slots__ = ()
    _AT, _COLON, _OPEN, _CLOSE, _ZONE = "@", ":", "[", "]", "%"


class _NetlocResultMixinBytes(_NetlocResultMixinBase, _ResultMixinBytes):
    __slots__ = ()
    _AT, _COLON, _OPEN, _CLOSE, _ZONE = b"@", b":", b"[", b"]", b"%"


# The stdlib exposes the str netloc mixin under this name; kept for code that subclasses it.
ResultBase = _NetlocResultMixinStr

_DefragResultBase = namedtuple("_DefragResultBase", "url fragment")
_SplitResultBase = namedtuple("_SplitResultBase", "scheme netloc path query fragment")
_ParseResultBase = namedtuple("_ParseResultBase", "scheme netloc path params query fragment")

_MODULE = "webstd.urllib.parse"


class DefragResult(_DefragResultBase, _ResultMixinStr):
    """A URL without its fragment, and the fragment."""

    __slots__ = ()
    __module__ = _MODULE

    def geturl(self) -> str:
        return self.url + "#" + self.fragment if self.fragment else self.url


class SplitResult(_SplitResultBase, _NetlocResultMixinStr):
    """The five components of a URL (RFC 3986 section 3), as str."""

    __slots__ = ()
    __module__ = _MODULE

    def geturl(self) -> str:
        return _unsplitters["split"](self)


class ParseResult(_ParseResultBase, _NetlocResultMixinStr):
    """The six components of a URL, with ";params" split from the last path segment, as str."""

    __slots__ = ()
    __module__ = _MODULE

    def geturl(self) -> str:
        return _unsplitters["parse"](self)


class DefragResultBytes(_DefragResultBase, _ResultMixinBytes):
    """A URL without its fragment, and the fragment, as bytes."""

    __slots__ = ()
    __module__ = _MODULE

    def geturl(self) -> bytes:
        return self.url + b"#" + self.fragment if self.fragment else self.url


class SplitResultBytes(_SplitResultBase, _NetlocResultMixinBytes):
    """The five components of a URL, as bytes."""

    __slots__ = ()
    __module__ = _MODULE

    def geturl(self) -> bytes:
        return _unsplitters["split"](self)


class ParseResultBytes(_ParseResultBase, _NetlocResultMixinBytes):
    """The six components of a URL, as bytes."""

    __slots__ = ()
    __module__ = _MODULE

    def geturl(self) -> bytes:
        return _unsplitters["parse"](self)


for _str_type, _bytes_type in (
    (DefragResult, DefragResultBytes),
    (SplitResult, SplitResultBytes),
    (ParseResult, ParseResultBytes),
):
    _str_type._encoded_counterpart = _bytes_type
    _bytes_type._decoded_counterpart = _str_type
