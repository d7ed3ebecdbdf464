"""The opt-in total body limit of webstd.http.client and webstd.urllib.request (max_body_size),
against a real server on loopback that sends bodies too large or without end."""

import socket
import threading

import pytest

from webstd.http.client import HTTPConnection, ResponseBodyTooLarge
from webstd.urllib.request import HTTPHandler, build_opener, urlopen

ENDLESS_LIMIT = 64 << 20  # the server gives up after this much, so a failing test still ends


def _serve(sock: socket.socket) -> None:
    with sock:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                return
            data += chunk
        while data:
            head, _, data = data.partition(b"\r\n\r\n")
            target = head.split(b" ")[1].decode()
            try:
                if not _answer(sock, target):
                    return
            except OSError:
                return


def _answer(sock: socket.socket, target: str) -> bool:
    """Sends the response ``target`` names; False when the connection must close after it."""
    piece = b"x" * 16384
    if target == "/small":
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        return True
    if target == "/declared":
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n" + piece)
        return False
    if target == "/chunked":
        sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        frame = b"%x\r\n%s\r\n" % (len(piece), piece)
    else:
        sock.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        frame = piece
    sent = 0
    while sent < ENDLESS_LIMIT:
        sock.sendall(frame)
        sent += len(piece)
    return False


@pytest.fixture(scope="module")
def port():
    listener = socket.create_server(("127.0.0.1", 0))

    def accept():
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_serve, args=(sock,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()


@pytest.mark.parametrize("target", ["/chunked", "/until-close"])
def test_read_of_an_endless_body_stops_at_the_limit(port, target):
    connection = HTTPConnection("127.0.0.1", port, timeout=10, max_body_size=100_000)
    connection.request("GET", target)
    response = connection.getresponse()
    with pytest.raises(ResponseBodyTooLarge) as caught:
        response.read()
    assert caught.value.limit == 100_000 and caught.value.length is None
    assert "max_body_size=100000" in str(caught.value)
    assert response.isclosed() and response.read() == b""
    connection.close()


@pytest.mark.parametrize("read", [lambda r: r.read(1000), lambda r: r.read1(), lambda r: r.readline()])
def test_reading_in_pieces_counts_toward_the_same_total(port, read):
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    connection.max_body_size = 50_000  # the attribute works as the keyword does
    connection.request("GET", "/chunked")
    response = connection.getresponse()
    total = 0
    with pytest.raises(ResponseBodyTooLarge):
        for _ in range(10_000):
            total += len(read(response))
    assert total <= 50_000
    connection.close()


def test_a_declared_length_beyond_the_limit_is_refused_before_reading(port):
    connection = HTTPConnection("127.0.0.1", port, timeout=10, max_body_size=1 << 20)
    connection.request("GET", "/declared")
    response = connection.getresponse()
    assert response.status == 200  # the head is still there to look at
    with pytest.raises(ResponseBodyTooLarge) as caught:
        response.read(10)
    assert caught.value.length == 1_000_000_000
    connection.close()


def test_bodies_within_the_limit_and_keep_alive_are_unaffected(port):
    connection = HTTPConnection("127.0.0.1", port, timeout=10, max_body_size=5)
    for _ in range(3):
        connection.request("GET", "/small")
        assert connection.getresponse().read() == b"hello"
    connection.close()
    unlimited = HTTPConnection("127.0.0.1", port, timeout=10)
    unlimited.request("GET", "/small")
    assert unlimited.getresponse().read() == b"hello"
    unlimited.close()


@pytest.mark.parametrize("limit", [-1, 1.5, "10", True])
def test_a_bad_limit_is_a_value_error(limit):
    with pytest.raises(ValueError):
        HTTPConnection("127.0.0.1", 1, max_body_size=limit)
    with pytest.raises(ValueError):
        HTTPHandler(max_body_size=limit)


def test_urlopen_and_handlers_take_the_limit(port):
    url = f"http://127.0.0.1:{port}"
    with urlopen(url + "/small", timeout=10, max_body_size=5) as response:
        assert response.read() == b"hello"
    with urlopen(url + "/chunked", timeout=10, max_body_size=200_000) as response:
        with pytest.raises(ResponseBodyTooLarge):
            response.read()
    opener = build_opener(HTTPHandler(max_body_size=10_000))
    with opener.open(url + "/until-close", timeout=10) as response:
        with pytest.raises(ResponseBodyTooLarge):
            response.read()
    # Without the limit the same opener machinery reads as the stdlib does.
    with build_opener().open(url + "/small", timeout=10) as response:
        assert response.read() == b"hello"
