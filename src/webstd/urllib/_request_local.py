"""The handlers that open URLs without a network peer: ``file:`` and ``data:`` (RFC 2397).

FileHandler follows 3.11's rule for hosts: ``file:`` URLs open only files of this machine, so the
host part must be empty, "localhost" or one of this machine's own addresses.
"""

from __future__ import annotations

import base64
import io
import mimetypes
import os
import socket
from typing import Any

from webstd.http._dates import format_http_date
from webstd.http._message import HTTPMessage
from webstd.urllib._request_base import BaseHandler, Request
from webstd.urllib._request_urls import split_port
from webstd.urllib.error import URLError
from webstd.urllib.parse import quote, unquote, unquote_to_bytes
from webstd.urllib.response import addinfourl


def url2pathname(pathname: str) -> str:
    """The local path a ``file:`` URL's path names (POSIX: percent-decoding)."""
    return unquote(pathname)


def pathname2url(pathname: str) -> str:
    """The URL path for a local path (POSIX: percent-encoding)."""
    return quote(pathname)


def _headers(fields: list[tuple[str, str]]) -> HTTPMessage:
    message = HTTPMessage()
    for name, value in fields:
        message[name] = value
    return message


def _address_of(host: str) -> str | None:
    try:
        return socket.gethostbyname(host)
    except socket.gaierror:
        return None


class FileHandler(BaseHandler):
    """Opens local files; Content-type from the file name, Content-length and Last-modified."""

    names: tuple[str, ...] | None = None

    def file_open(self, req: Request) -> Any:
        url = req.selector
        if url[:2] == "//" and url[2:3] != "/" and (req.host and req.host != "localhost"):
            if req.host not in self.get_names():
                raise URLError("file:// scheme is supported only on localhost")
        return self.open_local_file(req)

    def get_names(self) -> tuple[str, ...]:
        """This machine's addresses (cached on the class, as 3.11 does)."""
        if FileHandler.names is None:
            try:
                FileHandler.names = tuple(
                    socket.gethostbyname_ex("localhost")[2]
                    + socket.gethostbyname_ex(socket.gethostname())[2]
                )
            except socket.gaierror:
                FileHandler.names = (socket.gethostbyname("localhost"),)
        return FileHandler.names

    def open_local_file(self, req: Request) -> Any:
        host = req.host
        filename = req.selector
        local_file = url2pathname(filename)
        try:
            stats = os.stat(local_file)
            media_type = mimetypes.guess_type(filename)[0]
            headers = _headers([
                ("Content-type", media_type or "text/plain"),
                ("Content-length", str(stats.st_size)),
                ("Last-modified", format_http_date(stats.st_mtime)),
            ])
            if host:
                host, port = split_port(host)
            if not host or (not port and _address_of(host) in self.get_names()):
                origin_url = f"file://{host}{filename}" if host else f"file://{filename}"
                return addinfourl(open(local_file, "rb"), headers, origin_url)
        except OSError as error:
            raise URLError(error)
        raise URLError("file not on local host")


class DataHandler(BaseHandler):
    """``data:[<mediatype>][;base64],<data>`` (RFC 2397 section 3)."""

    def data_open(self, req: Request) -> Any:
        url = req.full_url
        _, rest = url.split(":", 1)
        media_type, data = rest.split(",", 1)
        if media_type.endswith(";base64"):
            body = base64.decodebytes(unquote_to_bytes(data))
            media_type = media_type[:-7]
        else:
            body = unquote_to_bytes(data)
        if not media_type:
            # RFC 2397 section 2: the default media type.
            media_type = "text/plain;charset=US-ASCII"
        headers = _headers([("Content-type", media_type), ("Content-length", str(len(body)))])
        return addinfourl(io.BytesIO(body), headers, url)
