"""Forwarding absolute-form requests: what the origin sees, what the client gets, keep-alive."""


from __future__ import annotations

import socket

from support.nginx import nginx  # noqa: F401 (fixture)
from support.proxy import RawOrigin, exchange, wait_for
from webstd.protocol import NEED_DATA, EndOfMessage, Response, ResponseParser


def read_responses(sock: socket.socket, count: int, method: str = "GET"):
    parser = ResponseParser()
    for _ in range(count):
        parser.expect(method)
    results = []
    while len(results) < count or len(results[-1]) < 3:
        event = parser.next_event()
        if event is NEED_DATA:
            data = sock.recv(65536)
            if not data:
                parser.feed_eof()
            parser.feed(data)
        elif isinstance(event, Response):
            results.append([event, b""])
        elif isinstance(event, EndOfMessage):
            results[-1].append(True)
        elif hasattr(event, "data"):
            results[-1][1] += event.data
    return results


def test_request_is_rewritten_for_the_origin(start_proxy, origin):
    _, port, _ = start_proxy(credentials=b"alice:secret")
    raw = (
        f"GET http://127.0.0.1:{origin.port}/a/b?q=1 HTTP/1.1\r\n"
        "Host: evil.example\r\n"
        "Connection: keep-alive, X-Secret\r\n"
        "X-Secret: drop me\r\n"
        "Keep-Alive: timeout=5\r\n"
        "Proxy-Connection: keep-alive\r\n"
        "TE: trailers\r\n"
        "Proxy-Authorization: Basic YWxpY2U6c2VjcmV0\r\n"
        "Via: 1.1 first\r\n"
        "X-Kept: yes\r\n\r\n"
    ).encode()
    answer = exchange(port, raw)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    request = origin.requests[0]
    assert request.target == "/a/b?q=1"
    headers = request.headers
    assert headers.get_all("host") == [f"127.0.0.1:{origin.port}"]
    for name in ("x-secret", "keep-alive", "proxy-connection", "te", "proxy-authorization"):
        assert name not in headers
    assert headers.get("connection") is None
    assert headers.get_all("via") == ["1.1 first", "1.1 webstd"]
    assert headers.get("x-kept") == "yes"


def test_response_hop_by_hop_fields_removed_and_via_added(start_proxy):
    origin = RawOrigin(
        b"HTTP/1.1 200 OK\r\nConnection: X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=1\r\n"
        b"Upgrade: h2c\r\nContent-Length: 3\r\n\r\nabc"
    )
    try:
        _, port, _ = start_proxy()
        answer = exchange(port, f"GET http://127.0.0.1:{origin.port}/ HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    finally:
        origin.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert body == b"abc"
    lowered = head.lower()
    assert b"x-hop" not in lowered and b"keep-alive" not in lowered and b"upgrade" not in lowered
    assert b"\r\nvia: 1.1 webstd" in lowered


def test_keep_alive_both_sides_with_one_pooled_upstream(start_proxy, origin):
    _, port, log = start_proxy()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        for index in range(5):
            sock.sendall(f"GET http://127.0.0.1:{origin.port}/{index} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            [(response, body, done)] = read_responses(sock, 1)
            assert response.status == 200 and body == b"ok" and done
    assert [request.target for request in origin.requests] == [f"/{index}" for index in range(5)]
    assert origin.connections == 1


def test_pipelined_requests_answered_in_order(start_proxy, origin):
    _, port, _ = start_proxy()
    origin.reply = lambda request: (
        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(request.target), request.target.encode())
    )
    raw = b"".join(
        f"GET http://127.0.0.1:{origin.port}/{index} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for index in range(4)
    )
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(raw)
        bodies = [body for _, body, _ in read_responses(sock, 4)]
    assert bodies == [b"/0", b"/1", b"/2", b"/3"]


def test_until_close_response_is_chunked_to_an_http11_client(start_proxy):
    origin = RawOrigin(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
    origin.reply = lambda request: None
    try:
        _, port, _ = start_proxy()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(f"GET http://127.0.0.1:{origin.port}/ HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            assert wait_for(lambda: origin._open)
            upstream = origin._open[0]
            upstream.sendall(b"HTTP/1.1 200 OK\r\n\r\nstreamed ")
            upstream.sendall(b"body")
            upstream.shutdown(socket.SHUT_RDWR)
            [(response, body, done)] = read_responses(sock, 1)
    finally:
        origin.close()
    assert response.body_kind.name == "CHUNKED"
    assert body == b"streamed body" and done


def test_chunked_request_body_is_reframed(start_proxy, origin):
    _, port, _ = start_proxy()
    raw = (
        f"POST http://127.0.0.1:{origin.port}/up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    ).encode()
    assert exchange(port, raw).startswith(b"HTTP/1.1 200")
    assert origin.bodies == [b"abcde"]
    assert b"ext=1" not in origin.received


def test_large_body_is_streamed(start_proxy, origin):
    _, port, _ = start_proxy(request_buffer=1024)
    body = bytes(range(256)) * 2048
    raw = (
        f"PUT http://127.0.0.1:{origin.port}/big HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    assert exchange(port, raw).startswith(b"HTTP/1.1 200")
    assert origin.bodies == [body]


def test_head_response_keeps_its_content_length(start_proxy):
    origin = RawOrigin(b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n")
    try:
        _, port, _ = start_proxy()
        answer = exchange(port, f"HEAD http://127.0.0.1:{origin.port}/ HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    finally:
        origin.close()
    assert b"\r\nContent-Length: 1234\r\n" in answer and answer.endswith(b"\r\n\r\n")


def test_access_log_has_common_log_format_lines(start_proxy, origin):
    _, port, log = start_proxy()
    exchange(port, f"GET http://127.0.0.1:{origin.port}/x HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert wait_for(lambda: "GET" in log.getvalue())
    line = log.getvalue().splitlines()[0]
    assert line.startswith("127.0.0.1 - - [")
    assert line.endswith(f'] "GET http://127.0.0.1:{origin.port}/x HTTP/1.1" 200 2')


def test_through_nginx_many_requests_on_one_connection(start_proxy, nginx):  # noqa: F811
    _, port, _ = start_proxy()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        for _ in range(20):
            sock.sendall(f"GET http://127.0.0.1:{nginx.port}/1k.bin HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            [(response, body, _)] = read_responses(sock, 1)
            assert response.status == 200 and len(body) == 1024
