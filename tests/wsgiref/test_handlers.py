"""webstd.wsgiref.handlers against the 3.11 stdlib: the same application run by both
SimpleHandler (or BaseCGIHandler) over BytesIO streams must write the same bytes, apart from
the Date field's value."""

import io
import re
import sys
import wsgiref.handlers as std_handlers

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import webstd.wsgiref.handlers as handlers
from support import stdlib311
from webstd.wsgiref.headers import Headers

TEXT = ("Content-Type", "text/plain")
IMF_FIXDATE = rb"Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\n"


class Body(list):
    """A response iterable with close(), which the handler must call exactly once."""

    def __init__(self, items, log):
        super().__init__(items)
        self.log = log

    def close(self):
        self.log.append("closed")


def normal(environ, start_response):
    start_response("200 OK", [TEXT])
    return [b"hello"]


def several_blocks(environ, start_response):
    start_response("200 OK", [TEXT])
    return [b"a", b"", b"bc"]


def empty(environ, start_response):
    start_response("204 No Content", [])
    return []


def generator(environ, start_response):
    start_response("200 OK", [TEXT])
    yield b"one"
    yield b"two"


def with_close(environ, start_response):
    start_response("200 OK", [TEXT, ("X-A", "1")])
    return Body([b"x"], environ["test.log"])


def own_length(environ, start_response):
    start_response("200 OK", [TEXT, ("Content-Length", "2")])
    return [b"ok"]


def uses_write(environ, start_response):
    write = start_response("200 OK", [TEXT])
    write(b"written ")
    return [b"returned"]


def uses_write_only(environ, start_response):
    start_response("200 OK", [TEXT])(b"all")
    return []


def raises_before_start(environ, start_response):
    raise ValueError("before")


def raises_after_start(environ, start_response):
    start_response("200 OK", [TEXT])
    raise ValueError("after")


def replaces_with_exc_info(environ, start_response):
    start_response("200 OK", [TEXT])
    try:
        raise ValueError("oops")
    except ValueError:
        start_response("503 Unavailable", [TEXT, ("Retry-After", "1")], sys.exc_info())
    return [b"sorry"]


def exc_info_after_headers(environ, start_response):
    start_response("200 OK", [TEXT])
    yield b"partial"
    try:
        raise ValueError("late")
    except ValueError:
        start_response("500 Oops", [TEXT], sys.exc_info())
    yield b"never"


def raises_while_iterating(environ, start_response):
    start_response("200 OK", [TEXT])
    yield b"first"
    raise ValueError("mid-body")


def raises_in_first_item(environ, start_response):
    start_response("200 OK", [TEXT])
    raise ValueError("first")
    yield b""


def file_wrapper(environ, start_response):
    start_response("200 OK", [TEXT])
    return environ["wsgi.file_wrapper"](io.BytesIO(b"0123456789" * 3), 7)


def hop_by_hop(environ, start_response):
    start_response("200 OK", [TEXT, ("Connection", "close")])
    return [b"x"]


def bad_status(environ, start_response):
    start_response("200OK", [TEXT])
    return [b"x"]


def short_status(environ, start_response):
    start_response("200", [TEXT])
    return [b"x"]


def bytes_status(environ, start_response):
    start_response(b"200 OK", [TEXT])
    return [b"x"]


def bytes_header(environ, start_response):
    start_response("200 OK", [(b"X-A", "1")])
    return [b"x"]


def write_before_start(environ, start_response):
    environ["test.write"](b"x")
    return []


def str_body(environ, start_response):
    start_response("200 OK", [TEXT])
    return ["text"]


def start_twice(environ, start_response):
    start_response("200 OK", [TEXT])
    start_response("200 OK", [TEXT])
    return [b"x"]


def no_start(environ, start_response):
    return [b"x"]


def no_start_empty(environ, start_response):
    return []


def echo_environ(environ, start_response):
    start_response("200 OK", [TEXT])
    shown = {
        key: repr(value)
        for key, value in environ.items()
        if key.startswith("wsgi.") and key not in ("wsgi.input", "wsgi.errors", "wsgi.file_wrapper")
        or key in ("SERVER_SOFTWARE", "SERVER_PROTOCOL", "PATH_INFO", "HTTPS")
    }
    shown["file_wrapper"] = repr("wsgi.file_wrapper" in environ)
    shown["body"] = repr(environ["wsgi.input"].read())
    return [repr(sorted(shown.items())).encode()]


APPS = [
    normal, several_blocks, empty, generator, with_close, own_length, uses_write,
    uses_write_only, raises_before_start, raises_after_start, replaces_with_exc_info,
    exc_info_after_headers, raises_while_iterating, raises_in_first_item, file_wrapper,
    hop_by_hop, bad_status, short_status, bytes_status, bytes_header, write_before_start,
    str_body, start_twice, no_start, no_start_empty, echo_environ,
]  # fmt: skip
APPS_BY_NAME = {app.__name__: app for app in APPS}

CONFIGURATIONS = {
    "HTTP/1.0 origin": {},
    "HTTP/1.1 origin": {"http_version": "1.1", "SERVER_PROTOCOL": "HTTP/1.1"},
    "HTTP/0.9 client": {"SERVER_PROTOCOL": "HTTP/0.9"},
    "server software": {"server_software": "Test/1.0"},
    "CGI gateway": {"cgi": True},
    "CGI to HTTP/0.9": {"cgi": True, "SERVER_PROTOCOL": "HTTP/0.9"},
    "https": {"HTTPS": "on", "multithread": False, "multiprocess": True},
    "no file wrapper": {"wsgi_file_wrapper": None},
    "custom error": {
        "error_status": "502 Bad Gateway",
        "error_headers": [("Content-Type", "text/html")],
        "error_body": b"<p>bad</p>",
    },
}


def run(module, app_name, configuration_name):
    """Run an application through ``module``'s handler; return what a client and the log see."""
    configuration = dict(CONFIGURATIONS[configuration_name])
    environ = {
        "REQUEST_METHOD": "GET",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": configuration.pop("SERVER_PROTOCOL", "HTTP/1.0"),
        "SCRIPT_NAME": "",
        "PATH_INFO": "/path",
        "QUERY_STRING": "",
    }
    if "HTTPS" in configuration:
        environ["HTTPS"] = configuration.pop("HTTPS")
    handler_class = module.BaseCGIHandler if configuration.pop("cgi", False) else module.SimpleHandler
    stdout, stderr = io.BytesIO(), io.StringIO()
    handler = handler_class(
        io.BytesIO(b"request body"),
        stdout,
        stderr,
        environ,
        multithread=configuration.pop("multithread", True),
        multiprocess=configuration.pop("multiprocess", False),
    )
    handler.os_environ = {}
    for name, value in configuration.items():
        setattr(handler, name, value)
    log = []
    environ["test.log"] = log
    environ["test.write"] = handler.write
    try:
        handler.run(APPS_BY_NAME[app_name])
        outcome = "ok"
    except Exception as exc:  # noqa: BLE001 -- the type is the compared outcome
        outcome = type(exc).__name__
    output = stdout.getvalue()
    dates = re.findall(IMF_FIXDATE, output)
    logged = stderr.getvalue().strip().splitlines()
    return {
        "outcome": outcome,
        "output": re.sub(IMF_FIXDATE, b"Date: *\r\n", output),
        "dates": len(dates),
        "error": logged[-1] if logged else None,
        "closed": log,
        "state": (
            handler.status,
            None if handler.headers is None else handler.headers.items(),
            handler.bytes_sent,
            handler.headers_sent,
        ),
    }


def agree(app_name, configuration_name):
    ours = run(handlers, app_name, configuration_name)
    theirs = run(std_handlers, app_name, configuration_name)
    assert ours == theirs


@stdlib311
@pytest.mark.parametrize("app_name", APPS_BY_NAME)
def test_applications_match_stdlib(app_name):
    agree(app_name, "HTTP/1.0 origin")


@stdlib311
@pytest.mark.parametrize("configuration_name", CONFIGURATIONS)
def test_configurations_match_stdlib(configuration_name):
    for app_name in ("normal", "uses_write", "raises_after_start", "echo_environ", "empty"):
        agree(app_name, configuration_name)


@stdlib311
@settings(max_examples=250, deadline=None)
@given(st.sampled_from(list(APPS_BY_NAME)), st.sampled_from(list(CONFIGURATIONS)))
def test_every_combination_matches_stdlib(app_name, configuration_name):
    agree(app_name, configuration_name)


def test_normal_response_bytes():
    result = run(handlers, "normal", "HTTP/1.1 origin")
    assert result["outcome"] == "ok"
    assert result["dates"] == 1
    assert result["output"] == (
        b"HTTP/1.1 200 OK\r\nDate: *\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
    )


def test_error_page_after_failure_before_headers():
    result = run(handlers, "raises_after_start", "HTTP/1.0 origin")
    assert result["output"].startswith(b"HTTP/1.0 500 Internal Server Error\r\n")
    assert result["output"].endswith(b"\r\n\r\nA server error occurred.  Please contact the administrator.")
    assert result["error"] == "ValueError: after"


def test_cgi_gateway_writes_a_status_field():
    result = run(handlers, "normal", "CGI gateway")
    assert result["output"] == b"Status: 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"


def test_injected_header_value_is_refused():
    def app(environ, start_response):
        start_response("200 OK", [TEXT, ("X-A", "1\r\nSet-Cookie: evil=1")])
        return [b"x"]

    stdout, stderr = io.BytesIO(), io.StringIO()
    handlers.SimpleHandler(io.BytesIO(), stdout, stderr, {"SERVER_PROTOCOL": "HTTP/1.0"}).run(app)
    assert stdout.getvalue().startswith(b"HTTP/1.0 500 ")
    assert b"evil" not in stdout.getvalue()
    assert "ValueError" in stderr.getvalue()


def test_injected_status_is_refused():
    def app(environ, start_response):
        start_response("200 OK\r\nSet-Cookie: evil=1", [TEXT])
        return [b"x"]

    stdout = io.BytesIO()
    handlers.SimpleHandler(io.BytesIO(), stdout, io.StringIO(), {"SERVER_PROTOCOL": "HTTP/1.0"}).run(app)
    assert stdout.getvalue().startswith(b"HTTP/1.0 500 ")
    assert b"evil" not in stdout.getvalue()


class PartialWriter(io.BytesIO):
    def write(self, data):
        return super().write(data[:3])


def test_partial_writes_are_completed_with_a_warning():
    stdout = PartialWriter()
    handler = handlers.SimpleHandler(io.BytesIO(), stdout, io.StringIO(), {"SERVER_PROTOCOL": "HTTP/1.0"})
    with pytest.warns(DeprecationWarning):
        handler.run(normal)
    assert stdout.getvalue().endswith(b"\r\n\r\nhello")


def test_client_disconnect_is_silent():
    class Gone(io.BytesIO):
        def write(self, data):
            raise BrokenPipeError

    stderr = io.StringIO()
    handlers.SimpleHandler(io.BytesIO(), Gone(), stderr, {"SERVER_PROTOCOL": "HTTP/1.0"}).run(normal)
    assert stderr.getvalue() == ""


def test_base_handler_io_is_abstract():
    handler = handlers.BaseHandler()
    for method in ("get_stdin", "get_stderr", "add_cgi_vars", "_flush"):
        with pytest.raises(NotImplementedError):
            getattr(handler, method)()
    with pytest.raises(NotImplementedError):
        handler._write(b"")
    assert handler.headers_class is Headers


DOCUMENTED_ATTRIBUTES = [
    "wsgi_version", "wsgi_multithread", "wsgi_multiprocess", "wsgi_run_once", "origin_server",
    "http_version", "server_software", "traceback_limit", "error_status", "error_headers",
    "error_body",
]  # fmt: skip


@stdlib311
@pytest.mark.parametrize("class_name", ["BaseHandler", "SimpleHandler", "BaseCGIHandler", "CGIHandler", "IISCGIHandler"])
def test_class_attributes_match_stdlib(class_name):
    ours, theirs = getattr(handlers, class_name), getattr(std_handlers, class_name)
    for name in DOCUMENTED_ATTRIBUTES:
        assert getattr(ours, name) == getattr(theirs, name), name
    assert (ours.wsgi_file_wrapper is None) == (theirs.wsgi_file_wrapper is None)
    assert (ours.os_environ == {}) == (theirs.os_environ == {})
    assert set(handlers.__all__) == set(std_handlers.__all__)


def with_os_environ(monkeypatch, variables):
    for name in list(__import__("os").environ):
        monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


CGI_VARIABLES = {
    "PATH_INFO": "/caf\udce9/x",
    "SCRIPT_NAME": "/s",
    "QUERY_STRING": "q=\u20ac",
    "HTTP_X": "\udcff",
    "REDIRECT_REDIRECT_HTTP_Y": "\udce9",
    "REDIRECT_OTHER": "\u20ac",
    "SSL_CLIENT": "a",
    "HOME": "/h\u20ac",
}


@stdlib311
def test_read_environ_matches_stdlib(monkeypatch):
    with_os_environ(monkeypatch, CGI_VARIABLES)
    assert handlers.read_environ() == std_handlers.read_environ()
    assert handlers.read_environ()["PATH_INFO"] == "/caf\xe9/x"


@stdlib311
@pytest.mark.parametrize(("script_name", "path_info"), [("/s", "/s/x"), ("/s", "/sx"), ("/s", "/s"), ("", "/a")])
def test_cgi_handlers_match_stdlib(monkeypatch, script_name, path_info):
    with_os_environ(monkeypatch, {"SCRIPT_NAME": script_name, "PATH_INFO": path_info, "SERVER_PROTOCOL": "HTTP/1.0"})
    for class_name in ("CGIHandler", "IISCGIHandler"):
        ours, theirs = getattr(handlers, class_name)(), getattr(std_handlers, class_name)()
        assert ours.base_env == theirs.base_env
        assert (ours.wsgi_multithread, ours.wsgi_multiprocess) == (theirs.wsgi_multithread, theirs.wsgi_multiprocess)
        assert ours.stdout is sys.stdout.buffer


@stdlib311
def test_format_date_time_matches_stdlib():
    for timestamp in (0, 784111777, 1700000000.5, 4102444800):
        assert handlers.format_date_time(timestamp) == std_handlers.format_date_time(timestamp)


@stdlib311
def test_flask_application_matches_stdlib():
    flask = pytest.importorskip("flask")
    app = flask.Flask("webstd_wsgiref_test")

    @app.route("/path")
    def index():
        response = flask.jsonify(answer=42, text="caf\xe9")
        response.set_cookie("session", "abc", httponly=True)
        return response

    APPS_BY_NAME["flask"] = app.wsgi_app
    try:
        for configuration_name in ("HTTP/1.0 origin", "HTTP/1.1 origin", "CGI gateway"):
            ours = run(handlers, "flask", configuration_name)
            assert ours == run(std_handlers, "flask", configuration_name)
            assert b"Set-Cookie: session=abc; HttpOnly; Path=/" in ours["output"]
    finally:
        del APPS_BY_NAME["flask"]
