"""A small web site with every kind of image reference, for ``webstd images`` tests.

``image_site()`` runs it on 127.0.0.1 (webstd.http.server's ThreadingHTTPServer, a handler of
our own) and yields a :class:`Site`: its base URL, the bytes of every image, and a log of the
requests it saw (method, path, Range header) to assert on. Images answer HEAD and Range
(RFC 9110 section 14) properly; the misbehaving ones are listed in ``TROUBLE``.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from webstd.http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def image_bytes(name: str, size: int = 3000) -> bytes:
    seed = hashlib.sha256(name.encode()).digest()
    return (b"\x89PNG\r\n\x1a\n" + seed * (size // len(seed) + 1))[:size]


KOREAN_NAME = "사진.png"
KOREAN_PATH = "/img/%EC%82%AC%EC%A7%84.png"

INDEX = """<!DOCTYPE html>
<html><head>
<base href="/img/">
<base href="/wrong/">
<link rel="shortcut icon" href="/favicon.ico">
<link rel="apple-touch-icon" href="touch.png">
<link rel="stylesheet" href="/style.css">
<style>.hero { background: url("hero.png") } /* url(commented.png) */</style>
</head><body>
<img src="plain.png" alt="plain">
<img src="  spa
ced.png  ">
<img srcset="small.png 1x, large.png 2x">
<picture><source srcset="pic.webp" type="image/webp"><img src="pic.png"></picture>
<img data-src="lazy.png" src="javascript:void(0)">
<img data-original="original.png" src="">
<input type="image" src="button.png">
<div style="background-image: url('inline.png')"></div>
<img src="/slow.png"><img src="/missing.png"><img src="/huge.png"><img src="/huge-stream.png">
<img src="/redirect.png"><img src="/flaky.png"><img src="/notimage.png"><img src="/cut.png">
<img src="/private/secret.png"><img src="/a/dup.png"><img src="/b/dup.png">
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<img src="data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%2F%3E">
</body></html>
"""

KOREAN_PAGE = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=euc-kr">'
               f'</head><body><img src="img/{KOREAN_NAME}" alt="고양이 사진"></body></html>'
               ).encode("euc-kr")

ROBOTS = b"User-agent: *\nDisallow: /private/\n\nUser-agent: other-bot\nDisallow: /\n"

HUGE_SIZE = 2 * 1024 * 1024

# The paths that misbehave, and how.
TROUBLE = {
    "/slow.png": "the first GET waits SLOW_SECONDS before answering",
    "/missing.png": "404",
    "/huge.png": "HUGE_SIZE bytes with a Content-Length",
    "/huge-stream.png": "HUGE_SIZE bytes, chunked (length unknown up front)",
    "/redirect.png": "302 to /img/target.png",
    "/flaky.png": "503 the first time",
    "/notimage.png": "text/html",
    "/cut.png": "the first GET closes the connection half-way through the body",
}
SLOW_SECONDS = 1.5


@dataclass
class Site:
    url: str
    files: dict[str, tuple[str, bytes]]
    log: list[tuple[str, str, str | None]] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)
    times: list[tuple[str, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, method: str, path: str, range_header: str | None) -> int:
        with self.lock:
            self.log.append((method, path, range_header))
            self.times.append((path, time.monotonic()))
            if method == "GET":
                self.hits[path] = self.hits.get(path, 0) + 1
            return self.hits.get(path, 0)

    def requests_for(self, path: str) -> list[tuple[str, str, str | None]]:
        with self.lock:
            return [entry for entry in self.log if entry[1] == path]


def _build_files() -> dict[str, tuple[str, bytes]]:
    files: dict[str, tuple[str, bytes]] = {
        "/": ("text/html", INDEX.encode()),
        "/robots.txt": ("text/plain", ROBOTS),
        "/korean.html": ("text/html", KOREAN_PAGE),
        "/favicon.ico": ("image/x-icon", image_bytes("favicon")),
        "/notimage.png": ("text/html; charset=utf-8", b"<p>not an image</p>"),
        "/huge.png": ("image/png", image_bytes("huge", HUGE_SIZE)),
        "/huge-stream.png": ("image/png", image_bytes("huge-stream", HUGE_SIZE)),
        "/cut.png": ("image/png", image_bytes("cut", 200_000)),
        KOREAN_PATH: ("image/png", image_bytes(KOREAN_NAME)),
        "/private/secret.png": ("image/png", image_bytes("secret")),
        "/a/dup.png": ("image/png", image_bytes("a-dup")),
        "/b/dup.png": ("image/png", image_bytes("b-dup")),
    }
    for name in ("slow", "redirect", "flaky"):
        files[f"/{name}.png"] = ("image/png", image_bytes(name))
    for name in ("touch", "hero", "plain", "spaced", "small", "large", "pic", "lazy", "original",
                 "button", "inline", "target"):
        files[f"/img/{name}.png"] = ("image/png", image_bytes(name))
    files["/img/pic.webp"] = ("image/webp", image_bytes("pic.webp"))
    return files


_RANGE = re.compile(r"bytes=(\d+)-(\d*)")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: Site

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        site: Site = self.server.site  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0]
        count = site.record(self.command, path, self.headers.get("Range"))
        if path == "/missing.png" or path not in site.files:
            return self._plain(404, b"not found")
        if path == "/redirect.png":
            self.send_response(302)
            self.send_header("Location", "/img/target.png")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if path == "/flaky.png" and count == 1 and not head:
            return self._plain(503, b"try again")
        if path == "/slow.png" and count == 1 and not head:
            time.sleep(SLOW_SECONDS)
        content_type, body = site.files[path]
        if path == "/huge-stream.png" and not head:
            return self._chunked(content_type, body)
        if path == "/cut.png" and count == 1 and not head:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return None
        status, start, end = 200, 0, len(body)
        wanted = _RANGE.fullmatch(self.headers.get("Range") or "")
        if wanted:
            start = int(wanted.group(1))
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            end = min(int(wanted.group(2)) + 1, len(body)) if wanted.group(2) else len(body)
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(end - start))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(body)}")
        self.end_headers()
        if not head:
            with contextlib.suppress(OSError):
                self.wfile.write(body[start:end])
        return None

    def _plain(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _chunked(self, content_type: str, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        with contextlib.suppress(OSError):
            for start in range(0, len(body), 65536):
                piece = body[start:start + 65536]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")


@contextlib.contextmanager
def image_site() -> Iterator[Site]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    site = Site(f"http://127.0.0.1:{server.server_address[1]}", _build_files())
    server.site = site  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
