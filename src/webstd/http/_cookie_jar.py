"""The cookie store: ``Cookie`` and ``CookieJar``.

A jar turns a response's Set-Cookie (Netscape, RFC 2109) and Set-Cookie2 (RFC 2965) headers
into Cookie objects, keeps those its policy accepts in a domain -> path -> name tree, and writes
the Cookie header of later requests. It asks the policy (``_cookie_policy``) every yes/no
question and reads headers with ``_cookie_headers``; it does no I/O of its own.
"""

from __future__ import annotations

import copy
import re
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

from webstd.http._cookie_domains import (
    eff_request_host,
    escape_path,
    request_path,
    request_port,
)
from webstd.http._cookie_headers import parse_ns_headers, split_header_words
from webstd.http._cookie_policy import CookiePolicy, DefaultCookiePolicy


class LoadError(OSError):
    """A cookie file that cannot be read as the expected format."""


class Absent:
    """Marks an attribute that did not appear at all (as opposed to appearing without value)."""


class Cookie:
    """One cookie with all its attributes, as received or as loaded from a file.

    Attributes not covered by the standard ones (e.g. HttpOnly) are kept by name and read
    with get_nonstandard_attr.
    """

    _REPR_FIELDS = (
        "version", "name", "value", "port", "port_specified", "domain", "domain_specified",
        "domain_initial_dot", "path", "path_specified", "secure", "expires", "discard",
        "comment", "comment_url",
    )  # fmt: skip

    def __init__(
        self,
        version: int | None,
        name: str,
        value: str | None,
        port: str | None,
        port_specified: bool,
        domain: str,
        domain_specified: bool,
        domain_initial_dot: bool,
        path: str,
        path_specified: bool,
        secure: bool,
        expires: int | None,
        discard: bool,
        comment: str | None,
        comment_url: str | None,
        rest: Mapping[str, Any],
        rfc2109: bool = False,
    ) -> None:
        if version is not None:
            version = int(version)
        if expires is not None:
            expires = int(float(expires))
        if port is None and port_specified is True:
            raise ValueError("if port is None, port_specified must be false")
        self.version = version
        self.name = name
        self.value = value
        self.port = port
        self.port_specified = port_specified
        # RFC 2965 section 3.3.3: domains compare case-insensitively.
        self.domain = domain.lower()
        self.domain_specified = domain_specified
        self.domain_initial_dot = domain_initial_dot
        self.path = path
        self.path_specified = path_specified
        self.secure = secure
        self.expires = expires
        self.discard = discard
        self.comment = comment
        self.comment_url = comment_url
        self.rfc2109 = rfc2109
        self._rest = copy.copy(rest)

    def has_nonstandard_attr(self, name: str) -> bool:
        return name in self._rest

    def get_nonstandard_attr(self, name: str, default: Any = None) -> Any:
        return self._rest.get(name, default)

    def set_nonstandard_attr(self, name: str, value: Any) -> None:
        self._rest[name] = value

    def is_expired(self, now: float | None = None) -> bool:
        if now is None:
            now = time.time()
        return self.expires is not None and self.expires <= now

    def __str__(self) -> str:
        port = "" if self.port is None else ":" + self.port
        name_value = self.name if self.value is None else f"{self.name}={self.value}"
        return f"<Cookie {name_value} for {self.domain}{port}{self.path}>"

    def __repr__(self) -> str:
        fields = [f"{field}={getattr(self, field)!r}" for field in self._REPR_FIELDS]
        fields += [f"rest={self._rest!r}", f"rfc2109={self.rfc2109!r}"]
        return f"{type(self).__name__}({', '.join(fields)})"


def deepvalues(mapping: Mapping[Any, Any]) -> Iterator[Any]:
    """The leaves of a nested mapping, depth first, in insertion order.

    Each level is copied before it is walked, so leaves may be removed during iteration.
    """
    for value in list(mapping.values()):
        if hasattr(value, "items"):
            yield from deepvalues(value)
        else:
            yield value


# Set-Cookie attributes (RFC 2965 section 3.2.2 and Netscape) and how they are normalised.
_BOOLEAN_ATTRIBUTES = ("discard", "secure")
_VALUE_ATTRIBUTES = (
    "version", "expires", "max-age", "domain", "path", "port", "comment", "commenturl",
)  # fmt: skip
# Value attributes that may appear without a value.
_OPTIONAL_VALUE_ATTRIBUTES = ("port", "comment", "commenturl")


class CookieJar:
    """Stores cookies from responses and adds them to requests, as its policy allows."""

    non_word_re = re.compile(r"\W")
    quote_re = re.compile(r"([\"\\])")
    strict_domain_re = re.compile(r"\.?[^.]*")
    domain_re = re.compile(r"[^.]*")
    dots_re = re.compile(r"^\.+")
    magic_re = re.compile(r"^\#LWP-Cookies-(\d+\.\d+)", re.ASCII)

    def __init__(self, policy: CookiePolicy | None = None) -> None:
        self._policy = DefaultCookiePolicy() if policy is None else policy
        self._cookies_lock = threading.RLock()
        self._cookies: dict[str, dict[str, dict[str, Cookie]]] = {}

    def set_policy(self, policy: CookiePolicy) -> None:
        self._policy = policy

    def _stamp_now(self) -> None:
        # One clock reading per operation, shared with the policy, so that every cookie in a
        # response is judged at the same instant.
        self._policy._now = self._now = int(time.time())

    # --- requests
    def _cookies_for_domain(self, domain: str, request: Any) -> list[Cookie]:
        if not self._policy.domain_return_ok(domain, request):
            return []
        found = []
        for path, by_name in self._cookies[domain].items():
            if not self._policy.path_return_ok(path, request):
                continue
            found += [c for c in by_name.values() if self._policy.return_ok(c, request)]
        return found

    def _cookies_for_request(self, request: Any) -> list[Cookie]:
        found = []
        for domain in self._cookies:
            found += self._cookies_for_domain(domain, request)
        return found

    def _cookie_attrs(self, cookies: list[Cookie]) -> list[str]:
        # RFC 2965 section 3.3.4: more specific (longer) paths first.
        cookies.sort(key=lambda cookie: len(cookie.path), reverse=True)
        attrs = []
        for index, cookie in enumerate(cookies):
            version = cookie.version
            # The header's $Version is that of the first cookie (RFC 2965 section 3.3.4).
            if index == 0 and version > 0:
                attrs.append(f"$Version={version}")
            # Netscape values go back exactly as received; RFC 2965 values are escaped.
            value = cookie.value
            if value is not None and version > 0 and self.non_word_re.search(value):
                value = self.quote_re.sub(r"\\\1", value)
            attrs.append(cookie.name if cookie.value is None else f"{cookie.name}={value}")
            if version > 0:
                if cookie.path_specified:
                    attrs.append(f'$Path="{cookie.path}"')
                if cookie.domain.startswith("."):
                    domain = cookie.domain
                    if not cookie.domain_initial_dot:
                        domain = domain[1:]
                    attrs.append(f'$Domain="{domain}"')
                if cookie.port is not None:
                    attrs.append(f'$Port="{cookie.port}"' if cookie.port_specified else "$Port")
        return attrs

    def add_cookie_header(self, request: Any) -> None:
        """Add a Cookie header (and Cookie2 if needed) for the cookies ``request`` may carry."""
        with self._cookies_lock:
            self._stamp_now()
            cookies = self._cookies_for_request(request)
            attrs = self._cookie_attrs(cookies)
            if attrs and not request.has_header("Cookie"):
                request.add_unredirected_header("Cookie", "; ".join(attrs))
            # RFC 2965 section 3.3.5: tell the server we understand Set-Cookie2.
            if (
                self._policy.rfc2965
                and not self._policy.hide_cookie2
                and not request.has_header("Cookie2")
                and any(cookie.version != 1 for cookie in cookies)
            ):
                request.add_unredirected_header("Cookie2", '$Version="1"')
        self.clear_expired_cookies()

    # --- responses
    def _normalized_cookie_tuples(self, attrs_set: list) -> list:
        tuples = []
        for cookie_attrs in attrs_set:
            name, value = cookie_attrs[0]
            normalised = self._normalise_attributes(cookie_attrs[1:])
            if normalised is not None:
                tuples.append((name, value, *normalised))
        return tuples

    def _normalise_attributes(self, pairs: list) -> tuple[dict, dict] | None:
        """(standard, rest) attribute dicts, or None if an attribute makes the cookie bad."""
        standard: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        max_age_set = False
        for key, value in pairs:
            lowered = key.lower()
            # Unknown attributes keep their case.
            if lowered in _VALUE_ATTRIBUTES or lowered in _BOOLEAN_ATTRIBUTES:
                key = lowered
            if key in _BOOLEAN_ATTRIBUTES and value is None:
                value = True
            if key in standard:
                # RFC 2965 section 3.2.2: only the first instance of an attribute counts.
                continue
            if key == "domain":
                if value is None:
                    return None
                value = value.lower()
            if key == "expires":
                # Max-Age wins over Expires (RFC 6265 section 5.3 step 3); an unreadable
                # Expires makes a session cookie.
                if max_age_set or value is None:
                    continue
            if key == "max-age":
                max_age_set = True
                try:
                    seconds = int(value)
                except ValueError:
                    return None
                key, value = "expires", self._now + seconds
            if key in _VALUE_ATTRIBUTES or key in _BOOLEAN_ATTRIBUTES:
                if value is None and key not in _OPTIONAL_VALUE_ATTRIBUTES:
                    return None
                standard[key] = value
            else:
                rest[key] = value
        return standard, rest

    def _cookie_from_cookie_tuple(self, tup: tuple, request: Any) -> Cookie | None:
        name, value, standard, rest = tup
        version = standard.get("version")
        if version is not None:
            try:
                version = int(version)
            except ValueError:
                return None

        path = standard.get("path", Absent)
        path_specified = path is not Absent and path != ""
        if path_specified:
            path = escape_path(path)
        else:
            # Default path: the request path up to its last "/" (RFC 2965 section 3.3.1
            # keeps the slash; Netscape practice drops it).
            path = request_path(request)
            slash = path.rfind("/")
            if slash != -1:
                path = path[:slash] if version == 0 else path[: slash + 1]
            path = path or "/"

        domain = standard.get("domain", Absent)
        domain_specified = domain is not Absent
        domain_initial_dot = domain_specified and domain.startswith(".")
        if domain is Absent:
            domain = eff_request_host(request)[1]
        elif not domain.startswith("."):
            domain = "." + domain

        port = standard.get("port", Absent)
        port_specified = False
        if port is Absent:
            port = None  # any port
        elif port is None:
            # RFC 2965 section 3.2.2: a bare Port means the request's port.
            port = request_port(request)
        else:
            port_specified = True
            port = re.sub(r"\s+", "", port)

        expires = standard.get("expires", Absent)
        discard = standard.get("discard", False)
        if expires is Absent:
            expires, discard = None, True
        elif expires <= self._now:
            # An expiry in the past is how a server deletes a cookie.
            try:
                self.clear(domain, path, name)
            except KeyError:
                pass
            return None

        return Cookie(
            version, name, value, port, port_specified, domain, domain_specified,
            domain_initial_dot, path, path_specified, standard.get("secure", False), expires,
            discard, standard.get("comment"), standard.get("commenturl"), rest,
        )  # fmt: skip

    def _cookies_from_attrs_set(self, attrs_set: list, request: Any) -> list[Cookie]:
        cookies = []
        for tup in self._normalized_cookie_tuples(attrs_set):
            cookie = self._cookie_from_cookie_tuple(tup, request)
            if cookie:
                cookies.append(cookie)
        return cookies

    def _cookies_from_headers(self, parse: Any, headers: list[str], request: Any) -> list[Cookie]:
        # Like the stdlib, an attribute that cannot be interpreted at all (a valueless Max-Age,
        # a date-string Expires in Set-Cookie2) discards every cookie of that header kind.
        try:
            return self._cookies_from_attrs_set(parse(headers), request)
        except (TypeError, ValueError):
            return []

    def _process_rfc2109_cookies(self, cookies: list[Cookie]) -> None:
        as_netscape = getattr(self._policy, "rfc2109_as_netscape", None)
        if as_netscape is None:
            as_netscape = not self._policy.rfc2965
        for cookie in cookies:
            if cookie.version == 1:
                cookie.rfc2109 = True
                if as_netscape:
                    cookie.version = 0

    def make_cookies(self, response: Any, request: Any) -> list[Cookie]:
        """The Cookie objects a response sets, before any policy check."""
        headers = response.info()
        rfc2965_headers = headers.get_all("Set-Cookie2", [])
        ns_headers = headers.get_all("Set-Cookie", [])
        self._stamp_now()
        rfc2965, netscape = self._policy.rfc2965, self._policy.netscape
        if not ((rfc2965_headers and rfc2965) or (ns_headers and netscape)):
            return []
        cookies = self._cookies_from_headers(split_header_words, rfc2965_headers, request)
        if ns_headers and netscape:
            ns_cookies = self._cookies_from_headers(parse_ns_headers, ns_headers, request)
            self._process_rfc2109_cookies(ns_cookies)
            if rfc2965:
                # RFC 2965 section 9.1: a Set-Cookie2 cookie replaces the Set-Cookie one.
                seen = {(c.domain, c.path, c.name) for c in cookies}
                ns_cookies = [c for c in ns_cookies if (c.domain, c.path, c.name) not in seen]
            cookies += ns_cookies
        return cookies

    def set_cookie_if_ok(self, cookie: Cookie, request: Any) -> None:
        with self._cookies_lock:
            self._stamp_now()
            if self._policy.set_ok(cookie, request):
                self.set_cookie(cookie)

    def set_cookie(self, cookie: Cookie) -> None:
        """Store ``cookie`` unconditionally, replacing one with the same domain, path, name."""
        with self._cookies_lock:
            by_path = self._cookies.setdefault(cookie.domain, {})
            by_path.setdefault(cookie.path, {})[cookie.name] = cookie

    def extract_cookies(self, response: Any, request: Any) -> None:
        """Store the cookies of ``response`` (to ``request``) that the policy accepts."""
        with self._cookies_lock:
            for cookie in self.make_cookies(response, request):
                if self._policy.set_ok(cookie, request):
                    self.set_cookie(cookie)

    # --- housekeeping
    def clear(self, domain: str | None = None, path: str | None = None,
              name: str | None = None) -> None:  # fmt: skip
        """Remove one cookie, one path's, one domain's, or all (KeyError if absent)."""
        if name is not None:
            if domain is None or path is None:
                raise ValueError("domain and path must be given to remove a cookie by name")
            del self._cookies[domain][path][name]
        elif path is not None:
            if domain is None:
                raise ValueError("domain must be given to remove cookies by path")
            del self._cookies[domain][path]
        elif domain is not None:
            del self._cookies[domain]
        else:
            self._cookies = {}

    def clear_session_cookies(self) -> None:
        with self._cookies_lock:
            for cookie in list(self):
                if cookie.discard:
                    self.clear(cookie.domain, cookie.path, cookie.name)

    def clear_expired_cookies(self) -> None:
        with self._cookies_lock:
            now = time.time()
            for cookie in list(self):
                if cookie.is_expired(now):
                    self.clear(cookie.domain, cookie.path, cookie.name)

    def __iter__(self) -> Iterator[Cookie]:
        return deepvalues(self._cookies)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}[{', '.join(repr(c) for c in self)}]>"

    def __str__(self) -> str:
        return f"<{type(self).__name__}[{', '.join(str(c) for c in self)}]>"
