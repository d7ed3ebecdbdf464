"""webstd.urllib.request against the 3.11 stdlib and over real sockets on 127.0.0.1."""

import json
import os
import threading
import urllib.error
import urllib.request

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support import stdlib311
from support.request_servers import PASSWORD, REALM, USER, serving
from webstd.urllib import error, request
from webstd.urllib._request_http import POOL


@pytest.fixture(scope="module")
def server():
    with serving() as running:
        yield running


@pytest.fixture(autouse=True)
def fresh_opener():
    request.install_opener(None)
    yield
    request.install_opener(None)


# --- Request ----------------------------------------------------------------------------------
REQUEST_URLS = [
    "http://example.com/a/b?c=d#frag", "https://user:pw@Example.COM:8443/x", "http://h",
    "<URL:http://h/p>", "file:///etc/passwd", "data:,hi", "HTTP://h/p", "http://h%41/p",
    "ftp://ftp.example.com/pub", "http://h:80/p;q?x#y#z",
]


@stdlib311
@pytest.mark.parametrize("url", REQUEST_URLS)
def test_request_attributes_match_stdlib(url):
    mine, theirs = request.Request(url), urllib.request.Request(url)
    for name in ("full_url", "type", "host", "selector", "fragment", "origin_req_host",
                 "unverifiable", "data"):
        assert getattr(mine, name) == getattr(theirs, name), name
    assert mine.get_method() == theirs.get_method()
    assert mine.has_proxy() == theirs.has_proxy()


@stdlib311
@pytest.mark.parametrize("url", REQUEST_URLS)
def test_request_for_a_url_seen_before_matches_stdlib(url):
    # The second Request reuses the remembered split of its URL: what was done to the first one
    # (a proxy set) must not show through.
    first = request.Request(url)
    first.set_proxy("proxy:3128", "http")
    mine, theirs = request.Request(url), urllib.request.Request(url)
    for name in ("full_url", "type", "host", "selector", "fragment", "origin_req_host"):
        assert getattr(mine, name) == getattr(theirs, name), name
    assert mine.has_proxy() == theirs.has_proxy()


@stdlib311
def test_request_headers_match_stdlib():
    made = []
    for module in (request, urllib.request):
        req = module.Request("http://h/p", data=b"x", headers={"X-ONE": "1", "content-length": "1"},
                             method="PUT")
        req.add_header("user-AGENT", "me")
        req.add_unredirected_header("Cookie", "a=b")
        req.add_unredirected_header("X-one", "unredirected")
        steps = [req.headers.copy(), req.unredirected_hdrs.copy(), sorted(req.header_items()),
                 req.has_header("X-one"), req.get_header("Cookie"), req.get_header("Nope", 7),
                 req.get_method()]
        req.data = b"other"
        steps.append(req.has_header("Content-length"))
        req.remove_header("X-one")
        steps.append(sorted(req.header_items()))
        req.set_proxy("proxy:3128", "http")
        steps += [req.host, req.selector, req.has_proxy(), req.type]
        https = module.Request("https://secure/x")
        https.set_proxy("proxy:3128", "http")
        steps += [https.host, https.selector, https.type, https._tunnel_host]
        made.append(steps)
    assert made[0] == made[1]


@stdlib311
@pytest.mark.parametrize("url", ["no-scheme", "/path", ""])
def test_request_without_scheme_raises_like_stdlib(url):
    with pytest.raises(ValueError) as theirs:
        urllib.request.Request(url)
    with pytest.raises(ValueError) as mine:
        request.Request(url)
    assert str(mine.value) == str(theirs.value)


# --- list parsing and proxies from the environment -------------------------------------------
@stdlib311
@settings(max_examples=300)
@given(st.text(alphabet='ab ,"\\=\t', max_size=30))
def test_parse_http_list_matches_stdlib(text):
    assert request.parse_http_list(text) == urllib.request.parse_http_list(text)


@stdlib311
def test_parse_keqv_list_matches_stdlib():
    items = ['realm="x y"', "nonce=abc", 'qop="auth,auth-int"', 'q="']
    assert request.parse_keqv_list(items) == urllib.request.parse_keqv_list(items)
    for bad in (["empty="], ["no-equals"]):
        with pytest.raises(Exception) as theirs:
            urllib.request.parse_keqv_list(bad)
        with pytest.raises(Exception) as mine:
            request.parse_keqv_list(bad)
        assert type(mine.value) is type(theirs.value)


ENVIRONMENTS = [
    {"http_proxy": "http://p:1", "HTTPS_PROXY": "http://q:2", "no_proxy": "localhost,.example.com"},
    {"HTTP_PROXY": "http://upper:1", "http_proxy": "http://lower:2"},
    {"HTTP_PROXY": "http://upper:1", "REQUEST_METHOD": "GET"},
    {"HTTP_PROXY": "http://upper:1", "http_proxy": ""},
    {"NO_PROXY": "*", "ftp_proxy": "x"},
]
HOSTS = ["localhost", "www.example.com", "example.com", "EXAMPLE.com:80", "other.org", "xexample.com", "localhost:", "localhost:x"]


@stdlib311
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_proxy_environment_matches_stdlib(monkeypatch, environment):
    for name in list(os.environ):
        if name.lower().endswith("_proxy") or name == "REQUEST_METHOD":
            monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert request.getproxies() == urllib.request.getproxies()
    for host in HOSTS:
        assert request.proxy_bypass(host) == urllib.request.proxy_bypass(host), host


# --- password managers --------------------------------------------------------------------------
@stdlib311
@pytest.mark.parametrize("kind", ["HTTPPasswordMgr", "HTTPPasswordMgrWithDefaultRealm",
                                  "HTTPPasswordMgrWithPriorAuth"])
def test_password_managers_match_stdlib(kind):
    lookups = [("r", "http://h/"), ("r", "http://h:80/a/b"), ("r", "h"), ("r", "http://h:81/"),
               (None, "https://s/deep/x"), ("other", "https://s:443/deep"), ("r", "http://h/ab")]
    results = []
    for module in (request, urllib.request):
        manager = getattr(module, kind)()
        manager.add_password("r", "http://h/a", "u1", "p1")
        manager.add_password(None, ["https://s/deep", "ftp://f/"], "u2", "p2")
        manager.add_password("r", "h:8080", "u3", "p3")
        found = [manager.find_user_password(realm, uri) for realm, uri in lookups]
        if kind == "HTTPPasswordMgrWithPriorAuth":
            manager.add_password("r", "http://h/a", "u1", "p1", is_authenticated=True)
            found += [manager.is_authenticated(uri) for _, uri in lookups]
        results.append(found)
    assert results[0] == results[1]


# --- opener and handler chaining ----------------------------------------------------------------
def test_handlers_chain_in_order_and_first_result_wins():
    calls = []

    class Early(request.BaseHandler):
        handler_order = 10

        def foo_open(self, req):
            calls.append("early")

    class Late(request.BaseHandler):
        handler_order = 900

        def foo_open(self, req):
            calls.append("late")
            return "late result"

        def foo_request(self, req):
            req.add_header("X-seen", "yes")
            return req

        def foo_response(self, req, response):
            return (response, req.get_header("X-seen"))

    opener = request.OpenerDirector()
    opener.add_handler(Late())
    opener.add_handler(Early())
    assert opener.open("foo://bar") == ("late result", "yes")
    assert calls == ["early", "late"]
    with pytest.raises(TypeError):
        opener.add_handler(object())


def test_build_opener_replaces_defaults_by_subclass():
    class MyHTTP(request.HTTPHandler):
        pass

    opener = request.build_opener(MyHTTP, request.HTTPCookieProcessor())
    kinds = [type(handler) for handler in opener.handlers]
    assert MyHTTP in kinds and request.HTTPHandler not in kinds
    assert request.HTTPCookieProcessor in kinds


@stdlib311
def test_handler_orders_match_stdlib():
    for name in ("ProxyHandler", "HTTPErrorProcessor", "HTTPDigestAuthHandler",
                 "ProxyDigestAuthHandler", "HTTPBasicAuthHandler", "HTTPRedirectHandler"):
        assert getattr(request, name).handler_order == getattr(urllib.request, name).handler_order


# --- file: and data: ----------------------------------------------------------------------------
@stdlib311
def test_file_urls_match_stdlib(tmp_path):
    path = tmp_path / "page name.html"
    path.write_bytes(b"<p>hi</p>")
    url = "file://" + request.pathname2url(str(path))
    for target in (url, url.replace("file://", "file://localhost")):
        with request.urlopen(target) as mine, urllib.request.urlopen(target) as theirs:
            assert mine.read() == theirs.read()
            assert mine.geturl() == theirs.geturl()
            assert sorted(mine.info().items()) == sorted(theirs.info().items())
    for bad in ("file://example.invalid/etc/hostname", url + ".missing"):
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(bad)
        with pytest.raises(error.URLError):
            request.urlopen(bad)


@stdlib311
@pytest.mark.parametrize("url", ["data:,A%20brief%20note", "data:text/html;base64,PGI+aGk8L2I+",
                                 "data:;charset=utf-8,%E2%82%AC", "data:image/png;base64,"])
def test_data_urls_match_stdlib(url):
    with request.urlopen(url) as mine, urllib.request.urlopen(url) as theirs:
        assert mine.read() == theirs.read()
        assert mine.info().items() == theirs.info().items()


@stdlib311
@pytest.mark.parametrize("path", ["/a b/c%d", "/ünï/x", "relative/p?q"])
def test_pathname_conversions_match_stdlib(path):
    assert request.pathname2url(path) == urllib.request.pathname2url(path)
    assert request.url2pathname(path) == urllib.request.url2pathname(path)


def test_default_opener_has_an_ftp_handler():
    opener = request.build_opener()
    assert any(isinstance(handler, request.FTPHandler) for handler in opener.handlers)


# --- HTTP, against the stdlib -------------------------------------------------------------------
def _fetch(module, url, data=None, method=None, headers=None):
    req = module.Request(url, data=data, method=method, headers=headers or {})
    try:
        with module.urlopen(req, timeout=5) as response:
            return ("ok", response.status, response.geturl(), response.read(),
                    response.headers.get("Content-Type"))
    except module.HTTPError as problem:  # type: ignore[attr-defined]
        return ("error", problem.code, problem.geturl(), problem.read(),
                problem.headers.get("Content-Type"))


@stdlib311
@pytest.mark.parametrize("path,method,data", [
    ("/", None, None), ("/echo/x?y=1", None, b"posted"), ("/status/404", None, None),
    ("/status/500", "DELETE", None), ("/redirect/301?to=/echo/a", None, None),
    ("/redirect/302?to=/echo/b", None, b"form=1"), ("/redirect/303?to=/echo/c", None, b"x"),
    ("/redirect/307?to=/echo/d", None, None), ("/redirect/308?to=http://127.0.0.1:{port}/echo/e", None, None),
    ("/redirect/302?to=gopher://x/", None, None), ("/loop", None, None), ("/status/204", None, None),
])
def test_http_results_match_stdlib(server, path, method, data):
    url = server.url + path.format(port=server.server_port)
    import urllib.request as stdlib_request

    stdlib_request.HTTPError = urllib.error.HTTPError
    request.HTTPError = error.HTTPError
    mine, theirs = _fetch(request, url, data, method), _fetch(stdlib_request, url, data, method)
    assert mine[:3] == theirs[:3] and mine[4] == theirs[4]
    if mine[4] == "application/json" and mine[3]:
        mine_echo, their_echo = json.loads(mine[3]), json.loads(theirs[3])
        assert mine_echo["method"] == their_echo["method"]
        assert mine_echo["body"] == their_echo["body"]
        for name in ("Content-Type", "Content-Length", "User-Agent", "Host"):
            assert mine_echo["headers"].get(name) == their_echo["headers"].get(name), name
    else:
        assert mine[3] == theirs[3]


@stdlib311
def test_refused_connection_matches_stdlib():
    import socket

    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{placeholder.getsockname()[1]}/"
        with pytest.raises(urllib.error.URLError) as theirs:
            urllib.request.urlopen(url)
        with pytest.raises(error.URLError) as mine:
            request.urlopen(url)
    assert type(mine.value.reason) is type(theirs.value.reason)
    assert mine.value.reason.errno == theirs.value.reason.errno


def test_307_and_308_repeat_method_and_body(server):
    for code in (307, 308):
        req = request.Request(f"{server.url}/redirect/{code}?to=/echo/again", data=b"payload",
                              method="POST", headers={"Content-Type": "text/plain"})
        echo = json.loads(request.urlopen(req).read())
        assert echo["method"] == "POST" and echo["body"] == "payload"
        assert echo["headers"]["Content-Type"] == "text/plain"


def test_303_turns_any_method_into_get(server):
    # 3.11 refuses to follow a 303 after PUT (HTTPError); RFC 9110 section 15.4.4 says GET.
    req = request.Request(f"{server.url}/redirect/303?to=/echo/c", data=b"x", method="PUT",
                          headers={"Content-Language": "en"})
    echo = json.loads(request.urlopen(req).read())
    assert echo["method"] == "GET" and echo["body"] == ""
    assert "Content-Language" not in echo["headers"]


def test_head_stays_head_across_redirects(server):
    # 3.11 turns a redirected HEAD into a GET; RFC 9110 section 15.4 keeps the method.
    req = request.Request(f"{server.url}/redirect/301?to=/echo/h", method="HEAD")
    with request.urlopen(req) as response:
        assert response.status == 200 and response.read() == b""
        assert response.geturl().endswith("/echo/h")


def test_credentials_do_not_follow_to_another_origin(server):
    with serving() as other:
        headers = {"Authorization": "Basic c2VjcmV0", "Cookie": "a=b", "X-Keep": "1"}
        same = request.Request(f"{server.url}/redirect/302?to=/echo/same", headers=headers)
        echo = json.loads(request.urlopen(same).read())
        assert echo["headers"]["Authorization"] == "Basic c2VjcmV0"
        away = request.Request(f"{server.url}/redirect/302?to={other.url}/echo/away",
                               headers=headers)
        echo = json.loads(request.urlopen(away).read())
        assert "Authorization" not in echo["headers"] and "Cookie" not in echo["headers"]
        assert echo["headers"]["X-Keep"] == "1"


def test_redirect_loop_is_an_http_error(server):
    with pytest.raises(error.HTTPError) as caught:
        request.urlopen(f"{server.url}/loop")
    assert caught.value.code == 302 and "infinite loop" in caught.value.msg


# --- pooling ----------------------------------------------------------------------------------
def test_one_connection_for_a_thousand_urlopens():
    with serving() as fresh:
        for _ in range(1000):
            with request.urlopen(fresh.url + "/") as response:
                assert len(response.read()) == 1000
        assert fresh.accepted == 1


def test_unread_response_does_not_poison_the_pool():
    with serving() as fresh:
        dropped = request.urlopen(fresh.url + "/")
        assert dropped.read(10) == b"x" * 10
        del dropped
        assert request.urlopen(fresh.url + "/echo").read().startswith(b"{")
        half = request.urlopen(fresh.url + "/")
        half.read(5)
        half.close()
        assert json.loads(request.urlopen(fresh.url + "/echo").read())["method"] == "GET"
        assert fresh.accepted >= 2


def test_pool_is_bounded_and_thread_safe():
    with serving() as fresh:
        key_before = POOL.idle_count()
        errors = []

        def worker():
            try:
                for _ in range(30):
                    assert request.urlopen(fresh.url + "/").read() == b"x" * 1000
            except Exception as problem:  # noqa: BLE001 - reported below
                errors.append(problem)

        threads = [threading.Thread(target=worker) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert fresh.accepted <= 16
        assert POOL.idle_count() - key_before <= POOL.max_idle_per_key


# --- authentication -------------------------------------------------------------------------
@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_digest_auth(server, algorithm):
    handler = request.HTTPDigestAuthHandler()
    handler.add_password(REALM, server.url, USER, PASSWORD)
    opener = request.build_opener(handler)
    assert opener.open(f"{server.url}/digest?algorithm={algorithm}").read() == b"digest ok"


def test_basic_auth_wrong_password_is_401(server):
    handler = request.HTTPBasicAuthHandler()
    handler.add_password(REALM, server.url, USER, "wrong")
    with pytest.raises(error.HTTPError) as caught:
        request.build_opener(handler).open(server.url + "/basic")
    assert caught.value.code == 401


def test_prior_auth_sends_credentials_unasked(server):
    manager = request.HTTPPasswordMgrWithPriorAuth()
    manager.add_password(None, server.url, USER, PASSWORD, is_authenticated=True)
    opener = request.build_opener(request.HTTPBasicAuthHandler(manager))
    echo = json.loads(opener.open(server.url + "/echo").read())
    assert echo["headers"]["Authorization"].startswith("Basic ")


# --- urlretrieve ---------------------------------------------------------------------------------
def test_urlretrieve_reports_and_cleans_up(server, tmp_path):
    reports = []
    target = tmp_path / "out.bin"
    filename, headers = request.urlretrieve(server.url + "/img/x.png", str(target),
                                            lambda *args: reports.append(args))
    assert target.read_bytes().startswith(b"\x89PNG") and headers["Content-Type"] == "image/png"
    assert reports[0] == (0, 8192, 1032) and reports[-1][0] == 1
    temporary, _ = request.urlretrieve(server.url + "/")
    assert os.path.exists(temporary)
    request.urlcleanup()
    assert not os.path.exists(temporary)


def test_urlretrieve_short_body(server, tmp_path):
    with pytest.raises((error.ContentTooShortError, Exception)) as caught:
        request.urlretrieve(server.url + "/short", str(tmp_path / "short"))
    assert isinstance(caught.value, error.ContentTooShortError)
    assert caught.value.content[0] == str(tmp_path / "short")


@stdlib311
@pytest.mark.parametrize(
    "settings",
    [
        {"exclude_simple": False, "exceptions": ["foo.bar", "*.bar.com", "127.0.0.1", "10.1",
                                                 "10.0/16", "", "10.0.0.0/40"]},
        {"exclude_simple": True, "exceptions": []},
        {"exclude_simple": False, "exceptions": ["172.19.10.0/24", "127/8"]},
    ],
)  # fmt: skip
@pytest.mark.parametrize(
    "host", ["foo.bar", "www.bar.com", "127.0.0.1", "10.10.0.1", "10.0.0.1", "abc.foo.bar",
             "bar.com", "127.0.0.2", "10.11.0.1", "notinbypass", "172.19.10.5", "10.0.1.5",
             "127.0.0.1:80", "test"],
)  # fmt: skip
def test_macos_proxy_bypass_logic_like_the_stdlib(settings, host):
    from webstd.urllib.request import _proxy_bypass_macosx_sysconf

    expected = urllib.request._proxy_bypass_macosx_sysconf(host, settings)
    assert _proxy_bypass_macosx_sysconf(host, settings) == expected


@pytest.mark.parametrize(
    ("host", "override", "expected"),
    [("www.example.com", "www.example.com;*.example.net; 192.168.0.1", True),
     ("www.example.net:80", "www.example.com;*.example.net; 192.168.0.1", True),
     ("192.168.0.1", "www.example.com;*.example.net; 192.168.0.1", True),
     ("example.net", "www.example.com;*.example.net; 192.168.0.1", False),
     ("192.168.0.2", "www.example.com;*.example.net; 192.168.0.1", False),
     ("intranet", "example.com; <local>", True),
     ("intranet:8080", "example.com; <local>", True),
     ("example.org", "example.com; <local>", False)],
)  # fmt: skip
def test_windows_proxy_override_logic(host, override, expected):
    from webstd.urllib.request import _proxy_bypass_winreg_override

    assert _proxy_bypass_winreg_override(host, override) is expected
