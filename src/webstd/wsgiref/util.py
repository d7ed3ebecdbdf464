"""Helpers for WSGI servers and applications (PEP 3333): URLs from an environ, path shifting,
file iteration and the hop-by-hop header test.

Everything here works on plain dictionaries and file objects; nothing opens a socket.
"""

from __future__ import annotations

import io
import posixpath
from collections.abc import Iterator, MutableMapping
from typing import IO, Any

__all__ = [
    "FileWrapper",
    "guess_scheme",
    "application_uri",
    "request_uri",
    "shift_path_info",
    "setup_testing_defaults",
    "is_hop_by_hop",
]

# RFC 3986 section 2.3: unreserved characters never need percent-encoding.
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# The extra characters kept literally in each part of a reconstructed URL.
_SCRIPT_NAME_SAFE = frozenset(b"/")
_PATH_INFO_SAFE = frozenset(b"/;=,")
_DEFAULT_PORTS = {"http": "80", "https": "443"}

# RFC 2616 section 13.5.1 (RFC 9110 section 7.6.1): connection-specific fields a WSGI
# application must not set; only the server manages the connection.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
# CGI variable HTTPS: the values servers use to say the request came over TLS.
_HTTPS_ON = ("yes", "on", "1")


def _percent_encode(text: str, safe: frozenset[int]) -> str:
    # A WSGI environ holds "bytes as latin-1" strings (PEP 3333, "Unicode Issues"), so
    # latin-1 recovers the original octets; anything else is not a valid environ string.
    if not isinstance(text, str):
        raise TypeError(f"environ URL parts must be str, not {type(text).__name__}")
    octets = text.encode("latin-1")
    return "".join(
        chr(octet) if octet in _UNRESERVED or octet in safe else f"%{octet:02X}" for octet in octets
    )


class FileWrapper:
    """Iterate over a file-like object in blocks of ``blksize`` bytes (``wsgi.file_wrapper``)."""

    def __init__(self, filelike: IO[bytes], blksize: int = 8192) -> None:
        self.filelike = filelike
        self.blksize = blksize
        # PEP 3333: the wrapper's close() must call the file's close(), if it has one.
        if hasattr(filelike, "close"):
            self.close = filelike.close

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        block = self.filelike.read(self.blksize)
        if block:
            return block
        raise StopIteration


def guess_scheme(environ: MutableMapping[str, Any]) -> str:
    """Return ``"https"`` when the CGI ``HTTPS`` variable says so, else ``"http"``."""
    return "https" if environ.get("HTTPS") in _HTTPS_ON else "http"


def application_uri(environ: MutableMapping[str, Any]) -> str:
    """Return the URL of the application's root, without ``PATH_INFO`` or the query."""
    scheme = environ["wsgi.url_scheme"]
    host = environ.get("HTTP_HOST")
    if not host:
        # PEP 3333 "URL Reconstruction": fall back on SERVER_NAME, adding the port only
        # when it is not the scheme's default.
        host = environ["SERVER_NAME"]
        port = environ["SERVER_PORT"]
        if port != _DEFAULT_PORTS.get(scheme):
            host = f"{host}:{port}"
    script_name = environ.get("SCRIPT_NAME") or "/"
    return f"{scheme}://{host}{_percent_encode(script_name, _SCRIPT_NAME_SAFE)}"


def request_uri(environ: MutableMapping[str, Any], include_query: bool = True) -> str:
    """Return the full URL of the request, with the query string unless ``include_query``
    is false."""
    url = application_uri(environ)
    path = _percent_encode(environ.get("PATH_INFO", ""), _PATH_INFO_SAFE)
    if not environ.get("SCRIPT_NAME"):
        # application_uri() already ended the URL with the "/" standing for an empty
        # SCRIPT_NAME; PATH_INFO's own leading character replaces it.
        path = path[1:]
    url += path
    query = environ.get("QUERY_STRING")
    if include_query and query:
        url = f"{url}?{query}"
    return url


def shift_path_info(environ: MutableMapping[str, Any]) -> str | None:
    """Move the first segment of ``PATH_INFO`` onto the end of ``SCRIPT_NAME`` and return it.

    Returns ``None`` when ``PATH_INFO`` is empty (nothing to shift) or the segment is ``"."``.
    Empty and ``"."`` segments between the first and the last are dropped; ``".."`` is
    resolved in ``SCRIPT_NAME`` as a path, so it cannot climb above the root.
    """
    path_info = environ.get("PATH_INFO", "")
    if not path_info:
        return None
    segments = path_info.split("/")
    if len(segments) < 2:
        # PEP 3333: a non-empty PATH_INFO starts with "/"; without one there is no segment.
        raise IndexError(f"PATH_INFO has no segment to shift: {path_info!r}")
    inner = [segment for segment in segments[1:-1] if segment not in ("", ".")]
    head, name, *rest = [segments[0], *inner, segments[-1]]
    script_name = posixpath.normpath(environ.get("SCRIPT_NAME", "") + "/" + name)
    script_name = script_name.removesuffix("/")
    if not name and not script_name.endswith("/"):
        # An empty segment ("/a/" shifted once more) means the request named a directory:
        # keep the trailing slash on SCRIPT_NAME so the URL still says so.
        script_name += "/"
    environ["SCRIPT_NAME"] = script_name
    environ["PATH_INFO"] = "/".join([head, *rest])
    return None if name == "." else name


def setup_testing_defaults(environ: MutableMapping[str, Any]) -> None:
    """Fill in the CGI and WSGI variables a test environ lacks, leaving the present ones."""
    environ.setdefault("SERVER_NAME", "127.0.0.1")
    environ.setdefault("SERVER_PROTOCOL", "HTTP/1.0")
    environ.setdefault("HTTP_HOST", environ["SERVER_NAME"])
    environ.setdefault("REQUEST_METHOD", "GET")
    if "SCRIPT_NAME" not in environ and "PATH_INFO" not in environ:
        environ.setdefault("SCRIPT_NAME", "")
        environ.setdefault("PATH_INFO", "/")
    environ.setdefault("wsgi.version", (1, 0))
    environ.setdefault("wsgi.run_once", 0)
    environ.setdefault("wsgi.multithread", 0)
    environ.setdefault("wsgi.multiprocess", 0)
    environ.setdefault("wsgi.input", io.BytesIO())
    environ.setdefault("wsgi.errors", io.StringIO())
    environ.setdefault("wsgi.url_scheme", guess_scheme(environ))
    default_port = _DEFAULT_PORTS.get(environ["wsgi.url_scheme"])
    if default_port is not None:
        environ.setdefault("SERVER_PORT", default_port)


def is_hop_by_hop(header_name: str) -> bool:
    """Return whether ``header_name`` is a hop-by-hop field (RFC 2616 section 13.5.1)."""
    return header_name.lower() in _HOP_BY_HOP
