"""``ftp:`` URLs for urllib.request: FTPHandler, CacheFTPHandler and their connection, ftpwrapper.

On the stdlib's ftplib (the FTP protocol itself, RFC 959, is not webstd's subject). As in 3.11:

- ``ftp://user:password@host:port/dir/sub/file;type=a`` logs in (anonymously without a user),
  changes to ``dir/sub`` and retrieves ``file`` in binary (``type=i``, the default for a file),
  ASCII (``type=a``) or as a listing (``type=d``, the default when the path ends in "/"). A file
  that the server refuses with 550 is tried as a directory and listed.
- Headers: Content-type from the file name (when it has one) and Content-length when the server
  gave the size in its 150 reply.
- ftplib's errors (and socket errors, a timeout among them) while connecting, logging in or
  starting the transfer become URLError, with the original exception as ``reason``; a timeout
  while reading the body raises TimeoutError from ``read()``, as with the stdlib.

FTPHandler uses one connection per request, closed when the response is; CacheFTPHandler keeps
connections per (user, host, port, directory, timeout) for ``delay`` seconds (``setTimeout``),
at most ``max_conns`` of them (``setMaxConns``).
"""

from __future__ import annotations

import ftplib
import mimetypes
import socket
import time
from typing import Any

from webstd.http._message import HTTPMessage
from webstd.urllib._parse_legacy import (
    _splitattr,
    _splitpasswd,
    _splitport,
    _splituser,
    _splitvalue,
)
from webstd.urllib._request_base import BaseHandler, Request
from webstd.urllib.error import URLError
from webstd.urllib.parse import unquote
from webstd.urllib.response import addclosehook, addinfourl

__all__ = ["FTPHandler", "CacheFTPHandler", "ftpwrapper", "ftperrors", "transfer_type",
           "ftp_headers", "ftpcache", "MAXFTPCACHE"]  # fmt: skip

# URLopener's connections, shared by every URLopener (as in 3.11), and how many it keeps.
ftpcache: dict[tuple[Any, ...], ftpwrapper] = {}
MAXFTPCACHE = 10

_TYPES = ("a", "A", "i", "I", "d", "D")


def ftperrors() -> tuple[type[BaseException], ...]:
    """The exceptions ftplib raises (its own, OSError and EOFError)."""
    return ftplib.all_errors


def transfer_type(file: str, attributes: list[str]) -> str:
    """"I" for a file, "D" for a directory, unless a ``;type=`` attribute says otherwise."""
    kind = "I" if file else "D"
    for attribute in attributes:
        name, value = _splitvalue(attribute)
        if name.lower() == "type" and value in _TYPES:
            kind = value.upper()
    return kind


def ftp_headers(url: str, length: int | None, names: tuple[str, str] = ("Content-type",
                "Content-length")) -> HTTPMessage:  # fmt: skip
    """The headers an ftp: response carries: its media type (if known) and its length."""
    message = HTTPMessage()
    media_type = mimetypes.guess_type(url)[0]
    if media_type:
        message[names[0]] = media_type
    if length is not None and length >= 0:
        message[names[1]] = str(length)
    return message


class ftpwrapper:  # noqa: N801 - the stdlib's name
    """One logged-in FTP control connection, changed to ``dirs``; hands out one transfer at a
    time (``retrfile``). ``persistent=False``: closed when its last transfer is."""

    def __init__(self, user: str, passwd: str, host: str, port: int, dirs: list[str],
                 timeout: Any = None, persistent: bool = True) -> None:  # fmt: skip
        self.user = user
        self.passwd = passwd
        self.host = host
        self.port = port
        self.dirs = dirs
        self.timeout = timeout
        self.refcount = 0
        self.keepalive = persistent
        try:
            self.init()
        except BaseException:
            self.close()
            raise

    def init(self) -> None:
        self.busy = False
        self.ftp = ftplib.FTP()
        self.ftp.connect(self.host, self.port, self.timeout)
        self.ftp.login(self.user, self.passwd)
        self.ftp.cwd("/".join(self.dirs))

    def retrfile(self, file: str, type: str) -> tuple[Any, int | None]:  # noqa: A002
        """(a file object over the data connection, the size the server announced or None)."""
        self.endtransfer()
        listing = type in ("d", "D")
        command = "TYPE A" if listing else "TYPE " + type
        try:
            self.ftp.voidcmd(command)
        except ftplib.all_errors:
            # The server dropped an idle connection: log in again once.
            self.init()
            self.ftp.voidcmd(command)
        connection = None
        if file and not listing:
            try:
                connection, length = self.ftp.ntransfercmd("RETR " + file)
            except ftplib.error_perm as reason:
                if not str(reason).startswith("550"):
                    raise URLError(f"ftp error: {reason}") from reason
        if connection is None:
            # Not a file (or a directory asked for): list it, in ASCII.
            self.ftp.voidcmd("TYPE A")
            if file:
                current = self.ftp.pwd()
                try:
                    try:
                        self.ftp.cwd(file)
                    except ftplib.error_perm as reason:
                        raise URLError(f"ftp error: {reason!r}") from reason
                finally:
                    self.ftp.cwd(current)
                connection, length = self.ftp.ntransfercmd("LIST " + file)
            else:
                connection, length = self.ftp.ntransfercmd("LIST")
        self.busy = True
        stream = addclosehook(connection.makefile("rb"), self.file_close)
        self.refcount += 1
        connection.close()  # the file object holds the socket open until it is closed
        return stream, length

    def endtransfer(self) -> None:
        """Reads the reply that ends the current transfer (226), if one is under way."""
        if not self.busy:
            return
        self.busy = False
        try:
            self.ftp.voidresp()
        except ftperrors():
            pass

    def close(self) -> None:
        self.keepalive = False
        if self.refcount <= 0:
            self.real_close()

    def file_close(self) -> None:
        self.endtransfer()
        self.refcount -= 1
        if self.refcount <= 0 and not self.keepalive:
            self.real_close()

    def real_close(self) -> None:
        self.endtransfer()
        ftp = getattr(self, "ftp", None)
        if ftp is not None:
            try:
                ftp.close()
            except ftperrors():
                pass


def _wrapper_class() -> Any:
    """urllib.request's ``ftpwrapper``, read at call time: code may replace it there."""
    from webstd.urllib import request

    return request.ftpwrapper


def parse_ftp_host(host: str) -> tuple[str, str, str, int | None]:
    """``user:password@host:port`` -> (user, password, host, port or None); user and password
    stay percent-encoded, the host is decoded."""
    host, port = _splitport(host)
    user, host = _splituser(host)
    password = None
    if user:
        user, password = _splitpasswd(user)
    return user or "", password or "", unquote(host), (int(port) if port else None)


class FTPHandler(BaseHandler):
    """Opens ``ftp:`` URLs, one connection per request."""

    def ftp_open(self, req: Request) -> Any:
        if not req.host:
            raise URLError("ftp error: no host given")
        user, passwd, host, port = parse_ftp_host(req.host)
        if port is None:
            port = ftplib.FTP_PORT
        try:
            host = socket.gethostbyname(host)
        except OSError as error:
            raise URLError(error)
        path, attributes = _splitattr(req.selector)
        dirs = [unquote(part) for part in path.split("/")]
        dirs, file = dirs[:-1], dirs[-1]
        if dirs and not dirs[0]:
            dirs = dirs[1:]
        try:
            wrapper = self.connect_ftp(user, passwd, host, port, dirs, req.timeout)
            stream, length = wrapper.retrfile(file, transfer_type(file, attributes))
            return addinfourl(stream, ftp_headers(req.full_url, length), req.full_url)
        except ftplib.all_errors as error:
            raise URLError(error) from error

    def connect_ftp(self, user: str, passwd: str, host: str, port: int, dirs: list[str],
                    timeout: Any) -> ftpwrapper:  # fmt: skip
        return _wrapper_class()(user, passwd, host, port, dirs, timeout, persistent=False)


class CacheFTPHandler(FTPHandler):
    """FTPHandler keeping its connections for reuse: ``delay`` seconds each (60), at most
    ``max_conns`` (16)."""

    def __init__(self) -> None:
        self.cache: dict[tuple[Any, ...], ftpwrapper] = {}
        self.timeout: dict[tuple[Any, ...], float] = {}
        self.soonest = 0.0
        self.delay = 60
        self.max_conns = 16

    def setTimeout(self, t: float) -> None:  # noqa: N802 - the stdlib's names
        self.delay = t

    def setMaxConns(self, m: int) -> None:  # noqa: N802
        self.max_conns = m

    def connect_ftp(self, user: str, passwd: str, host: str, port: int, dirs: list[str],
                    timeout: Any) -> ftpwrapper:  # fmt: skip
        key = user, host, port, "/".join(dirs), timeout
        if key not in self.cache:
            self.cache[key] = _wrapper_class()(user, passwd, host, port, dirs, timeout)
        self.timeout[key] = time.time() + self.delay
        self.check_cache(key)
        return self.cache[key]

    def check_cache(self, keep: Any = None) -> None:
        """Closes the connections whose time is up, then drops the oldest one if the cache is
        full; never the one under ``keep``, about to be used (3.11 closes that one too when the
        delay is 0, and then fails with KeyError)."""
        now = time.time()
        if self.soonest <= now:
            for key, expiry in list(self.timeout.items()):
                if expiry < now and key != keep:
                    self.cache.pop(key).close()
                    del self.timeout[key]
        self.soonest = min(self.timeout.values(), default=0.0)
        if len(self.cache) == self.max_conns:
            for key, expiry in list(self.timeout.items()):
                if expiry == self.soonest and key != keep:
                    # Dropped from the cache, not closed: a response may still be reading it.
                    del self.cache[key]
                    del self.timeout[key]
                    break
            self.soonest = min(self.timeout.values(), default=0.0)

    def clear_cache(self) -> None:
        for wrapper in self.cache.values():
            wrapper.close()
        self.cache.clear()
        self.timeout.clear()
