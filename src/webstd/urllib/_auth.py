"""Password managers and the Basic and Digest authentication handlers of webstd.urllib.request.

This module owns the credential store (which user and password go to which realm and URI) and the
challenge/response rules of RFC 7617 (Basic) and RFC 7616 (Digest). It knows nothing of sockets: a
handler answers a 401/407 by adding a header to the request and asking its opener to open it again.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from webstd.urllib._request_urls import split_port
from webstd.urllib.error import HTTPError, URLError
from webstd.urllib.parse import urlparse, urlsplit

__all__ = [
    "HTTPPasswordMgr",
    "HTTPPasswordMgrWithDefaultRealm",
    "HTTPPasswordMgrWithPriorAuth",
    "AbstractBasicAuthHandler",
    "AbstractDigestAuthHandler",
    "parse_http_list",
    "parse_keqv_list",
]

# A challenge as the stdlib reads WWW-Authenticate: ``scheme realm="..."`` (RFC 7235 section 2.1),
# the realm quoted with " or ' (or, with a warning, not at all).
_BASIC_CHALLENGE = re.compile(r"(?:^|,)[ \t]*([^ \t,]+)[ \t]+realm=([\"']?)([^\"']*)\2", re.I)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _hexdigest(name: str) -> Callable[[str], str]:
    def digest(text: str) -> str:
        return hashlib.new(name, text.encode("ascii")).hexdigest()

    return digest


# RFC 7616 section 3.3 names the algorithms; "SHA" (SHA-1) is what 3.11 also accepts.
_DIGEST_ALGORITHMS = {"MD5": _hexdigest("md5"), "SHA": _hexdigest("sha1"),
                      "SHA-256": _hexdigest("sha256")}


def parse_keqv_list(elements: Iterable[str]) -> dict[str, str]:
    """Turns ``['a=1', 'b="2"']`` into ``{'a': '1', 'b': '2'}`` (outer quotes removed)."""
    parsed = {}
    for element in elements:
        key, value = element.split("=", 1)
        if value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
        parsed[key] = value
    return parsed


def parse_http_list(text: str) -> list[str]:
    """Splits a comma-separated header list (RFC 9110 section 5.6.1), keeping quoted strings whole.

    Inside a quoted string a backslash escapes the next character and is dropped; the quotes stay.
    """
    parts: list[str] = []
    current: list[str] = []
    escaped = quoted = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif quoted:
            if char == "\\":
                escaped = True
                continue
            if char == '"':
                quoted = False
            current.append(char)
        elif char == ",":
            parts.append("".join(current))
            current = []
        else:
            if char == '"':
                quoted = True
            current.append(char)
    if current:
        parts.append("".join(current))
    return [part.strip() for part in parts]


class HTTPPasswordMgr:
    """Credentials by realm and by URI prefix (scheme-less authority plus path)."""

    def __init__(self) -> None:
        self.passwd: dict[Any, dict[tuple[tuple[str, str], ...], tuple[str, str]]] = {}

    def add_password(self, realm: str | None, uri: str | Iterable[str], user: str,
                     passwd: str) -> None:
        uris = [uri] if isinstance(uri, str) else list(uri)
        by_uri = self.passwd.setdefault(realm, {})
        for default_port in (True, False):
            reduced = tuple(self.reduce_uri(one, default_port) for one in uris)
            by_uri[reduced] = (user, passwd)

    def find_user_password(self, realm: str | None, authuri: str) -> tuple[Any, Any]:
        domains = self.passwd.get(realm, {})
        for default_port in (True, False):
            reduced = self.reduce_uri(authuri, default_port)
            for uris, credentials in domains.items():
                for uri in uris:
                    if self.is_suburi(uri, reduced):
                        return credentials
        return None, None

    def reduce_uri(self, uri: str, default_port: bool = True) -> tuple[str, str]:
        """``(authority, path)``; with ``default_port`` an http(s) authority gets its port."""
        parts = urlsplit(uri)
        if parts[1]:
            scheme: str | None = parts[0]
            authority = parts[1]
            path = parts[2] or "/"
        else:
            scheme = None
            authority = uri
            path = "/"
        host, port = split_port(authority)
        if default_port and port is None and scheme is not None:
            known = _DEFAULT_PORTS.get(scheme)
            if known is not None:
                authority = f"{host}:{known}"
        return authority, path

    def is_suburi(self, base: tuple[str, str], test: tuple[str, str]) -> bool:
        """Whether ``test`` is ``base`` or below it (same authority, path under base's)."""
        if base == test:
            return True
        if base[0] != test[0]:
            return False
        prefix = base[1]
        if prefix[-1:] != "/":
            prefix += "/"
        return test[1].startswith(prefix)


class HTTPPasswordMgrWithDefaultRealm(HTTPPasswordMgr):
    """Falls back to the credentials added with realm None."""

    def find_user_password(self, realm: str | None, authuri: str) -> tuple[Any, Any]:
        user, password = super().find_user_password(realm, authuri)
        if user is not None:
            return user, password
        return super().find_user_password(None, authuri)


class HTTPPasswordMgrWithPriorAuth(HTTPPasswordMgrWithDefaultRealm):
    """Also remembers which URIs accepted the credentials, so Basic can be sent unasked."""

    def __init__(self) -> None:
        self.authenticated: dict[tuple[str, str], bool] = {}
        super().__init__()

    def add_password(self, realm: str | None, uri: str | Iterable[str], user: str, passwd: str,
                     is_authenticated: bool = False) -> None:
        self.update_authenticated(uri, is_authenticated)
        if realm is not None:
            super().add_password(None, uri, user, passwd)
        super().add_password(realm, uri, user, passwd)

    def update_authenticated(self, uri: str | Iterable[str], is_authenticated: bool = False) -> None:
        uris = [uri] if isinstance(uri, str) else list(uri)
        for default_port in (True, False):
            for one in uris:
                self.authenticated[self.reduce_uri(one, default_port)] = is_authenticated

    def is_authenticated(self, authuri: str) -> bool | None:
        for default_port in (True, False):
            reduced = self.reduce_uri(authuri, default_port)
            for uri, known in self.authenticated.items():
                if self.is_suburi(uri, reduced):
                    return known
        return None


def _basic_credentials(user: str, password: str) -> str:
    # RFC 7617 section 2: base64 of user-id ":" password.
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


class AbstractBasicAuthHandler:
    """Answers a Basic challenge (RFC 7617) with the password manager's credentials."""

    rx = _BASIC_CHALLENGE
    auth_header = "Authorization"
    parent: Any

    def __init__(self, password_mgr: HTTPPasswordMgr | None = None) -> None:
        if password_mgr is None:
            password_mgr = HTTPPasswordMgr()
        self.passwd = password_mgr
        self.add_password = self.passwd.add_password

    def _parse_realm(self, header: str) -> Iterator[tuple[str, str | None]]:
        found = False
        for match in self.rx.finditer(header):
            scheme, quote, realm = match.groups()
            if quote not in ('"', "'"):
                warnings.warn("Basic Auth Realm was unquoted", UserWarning, 3)
            yield scheme, realm
            found = True
        if not found:
            yield (header.split()[0] if header else ""), None

    def http_error_auth_reqed(self, authreq: str, host: str, req: Any, headers: Any) -> Any:
        challenges = headers.get_all(authreq)
        if not challenges:
            return None
        unsupported = None
        for challenge in challenges:
            for scheme, realm in self._parse_realm(challenge):
                if scheme.lower() != "basic":
                    unsupported = scheme
                    continue
                if realm is not None:
                    return self.retry_http_basic_auth(host, req, realm)
        if unsupported is not None:
            raise ValueError(
                f"AbstractBasicAuthHandler does not support the following scheme: {unsupported!r}"
            )
        return None

    def retry_http_basic_auth(self, host: str, req: Any, realm: str) -> Any:
        user, password = self.passwd.find_user_password(realm, host)
        if password is None:
            return None
        credentials = _basic_credentials(user, password)
        # The same credentials were already refused: asking again would loop.
        if req.get_header(self.auth_header, None) == credentials:
            return None
        req.add_unredirected_header(self.auth_header, credentials)
        return self.parent.open(req, timeout=req.timeout)

    def http_request(self, req: Any) -> Any:
        is_authenticated = getattr(self.passwd, "is_authenticated", None)
        if is_authenticated is None or not is_authenticated(req.full_url):
            return req
        if not req.has_header("Authorization"):
            user, password = self.passwd.find_user_password(None, req.full_url)
            req.add_unredirected_header("Authorization", _basic_credentials(user, password))
        return req

    def http_response(self, req: Any, response: Any) -> Any:
        if hasattr(self.passwd, "is_authenticated"):
            self.passwd.update_authenticated(req.full_url, 200 <= response.code < 300)
        return response

    https_request = http_request
    https_response = http_response


class AbstractDigestAuthHandler:
    """Answers a Digest challenge (RFC 7616) with qop=auth or none; MD5, SHA and SHA-256."""

    auth_header = "Authorization"
    parent: Any

    def __init__(self, passwd: HTTPPasswordMgr | None = None) -> None:
        if passwd is None:
            passwd = HTTPPasswordMgr()
        self.passwd = passwd
        self.add_password = self.passwd.add_password
        self.retried = 0
        self.nonce_count = 0
        self.last_nonce: str | None = None

    def reset_retry_count(self) -> None:
        self.retried = 0

    def http_error_auth_reqed(self, auth_header: str, host: str, req: Any, headers: Any) -> Any:
        challenge = headers.get(auth_header, None)
        if self.retried > 5:
            # The server keeps refusing what we computed; give up rather than loop.
            raise HTTPError(req.full_url, 401, "digest auth failed", headers, None)
        self.retried += 1
        if challenge:
            scheme = challenge.split()[0]
            if scheme.lower() == "digest":
                return self.retry_http_digest_auth(req, challenge)
            if scheme.lower() != "basic":
                raise ValueError(
                    "AbstractDigestAuthHandler does not support the following scheme: "
                    f"'{scheme}'"
                )
        return None

    def retry_http_digest_auth(self, req: Any, auth: str) -> Any:
        _, challenge = auth.split(" ", 1)
        fields = parse_keqv_list(filter(None, parse_http_list(challenge)))
        authorization = self.get_authorization(req, fields)
        if not authorization:
            return None
        value = f"Digest {authorization}"
        if req.headers.get(self.auth_header, None) == value:
            return None
        req.add_unredirected_header(self.auth_header, value)
        return self.parent.open(req, timeout=req.timeout)

    def get_cnonce(self, nonce: str) -> str:
        # RFC 7616 section 3.4: an opaque client nonce; unpredictable bytes are what matters.
        seed = f"{self.nonce_count}:{nonce}:{time.ctime()}:".encode("ascii") + os.urandom(8)
        return hashlib.sha1(seed).hexdigest()[:16]

    def get_authorization(self, req: Any, chal: dict[str, str]) -> str | None:
        try:
            realm = chal["realm"]
            nonce = chal["nonce"]
        except KeyError:
            return None
        qop = chal.get("qop")
        algorithm = chal.get("algorithm", "MD5")
        opaque = chal.get("opaque")
        digest, keyed = self.get_algorithm_impls(algorithm)
        user, password = self.passwd.find_user_password(realm, req.full_url)
        if user is None:
            return None
        entity_digest = self.get_entity_digest(req.data, chal) if req.data is not None else None
        # RFC 7616 section 3.4.1-3.4.3: response = KD(H(A1), nonce ":" [nc ":" cnonce ":" qop ":"] H(A2))
        secret = digest(f"{user}:{realm}:{password}")
        method_uri = digest(f"{req.get_method()}:{req.selector}")
        if qop is None:
            response = keyed(secret, f"{nonce}:{method_uri}")
        elif "auth" in qop.split(","):
            if nonce == self.last_nonce:
                self.nonce_count += 1
            else:
                self.nonce_count = 1
                self.last_nonce = nonce
            count = f"{self.nonce_count:08x}"
            cnonce = self.get_cnonce(nonce)
            response = keyed(secret, f"{nonce}:{count}:{cnonce}:auth:{method_uri}")
        else:
            raise URLError(f"qop '{qop}' is not supported.")
        fields = (f'username="{user}", realm="{realm}", nonce="{nonce}", uri="{req.selector}", '
                  f'response="{response}"')
        if opaque:
            fields += f', opaque="{opaque}"'
        if entity_digest:
            fields += f', digest="{entity_digest}"'
        fields += f', algorithm="{algorithm}"'
        if qop:
            fields += f', qop=auth, nc={count}, cnonce="{cnonce}"'
        return fields

    def get_algorithm_impls(
        self, algorithm: str
    ) -> tuple[Callable[[str], str], Callable[[str, str], str]]:
        digest = _DIGEST_ALGORITHMS.get(algorithm)
        if digest is None:
            raise ValueError(f"Unsupported digest authentication algorithm {algorithm!r}")

        def keyed(secret: str, data: str) -> str:
            return digest(f"{secret}:{data}")

        return digest, keyed

    def get_entity_digest(self, data: Any, chal: dict[str, str]) -> str | None:
        return None


def digest_host(req: Any) -> str:
    """The authority a Digest 401 is looked up under (the request URL's netloc)."""
    return urlparse(req.full_url)[1]
