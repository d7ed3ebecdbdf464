"""Safe by default: refused destinations, CONNECT ports, allow-lists, authentication, smuggling
attempts in both directions, unreachable and silent origins."""

from __future__ import annotations

import ipaddress
import json
import socket
from pathlib import Path

import pytest

from support.proxy import RawOrigin, exchange
from webstd.proxy._access import refused_address

CORPUS = Path(__file__).resolve().parents[1] / "corpora"
INVALID_REQUESTS = json.loads((CORPUS / "requests" / "expected.json").read_text())
INVALID_RESPONSES = json.loads((CORPUS / "responses" / "expected.json").read_text())


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.0.1", "169.254.169.254", "0.0.0.0", "::1",
     "::ffff:127.0.0.1", "::ffff:169.254.169.254", "fe80::1", "fd00::1", "100.64.0.1", "224.0.0.1",
     "240.0.0.1"],
)
def test_refused_ranges(address):
    assert refused_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert not refused_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "target",
    ["http://127.0.0.1:{port}/", "http://[::ffff:127.0.0.1]:{port}/", "http://localhost:{port}/",
     "http://169.254.169.254/latest/meta-data/"],
)
def test_private_destinations_refused_by_default(start_proxy, origin, target):
    _, port, _ = start_proxy(allow_private=False)
    answer = exchange(port, f"GET {target.format(port=origin.port)} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert status_of(answer) == 403
    assert origin.connections == 0


def test_connect_port_not_in_allow_list(start_proxy, origin):
    _, port, _ = start_proxy()
    answer = exchange(port, f"CONNECT 127.0.0.1:{origin.port} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert status_of(answer) == 403
    assert origin.connections == 0


def test_connect_to_private_address_refused(start_proxy, origin):
    _, port, _ = start_proxy(allow_private=False, connect_ports=frozenset({origin.port}))
    answer = exchange(port, f"CONNECT 127.0.0.1:{origin.port} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert status_of(answer) == 403


def test_host_allow_list(start_proxy, origin):
    _, port, _ = start_proxy(allowed_hosts=("localhost",))
    denied = exchange(port, f"GET http://127.0.0.1:{origin.port}/ HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    allowed = exchange(port, f"GET http://localhost:{origin.port}/ HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert status_of(denied) == 403
    assert status_of(allowed) == 200


@pytest.mark.parametrize(
    "authorization",
    [None, "Basic YWxpY2U6d3Jvbmc=", "Basic !!!", "Bearer YWxpY2U6c2VjcmV0", "Basic YWxpY2U6c2VjcmV0X"],
)
def test_missing_or_wrong_credentials_get_407(start_proxy, origin, authorization):
    _, port, _ = start_proxy(credentials=b"alice:secret")
    field = f"Proxy-Authorization: {authorization}\r\n" if authorization else ""
    answer = exchange(port, f"GET http://127.0.0.1:{origin.port}/ HTTP/1.1\r\nHost: x\r\n{field}\r\n".encode())
    assert status_of(answer) == 407
    assert b'\r\nProxy-Authenticate: Basic realm="webstd proxy"' in answer
    assert origin.connections == 0


def test_right_credentials_pass_and_the_user_is_logged(start_proxy, origin):
    _, port, log = start_proxy(credentials=b"alice:secret")
    answer = exchange(
        port,
        f"GET http://127.0.0.1:{origin.port}/ HTTP/1.1\r\nHost: x\r\n"
        "Proxy-Authorization: basic YWxpY2U6c2VjcmV0\r\n\r\n".encode(),
    )
    assert status_of(answer) == 200
    assert b"proxy-authorization" not in bytes(origin.received).lower()


@pytest.mark.parametrize(
    "target", ["/relative", "https://127.0.0.1/", "http://user@127.0.0.1/", "ftp://127.0.0.1/"]
)
def test_targets_that_are_not_forwarded(start_proxy, target):
    _, port, _ = start_proxy()
    assert status_of(exchange(port, f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())) == 400


def _absolute(raw: bytes, port: int) -> bytes:
    line, separator, rest = raw.partition(b"\r\n")
    parts = line.split(b" ")
    if len(parts) == 3 and parts[1].startswith(b"/"):
        parts[1] = b"http://127.0.0.1:%d%s" % (port, parts[1])
    return b" ".join(parts) + separator + rest


@pytest.mark.parametrize(
    "name", sorted(name for name in INVALID_REQUESTS if name.startswith("invalid/"))
)
def test_invalid_requests_never_reach_the_origin(start_proxy, origin, name):
    _, port, _ = start_proxy()
    raw = _absolute((CORPUS / "requests" / name).read_bytes(), origin.port)
    answer = exchange(port, raw)
    assert 400 <= status_of(answer) < 600 and status_of(answer) not in (502, 504)
    assert bytes(origin.received) == b""


@pytest.mark.parametrize(
    "name", sorted(name for name in INVALID_RESPONSES if name.startswith("invalid/"))
)
def test_invalid_responses_become_502(start_proxy, name):
    reply = (CORPUS / "responses" / name).read_bytes()
    origin = RawOrigin(reply + b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    try:
        _, port, _ = start_proxy()
        method = INVALID_RESPONSES[name].get("method", "GET")
        answer = exchange(port, f"{method} http://127.0.0.1:{origin.port}/ HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    finally:
        origin.close()
    # Either a 502 before anything was relayed, or a truncated response (the connection is cut
    # before the end of a message that went wrong midway): never a well-formed second response.
    if answer.startswith(b"HTTP/1.1 502"):
        return
    assert answer.count(b"HTTP/1.1 200") <= 1
    assert not answer.endswith(b"0\r\n\r\n")


def test_unreachable_origin_gets_502(start_proxy):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    _, port, _ = start_proxy()
    answer = exchange(port, f"GET http://127.0.0.1:{closed_port}/ HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert status_of(answer) == 502


def test_silent_origin_gets_504(start_proxy):
    origin = RawOrigin(None)
    origin.reply = lambda request: None
    try:
        _, port, _ = start_proxy(response_timeout=0.3)
        answer = exchange(port, f"GET http://127.0.0.1:{origin.port}/ HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    finally:
        origin.close()
    assert status_of(answer) == 504


def test_slow_client_gets_408(start_proxy, origin):
    _, port, _ = start_proxy(client_timeout=0.3)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET http://127.0.0.1:{origin.port}/ HTTP/1.1\r\nHo".encode())
        answer = sock.recv(65536)
    assert status_of(answer) == 408
    assert bytes(origin.received) == b""
