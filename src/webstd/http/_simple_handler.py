"""SimpleHTTPRequestHandler: Python 3.11's file handler API, answering with the file server's decisions.

Import it from :mod:`webstd.http.server`. The handler keeps the stdlib's shape (``send_head``
returns the body to copy, ``translate_path``, ``list_directory``, ``guess_type``, ``copyfile``
and ``index_pages`` can be overridden) but what it answers is :class:`webstd.http._files.FileService`'s
decision, the same as ``webstd serve``: Range, validators and preconditions, precompressed
siblings, gzip, the listing page, uploads, Basic authentication, CORS, and no path outside
``directory``. This module only adapts: it binds the service's hooks to the handler's
overridable methods and sends the :class:`~webstd.http._files_reply.Reply` through the handler's
send_response/send_header/end_headers, so subclasses that add fields still see every response.
"""

from __future__ import annotations

import functools
import io
import os
import posixpath
import shutil
from typing import Any, BinaryIO

from webstd.http import HTTPStatus
from webstd.http._files import EXTENSIONS_MAP, FileServerConfig, FileService
from webstd.http._files import guess_type as guess_file_type
from webstd.http._files_listing import render_listing
from webstd.http._files_paths import ResolvedPath, split_target
from webstd.http._files_reply import Reply
from webstd.http._files_upload import UploadError, UploadSink
from webstd.http._handler import BaseHTTPRequestHandler
from webstd.http._handler_output import ResponseWriter
from webstd.urllib.parse import unquote

__all__ = ["SimpleHTTPRequestHandler"]
__version__ = "0.6"

# The stdlib's reason for 404 (status line and page); other errors use the standard phrase.
_ERROR_MESSAGES = {404: "File not found"}
# Fields that send_error writes itself.
_ERROR_OWN_FIELDS = frozenset(("content-type", "content-length", "connection"))
_UPLOAD_READ = 256 * 1024
# Compressed bodies shared by the handlers of one configuration (a service lives one request).
_gzip_caches: dict[FileServerConfig, dict[tuple[str, int, int], bytes]] = {}


@functools.lru_cache(maxsize=64)
def _config(directory: str, follow_symlinks: bool, upload: bool, overwrite: bool,
            max_upload: int | None, credentials: bytes | None, cors: bool,
            gzip: bool) -> FileServerConfig:  # fmt: skip
    return FileServerConfig(
        root=os.path.realpath(directory), follow_symlinks=follow_symlinks, upload=upload,
        overwrite=overwrite, max_upload=max_upload, credentials=credentials, cors=cors, gzip=gzip,
    )  # fmt: skip


class _HandlerFiles(FileService):
    """The file service of one request, seen through the handler's overridable methods."""

    def __init__(self, handler: SimpleHTTPRequestHandler, config: FileServerConfig) -> None:
        super().__init__(config, gzip_cache=_gzip_caches.setdefault(config, {}))
        self.handler = handler
        self.index_files = tuple(handler.index_pages)
        owner = SimpleHTTPRequestHandler
        self.custom_paths = type(handler).translate_path is not owner.translate_path
        self.custom_listing = type(handler).list_directory is not owner.list_directory
        #: Set when the decision is a listing that the handler's own list_directory must send.
        self.listed: str | None = None

    def locate(self, path: str) -> ResolvedPath:
        if not self.custom_paths:
            return super().locate(path)
        # The subclass maps targets itself (the stdlib's contract); it answers for where they go.
        decoded = unquote(path, errors="surrogatepass")
        filesystem = self.handler.translate_path(self.handler.path).rstrip("/") or "/"
        segments = [segment for segment in decoded.split("/") if segment]
        return ResolvedPath(filesystem, decoded, path.endswith("/"), segments)

    def _inside(self, path: str) -> bool:
        return self.custom_paths or super()._inside(path)

    def content_type(self, path: str) -> str:
        return self.handler.guess_type(path)

    def listing(self, resolved: ResolvedPath, query: str) -> Reply:
        if self.custom_listing:
            self.listed = resolved.filesystem
            return Reply(200, [])
        return super().listing(resolved, query)


class _ReplyBody(io.RawIOBase):
    """What send_head returns for a body made of pieces (ranges): readable like a file."""

    def __init__(self, reply: Reply) -> None:
        super().__init__()
        self.pieces = list(reply.body)
        self.file = reply.file

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self.pieces:
            piece = self.pieces[0]
            if isinstance(piece, bytes):
                data, rest = piece[: len(buffer)], piece[len(buffer) :]
            else:
                offset, count = piece
                data = os.pread(self.file.fileno(), min(count, len(buffer)), offset)
                rest = (offset + len(data), count - len(data)) if data else None
            if rest:
                self.pieces[0] = rest
            else:
                self.pieces.pop(0)
            if data:
                buffer[: len(data)] = data
                return len(data)
        return 0

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
        super().close()


class SimpleHTTPRequestHandler(BaseHTTPRequestHandler):
    """Serves the files under ``directory`` (the current directory by default) for GET and HEAD.

    The class attributes below the stdlib's switch on the file server's options (``webstd
    serve --cgi`` sets them from the command line).
    """

    server_version = "SimpleHTTP/" + __version__
    index_pages = ("index.html", "index.htm")
    extensions_map = dict(EXTENSIONS_MAP)
    #: Serve files that symlinks lead to outside ``directory``.
    follow_symlinks = False
    #: Accept PUT of a file and POST of the listing page's form.
    upload = False
    #: Let uploads replace existing files (409 otherwise).
    overwrite = False
    #: Largest upload body in bytes (None: no limit).
    max_upload: int | None = None
    #: ``b"user:password"`` to require Basic authentication (RFC 7617), or None.
    credentials: bytes | None = None
    # This request's credentials were checked and accepted (by handle_expect_100 or parse_request).
    _authorized = False
    #: Send ``Access-Control-Allow-Origin: *`` and answer CORS preflights.
    cors = False
    #: Compress text with gzip when the client accepts it.
    gzip = True

    def __init__(self, *args: Any, directory: str | os.PathLike[str] | None = None, **kwargs: Any) -> None:
        self.directory = os.fspath(os.getcwd() if directory is None else directory)
        self._extra_fields: list[tuple[str, str]] = []
        super().__init__(*args, **kwargs)

    # Requests ------------------------------------------------------------------------------------
    def parse_request(self) -> bool:
        """As the base class, then Basic authentication for every method but CORS preflights."""
        self._authorized = False
        return super().parse_request() and self._authorize()

    def handle_expect_100(self) -> bool:
        """Refuses a client without credentials before it sends its body, instead of asking for
        the body with "100 Continue" and refusing it afterwards (RFC 9110 section 10.1.1)."""
        return self._authorize() and super().handle_expect_100()

    def _authorize(self) -> bool:
        """True when no credentials are required or the request carries them; else sends 401."""
        if self.credentials is None or self.command == "OPTIONS" or self._authorized:
            return True
        service = self._service()
        if service.authorized(self.headers.get):
            self._authorized = True
            return True
        self._send_reply(service.unauthorized())
        return False

    def do_GET(self) -> None:  # noqa: N802
        source = self.send_head()
        if source is not None:
            try:
                self.copyfile(source, self.wfile)
            finally:
                source.close()

    def do_HEAD(self) -> None:  # noqa: N802
        source = self.send_head()
        if source is not None:
            source.close()

    def do_OPTIONS(self) -> None:  # noqa: N802
        """CORS preflights and Allow when cors or upload is on; 501 as in the stdlib otherwise."""
        if not (self.cors or self.upload):
            self._unsupported()
            return
        self._send_reply(self._service().respond("OPTIONS", self.path, self.headers.get))

    def do_PUT(self) -> None:  # noqa: N802
        """Stores the body as the file the target names (with ``upload``); 501 otherwise."""
        self._receive_upload()

    def do_POST(self) -> None:  # noqa: N802
        """Stores the files of the listing page's form (with ``upload``); 501 otherwise."""
        self._receive_upload()

    def _unsupported(self) -> None:
        self.send_error(HTTPStatus.NOT_IMPLEMENTED, f"Unsupported method ({self.command!r})")

    def _receive_upload(self) -> None:
        if not self.upload:
            self._unsupported()
            return
        length = self.headers.get("content-length")
        chunked = "chunked" in self.headers.get("transfer-encoding", "").lower()
        size = int(length) if length is not None and not chunked else None
        result = self._service().begin_upload(self.command, self.path, self.headers.get, size)
        if isinstance(result, Reply):
            self._send_reply(result)
            return
        self._send_reply(self._feed_upload(result))

    def _feed_upload(self, sink: UploadSink) -> Reply:
        try:
            while True:
                data = self.rfile.read(_UPLOAD_READ)
                if not data:
                    break
                sink.feed(data)
            return sink.finish()
        except UploadError as error:
            return error.reply
        except BaseException:
            sink.abort()
            raise

    # The stdlib's API ----------------------------------------------------------------------------
    def send_head(self) -> BinaryIO | None:
        """Sends the head of the answer for the path; returns the body to copy, or None."""
        service = self._service()
        method = "HEAD" if self.command == "HEAD" else "GET"
        reply = service.respond(method, self.path, self.headers.get)
        if service.listed is not None:
            return self.list_directory(service.listed)
        self._send_reply(reply, with_body=False)
        if reply.status >= 400 or not reply.body:
            reply.close_file()
            return None
        if reply.file is None:
            return io.BytesIO(b"".join(reply.body))
        if reply.status == 200:
            reply.file.seek(0)
            return reply.file
        return _ReplyBody(reply)

    def list_directory(self, path: str) -> BinaryIO | None:
        """Sends the head of the listing page of ``path`` and returns its body."""
        target_path, query = split_target(self.path)
        try:
            page = render_listing(path, unquote(target_path, errors="surrogatepass"), query,
                                  upload=self.upload)  # fmt: skip
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "No permission to list directory")
            return None
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        return io.BytesIO(page)

    def translate_path(self, path: str) -> str:
        """Maps a URL path onto the file system under ``directory`` as the stdlib does.

        The handler's own answers go through webstd.http._files_paths instead, which refuses
        '..', encoded separators and symlinks out of the directory; this method is for
        subclasses and callers that expect the stdlib's mapping.
        """
        path = path.split("?", 1)[0].split("#", 1)[0]
        trailing_slash = path.rstrip().endswith("/")
        try:
            path = unquote(path, errors="surrogatepass")
        except UnicodeDecodeError:
            path = unquote(path)
        result = self.directory
        for word in posixpath.normpath(path).split("/"):
            if not word or word in (os.curdir, os.pardir) or os.path.dirname(word):
                continue
            result = os.path.join(result, word)
        return result + "/" if trailing_slash else result

    def copyfile(self, source: BinaryIO, outputfile: Any) -> None:
        """Copies the body; file slices go out with sendfile when ``outputfile`` is wfile."""
        if not isinstance(outputfile, ResponseWriter):
            shutil.copyfileobj(source, outputfile)
            return
        if isinstance(source, _ReplyBody):
            for piece in source.pieces:
                if isinstance(piece, bytes):
                    outputfile.write(piece)
                else:
                    outputfile.sendfile(source.file, *piece)
            source.pieces = []
            return
        try:
            descriptor = source.fileno()
            size = os.fstat(descriptor).st_size
        except (AttributeError, OSError, io.UnsupportedOperation):
            shutil.copyfileobj(source, outputfile)
            return
        position = source.tell()
        outputfile.sendfile(source, position, max(0, size - position))

    def guess_type(self, path: str) -> str:
        """The Content-Type for ``path``: extensions_map first, then mimetypes."""
        return guess_file_type(path, self.extensions_map)

    # Sending a decision --------------------------------------------------------------------------
    def end_headers(self) -> None:
        for name, value in self._extra_fields:
            self.send_header(name, value)
        self._extra_fields = []
        super().end_headers()

    def _service(self) -> _HandlerFiles:
        config = _config(self.directory, self.follow_symlinks, self.upload, self.overwrite,
                         self.max_upload, self.credentials, self.cors, self.gzip)  # fmt: skip
        return _HandlerFiles(self, config)

    def _send_reply(self, reply: Reply, *, with_body: bool = True) -> None:
        """Sends a decision: errors through send_error (so error_message_format applies)."""
        if reply.close:
            self.close_connection = True
        if reply.status >= 400:
            self._extra_fields = [
                (name, value) for name, value in reply.headers
                if name.lower() not in _ERROR_OWN_FIELDS
            ]  # fmt: skip
            reply.close_file()
            self.send_error(reply.status, _ERROR_MESSAGES.get(reply.status))
            return
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        if with_body:
            for piece in reply.body:
                if isinstance(piece, bytes):
                    self.wfile.write(piece)
                else:
                    self.wfile.sendfile(reply.file, *piece)
            reply.close_file()
