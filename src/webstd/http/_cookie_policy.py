"""Which cookies a jar accepts from a response and returns to a request.

``CookiePolicy`` is the interface; ``DefaultCookiePolicy`` implements the Netscape protocol as
browsers practise it and RFC 2965 (with RFC 2109 cookies treated as Netscape ones by default).
Each decision is a short list of named checks, run in order; the first to fail rejects.
This module does not store cookies; the jar asks it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from webstd.http._cookie_domains import (
    IPV4_RE,
    domain_match,
    eff_request_host,
    is_third_party,
    request_path,
    request_port,
    user_domain_match,
)

# Second-level labels under which registrations happen in two-letter country domains
# (".co.uk"); with strict_domain, a Netscape cookie may not be set for such a domain.
_COUNTRY_SECOND_LEVELS = {
    "co", "ac", "com", "edu", "org", "net", "gov", "mil", "int", "aero", "biz", "cat", "coop",
    "info", "jobs", "mobi", "museum", "name", "pro", "travel", "eu",
}  # fmt: skip


class CookiePolicy:
    """The interface a jar uses to decide what to accept and what to return."""

    def set_ok(self, cookie: Any, request: Any) -> bool:
        """Whether ``cookie``, received in answer to ``request``, may be stored."""
        raise NotImplementedError()

    def return_ok(self, cookie: Any, request: Any) -> bool:
        """Whether ``cookie`` may be sent with ``request``."""
        raise NotImplementedError()

    def domain_return_ok(self, domain: str, request: Any) -> bool:
        """Quick pre-check: may cookies of ``domain`` be sent with ``request`` at all?"""
        return True

    def path_return_ok(self, path: str, request: Any) -> bool:
        """Quick pre-check: may cookies of ``path`` be sent with ``request`` at all?"""
        return True


class DefaultCookiePolicy(CookiePolicy):
    """The standard rules for accepting and returning cookies, with knobs for strictness."""

    # Bits of strict_ns_domain: how strictly Netscape cookies' domains are checked.
    DomainStrictNoDots = 1
    DomainStrictNonDomain = 2
    DomainRFC2965Match = 4
    DomainLiberal = 0
    DomainStrict = DomainStrictNoDots | DomainStrictNonDomain

    _SET_CHECKS = ("version", "verifiability", "name", "path", "domain", "port")
    _RETURN_CHECKS = ("version", "verifiability", "secure", "expires", "port", "domain")

    def __init__(
        self,
        blocked_domains: Iterable[str] | None = None,
        allowed_domains: Iterable[str] | None = None,
        netscape: bool = True,
        rfc2965: bool = False,
        rfc2109_as_netscape: bool | None = None,
        hide_cookie2: bool = False,
        strict_domain: bool = False,
        strict_rfc2965_unverifiable: bool = True,
        strict_ns_unverifiable: bool = False,
        strict_ns_domain: int = DomainLiberal,
        strict_ns_set_initial_dollar: bool = False,
        strict_ns_set_path: bool = False,
        secure_protocols: Iterable[str] = ("https", "wss"),
    ) -> None:
        self.netscape = netscape
        self.rfc2965 = rfc2965
        self.rfc2109_as_netscape = rfc2109_as_netscape
        self.hide_cookie2 = hide_cookie2
        self.strict_domain = strict_domain
        self.strict_rfc2965_unverifiable = strict_rfc2965_unverifiable
        self.strict_ns_unverifiable = strict_ns_unverifiable
        self.strict_ns_domain = strict_ns_domain
        self.strict_ns_set_initial_dollar = strict_ns_set_initial_dollar
        self.strict_ns_set_path = strict_ns_set_path
        self.secure_protocols = secure_protocols
        self._blocked_domains = tuple(blocked_domains) if blocked_domains is not None else ()
        self._allowed_domains = tuple(allowed_domains) if allowed_domains is not None else None

    # --- blocked and allowed domains (user_domain_match: ".example.com" covers subdomains)
    def blocked_domains(self) -> tuple[str, ...]:
        return self._blocked_domains

    def set_blocked_domains(self, blocked_domains: Iterable[str]) -> None:
        self._blocked_domains = tuple(blocked_domains)

    def is_blocked(self, domain: str) -> bool:
        return any(user_domain_match(domain, blocked) for blocked in self._blocked_domains)

    def allowed_domains(self) -> tuple[str, ...] | None:
        return self._allowed_domains

    def set_allowed_domains(self, allowed_domains: Iterable[str] | None) -> None:
        self._allowed_domains = tuple(allowed_domains) if allowed_domains is not None else None

    def is_not_allowed(self, domain: str) -> bool:
        if self._allowed_domains is None:
            return False
        return not any(user_domain_match(domain, allowed) for allowed in self._allowed_domains)

    # --- accepting a cookie from a response
    def set_ok(self, cookie: Any, request: Any) -> bool:
        if cookie.name is None:
            raise ValueError("a cookie must have a name")
        return all(getattr(self, "set_ok_" + check)(cookie, request) for check in self._SET_CHECKS)

    def set_ok_version(self, cookie: Any, request: Any) -> bool:
        # parse_ns_headers gives every Netscape cookie version 0, so None is a broken
        # RFC 2965 cookie.
        if cookie.version is None:
            return False
        return self._version_enabled(cookie.version)

    def _version_enabled(self, version: int) -> bool:
        if version > 0:
            return bool(self.rfc2965)
        if version == 0:
            return bool(self.netscape)
        return True

    def _verifiable(self, cookie: Any, request: Any) -> bool:
        # RFC 2965 section 3.3.6: no cookies for third-party hosts in unverifiable transactions.
        if request.unverifiable and is_third_party(request):
            if cookie.version > 0 and self.strict_rfc2965_unverifiable:
                return False
            if cookie.version == 0 and self.strict_ns_unverifiable:
                return False
        return True

    set_ok_verifiability = _verifiable

    def set_ok_name(self, cookie: Any, request: Any) -> bool:
        # A Netscape cookie named like an RFC 2965 attribute ("$Path") could confuse servers
        # that read both protocols.
        return not (
            cookie.version == 0
            and self.strict_ns_set_initial_dollar
            and cookie.name.startswith("$")
        )

    def set_ok_path(self, cookie: Any, request: Any) -> bool:
        # RFC 2965 section 3.3.2: the Path must be a prefix of the request path.
        if cookie.path_specified and (
            cookie.version > 0 or (cookie.version == 0 and self.strict_ns_set_path)
        ):
            return self.path_return_ok(cookie.path, request)
        return True

    def set_ok_domain(self, cookie: Any, request: Any) -> bool:
        if self.is_blocked(cookie.domain) or self.is_not_allowed(cookie.domain):
            return False
        if not cookie.domain_specified:
            return True
        host, effective_host = eff_request_host(request)
        domain = cookie.domain
        if self.strict_domain and domain.count(".") >= 2:
            last_dot = domain.rfind(".")
            second_dot = domain.rfind(".", 0, last_dot)
            if second_dot == 0:
                top_level, second_level = domain[last_dot + 1 :], domain[1:last_dot]
                if second_level.lower() in _COUNTRY_SECOND_LEVELS and len(top_level) == 2:
                    return False
        undotted = domain[1:] if domain.startswith(".") else domain
        # RFC 2965 section 3.3.2: the domain must contain an embedded dot, unless it is .local.
        if "." not in undotted and not effective_host.endswith(".local"):
            return False
        if cookie.version == 0 and not (
            effective_host.endswith(domain)
            or effective_host.endswith(f"{undotted}.local")
            or effective_host.startswith(".")
            or ("." + effective_host).endswith(domain)
        ):
            return False
        strict = self.strict_ns_domain
        if (cookie.version > 0 or strict & self.DomainRFC2965Match) and not domain_match(
            effective_host, domain
        ):
            return False
        if cookie.version > 0 or strict & self.DomainStrictNoDots:
            # RFC 2965 section 3.3.2: the host minus the domain may not contain a dot.
            host_prefix = host[: -len(domain)]
            if "." in host_prefix and not IPV4_RE.search(host):
                return False
        return True

    def set_ok_port(self, cookie: Any, request: Any) -> bool:
        # RFC 2965 section 3.3.2: the request port must be in the Port list.
        if not cookie.port_specified:
            return True
        request_port_text = request_port(request) or "80"
        for port in cookie.port.split(","):
            try:
                int(port)
            except ValueError:
                return False
            if port == request_port_text:
                return True
        return False

    # --- returning a cookie to a request
    def return_ok(self, cookie: Any, request: Any) -> bool:
        return all(
            getattr(self, "return_ok_" + check)(cookie, request) for check in self._RETURN_CHECKS
        )

    def return_ok_version(self, cookie: Any, request: Any) -> bool:
        return self._version_enabled(cookie.version)

    return_ok_verifiability = _verifiable

    def return_ok_secure(self, cookie: Any, request: Any) -> bool:
        return not (cookie.secure and request.type not in self.secure_protocols)

    def return_ok_expires(self, cookie: Any, request: Any) -> bool:
        return not cookie.is_expired(self._now)

    def return_ok_port(self, cookie: Any, request: Any) -> bool:
        if not cookie.port:
            return True
        request_port_text = request_port(request) or "80"
        return request_port_text in cookie.port.split(",")

    def return_ok_domain(self, cookie: Any, request: Any) -> bool:
        _, effective_host = eff_request_host(request)
        domain = cookie.domain
        dotted = "." + domain if domain and not domain.startswith(".") else domain
        # Host-only Netscape cookies, strictly: only to exactly the host that set them.
        if (
            cookie.version == 0
            and self.strict_ns_domain & self.DomainStrictNonDomain
            and not cookie.domain_specified
            and domain != effective_host
        ):
            return False
        if cookie.version > 0 and not domain_match(effective_host, domain):
            return False
        return not (cookie.version == 0 and not ("." + effective_host).endswith(dotted))

    def domain_return_ok(self, domain: str, request: Any) -> bool:
        host, effective_host = eff_request_host(request)
        host = host if host.startswith(".") else "." + host
        effective_host = effective_host if effective_host.startswith(".") else "." + effective_host
        dotted = "." + domain if domain and not domain.startswith(".") else domain
        if not (host.endswith(dotted) or effective_host.endswith(dotted)):
            return False
        return not (self.is_blocked(domain) or self.is_not_allowed(domain))

    def path_return_ok(self, path: str, request: Any) -> bool:
        # RFC 6265 section 5.1.4 path-match.
        req_path = request_path(request)
        if req_path == path:
            return True
        return req_path.startswith(path) and (
            path.endswith("/") or req_path[len(path) : len(path) + 1] == "/"
        )
