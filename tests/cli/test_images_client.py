"""webstd._images.client over real sockets on 127.0.0.1: keep-alive reuse, body framings, errors,
the timeout watchdog, reading back-pressure and TLS (scripted servers, nginx, a throw-away CA)."""

from __future__ import annotations

import asyncio
import ssl

import pytest

from support.client_servers import ScriptedServer, answer_each, answer_then_close
from support.nginx import nginx  # noqa: F401 (a pytest fixture)
from support.tls import self_signed_certificate, server_context
from webstd._images.client import HIGH_WATER, Client, origin
from webstd._images.fetch import TransientError, classify
from webstd.protocol import RemoteProtocolError, request_head

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
BIG = bytes(range(256)) * (3 * 4096)  # 3 MiB

# `webstd images` runs on uvloop when it is installed and on asyncio's loop otherwise: every test
# here runs on both.
LOOP = {"factory": None}


@pytest.fixture(autouse=True, params=["asyncio", "uvloop"])
def event_loop_kind(request):
    if request.param == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        LOOP["factory"] = uvloop.new_event_loop
    else:
        LOOP["factory"] = None
    yield request.param
    LOOP["factory"] = None


def response(status_line: bytes, body: bytes = b"", *fields: bytes) -> bytes:
    head = [status_line, *fields, b"Content-Length: %d" % len(body)]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


async def get(client: Client, port: int, target: str = "/", method: str = "GET",
              host: str = "127.0.0.1", scheme: str = "http"):
    fields = [("Host", f"{host}:{port}"), ("User-Agent", "test")]
    return await client.request(method, origin(scheme, host, port), request_head(method, target, fields),
                                f"{scheme}://{host}:{port}{target}")


async def read_all(answer) -> bytes:
    parts = []
    while chunk := await answer.next_chunk():
        parts.append(chunk)
    return b"".join(parts)


async def fetch_all(client: Client, port: int, target: str = "/", method: str = "GET"):
    answer = await get(client, port, target, method)
    return answer.status, await read_all(answer)


def with_client(body, *, timeout: float = 5.0, ssl_context: ssl.SSLContext | None = None):
    """Runs ``body(client)`` on a fresh event loop with a Client created inside it."""

    async def main():
        client = Client(timeout=timeout, ssl_context=ssl_context)
        try:
            return await body(client)
        finally:
            client.close()

    with asyncio.Runner(loop_factory=LOOP["factory"]) as runner:
        return runner.run(main())


def serve_paths(routes: dict[str, bytes]):
    """A script: answers each request on the connection with ``routes[target]`` until it closes."""

    def script(peer) -> None:
        while (request := peer.read_request()) is not None:
            peer.send(routes[request.target])

    return script


def silent(peer) -> None:
    """A script: reads one request and never answers (until the client closes)."""
    if peer.read_request() is not None:
        peer.read_request()


# keep-alive -----------------------------------------------------------------------------------

def test_requests_to_one_origin_share_one_connection():
    with ScriptedServer(answer_each(OK, OK, OK)) as server:
        async def body(client):
            return [await fetch_all(client, server.port) for _ in range(3)]

        assert with_client(body) == [(200, b"ok")] * 3
    assert server.connections == 1
    assert len(server.requests) == 3


@pytest.mark.parametrize("first", [
    ("HEAD", b"HTTP/1.1 200 OK\r\nX: y\r\nContent-Length: 5000000\r\n\r\n"),
    ("GET", b"HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\nContent-Length: 5000000\r\n\r\n"),
    ("GET", b"HTTP/1.1 204 No Content\r\n\r\n"),
], ids=["HEAD", "304", "204"])
def test_a_bodiless_answer_keeps_the_connection(first):
    method, answer = first
    with ScriptedServer(answer_each(answer, OK)) as server:
        async def body(client):
            head = await get(client, server.port, method=method)
            # discard() closes a large unread body; a bodiless answer has nothing left to read.
            await head.discard()
            return head.status, await fetch_all(client, server.port)

        status, second = with_client(body)
    assert status in (200, 204, 304)
    assert second == (200, b"ok")
    assert server.connections == 1
    assert [request.method for request in server.requests] == [method, "GET"]


def test_a_small_body_discarded_keeps_the_connection():
    with ScriptedServer(answer_each(response(b"HTTP/1.1 404 Not Found", b"x" * 1000), OK)) as server:
        async def body(client):
            await (await get(client, server.port)).discard()
            return await fetch_all(client, server.port)

        assert with_client(body) == (200, b"ok")
    assert server.connections == 1


def test_an_answer_closed_early_closes_its_connection():
    routes = {"/big": response(b"HTTP/1.1 200 OK", b"b" * 200_000), "/small": OK}
    with ScriptedServer(serve_paths(routes)) as server:
        async def body(client):
            big = await get(client, server.port, "/big")
            first = await big.next_chunk()
            big.close()
            return first, await fetch_all(client, server.port, "/small")

        first, small = with_client(body)
    assert first and set(first) == {ord("b")}
    assert small == (200, b"ok")
    assert server.connections == 2


def test_unsolicited_bytes_after_an_answer_prevent_reuse():
    # The second "answer" arrives before the second request was sent: it must not be taken for it.
    stale = OK + b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale"
    with ScriptedServer(answer_each(stale, OK)) as server:
        async def body(client):
            return [await fetch_all(client, server.port) for _ in range(2)]

        assert with_client(body) == [(200, b"ok"), (200, b"ok")]
    assert server.connections == 2


@pytest.mark.parametrize("idle", [0.0, 0.2], ids=["at-once", "after-a-pause"])
def test_a_connection_the_server_closed_is_replaced(idle):
    with ScriptedServer(answer_each(OK, close_after=True)) as server:
        async def body(client):
            first = await fetch_all(client, server.port)
            await asyncio.sleep(idle)
            return first, await fetch_all(client, server.port)

        assert with_client(body) == ((200, b"ok"), (200, b"ok"))
    assert server.connections == 2
    assert len(server.requests) == 2


def test_a_request_is_sent_again_only_once():
    # Every connection after the first reads its request and closes without a word.
    served = []

    def script(peer) -> None:
        if not served:
            served.append(True)
            if peer.read_request() is not None:
                peer.send(OK)
        peer.read_request()

    with ScriptedServer(script) as server:
        async def body(client):
            first = await fetch_all(client, server.port)
            with pytest.raises(ConnectionError) as caught:
                await fetch_all(client, server.port)
            return first, caught.value

        first, error = with_client(body)
    assert first == (200, b"ok")
    assert isinstance(classify(error), TransientError)
    # The kept-alive connection, then one new one for the single retry; no third attempt.
    assert server.connections == 2
    assert len(server.requests) == 3


def test_a_fresh_connection_closed_without_an_answer_is_not_retried():
    with ScriptedServer(answer_then_close(b"")) as server:
        async def body(client):
            with pytest.raises(ConnectionError):
                await get(client, server.port)

        with_client(body)
    assert server.connections == 1


# framing ----------------------------------------------------------------------------------------

def test_chunked_body_then_reuse():
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n")
    with ScriptedServer(answer_each(chunked, OK)) as server:
        async def body(client):
            return await fetch_all(client, server.port), await fetch_all(client, server.port)

        assert with_client(body) == ((200, b"hello world"), (200, b"ok"))
    assert server.connections == 1


@pytest.mark.parametrize("head", [
    b"HTTP/1.0 200 OK\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n\r\n",
])
def test_body_delimited_by_close(head):
    payload = b"until the end" * 1000
    with ScriptedServer(answer_then_close(head + payload)) as server:
        async def body(client):
            return await fetch_all(client, server.port), await fetch_all(client, server.port)

        assert with_client(body) == ((200, payload), (200, payload))
    # The first connection cannot be reused: its end was the body's end.
    assert server.connections == 2


@pytest.mark.parametrize("interim", [
    b"HTTP/1.1 100 Continue\r\n\r\n",
    b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n",
], ids=["100", "103", "100+102"])
def test_informational_answers_are_skipped(interim):
    final = response(b"HTTP/1.1 201 Created", b"made", b"X-Final: yes")
    with ScriptedServer(answer_each(interim + final, OK)) as server:
        async def body(client):
            answer = await get(client, server.port)
            return (answer.status, answer.reason, answer.headers.get("X-Final"), await read_all(answer),
                    await fetch_all(client, server.port))

        assert with_client(body) == (201, "Created", "yes", b"made", (200, b"ok"))
    assert server.connections == 1


# errors -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("truncated", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"t" * 10,
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n" + b"t" * 10 + b"\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" + b"t" * 10,
], ids=["length", "chunked-without-last-chunk", "chunked-mid-chunk"])
@pytest.mark.parametrize("late", [False, True], ids=["read-at-once", "read-after-the-close"])
def test_a_truncated_body_is_a_transient_error(truncated, late):
    with ScriptedServer(answer_then_close(truncated)) as server:
        async def body(client):
            answer = await get(client, server.port)
            if late:  # the close is handled before the body is read: the bytes must still come
                await asyncio.sleep(0.2)
            received = b""
            with pytest.raises(Exception) as caught:
                while chunk := await answer.next_chunk():
                    received += chunk
            return received, caught.value

        received, error = with_client(body)
    assert received == b"t" * 10
    assert isinstance(error, (OSError, RemoteProtocolError))
    assert isinstance(classify(error), TransientError)


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 2OO OK\r\n\r\n",
    b"ICY 200 OK\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
])
def test_a_malformed_answer_is_an_error(answer):
    with ScriptedServer(answer_then_close(answer)) as server:
        async def body(client):
            with pytest.raises((OSError, RemoteProtocolError)) as caught:
                await fetch_all(client, server.port)
            return caught.value

        error = with_client(body)
    assert isinstance(classify(error), TransientError)


def test_a_closed_port_is_a_connection_error():
    with ScriptedServer(answer_each()) as server:
        port = server.port
    async def body(client):
        with pytest.raises(ConnectionError) as caught:
            await get(client, port)
        return caught.value

    assert isinstance(classify(with_client(body)), TransientError)


async def within(awaitable, guard: float = 10.0):
    """The awaitable's outcome; fails the test (not with TimeoutError) if it takes over ``guard``."""
    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({task}, timeout=guard)
    if task not in done:
        task.cancel()
        pytest.fail("the client's timeout did not fire")
    return task


def test_a_silent_server_times_out():
    with ScriptedServer(silent) as server:
        async def body(client):
            return await within(get(client, server.port))

        task = with_client(body, timeout=0.3)
    assert isinstance(task.exception(), TimeoutError)
    assert isinstance(classify(task.exception()), TransientError)


def test_a_server_that_stalls_in_the_body_times_out():
    def stall(peer) -> None:
        if peer.read_request() is not None:
            peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf")
            peer.read_request()

    with ScriptedServer(stall) as server:
        async def body(client):
            answer = await get(client, server.port)
            return await within(read_all(answer))

        task = with_client(body, timeout=0.3)
    assert isinstance(task.exception(), TimeoutError)


# back-pressure ----------------------------------------------------------------------------------

async def read_slowly(answer) -> tuple[bytes, bool]:
    """Waits for the reading to pause on a full buffer, then reads chunk by chunk with pauses."""
    connection = answer._connection
    for _ in range(200):
        if connection.paused:
            break
        await asyncio.sleep(0.01)
    paused = connection.paused
    parts, count = [], 0
    while chunk := await answer.next_chunk():
        parts.append(chunk)
        count += 1
        if count % 8 == 0:
            await asyncio.sleep(0.001)
    return b"".join(parts), paused


def test_a_large_body_read_slowly_arrives_whole_and_in_order():
    with ScriptedServer(answer_each(response(b"HTTP/1.1 200 OK", BIG), OK)) as server:
        async def body(client):
            answer = await get(client, server.port)
            data, paused = await read_slowly(answer)
            return data, paused, await fetch_all(client, server.port)

        data, paused, after = with_client(body)
    assert len(BIG) > 2 * HIGH_WATER
    assert paused, "the reading never paused: the test did not exercise back-pressure"
    assert data == BIG
    assert after == (200, b"ok")
    assert server.connections == 1


def test_a_consumer_slower_than_the_timeout_does_not_time_out():
    # While reading is paused on a full buffer, the wait is the consumer's, not the server's.
    with ScriptedServer(answer_each(response(b"HTTP/1.1 200 OK", BIG))) as server:
        async def body(client):
            answer = await get(client, server.port)
            first = await answer.next_chunk()
            await asyncio.sleep(1.0)
            return first + await read_all(answer)

        assert with_client(body, timeout=0.3) == BIG


def test_nginx_files_over_one_connection(nginx):  # noqa: F811 (the fixture)
    (nginx.root / "www" / "big.bin").write_bytes(BIG)

    async def body(client):
        results = []
        for index, target in enumerate(("/index.html", "/big.bin", "/missing", "/big.bin")):
            answer = await get(client, nginx.port, target)
            if index == 1:
                data, _ = await read_slowly(answer)
            else:
                data = await read_all(answer)
            results.append((answer.status, len(data), data == BIG))
        return results

    results = with_client(body)
    index_length = len((nginx.root / "www" / "index.html").read_bytes())
    assert results[0] == (200, index_length, False)
    assert results[1] == (200, len(BIG), True)
    assert results[2][0] == 404
    assert results[3] == (200, len(BIG), True)


def distinct_bodies(count: int, size: int) -> dict[str, bytes]:
    """``/0`` ... ``/count-1``, each answered with its own ``size`` bytes."""
    return {f"/{index}": (f"{index}:".encode() + bytes(range(256))) * (size // 258)
            for index in range(count)}


def test_concurrent_answers_on_many_connections_stay_apart():
    # Every connection reads into one shared receive buffer: eight answers of 1 MiB arriving
    # at once, each in many reads, must each come back whole and unmixed.
    bodies = distinct_bodies(8, 1 << 20)
    routes = {target: response(b"HTTP/1.1 200 OK", body) for target, body in bodies.items()}
    with ScriptedServer(serve_paths(routes)) as server:
        async def body(client):
            async def one(target):
                return target, (await fetch_all(client, server.port, target))[1]
            return dict(await asyncio.gather(*(one(target) for target in bodies)))

        got = with_client(body)
    assert got == bodies
    assert server.connections == 8


# TLS --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    cert, key = self_signed_certificate(tmp_path_factory.mktemp("tls"))
    return server_context(cert, key), str(cert)


def test_https_reuses_one_connection(certificate):
    server_context, cert = certificate
    with ScriptedServer(answer_each(OK, response(b"HTTP/1.1 200 OK", BIG)), tls=server_context) as server:
        async def body(client):
            first = await get(client, server.port, host="localhost", scheme="https")
            first_body = await read_all(first)
            second = await get(client, server.port, "/big", host="localhost", scheme="https")
            data, _ = await read_slowly(second)
            return (first.status, first_body), (second.status, data == BIG)

        trusted = ssl.create_default_context(cafile=cert)
        assert with_client(body, ssl_context=trusted) == ((200, b"ok"), (200, True))
    assert server.connections == 1
    assert server.requests[0].headers[0] == ("Host", f"localhost:{server.port}")


def test_https_answers_on_many_connections_stay_apart(certificate):
    server_context, cert = certificate
    bodies = distinct_bodies(4, 512 * 1024)
    routes = {target: response(b"HTTP/1.1 200 OK", body) for target, body in bodies.items()}
    with ScriptedServer(serve_paths(routes), tls=server_context) as server:
        async def body(client):
            async def one(target):
                answer = await get(client, server.port, target, host="localhost", scheme="https")
                return target, await read_all(answer)
            return dict(await asyncio.gather(*(one(target) for target in bodies)))

        got = with_client(body, ssl_context=ssl.create_default_context(cafile=cert))
    assert got == bodies


def test_https_rejects_an_untrusted_certificate(certificate):
    server_context, _ = certificate
    with ScriptedServer(answer_each(OK), tls=server_context) as server:
        async def body(client):
            with pytest.raises(ssl.SSLError) as caught:
                await get(client, server.port, host="localhost", scheme="https")
            return caught.value

        error = with_client(body)
    assert isinstance(error, ssl.SSLCertVerificationError)
    assert isinstance(error, OSError)
    assert server.requests == []
