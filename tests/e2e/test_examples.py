"""Every program in examples/ runs against the demo site (examples/demo.py, what `make run` runs).

The demo starts once, as a subprocess on free ports, with its `webstd proxy` child; each example
runs as its own process pointed at it through DEMO_URL / DEMO_PROXY and its output is checked
against what the seed says it prints. Examples other developers add later (wsgi_app.py,
list_images.py, download_images.py) are skipped while their file is missing.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pytest

from support.servers import wait_for_port

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SITE = EXAMPLES / "site"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(**extra: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}
    return {**environment, "PYTHONPATH": str(ROOT / "src"), **extra}


class Demo:
    def __init__(self) -> None:
        self.port, self.proxy_port = _free_port(), _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proxy = f"http://127.0.0.1:{self.proxy_port}/"
        self.process = subprocess.Popen(
            [sys.executable, str(EXAMPLES / "demo.py"), "--port", str(self.port),
             "--proxy-port", str(self.proxy_port)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_environment(),
        )  # fmt: skip
        self.banner = []
        for line in self.process.stdout:
            self.banner.append(line)
            if line.strip() == "ready":
                break
        if self.process.poll() is not None:
            pytest.fail("the demo did not start: " + self.process.stderr.read())

    def stop(self) -> tuple[int, str, str]:
        """Ctrl-C, as a terminal sends it; the exit status, the rest of stdout, and stderr."""
        self.process.send_signal(signal.SIGINT)
        out, err = self.process.communicate(timeout=15)
        return self.process.returncode, out, err


@pytest.fixture(scope="module")
def demo():
    server = Demo()
    yield server
    try:
        server.stop()
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


def run_example(demo: Demo, name: str, *args: str, cwd: Path | None = None) -> str:
    path = EXAMPLES / name
    if not path.exists():
        pytest.skip(f"examples/{name} is not there yet")
    result = subprocess.run(
        [sys.executable, str(path), *args], capture_output=True, text=True, timeout=30, cwd=cwd,
        env=_environment(DEMO_URL=demo.url, DEMO_PROXY=demo.proxy),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_demo_prints_the_urls_to_try(demo):
    banner = "".join(demo.banner)
    for path in ("", "cgi-bin/script.py", "private/", "login", "members", "form", "file"):
        assert demo.url + path in banner
    assert demo.proxy in banner


def test_urlparse_fields(demo):
    out = run_example(demo, "urlparse_fields.py").splitlines()
    url = "http://www.python.org:80/gudio/python.html;philosophy?overall=3#n10"
    assert out[0] == repr(urllib.parse.urlparse(url))
    assert out[0] == (
        "ParseResult(scheme='http', netloc='www.python.org:80', path='/gudio/python.html', "
        "params='philosophy', query='overall=3', fragment='n10')"
    )
    assert [line.split()[0] for line in out[1:7]] == ["scheme", "netloc", "path", "params", "query", "fragment"]
    assert out[7] == "geturl() : " + url


def test_urlopen_get_post(demo):
    out = run_example(demo, "urlopen_get_post.py")
    get, post = out.split(f"POST {demo.url}form 200 OK\n")
    assert get.startswith(f"GET {demo.url} 200 OK\n<!DOCTYPE html>")
    index = (SITE / "index.html").read_bytes()
    assert get[len(f"GET {demo.url} 200 OK\n"):-1] == index[:500].decode("utf-8", "replace")
    assert "content-type: application/x-www-form-urlencoded\nbody: query=python\n" in post
    assert "field query = python" in post


def test_request_headers(demo):
    out = run_example(demo, "request_headers.py")
    assert out == (
        f"POST {demo.url}form text/plain\n"
        "method: POST\ncontent-type: text/plain\nbody: query=python\n\n"
    )


def test_basic_auth(demo):
    out = run_example(demo, "basic_auth.py")
    assert out == (
        "without a password: 401 Unauthorized\n"
        "with the password: 200 OK\n"
        "Hello lowell, welcome to the PDQ Application realm.\n"
    )


def test_cookies_login(demo):
    out = run_example(demo, "cookies_login.py").splitlines()
    assert out[0] == "before login: 403 Forbidden"
    assert out[1] == f"after login: 200 OK {demo.url}members"
    assert out[2].startswith("Welcome back, member. Your session cookie is ")
    assert out[3] == "cookie jar: session for 127.0.0.1/"


def test_proxy_auth(demo):
    out = run_example(demo, "proxy_auth.py").splitlines()
    assert out[0] == "without proxy credentials: 407 Proxy Authentication Required"
    assert out[1] == f"through the proxy: 200 OK {demo.url}index.html"
    assert out[2] == "<!DOCTYPE html>"


def test_httplib_methods(demo):
    out = run_example(demo, "httplib_methods.py")
    assert out == (
        "--- GET, twice on one connection\n"
        f"200 OK\n{(SITE / 'index.html').stat().st_size} bytes\n404 File not found\n"
        "--- HEAD: the headers, no body\n"
        "200 OK\nContent-Type: text/html\n0\nTrue\n"
        "--- POST a url-encoded form\n"
        "200 OK\nmethod: POST\ncontent-type: application/x-www-form-urlencoded\n"
        "body: %40number=1234&%40type=issue&%40action=show\n"
        "field @number = 1234\nfield @type = issue\nfield @action = show\n"
        "--- PUT a body the server stores as /file\n"
        "201 Created\nGET /file: 200 OK ***filecontents***\n"
    )
    # Run again: the file exists now, so PUT replaces it.
    assert "\n200 OK\nGET /file: 200 OK ***filecontents***\n" in run_example(demo, "httplib_methods.py")


def test_cgi_client(demo):
    out = run_example(demo, "cgi_client.py", demo.url)
    assert out.splitlines()[:4] == [
        "Welcome, CGI Scripts",
        "language is  python",
        "framework is  django",
        "email is lowell2735@gmail.com",
    ]


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: set[str] = set()

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.update(value for name, value in attrs if name == "src" and value)


def _index_images() -> list[str]:
    parser = _Images()
    parser.feed((SITE / "index.html").read_text("utf-8"))
    return sorted(parser.sources)


def test_list_images(demo):
    out = run_example(demo, "list_images.py", demo.url)
    assert out == f"\n>>>>>>>> Fetch Images from {demo.url}\n" + "\n".join(_index_images()) + "\n"


def test_download_images(demo, tmp_path):
    out = run_example(demo, "download_images.py", demo.url, cwd=tmp_path)
    assert f">>>>>>>>> Download Images from 127.0.0.1:{demo.port}" in out
    for source in _index_images():
        assert f"attrs name:src value:{source}" in out
        saved = tmp_path / "DOWNLOAD" / os.path.basename(source)
        assert saved.read_bytes() == (SITE / source).read_bytes()


def _get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_hello_server():
    port = _free_port()
    server = subprocess.Popen([sys.executable, str(EXAMPLES / "hello_server.py"), str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=_environment())  # fmt: skip
    try:
        assert server.stdout.readline() == f"Started WebServer on port {port}...\n"
        assert server.stdout.readline() == "Press ^C to quit WebServer\n"
        assert _get(port, "/") == (200, b"Hello World!")
    finally:
        server.kill()
        server.communicate()


def test_file_server_script():
    port = _free_port()
    server = subprocess.Popen(["sh", str(EXAMPLES / "file_server.sh")], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=_environment(PORT=str(port)))  # fmt: skip
    try:
        wait_for_port(port, server)
        assert _get(port, "/index.html") == (200, (SITE / "index.html").read_bytes())
        assert _get(port, "/images/checker.png") == (200, (SITE / "images/checker.png").read_bytes())
        assert _get(port, "/parrot.spam")[0] == 404
    finally:
        # The script execs webstd serve, so the signal reaches the server itself.
        server.terminate()
        assert server.wait(10) == 0


# The example's my_app on webstd's simple_server, on a free port (the example's own main binds 8888).
WSGI_RUNNER = """\
import runpy, sys
from webstd.wsgiref.simple_server import make_server
app = runpy.run_path(sys.argv[1])["my_app"]
server = make_server("127.0.0.1", int(sys.argv[2]), app)
server.serve_forever()
"""


def test_wsgi_app():
    path = EXAMPLES / "wsgi_app.py"
    if not path.exists():
        pytest.skip("examples/wsgi_app.py is not there yet")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", WSGI_RUNNER, str(path), str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              env=_environment())  # fmt: skip
    try:
        wait_for_port(port, server)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/")
        response = connection.getresponse()
        assert (response.status, response.reason) == (200, "ok")
        assert response.getheader("Content-type") == "text/plain"
        assert response.read() == b"this is a sample WSGI Application"
        connection.close()
    finally:
        server.kill()
        server.communicate()


def test_demo_refuses_uploads_outside_its_upload_path(demo):
    for path in ("/index.html", "/upload/.hidden", "/upload/a/b", "/upload/..%2Fescape"):
        connection = http.client.HTTPConnection("127.0.0.1", demo.port, timeout=10)
        connection.request("PUT", path, b"body")
        assert connection.getresponse().status == 405, path
        connection.close()
    assert not (SITE / "escape").exists()


def test_demo_stops_cleanly_on_ctrl_c():
    demo = Demo()
    wait_for_port(demo.proxy_port, demo.process)
    status, out, err = demo.stop()
    assert status == 0, err
    assert "Traceback" not in err
    assert out.endswith("demo: stopped\n")
    with pytest.raises(OSError):  # the proxy child is gone too
        socket.create_connection(("127.0.0.1", demo.proxy_port), timeout=1).close()
