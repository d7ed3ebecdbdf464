"""`webstd proxy` end to end, as a process: the seed's proxy example (ProxyHandler plus
ProxyBasicAuthHandler) with the stdlib's urllib and webstd's, and curl -x with --proxy-user, for
http (to nginx) and https (CONNECT to a local TLS server with a self-signed certificate)."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from support.nginx import ONE_KIB, nginx  # noqa: F401 (fixture)
from support.servers import wait_for_port
from support.tls import self_signed_certificate, server_context

ROOT = Path(__file__).resolve().parents[2]
USER, PASSWORD = "alice", "s3cret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def tls_listener():
    """Bound before the proxy starts, so the proxy's --connect-ports can name its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def proxy_port(tmp_path_factory, tls_listener):
    port = _free_port()
    log = tmp_path_factory.mktemp("proxy") / "access.log"
    environment = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    process = subprocess.Popen(
        [sys.executable, "-m", "webstd", "proxy", "--port", str(port), "--auth", f"{USER}:{PASSWORD}",
         "--allow-private", "--connect-ports", f"443,{tls_listener.getsockname()[1]}",
         "--access-log", str(log)],
        env=environment, stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def tls_origin(tmp_path_factory, tls_listener):
    """A Python ssl server answering every request with "secure" (certificate made by openssl)."""
    cert, key = self_signed_certificate(tmp_path_factory.mktemp("tls"))
    context = server_context(cert, key)
    listener = tls_listener
    port = listener.getsockname()[1]

    def serve(sock):
        try:
            with context.wrap_socket(sock, server_side=True) as tls:
                data = b""
                while True:
                    piece = tls.recv(65536)
                    if not piece:
                        return
                    data += piece
                    while b"\r\n\r\n" in data:
                        _, data = data.split(b"\r\n\r\n", 1)
                        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure")
        except (OSError, ssl.SSLError):
            return

    def accept():
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(sock,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield port, cert


def _seed_example(module, proxy_port: int, url: str) -> bytes:
    """The seed's item 6, written against ``module`` (urllib.request or webstd's)."""
    proxy_handler = module.ProxyHandler({"http": f"http://127.0.0.1:{proxy_port}/"})
    auth_handler = module.ProxyBasicAuthHandler()
    auth_handler.add_password("webstd proxy", f"127.0.0.1:{proxy_port}", USER, PASSWORD)
    opener = module.build_opener(proxy_handler, auth_handler)
    with opener.open(url, timeout=10) as response:
        assert response.status == 200
        return response.read()


def test_seed_proxy_example_with_stdlib_urllib(proxy_port, nginx):  # noqa: F811
    assert _seed_example(urllib.request, proxy_port, f"http://127.0.0.1:{nginx.port}/1k.bin") == ONE_KIB


def test_seed_proxy_example_with_webstd_urllib(proxy_port, nginx):  # noqa: F811
    webstd_request = pytest.importorskip("webstd.urllib.request")
    assert _seed_example(webstd_request, proxy_port, f"http://127.0.0.1:{nginx.port}/1k.bin") == ONE_KIB


def test_stdlib_urllib_without_credentials_gets_407(proxy_port, nginx):  # noqa: F811
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{proxy_port}/"}))
    with pytest.raises(urllib.error.HTTPError) as raised:
        opener.open(f"http://127.0.0.1:{nginx.port}/1k.bin", timeout=10)
    assert raised.value.code == 407


def test_stdlib_urllib_https_through_connect(proxy_port, tls_origin):
    port, cert = tls_origin
    handler = urllib.request.ProxyHandler({"https": f"http://{USER}:{PASSWORD}@127.0.0.1:{proxy_port}"})
    context = ssl.create_default_context(cafile=str(cert))
    opener = urllib.request.build_opener(handler, urllib.request.HTTPSHandler(context=context))
    with opener.open(f"https://localhost:{port}/", timeout=10) as response:
        assert response.read() == b"secure"


def test_webstd_urllib_https_through_connect(proxy_port, tls_origin):
    from webstd.urllib import request as webstd_request

    port, cert = tls_origin
    handler = webstd_request.ProxyHandler({"https": f"http://{USER}:{PASSWORD}@127.0.0.1:{proxy_port}"})
    context = ssl.create_default_context(cafile=str(cert))
    opener = webstd_request.build_opener(handler, webstd_request.HTTPSHandler(context=context))
    for _ in range(2):  # the second request reuses the pooled tunnel or opens a new one; both work
        with opener.open(f"https://localhost:{port}/", timeout=10) as response:
            assert response.status == 200 and response.read() == b"secure"
    # The proxy is really in the way: with a wrong password its 407 ends the tunnel attempt.
    wrong = webstd_request.ProxyHandler({"https": f"http://{USER}:wrong@127.0.0.1:{proxy_port}"})
    opener = webstd_request.build_opener(wrong, webstd_request.HTTPSHandler(context=context))
    with pytest.raises(OSError, match="407"):
        opener.open(f"https://localhost:{port}/", timeout=10)


def test_webstd_urlopen_https_checks_the_certificate(tls_origin):
    from webstd.urllib import error as webstd_error
    from webstd.urllib import request as webstd_request

    port, cert = tls_origin
    context = ssl.create_default_context(cafile=str(cert))
    with webstd_request.urlopen(f"https://localhost:{port}/", timeout=10, context=context) as response:
        assert response.read() == b"secure"
    # The system store does not know the test certificate: the connection must be refused.
    with pytest.raises(webstd_error.URLError) as raised:
        webstd_request.urlopen(f"https://localhost:{port}/", timeout=10)
    assert isinstance(raised.value.reason, ssl.SSLCertVerificationError)


def _curl(*arguments: str) -> subprocess.CompletedProcess:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    return subprocess.run(["curl", "-sS", "--max-time", "10", *arguments], capture_output=True, timeout=20)


def test_curl_http_with_proxy_user(proxy_port, nginx):  # noqa: F811
    result = _curl("-x", f"http://127.0.0.1:{proxy_port}", "--proxy-user", f"{USER}:{PASSWORD}",
                   f"http://127.0.0.1:{nginx.port}/1k.bin", f"http://127.0.0.1:{nginx.port}/index.html")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(ONE_KIB)


def test_curl_https_with_proxy_user(proxy_port, tls_origin):
    port, cert = tls_origin
    result = _curl("-x", f"http://127.0.0.1:{proxy_port}", "--proxy-user", f"{USER}:{PASSWORD}",
                   "--cacert", str(cert), f"https://localhost:{port}/")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"secure"


def test_curl_wrong_password_gets_407(proxy_port, nginx):  # noqa: F811
    result = _curl("-x", f"http://127.0.0.1:{proxy_port}", "--proxy-user", f"{USER}:wrong",
                   "-o", "/dev/null", "-w", "%{http_code}", f"http://127.0.0.1:{nginx.port}/1k.bin")
    assert result.stdout == b"407"
