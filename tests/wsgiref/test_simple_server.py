"""webstd.wsgiref.simple_server against the 3.11 stdlib's, over real sockets."""

import http.client
import subprocess
import sys
import threading
import time
import warnings
import wsgiref.simple_server as std_simple_server
from pathlib import Path

import pytest

from support import stdlib311
from webstd.wsgiref import simple_server
from webstd.wsgiref.validate import validator

ROOT = Path(__file__).resolve().parents[2]


def exchange(module, app, method="GET", path="/", body=None, headers=None):
    server = module.make_server("127.0.0.1", 0, app)
    server.RequestHandlerClass.log_message = lambda *args: None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        result = response.status, response.read(), dict(response.getheaders())
        connection.close()
        return result
    finally:
        server.shutdown()
        server.server_close()


def environ_of(module, **request):
    seen = {}

    def app(environ, start_response):
        seen.update({key: value for key, value in environ.items() if not key.startswith("wsgi.")})
        seen["body"] = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    exchange(module, app, **request)
    for key in ("SERVER_PORT", "SERVER_SOFTWARE", "HTTP_HOST"):
        seen.pop(key, None)
    return seen


@stdlib311
@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"path": "/a%20b/%C3%A9?x=1&y=%20"},
        {"method": "POST", "path": "/form", "body": b"a=1&b=2",
         "headers": {"Content-Type": "application/x-www-form-urlencoded", "X-Dup": "1"}},
        {"method": "PUT", "path": "/p", "body": b"data", "headers": {"X-A": " spaced "}},
    ],
)
def test_environ_matches_the_stdlib(request_kwargs):
    assert environ_of(simple_server, **request_kwargs) == environ_of(std_simple_server, **request_kwargs)


@stdlib311
def test_demo_app_and_versions_match_the_stdlib():
    assert simple_server.software_version == std_simple_server.software_version
    assert simple_server.server_version == std_simple_server.server_version
    status, body, headers = exchange(simple_server, simple_server.demo_app)
    _, std_body, std_headers = exchange(std_simple_server, std_simple_server.demo_app)
    assert status == 200 and body.startswith(b"Hello world!\n\n")
    assert headers["Content-Type"] == std_headers["Content-Type"]
    names = [line.split(b" = ")[0] for line in body.splitlines()[2:]]
    std_names = [line.split(b" = ")[0] for line in std_body.splitlines()[2:]]
    assert names == std_names


def test_validated_app_streams_and_errors():
    def app(environ, start_response):
        if environ["PATH_INFO"] == "/boom":
            raise RuntimeError("boom")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter([b"a", b"b"])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert exchange(simple_server, validator(app))[:2] == (200, b"ab")
    assert exchange(simple_server, app, path="/boom")[0] == 500


def test_set_app_get_app_and_base_environ():
    server = simple_server.make_server("127.0.0.1", 0, simple_server.demo_app)
    try:
        assert server.get_app() is simple_server.demo_app
        assert server.base_environ["GATEWAY_INTERFACE"] == "CGI/1.1"
        assert server.base_environ["SERVER_PORT"] == str(server.server_port)
    finally:
        server.server_close()


def test_the_seed_example_runs():
    process = subprocess.Popen([sys.executable, "-u", str(ROOT / "examples" / "wsgi_app.py")],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               env={"PYTHONPATH": str(ROOT / "src")})
    try:
        assert process.stdout.readline() == b"Started WSGI Server on port 8888..\n"
        for _ in range(50):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", 8888, timeout=5)
                connection.request("GET", "/")
                break
            except ConnectionRefusedError:
                time.sleep(0.1)
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, b"this is a sample WSGI Application")
    finally:
        process.kill()
        process.wait()
