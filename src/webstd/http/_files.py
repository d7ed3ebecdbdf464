"""File serving as decisions: request in, :class:`Reply` out, for any server loop to send.

It owns what a static file server answers: which file a target names (through
:mod:`._files_paths`), directory redirects and index files, the listing page, content types,
validators and preconditions, Range, precompressed ``.br``/``.gz`` siblings, gzip on the fly,
Basic authentication, CORS, and the start of uploads (:mod:`._files_upload`). It does no socket
I/O: a :class:`Reply` holds the status, the header fields and the body as bytes and
``(offset, count)`` slices of ``Reply.file``, which the caller sends (with sendfile when it can)
and then closes. The caller adds Date, Server and Connection.
"""

from __future__ import annotations

import mimetypes
import os
import stat
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from webstd._basic_auth import credentials_match
from webstd.http._dates import format_http_date
from webstd.http._files_conditional import (
    Validators,
    accepted_codings,
    coding_allowed,
    evaluate_preconditions,
    if_range_holds,
    make_etag,
)
from webstd.http._files_listing import render_listing
from webstd.http._files_paths import PathRefused, ResolvedPath, inside, resolve, split_target
from webstd.http._files_ranges import Unsatisfiable, byteranges_layout, content_range, parse_range
from webstd.http._files_reply import Reply, error_reply
from webstd.http._files_upload import begin_upload

__all__ = ["FileServerConfig", "FileService", "guess_type"]

GetHeader = Callable[[str], "str | None"]

# The stdlib's SimpleHTTPRequestHandler.extensions_map defaults: compressed files are served as
# what they are, not as the type of what they contain.
EXTENSIONS_MAP = {
    ".gz": "application/gzip",
    ".Z": "application/octet-stream",
    ".bz2": "application/x-bzip2",
    ".xz": "application/x-xz",
}
INDEX_FILES = ("index.html", "index.htm")
# Precompressed siblings, in the order we prefer them (brotli is smaller), with their suffix.
PRECOMPRESSED = (("br", ".br"), ("gzip", ".gz"))
# Types worth compressing: text and the structured text formats browsers fetch.
_COMPRESSIBLE_APPLICATION = {
    "application/javascript", "application/json", "application/xml", "application/wasm",
    "application/xhtml+xml", "application/manifest+json", "image/svg+xml",
}  # fmt: skip
GZIP_MIN_SIZE = 256
# Larger files are sent as they are: on-the-fly gzip compresses in memory.
GZIP_MAX_SIZE = 8 * 1024 * 1024
GZIP_CACHE_ENTRIES = 64

def guess_type(path: str, extensions_map: dict[str, str] = EXTENSIONS_MAP) -> str:
    """The Content-Type for ``path``, looked up as SimpleHTTPRequestHandler.guess_type does."""
    extension = os.path.splitext(path)[1]
    if extension in extensions_map:
        return extensions_map[extension]
    if extension.lower() in extensions_map:
        return extensions_map[extension.lower()]
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


def with_charset(content_type: str, charset: str | None) -> str:
    """``content_type`` with ``; charset=...`` when it is text/* or JavaScript and has none."""
    if charset is None or ";" in content_type:
        return content_type
    base = content_type.lower()
    if base.startswith("text/") or base == "application/javascript":
        return f"{content_type}; charset={charset}"
    return content_type


def compressible(content_type: str) -> bool:
    base = content_type.partition(";")[0].strip().lower()
    return (
        base.startswith("text/")
        or base in _COMPRESSIBLE_APPLICATION
        or base.endswith(("+json", "+xml"))
    )


@dataclass(frozen=True)
class FileServerConfig:
    """What ``webstd serve`` was asked to do; immutable once the server starts."""

    #: The served directory, as a real path (symlinks resolved).
    root: str
    follow_symlinks: bool = False
    upload: bool = False
    overwrite: bool = False
    #: Largest accepted upload body, in bytes (None: no limit).
    max_upload: int | None = None
    #: ``b"user:password"`` for Basic authentication, or None.
    credentials: bytes | None = None
    cors: bool = False
    gzip: bool = True
    #: The charset parameter added to text/* and application/javascript types (None: none).
    charset: str | None = None


class FileService:
    """Answers requests for the files under ``config.root``; one instance per server.

    Subclasses may change how a path is found (:meth:`locate`), typed (:meth:`content_type`)
    and listed (:meth:`listing`), and which ``index_files`` a directory serves;
    SimpleHTTPRequestHandler does so to honour its overridable methods. ``gzip_cache`` lets
    short-lived instances share the compressed bodies.
    """

    index_files: tuple[str, ...] = INDEX_FILES

    def __init__(self, config: FileServerConfig, *,
                 gzip_cache: dict[tuple[str, int, int], bytes] | None = None) -> None:  # fmt: skip
        self.config = config
        self._gzip_cache = {} if gzip_cache is None else gzip_cache

    # Hooks ---------------------------------------------------------------------------------------
    def locate(self, path: str) -> ResolvedPath:
        """The file the path part of a target names; raises PathRefused (see _files_paths)."""
        return resolve(self.config.root, path, follow_symlinks=self.config.follow_symlinks)

    def content_type(self, path: str) -> str:
        return guess_type(path)

    def listing(self, resolved: ResolvedPath, query: str) -> Reply:
        """The listing page of a directory (the target ended with a slash)."""
        try:
            page = render_listing(resolved.filesystem, resolved.url_path, query,
                                  upload=self.config.upload)  # fmt: skip
        except OSError:
            return error_reply(403, "No permission to list the directory.")
        return Reply(200, [
            ("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(page))),
            ("Cache-Control", "no-cache"),
        ], [page])  # fmt: skip

    # Entry points ------------------------------------------------------------------------------
    def respond(self, method: str, target: str, get: GetHeader) -> Reply:
        """The reply to a request without a body to read (GET, HEAD, OPTIONS, errors).

        ``get(name)`` gives a request field's value (None when absent). PUT and POST go through
        :meth:`begin_upload` instead.
        """
        reply = self._respond(method, target, get)
        if self.config.cors:
            reply.headers.append(("Access-Control-Allow-Origin", "*"))
        if method == "HEAD":
            reply.discard_body()
        return reply

    def allowed_methods(self) -> str:
        return "GET, HEAD, OPTIONS, PUT, POST" if self.config.upload else "GET, HEAD, OPTIONS"

    def authorized(self, get: GetHeader) -> bool:
        """Basic authentication (RFC 7617), compared in constant time."""
        expected = self.config.credentials
        return expected is None or credentials_match(get("authorization"), expected)

    def unauthorized(self) -> Reply:
        return error_reply(
            401, "Authentication required.",
            [("WWW-Authenticate", 'Basic realm="webstd", charset="UTF-8"')],
        )  # fmt: skip

    def begin_upload(self, method: str, target: str, get: GetHeader, length: int | None):
        """For PUT and POST: an upload sink to feed the body to, or a Reply refusing it."""
        if not self.authorized(get):
            reply = self.unauthorized()
            reply.close = True
            return reply
        if not self.config.upload:
            return error_reply(405, "Uploads are not enabled (start with --upload).",
                               [("Allow", self.allowed_methods())], close=True)  # fmt: skip
        return begin_upload(self.config, method, target, get, length)

    # GET, HEAD, OPTIONS --------------------------------------------------------------------------
    def _respond(self, method: str, target: str, get: GetHeader) -> Reply:
        if method == "OPTIONS":
            return self._options(get)
        if method not in ("GET", "HEAD"):
            if method in ("PUT", "POST", "DELETE", "PATCH"):
                return error_reply(405, f"Method {method} is not allowed here.",
                                   [("Allow", self.allowed_methods())])  # fmt: skip
            return error_reply(501, f"Unsupported method ({method}).")
        if not self.authorized(get):
            return self.unauthorized()
        path, query = split_target(target)
        try:
            resolved = self.locate(path)
        except PathRefused as refused:
            return error_reply(refused.status_code, str(refused))
        try:
            info = os.stat(resolved.filesystem)
        except (FileNotFoundError, NotADirectoryError):
            return error_reply(404, "File not found.")
        except OSError:
            return error_reply(403, "Not accessible.")
        if stat.S_ISDIR(info.st_mode):
            return self._directory(resolved, path, query, method, get)
        if resolved.trailing_slash:
            return error_reply(404, "File not found.")
        if not stat.S_ISREG(info.st_mode):
            return error_reply(403, "Not a regular file.")
        return self._file(resolved.filesystem, method, get)

    def _options(self, get: GetHeader) -> Reply:
        headers = [("Allow", self.allowed_methods()), ("Content-Length", "0")]
        if self.config.cors and get("access-control-request-method") is not None:
            headers += [
                ("Access-Control-Allow-Methods", self.allowed_methods()),
                ("Access-Control-Allow-Headers",
                 get("access-control-request-headers") or "Authorization, Content-Type, Range"),
                ("Access-Control-Max-Age", "86400"),
            ]  # fmt: skip
        return Reply(204, headers)

    def _directory(self, resolved: ResolvedPath, path: str, query: str, method: str, get: GetHeader) -> Reply:
        if not path.endswith("/"):
            # Relative links in the page need the slash (as the stdlib does, with a 301).
            location = path + "/" + ("?" + query if query else "")
            return Reply(301, [("Location", location), ("Content-Length", "0")])
        for index in self.index_files:
            candidate = os.path.join(resolved.filesystem, index)
            if os.path.isfile(candidate) and self._inside(candidate):
                return self._file(candidate, method, get)
        reply = self.listing(resolved, query)
        if (self.config.gzip and reply.status == 200 and reply.file is None
                and coding_allowed(accepted_codings(get("accept-encoding")), "gzip")):  # fmt: skip
            return self._gzip_page(reply)
        if self.config.gzip and reply.status == 200:
            reply.headers.append(("Vary", "Accept-Encoding"))
        return reply

    @staticmethod
    def _gzip_page(reply: Reply) -> Reply:
        """The listing page gzipped (it is generated, so compressed per request)."""
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
        page = b"".join(p for p in reply.body if isinstance(p, bytes))
        body = compressor.compress(page) + compressor.flush()
        headers = [(name, value) for name, value in reply.headers if name.lower() != "content-length"]
        headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding"),
                    ("Content-Length", str(len(body)))]  # fmt: skip
        return Reply(200, headers, [body])

    def _inside(self, path: str) -> bool:
        if self.config.follow_symlinks:
            return True
        return inside(os.path.realpath(path), self.config.root)

    # One file ----------------------------------------------------------------------------------
    def _file(self, path: str, method: str, get: GetHeader) -> Reply:
        content_type = with_charset(self.content_type(path), self.config.charset)
        codings = accepted_codings(get("accept-encoding"))
        negotiable = self.config.gzip and compressible(content_type)
        coding, served_path = "", path
        for name, suffix in PRECOMPRESSED:
            sibling = path + suffix
            if os.path.isfile(sibling) and self._inside(sibling):
                negotiable = True
                if coding_allowed(codings, name) and not coding:
                    coding, served_path = name, sibling
        try:
            file = open(served_path, "rb")  # noqa: SIM115 - the caller closes it after sending
        except OSError:
            return error_reply(403, "The file cannot be opened.")
        info = os.fstat(file.fileno())
        size = info.st_size
        range_header = get("range") if method == "GET" else None
        gzipped = None
        if (not coding and negotiable and self.config.gzip and compressible(content_type)
                and range_header is None and coding_allowed(codings, "gzip")
                and GZIP_MIN_SIZE <= size <= GZIP_MAX_SIZE):  # fmt: skip
            gzipped = self._gzip(file, info)
            coding = "gzip"
        validators = Validators(make_etag(size, info.st_mtime_ns, info.st_ino, coding),
                                int(info.st_mtime))  # fmt: skip
        headers = [("Content-Type", content_type)]
        if coding:
            headers.append(("Content-Encoding", coding))
        if negotiable:
            headers.append(("Vary", "Accept-Encoding"))
        headers += [("ETag", validators.etag),
                    ("Last-Modified", format_http_date(validators.last_modified))]  # fmt: skip
        status = evaluate_preconditions(method, get, validators)
        if status is not None:
            file.close()
            if status == 304:
                return Reply(304, headers[1:] if not coding else headers[2:])
            return error_reply(412, "Precondition failed.")
        if gzipped is not None:
            file.close()
            headers.append(("Content-Length", str(len(gzipped))))
            return Reply(200, headers, [gzipped])
        headers.append(("Accept-Ranges", "bytes"))
        if range_header is not None:
            if_range = get("if-range")
            if if_range is None or if_range_holds(if_range, validators):
                return self._ranges(range_header, file, size, content_type, headers)
        headers.append(("Content-Length", str(size)))
        reply = Reply(200, headers, [(0, size)] if size else [], file)
        reply.cache_stat = info
        return reply

    def _ranges(self, value: str, file, size: int, content_type: str,
                headers: list[tuple[str, str]]) -> Reply:  # fmt: skip
        try:
            ranges = parse_range(value, size)
        except Unsatisfiable:
            file.close()
            return error_reply(416, "Range not satisfiable.",
                               [("Content-Range", f"bytes */{size}")])  # fmt: skip
        if ranges is None:
            headers.append(("Content-Length", str(size)))
            return Reply(200, headers, [(0, size)] if size else [], file)
        if len(ranges) == 1:
            first, last = ranges[0]
            headers += [("Content-Range", content_range(first, last, size)),
                        ("Content-Length", str(last - first + 1))]  # fmt: skip
            return Reply(206, headers, [(first, last - first + 1)], file)
        multipart_type, body = byteranges_layout(ranges, size, content_type)
        headers[0] = ("Content-Type", multipart_type)
        reply = Reply(206, headers, body, file)
        headers.append(("Content-Length", str(reply.length)))
        return reply

    def _gzip(self, file, info: os.stat_result) -> bytes:
        key = (file.name, info.st_size, info.st_mtime_ns)
        cached = self._gzip_cache.get(key)
        if cached is None:
            # wbits 31: the gzip container (RFC 1952); mtime 0 keeps the bytes reproducible.
            compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
            cached = compressor.compress(file.read()) + compressor.flush()
            if len(self._gzip_cache) >= GZIP_CACHE_ENTRIES:
                self._gzip_cache.clear()
            self._gzip_cache[key] = cached
        return cached
