"""The HTTP client ``webstd images`` downloads with: asyncio, pooled keep-alive, webstd.protocol.

Why not webstd.urllib.request on a thread pool, as this tool first did: a download is mostly
waiting, and Python threads that wait on sockets pass the GIL back and forth for every read, which
on a small machine costs more than the transfer itself (eight threads were no faster than one).
One event loop thread with ``--jobs`` connections waits for all of them at once and never hands
the GIL over. The bytes are still parsed by webstd.protocol's ResponseParser, the one HTTP engine;
this module only moves them between sockets and the parser.

:class:`Client` keeps idle connections per (scheme, host, port) and reuses them; a request whose
reused connection turns out to be closed by the server before any byte of an answer came back
is sent again once on a new connection (only GET and HEAD are sent here, both idempotent:
RFC 9110 section 9.2.2). :class:`Response` hands out the body chunk by chunk; a response not
read to its end closes its connection instead of returning it to the pool. A connection that
receives nothing for ``timeout`` seconds while a request is outstanding fails with TimeoutError
(checked every quarter of the timeout, at most every second).
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from typing import Any

from webstd.http._client_response import CLIENT_LIMITS
from webstd.protocol import (
    NEED_DATA,
    Data,
    EndOfMessage,
    InformationalResponse,
    RemoteProtocolError,
    ResponseParser,
)
from webstd.protocol import Response as ResponseHead

RECEIVE_BUFFER = 256 * 1024
# Reading stops while this much body is waiting for the consumer, and starts again below half.
HIGH_WATER = 1024 * 1024
# An unread body up to this size is read and dropped to keep the connection; a larger one closes it.
DISCARD_LIMIT = 64 * 1024

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(scheme: str, host: str, port: int | None) -> tuple[str, str, int]:
    """The key of a server's connections in the pool: (scheme, lower-case host, port)."""
    return scheme, host.lower(), port or DEFAULT_PORTS[scheme]


class ConnectionClosed(ConnectionError):
    """The server closed the connection before the whole answer arrived."""


def default_ssl_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.set_alpn_protocols(["http/1.1"])
    return context


class _Connection(asyncio.BufferedProtocol):
    """One connection, one request at a time; the parser's events wait here for the consumer."""

    def __init__(self, client: Client, key: tuple[str, str, int]) -> None:
        self.client = client
        self.key = key
        self.loop = client.loop
        self.parser = ResponseParser(CLIENT_LIMITS)
        self.view = client.receive_buffer
        self.transport: Any = None
        self.closed = False
        self.busy = False
        self.paused = False
        self.received = False
        self.head: ResponseHead | None = None
        self.finished = False
        self.error: BaseException | None = None
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.waiter: asyncio.Future[None] | None = None
        self.last_activity = 0.0

    # asyncio.BufferedProtocol

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.view

    def buffer_updated(self, nbytes: int) -> None:
        if not self.busy:
            # Bytes nobody asked for: the connection is out of step; never reuse it.
            self.abort()
            return
        self.received = True
        self.last_activity = self.loop.time()
        self.parser.feed(self.view[:nbytes])
        self._pump()

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.client._forget(self)
        if self.busy and not self.finished and self.error is None:
            self.parser.feed_eof()
            self._pump()
            if not self.finished and self.error is None:
                self._fail(ConnectionClosed("the server closed the connection before the answer"))
        self._wake()

    # the parser

    def _pump(self) -> None:
        parser = self.parser
        while not self.finished:
            try:
                event = parser.next_event()
            except RemoteProtocolError as error:
                self._fail(error)
                self.abort()
                return
            kind = type(event)
            if kind is Data:
                data = event.data  # type: ignore[union-attr]
                self.chunks.append(data)
                self.buffered += len(data)
            elif kind is ResponseHead:
                self.head = event  # type: ignore[assignment]
            elif kind is EndOfMessage:
                self.finished = True
            elif kind is InformationalResponse:
                continue
            elif event is NEED_DATA:
                break
            else:  # PAUSED (a 101 we never asked for) or CONNECTION_CLOSED
                self._fail(ConnectionClosed("the server ended the exchange without an answer"))
                self.abort()
                return
        if self.buffered >= HIGH_WATER and not self.paused and not self.closed:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def _fail(self, error: BaseException) -> None:
        if self.error is None:
            self.error = error
        self._wake()

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _wait(self) -> None:
        self.waiter = self.loop.create_future()
        try:
            await self.waiter
        finally:
            self.waiter = None

    def waiting_for_server(self) -> bool:
        """True while the server owes bytes and the consumer is not the one holding them up."""
        return self.busy and not self.finished and not self.paused and not self.closed

    # what Client and Response call

    async def exchange(self, head: bytes, method: str) -> ResponseHead:
        self.busy = True
        self.received = False
        self.head = None
        self.finished = False
        self.error = None
        self.parser.expect(method)
        self.transport.write(head)
        self.last_activity = self.loop.time()
        self.client._watch()
        while self.head is None:
            if self.error is not None:
                raise self.error
            if self.closed:
                raise ConnectionClosed("the connection is closed")
            await self._wait()
        return self.head

    async def next_chunk(self) -> bytes:
        while True:
            if self.chunks:
                chunk = self.chunks.popleft()
                self.buffered -= len(chunk)
                if self.paused and self.buffered < HIGH_WATER // 2 and not self.closed:
                    self.paused = False
                    self.last_activity = self.loop.time()
                    self.transport.resume_reading()
                return chunk
            if self.finished:
                return b""
            if self.error is not None:
                raise self.error
            await self._wait()

    def release(self) -> None:
        """The consumer is done: back to the pool when the answer was read whole, else closed."""
        if not self.busy:
            return
        self.busy = False
        head = self.head
        if (self.finished and not self.chunks and self.error is None and not self.closed
                and head is not None and head.keep_alive and not self.parser.in_message):
            self.client._put(self)
        else:
            self.chunks.clear()
            self.buffered = 0
            self.abort()

    def abort(self) -> None:
        """Closes the connection at once. Body bytes already parsed stay readable: after a
        truncated body the consumer still gets every byte that came, then the error."""
        if not self.closed:
            self.closed = True
            self.client._forget(self)
            if self.transport is not None:
                self.transport.abort()


class Response:
    """An answer whose head has arrived: ``status``, ``reason``, ``headers`` (webstd.protocol
    Headers), ``url``; the body comes from :meth:`next_chunk` (b"" at its end)."""

    def __init__(self, connection: _Connection, head: ResponseHead, url: str) -> None:
        self._connection: _Connection | None = connection
        self.status = head.status
        self.reason = head.reason
        self.headers = head.headers
        self.url = url

    async def next_chunk(self) -> bytes:
        connection = self._connection
        if connection is None:
            return b""
        chunk = await connection.next_chunk()
        if not chunk:
            self.close()
        return chunk

    async def read(self, limit: int) -> bytes:
        """At most ``limit`` bytes of the body (the rest, if any, is not read)."""
        parts, size = [], 0
        while size < limit and (chunk := await self.next_chunk()):
            parts.append(chunk)
            size += len(chunk)
        self.close()
        return b"".join(parts)[:limit]

    async def discard(self) -> None:
        """Reads and drops a small body so the connection can be reused; closes a large one."""
        connection = self._connection
        if connection is not None and connection.head is not None:
            length = connection.head.content_length
            if length is not None and length <= DISCARD_LIMIT:
                try:
                    while await self.next_chunk():
                        pass
                except (OSError, RemoteProtocolError):
                    pass
        self.close()

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.release()


class Client:
    """Pooled HTTP/1.1 connections for one event loop; ``timeout`` bounds connecting and every
    wait for the server."""

    def __init__(self, *, timeout: float, ssl_context: ssl.SSLContext | None = None) -> None:
        self.timeout = timeout
        self.loop = asyncio.get_running_loop()
        self._ssl_context = ssl_context
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._all: set[_Connection] = set()
        # One watchdog for every connection, instead of a timer armed and cancelled per request:
        # it looks at each busy connection's last activity every quarter of the timeout.
        self._watchdog: asyncio.TimerHandle | None = None
        self._tick = min(timeout / 4, 1.0)
        # Shared by every connection: the transport calls get_buffer, fills it and calls
        # buffer_updated in one go (TLS included), and the parser copies what it is fed, so no
        # two connections ever hold it at once. One buffer also spares each new connection the
        # page faults of a fresh 256 KiB.
        self.receive_buffer = memoryview(bytearray(RECEIVE_BUFFER))

    async def request(self, method: str, key: tuple[str, str, int], head: bytes, url: str) -> Response:
        """Sends the request ``head`` (from webstd.protocol's request_head or RequestTemplate,
        Host included by the caller; ``method`` is its method) to the server ``key`` (see
        :func:`origin`) and returns once the answer's head arrived. Raises OSError (TimeoutError,
        ConnectionError ...) or webstd.protocol.RemoteProtocolError."""
        while True:
            connection = self._take(key)
            reused = connection is not None
            if connection is None:
                connection = await self._connect(key)
            try:
                response_head = await connection.exchange(head, method)
            except (ConnectionError, RemoteProtocolError):
                # A kept-alive connection the server had closed: nothing came back, send again.
                if reused and not connection.received:
                    connection.abort()
                    continue
                connection.abort()
                raise
            except BaseException:
                connection.abort()
                raise
            return Response(connection, response_head, url)

    def _watch(self) -> None:
        if self._watchdog is None:
            self._watchdog = self.loop.call_later(self._tick, self._check_timeouts)

    def _check_timeouts(self) -> None:
        self._watchdog = None
        now = self.loop.time()
        busy = False
        for connection in list(self._all):
            if connection.waiting_for_server() and now - connection.last_activity >= self.timeout:
                connection._fail(TimeoutError("timed out"))
                connection.abort()
            busy = busy or connection.busy
        if busy:
            self._watch()

    def _take(self, key: tuple[str, str, int]) -> _Connection | None:
        idle = self._idle.get(key)
        while idle:
            connection = idle.pop()
            if not connection.closed:
                return connection
        return None

    def _put(self, connection: _Connection) -> None:
        self._idle.setdefault(connection.key, []).append(connection)

    def _forget(self, connection: _Connection) -> None:
        self._all.discard(connection)
        idle = self._idle.get(connection.key)
        if idle and connection in idle:
            idle.remove(connection)

    async def _connect(self, key: tuple[str, str, int]) -> _Connection:
        scheme, host, port = key
        context = None
        if scheme == "https":
            if self._ssl_context is None:
                self._ssl_context = default_ssl_context()
            context = self._ssl_context
        _, connection = await asyncio.wait_for(
            self.loop.create_connection(lambda: _Connection(self, key), host.strip("[]"), port,
                                        ssl=context, server_hostname=host.strip("[]") if context else None),
            self.timeout)
        self._all.add(connection)
        return connection

    def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        for connection in list(self._all):
            connection.abort()
        self._idle.clear()
