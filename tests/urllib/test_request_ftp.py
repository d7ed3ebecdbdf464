"""ftp: URLs through urlopen (FTPHandler), CacheFTPHandler and URLopener, against a real FTP
server (pyftpdlib) on 127.0.0.1, and the stdlib's urllib.request against the same server."""

import socket
import urllib.request as stdlib_request
import warnings

import pytest

from support import stdlib311
from support.ftp import ftp_server
from webstd.urllib import error, request


@pytest.fixture(scope="module")
def ftp(tmp_path_factory):
    root = tmp_path_factory.mktemp("ftp")
    (root / "a.txt").write_bytes(b"hello\r\nworld\n")
    (root / "image.png").write_bytes(b"\x89PNG" + bytes(range(256)) * 40)
    (root / "sub").mkdir()
    (root / "sub" / "inner.html").write_bytes(b"<p>inner</p>")
    with ftp_server(str(root)) as port:
        yield f"ftp://127.0.0.1:{port}"


def test_urlopen_retrieves_a_file(ftp):
    with request.urlopen(ftp + "/image.png", timeout=10) as response:
        body = response.read()
        assert body == b"\x89PNG" + bytes(range(256)) * 40
        assert response.info()["Content-type"] == "image/png"
        assert response.geturl() == ftp + "/image.png"
        assert response.status is None


def test_subdirectory_and_login(ftp):
    url = ftp.replace("ftp://", "ftp://u:p@") + "/sub/inner.html"
    with request.urlopen(url, timeout=10) as response:
        assert response.read() == b"<p>inner</p>"
        assert response.info()["Content-type"] == "text/html"


def test_directory_listing(ftp):
    with request.urlopen(ftp + "/", timeout=10) as response:
        listing = response.read()
    assert b"a.txt" in listing and b"sub" in listing


def test_a_directory_named_like_a_file_is_listed(ftp):
    with request.urlopen(ftp + "/sub", timeout=10) as response:
        assert b"inner.html" in response.read()


def test_type_a_attribute(ftp):
    with request.urlopen(ftp + "/a.txt;type=a", timeout=10) as response:
        assert response.read().replace(b"\r\n", b"\n") == b"hello\nworld\n"


@pytest.mark.parametrize(
    ("path", "needle"), [("/nosuch", "550"), ("/nosuch/dir/file", "550")]
)
def test_missing_file_is_a_urlerror(ftp, path, needle):
    with pytest.raises(error.URLError) as raised:
        request.urlopen(ftp + path, timeout=10)
    assert needle in str(raised.value)


def test_bad_password_is_a_urlerror(ftp):
    with pytest.raises(error.URLError, match="530"):
        request.urlopen(ftp.replace("ftp://", "ftp://u:wrong@") + "/a.txt", timeout=10)


def test_no_host(ftp):
    with pytest.raises(error.URLError, match="no host given"):
        request.urlopen("ftp:///a.txt")


def test_timeout_while_connecting_is_a_urlerror_with_a_timeouterror():
    # A server that accepts and then never greets.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        with pytest.raises(error.URLError) as raised:
            request.urlopen(f"ftp://127.0.0.1:{port}/x", timeout=0.05)
    assert isinstance(raised.value.reason, TimeoutError)


@stdlib311
def test_timeout_like_the_stdlib():
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        outcomes = []
        for module in (request, stdlib_request):
            try:
                module.urlopen(f"ftp://127.0.0.1:{port}/x", timeout=0.05)
            except Exception as raised:
                outcomes.append((type(raised).__name__, type(raised.reason), str(raised)))
    assert outcomes[0] == outcomes[1]


@stdlib311
@pytest.mark.parametrize("path", ["/a.txt", "/image.png", "/sub/inner.html", "/a.txt;type=a"])
def test_same_body_and_headers_as_the_stdlib(ftp, path):
    results = []
    for module in (request, stdlib_request):
        with module.urlopen(ftp + path, timeout=10) as response:
            results.append((response.read(), sorted(response.info().items()), response.geturl()))
    assert results[0] == results[1]


def test_cache_ftp_handler_reuses_its_connection(ftp):
    handler = request.CacheFTPHandler()
    opener = request.build_opener(handler)
    bodies = []
    for _ in range(3):
        with opener.open(ftp + "/a.txt", timeout=10) as response:
            bodies.append(response.read())
    assert bodies == [b"hello\r\nworld\n"] * 3
    assert len(handler.cache) == 1
    wrapper = next(iter(handler.cache.values()))
    with opener.open(ftp + "/image.png", timeout=10) as response:
        response.read()
    assert next(iter(handler.cache.values())) is wrapper  # same directory: same connection
    handler.clear_cache()
    assert handler.cache == {} and handler.timeout == {}


def test_cache_ftp_handler_limits(ftp):
    handler = request.CacheFTPHandler()
    handler.setMaxConns(2)
    handler.setTimeout(0)
    opener = request.build_opener(handler)
    for path in ("/a.txt", "/sub/inner.html"):
        with opener.open(ftp + path, timeout=10) as response:
            response.read()
    # delay 0: each connection expired by the time the next one was made
    assert len(handler.cache) <= 2
    handler.clear_cache()


def test_urlopener_opens_and_retrieves_ftp(ftp, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        opener = request.URLopener()
    response = opener.open(ftp + "/a.txt")
    assert response.read() == b"hello\r\nworld\n"
    assert response.info()["Content-Type"] == "text/plain"
    response.close()
    target = tmp_path / "copy.png"
    filename, headers = opener.retrieve(ftp + "/image.png", str(target))
    assert filename == str(target) and target.read_bytes().startswith(b"\x89PNG")
    assert headers["Content-Type"] == "image/png"
    for wrapper in list(request.ftpcache.values()):
        wrapper.close()
    request.ftpcache.clear()
