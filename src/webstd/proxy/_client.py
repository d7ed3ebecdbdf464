"""One client connection: requests read through webstd.protocol, forwarded, answered in order.

Theory of operation. A connection is READING (parsing a request), WAITING (the request is complete
and its response is being relayed; later pipelined bytes are only buffered), in a TUNNEL after a
CONNECT, or DRAINING (an error was answered and the connection is closing). Every byte from the
client goes through a RequestParser and every byte from the origin through a ResponseParser, and
what is forwarded is re-serialized from their events: a message whose framing is ambiguous is
rejected (400 to the client, 502 for an origin), never passed on for a lenient peer to misread.
A request body up to ``request_buffer`` bytes is received whole before the origin gets its first
byte. Timeouts are deadlines checked by the server's sweep, not one timer per request.
"""

from __future__ import annotations

import asyncio
import socket
from typing import TYPE_CHECKING, Any

from webstd.protocol import (
    CONNECTION_CLOSED,
    NEED_DATA,
    BodyKind,
    Data,
    EndOfMessage,
    InformationalResponse,
    ProtocolError,
    Request,
    RequestParser,
    Response,
    chunk,
    last_chunk,
    request_head,
    response_head,
)
from webstd.proxy import _access as access
from webstd.proxy._auth import CHALLENGE
from webstd.proxy._rewrite import (
    BadTarget,
    connect_destination,
    http_destination,
    request_fields,
    response_fields,
    trailer_fields,
)
from webstd.proxy._tunnel import Tunnel
from webstd.proxy._upstream import Upstream

if TYPE_CHECKING:
    from webstd.proxy._server import ProxyServer

READING, WAITING, TUNNEL, DRAINING, CLOSED = range(5)

REASONS = {
    200: "OK", 400: "Bad Request", 403: "Forbidden", 407: "Proxy Authentication Required",
    408: "Request Timeout", 413: "Content Too Large", 414: "URI Too Long",
    431: "Request Header Fields Too Large", 501: "Not Implemented", 502: "Bad Gateway",
    504: "Gateway Timeout", 505: "HTTP Version Not Supported",
}
#: RFC 9110 section 9.2.2: the methods a request may be automatically retried with.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
_LINGER = 2.0  # seconds a closing connection keeps reading, so the client sees our answer


class _Exchange:
    """One request and its response."""

    __slots__ = ("request", "line", "user", "head", "body", "body_size", "body_done", "trailers",
                 "streaming", "sent_head", "sent_all", "replay", "upstream", "received",
                 "response", "chunked_out", "close_after", "bytes_out", "rejected", "method")

    def __init__(self, request: Request) -> None:
        self.request = request
        self.method = request.method
        self.line = f"{request.method} {request.target} {request.version}"
        self.user: str | None = None
        self.head = b""
        self.body: list[bytes] = []
        self.body_size = 0
        self.body_done = False
        self.trailers: Any = ()
        self.streaming = request.expect_continue
        self.sent_head = False
        self.sent_all = False
        self.replay: bytes | None = None
        self.upstream: Upstream | None = None
        self.received = False
        self.response: Response | None = None
        self.chunked_out = False
        self.close_after = False
        self.bytes_out = 0
        self.rejected = False


class ClientConnection(asyncio.Protocol):
    def __init__(self, server: ProxyServer) -> None:
        self.server = server
        self.config = server.config
        self.loop = server.loop
        self.transport: Any = None
        self.peer = "-"
        self.parser = RequestParser(self.config.limits, strict=True)
        self.state = READING
        self.deadline = self.loop.time() + self.config.client_timeout
        self.exchange: _Exchange | None = None
        self.tunnel: Tunnel | None = None
        self.client_eof = False
        self._pauses: set[str] = set()
        self._buffered = 0

    # asyncio callbacks ------------------------------------------------------------------------
    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = peer[0] if peer else "-"
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.connections.add(self)

    def data_received(self, data: bytes) -> None:
        state = self.state
        if state == TUNNEL:
            self.tunnel.client_data(data)
        elif state == READING:
            self.parser.feed(data)
            if self.exchange is not None:
                self.deadline = self.loop.time() + self.config.client_timeout
            self._process()
        elif state == WAITING:
            self.parser.feed(data)
            self._buffered += len(data)
            if self._buffered > self.config.request_buffer:
                self._pause("waiting")

    def eof_received(self) -> bool:
        if self.state == TUNNEL:
            return self.tunnel.client_eof()
        if self.state == DRAINING:
            return False
        self.client_eof = True
        self.parser.feed_eof()
        if self.state == READING:
            self._process()
        return self.state != CLOSED

    def connection_lost(self, exc: Exception | None) -> None:
        self.state = CLOSED
        self.server.connections.discard(self)
        if self.tunnel is not None:
            self.tunnel.close()
        exchange, self.exchange = self.exchange, None
        if exchange is not None and exchange.upstream is not None:
            exchange.upstream.close()

    def pause_writing(self) -> None:
        if self.tunnel is not None:
            self.tunnel.client_pause()
        elif self.exchange is not None and self.exchange.upstream is not None:
            self.exchange.upstream.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.tunnel is not None:
            self.tunnel.client_resume()
        elif self.exchange is not None and self.exchange.upstream is not None:
            self.exchange.upstream.transport.resume_reading()

    # Reading requests -------------------------------------------------------------------------
    def _process(self) -> None:
        parser = self.parser
        while self.state == READING:
            try:
                event = parser.next_event()
            except ProtocolError as error:
                self._reply_error(error.status_code or 400, str(error))
                return
            kind = type(event)
            if kind is Data:
                self._request_data(event.data)
            elif kind is Request:
                self._request(event)
            elif kind is EndOfMessage:
                self._request_end(event)
            elif event is NEED_DATA:
                return
            elif event is CONNECTION_CLOSED:
                self._close()
                return

    def _request(self, request: Request) -> None:
        exchange = self.exchange = _Exchange(request)
        self.deadline = self.loop.time() + self.config.client_timeout
        config = self.config
        try:
            if self.server.credentials is not None:
                exchange.user = self.server.credentials.check(
                    request.headers.get_all("proxy-authorization")
                )
                if exchange.user is None:
                    self._reply_error(407, "proxy authentication required",
                                      [("Proxy-Authenticate", CHALLENGE)])
                    return
            if request.method == "CONNECT":
                destination = connect_destination(request.target)
                if request.body_kind is not BodyKind.NONE:
                    raise BadTarget("a CONNECT request has no body")
                access.check_host(destination.host, config)
                access.check_connect_port(destination.port, config)
                address = access.allowed_literal(destination.host, config)
                self.loop.create_task(self._open_tunnel(exchange, destination, address))
                return
            destination = http_destination(request.target)
            access.check_host(destination.host, config)
            address = access.allowed_literal(destination.host, config)
        except BadTarget as error:
            self._reply_error(400, str(error))
            return
        except access.Refused as error:
            self._reply_error(error.status_code, str(error))
            return
        fields = request_fields(
            request.headers, destination, request.body_kind, request.content_length,
            f"{request.http_version} {config.pseudonym}",
        )
        exchange.head = request_head(request.method, destination.origin_form, fields)
        exchange.trailers = ()
        upstream = None
        if address is not None:
            upstream = self.server.pool.take((address, destination.port))
        if upstream is not None:
            upstream.owner = self
            exchange.upstream = upstream
            if exchange.streaming:
                self._flush_request()
        else:
            if exchange.streaming:
                self._pause("connect")
            self.loop.create_task(self._connect(exchange, destination.host, destination.port))

    def _request_data(self, data: bytes) -> None:
        exchange = self.exchange
        if exchange.rejected:
            return
        exchange.body.append(data)
        exchange.body_size += len(data)
        if exchange.body_size > self.config.request_buffer:
            exchange.streaming = True
        if exchange.streaming:
            if exchange.upstream is not None:
                self._flush_request()
            else:
                self._pause("connect")

    def _request_end(self, end: EndOfMessage) -> None:
        exchange = self.exchange
        if exchange.rejected:
            self.exchange = None
            return
        exchange.body_done = True
        exchange.trailers = end.trailers
        self.state = WAITING
        self._buffered = 0
        if exchange.upstream is not None and exchange.method != "CONNECT":
            self._flush_request()

    def _flush_request(self) -> None:
        """Sends what the origin may have now: the head, the body received, the last chunk."""
        exchange = self.exchange
        request = exchange.request
        chunked = request.body_kind is BodyKind.CHUNKED
        pieces = []
        whole = not exchange.sent_head and exchange.body_done
        if not exchange.sent_head:
            exchange.sent_head = True
            exchange.upstream.parser.expect(exchange.method)
            pieces.append(exchange.head)
        for data in exchange.body:
            pieces.append(chunk(data) if chunked else data)
        exchange.body = []
        if exchange.body_done:
            if chunked:
                pieces.append(last_chunk(trailer_fields(exchange.trailers)))
            exchange.sent_all = True
            self.deadline = self.loop.time() + self.config.response_timeout
        payload = b"".join(pieces)
        if whole:
            exchange.replay = payload
        exchange.upstream.transport.write(payload)

    async def _reach(self, exchange: _Exchange, host: str, port: int,
                     address: str | None) -> Upstream | None:
        """A new connection to ``host:port`` (at ``address`` if already resolved), or None once
        the failure has been answered to the client."""
        try:
            addresses = [address] if address else await access.resolve(host, port, self.config)
            return await self.server.pool.connect(addresses, port, self)
        except access.Refused as error:
            self._fail_exchange(exchange, error.status_code, str(error))
        except TimeoutError:
            self._fail_exchange(exchange, 504, f"{host}:{port} did not accept a connection in time")
        except (OSError, access.Unreachable) as error:
            self._fail_exchange(exchange, 502, f"cannot reach {host}:{port}: {error}")
        return None

    async def _connect(self, exchange: _Exchange, host: str, port: int) -> None:
        upstream = await self._reach(exchange, host, port, None)
        if upstream is None:
            return
        if self.exchange is not exchange or self.state in (CLOSED, DRAINING):
            upstream.close()
            return
        exchange.upstream = upstream
        self._resume("connect")
        if exchange.streaming or exchange.body_done:
            self._flush_request()

    def _fail_exchange(self, exchange: _Exchange, status: int, message: str) -> None:
        if self.exchange is exchange and self.state in (READING, WAITING):
            self._reply_error(status, message)

    # Relaying responses (the Owner interface of Upstream) ---------------------------------------
    def upstream_data(self, data: bytes) -> None:
        exchange = self.exchange
        exchange.received = True
        exchange.upstream.parser.feed(data)
        self._pump_response()

    def upstream_eof(self) -> bool:
        exchange = self.exchange
        if exchange is not None and exchange.upstream is not None:
            if not exchange.received:
                # Closed before a byte of the answer: the same as a reset (the origin's FIN
                # usually arrives before the reset its kernel sends for our request).
                self.upstream_lost()
                return False
            exchange.upstream.parser.feed_eof()
            self._pump_response()
        return False

    def upstream_lost(self) -> None:
        exchange = self.exchange
        if exchange is None or exchange.upstream is None:
            return
        upstream, exchange.upstream = exchange.upstream, None
        upstream.close()
        if exchange.response is not None:
            self._abort()
        elif (upstream.reused and not exchange.received and exchange.replay is not None
              and exchange.method in IDEMPOTENT):
            # A pooled connection the origin closed just as we reused it (RFC 9112 section
            # 9.3.1): nothing was answered and the request is idempotent and replayable, so try
            # a new one (a proxy must not retry other methods, section 9.3.1.1).
            exchange.sent_head = False
            self.loop.create_task(self._retry(exchange, upstream.key))
        else:
            self._reply_error(502, "the origin closed the connection without answering")

    async def _retry(self, exchange: _Exchange, key: tuple[str, int]) -> None:
        try:
            upstream = await self.server.pool.connect([key[0]], key[1], self)
        except TimeoutError:
            self._fail_exchange(exchange, 504, "the origin did not accept a connection in time")
            return
        except OSError as error:
            self._fail_exchange(exchange, 502, f"cannot reach the origin: {error}")
            return
        if self.exchange is not exchange or self.state != WAITING:
            upstream.close()
            return
        exchange.upstream = upstream
        exchange.sent_head = True
        upstream.parser.expect(exchange.method)
        upstream.transport.write(exchange.replay)

    def upstream_pause(self) -> None:
        self._pause("upstream")

    def upstream_resume(self) -> None:
        self._resume("upstream")

    def _pump_response(self) -> None:
        exchange = self.exchange
        parser = exchange.upstream.parser
        write = self.transport.write
        while True:
            try:
                event = parser.next_event()
            except ProtocolError as error:
                self._bad_gateway(f"invalid response from the origin: {error}")
                return
            kind = type(event)
            if kind is Data:
                data = event.data
                exchange.bytes_out += len(data)
                write(chunk(data) if exchange.chunked_out else data)
            elif kind is Response:
                if event.status == 101:
                    self._bad_gateway("the origin switched protocols without being asked")
                    return
                self._response_head(exchange, event)
            elif kind is EndOfMessage:
                self._response_end(exchange, event)
                return
            elif kind is InformationalResponse:
                # RFC 9110 section 15.2: forward 1xx, except to an HTTP/1.0 client.
                if exchange.request.http_version == "1.1":
                    fields = response_fields(event.headers, BodyKind.NONE, None, False, False,
                                             f"{event.http_version} {self.config.pseudonym}")
                    write(response_head(event.status, event.reason, fields))
            elif event is NEED_DATA:
                self.deadline = self.loop.time() + self.config.response_timeout
                return
            else:
                self._bad_gateway("the origin closed the connection without answering")
                return

    def _response_head(self, exchange: _Exchange, response: Response) -> None:
        exchange.response = response
        request = exchange.request
        close = not request.keep_alive or self.client_eof or not exchange.body_done
        chunked = False
        if response.body_kind in (BodyKind.CHUNKED, BodyKind.UNTIL_CLOSE):
            if request.http_version == "1.1":
                chunked = True
            else:
                close = True
        exchange.chunked_out = chunked
        exchange.close_after = close
        fields = response_fields(
            response.headers, response.body_kind, response.content_length, chunked, close,
            f"{response.http_version} {self.config.pseudonym}",
        )
        self.transport.write(response_head(response.status, response.reason, fields))

    def _response_end(self, exchange: _Exchange, end: EndOfMessage) -> None:
        if exchange.chunked_out:
            self.transport.write(last_chunk(trailer_fields(end.trailers)))
        self.server.log.record(self.peer, exchange.user, exchange.line,
                               exchange.response.status, exchange.bytes_out)
        upstream, exchange.upstream = exchange.upstream, None
        parser = upstream.parser
        if exchange.response.keep_alive and exchange.sent_all and not parser.in_message and not parser.eof:
            self.server.pool.put(upstream, self.loop.time())
        else:
            upstream.close()
        self.exchange = None
        if exchange.close_after:
            self._close()
            return
        self.state = READING
        self.deadline = self.loop.time() + self.config.client_timeout
        self._resume("waiting")
        self._process()

    # Tunnels ----------------------------------------------------------------------------------
    async def _open_tunnel(self, exchange: _Exchange, destination: Any, address: str | None) -> None:
        upstream = await self._reach(exchange, destination.host, destination.port, address)
        if upstream is None:
            return
        if self.state != WAITING or self.exchange is not exchange:
            upstream.close()
            return
        self.exchange = None
        self.transport.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        tunnel = self.tunnel = Tunnel(self.transport, upstream, self._tunnel_closed)
        self.state = TUNNEL
        self._tunnel_line = (exchange.user, exchange.line)
        self._resume("waiting")
        early = self.parser.trailing_data
        if early:
            tunnel.client_data(early)
        if self.client_eof:
            tunnel.client_eof()

    def _tunnel_closed(self, tunnel: Tunnel) -> None:
        user, line = self._tunnel_line
        self.server.log.record(self.peer, user, line, 200, tunnel.down, (tunnel.up, tunnel.down))

    # Timeouts ---------------------------------------------------------------------------------
    def check_deadline(self, now: float) -> None:
        """Called by the server's sweep."""
        if self.state == TUNNEL:
            if self.tunnel.touched:
                self.tunnel.touched = False
                self.deadline = now + self.config.tunnel_timeout
            elif now >= self.deadline:
                self.tunnel.close()
            return
        if now < self.deadline:
            return
        exchange = self.exchange
        if self.state == DRAINING:
            self.transport.abort()
        elif self.state == READING:
            if exchange is None and not self.parser.in_message:
                self._close()
            else:
                self._reply_error(408, "the request was not received in time")
        elif exchange is not None and exchange.response is None:
            if exchange.upstream is not None:
                exchange.upstream.close()
                exchange.upstream = None
            self._reply_error(504, "the origin did not answer in time")
        else:
            self._abort()

    # Answers and closing ------------------------------------------------------------------------
    def _reply_error(self, status: int, message: str, extra: list[tuple[str, str]] = ()) -> None:
        exchange = self.exchange
        reason = REASONS.get(status, "Error")
        body = f"{status} {reason}: {message}\n".encode("utf-8", "replace")
        keep = (
            exchange is not None
            and exchange.request.body_kind is BodyKind.NONE
            and exchange.request.keep_alive
            and exchange.request.method != "CONNECT"
            and self.state == READING
            and not self.client_eof
        )
        fields = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
                  *extra]
        if not keep:
            fields.append(("Connection", "close"))
        self.transport.write(response_head(status, reason, fields) + body)
        line = exchange.line if exchange is not None else "-"
        self.server.log.record(self.peer, exchange.user if exchange else None, line, status, len(body))
        if keep:
            exchange.rejected = True
            return
        if exchange is not None and exchange.upstream is not None:
            exchange.upstream.close()
            exchange.upstream = None
        self.exchange = None
        self._close()

    def _bad_gateway(self, message: str) -> None:
        exchange = self.exchange
        if exchange.upstream is not None:
            exchange.upstream.close()
            exchange.upstream = None
        if exchange.response is None:
            self._reply_error(502, message)
        else:
            self._abort()

    def _close(self) -> None:
        """Lingering close: stop sending, keep reading (and discarding) briefly, then close."""
        if self.state in (CLOSED, DRAINING):
            return
        self.state = DRAINING
        self._pauses.clear()
        if self.transport.is_closing():
            return
        self.transport.resume_reading()
        if self.client_eof or not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()
        self.deadline = self.loop.time() + _LINGER

    def _abort(self) -> None:
        """A response cannot be completed: closing without its end tells the client so."""
        exchange, self.exchange = self.exchange, None
        if exchange is not None and exchange.upstream is not None:
            exchange.upstream.close()
        self.state = CLOSED
        self.transport.abort()

    def _pause(self, reason: str) -> None:
        if not self._pauses:
            self.transport.pause_reading()
        self._pauses.add(reason)

    def _resume(self, reason: str) -> None:
        if reason in self._pauses:
            self._pauses.discard(reason)
            if not self._pauses and self.state != CLOSED:
                self.transport.resume_reading()
