"""webstd serve's file serving, over real sockets: traversal, ranges, preconditions, codings,
listing, uploads, auth, CORS. The server is webstd's StaticServer in a thread; clients are raw
sockets, the stdlib's http.client (an independent oracle) and curl."""

import base64
import gzip
import http.client
import io
import os
import shutil
import socket
import subprocess
import threading

import pytest

from webstd.http._files import FileServerConfig, FileService
from webstd.http._files_conditional import accepted_codings
from webstd.http._files_loop import StaticServer
from webstd.http._files_ranges import Unsatisfiable, parse_range

CURL = shutil.which("curl")


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"0123456789abcdefghij")
    (root / "page.html").write_text("<p>" + "hello " * 200 + "</p>")
    (root / "sub" / "b.bin").write_bytes(bytes(range(256)) * 4)
    (root / "style.css").write_text("body{color:red}\n" * 40)
    with gzip.open(root / "style.css.gz", "wb") as f:
        f.write(b"PRECOMPRESSED")
    (root / "weird <&>\"'.txt").write_text("x")
    (tmp_path / "secret.txt").write_text("secret")
    os.symlink(tmp_path / "secret.txt", root / "escape.txt")
    os.symlink(root / "a.txt", root / "inner.txt")
    return root


def start(root, **options):
    listener = socket.create_server(("127.0.0.1", 0))
    config = FileServerConfig(root=os.path.realpath(root), **options)
    log = io.StringIO()
    server = StaticServer(listener, FileService(config), log=log)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.port = listener.getsockname()[1]
    server.log_text = log
    server.thread = thread
    return server


@pytest.fixture
def server(tree):
    server = start(tree)
    yield server
    server.shutdown()
    server.thread.join(5)
    server.server_close()


def make_server(request, root, **options):
    server = start(root, **options)

    def stop():
        server.shutdown()
        server.thread.join(5)
        server.server_close()

    request.addfinalizer(stop)
    return server


def raw(port, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def status_of(port, target: str) -> int:
    reply = raw(port, f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    return int(reply.split(b" ", 2)[1])


def get(port, target, headers=None, method="GET", body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request(method, target, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response, data


# Never outside the root ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "target",
    [
        "/../secret.txt", "/sub/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
        "/sub%2f..%2f..%2fsecret.txt", "/..%5csecret.txt", "/a.txt%00.html", "/sub/%2e%2e/a.txt",
        "/escape.txt", "/..\\secret.txt",
    ],
)  # fmt: skip
def test_traversal_is_refused(server, target):
    assert status_of(server.port, target) in (403, 404)


def test_symlink_inside_the_root_is_served_and_outside_only_when_allowed(request, tree, server):
    assert status_of(server.port, "/inner.txt") == 200
    following = make_server(request, tree, follow_symlinks=True)
    assert status_of(following.port, "/escape.txt") == 200


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
def test_curl_path_as_is_cannot_climb(server):
    result = subprocess.run(
        [CURL, "-s", "-o", "/dev/null", "-w", "%{http_code}", "--path-as-is",
         f"http://127.0.0.1:{server.port}/sub/../../secret.txt"],
        capture_output=True, text=True, timeout=10,
    )  # fmt: skip
    assert result.stdout == "403"


# Files, directories, listing ----------------------------------------------------------------------
def test_get_head_and_validators(server):
    response, data = get(server.port, "/a.txt")
    assert response.status == 200 and data == b"0123456789abcdefghij"
    assert response.getheader("Content-Type") == "text/plain"
    assert response.getheader("ETag").startswith('"')
    assert response.getheader("Accept-Ranges") == "bytes"
    head, body = get(server.port, "/a.txt", method="HEAD")
    assert head.status == 200 and body == b"" and head.getheader("Content-Length") == "20"
    again, _ = get(server.port, "/a.txt")  # from the small-file cache
    assert again.getheader("ETag") == response.getheader("ETag")


def test_directory_redirect_index_and_listing(server, tree):
    response, _ = get(server.port, "/sub?x=1")
    assert response.status == 301 and response.getheader("Location") == "/sub/?x=1"
    response, page = get(server.port, "/")
    text = page.decode()
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert "weird &lt;&amp;&gt;&quot;&#x27;.txt" in text
    assert 'href="weird%20%3C%26%3E%22%27.txt"' in text
    assert "<script" not in text
    names = [line.split('"')[0] for line in text.split('class="name"><a href="')[1:]]
    assert names[0] == "sub/"
    by_size = get(server.port, "/?sort=size&order=desc")[1].decode()
    sizes = [line.split('"')[0] for line in by_size.split('class="name"><a href="')[1:]]
    assert sizes[1] == "sub/b.bin" or sizes[1] == "page.html"
    (tree / "sub" / "index.html").write_text("INDEX")
    assert get(server.port, "/sub/")[1] == b"INDEX"


def test_missing_and_methods(server):
    assert status_of(server.port, "/nope") == 404
    assert status_of(server.port, "/a.txt/") == 404
    assert get(server.port, "/a.txt", method="DELETE")[0].status == 405
    assert get(server.port, "/a.txt", method="BREW")[0].status == 501
    response, _ = get(server.port, "/a.txt", method="PUT", body=b"x")
    assert response.status == 405


# Ranges -------------------------------------------------------------------------------------------
def test_parse_range_rules():
    assert parse_range("bytes=0-4", 10) == [(0, 4)]
    assert parse_range("bytes=-3", 10) == [(7, 9)]
    assert parse_range("bytes=5-", 10) == [(5, 9)]
    assert parse_range("bytes=8-100", 10) == [(8, 9)]
    assert parse_range("bytes=0-1,5-6", 10) == [(0, 1), (5, 6)]
    assert parse_range("bytes=0-5,3-8", 10) == [(0, 8)]
    assert parse_range("items=0-1", 10) is None
    assert parse_range("bytes=5-1", 10) is None
    assert parse_range("bytes=x", 10) is None
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=10-", 10)
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=-0", 10)


def test_single_multiple_and_unsatisfiable_ranges(server):
    response, data = get(server.port, "/a.txt", {"Range": "bytes=2-5"})
    assert response.status == 206 and data == b"2345"
    assert response.getheader("Content-Range") == "bytes 2-5/20"
    response, data = get(server.port, "/a.txt", {"Range": "bytes=0-1,-2"})
    assert response.status == 206
    content_type = response.getheader("Content-Type")
    assert content_type.startswith("multipart/byteranges; boundary=")
    boundary = content_type.split("=", 1)[1].encode()
    assert int(response.getheader("Content-Length")) == len(data)
    parts = data.split(b"--" + boundary)
    assert b"Content-Range: bytes 0-1/20\r\n\r\n01\r\n" in parts[1]
    assert b"Content-Range: bytes 18-19/20\r\n\r\nij\r\n" in parts[2]
    assert parts[3] == b"--\r\n"
    response, _ = get(server.port, "/a.txt", {"Range": "bytes=50-60"})
    assert response.status == 416 and response.getheader("Content-Range") == "bytes */20"


def test_if_range_with_etag_and_date(server):
    first, _ = get(server.port, "/a.txt")
    etag, modified = first.getheader("ETag"), first.getheader("Last-Modified")
    assert get(server.port, "/a.txt", {"Range": "bytes=0-0", "If-Range": etag})[0].status == 206
    assert get(server.port, "/a.txt", {"Range": "bytes=0-0", "If-Range": modified})[0].status == 206
    stale = get(server.port, "/a.txt", {"Range": "bytes=0-0", "If-Range": '"other"'})
    assert stale[0].status == 200 and stale[1] == b"0123456789abcdefghij"


# Preconditions (RFC 9110 section 13.2.2) --------------------------------------------------------
def test_conditional_requests(server):
    first, _ = get(server.port, "/a.txt")
    etag, modified = first.getheader("ETag"), first.getheader("Last-Modified")
    not_modified, body = get(server.port, "/a.txt", {"If-None-Match": etag})
    assert not_modified.status == 304 and body == b""
    assert not_modified.getheader("ETag") == etag
    assert get(server.port, "/a.txt", {"If-None-Match": f'W/{etag}'})[0].status == 304
    assert get(server.port, "/a.txt", {"If-Modified-Since": modified})[0].status == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert get(server.port, "/a.txt", {"If-Modified-Since": old})[0].status == 200
    # If-None-Match wins over If-Modified-Since.
    assert get(server.port, "/a.txt", {"If-None-Match": '"x"', "If-Modified-Since": modified})[0].status == 200
    assert get(server.port, "/a.txt", {"If-Match": '"x"'})[0].status == 412
    assert get(server.port, "/a.txt", {"If-Match": etag})[0].status == 200
    assert get(server.port, "/a.txt", {"If-Match": f"W/{etag}"})[0].status == 412
    assert get(server.port, "/a.txt", {"If-Unmodified-Since": old})[0].status == 412
    # If-Match is evaluated first: a matching If-Match ignores If-Unmodified-Since.
    assert get(server.port, "/a.txt", {"If-Match": "*", "If-Unmodified-Since": old})[0].status == 200


# Content codings ----------------------------------------------------------------------------------
def test_accept_encoding_parsing():
    assert accepted_codings("gzip, br;q=0.5, *;q=0") == {"gzip": 1.0, "br": 0.5, "*": 0.0}
    assert accepted_codings(None) == {}


def test_precompressed_sibling_and_gzip_on_the_fly(server):
    response, data = get(server.port, "/style.css", {"Accept-Encoding": "gzip"})
    assert response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("Vary") == "Accept-Encoding"
    assert gzip.decompress(data) == b"PRECOMPRESSED"
    response, data = get(server.port, "/style.css")
    assert response.getheader("Content-Encoding") is None and data.startswith(b"body{")
    response, data = get(server.port, "/page.html", {"Accept-Encoding": "gzip"})
    assert response.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(data).startswith(b"<p>hello")
    response, data = get(server.port, "/page.html", {"Accept-Encoding": "gzip;q=0"})
    assert response.getheader("Content-Encoding") is None
    response, data = get(server.port, "/page.html", {"Accept-Encoding": "gzip", "Range": "bytes=0-2"})
    assert response.status == 206 and data == b"<p>"
    response, _ = get(server.port, "/sub/b.bin", {"Accept-Encoding": "gzip"})
    assert response.getheader("Content-Encoding") is None


# Uploads ------------------------------------------------------------------------------------------
def test_put_upload_conflict_and_overwrite(request, tree):
    server = make_server(request, tree, upload=True, max_upload=1000)
    response, _ = get(server.port, "/sub/new.txt", method="PUT", body=b"payload")
    assert response.status == 201 and response.getheader("Location") == "/sub/new.txt"
    assert (tree / "sub" / "new.txt").read_bytes() == b"payload"
    response, _ = get(server.port, "/sub/new.txt", method="PUT", body=b"again")
    assert response.status == 409
    assert (tree / "sub" / "new.txt").read_bytes() == b"payload"
    response, _ = get(server.port, "/big.txt", method="PUT", body=b"x" * 2000)
    assert response.status == 413 and not (tree / "big.txt").exists()
    overwriting = make_server(request, tree, upload=True, overwrite=True)
    assert get(overwriting.port, "/sub/new.txt", method="PUT", body=b"v2")[0].status == 204
    assert (tree / "sub" / "new.txt").read_bytes() == b"v2"
    assert get(overwriting.port, "/../x.txt", method="PUT", body=b"v2")[0].status == 403


def test_broken_upload_leaves_nothing(request, tree):
    server = make_server(request, tree, upload=True)
    before = sorted(os.listdir(tree))
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"PUT /partial.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        sock.sendall(b"x" * 5000)
    # A later request on another connection is served after the broken one was handled.
    for _ in range(50):
        status_of(server.port, "/a.txt")
        if sorted(os.listdir(tree)) == before:
            break
    assert sorted(os.listdir(tree)) == before


def test_multipart_form_upload(request, tree):
    server = make_server(request, tree, upload=True)
    boundary = "XyZ123"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../up.bin\"\r\n"
        f"Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + bytes(range(256)) * 10 + f"\r\n--{boundary}--\r\n".encode()
    response, page = get(server.port, "/sub/", {"Content-Type": f"multipart/form-data; boundary={boundary}"},
                         method="POST", body=body)  # fmt: skip
    assert response.status == 201 and b"up.bin" in page
    assert (tree / "sub" / "up.bin").read_bytes() == bytes(range(256)) * 10
    listing = get(server.port, "/sub/")[1]
    assert b'enctype="multipart/form-data"' in listing


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
def test_curl_uploads_ranges_and_conditionals(request, tree, tmp_path):
    server = make_server(request, tree, upload=True)
    source = tmp_path / "upload.dat"
    source.write_bytes(os.urandom(300_000))
    base = f"http://127.0.0.1:{server.port}"

    def curl(*args):
        return subprocess.run([CURL, "-s", *args], capture_output=True, timeout=20)

    assert curl("-o", "/dev/null", "-w", "%{http_code}", "-T", str(source), f"{base}/put.dat").stdout == b"201"
    assert (tree / "put.dat").read_bytes() == source.read_bytes()
    assert curl("-o", "/dev/null", "-w", "%{http_code}", "-F", f"file=@{source};filename=form.dat",
                f"{base}/").stdout == b"201"  # fmt: skip
    assert (tree / "form.dat").read_bytes() == source.read_bytes()
    assert curl("-r", "100-199", f"{base}/put.dat").stdout == source.read_bytes()[100:200]
    etag = [line for line in curl("-I", f"{base}/put.dat").stdout.decode().splitlines()
            if line.lower().startswith("etag:")][0].split(":", 1)[1].strip()  # fmt: skip
    assert curl("-o", "/dev/null", "-w", "%{http_code}", "-H", f"If-None-Match: {etag}",
                f"{base}/put.dat").stdout == b"304"  # fmt: skip
    assert curl("-o", "/dev/null", "-w", "%{http_code}", "-z", "Jan 1 2001",
                f"{base}/put.dat").stdout == b"200"  # fmt: skip


# Auth, CORS, keep-alive, log ----------------------------------------------------------------------
def test_basic_auth(request, tree):
    server = make_server(request, tree, credentials=b"alice:s3cret")
    response, _ = get(server.port, "/a.txt")
    assert response.status == 401
    assert response.getheader("WWW-Authenticate").startswith("Basic realm=")
    good = "Basic " + base64.b64encode(b"alice:s3cret").decode()
    bad = "Basic " + base64.b64encode(b"alice:wrong").decode()
    assert get(server.port, "/a.txt", {"Authorization": good})[0].status == 200
    assert get(server.port, "/a.txt", {"Authorization": good})[0].status == 200  # cached path
    assert get(server.port, "/a.txt", {"Authorization": bad})[0].status == 401
    assert get(server.port, "/a.txt")[0].status == 401  # cache must not bypass auth


def test_cors(request, tree):
    server = make_server(request, tree, cors=True)
    response, _ = get(server.port, "/a.txt")
    assert response.getheader("Access-Control-Allow-Origin") == "*"
    preflight, _ = get(server.port, "/a.txt", {"Origin": "http://x", "Access-Control-Request-Method": "GET",
                                               "Access-Control-Request-Headers": "Range"},
                       method="OPTIONS")  # fmt: skip
    assert preflight.status == 204
    assert "GET" in preflight.getheader("Access-Control-Allow-Methods")
    assert preflight.getheader("Access-Control-Allow-Headers") == "Range"


def test_keep_alive_pipelining_and_access_log(server):
    request = b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"
    reply = raw(server.port, request * 3 + b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert reply.count(b"HTTP/1.1 200 OK") == 3 and reply.count(b"HTTP/1.1 404 Not Found") == 1
    assert b"Connection: close" in reply
    bad = raw(server.port, b"GET / HTTP/1.1\r\n\r\n")  # no Host
    assert bad.startswith(b"HTTP/1.1 400 ")
    server.shutdown()
    server.thread.join(5)
    lines = server.log_text.getvalue().splitlines()
    assert any(line.startswith("127.0.0.1 - - [") and line.endswith('"GET /a.txt HTTP/1.1" 200 20')
               for line in lines)  # fmt: skip


def test_protocol_http10_closes_after_each_reply(request, tree):
    listener = socket.create_server(("127.0.0.1", 0))
    config = FileServerConfig(root=os.path.realpath(tree))
    server = StaticServer(listener, FileService(config), protocol="HTTP/1.0", log=io.StringIO())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    request.addfinalizer(lambda: (server.shutdown(), thread.join(5), server.server_close()))
    reply = raw(listener.getsockname()[1], b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n" * 2)
    assert reply.startswith(b"HTTP/1.0 200 OK\r\n") and reply.count(b"HTTP/1.0 200") == 1
    assert b"Connection: close\r\n" in reply and reply.endswith(b"0123456789abcdefghij")


def test_listing_page_is_gzipped_when_accepted_and_not_with_q0(server):
    def get(accept):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("GET", "/", headers={"Accept-Encoding": accept} if accept else {})
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response, body

    response, body = get("gzip, br")
    assert response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("Vary") == "Accept-Encoding"
    assert int(response.getheader("Content-Length")) == len(body)
    assert b"a.txt" in gzip.decompress(body)
    for refusing in ("gzip;q=0", "identity", None, "*;q=0"):
        response, body = get(refusing)
        assert response.getheader("Content-Encoding") is None and b"a.txt" in body
        assert response.getheader("Vary") == "Accept-Encoding"


def test_access_log_names_the_authenticated_user(request, tree):
    server = make_server(request, tree, credentials=b'al "ice:s3cret')
    good = "Basic " + base64.b64encode(b'al "ice:s3cret').decode()
    bad = "Basic " + base64.b64encode(b'al "ice:wrong').decode()
    assert get(server.port, "/a.txt", {"Authorization": good})[0].status == 200
    assert get(server.port, "/a.txt", {"Authorization": good})[0].status == 200  # cached path
    assert get(server.port, "/a.txt", {"Authorization": bad})[0].status == 401
    server.shutdown()
    server.thread.join(5)
    lines = server.log_text.getvalue().splitlines()
    assert sum(line.startswith('127.0.0.1 - al\\x20\\x22ice [') and " 200 " in line
               for line in lines) == 2  # fmt: skip
    assert any(line.startswith("127.0.0.1 - - [") and " 401 " in line for line in lines)
