"""cookies.txt interoperability with curl, over a real HTTP server on 127.0.0.1.

curl -c writes the cookies a server sets (a domain cookie, an HttpOnly one -- "#HttpOnly_"
prefix -- and a session cookie); webstd's MozillaCookieJar must load that file as the stdlib
does. A file webstd's MozillaCookieJar saves must make curl -b send the cookies.
"""

import http.cookiejar as std
import http.server
import shutil
import subprocess
import threading
import time

import pytest

from webstd.http import cookiejar as ours

CURL = shutil.which("curl")
pytestmark = [
    pytest.mark.skipif(CURL is None, reason="curl is not installed"),
    # The stdlib warns "http.cookiejar bug!" before raising LoadError; webstd just raises.
    pytest.mark.filterwarnings("ignore:http.cookiejar bug:UserWarning"),
]

HOST = "www.example.test"
SET_COOKIES = [
    "dom=d1; Domain=example.test; Path=/; Max-Age=3600",
    "hidden=h1; HttpOnly; Path=/; Max-Age=3600",
    "session=s1; Path=/",
]


class Handler(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_GET(self):  # noqa: N802 (stdlib hook name)
        Handler.received.append((self.path, self.headers.get("Cookie")))
        self.send_response(200)
        if self.path == "/set":
            for value in SET_COOKIES:
                self.send_header("Set-Cookie", value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def curl(port, path, *args):
    subprocess.run(
        [CURL, "-sS", "--noproxy", "*", "--max-time", "10",
         "--resolve", f"{HOST}:{port}:127.0.0.1", *args, f"http://{HOST}:{port}{path}"],
        check=True, capture_output=True,
    )  # fmt: skip


def test_jar_loads_the_file_curl_writes(server, tmp_path):
    cookie_file = tmp_path / "cookies.txt"
    curl(server, "/set", "-c", str(cookie_file))
    text = cookie_file.read_text()
    assert "#HttpOnly_" in text and ".example.test" in text

    for flags in [{}, {"ignore_discard": True}, {"ignore_discard": True, "ignore_expires": True}]:
        mine, theirs = ours.MozillaCookieJar(), std.MozillaCookieJar()
        mine.load(cookie_file, **flags)
        theirs.load(str(cookie_file), **flags)
        assert [repr(c) for c in mine] == [repr(c) for c in theirs]

    jar = ours.MozillaCookieJar(cookie_file)
    jar.load(ignore_discard=True, ignore_expires=True)
    by_name = {cookie.name: cookie for cookie in jar}
    assert set(by_name) == {"dom", "hidden", "session"}
    assert by_name["dom"].domain == ".example.test" and by_name["dom"].domain_specified
    assert by_name["dom"].expires > time.time()
    assert by_name["hidden"].has_nonstandard_attr(ours.HTTPONLY_ATTR)
    assert by_name["hidden"].domain == HOST and not by_name["hidden"].domain_specified
    assert by_name["session"].value == "s1"


def test_curl_sends_the_cookies_webstd_saves(server, tmp_path):
    jar = ours.MozillaCookieJar()
    far = int(time.time()) + 3600
    for name, domain, rest in [("a", ".example.test", {}), ("b", HOST, {"HTTPOnly": ""})]:
        jar.set_cookie(ours.Cookie(
            0, name, name + "-value", None, False, domain, domain.startswith("."),
            domain.startswith("."), "/", True, False, far, False, None, None, rest,
        ))  # fmt: skip
    jar.set_cookie(ours.Cookie(0, "c", "x", None, False, "other.test", False, False, "/", True,
                               False, far, False, None, None, {}))  # fmt: skip
    cookie_file = tmp_path / "saved.txt"
    jar.save(cookie_file)
    assert cookie_file.stat().st_mode & 0o777 == 0o600
    assert "#HttpOnly_www.example.test" in cookie_file.read_text()

    Handler.received.clear()
    curl(server, "/echo", "-b", str(cookie_file))
    [(path, header)] = Handler.received
    assert path == "/echo"
    assert sorted(header.split("; ")) == ["a=a-value", "b=b-value"]


def test_file_round_trips_and_errors(tmp_path):
    jar = ours.LWPCookieJar()
    theirs = std.LWPCookieJar()
    for module, j in ((ours, jar), (std, theirs)):
        j.set_cookie(module.Cookie(
            1, "n", "v w", "80,8080", True, ".example.com", True, True, "/p", True, True,
            2_000_000_000, False, "a comment", "http://c/", {"HttpOnly": None, "X": "y"},
        ))  # fmt: skip
        j.set_cookie(module.Cookie(0, "s", None, None, False, "h.example.com", False, False, "/",
                                   False, False, None, True, None, None, {}))  # fmt: skip
    assert jar.as_lwp_str() == theirs.as_lwp_str()
    for cls_name in ("LWPCookieJar", "MozillaCookieJar"):
        path = tmp_path / cls_name
        mine, std_jar = getattr(ours, cls_name)(), getattr(std, cls_name)()
        for j in (mine, std_jar):
            for cookie in theirs:
                j.set_cookie(cookie)
        mine.save(path, ignore_discard=True)
        saved = path.read_text()
        std_jar.save(str(path), ignore_discard=True)
        assert saved == path.read_text()
        reloaded, std_reloaded = getattr(ours, cls_name)(path), getattr(std, cls_name)(str(path))
        reloaded.load(ignore_discard=True)
        std_reloaded.load(ignore_discard=True)
        assert [repr(c) for c in reloaded] == [repr(c) for c in std_reloaded]
        reloaded.revert(ignore_discard=False)
        assert [c.name for c in reloaded] == ["n"]
        with pytest.raises(OSError):
            reloaded.revert(tmp_path / "missing")
        assert [c.name for c in reloaded] == ["n"]

    bad = tmp_path / "bad.txt"
    for content in ["not a cookie file\n", "# Netscape HTTP Cookie File\nfoo\tbar\n",
                    "# Netscape HTTP Cookie File\nx.com\tTRUE\t/\tFALSE\t0\tn\tv\n"]:
        bad.write_text(content)
        with pytest.raises(ours.LoadError):
            ours.MozillaCookieJar().load(bad)
        with pytest.raises(std.LoadError):
            std.MozillaCookieJar().load(str(bad))
    bad.write_text("#LWP-Cookies-2.0\nSet-Cookie3: n=v; version=x\n")
    with pytest.raises(ours.LoadError):
        ours.LWPCookieJar().load(bad)
    with pytest.raises(ValueError, match="filename"):
        ours.MozillaCookieJar().load()
    with pytest.raises(NotImplementedError):
        ours.FileCookieJar("x").save()
