"""CGIHTTPRequestHandler over real sockets: environment, bodies, CGI responses, framing, refusals."""

from __future__ import annotations

import functools
import http.client
import http.server
import json
import os
import pwd
import shutil
import socket
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support import stdlib311
from support.servers import connect, exchange, read_until_close, running
from webstd.http.server import CGIHTTPRequestHandler, ThreadingHTTPServer

SHELL_SCRIPTS = {
    "hello.sh": 'printf "Content-Type: text/plain\\r\\n\\r\\nhello %s\\n" "$1"',
    "length.sh": 'printf "Content-Type: text/plain\\nContent-Length: 5\\n\\nfive!"',
    "echo.sh": 'printf "Content-Type: application/octet-stream\\r\\n\\r\\n"; cat',
    "status.sh": 'printf "Status: 418 Short And Stout\\nContent-Type: text/plain\\n\\nteapot"',
    "local.sh": 'printf "Location: /static.txt\\n\\n"',
    "local-cgi.sh": 'printf "Location: /cgi-bin/hello.sh?x\\n\\n"',
    "loop.sh": 'printf "Location: /cgi-bin/loop.sh\\n\\n"',
    "client.sh": 'printf "Location: http://example.com/elsewhere\\n\\n"',
    "client-doc.sh": 'printf "Location: http://example.com/\\nStatus: 301 Moved\\nContent-Type: text/html\\n\\nmoved"',
    "nph-raw.sh": 'printf "HTTP/1.1 203 Raw\\r\\nContent-Length: 3\\r\\nX-Nph: yes\\r\\n\\r\\nraw"',
    "noheader.sh": 'echo "just text without a head"',
    "silent.sh": "exit 3",
    "inject.sh": 'printf "Content-Type: text/plain\\nX-Evil: a\\rSet-Cookie: b=c\\n\\nx"',
    "fold.sh": 'printf "Content-Type: text/plain\\nX-A: a\\n b\\n\\nx"',
    "twice.sh": 'printf "Content-Type: text/plain\\nContent-Type: text/html\\n\\nx"',
    "hop.sh": 'printf "Content-Type: text/plain\\nConnection: close\\nTransfer-Encoding: chunked\\n\\nbody"',
    "hang.sh": "exec sleep 30",
    "hang-after-head.sh": 'printf "Content-Type: text/plain\\n\\nstart"; exec sleep 30',
    "stderr.sh": 'echo "a problem to log" >&2; printf "Content-Type: text/plain\\n\\nok"',
    "whoami.sh": 'printf "Content-Type: text/plain\\n\\n"; id -u',
}
ENV_SCRIPT = """\
import json, os, sys
body = sys.stdin.buffer.read()
sys.stdout.write("Content-Type: application/json\\r\\n\\r\\n")
sys.stdout.write(json.dumps({"env": dict(os.environ), "body": body.decode("latin-1"), "argv": sys.argv[1:]}))
"""


def _write(path: str, text: str, mode: int = 0o755) -> None:
    with open(path, "w") as file:
        file.write(text)
    os.chmod(path, mode)


@pytest.fixture(scope="module")
def site():
    # World-readable (not pytest's 0700 tmp_path): as root, scripts run as nobody.
    root = tempfile.mkdtemp(prefix="webstd-cgi-")
    os.chmod(root, 0o755)
    cgi_bin = os.path.join(root, "cgi-bin")
    os.makedirs(os.path.join(cgi_bin, "sub"))
    os.chmod(cgi_bin, 0o755)
    for name, body in SHELL_SCRIPTS.items():
        _write(os.path.join(cgi_bin, name), "#!/bin/sh\n" + body + "\n")
    _write(os.path.join(cgi_bin, "env.py"), ENV_SCRIPT)
    _write(os.path.join(cgi_bin, "sub", "deep.sh"), '#!/bin/sh\nprintf "Content-Type: text/plain\\n\\n$PATH_INFO"\n')
    _write(os.path.join(cgi_bin, "plain.sh"), "#!/bin/sh\necho no\n", mode=0o644)
    os.symlink("/bin/sh", os.path.join(cgi_bin, "shell"))
    os.symlink(cgi_bin, os.path.join(root, "alias"))
    _write(os.path.join(root, "static.txt"), "static file\n", mode=0o644)
    _write(os.path.join(root, "x"), "outside\n", mode=0o644)
    yield root
    shutil.rmtree(root)


class RecordingHandler(CGIHTTPRequestHandler):
    cgi_timeout = 1.0
    cgi_user = None
    log: list[str] = []

    def log_message(self, format, *args):
        self.log.append(format % args)


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(RecordingHandler, directory=site)
    with running(ThreadingHTTPServer, handler) as server:
        yield server


def request(server, method, target, body=None, headers=None):
    conn = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def env_of(server, method="GET", target="/cgi-bin/env.py", body=None, headers=None):
    status, _, data = request(server, method, target, body, headers)
    assert status == 200, data
    return json.loads(data)


# is_cgi and cgi_info ----------------------------------------------------------------------------
class _Bare:
    """A handler with only the attributes is_cgi reads."""

    def __init__(self, cls, path):
        self.handler = cls.__new__(cls)
        self.handler.path = path
        self.handler.cgi_directories = ["/cgi-bin", "/htbin", "/a/b"]

    def info(self):
        return (self.handler.is_cgi(), getattr(self.handler, "cgi_info", None))


CLEAN_TARGETS = [
    "/", "/cgi-bin", "/cgi-bin/", "/cgi-bin/x.py", "/cgi-bin/x.py/extra/path", "/htbin/a?b=c",
    "/cgi-bin/x?", "/cgi-bin/dir/", "/cgi-binx/y", "/a/b/c", "/a/c", "/index.html?q=/cgi-bin/x",
    "/cgi-bin//x", "/cgi-bin/x%20y", "/cgi-bin/a?x=%2e%2e",
]


@stdlib311
@pytest.mark.parametrize("target", CLEAN_TARGETS)
def test_is_cgi_matches_stdlib(target):
    assert _Bare(CGIHTTPRequestHandler, target).info() == _Bare(http.server.CGIHTTPRequestHandler, target).info()


@stdlib311
@settings(max_examples=300)
@given(st.lists(st.sampled_from(["cgi-bin", "htbin", "a", "b", "x.py", "", "s p"]), max_size=5),
       st.sampled_from(["", "?", "?q=1", "?a/b"]))
def test_is_cgi_matches_stdlib_generated(segments, query):
    target = "/" + "/".join(segments) + query
    assert _Bare(CGIHTTPRequestHandler, target).info() == _Bare(http.server.CGIHTTPRequestHandler, target).info()


def test_class_api(site):
    assert CGIHTTPRequestHandler.cgi_directories == ["/cgi-bin", "/htbin"]
    assert CGIHTTPRequestHandler.have_fork == hasattr(os, "fork")
    handler = CGIHTTPRequestHandler.__new__(CGIHTTPRequestHandler)
    assert handler.is_python("/x/a.PY") and handler.is_python("a.pyw") and not handler.is_python("a.sh")
    assert handler.is_executable("/bin/sh") and not handler.is_executable(
        os.path.join(site, "cgi-bin", "plain.sh")
    )


# Environment ------------------------------------------------------------------------------------
def test_environment_meta_variables(server, site):
    result = env_of(server, target="/cgi-bin/env.py/some/path?a=1&b=2",
                    headers={"Authorization": "Basic dXNlcjpwYXNz", "X-Custom": "v",
                             "Proxy": "http://evil:1/", "Accept": "text/plain"})
    env = result["env"]
    host, port = server.server_address[:2]
    assert env["GATEWAY_INTERFACE"] == "CGI/1.1"
    assert env["SERVER_SOFTWARE"].startswith("SimpleHTTP/")
    assert env["SERVER_NAME"] == server.server_name
    assert env["SERVER_PORT"] == str(port)
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert env["REQUEST_METHOD"] == "GET"
    assert env["SCRIPT_NAME"] == "/cgi-bin/env.py"
    assert env["PATH_INFO"] == "/some/path"
    assert env["PATH_TRANSLATED"] == os.path.join(site, "some", "path")
    assert env["QUERY_STRING"] == "a=1&b=2"
    assert env["REMOTE_ADDR"] == "127.0.0.1" == env["REMOTE_HOST"]
    assert env["AUTH_TYPE"] == "Basic" and env["REMOTE_USER"] == "user"
    assert env["HTTP_X_CUSTOM"] == "v" and env["HTTP_ACCEPT"] == "text/plain"
    assert "HTTP_PROXY" not in env and "HTTP_AUTHORIZATION" not in env
    assert "CONTENT_TYPE" not in env and env["CONTENT_LENGTH"] == ""
    assert result["argv"] == []


def test_environment_post_and_search_argument(server):
    result = env_of(server, "POST", "/cgi-bin/env.py?word+two", body=b"k=v",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    env = result["env"]
    assert env["REQUEST_METHOD"] == "POST"
    assert env["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    assert env["CONTENT_LENGTH"] == "3" and result["body"] == "k=v"
    # RFC 3875 4.4: a query without "=" is also given on the command line (as the stdlib does).
    assert result["argv"] == ["word two"]


def test_environment_drops_underscored_and_inherited_fields(server, monkeypatch):
    monkeypatch.setenv("HTTP_COOKIE", "from-the-server")
    monkeypatch.setenv("SCRIPT_NAME", "forged")
    raw = (b"GET /cgi-bin/env.py HTTP/1.0\r\nHost: h\r\nX_Forwarded: a\r\nCookie: a=1\r\n"
           b"Cookie: b=2\r\n\r\n")
    env = json.loads(exchange(server, raw).partition(b"\r\n\r\n")[2])["env"]
    assert "HTTP_X_FORWARDED" not in env
    assert env["HTTP_COOKIE"] == "a=1; b=2"
    assert env["SCRIPT_NAME"] == "/cgi-bin/env.py"


# Bodies and framing -----------------------------------------------------------------------------
def test_post_body_with_content_length_streams_to_stdin(server):
    body = os.urandom(300_000)
    status, headers, data = request(server, "POST", "/cgi-bin/echo.sh", body=body)
    assert status == 200 and data == body
    assert headers["Transfer-Encoding"] == "chunked"


def test_chunked_post_body(server):
    def blocks():
        for index in range(20):
            yield bytes([index]) * 10_000

    conn = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    conn.request("POST", "/cgi-bin/echo.sh", body=blocks(), encode_chunked=True)
    response = conn.getresponse()
    assert response.read() == b"".join(blocks())
    conn.close()


def test_keep_alive_across_cgi_responses(server):
    conn = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    conn.connect()
    first = conn.sock
    for target in ("/cgi-bin/hello.sh", "/cgi-bin/length.sh", "/static.txt", "/cgi-bin/status.sh"):
        conn.request("GET", target)
        response = conn.getresponse()
        response.read()
        assert not response.will_close
        assert conn.sock is first
    conn.close()
    status, headers, data = request(server, "GET", "/cgi-bin/length.sh")
    assert headers["Content-Length"] == "5" and data == b"five!"


def test_http10_client_gets_close_delimited_body(server):
    raw = exchange(server, b"GET /cgi-bin/hello.sh HTTP/1.0\r\n\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.") and b"chunked" not in head.lower()
    assert body == b"hello \n"


def test_head_request_has_no_body(server):
    raw = exchange(server, b"HEAD /cgi-bin/hello.sh HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 200") and raw.endswith(b"\r\n\r\n")


# CGI responses ----------------------------------------------------------------------------------
def test_status_field(server):
    status, headers, data = request(server, "GET", "/cgi-bin/status.sh")
    assert (status, data) == (418, b"teapot")
    assert "Status" not in headers


def test_local_redirects(server):
    assert request(server, "GET", "/cgi-bin/local.sh")[::2] == (200, b"static file\n")
    assert request(server, "POST", "/cgi-bin/local-cgi.sh", body=b"ignored")[::2] == (200, b"hello x\n")
    assert request(server, "GET", "/cgi-bin/loop.sh")[0] == 500


def test_client_redirects(server):
    status, headers, _ = request(server, "GET", "/cgi-bin/client.sh")
    assert status == 302 and headers["Location"] == "http://example.com/elsewhere"
    status, headers, data = request(server, "GET", "/cgi-bin/client-doc.sh")
    assert (status, data) == (301, b"moved") and headers["Content-Type"] == "text/html"


def test_nph_script_output_is_passed_through(server):
    status, headers, data = request(server, "GET", "/cgi-bin/nph-raw.sh")
    assert (status, data, headers["X-Nph"]) == (203, b"raw", "yes")


def test_hop_by_hop_fields_from_the_script_are_dropped(server):
    status, headers, data = request(server, "GET", "/cgi-bin/hop.sh")
    assert (status, data) == (200, b"body")
    assert "Connection" not in headers


@pytest.mark.parametrize("script", ["noheader.sh", "silent.sh", "inject.sh", "fold.sh", "twice.sh"])
def test_invalid_script_responses_get_502(server, script):
    status, headers, _ = request(server, "GET", f"/cgi-bin/{script}")
    assert status == 502
    assert "Set-Cookie" not in headers


def test_hanging_script_gets_504(server):
    assert request(server, "GET", "/cgi-bin/hang.sh")[0] == 504


def test_script_hanging_after_its_head_is_cut_off(server):
    raw = exchange(server, b"GET /cgi-bin/hang-after-head.sh HTTP/1.1\r\nHost: h\r\n\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"200 OK" in head and b"start" in body
    # The connection closed without the last chunk: the client sees the body is incomplete.
    assert not body.endswith(b"0\r\n\r\n")


def test_stderr_goes_to_the_log(server):
    RecordingHandler.log.clear()
    assert request(server, "GET", "/cgi-bin/stderr.sh")[::2] == (200, b"ok")
    assert any("a problem to log" in line for line in RecordingHandler.log)


def test_python_scripts_and_subdirectories(server):
    assert env_of(server)["env"]["SCRIPT_NAME"] == "/cgi-bin/env.py"
    assert request(server, "GET", "/cgi-bin/sub/deep.sh/p/q")[::2] == (200, b"/p/q")


# Refusals ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("target", "expected"), [
    ("/cgi-bin/../x", 403),
    ("/cgi-bin/%2e%2e/x", 403),
    ("/cgi-bin/%2E%2E/cgi-bin/hello.sh", 403),
    ("/x/../cgi-bin/hello.sh", 403),
    ("/x/%2e%2e/cgi-bin/hello.sh", 403),
    ("/cgi-bin/./hello.sh", 403),
    ("/cgi-bin%2fhello.sh", 403),
    ("/cgi-bin/sub%2fdeep.sh", 403),
    ("/cgi-bin\\hello.sh", 403),
    ("/x/..%2fcgi-bin/hello.sh", 403),
    ("/cgi-bin/hello.sh%00", 403),
    ("/cgi-bin/plain.sh", 403),
    ("/cgi-bin/shell", 403),
    ("/cgi-bin/sub", 403),
    ("/cgi-bin/", 403),
    ("/cgi-bin/missing.sh", 404),
    ("/alias/hello.sh", 403),
    ("/cgi-bin", 403),
])  # fmt: skip
def test_refused_targets(server, target, expected):
    raw = exchange(server, f"GET {target} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n".encode())
    assert raw.startswith(f"HTTP/1.1 {expected} ".encode()), raw[:200]
    assert b"printf" not in raw


def test_post_to_a_file_is_501(server):
    assert request(server, "POST", "/static.txt", body=b"x")[0] == 501


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_scripts_run_as_nobody_when_root(site):
    handler = functools.partial(CGIHTTPRequestHandler, directory=site)
    with running(ThreadingHTTPServer, handler) as server:
        status, _, data = request(server, "GET", "/cgi-bin/whoami.sh")
    assert status == 200 and int(data) == pwd.getpwnam("nobody").pw_uid


def test_bad_chunked_body_is_refused(server):
    with connect(server) as sock:
        sock.sendall(b"POST /cgi-bin/echo.sh HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"5\r\nhello\r\nzz\r\n")
        sock.shutdown(socket.SHUT_WR)
        raw = read_until_close(sock)
    assert not raw.startswith(b"HTTP/1.1 200") or not raw.endswith(b"0\r\n\r\n")

