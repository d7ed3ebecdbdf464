"""The URL splitting rules urllib.request applies to a request's URL, a proxy URL and a host.

These are the RFC 1738-era splits (scheme, "//authority", userinfo "@", ":port", "#fragment") that
Request and ProxyHandler are defined by; they are looser than urlsplit on purpose, so that a
Request's ``type``, ``host`` and ``selector`` come out as 3.11's do.
"""

from __future__ import annotations

import re

_SCHEME_PREFIX = re.compile(r"([^/:]+):(.*)", re.DOTALL)
_AUTHORITY_PREFIX = re.compile(r"//([^/#?]*)(.*)", re.DOTALL)
_HOST_PORT = re.compile(r"(.*):([0-9]*)", re.DOTALL)
# RFC 3986 3.2.3: the port of an authority, cut off to compare hosts.
_TRAILING_PORT = re.compile(r":[0-9]+$", re.ASCII)


def split_type(url: str) -> tuple[str | None, str]:
    """``'http://h/p'`` -> ``('http', '//h/p')``; no scheme -> ``(None, url)``."""
    match = _SCHEME_PREFIX.fullmatch(url)
    if match:
        scheme, rest = match.groups()
        return scheme.lower(), rest
    return None, url


def split_host(rest: str) -> tuple[str | None, str]:
    """``'//h:1/p?q'`` -> ``('h:1', '/p?q')``; a path gets its leading "/" back."""
    match = _AUTHORITY_PREFIX.fullmatch(rest)
    if match:
        host, path = match.groups()
        if path and path[0] != "/":
            path = "/" + path
        return host, path
    return None, rest


def split_tag(url: str) -> tuple[str, str | None]:
    path, sign, tag = url.rpartition("#")
    if sign:
        return path, tag
    return url, None


def split_user(authority: str) -> tuple[str | None, str]:
    user, sign, host = authority.rpartition("@")
    return (user if sign else None), host


def split_password(userinfo: str) -> tuple[str, str | None]:
    user, sign, password = userinfo.partition(":")
    return user, (password if sign else None)


def split_port(authority: str) -> tuple[str, str | None]:
    """``'h:80'`` -> ``('h', '80')``; an empty port is dropped with its colon (``'h:'`` ->
    ``('h', None)``); a port that is not all ASCII digits stays in the host."""
    match = _HOST_PORT.fullmatch(authority)
    if match is None:
        return authority, None
    host, port = match.groups()
    return host, port or None


def cut_port(host: str) -> str:
    return _TRAILING_PORT.sub("", host, count=1)


def parse_proxy(proxy: str) -> tuple[str | None, str | None, str | None, str]:
    """A proxy setting -> ``(scheme, user, password, host:port)``; "host:port" alone is allowed."""
    scheme, rest = split_type(proxy)
    if not rest.startswith("/"):
        scheme = None
        authority = proxy
    else:
        if not rest.startswith("//"):
            raise ValueError(f"proxy URL with no authority: {proxy!r}")
        end = rest.find("/", 2)
        authority = rest[2:] if end == -1 else rest[2:end]
    userinfo, hostport = split_user(authority)
    if userinfo is None:
        return scheme, None, None, hostport
    user, password = split_password(userinfo)
    return scheme, user, password, hostport
