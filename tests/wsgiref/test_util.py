"""webstd.wsgiref.util against the 3.11 stdlib: URL reconstruction, path shifting, defaults."""

import io
import wsgiref.util as std_util

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import webstd.wsgiref.util as util
from support import stdlib311


def outcome(function, *args, **kwargs):
    """The result of a call, or the type of the exception it raised."""
    try:
        return ("ok", function(*args, **kwargs))
    except Exception as exc:  # noqa: BLE001 -- the type is the compared outcome
        return ("raised", type(exc))


# Characters that exercise quoting: unreserved, the safe sets, delimiters, spaces, percent,
# latin-1 and beyond latin-1 (which cannot be a WSGI environ string).
PATH_CHARS = "az09-._~/;=,:@!$&'()*+?#[]% \"<>\\^`{|}\t\x7f\xe9\xff\u20ac"
path_text = st.text(alphabet=PATH_CHARS, max_size=12)
optional = st.one_of(st.none(), st.just(""))


@st.composite
def environs(draw):
    environ = {"wsgi.url_scheme": draw(st.sampled_from(["http", "https"]))}
    host = draw(st.one_of(st.none(), st.sampled_from(["", "example.com", "h:8080", "[::1]:443"])))
    if host is not None:
        environ["HTTP_HOST"] = host
    environ["SERVER_NAME"] = draw(st.sampled_from(["server", "10.0.0.1"]))
    environ["SERVER_PORT"] = draw(st.sampled_from(["80", "443", "8080", "0"]))
    for key in ("SCRIPT_NAME", "PATH_INFO"):
        value = draw(st.one_of(st.none(), st.just(""), st.just("/"), path_text.map("/".__add__)))
        if value is not None:
            environ[key] = value
    query = draw(st.one_of(st.none(), st.sampled_from(["", "a=1&b=%20", "x y"])))
    if query is not None:
        environ["QUERY_STRING"] = query
    return environ


URI_TABLE = [
    {"wsgi.url_scheme": "http", "HTTP_HOST": "h", "SCRIPT_NAME": "", "PATH_INFO": "/"},
    {"wsgi.url_scheme": "http", "SERVER_NAME": "s", "SERVER_PORT": "80"},
    {"wsgi.url_scheme": "http", "SERVER_NAME": "s", "SERVER_PORT": "443"},
    {"wsgi.url_scheme": "https", "SERVER_NAME": "s", "SERVER_PORT": "443"},
    {"wsgi.url_scheme": "https", "SERVER_NAME": "s", "SERVER_PORT": "80"},
    {"wsgi.url_scheme": "https", "HTTP_HOST": "", "SERVER_NAME": "s", "SERVER_PORT": "8443"},
    {"wsgi.url_scheme": "http", "HTTP_HOST": "h", "SCRIPT_NAME": "/a b", "PATH_INFO": "/c;d=e,f"},
    {"wsgi.url_scheme": "http", "HTTP_HOST": "h", "PATH_INFO": "/%7e?#", "QUERY_STRING": "q"},
    {"wsgi.url_scheme": "http", "HTTP_HOST": "h", "PATH_INFO": "/caf\xe9"},
    {"wsgi.url_scheme": "http", "HTTP_HOST": "h", "PATH_INFO": "/\u20ac"},
    {"wsgi.url_scheme": "http", "HTTP_HOST": "h", "SCRIPT_NAME": "/s", "QUERY_STRING": ""},
    {"wsgi.url_scheme": "http", "HTTP_HOST": "h"},
    {"wsgi.url_scheme": "http", "HTTP_HOST": "h", "PATH_INFO": b"/x"},
    {"wsgi.url_scheme": "http", "HTTP_HOST": "h", "SCRIPT_NAME": b"/x"},
    {"wsgi.url_scheme": "http", "SERVER_NAME": "s"},
    {"HTTP_HOST": "h"},
]


@stdlib311
@pytest.mark.parametrize("environ", URI_TABLE)
def test_uris_table(environ):
    for include_query in (True, False):
        assert outcome(util.request_uri, dict(environ), include_query) == outcome(
            std_util.request_uri, dict(environ), include_query
        )
    assert outcome(util.application_uri, dict(environ)) == outcome(
        std_util.application_uri, dict(environ)
    )


@stdlib311
@settings(max_examples=400, deadline=None)
@given(environs(), st.booleans())
def test_uris_match_stdlib(environ, include_query):
    assert outcome(util.request_uri, dict(environ), include_query) == outcome(
        std_util.request_uri, dict(environ), include_query
    )
    assert outcome(util.application_uri, dict(environ)) == outcome(
        std_util.application_uri, dict(environ)
    )


def test_request_uri_examples():
    environ = {"wsgi.url_scheme": "https", "SERVER_NAME": "s", "SERVER_PORT": "8443"}
    environ |= {"SCRIPT_NAME": "/app", "PATH_INFO": "/a b;c", "QUERY_STRING": "x=1"}
    assert util.request_uri(environ) == "https://s:8443/app/a%20b;c?x=1"
    assert util.request_uri(environ, include_query=False) == "https://s:8443/app/a%20b;c"
    assert util.application_uri(environ) == "https://s:8443/app"
    with pytest.raises(UnicodeEncodeError):
        util.request_uri(environ | {"PATH_INFO": "/\u20ac"})


def shift_all(module, environ):
    """Shift until nothing is left (or six times); record every step."""
    steps = []
    for _ in range(6):
        result = outcome(module.shift_path_info, environ)
        steps.append((result, environ.get("SCRIPT_NAME"), environ.get("PATH_INFO")))
        if result[0] == "raised" or result[1] is None and not environ.get("PATH_INFO"):
            break
    return steps


SHIFT_TABLE = [
    ("", ""),
    ("", "/"),
    ("", "//x"),
    ("", "/x/../y"),
    ("", "."),
    ("", "/."),
    ("", "/./x"),
    ("", "/a/b/"),
    ("", "/a//b/./c/"),
    ("/app", "/x/../../y"),
    ("/app/", "/x"),
    ("/", "/x"),
    ("", "x"),
    ("", "x/y"),
    ("/a", "/.."),
    ("/a", "/../.."),
    ("", "/..//"),
]


@stdlib311
@pytest.mark.parametrize(("script_name", "path_info"), SHIFT_TABLE)
def test_shift_path_info_table(script_name, path_info):
    ours = {"SCRIPT_NAME": script_name, "PATH_INFO": path_info}
    theirs = dict(ours)
    assert shift_all(util, ours) == shift_all(std_util, theirs)


@stdlib311
@settings(max_examples=500, deadline=None)
@given(
    st.one_of(st.none(), st.text(alphabet="/.ab", max_size=6)),
    st.one_of(st.none(), st.text(alphabet="/.ab", max_size=10)),
)
@example(None, "/x")
@example("/x", None)
def test_shift_path_info_matches_stdlib(script_name, path_info):
    environ = {}
    if script_name is not None:
        environ["SCRIPT_NAME"] = script_name
    if path_info is not None:
        environ["PATH_INFO"] = path_info
    theirs = dict(environ)
    assert shift_all(util, environ) == shift_all(std_util, theirs)


def test_shift_path_info_examples():
    environ = {"SCRIPT_NAME": "/app", "PATH_INFO": "/a//./b/"}
    assert util.shift_path_info(environ) == "a"
    assert environ == {"SCRIPT_NAME": "/app/a", "PATH_INFO": "/b/"}
    assert util.shift_path_info(environ) == "b"
    assert util.shift_path_info(environ) == ""
    assert environ == {"SCRIPT_NAME": "/app/a/b/", "PATH_INFO": ""}
    assert util.shift_path_info(environ) is None


def comparable(environ):
    """An environ with its stream objects replaced by their types."""
    return {
        key: type(value) if key in ("wsgi.input", "wsgi.errors") else value
        for key, value in environ.items()
    }


DEFAULTS_TABLE = [
    {},
    {"HTTPS": "on"},
    {"HTTPS": "1", "SERVER_NAME": "x"},
    {"wsgi.url_scheme": "ftp"},
    {"PATH_INFO": "/p"},
    {"SCRIPT_NAME": "/s"},
    {"SERVER_PORT": "1", "HTTP_HOST": "h", "wsgi.input": io.BytesIO(b"body")},
    {"HTTPS": "yes", "wsgi.url_scheme": "http"},
]


@stdlib311
@pytest.mark.parametrize("environ", DEFAULTS_TABLE)
def test_setup_testing_defaults_matches_stdlib(environ):
    ours, theirs = dict(environ), dict(environ)
    util.setup_testing_defaults(ours)
    std_util.setup_testing_defaults(theirs)
    assert comparable(ours) == comparable(theirs)
    assert list(ours) == list(theirs)


@stdlib311
@pytest.mark.parametrize("value", [None, "", "on", "ON", "yes", "1", "true", "off", "0"])
def test_guess_scheme_matches_stdlib(value):
    environ = {} if value is None else {"HTTPS": value}
    assert util.guess_scheme(environ) == std_util.guess_scheme(environ)


HEADER_NAMES = [
    "Connection", "keep-alive", "PROXY-AUTHENTICATE", "Proxy-Authorization", "TE", "Trailers",
    "Transfer-Encoding", "upgrade", "Content-Length", "Trailer", "Proxy-Connection", "Host", "",
]  # fmt: skip


@stdlib311
@pytest.mark.parametrize("name", HEADER_NAMES)
def test_is_hop_by_hop_matches_stdlib(name):
    assert util.is_hop_by_hop(name) == std_util.is_hop_by_hop(name)


@stdlib311
@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=100), st.integers(min_value=1, max_value=40))
def test_file_wrapper_matches_stdlib(data, blksize):
    ours = list(util.FileWrapper(io.BytesIO(data), blksize))
    theirs = list(std_util.FileWrapper(io.BytesIO(data), blksize))
    assert ours == theirs
    assert b"".join(ours) == data


def test_file_wrapper_close_follows_the_file():
    class NoClose:
        def read(self, size):
            return b""

    stream = io.BytesIO(b"x")
    wrapper = util.FileWrapper(stream)
    wrapper.close()
    assert stream.closed
    assert not hasattr(util.FileWrapper(NoClose()), "close")
    # 3.11 removed the old sequence protocol.
    assert not hasattr(util.FileWrapper, "__getitem__")
    assert list(util.FileWrapper(io.BytesIO(b"abcde"), 2)) == [b"ab", b"cd", b"e"]
