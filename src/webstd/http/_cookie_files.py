"""Cookie jars saved to and loaded from files: the Netscape cookies.txt format (as written by
curl and browsers) and libwww-perl's "Set-Cookie3" format.

Files are written with mode 0600 because they hold credentials. A line that cannot be read
raises LoadError; nothing here decides which cookies are sent where.
"""

from __future__ import annotations

import copy
import os
import re
import time
from typing import IO, Any

from webstd.http._cookie_dates import iso2time, time2isoz
from webstd.http._cookie_headers import join_header_words, split_header_words
from webstd.http._cookie_jar import Cookie, CookieJar, LoadError

MISSING_FILENAME_TEXT = (
    "a filename was not supplied (nor was the CookieJar instance initialised with one)"
)
NETSCAPE_MAGIC_RGX = re.compile("#( Netscape)? HTTP Cookie File")
NETSCAPE_HEADER_TEXT = """\
# Netscape HTTP Cookie File
# http://curl.haxx.se/rfc/cookie_spec.html
# This is a generated file!  Do not edit.

"""
# cookies.txt marks HttpOnly cookies by prefixing the domain (a convention of curl/Firefox).
HTTPONLY_ATTR = "HTTPOnly"
HTTPONLY_PREFIX = "#HttpOnly_"

_LWP_HEADER = "Set-Cookie3:"
_LWP_BOOLEAN_ATTRIBUTES = ("port_spec", "path_spec", "domain_dot", "secure", "discard")
_LWP_VALUE_ATTRIBUTES = ("version", "port", "path", "domain", "expires", "comment", "commenturl")


def _open_private(filename: str) -> IO[str]:
    return os.fdopen(os.open(filename, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600), "w")


def _keep(cookie: Cookie, now: float, ignore_discard: bool, ignore_expires: bool) -> bool:
    if not ignore_discard and cookie.discard:
        return False
    return ignore_expires or not cookie.is_expired(now)


class FileCookieJar(CookieJar):
    """A CookieJar that can be saved to and loaded from a file."""

    def __init__(self, filename: Any = None, delayload: bool = False, policy: Any = None) -> None:
        super().__init__(policy)
        self.filename = os.fspath(filename) if filename is not None else None
        self.delayload = bool(delayload)

    def _filename(self, filename: Any) -> Any:
        if filename is not None:
            return filename
        if self.filename is not None:
            return self.filename
        raise ValueError(MISSING_FILENAME_TEXT)

    def save(self, filename: Any = None, ignore_discard: bool = False,
             ignore_expires: bool = False) -> None:  # fmt: skip
        raise NotImplementedError()

    def load(self, filename: Any = None, ignore_discard: bool = False,
             ignore_expires: bool = False) -> None:  # fmt: skip
        """Add the cookies of a file to the jar (keeping the ones already there)."""
        filename = self._filename(filename)
        with open(filename) as f:
            self._really_load(f, filename, ignore_discard, ignore_expires)

    def revert(self, filename: Any = None, ignore_discard: bool = False,
               ignore_expires: bool = False) -> None:  # fmt: skip
        """Replace the jar's cookies with the file's; on OSError the jar is left unchanged."""
        filename = self._filename(filename)
        with self._cookies_lock:
            saved = copy.deepcopy(self._cookies)
            self._cookies = {}
            try:
                self.load(filename, ignore_discard, ignore_expires)
            except OSError:
                self._cookies = saved
                raise

    def _really_load(self, f: IO[str], filename: Any, ignore_discard: bool,
                     ignore_expires: bool) -> None:  # fmt: skip
        raise NotImplementedError()


class MozillaCookieJar(FileCookieJar):
    """The Netscape/Mozilla cookies.txt format: one tab-separated line per cookie.

    Fields: domain, domain-specified flag, path, secure flag, expiry (POSIX seconds, empty for
    a session cookie), name, value. Port, comment and version are not stored.
    """

    def _really_load(self, f: IO[str], filename: Any, ignore_discard: bool,
                     ignore_expires: bool) -> None:  # fmt: skip
        now = time.time()
        if not NETSCAPE_MAGIC_RGX.match(f.readline()):
            raise LoadError(f"{filename!r} does not look like a Netscape format cookies file")
        for line in f:
            try:
                cookie = self._parse_line(line)
            except ValueError:
                raise LoadError(
                    f"invalid Netscape format cookies file {filename!r}: {line!r}"
                ) from None
            if cookie is not None and _keep(cookie, now, ignore_discard, ignore_expires):
                self.set_cookie(cookie)

    @staticmethod
    def _parse_line(line: str) -> Cookie | None:
        rest = {}
        if line.startswith(HTTPONLY_PREFIX):
            rest[HTTPONLY_ATTR] = ""
            line = line[len(HTTPONLY_PREFIX) :]
        # Only the newline goes: an empty last field leaves a trailing tab.
        if line.endswith("\n"):
            line = line[:-1]
        if line.strip().startswith(("#", "$")) or line.strip() == "":
            return None
        fields = line.split("\t")
        if len(fields) != 7:
            raise ValueError("a cookie line has seven tab-separated fields")
        domain, domain_specified, path, secure, expires, name, value = fields
        initial_dot = domain.startswith(".")
        if (domain_specified == "TRUE") != initial_dot:
            raise ValueError("the domain flag must match the domain's leading dot")
        no_value = name == ""
        # cookies.txt stores "Set-Cookie: foo" as a nameless cookie, the jar as a valueless one.
        return Cookie(
            0, value if no_value else name, None if no_value else value, None, False, domain,
            domain_specified == "TRUE", initial_dot, path, False, secure == "TRUE",
            expires or None, expires == "", None, None, rest,
        )  # fmt: skip

    def save(self, filename: Any = None, ignore_discard: bool = False,
             ignore_expires: bool = False) -> None:  # fmt: skip
        filename = self._filename(filename)
        with _open_private(filename) as f:
            f.write(NETSCAPE_HEADER_TEXT)
            now = time.time()
            for cookie in self:
                if not _keep(cookie, now, ignore_discard, ignore_expires):
                    continue
                domain = cookie.domain
                if cookie.has_nonstandard_attr(HTTPONLY_ATTR):
                    domain = HTTPONLY_PREFIX + domain
                if cookie.value is None:
                    name, value = "", cookie.name
                else:
                    name, value = cookie.name, cookie.value
                fields = [
                    domain,
                    "TRUE" if cookie.domain.startswith(".") else "FALSE",
                    cookie.path,
                    "TRUE" if cookie.secure else "FALSE",
                    "" if cookie.expires is None else str(cookie.expires),
                    name,
                    value,
                ]
                f.write("\t".join(fields) + "\n")


def lwp_cookie_str(cookie: Cookie) -> str:
    """A cookie as the attribute list of an LWP "Set-Cookie3" line."""
    pairs: list[tuple[str, str | None]] = [
        (cookie.name, cookie.value), ("path", cookie.path), ("domain", cookie.domain),
    ]  # fmt: skip
    if cookie.port is not None:
        pairs.append(("port", cookie.port))
    flags = (
        ("path_spec", cookie.path_specified),
        ("port_spec", cookie.port_specified),
        ("domain_dot", cookie.domain_initial_dot),
        ("secure", cookie.secure),
    )
    pairs += [(name, None) for name, present in flags if present]
    if cookie.expires:
        pairs.append(("expires", time2isoz(float(cookie.expires))))
    if cookie.discard:
        pairs.append(("discard", None))
    if cookie.comment:
        pairs.append(("comment", cookie.comment))
    if cookie.comment_url:
        pairs.append(("commenturl", cookie.comment_url))
    pairs += [(name, str(cookie._rest[name])) for name in sorted(cookie._rest)]
    pairs.append(("version", str(cookie.version)))
    return join_header_words([pairs])


class LWPCookieJar(FileCookieJar):
    """libwww-perl's format: "Set-Cookie3:" lines that keep every attribute of a cookie."""

    def as_lwp_str(self, ignore_discard: bool = True, ignore_expires: bool = True) -> str:
        now = time.time()
        lines = [
            f"{_LWP_HEADER} {lwp_cookie_str(cookie)}"
            for cookie in self
            if _keep(cookie, now, ignore_discard, ignore_expires)
        ]
        return "\n".join([*lines, ""])

    def save(self, filename: Any = None, ignore_discard: bool = False,
             ignore_expires: bool = False) -> None:  # fmt: skip
        filename = self._filename(filename)
        with _open_private(filename) as f:
            # "2.0" says the file has attributes (domain_dot, port_spec) libwww-perl lacks.
            f.write("#LWP-Cookies-2.0\n")
            f.write(self.as_lwp_str(ignore_discard, ignore_expires))

    def _really_load(self, f: IO[str], filename: Any, ignore_discard: bool,
                     ignore_expires: bool) -> None:  # fmt: skip
        if not self.magic_re.search(f.readline()):
            raise LoadError(f"{filename!r} does not look like a Set-Cookie3 (LWP) format file")
        now = time.time()
        for line in f:
            if not line.startswith(_LWP_HEADER):
                continue
            try:
                cookies = [
                    self._cookie_from_words(words)
                    for words in split_header_words([line[len(_LWP_HEADER) :].strip()])
                ]
            except (AttributeError, TypeError, ValueError):
                raise LoadError(f"invalid Set-Cookie3 format file {filename!r}: {line!r}") from None
            for cookie in cookies:
                if _keep(cookie, now, ignore_discard, ignore_expires):
                    self.set_cookie(cookie)

    @staticmethod
    def _cookie_from_words(words: list[tuple[str, str | None]]) -> Cookie:
        name, value = words[0]
        standard: dict[str, Any] = dict.fromkeys(_LWP_BOOLEAN_ATTRIBUTES, False)
        rest: dict[str, Any] = {}
        for key, attribute_value in words[1:]:
            lowered = key.lower()
            if lowered in _LWP_BOOLEAN_ATTRIBUTES:
                standard[lowered] = True if attribute_value is None else attribute_value
            elif lowered in _LWP_VALUE_ATTRIBUTES:
                standard[lowered] = attribute_value
            else:
                rest[key] = attribute_value
        expires = standard.get("expires")
        if expires is not None:
            expires = iso2time(expires)
        domain = standard.get("domain")
        return Cookie(
            standard.get("version"), name, value, standard.get("port"), standard["port_spec"],
            domain, domain.startswith("."), standard["domain_dot"], standard.get("path"),
            standard["path_spec"], standard["secure"], expires,
            expires is None or standard["discard"], standard.get("comment"),
            standard.get("commenturl"), rest,
        )  # fmt: skip
