"""webstd.http.server over real sockets: framing, keep-alive, pipelining, errors, timeouts, binding."""

from __future__ import annotations

import http.client
import io
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from support.servers import connect, exchange, read_until_close, running
from webstd.http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

SERVERS = [HTTPServer, ThreadingHTTPServer]
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "gunicorn-requests"
REPO = Path(__file__).resolve().parents[2]


class Quiet(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class Hello(Quiet):
    """The seed's handler: a body with no status line."""

    def do_GET(self):
        self.wfile.write(b"Hello World!")


class Echo(Quiet):
    """Answers with Content-Length; POST echoes the body; records each client port."""

    ports: list = []

    def do_GET(self):
        Echo.ports.append(self.client_address[1])
        body = f"{self.command} {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))) if "Content-Length" in self.headers else self.rfile.read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class NoLength(Quiet):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"part one, ")
        self.wfile.write(b"part two")


class Fails(Quiet):
    def do_GET(self):
        if self.path == "/boom":
            raise RuntimeError("handler bug")
        self.send_response(204)
        self.end_headers()


class ReadsFirstByte(Quiet):
    def do_POST(self):
        first = self.rfile.read(1)
        self.send_response(200)
        self.send_header("Content-Length", "1")
        self.end_headers()
        self.wfile.write(first)

    do_GET = Echo.do_GET


def responses(raw: bytes, methods: list[str]) -> list[http.client.HTTPResponse]:
    """Parses consecutive responses from ``raw`` with the stdlib client (the oracle)."""

    class Unclosable(io.BytesIO):
        def close(self):
            pass

    stream = Unclosable(raw)
    parsed = []
    for method in methods:
        fake = type("S", (), {"makefile": lambda self, mode: stream})()
        response = http.client.HTTPResponse(fake, method=method)
        response.begin()
        response.body = response.read()
        parsed.append(response)
    assert stream.read() == b""
    return parsed


@pytest.fixture(params=SERVERS, ids=lambda c: c.__name__)
def server_class(request):
    return request.param


def test_hello_world_with_curl(server_class):
    """The seed's handler writes no status line; curl without flags still shows the body."""
    with running(server_class, Hello) as server:
        url = f"http://127.0.0.1:{server.server_port}/"
        result = subprocess.run(["curl", "-s", "-S", url], capture_output=True, timeout=10)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"Hello World!"


def test_keep_alive_uses_one_connection(server_class):
    Echo.ports = []
    with running(server_class, Echo) as server, connect(server) as sock:
        client = http.client.HTTPConnection("127.0.0.1", server.server_port)
        client.sock = sock
        for path in ("/a", "/b"):
            client.request("GET", path)
            response = client.getresponse()
            assert response.status == 200
            assert response.read() == f"GET {path}".encode()
    assert len(Echo.ports) == 2 and Echo.ports[0] == Echo.ports[1]


def test_curl_reuses_the_connection(server_class):
    with running(server_class, Echo) as server:
        base = f"http://127.0.0.1:{server.server_port}"
        result = subprocess.run(
            ["curl", "-s", "-w", "[%{num_connects}]", f"{base}/1", f"{base}/2"],
            capture_output=True, timeout=10,
        )
    assert result.stdout == b"GET /1[1]GET /2[0]"


def test_pipelining(server_class):
    raw = (
        b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
        b"POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        b"POST /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
        b"HEAD /4 HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    with running(server_class, Echo) as server:
        answer = exchange(server, raw)
    parsed = responses(answer, ["GET", "POST", "POST", "HEAD", "GET"])
    assert [r.body for r in parsed] == [b"GET /1", b"hello", b"abc", b"", b"GET /5"]


def test_unread_body_is_drained_for_the_next_request(server_class):
    raw = (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"
        b"GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    with running(server_class, ReadsFirstByte) as server:
        parsed = responses(exchange(server, raw), ["POST", "GET"])
    assert [r.body for r in parsed] == [b"0", b"GET /next"]


def test_http10_handler(server_class):
    class Old(Echo):
        protocol_version = "HTTP/1.0"

    raw = b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"
    with running(server_class, Old) as server:
        answer = exchange(server, raw)
    assert answer.startswith(b"HTTP/1.0 200 OK\r\n")
    # HTTP/1.0 behaviour: one response, then the connection is closed.
    assert answer.endswith(b"\r\n\r\nGET /1") and answer.count(b"HTTP/1.0") == 1


def test_missing_content_length_is_framed(server_class):
    with running(server_class, NoLength) as server:
        chunked = exchange(server, b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        closed = exchange(server, b"GET / HTTP/1.0\r\n\r\n")
    first, second = responses(chunked, ["GET", "GET"])
    assert first.getheader("Transfer-Encoding") == "chunked"
    assert first.body == second.body == b"part one, part two"
    (old,) = responses(closed, ["GET"])
    assert old.getheader("Transfer-Encoding") is None and old.getheader("Connection") == "close"
    assert old.body == b"part one, part two"


def test_handler_exception_gives_500_and_server_goes_on(server_class, capsys):
    with running(server_class, Fails) as server:
        answer = exchange(server, b"GET /boom HTTP/1.1\r\nHost: x\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 500 Internal Server Error\r\n")
        assert exchange(server, b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 204 ")
    assert "RuntimeError: handler bug" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name",
    ["002", "003", "004", "006", "007", "014", "chunked_01", "chunked_09", "nonascii_01",
     "obs_fold_01", "rfc9112_smuggle_cl_te_chunked_01", "version_01", "prefix_01"],
)
@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"gunicorn's corpus not found at {CORPUS}")
def test_corpus_rejects_answer_4xx_and_close(name):
    raw = (CORPUS / "invalid" / f"{name}.http").read_bytes()
    with running(HTTPServer, Echo) as server:
        answer = exchange(server, raw)
    status_line = answer.split(b"\r\n", 1)[0]
    # Either refused with a 4xx/501/505 or closed without an answer; never a success.
    assert answer == b"" or status_line[9:10] in (b"4", b"5"), answer[:200]
    assert not status_line.startswith(b"HTTP/1.1 2")


def test_idle_keep_alive_connection_is_closed(server_class):
    with running(server_class, Echo, keep_alive_timeout=0.2) as server, connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = read_until_close(sock)
    assert answer.endswith(b"GET /")


def test_trickling_head_gets_408(server_class):
    with running(server_class, Echo, header_timeout=0.3) as server, connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHo")
        answer = read_until_close(sock)
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")


def test_ipv6_loopback():
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    with running(HTTPServer, Echo, address=("::1", 0)) as server:
        assert server.address_family == socket.AF_INET6
        with socket.create_connection(("::1", server.server_port), timeout=5) as sock:
            sock.sendall(b"GET /six HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert read_until_close(sock).endswith(b"GET /six")


def test_dual_stack_serves_ipv4():
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    with running(ThreadingHTTPServer, Echo, address=("::", 0)) as server:
        for host in ("127.0.0.1", "::1"):
            with socket.create_connection((host, server.server_port), timeout=5) as sock:
                sock.sendall(b"GET /dual HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                assert read_until_close(sock).endswith(b"GET /dual")


@pytest.mark.parametrize("server_class", SERVERS, ids=lambda c: c.__name__)
def test_many_idle_connections_do_not_block_a_new_client(server_class):
    with running(server_class, Echo) as server:
        idle = []
        try:
            for _ in range(1000):
                sock = connect(server)
                idle.append(sock)
            # Half of them made a request first and now sit in keep-alive.
            for sock in idle[:500]:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            for sock in idle[:500]:
                assert sock.recv(4096).endswith(b"GET /")
            with connect(server) as fresh:
                fresh.sendall(b"GET /new HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                assert read_until_close(fresh).endswith(b"GET /new")
        finally:
            for sock in idle:
                sock.close()


def test_shutdown_from_another_thread_and_context_manager():
    with HTTPServer(("127.0.0.1", 0), Echo) as server:
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        assert exchange(server, b"GET / HTTP/1.0\r\n\r\n").endswith(b"GET /")
        server.shutdown()
        thread.join(5)
        assert not thread.is_alive()
    assert server.socket.fileno() == -1


def test_handle_request_handles_one_request():
    with HTTPServer(("127.0.0.1", 0), Echo) as server:
        server.timeout = 5
        with connect(server) as sock:
            sock.sendall(b"GET /once HTTP/1.1\r\nHost: x\r\n\r\n")
            server.handle_request()
            assert sock.recv(4096).endswith(b"GET /once")
            sock.sendall(b"GET /twice HTTP/1.1\r\nHost: x\r\n\r\n")
            server.handle_request()
            assert sock.recv(4096).endswith(b"GET /twice")


def test_handle_request_timeout_calls_handle_timeout():
    class Timing(HTTPServer):
        timed_out = False

        def handle_timeout(self):
            self.timed_out = True

    with Timing(("127.0.0.1", 0), Echo) as server:
        server.timeout = 0.05
        server.handle_request()
        assert server.timed_out


def test_expect_100_continue(server_class):
    with running(server_class, Echo) as server, connect(server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        assert sock.recv(4096) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"ok")
        assert sock.recv(4096).endswith(b"\r\n\r\nok")


def test_sigterm_exits_cleanly(tmp_path):
    script = tmp_path / "serve.py"
    script.write_text(textwrap.dedent("""
        import sys
        from webstd.http.server import HTTPServer, BaseHTTPRequestHandler
        from webstd.http._serving import serve_until_stopped
        server = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
        print(server.server_port, flush=True)
        serve_until_stopped(server)
        server.server_close()
        print("stopped", flush=True)
    """))
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        port = int(process.stdout.readline())
        # An answer means serve_forever runs, so the signal handlers are installed.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
            assert read_until_close(sock).startswith(b"HTTP/1.1 501 ")
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert out.strip() == b"stopped"
    assert b"Traceback" not in err


def test_minimal_simple_handler(tmp_path):
    import functools

    from webstd.http.server import SimpleHTTPRequestHandler

    (tmp_path / "sub").mkdir()
    (tmp_path / "hello.txt").write_bytes(b"file body")

    class Files(SimpleHTTPRequestHandler):
        def log_message(self, format, *args):
            pass

    handler = functools.partial(Files, directory=str(tmp_path))
    raw = (
        b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
        b"HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /sub HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    with running(ThreadingHTTPServer, handler) as server:
        parsed = responses(exchange(server, raw), ["GET", "HEAD", "GET", "GET"])
        listing = exchange(server, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        # '..' is refused (docs/differences.md), not clamped at the directory as the stdlib does.
        climbing = exchange(server, b"GET /../ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert [r.status for r in parsed] == [200, 200, 301, 404]
    assert parsed[0].body == b"file body" and parsed[0].getheader("Content-Type") == "text/plain"
    assert parsed[1].body == b"" and parsed[1].getheader("Content-Length") == "9"
    assert parsed[2].getheader("Location") == "/sub/"
    assert b'href="hello.txt"' in listing and b'href="sub/"' in listing
    assert climbing.startswith(b"HTTP/1.1 403 ")
