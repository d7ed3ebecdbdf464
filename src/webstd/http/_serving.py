"""The connection engine of webstd's HTTP servers: between requests, connections wait in the loop.

Theory of operation. The server's loop (serve_forever or handle_request) waits on the listening
socket and on every *parked* connection: one that has no complete request head yet. When a parked
connection is readable the loop reads what is there without blocking and feeds it to the
connection's :class:`~webstd.protocol.parser.RequestParser`. Only when the parser returns a whole
request head (or a protocol error to answer) is the connection *dispatched*: handed to
``process_request``, which runs the request handler inline (HTTPServer) or on a worker thread
(ThreadingHTTPServer). So an idle keep-alive connection, or a client trickling its head, holds no
thread and never blocks the single-threaded server. When the handler is done with the requests that
arrived, it leaves the connection to the loop (``Connection.keep``) and ``shutdown_request`` parks
it again instead of closing it.

Deadlines: a parked connection with nothing buffered is closed after ``keep_alive_timeout``; once a
head has started it must be complete within ``header_timeout`` or it is answered 408.

This module owns parking, deadlines and dispatch. It does not parse (webstd.protocol does) and does
not know the handler API (webstd.http._handler drives the connection it is given).
"""

from __future__ import annotations

import queue
import selectors
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from webstd.protocol.errors import RemoteProtocolError
from webstd.protocol.events import NEED_DATA, Request
from webstd.protocol.limits import DEFAULT_LIMITS, Limits
from webstd.protocol.parser import RequestParser

# How often parked connections are checked against their deadlines, in seconds.
_SWEEP_INTERVAL = 0.25
# Connections accepted per wake-up of the listening socket, so a burst is taken at once.
_ACCEPT_BATCH = 64
RECEIVE_SIZE = 65536


class HeadTimeout(RemoteProtocolError):
    """The client did not send a complete request head in time (RFC 9110 section 15.5.9)."""

    status_code = 408


class Connection:
    """One client connection's HTTP state, kept from one request to the next."""

    __slots__ = (
        "sock", "client_address", "parser", "request", "error", "deadline", "head_started", "keep",
        "registered",
    )

    def __init__(self, sock: socket.socket, client_address: Any, limits: Limits) -> None:
        self.sock = sock
        self.client_address = client_address
        self.parser = RequestParser(limits)
        #: A complete request head waiting for its handler, or the error to answer instead.
        self.request: Request | None = None
        self.error: RemoteProtocolError | None = None
        self.deadline = 0.0
        self.head_started = False
        #: Set by the handler: the connection goes back to the loop instead of being closed.
        self.keep = False
        #: Whether the socket is registered with the loop's selector right now.
        self.registered = False

    def take_next(self) -> bool:
        """Takes the next request head (or error) from what is buffered; False if bytes are missing."""
        try:
            event = self.parser.next_event()
        except RemoteProtocolError as error:
            self.error = error
            return True
        if type(event) is Request:
            self.request = event
            return True
        if event is NEED_DATA:
            return False
        # CONNECTION_CLOSED, or PAUSED after a tunnel request: nothing more to serve here.
        self.parser.feed_eof()
        return False

    def receive(self) -> bytes:
        return self.sock.recv(RECEIVE_SIZE)


class ConnectionParking:
    """Mixin for a TCPServer whose handler speaks HTTP through webstd.http._handler."""

    #: Accept bursts of clients without refusing connections (the stdlib listens with 5).
    request_queue_size = 128
    #: Seconds an idle keep-alive connection is kept open.
    keep_alive_timeout = 5.0
    #: Seconds a client has to send a whole request head once it started one.
    header_timeout = 10.0
    limits: Limits = DEFAULT_LIMITS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._connections: dict[socket.socket, Connection] = {}
        self._parked: set[Connection] = set()
        self._returned: queue.SimpleQueue[Connection] = queue.SimpleQueue()
        self._loop_thread: int | None = None
        self._next_sweep = 0.0
        super().__init__(*args, **kwargs)

    def server_activate(self) -> None:
        super().server_activate()
        self.socket.setblocking(False)

    def socket_timeout(self) -> float | None:
        # The listening socket is non-blocking for the engine's sake, not a timeout of the user's.
        return None

    def connection_for(self, sock: socket.socket) -> Connection | None:
        """The engine's state for a dispatched socket (None for a socket it did not accept)."""
        return self._connections.get(sock)

    # Loop ---------------------------------------------------------------------------------------
    def _watch(self, selector: selectors.BaseSelector) -> None:
        super()._watch(selector)
        self._loop_thread = threading.get_ident()
        for connection in self._parked:
            selector.register(connection.sock, selectors.EVENT_READ, connection)
            connection.registered = True

    def _unwatch(self) -> None:
        self._loop_thread = None
        for connection in self._connections.values():
            connection.registered = False
        super()._unwatch()

    def _serve_step(self, selector: selectors.BaseSelector, timeout: float | None) -> bool:
        if self._parked and (timeout is None or timeout > _SWEEP_INTERVAL):
            timeout = _SWEEP_INTERVAL
        handled = False
        for key, _ in selector.select(timeout):
            data = key.data
            if type(data) is Connection:
                handled = self._readable(data) or handled
            elif data() is True:
                handled = True
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + _SWEEP_INTERVAL
            handled = self._sweep(now) or handled
        return handled

    def _handle_request_noblock(self) -> bool:
        """Accepts waiting connections and parks them until their first request head arrives."""
        for _ in range(_ACCEPT_BATCH):
            try:
                sock, client_address = self.get_request()
            except OSError:
                break
            if not self.verify_request(sock, client_address):
                self.shutdown_request(sock)
                continue
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
            sock.setblocking(False)
            connection = Connection(sock, client_address, self.limits)
            self._connections[sock] = connection
            connection.head_started = True
            connection.deadline = time.monotonic() + self.header_timeout
            self._park(connection)
        return False

    def _readable(self, connection: Connection) -> bool:
        try:
            data = connection.sock.recv(RECEIVE_SIZE)
        except BlockingIOError:
            return False
        except OSError:
            data = b""
        parser = connection.parser
        if data:
            parser.feed(data)
            if not connection.head_started:
                connection.head_started = True
                connection.deadline = time.monotonic() + self.header_timeout
        else:
            parser.feed_eof()
        if connection.take_next():
            self._dispatch(connection)
            return True
        if parser.eof:
            self._close(connection)
        return False

    def _sweep(self, now: float) -> bool:
        handled = False
        for connection in [c for c in self._parked if c.deadline <= now]:
            if connection.parser.in_message:
                connection.error = HeadTimeout("request head not received in time")
                self._dispatch(connection)
                handled = True
            else:
                self._close(connection)
        return handled

    def _park(self, connection: Connection) -> None:
        self._parked.add(connection)
        selector = self._selector
        if selector is not None and not connection.registered:
            selector.register(connection.sock, selectors.EVENT_READ, connection)
            connection.registered = True

    def _unpark(self, connection: Connection) -> None:
        self._parked.discard(connection)
        self._unregister(connection)

    def _unregister(self, connection: Connection) -> None:
        if connection.registered:
            connection.registered = False
            if self._selector is not None:
                try:
                    self._selector.unregister(connection.sock)
                except (KeyError, ValueError):
                    pass

    def _close(self, connection: Connection) -> None:
        self._unpark(connection)
        self._connections.pop(connection.sock, None)
        connection.sock.close()

    def _dispatch(self, connection: Connection) -> None:
        # The socket stays registered while the request is handled: a handler run inline (as
        # HTTPServer does) usually parks the connection again before process_request returns, and
        # then two selector calls per request are saved. No select happens until this returns.
        self._parked.discard(connection)
        sock = connection.sock
        try:
            self.process_request(sock, connection.client_address)
        except Exception:
            self.handle_error(sock, connection.client_address)
            connection.keep = False
            self.shutdown_request(sock)
        except BaseException:
            connection.keep = False
            self.shutdown_request(sock)
            raise
        finally:
            if connection not in self._parked:
                # Closed, or in another thread's hands: the loop must not watch it meanwhile
                # (a readable socket would wake the loop again and again).
                self._unregister(connection)

    def _drain_wakeups(self) -> bool:
        super()._drain_wakeups()
        while True:
            try:
                connection = self._returned.get_nowait()
            except queue.Empty:
                return False
            self._park(connection)

    # Back from the handler ---------------------------------------------------------------------
    def shutdown_request(self, request: socket.socket) -> None:
        connection = self._connections.get(request)
        if connection is None or not connection.keep:
            self._connections.pop(request, None)
            super().shutdown_request(request)
            return
        connection.keep = False
        connection.head_started = False
        try:
            request.setblocking(False)
        except OSError:
            self._connections.pop(request, None)
            request.close()
            return
        connection.deadline = time.monotonic() + self.keep_alive_timeout
        if self._loop_thread == threading.get_ident() or self._selector is None:
            self._park(connection)
        else:
            self._returned.put(connection)
            self._wake()

    def server_close(self) -> None:
        for connection in list(self._parked):
            self._close(connection)
        super().server_close()


def serve_until_stopped(
    server: Any, poll_interval: float = 0.5, on_ready: Callable[[], object] | None = None
) -> None:
    """Runs ``server.serve_forever`` until SIGINT or SIGTERM, then returns normally.

    For command-line entry points: Ctrl-C and ``kill`` end the server without a traceback.
    ``on_ready`` (say, printing the start-up line) runs once the signal handlers are in place, so
    whoever waits for it may stop the server at once. Must be called from the main thread.
    """

    def stop(signum: int, frame: object) -> None:
        server._shutdown_requested = True
        server._wake()

    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        if on_ready is not None:
            on_ready()
        server.serve_forever(poll_interval)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
