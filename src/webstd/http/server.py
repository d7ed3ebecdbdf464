"""webstd.http.server: HTTP servers with the API of Python 3.11's http.server.

HTTPServer and ThreadingHTTPServer are socketserver TCP servers run by webstd's connection engine
(webstd.http._serving): HTTP/1.1 keep-alive and pipelining, idle connections parked in the loop
rather than in threads, timeouts and limits. BaseHTTPRequestHandler lives in
webstd.http._handler; SimpleHTTPRequestHandler here is the minimal stdlib-compatible file handler
that webstd.http._files* build on.
"""

from __future__ import annotations

import io
import mimetypes
import os
import posixpath
import shutil
import socket
from typing import Any, BinaryIO

from webstd import html
from webstd.http import HTTPStatus
from webstd.http._handler import DEFAULT_ERROR_CONTENT_TYPE as DEFAULT_ERROR_CONTENT_TYPE
from webstd.http._handler import DEFAULT_ERROR_MESSAGE as DEFAULT_ERROR_MESSAGE
from webstd.http._handler import BaseHTTPRequestHandler
from webstd.http._serving import ConnectionParking
from webstd.socketserver import TCPServer, ThreadingMixIn
from webstd.urllib.parse import quote, unquote, urlsplit, urlunsplit

__all__ = [
    "HTTPServer", "ThreadingHTTPServer", "BaseHTTPRequestHandler", "SimpleHTTPRequestHandler",
    "CGIHTTPRequestHandler",
]
__version__ = "0.6"


class HTTPServer(ConnectionParking, TCPServer):
    """A single-threaded HTTP server: one handler at a time, any number of idle connections."""

    allow_reuse_address = True

    def server_bind(self) -> None:
        """Binds, then records ``server_name`` and ``server_port``."""
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = socket.getfqdn(host)
        self.server_port = port


class ThreadingHTTPServer(ThreadingMixIn, HTTPServer):
    """Runs each dispatched connection's requests on a worker thread."""

    daemon_threads = True


class SimpleHTTPRequestHandler(BaseHTTPRequestHandler):
    """Serves the files under ``directory`` (the current directory by default) for GET and HEAD."""

    server_version = "SimpleHTTP/" + __version__
    index_pages = ("index.html", "index.htm")
    extensions_map = {
        ".gz": "application/gzip",
        ".Z": "application/octet-stream",
        ".bz2": "application/x-bzip2",
        ".xz": "application/x-xz",
    }

    def __init__(self, *args: Any, directory: str | os.PathLike[str] | None = None, **kwargs: Any) -> None:
        self.directory = os.fspath(os.getcwd() if directory is None else directory)
        super().__init__(*args, **kwargs)

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

    def send_head(self) -> BinaryIO | None:
        """Sends the head of the answer for the path; returns the file to send, or None."""
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            parts = urlsplit(self.path)
            if not parts.path.endswith("/"):
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                location = urlunsplit((parts[0], parts[1], parts[2] + "/", parts[3], parts[4]))
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            for index in self.index_pages:
                candidate = os.path.join(path, index)
                if os.path.isfile(candidate):
                    path = candidate
                    break
            else:
                return self.list_directory(path)
        if path.endswith("/"):
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        try:
            source = open(path, "rb")  # noqa: SIM115
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        try:
            stat = os.fstat(source.fileno())
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-type", self.guess_type(path))
            self.send_header("Content-Length", str(stat.st_size))
            self.send_header("Last-Modified", self.date_time_string(stat.st_mtime))
            self.end_headers()
        except BaseException:
            source.close()
            raise
        return source

    def list_directory(self, path: str) -> BinaryIO | None:
        """Sends the head of an HTML listing of ``path`` and returns its body."""
        try:
            names = sorted(os.listdir(path), key=str.lower)
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "No permission to list directory")
            return None
        shown = html.escape(unquote(self.path, errors="surrogatepass"), quote=False)
        lines = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>Directory listing for {shown}</title></head>",
            f"<body><h1>Directory listing for {shown}</h1><hr><ul>",
        ]
        for name in names:
            full = os.path.join(path, name)
            suffix = "/" if os.path.isdir(full) else "@" if os.path.islink(full) else ""
            link = name + ("/" if os.path.isdir(full) else "")
            lines.append(
                f'<li><a href="{quote(link, errors="surrogatepass")}">'
                f"{html.escape(name + suffix, quote=False)}</a></li>"
            )
        lines.append("</ul><hr></body></html>\n")
        body = "\n".join(lines).encode("utf-8", "surrogateescape")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def translate_path(self, path: str) -> str:
        """Maps a URL path onto the file system under ``directory``; '..' cannot climb out."""
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
        shutil.copyfileobj(source, outputfile)

    def guess_type(self, path: str) -> str:
        """The Content-Type for ``path``: extensions_map first, then mimetypes."""
        _, extension = posixpath.splitext(path)
        if extension in self.extensions_map:
            return self.extensions_map[extension]
        lowered = extension.lower()
        if lowered in self.extensions_map:
            return self.extensions_map[lowered]
        guessed, _ = mimetypes.guess_type(path)
        return guessed or "application/octet-stream"


def main(argv: list[str] | None = None) -> int:
    """``python -m webstd.http.server``: the ``webstd serve`` command (see docs/serve.md)."""
    from webstd.cli.serve import main as serve

    return serve(argv)


# Before the CGI import below: run as a script, this file is not yet webstd.http.server, and
# _cgi importing it would find the import circular.
if __name__ == "__main__":
    raise SystemExit(main())

# Defined in its own module, which subclasses SimpleHTTPRequestHandler above.
from webstd.http._cgi import CGIHTTPRequestHandler, executable, nobody_uid  # noqa: E402, F401, I001

