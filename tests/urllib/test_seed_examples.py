"""The seed's client examples (items 2-6 and 9 of /work/shared/seed/README.md), ported to
Python 3 with webstd imports, against local servers."""

import json
import os

import pytest

from support.request_servers import PASSWORD, REALM, USER, serving
from support.tinyproxy import PROXY_PASSWORD, PROXY_USER, TINYPROXY, tinyproxy
from webstd.http.cookiejar import CookieJar
from webstd.urllib import parse, request
from webstd.urllib.error import HTTPError


@pytest.fixture(scope="module")
def server():
    with serving() as running:
        yield running


@pytest.fixture(autouse=True)
def fresh_opener():
    request.install_opener(None)
    yield
    request.install_opener(None)


def test_2_get_read_500_and_post(server):
    page = request.urlopen(server.url + "/")
    assert page.read(500) == b"x" * 500
    reply = json.loads(request.urlopen(server.url + "/echo", b"language=python&version=3").read())
    assert reply["method"] == "POST" and reply["body"] == "language=python&version=3"


def test_3_request_with_add_header(server):
    req = request.Request(server.url + "/echo", data=b"hello")
    req.add_header("Content-Type", "text/plain")
    reply = json.loads(request.urlopen(req).read())
    assert reply["headers"]["Content-Type"] == "text/plain" and reply["body"] == "hello"


def test_4_basic_auth_installed_opener(server):
    auth_handler = request.HTTPBasicAuthHandler()
    auth_handler.add_password(REALM, server.url + "/", USER, PASSWORD)
    request.install_opener(request.build_opener(auth_handler))
    assert request.urlopen(server.url + "/basic").read() == b"welcome to the realm"


def test_5_cookie_login(server):
    jar = CookieJar()
    opener = request.build_opener(request.HTTPCookieProcessor(jar))
    with pytest.raises(HTTPError):
        opener.open(server.url + "/private")
    assert opener.open(server.url + "/login").read() == b"logged in"
    assert [cookie.name for cookie in jar] == ["session"]
    assert opener.open(server.url + "/private").read() == b"private page"


@pytest.mark.skipif(not os.path.exists(TINYPROXY), reason="tinyproxy is not installed")
def test_6_proxy_with_proxy_auth(server, tmp_path):
    with tinyproxy(tmp_path) as proxy_url:
        proxy = request.ProxyHandler({"http": proxy_url})
        manager = request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, proxy_url.removeprefix("http://"), PROXY_USER, PROXY_PASSWORD)
        opener = request.build_opener(proxy, request.ProxyBasicAuthHandler(manager))
        reply = json.loads(opener.open(server.url + "/echo/through-proxy").read())
        assert reply["path"].endswith("/echo/through-proxy")
        assert "Proxy-Authorization" not in reply["headers"]
        with pytest.raises(HTTPError) as refused:
            request.build_opener(proxy).open(server.url + "/")
        assert refused.value.code == 407
        in_url = request.ProxyHandler(
            {"http": proxy_url.replace("://", f"://{PROXY_USER}:{PROXY_PASSWORD}@")}
        )
        assert request.build_opener(in_url).open(server.url + "/echo").status == 200


def test_9_download_images(server, tmp_path):
    from html.parser import HTMLParser

    page_url = server.url + "/gallery/"

    class ImageParser(HTMLParser):
        def __init__(self):
            super().__init__()
            self.sources = set()

        def handle_starttag(self, tag, attrs):
            if tag == "img":
                self.sources.update(value for name, value in attrs if name == "src")

    response = request.urlopen(page_url)
    charset = response.headers.get_content_charset()
    parser = ImageParser()
    parser.feed(response.read().decode(charset))
    download = tmp_path / "DOWNLOAD"
    download.mkdir()
    for source in sorted(parser.sources):
        image_url = parse.urljoin(page_url, source)
        target = download / os.path.basename(parse.urlsplit(image_url).path)
        request.urlretrieve(image_url, str(target))
    assert sorted(p.name for p in download.iterdir()) == ["a.png", "b.png"]
    assert (download / "a.png").read_bytes().startswith(b"\x89PNG")
