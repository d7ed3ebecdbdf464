"""The demo site behind ``make run``: every server the seed's examples talk to, on 127.0.0.1 only.

One webstd.http.server.ThreadingHTTPServer serves examples/site with a CGIHTTPRequestHandler
subclass that adds what the client examples need:

- ``/private/``: a page behind HTTP Basic authentication (RFC 7617), realm "PDQ Application",
  user ``lowell``, password ``opppennner!`` (the seed's example credentials);
- ``/login`` (and the seed's ``/login.html``): sets a session cookie (RFC 6265) and redirects to
  ``/members``, which greets a visitor holding that cookie and refuses others;
- ``PUT /upload/<name>`` and the seed's ``PUT /file``: store the request body as a file in a
  temporary upload directory (201 Created the first time, 200 OK when replaced, RFC 9110 9.3.4);
  a GET of the same path serves it back;
- ``POST /form``: echoes the request's Content-Type and body, and its fields when it is a form.

``webstd proxy --auth username:password`` runs as a child process on port 3128 for the proxy
example. Both stop on Ctrl-C or SIGTERM. Ports come from --port/--proxy-port, else the
DEMO_PORT/DEMO_PROXY_PORT environment variables, else 8888 and 3128.

CGI scripts run as the server's own user (``cgi_user = None``). The stdlib, and webstd by
default, switch to ``nobody`` when the server runs as root; ``nobody`` cannot execute a Python
installed under root's home (pyenv in /root/.pyenv, as on CI), so the script would fail. This
demo binds 127.0.0.1 and runs only the scripts in examples/site/cgi-bin, so keeping the user is
acceptable here; a public CGI server should keep the default.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from webstd._basic_auth import credentials_match
from webstd.http import HTTPStatus
from webstd.http.cookies import SimpleCookie
from webstd.http.server import CGIHTTPRequestHandler, ThreadingHTTPServer
from webstd.urllib.parse import parse_qsl, unquote, urlsplit

HOST = "127.0.0.1"
SITE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "site")
REALM = "PDQ Application"
USER, PASSWORD = "lowell", "opppennner!"
PROXY_USER, PROXY_PASSWORD = "username", "password"
SESSION_COOKIE = "session"
MAX_UPLOAD = 10 * 1024 * 1024
# An upload name is one path segment: no separators, no leading dot (no "..", no hidden files).
UPLOAD_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


class DemoServer(ThreadingHTTPServer):
    """The demo's HTTP server: the upload directory and the live sessions live here."""

    def __init__(self, address: tuple[str, int], handler, upload_dir: str) -> None:
        super().__init__(address, handler)
        self.upload_dir = upload_dir
        self.sessions: set[str] = set()
        self.sessions_lock = threading.Lock()


class DemoHandler(CGIHTTPRequestHandler):
    """examples/site with CGI, plus the basic-auth realm, the cookie login and the upload path."""

    server_version = "webstd-demo/1.0"
    cgi_user = None  # see the module docstring

    # Routing ------------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        route = self._route()
        if route is None:
            super().do_GET()
        else:
            route()

    def do_HEAD(self) -> None:  # noqa: N802
        route = self._route()
        if route is None:
            super().do_HEAD()
        else:
            route()

    def do_POST(self) -> None:  # noqa: N802
        if self._path() == "/form":
            self._form_echo()
        else:
            super().do_POST()

    def do_PUT(self) -> None:  # noqa: N802
        name = self._upload_name()
        if name is None:
            self.send_error(HTTPStatus.METHOD_NOT_ALLOWED, None, "PUT goes to /file or /upload/<name>")
            return
        self._store_upload(name)

    def _path(self) -> str:
        return unquote(urlsplit(self.path).path)

    def _route(self):
        path = self._path()
        if path == "/private" or path.startswith("/private/"):
            return self._private
        if path in ("/login", "/login.html"):
            return self._login
        if path == "/members":
            return self._members
        return None

    # Basic authentication (RFC 7617) -------------------------------------------------------------
    def _private(self) -> None:
        user = self._basic_user()
        if user is None:
            self._reply(HTTPStatus.UNAUTHORIZED, "This page needs a user name and a password.\n",
                        [("WWW-Authenticate", f'Basic realm="{REALM}", charset="UTF-8"')])  # fmt: skip
            return
        self._reply(HTTPStatus.OK, f"Hello {user}, welcome to the {REALM} realm.\n")

    def _basic_user(self) -> str | None:
        # Compared in constant time, so the reply's timing does not leak how much matched.
        expected = f"{USER}:{PASSWORD}".encode()
        return USER if credentials_match(self.headers.get("Authorization"), expected) else None

    # Cookie login (RFC 6265) -------------------------------------------------------------------
    def _login(self) -> None:
        token = secrets.token_urlsafe(16)
        with self.server.sessions_lock:
            self.server.sessions.add(token)
        cookie = SimpleCookie()
        cookie[SESSION_COOKIE] = token
        cookie[SESSION_COOKIE]["path"] = "/"
        cookie[SESSION_COOKIE]["httponly"] = True
        cookie[SESSION_COOKIE]["samesite"] = "Lax"
        # 303: the client follows with a GET of /members, sending the cookie it just received.
        self._reply(HTTPStatus.SEE_OTHER, "Logged in; see /members\n", [
            ("Set-Cookie", cookie[SESSION_COOKIE].OutputString()), ("Location", "/members"),
        ])  # fmt: skip

    def _members(self) -> None:
        cookie = SimpleCookie()
        try:
            cookie.load(self.headers.get("Cookie") or "")
        except Exception:  # a malformed Cookie header is treated as no cookie
            cookie = SimpleCookie()
        morsel = cookie.get(SESSION_COOKIE)
        with self.server.sessions_lock:
            known = morsel is not None and morsel.value in self.server.sessions
        if not known:
            self._reply(HTTPStatus.FORBIDDEN, "Members only: log in at /login first.\n")
            return
        self._reply(HTTPStatus.OK, f"Welcome back, member. Your {SESSION_COOKIE} cookie is {morsel.value}\n")

    # Form echo -----------------------------------------------------------------------------------
    def _form_echo(self) -> None:
        body = self._read_body(64 * 1024)
        if body is None:
            return
        content_type = self.headers.get("Content-Type", "")
        lines = [f"method: {self.command}", f"content-type: {content_type}",
                 f"body: {body.decode('utf-8', 'replace')}"]  # fmt: skip
        if content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
            fields = parse_qsl(body.decode("ascii", "replace"), keep_blank_values=True)
            lines += [f"field {name} = {value}" for name, value in fields]
        self._reply(HTTPStatus.OK, "\n".join(lines) + "\n")

    # Uploads (RFC 9110 9.3.4) --------------------------------------------------------------------
    def _upload_name(self) -> str | None:
        path = self._path()
        if path == "/file":
            return "file"
        if path.startswith("/upload/") and UPLOAD_NAME.fullmatch(path[len("/upload/"):]):
            return path[len("/upload/"):]
        return None

    def translate_path(self, path: str) -> str:
        """Maps /file and /upload/<name> to the upload directory, every other path to the site."""
        name = self._upload_name_of(path)
        if name is not None:
            return os.path.join(self.server.upload_dir, name)
        return super().translate_path(path)

    def _upload_name_of(self, path: str) -> str | None:
        saved, self.path = self.path, path
        try:
            return self._upload_name()
        finally:
            self.path = saved

    def _store_upload(self, name: str) -> None:
        body = self._read_body(MAX_UPLOAD)
        if body is None:
            return
        target = os.path.join(self.server.upload_dir, name)
        existed = os.path.exists(target)
        # Write beside the target and rename, so a reader never sees half a file.
        handle, partial = tempfile.mkstemp(dir=self.server.upload_dir, prefix=".part-")
        with os.fdopen(handle, "wb") as file:
            file.write(body)
        os.replace(partial, target)
        location = "/file" if name == "file" else f"/upload/{name}"
        if existed:
            self._reply(HTTPStatus.OK, f"replaced {location} ({len(body)} bytes)\n")
        else:
            self._reply(HTTPStatus.CREATED, f"stored {location} ({len(body)} bytes)\n",
                        [("Location", location)])  # fmt: skip

    def _read_body(self, limit: int) -> bytes | None:
        """The request body, or None after answering 413 when it is longer than ``limit``."""
        length = self.headers.get("Content-Length")
        if length is not None and int(length) > limit:
            self.send_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"at most {limit} bytes")
            self.close_connection = True
            return None
        chunks, size = [], 0
        while True:
            chunk = self.rfile.read(min(65536, limit + 1 - size))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                self.send_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"at most {limit} bytes")
                self.close_connection = True
                return None

    def _reply(self, status: HTTPStatus, text: str, headers=()) -> None:
        body = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _port(text: str) -> int:
    port = int(text)
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"invalid port {text}")
    return port


def _parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="the demo site behind `make run`")
    parser.add_argument("--port", type=_port, default=int(os.environ.get("DEMO_PORT", "8888")),
                        help="the site's port (DEMO_PORT, default 8888)")
    parser.add_argument("--proxy-port", type=_port,
                        default=int(os.environ.get("DEMO_PROXY_PORT", "3128")),
                        help="webstd proxy's port (DEMO_PROXY_PORT, default 3128)")
    return parser.parse_args()


def _start_proxy(port: int) -> subprocess.Popen:
    """Starts ``webstd proxy`` and waits until it accepts connections."""
    # --allow-private with --allow 127.0.0.1: the demo site is on loopback, which the proxy refuses
    # by default; the allow-list keeps every other destination out.
    proxy = subprocess.Popen([
        sys.executable, "-m", "webstd", "proxy", "--bind", HOST, "--port", str(port),
        "--auth", f"{PROXY_USER}:{PROXY_PASSWORD}", "--allow-private", "--allow", HOST,
        "--allow", "localhost",
    ])  # fmt: skip
    deadline = time.monotonic() + 10
    while proxy.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return proxy
        except OSError:
            time.sleep(0.05)
    _stop(proxy)
    raise OSError(f"webstd proxy did not start on {HOST} port {port}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> int:
    options = _parse_arguments()
    upload_dir = tempfile.mkdtemp(prefix="webstd-demo-uploads-")
    handler = functools.partial(DemoHandler, directory=SITE)
    try:
        server = DemoServer((HOST, options.port), handler, upload_dir)
    except OSError as error:
        shutil.rmtree(upload_dir)
        print(f"demo: cannot listen on {HOST} port {options.port}: {error}", file=sys.stderr)
        return 1
    # Ctrl-C and SIGTERM stop serve_forever from another thread (shutdown() waits for the loop).
    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    proxy = None
    try:
        proxy = _start_proxy(options.proxy_port)
        site = f"http://{HOST}:{options.port}"
        print(f"""webstd demo site (examples/site), Ctrl-C to stop
  {site}/                      the site (index.html, images, css)
  {site}/cgi-bin/script.py     the seed's CGI script (POST language, framework, email)
  {site}/private/              Basic realm "{REALM}": {USER} / {PASSWORD}
  {site}/login                 sets a cookie, then {site}/members shows it
  {site}/form                  POST: echoes what you send
  {site}/file, /upload/<name>  PUT stores the body (in {upload_dir}), GET reads it back
  http://{HOST}:{options.proxy_port}/       webstd proxy, Basic proxy auth {PROXY_USER} / {PROXY_PASSWORD}
Try: curl -u {USER}:'{PASSWORD}' {site}/private/
     curl -x http://{PROXY_USER}:{PROXY_PASSWORD}@{HOST}:{options.proxy_port} {site}/
     .venv/bin/python examples/httplib_methods.py {site}/
ready""", flush=True)  # fmt: skip
        if not stopping.is_set():
            server.serve_forever()
    except OSError as error:
        print(f"demo: {error}", file=sys.stderr)
        return 1
    finally:
        if proxy is not None:
            _stop(proxy)
        server.server_close()
        shutil.rmtree(upload_dir, ignore_errors=True)
    print("demo: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
