"""Pooled origin connections the origin closes: idempotent requests are retried on a new one,
the client connection is never cut, and other methods are not replayed (RFC 9112 section 9.3.1)."""

from __future__ import annotations

import contextlib
import socket
import struct

import pytest

from support.proxy import ThreadedOrigin

ANSWERS = 3  # the origin closes each connection after this many answers


class ClosingOrigin(ThreadedOrigin):
    """Answers ``ANSWERS`` requests per connection (200, ``ok``), then closes it as ``how`` says:
    ``fin`` or ``rst`` when the next request arrives, without answering it; ``after`` right after
    the last answer, without announcing it (no ``Connection: close``)."""

    def __init__(self, how: str) -> None:
        self.how = how
        self.requests: list[bytes] = []
        super().__init__()

    def _serve(self, sock: socket.socket) -> None:
        answered = 0
        pending = b""
        with contextlib.suppress(OSError):
            while data := sock.recv(65536):
                pending += data
                while b"\r\n\r\n" in pending:  # the tests send no bodies
                    head, pending = pending.split(b"\r\n\r\n", 1)
                    self.requests.append(head.split(b"\r\n", 1)[0])
                    if answered == ANSWERS:
                        if self.how == "rst":
                            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                            struct.pack("ii", 1, 0))
                        sock.close()
                        return
                    answered += 1
                    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    if answered == ANSWERS and self.how == "after":
                        sock.close()
                        return


@pytest.fixture(params=["fin", "rst", "after"])
def closing_origin(request):
    origin = ClosingOrigin(request.param)
    yield origin
    origin.close()


def read_response(reader, head: bool = False) -> tuple[int, bytes, bool]:
    """(status, body, close announced) of one Content-Length response (to a HEAD request when
    ``head``); status 0 at EOF."""
    line = reader.readline()
    if not line:
        return 0, b"", True
    length, close = 0, False
    while (field := reader.readline()) not in (b"\r\n", b""):
        name, _, value = field.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        elif name.strip().lower() == b"connection" and b"close" in value.lower():
            close = True
    return int(line.split()[1]), b"" if head else reader.read(length), close


def test_idempotent_requests_survive_origin_closing_pooled_connections(start_proxy, closing_origin):
    host, port, _ = start_proxy()
    count = 4 * ANSWERS
    with socket.create_connection((host, port), timeout=5) as client:
        reader = client.makefile("rb")
        answers = []
        for number in range(count):
            method = ("GET", "HEAD", "PUT", "DELETE")[number % 4]
            client.sendall(f"{method} http://127.0.0.1:{closing_origin.port}/{number} HTTP/1.1\r\n"
                           f"Host: x\r\nContent-Length: 0\r\n\r\n".encode())
            status, body, close = read_response(reader, head=method == "HEAD")
            answers.append((status, body, close))
    expected = [(200, b"" if number % 4 == 1 else b"ok", False) for number in range(count)]
    assert answers == expected
    assert closing_origin.connections >= count // ANSWERS


def test_pipelined_gets_survive_origin_closing_pooled_connections(start_proxy, closing_origin):
    host, port, _ = start_proxy()
    count = 4 * ANSWERS
    request = f"GET http://127.0.0.1:{closing_origin.port}/ HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    with socket.create_connection((host, port), timeout=5) as client:
        client.sendall(request * count)
        reader = client.makefile("rb")
        assert [read_response(reader) for _ in range(count)] == [(200, b"ok", False)] * count


@pytest.mark.parametrize("how", ["fin", "rst"])
def test_post_is_not_replayed_on_a_new_connection(start_proxy, how):
    origin = ClosingOrigin(how)
    try:
        host, port, _ = start_proxy()
        target = f"http://127.0.0.1:{origin.port}/"
        with socket.create_connection((host, port), timeout=5) as client:
            reader = client.makefile("rb")
            for _ in range(ANSWERS):
                client.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                assert read_response(reader)[0] == 200
            client.sendall(f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode())
            status, _, close = read_response(reader)
        assert (status, close) == (502, True)
        assert [line for line in origin.requests if line.startswith(b"POST")] == [b"POST / HTTP/1.1"]
        assert origin.connections == 1
    finally:
        origin.close()
