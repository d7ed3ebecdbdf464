"""The production WSGI server in this process, over real sockets, with http.client as the client.

Every application runs inside webstd.wsgiref.validate.validator with warnings turned into errors,
so a PEP 3333 violation by the server fails the test.
"""

import contextlib
import http.client
import io
import os
import socket
import ssl
import threading
import time
import warnings

import pytest

from support.tls import self_signed_certificate
from webstd.wsgiref._server_log import _Atoms
from webstd.wsgiref.server import Server, make_config
from webstd.wsgiref.validate import validator

pytestmark = pytest.mark.filterwarnings("error")


ForeignWarnings = (ResourceWarning, pytest.PytestUnraisableExceptionWarning)


@contextlib.contextmanager
def running(app, validate=True, **options):
    options.setdefault("bind", "127.0.0.1:0")
    errors = io.StringIO()
    from webstd.wsgiref._server_log import ErrorLog

    server = Server(validator(app) if validate else app, make_config(**options), ErrorLog(errors))
    caught = []

    def serve():
        with warnings.catch_warnings(record=True) as found:
            warnings.simplefilter("always")
            server.serve_forever()
        caught.extend(found)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    server.errors = errors
    try:
        yield server
    finally:
        server.shutdown(graceful=False)
        thread.join(5)
    # catch_warnings is process-wide: a socket that another test leaked and the collector closes
    # meanwhile shows up here too, so only the warnings this server raised count.
    caught = [item for item in caught if not issubclass(item.category, ForeignWarnings)]
    assert not caught, [str(item.message) for item in caught]
    # A validator complaint inside a request shows up as an application error in the log.
    assert "AssertionError" not in errors.getvalue(), errors.getvalue()


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]


def echo(environ, start_response):
    """Echoes the body, read in the way the query string names."""
    stream = environ["wsgi.input"]
    how = environ["QUERY_STRING"] or "read"
    if how == "read":
        body = stream.read(1 << 20)
    elif how == "readline":
        body = b"|".join(iter(stream.readline, b""))
    elif how == "readlines":
        body = b"|".join(stream.readlines())
    elif how == "iterate":
        body = b"|".join(stream)
    else:
        body = b"".join(iter(lambda: stream.read(3), b""))
    start_response("200 OK", [("Content-Type", "application/octet-stream"),
                              ("Content-Length", str(len(body)))])
    return [body]


class _KeepOpen(io.BufferedReader):
    """One buffered reader shared by several HTTPResponse objects (pipelined responses)."""

    def close(self):
        pass


class _SharedReader:
    def __init__(self, sock):
        self.file = _KeepOpen(socket.SocketIO(sock, "rb"))

    def makefile(self, mode, *args, **kwargs):
        return self.file


def connect(server):
    host, port = server.addresses[0]
    sock = socket.create_connection((host, port), timeout=5)
    return sock, _SharedReader(sock)


def read_response(reader, method="GET"):
    response = http.client.HTTPResponse(reader, method=method)
    response.begin()
    return response, response.read()


def get(server, path="/", method="GET", body=None, headers=None):
    host, port = server.addresses[0]
    connection = http.client.HTTPConnection(host, port, timeout=5)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response, data


def test_hello_and_environ():
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return hello(environ, start_response)

    with running(app) as server:
        response, body = get(server, "/a%20b/c?x=1&y=%20", headers={"X-Thing": "v"})
    assert (response.status, body) == (200, b"hello")
    assert response.getheader("Date") and response.getheader("Server") == "webstd"
    assert seen["PATH_INFO"] == "/a b/c" and seen["QUERY_STRING"] == "x=1&y=%20"
    assert seen["SERVER_PROTOCOL"] == "HTTP/1.1" and seen["REQUEST_METHOD"] == "GET"
    assert seen["HTTP_X_THING"] == "v" and seen["REMOTE_ADDR"] == "127.0.0.1"
    assert seen["wsgi.url_scheme"] == "http" and seen["wsgi.multithread"] is True


def test_path_info_is_bytes_as_latin1():
    seen = {}

    def app(environ, start_response):
        seen["path"] = environ["PATH_INFO"]
        return hello(environ, start_response)

    with running(app) as server:
        get(server, "/caf%C3%A9")
    assert seen["path"].encode("latin-1").decode("utf-8") == "/café"


def test_keep_alive_and_pipelining_in_order():
    def app(environ, start_response):
        body = environ["PATH_INFO"].encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]

    with running(app) as server:
        sock, reader = connect(server)
        sock.sendall(b"".join(b"GET /%d HTTP/1.1\r\nHost: x\r\n\r\n" % index for index in range(5)))
        bodies = [read_response(reader)[1] for _ in range(5)]
        sock.sendall(b"GET /again HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(reader)[1] == b"/again"
        sock.close()
    assert bodies == [b"/%d" % index for index in range(5)]


@pytest.mark.parametrize("how", ["read", "readline", "readlines", "iterate", "small"])
def test_request_body_reading_stops_at_the_end_of_the_body(how):
    body = b"line one\nline two\nlast"
    expected = {"read": body, "small": body}.get(how, b"line one\n|line two\n|last")
    with running(echo) as server:
        sock, reader = connect(server)
        # A Content-Length body, a chunked one, then a request that must stay untouched.
        sock.sendall(
            b"POST /?%s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (how.encode(), len(body), body)
            + b"POST /?%s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" % how.encode()
            + b"5\r\nline \r\n%x\r\n%s\r\n0\r\n\r\n" % (len(body) - 5, body[5:])
            + b"GET /?read HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        assert read_response(reader)[1] == expected
        assert read_response(reader)[1] == expected
        assert read_response(reader)[1] == b""
        sock.close()


def test_unread_body_is_skipped_before_the_next_request():
    with running(hello) as server:
        sock, reader = connect(server)
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"
                     b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(reader)[1] == b"hello"
        assert read_response(reader)[1] == b"hello"
        sock.close()


def streaming(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"one,"
    yield b""
    yield b"two"


def test_stream_without_length_is_chunked_for_http11():
    with running(streaming) as server:
        sock, reader = connect(server)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        response, body = read_response(reader)
        assert response.getheader("Transfer-Encoding") == "chunked" and body == b"one,two"
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(reader)[1] == b"one,two"
        sock.close()


def test_stream_without_length_is_close_delimited_for_http10():
    with running(streaming) as server:
        sock, reader = connect(server)
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = reader.file.read()
        sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"Connection: close" in head and b"chunked" not in head and body == b"one,two"


def test_http10_keep_alive():
    with running(hello) as server:
        sock, reader = connect(server)
        sock.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        response, body = read_response(reader)
        assert response.getheader("Connection") == "keep-alive" and body == b"hello"
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert read_response(reader)[1] == b"hello"
        sock.close()


def test_head_never_sends_a_body():
    with running(streaming) as server:
        sock, reader = connect(server)
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        response, body = read_response(reader, "HEAD")
        assert response.status == 200 and body == b""
        assert read_response(reader)[1] == b"one,two"
        sock.close()


def test_2xx_to_connect_carries_no_framing_fields():
    def tunnel_app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
        return [b"hello"]

    with running(tunnel_app, validate=False) as server:
        sock, _ = connect(server)
        sock.sendall(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
        sock.close()
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"content-length" not in head.lower() and b"transfer-encoding" not in head.lower()
    assert body == b""


def test_write_callable():
    def app(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written ")
        return [b"returned"]

    with running(app) as server:
        assert get(server)[1] == b"written returned"


def test_exc_info_replaces_the_status_before_the_head_is_sent():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise ValueError("boom")
        except ValueError:
            import sys

            start_response("503 Service Unavailable", [("Content-Type", "text/plain")], sys.exc_info())
        return [b"sorry"]

    with running(app) as server:
        response, body = get(server)
    assert (response.status, body) == (503, b"sorry")


@pytest.mark.parametrize(
    "status, headers",
    [
        ("200 OK", [("X-Bad", "a\r\nInjected: yes")]),
        ("OK", [("Content-Type", "text/plain")]),
        ("200 OK", [("Connection", "close")]),
        ("200 OK", [("Bad Name", "v")]),
    ],
)
def test_bad_status_or_header_is_a_500_and_the_server_goes_on(status, headers):
    def app(environ, start_response):
        if environ["PATH_INFO"] == "/bad":
            start_response(status, headers)
            return [b"never"]
        return hello(environ, start_response)

    with running(app, validate=False) as server:
        response, body = get(server, "/bad")
        assert response.status == 500 and b"Injected" not in body
        assert get(server)[1] == b"hello"
        assert "error in the application" in server.errors.getvalue()


def test_exception_in_the_app_is_a_500_and_the_server_goes_on():
    def app(environ, start_response):
        if environ["PATH_INFO"] == "/raise":
            raise RuntimeError("application bug")
        return hello(environ, start_response)

    with running(app) as server:
        sock, reader = connect(server)
        sock.sendall(b"GET /raise HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(reader)[0].status == 500
        assert read_response(reader)[1] == b"hello"
        sock.close()
        assert "RuntimeError: application bug" in server.errors.getvalue()


def test_close_is_called_also_when_the_client_goes_away():
    closed = threading.Event()
    started = threading.Event()

    class Body:
        def __iter__(self):
            started.set()
            for _ in range(10000):
                time.sleep(0.001)
                yield b"x" * 65536

        def close(self):
            closed.set()

    def app(environ, start_response):
        if environ["PATH_INFO"] != "/stream":
            return hello(environ, start_response)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body()

    with running(app, validate=False) as server:
        sock = socket.create_connection(server.addresses[0])
        sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        assert started.wait(5)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()
        assert closed.wait(5)
        assert get(server)[0].status == 200


@pytest.mark.parametrize("validate", [True, False])
def test_file_wrapper_sends_the_file(tmp_path, validate):
    path = tmp_path / "data.bin"
    content = os.urandom(300_000)
    path.write_bytes(content)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        handle = open(path, "rb")
        handle.seek(100)
        return environ["wsgi.file_wrapper"](handle, 8192)

    # The validator hides the wrapper behind its own iterator, so only the bare app takes the
    # sendfile path, which sets Content-Length from the file's size.
    with running(app, validate=validate) as server:
        response, body = get(server)
        if not validate:
            assert response.getheader("Content-Length") == str(len(content) - 100)
        assert body == content[100:]
        response, body = get(server, method="HEAD")
        assert body == b""


def test_file_wrapper_over_a_non_file_iterates():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return environ["wsgi.file_wrapper"](io.BytesIO(b"abc" * 5000), 1000)

    with running(app) as server:
        assert get(server)[1] == b"abc" * 5000


def test_expect_100_continue_is_answered_when_the_app_reads():
    with running(echo) as server:
        sock, reader = connect(server)
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        assert reader.file.readline() == b"HTTP/1.1 100 Continue\r\n"
        assert reader.file.readline() == b"\r\n"
        sock.sendall(b"body")
        assert read_response(reader)[1] == b"body"
        sock.close()


def test_expect_100_continue_not_sent_when_the_app_ignores_the_body():
    with running(hello) as server:
        sock, reader = connect(server)
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        response, body = read_response(reader)
        assert (response.status, body) == (200, b"hello")
        assert response.getheader("Connection") == "close"
        sock.close()


@pytest.mark.parametrize(
    "request_bytes, status",
    [
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n", 413),
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n80\r\n" + b"x" * 128 + b"\r\n0\r\n\r\n", 413),
        (b"GET / HTTP/1.1\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    ],
)
def test_protocol_errors_get_their_status_then_close(request_bytes, status):
    with running(echo, max_body=100) as server:
        sock, reader = connect(server)
        sock.sendall(request_bytes)
        response, _ = read_response(reader)
        assert response.status == status
        assert reader.file.read() == b""  # closed
        sock.close()


@pytest.mark.parametrize(
    "trusted, headers, address, scheme",
    [
        ("*", {"X-Forwarded-For": "203.0.113.9, 10.0.0.1", "X-Forwarded-Proto": "https"}, "203.0.113.9", "https"),
        ("127.0.0.0/8,10.0.0.0/8", {"X-Forwarded-For": "203.0.113.9, 10.0.0.1"}, "203.0.113.9", "http"),
        ("127.0.0.1", {"Forwarded": 'for=192.0.2.60;proto=https, for="[2001:db8::1]:80"'}, "2001:db8::1", "https"),
        ("", {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}, "127.0.0.1", "http"),
        ("192.0.2.0/24", {"X-Forwarded-For": "203.0.113.9"}, "127.0.0.1", "http"),
    ],
)
def test_trusted_proxy_fields(trusted, headers, address, scheme):
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return hello(environ, start_response)

    with running(app, forwarded_allow_ips=trusted) as server:
        get(server, headers=headers)
    assert (seen["REMOTE_ADDR"], seen["wsgi.url_scheme"]) == (address, scheme)


def test_header_names_with_underscores_are_dropped():
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return hello(environ, start_response)

    with running(app) as server:
        get(server, headers={"X_Forwarded_For": "6.6.6.6", "X-A": "1"})
    assert "HTTP_X_FORWARDED_FOR" not in seen and seen["HTTP_X_A"] == "1"


def test_slow_head_gets_408_and_is_closed():
    with running(hello, timeout=0.3) as server:
        sock, reader = connect(server)
        sock.sendall(b"GET / HTTP/1.1\r\nHo")
        response, _ = read_response(reader)
        assert response.status == 408
        sock.close()


def test_idle_keep_alive_connection_is_closed():
    with running(hello, keep_alive=0.3) as server:
        sock, reader = connect(server)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        read_response(reader)
        assert reader.file.read() == b""
        sock.close()


def test_slow_app_does_not_block_other_clients():
    release = threading.Event()

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/slow":
            release.wait(5)
        return hello(environ, start_response)

    with running(app, threads=4) as server:
        # The first /slow call may run in the loop thread once; it is then known to be slow.
        result = []
        thread = threading.Thread(target=lambda: result.append(get(server, "/slow")))
        release.set()
        thread.start()
        thread.join(5)
        release.clear()
        thread = threading.Thread(target=lambda: result.append(get(server, "/slow")))
        thread.start()
        time.sleep(0.1)
        assert get(server)[1] == b"hello"
        release.set()
        thread.join(5)
    assert len(result) == 2


def test_graceful_shutdown_finishes_requests_in_flight():
    entered = threading.Event()

    def app(environ, start_response):
        entered.set()
        time.sleep(0.5)
        return hello(environ, start_response)

    with running(app) as server:
        idle, _ = connect(server)
        results = []
        thread = threading.Thread(target=lambda: results.append(get(server, method="POST", body=b"x")))
        thread.start()
        assert entered.wait(5)
        server._engine.shutdown(graceful=True)
        thread.join(5)
        assert idle.recv(10) == b""  # idle connection closed
        idle.close()
        assert server._engine.wait_stopped(5)
    assert results and results[0][1] == b"hello"


def test_unix_socket(tmp_path):
    path = str(tmp_path / "s.sock")
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return hello(environ, start_response)

    with running(app, bind=f"unix:{path}") as server:
        assert server.addresses == [path]
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(path)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 198.51.100.7\r\n\r\n")
        response, body = read_response(_SharedReader(sock))
        sock.close()
    assert body == b"hello" and seen["REMOTE_ADDR"] == "198.51.100.7"
    assert not os.path.exists(path)


def test_tls(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        body = environ["wsgi.input"].read(1 << 20)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body) + 5))])
        return [b"tls: ", body]

    with running(app, certfile=str(cert), keyfile=str(key)) as server:
        host, port = server.addresses[0]
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        connection = http.client.HTTPSConnection(host, port, context=context, timeout=5)
        for index in range(3):
            connection.request("POST", "/", body=b"x" * (index * 40000))
            response = connection.getresponse()
            assert response.read() == b"tls: " + b"x" * (index * 40000)
        connection.close()
    assert seen["wsgi.url_scheme"] == "https" and seen["HTTPS"] == "on"


def logged_line(log, timeout=5.0):
    """The access log's first line; a server writes it just after the response, so wait for it."""
    deadline = time.monotonic() + timeout
    while not log.exists() or not log.read_text().strip():
        if time.monotonic() > deadline:
            return ""
        time.sleep(0.01)
    return log.read_text().strip()


def test_access_log(tmp_path):
    log = tmp_path / "access.log"
    log_format = '%(h)s %(u)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-id}i)s'
    with running(hello, access_logfile=str(log), access_logformat=log_format) as server:
        get(server, "/p?q=1", headers={"Referer": "http://r/", "User-Agent": "ua/1", "X-Id": "42",
                                       "Authorization": "Basic dXNlcjpwdw=="})
    line = logged_line(log)
    assert line == '127.0.0.1 user "GET /p?q=1 HTTP/1.1" 200 5 "http://r/" "ua/1" 42'



@pytest.mark.parametrize(
    ("authorization", "user"),
    [
        ("Basic dXNlcjpwdw==", "user"),
        ("basic dXNlcjpwdw==", "user"),
        ("Basic OnB3", "-"),  # ":pw", an empty user
        ("Basic bm9jb2xvbg==", "-"),  # "nocolon": not user-pass, and perhaps a secret to keep out
        ("Basic \u00e9\u00e9\u00e9\u00e9", "-"),  # not base64; once a ValueError from the log
        ("Basic Y2Fm6Tp4", "-"),  # not UTF-8
        ("Bearer dXNlcjpwdw==", "-"),
        (None, "-"),
    ],
)
def test_access_log_user_atom(authorization, user):
    environ = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    assert _Atoms(environ, "200 OK", 0, 0.0)["u"] == user


def test_common_log_format_by_default(tmp_path):
    log = tmp_path / "access.log"
    with running(hello, access_logfile=str(log)) as server:
        get(server)
    line = logged_line(log)
    assert line.startswith('127.0.0.1 - - [')
    assert line.endswith('"GET / HTTP/1.1" 200 5')
