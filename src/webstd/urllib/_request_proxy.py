"""Proxy settings from the environment: ``<scheme>_proxy`` and ``no_proxy``.

The conventions (shared by curl, wget and the stdlib): a lower-case variable wins over its
upper-case twin, an empty value unsets, and in a CGI script (REQUEST_METHOD set) the upper-case
HTTP_PROXY is ignored because it can be a request header in disguise ("httpoxy", CVE-2016-5385).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from webstd.urllib._request_urls import split_port


def getproxies_environment() -> dict[str, str]:
    """``{'http': 'http://proxy:3128', 'no': 'localhost', ...}`` from ``*_proxy`` variables."""
    proxies: dict[str, str] = {}
    environ = os.environ
    for name, value in environ.items():
        lowered = name.lower()
        if value and lowered[-6:] == "_proxy":
            proxies[lowered[:-6]] = value
    if "REQUEST_METHOD" in environ:
        proxies.pop("http", None)
    # Second pass: the lower-case spelling decides, including by being empty.
    for name, value in environ.items():
        if name[-6:] == "_proxy":
            lowered = name.lower()
            if value:
                proxies[lowered[:-6]] = value
            else:
                proxies.pop(lowered[:-6], None)
    return proxies


def proxy_bypass_environment(host: str, proxies: Mapping[str, str] | None = None) -> bool:
    """Whether ``host`` (with optional ":port") matches ``no_proxy``: "*", a name or a suffix."""
    if proxies is None:
        proxies = getproxies_environment()
    no_proxy = proxies.get("no")
    if no_proxy is None:
        return False
    if no_proxy == "*":
        return True
    host = host.lower()
    host_only, _ = split_port(host)
    for entry in no_proxy.split(","):
        name = entry.strip()
        if not name:
            continue
        name = name.lstrip(".").lower()
        if host_only == name or host == name:
            return True
        suffix = "." + name
        if host_only.endswith(suffix) or host.endswith(suffix):
            return True
    return False


def proxy_bypass(host: str) -> bool:
    proxies = getproxies_environment()
    if not proxies:
        return False
    return proxy_bypass_environment(host, proxies)


getproxies = getproxies_environment
