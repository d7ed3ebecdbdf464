"""The deprecated splitting helpers of urllib.parse (``splittype`` ... ``splitvalue``, ``to_bytes``).

Each has a private twin (``_splittype`` ... ``_splitvalue``, ``_to_bytes``) that does the same
without the warning, as in 3.11: other stdlib modules call those (mimetypes ``_splittype``,
xmlrpc.client ``_splituser``), and they must keep working when webstd stands in for urllib.

Python 3.8 deprecated them and 3.11 still has them outside ``__all__``; they exist here only so that
legacy code keeps running after its imports change.  Each one warns with the DeprecationWarning
3.11 gives (same text, pointing at the caller) and then returns what 3.11 returns.  They are the
loose RFC 1738-era splits, not RFC 3986 parsing: new code uses urlsplit, urlparse and parse_qsl.

The splits urllib.request also needs live in ``_request_urls`` and are reused here where they agree
with 3.11 on every input; this module owns only the rest and the warnings.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from webstd.urllib._request_urls import (
    split_host,
    split_password,
    split_port,
    split_tag,
    split_type,
    split_user,
)

_DECIMAL_PORT = re.compile(r"[0-9]+")



# The private twins that are urllib.request's splits, under 3.11's parameter names.
def _splittype(url: str) -> tuple[str | None, str]:
    return split_type(url)


def _splithost(url: str) -> tuple[str | None, str]:
    return split_host(url)


def _splituser(host: str) -> tuple[str | None, str]:
    return split_user(host)


def _splitpasswd(user: str) -> tuple[str, str | None]:
    return split_password(user)


def _splitport(host: str) -> tuple[str, str | None]:
    return split_port(host)


def _splittag(url: str) -> tuple[str, str | None]:
    return split_tag(url)


def _warn_deprecated(name: str, replacement: str | None) -> None:
    message = f"urllib.parse.{name}() is deprecated as of 3.8"
    if replacement is not None:
        message += f", use urllib.parse.{replacement}() instead"
    # stacklevel 3: past this helper and the deprecated function, to the line that called it.
    warnings.warn(message, DeprecationWarning, stacklevel=3)


def to_bytes(url: Any) -> Any:
    """Return a str URL unchanged if it is ASCII (as a plain str); raise UnicodeError otherwise.

    Anything that is not a str is returned as it is.
    """
    _warn_deprecated("to_bytes", None)
    return _to_bytes(url)


def _to_bytes(url: Any) -> Any:
    if isinstance(url, str):
        try:
            url.encode("ascii")
        except UnicodeError:
            raise UnicodeError(f"URL {url!r} contains non-ASCII characters")
        return str(url)
    return url


def splittype(url: str) -> tuple[str | None, str]:
    """``'http://h/p'`` -> ``('http', '//h/p')``; the scheme is lowercased, None if absent."""
    _warn_deprecated("splittype", "urlparse")
    return split_type(url)


def splithost(url: str) -> tuple[str | None, str]:
    """``'//h:1/p'`` -> ``('h:1', '/p')``; None and the URL if it has no "//" authority."""
    _warn_deprecated("splithost", "urlparse")
    return split_host(url)


def splituser(host: str) -> tuple[str | None, str]:
    """``'u:p@h'`` -> ``('u:p', 'h')``, split at the last "@"; None if there is none."""
    _warn_deprecated("splituser", "urlparse")
    return split_user(host)


def splitpasswd(user: str) -> tuple[str, str | None]:
    """``'u:p'`` -> ``('u', 'p')``, split at the first ":"; None if there is none."""
    _warn_deprecated("splitpasswd", "urlparse")
    return split_password(user)


def splitport(host: str) -> tuple[str, str | None]:
    """``'h:80'`` -> ``('h', '80')``; a port that is not all ASCII digits is left in the host."""
    _warn_deprecated("splitport", "urlparse")
    return split_port(host)


def splitnport(host: str, defport: Any = -1) -> tuple[str, Any]:
    """``'h:80'`` -> ``('h', 80)``; defport if the port is absent or empty, None if not a number."""
    _warn_deprecated("splitnport", "urlparse")
    return _splitnport(host, defport)


def _splitnport(host: str, defport: Any = -1) -> tuple[str, Any]:
    hostname, colon, port = host.rpartition(":")
    if not colon:
        return host, defport
    if not port:
        return hostname, defport
    if _DECIMAL_PORT.fullmatch(port):
        return hostname, int(port)
    return hostname, None


def splitquery(url: str) -> tuple[str, str | None]:
    """``'/p?q'`` -> ``('/p', 'q')``, split at the last "?"; None if there is none."""
    _warn_deprecated("splitquery", "urlparse")
    return _splitquery(url)


def _splitquery(url: str) -> tuple[str, str | None]:
    path, mark, query = url.rpartition("?")
    if mark:
        return path, query
    return url, None


def splittag(url: str) -> tuple[str, str | None]:
    """``'/p#t'`` -> ``('/p', 't')``, split at the last "#"; None if there is none."""
    _warn_deprecated("splittag", "urlparse")
    return split_tag(url)


def splitattr(url: str) -> tuple[str, list[str]]:
    """``'/p;a=1;b'`` -> ``('/p', ['a=1', 'b'])``: the path and its ";"-separated attributes."""
    _warn_deprecated("splitattr", "urlparse")
    return _splitattr(url)


def _splitattr(url: str) -> tuple[str, list[str]]:
    path, *attributes = url.split(";")
    return path, attributes


def splitvalue(attr: str) -> tuple[str, str | None]:
    """``'a=1'`` -> ``('a', '1')``, split at the first "="; None if there is none."""
    _warn_deprecated("splitvalue", "parse_qsl")
    return _splitvalue(attr)


def _splitvalue(attr: str) -> tuple[str, str | None]:
    name, equals, value = attr.partition("=")
    if equals:
        return name, value
    return attr, None
