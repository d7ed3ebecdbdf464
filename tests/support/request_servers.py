"""Local HTTP servers for the urllib.request tests: the stdlib's http.server in a thread as the peer.

One handler serves every route the tests need (echo, status, redirects, Basic and Digest realms, a
cookie login, a page with images) and counts the TCP connections it accepted.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import threading
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

USER, PASSWORD, REALM = "user", "pass word", "test realm"
NONCE = "dcd98b7102dd2f0e8b11d0f600bfb0c093"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def _digest_ok(header: str, method: str, algorithm: str) -> bool:
    import urllib.request

    fields = urllib.request.parse_keqv_list(
        urllib.request.parse_http_list(header.split(" ", 1)[1])
    )
    hash_name = {"MD5": "md5", "SHA-256": "sha256"}[algorithm]

    def digest(text: str) -> str:
        return hashlib.new(hash_name, text.encode()).hexdigest()

    secret = digest(f"{USER}:{REALM}:{PASSWORD}")
    method_uri = digest(f"{method}:{fields['uri']}")
    expected = digest(f"{secret}:{NONCE}:{fields['nc']}:{fields['cnonce']}:auth:{method_uri}")
    return fields.get("response") == expected and fields.get("algorithm") == algorithm


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def setup(self) -> None:
        self.server.accepted += 1
        super().setup()

    def log_message(self, *args) -> None:
        pass

    def reply(self, status: int, body: bytes = b"", headers=(), content_type="text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def route(self) -> None:
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        length = int(self.headers.get("Content-Length", 0) or 0)
        body = self.rfile.read(length) if length else b""
        if path == "/echo" or path.startswith("/echo/"):
            echo = {"method": self.command, "path": self.path, "body": body.decode("latin-1"),
                    "headers": dict(self.headers.items())}
            self.reply(200, json.dumps(echo).encode(), content_type="application/json")
        elif path.startswith("/status/"):
            self.reply(int(path.rsplit("/", 1)[1]), b"status page")
        elif path.startswith("/redirect/"):
            self.reply(int(path.rsplit("/", 1)[1]), b"moved", [("Location", query["to"][0])])
        elif path == "/loop":
            self.reply(302, b"", [("Location", "/loop")])
        elif path == "/basic":
            expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            if self.headers.get("Authorization") == expected:
                self.reply(200, b"welcome to the realm")
            else:
                self.reply(401, b"who are you", [("WWW-Authenticate", f'Basic realm="{REALM}"')])
        elif path == "/digest":
            algorithm = query.get("algorithm", ["MD5"])[0]
            given = self.headers.get("Authorization", "")
            if given.startswith("Digest ") and _digest_ok(given, self.command, algorithm):
                self.reply(200, b"digest ok")
            else:
                challenge = (f'Digest realm="{REALM}", qop="auth", nonce="{NONCE}", '
                             f'algorithm={algorithm}, opaque="5ccc069c403ebaf9f0171e9517f40e41"')
                self.reply(401, b"digest please", [("WWW-Authenticate", challenge)])
        elif path == "/login":
            self.reply(200, b"logged in", [("Set-Cookie", "session=s3cr3t; Path=/")])
        elif path == "/private":
            if "session=s3cr3t" in (self.headers.get("Cookie") or ""):
                self.reply(200, b"private page")
            else:
                self.reply(403, b"log in first")
        elif path == "/gallery/":
            page = b'<html><body><img src="a.png"><img src="/img/b.png"><img src="a.png"></body>'
            self.reply(200, page, content_type="text/html; charset=utf-8")
        elif path.endswith(".png"):
            self.reply(200, PNG, content_type="image/png")
        elif path == "/short":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"only a bit")
            self.close_connection = True
        else:
            self.reply(200, b"x" * 1000 if path == "/" else b"page " + path.encode())

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = route


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    accepted = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


@contextmanager
def serving():
    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _quiet_resets(self, request, client_address) -> None:
    # A client that drops an unread response resets the connection; that is expected here.
    import sys

    if not isinstance(sys.exc_info()[1], ConnectionError):
        http.server.ThreadingHTTPServer.handle_error(self, request, client_address)


Server.handle_error = _quiet_resets
