"""webstd.wsgiref.validate against the 3.11 stdlib: the same misuse trips the same check.

Each scenario is an environ change, a start_response call and what the application does with
its body and streams; both validators run it and must agree on the outcome (the body, or the
exception type) and on the warnings issued.
"""

import io
import warnings
import wsgiref.validate as std_validate

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import webstd.wsgiref.validate as validate
from support import stdlib311


def base_environ():
    return {
        "REQUEST_METHOD": "GET",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b"line1\nline2\n"),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


class NoReadlines:
    def read(self, size):
        return b""

    readline = read

    def __iter__(self):
        return iter(())


class Unflushable:
    def write(self, s):
        pass

    writelines = write


def without(key):
    return lambda environ: environ.pop(key)


def setting(key, value):
    return lambda environ: environ.__setitem__(key, value)


ENVIRON_CHANGES = {
    "none": lambda environ: None,
    **{
        f"missing {key}": without(key)
        for key in [
            "REQUEST_METHOD", "SERVER_NAME", "SERVER_PORT", "wsgi.version", "wsgi.input",
            "wsgi.errors", "wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once",
            "wsgi.url_scheme", "QUERY_STRING", "PATH_INFO", "SCRIPT_NAME", "SERVER_PROTOCOL",
        ]
    },
    "HTTP_CONTENT_TYPE": setting("HTTP_CONTENT_TYPE", "text/plain"),
    "HTTP_CONTENT_LENGTH": setting("HTTP_CONTENT_LENGTH", "1"),
    "bytes CGI value": setting("HTTP_HOST", b"x"),
    "int CGI value": setting("SERVER_PORT", 80),
    "object extension": setting("x.y", object()),
    "list version": setting("wsgi.version", [1, 0]),
    "ftp scheme": setting("wsgi.url_scheme", "ftp"),
    "input without readlines": setting("wsgi.input", NoReadlines()),
    "errors without flush": setting("wsgi.errors", Unflushable()),
    "unknown method": setting("REQUEST_METHOD", "BREW"),
    "lowercase method": setting("REQUEST_METHOD", "get"),
    "relative SCRIPT_NAME": setting("SCRIPT_NAME", "x"),
    "relative PATH_INFO": setting("PATH_INFO", "x"),
    "SCRIPT_NAME slash": setting("SCRIPT_NAME", "/"),
    "SCRIPT_NAME app": setting("SCRIPT_NAME", "/app"),
    "negative length": setting("CONTENT_LENGTH", "-1"),
    "bad length": setting("CONTENT_LENGTH", "abc"),
    "empty length": setting("CONTENT_LENGTH", ""),
    "length": setting("CONTENT_LENGTH", "12"),
}  # fmt: skip

TEXT = ("Content-Type", "text/plain")
START_CALLS = {
    "ok": ("200 OK", [TEXT]),
    "ok with exc_info None": ("200 OK", [TEXT], None),
    "exc_info tuple": ("500 Oops", [TEXT], (None, None, None)),
    "exc_info list": ("500 Oops", [TEXT], [None, None, None]),
    "one argument": ("200 OK",),
    "four arguments": ("200 OK", [TEXT], None, None),
    "bytes status": (b"200 OK", [TEXT]),
    "bare code": ("200", [TEXT]),
    "two spaces": ("200  OK", [TEXT]),
    "tab": ("200\tOK", [TEXT]),
    "four digits": ("2000 OK", [TEXT]),
    "low code": ("099 Low", [TEXT]),
    "letters": ("abc OK", [TEXT]),
    "empty status": ("", [TEXT]),
    "tuple headers": ("200 OK", (TEXT,)),
    "list header": ("200 OK", [list(TEXT)]),
    "triple header": ("200 OK", [(*TEXT, "x")]),
    "bytes name": ("200 OK", [TEXT, (b"X-A", "1")]),
    "int value": ("200 OK", [TEXT, ("X-A", 1)]),
    "Status header": ("200 OK", [TEXT, ("status", "200")]),
    "colon name": ("200 OK", [TEXT, ("X:A", "1")]),
    "newline name": ("200 OK", [TEXT, ("X\nA", "1")]),
    "digit name": ("200 OK", [TEXT, ("1X", "1")]),
    "dash end": ("200 OK", [TEXT, ("X-", "1")]),
    "underscore end": ("200 OK", [TEXT, ("X_", "1")]),
    "underscore name": ("200 OK", [TEXT, ("X_A", "1")]),
    "CRLF value": ("200 OK", [TEXT, ("X-A", "a\r\nB: c")]),
    "tab value": ("200 OK", [TEXT, ("X-A", "a\tb")]),
    "DEL value": ("200 OK", [TEXT, ("X-A", "a\x7f")]),
    "no content type": ("200 OK", []),
    "204 with type": ("204 No Content", [TEXT]),
    "204 without": ("204 No Content", []),
    "304 without": ("304 Not Modified", [("ETag", '"x"')]),
    "lowercase type": ("404 Not Found", [("content-type", "text/html")]),
    "keyword": "keyword",
}
BODIES = {
    "list": lambda write: [b"a", b"b"],
    "empty list": lambda write: [],
    "None": lambda write: None,
    "False": lambda write: False,
    "bytes": lambda write: b"ab",
    "str": lambda write: "ab",
    "str items": lambda write: ["ab"],
    "bytearray item": lambda write: [bytearray(b"ab")],
    "write bytes": lambda write: write(b"w") or [],
    "write str": lambda write: write("w") or [],
    "generator": lambda write: (part for part in [b"x", b"y"]),
}


def late_start(start_response, call):
    """A generator application body that calls start_response only once iterated."""
    yield b""
    start_response(*call)
    yield b"late"


STREAM_USES = {
    "none": lambda environ: None,
    "read size": lambda environ: environ["wsgi.input"].read(3),
    "read all": lambda environ: environ["wsgi.input"].read(),
    "read two args": lambda environ: environ["wsgi.input"].read(1, 2),
    "readline": lambda environ: environ["wsgi.input"].readline(),
    "readline size": lambda environ: environ["wsgi.input"].readline(2),
    "readlines": lambda environ: environ["wsgi.input"].readlines(),
    "iterate input": lambda environ: list(environ["wsgi.input"]),
    "close input": lambda environ: environ["wsgi.input"].close(),
    "errors text": lambda environ: environ["wsgi.errors"].write("e"),
    "errors bytes": lambda environ: environ["wsgi.errors"].write(b"e"),
    "errors lines": lambda environ: environ["wsgi.errors"].writelines(["a", "b"]),
    "errors bad lines": lambda environ: environ["wsgi.errors"].writelines(["a", b"b"]),
    "errors flush": lambda environ: environ["wsgi.errors"].flush(),
    "close errors": lambda environ: environ["wsgi.errors"].close(),
}


def scenario_app(start_call, body, stream_use):
    def app(environ, start_response):
        STREAM_USES[stream_use](environ)
        if start_call == "keyword":
            write = start_response("200 OK", [TEXT], exc_info=None)
        elif body == "late start":
            return late_start(start_response, START_CALLS[start_call])
        else:
            write = start_response(*START_CALLS[start_call])
        return BODIES[body](write)

    return app


def run(module, environ_change, start_call, body, stream_use, call_style="normal"):
    """Run one scenario through ``module.validator``; return (outcome, warning names)."""
    environ = base_environ()
    ENVIRON_CHANGES[environ_change](environ)
    written = []

    def start_response(*args):
        return written.append

    checked = module.validator(scenario_app(start_call, body, stream_use))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = None
        try:
            if call_style == "one argument":
                checked(environ)
            elif call_style == "keyword":
                checked(environ, start_response=start_response)
            else:
                result = checked(environ, start_response)
                chunks = list(result)
                result.close()
                outcome = ("ok", written, chunks)
        except Exception as exc:  # noqa: BLE001 -- the type is the compared outcome
            outcome = ("raised", type(exc))
            if result is not None:
                result.close()
    return outcome, [warning.category.__name__ for warning in caught]


def agree(*scenario):
    assert run(validate, *scenario) == run(std_validate, *scenario)


# docs/differences.md: 3.11 raises KeyError while formatting the message of its SCRIPT_NAME /
# PATH_INFO checks when either key is absent, even where PEP 3333 allows the absence.
DEVIATIONS = {"missing PATH_INFO", "missing SCRIPT_NAME"}
COMPARED_ENVIRON_CHANGES = [change for change in ENVIRON_CHANGES if change not in DEVIATIONS]


@stdlib311
@pytest.mark.parametrize("environ_change", COMPARED_ENVIRON_CHANGES)
def test_environ_checks_match_stdlib(environ_change):
    agree(environ_change, "ok", "list", "none")


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        ({"SCRIPT_NAME": ""}, AssertionError),
        ({"SCRIPT_NAME": "/app"}, None),
        ({"PATH_INFO": "/"}, None),
        ({}, AssertionError),
    ],
)
def test_absent_script_name_or_path_info(present, expected):
    environ = base_environ()
    del environ["SCRIPT_NAME"], environ["PATH_INFO"]
    environ.update(present)
    checked = validate.validator(simple_app)
    if expected is None:
        checked(environ, lambda *args: None).close()
    else:
        with pytest.raises(expected):
            checked(environ, lambda *args: None)


@stdlib311
@pytest.mark.parametrize("absent", ["SCRIPT_NAME", "PATH_INFO"])
def test_stdlib_trips_over_absent_script_name_or_path_info(absent):
    environ = base_environ()
    environ.update(SCRIPT_NAME="/app")
    del environ[absent]
    with pytest.raises(KeyError):
        std_validate.validator(simple_app)(environ, lambda *args: None)


@stdlib311
@pytest.mark.parametrize("start_call", START_CALLS)
def test_start_response_checks_match_stdlib(start_call):
    agree("none", start_call, "list", "none")


@stdlib311
@pytest.mark.parametrize("body", [*BODIES, "late start"])
def test_body_checks_match_stdlib(body):
    agree("none", "ok", body, "none")


@stdlib311
@pytest.mark.parametrize("stream_use", STREAM_USES)
def test_stream_checks_match_stdlib(stream_use):
    agree("none", "ok", "list", stream_use)


@stdlib311
@pytest.mark.parametrize("call_style", ["one argument", "keyword"])
def test_call_checks_match_stdlib(call_style):
    agree("none", "ok", "list", "none", call_style)


@stdlib311
@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(COMPARED_ENVIRON_CHANGES),
    st.sampled_from(list(START_CALLS)),
    st.sampled_from([*BODIES, "late start"]),
    st.sampled_from(list(STREAM_USES)),
)
def test_combined_scenarios_match_stdlib(environ_change, start_call, body, stream_use):
    agree(environ_change, start_call, body, stream_use)


def simple_app(environ, start_response):
    start_response("200 OK", [TEXT])
    return [b"hello"]


def test_good_application_passes_silently():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = validate.validator(simple_app)(base_environ(), lambda *args: None)
        assert list(result) == [b"hello"]
        result.close()


def test_checks_raise_assertion_error_and_warnings_are_wsgi_warnings():
    environ = base_environ()
    environ.pop("REQUEST_METHOD")
    with pytest.raises(AssertionError):
        validate.validator(simple_app)(environ, lambda *args: None)
    environ = base_environ()
    environ.pop("QUERY_STRING")
    with pytest.warns(validate.WSGIWarning):
        validate.validator(simple_app)(environ, lambda *args: None).close()


def test_iterator_read_after_close_is_refused():
    result = validate.validator(simple_app)(base_environ(), lambda *args: None)
    result.close()
    with pytest.raises(AssertionError):
        next(result)


def test_close_reaches_the_application_iterable():
    closed = []

    class Body(list):
        def close(self):
            closed.append(True)

    def app(environ, start_response):
        start_response("200 OK", [TEXT])
        return Body([b"x"])

    validate.validator(app)(base_environ(), lambda *args: None).close()
    assert closed == [True]


def test_unclosed_iterator_is_reported(capsys):
    result = validate.validator(simple_app)(base_environ(), lambda *args: None)
    with pytest.raises(AssertionError):
        result.__del__()
    result.close()
    assert "garbage collected without being closed" in capsys.readouterr().err
