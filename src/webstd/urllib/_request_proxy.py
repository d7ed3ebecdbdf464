"""Proxy settings from the environment: ``<scheme>_proxy`` and ``no_proxy``.

The conventions (shared by curl, wget and the stdlib): a lower-case variable wins over its
upper-case twin, an empty value unsets, and in a CGI script (REQUEST_METHOD set) the upper-case
HTTP_PROXY is ignored because it can be a request header in disguise ("httpoxy", CVE-2016-5385).
"""

from __future__ import annotations

import fnmatch
import os
import re
import socket
from collections.abc import Mapping
from typing import Any

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

# An address prefix in macOS's proxy exceptions: "10.1" (the first 16 bits) or "10.0/16".
_ADDRESS_PREFIX = re.compile(r"(\d+(?:\.\d+)*)(/\d+)?")


def _address_number(dotted: str) -> int:
    parts = [int(part) for part in dotted.split(".")][:4]
    parts += [0] * (4 - len(parts))
    return (parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]


def _proxy_bypass_macosx_sysconf(host: str, proxy_settings: Mapping[str, Any]) -> bool:
    """Whether macOS's proxy settings (``{'exclude_simple': bool, 'exceptions': [...]}``, as
    _scproxy gives them) exempt ``host``: a dotless name when exclude_simple is set, an address in
    an exception's prefix ("10.1", "10.0/16"; prefix lengths over 32 are ignored), or a name an
    exception matches as a glob ("*.local"). The logic, not the macOS lookup, so it runs anywhere."""
    host_only, _ = split_port(host)
    if "." not in host and proxy_settings["exclude_simple"]:
        return True
    address: int | None = None
    for exception in proxy_settings.get("exceptions", ()):
        if not exception:
            continue
        prefix = _ADDRESS_PREFIX.match(exception)
        if prefix is None:
            if fnmatch.fnmatch(host, exception):
                return True
            continue
        if address is None:
            try:
                address = _address_number(socket.gethostbyname(host_only))
            except (OSError, ValueError):
                continue
        bits = int(prefix.group(2)[1:]) if prefix.group(2) else 8 * (prefix.group(1).count(".") + 1)
        if not 0 <= bits <= 32:
            continue
        shift = 32 - bits
        if address >> shift == _address_number(prefix.group(1)) >> shift:
            return True
    return False


def _proxy_bypass_winreg_override(host: str, override: str) -> bool:
    """Whether Windows' ProxyOverride value (``"www.example.com;*.example.net; <local>"``) exempts
    ``host``: an entry that matches it as a glob, or ``<local>`` for a dotless name (3.13's
    helper; the logic only, so it runs anywhere)."""
    host_only, _ = split_port(host)
    for entry in override.split(";"):
        entry = entry.strip()
        if entry == "<local>":
            if "." not in host_only:
                return True
        elif fnmatch.fnmatch(host_only, entry):
            return True
    return False
