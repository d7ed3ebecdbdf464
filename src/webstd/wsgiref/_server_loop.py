"""The serving engine of one process: an event loop that reads requests, a pool that runs the app.

Theory of operation. One loop thread owns every connection that is not being answered: it
accepts, reads, and feeds the bytes to the protocol core's RequestParser until a request head is
complete, so slow and idle clients cost a parser and a socket, never a thread. A complete request
then goes one of two ways:

- *inline*: a request without a body, while no pool thread is busy, on a path not recently found
  slow (see ``INLINE_LIMIT``), runs in the loop thread. If the app returns a list, the status line,
  the fields and the body leave in one ``send``. This is the fast path for small responses; a
  watchdog hands the loop to a new thread if an inline call blocks (``TAKEOVER_AFTER``).
- *pool*: everything else is handed to a thread of the pool, which owns the connection until the
  response is complete (it reads the body through wsgi.input, blocks on sending, uses sendfile),
  answers any pipelined request already received, and gives the connection back to the loop.

Deadlines (``--timeout``) bound the head and the body; ``--keep-alive`` bounds idle connections.
This module knows nothing of processes or signals: the arbiter (webstd.wsgiref._workers) calls
:meth:`WorkerServer.shutdown`.
"""

from __future__ import annotations

import errno
import os
import queue
import selectors
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from webstd.protocol import (
    DEFAULT_LIMITS,
    NEED_DATA,
    BodyKind,
    BodyReader,
    EndOfMessage,
    RemoteProtocolError,
    Request,
    RequestParser,
)
from webstd.wsgiref._server_config import BindAddress, Config
from webstd.wsgiref._server_environ import EMPTY_INPUT, EnvironBuilder, InputStream
from webstd.wsgiref._server_log import AccessLog, ErrorLog
from webstd.wsgiref._server_response import ClientGone, Exchange, error_response

__all__ = ["Listener", "WorkerServer", "open_listener", "INLINE_LIMIT", "TAKEOVER_AFTER"]

#: An inline call that uses more CPU than this (seconds), or takes longer than INLINE_WALL_LIMIT,
#: sends its path to the pool from then on. CPU time is not inflated by preemption on a busy host.
INLINE_LIMIT = 0.002
INLINE_WALL_LIMIT = 0.02
#: An inline call still running after this (seconds) gets the loop handed to a new thread.
TAKEOVER_AFTER = 0.05
_WATCH_INTERVAL = 0.025
#: Seconds after which the paths found slow are forgotten.
_FORGET_SLOW_PATHS = 10.0
_MAX_SLOW_PATHS = 4096
_RECEIVE_SIZE = 65536
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_READ = selectors.EVENT_READ
#: When accept() fails for want of descriptors or memory the listening socket stays readable:
#: the listeners leave the selector for this long (or until a connection closes), and the
#: failure is logged once per _ACCEPT_LOG_INTERVAL.
_ACCEPT_BACKOFF = 0.25
_ACCEPT_LOG_INTERVAL = 10.0
_OUT_OF_RESOURCES = frozenset((errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM))
_WRITE = selectors.EVENT_WRITE


class Listener:
    """A listening socket and what every request it accepts shares (environ base, TLS)."""

    __slots__ = ("sock", "address", "builder", "tls", "unix")

    def __init__(self, sock: socket.socket, address: BindAddress, config: Config,
                 tls: ssl.SSLContext | None) -> None:
        self.sock = sock
        self.address = address
        self.tls = tls
        self.unix = address.unix_path is not None
        if self.unix:
            name, port = "localhost", ""
        else:
            name, port = address.host, str(sock.getsockname()[1])
        self.builder = EnvironBuilder(config, name, port, tls=tls is not None, unix=self.unix)


def open_listener(address: BindAddress, backlog: int) -> socket.socket:
    """Binds and listens; a stale Unix socket file left by a previous run is replaced."""
    if address.unix_path is not None:
        path = address.unix_path
        try:
            if os.path.exists(path) and (os.stat(path).st_mode & 0o170000) == 0o140000:
                os.unlink(path)
        except OSError:
            pass
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(path)
    else:
        family, kind, proto, _, sockaddr = socket.getaddrinfo(
            address.host, address.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(sockaddr)
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


class Connection:
    __slots__ = ("sock", "parser", "peer", "listener", "deadline", "head_started", "pending",
                 "close_after", "registered", "plain")

    def __init__(self, sock: socket.socket, peer: Any, listener: Listener, parser: RequestParser) -> None:
        self.sock = sock
        self.parser = parser
        self.peer = peer if type(peer) is tuple else None
        self.listener = listener
        self.deadline = 0.0
        self.head_started = 0.0
        #: Response bytes the loop could not send yet.
        self.pending: memoryview | None = None
        self.close_after = False
        self.registered = False
        self.plain = listener.tls is None


class _Pool:
    """A fixed set of threads that run tasks; ``busy`` counts tasks not finished."""

    def __init__(self, size: int, error_log: ErrorLog) -> None:
        self._tasks: queue.SimpleQueue[tuple[Callable[..., None], tuple] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._error_log = error_log
        self.busy = 0
        self._threads = [
            threading.Thread(target=self._work, name=f"webstd-wsgi-{index}", daemon=True)
            for index in range(size)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, function: Callable[..., None], *args: Any) -> None:
        with self._lock:
            self.busy += 1
        self._tasks.put((function, args))

    def _work(self) -> None:
        while True:
            task = self._tasks.get()
            if task is None:
                return
            function, args = task
            try:
                function(*args)
            except Exception as error:
                self._error_log("unexpected error in a server thread", error)
            finally:
                with self._lock:
                    self.busy -= 1

    def stop(self, wait: float | None) -> None:
        for _ in self._threads:
            self._tasks.put(None)
        if wait is not None:
            deadline = time.monotonic() + wait
            for thread in self._threads:
                thread.join(max(0.0, deadline - time.monotonic()))


class WorkerServer:
    """Serves ``application`` on ``listeners`` until :meth:`shutdown`."""

    def __init__(self, application: Callable[..., Any], listeners: list[Listener], config: Config,
                 error_log: ErrorLog | None = None) -> None:
        self.application = application
        self.config = config
        self.listeners = listeners
        self.error_log = error_log or ErrorLog()
        self.access_log = (
            AccessLog(config.access_logfile, config.access_logformat) if config.access_logfile else None
        )
        self._limits = replace(DEFAULT_LIMITS, max_body=config.max_body)
        self._selector = selectors.DefaultSelector()
        self._connections: dict[int, Connection] = {}
        self._returned: deque[Connection] = deque()
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)
        self._pool = _Pool(config.threads, self.error_log)
        self._slow_paths: set[str] = set()
        self._stopping = False
        self._stopped_listening = False
        self._stop_deadline = 0.0
        self._accept_paused_until = 0.0
        self._accept_logged = -_ACCEPT_LOG_INTERVAL
        self._descriptor_freed = False
        # The inline call in progress, for the watchdog; a takeover bumps the generation.
        self._generation = 0
        self._takeover_lock = threading.Lock()
        self._inline_since = 0.0
        self._inline_target = ""
        self._inline_connection: Connection | None = None
        self._stopped = threading.Event()
        self._software = config.server_software

    # Control ------------------------------------------------------------------------------
    def shutdown(self, graceful: bool = True) -> None:
        """Stops serving; thread-safe and safe in a signal handler. Graceful: stop accepting,
        close idle connections, let requests in flight finish within --graceful-timeout."""
        if not graceful:
            self._stop_deadline = 0.0
        elif not self._stopping:
            self._stop_deadline = time.monotonic() + self.config.graceful_timeout
        self._stopping = True
        self._wake()

    def wait_stopped(self, timeout: float | None = None) -> bool:
        return self._stopped.wait(timeout)

    def _wake(self) -> None:
        try:
            self._wake_writer.send(b"\0")
        except OSError:
            pass

    # The loop -----------------------------------------------------------------------------
    def serve_forever(self) -> None:
        selector = self._selector
        for listener in self.listeners:
            listener.sock.setblocking(False)
            selector.register(listener.sock, _READ, listener)
        selector.register(self._wake_reader, _READ, None)
        threading.Thread(target=self._watch_inline, name="webstd-wsgi-watchdog", daemon=True).start()
        self._lead()
        self._stopped.wait()

    def _lead(self) -> None:
        """The loop. It returns early, leaving the server to a new thread, if an inline call
        stalled it (see :meth:`_watch_inline`)."""
        generation = self._generation
        selector = self._selector
        next_sweep = time.monotonic() + 1.0
        next_forget = next_sweep + _FORGET_SLOW_PATHS
        try:
            while True:
                if self._stopping:
                    if not self._stopped_listening:
                        self._stop_listening()
                    if self._finished_stopping():
                        break
                timeout = 1.0
                if self._accept_paused_until:
                    timeout = max(0.0, min(timeout, self._accept_paused_until - time.monotonic()))
                for key, mask in selector.select(timeout):
                    data = key.data
                    if type(data) is Connection:
                        if mask & _WRITE:
                            self._flush(data)
                        else:
                            self._readable(data)
                    elif data is None:
                        self._take_returned()
                    else:
                        self._accept(data)
                    if generation != self._generation:
                        return
                now = time.monotonic()
                if self._accept_paused_until and (
                    self._descriptor_freed or now >= self._accept_paused_until
                ):
                    self._resume_accepting()
                if now >= next_sweep:
                    next_sweep = now + 1.0
                    self._sweep(now)
                    if now >= next_forget:
                        # A call may have looked slow only because the process was preempted:
                        # give every path another chance now and then.
                        next_forget = now + _FORGET_SLOW_PATHS
                        self._slow_paths.clear()
        finally:
            if generation == self._generation:
                self._close_everything()
                if self.access_log is not None:
                    self.access_log.close()
                self._stopped.set()

    def _watch_inline(self) -> None:
        """Hands the loop to a new thread when an inline call takes longer than TAKEOVER_AFTER.

        The stalled thread finishes its response as a pool thread would, then ends; the path is
        remembered as slow and goes to the pool from then on. So a handler that is usually fast
        but sometimes blocks (a lock, a slow query) stalls other clients for TAKEOVER_AFTER at most.
        """
        while not self._stopped.wait(_WATCH_INTERVAL):
            since = self._inline_since
            if not since or time.perf_counter() - since < TAKEOVER_AFTER:
                continue
            with self._takeover_lock:
                if self._inline_since != since:
                    continue
                self._generation += 1
                self._inline_since = 0.0
                self._mark_slow(self._inline_target)
                self._unregister(self._inline_connection)
            threading.Thread(target=self._lead, name="webstd-wsgi-loop", daemon=True).start()

    def _mark_slow(self, target: str) -> None:
        if len(self._slow_paths) < _MAX_SLOW_PATHS:
            self._slow_paths.add(target)

    def _stop_listening(self) -> None:
        self._stopped_listening = True
        self._accept_paused_until = 0.0
        for listener in self.listeners:
            try:
                self._selector.unregister(listener.sock)
            except (KeyError, ValueError):
                pass
            listener.sock.close()
        for connection in list(self._connections.values()):
            if connection.registered and not connection.parser.in_message and connection.pending is None:
                self._close(connection)

    def _finished_stopping(self) -> bool:
        if time.monotonic() >= self._stop_deadline:
            return True
        return not self._connections and not self._pool.busy

    def _close_everything(self) -> None:
        for connection in list(self._connections.values()):
            self._close(connection)
        self._pool.stop(None if self._stop_deadline == 0.0 else 0.1)
        self._selector.close()
        self._wake_reader.close()
        self._wake_writer.close()

    def _sweep(self, now: float) -> None:
        """Closes connections past their deadline: 408 for a head that is late (RFC 9110 15.5.9)."""
        for connection in list(self._connections.values()):
            if connection.registered and connection.deadline <= now:
                if connection.parser.in_message and connection.pending is None:
                    self._send_now(connection, error_response(408))
                self._close(connection)

    def _accept(self, listener: Listener) -> None:
        for _ in range(64):
            try:
                sock, peer = listener.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:
                if error.errno in _OUT_OF_RESOURCES:
                    self._pause_accepting(error)
                    return
                self.error_log(f"accept() failed: {error}", level="WARNING")
                return
            if not listener.unix:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if listener.tls is not None:
                try:
                    sock = listener.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
                except (OSError, ValueError):
                    sock.close()
                    continue
                connection = Connection(sock, peer, listener, RequestParser(self._limits, strict=True))
                self._connections[sock.fileno()] = connection
                self._pool.submit(self._handshake, connection)
                continue
            sock.setblocking(False)
            connection = Connection(sock, peer, listener, RequestParser(self._limits, strict=True))
            self._connections[sock.fileno()] = connection
            self._register(connection, time.monotonic() + self.config.keep_alive)

    def _pause_accepting(self, error: OSError) -> None:
        """Out of descriptors: leave the listeners out of the selector for _ACCEPT_BACKOFF or
        until a connection closes (polling a listener that stays ready would spin), and log it
        once per _ACCEPT_LOG_INTERVAL. Open connections are served meanwhile."""
        now = time.monotonic()
        if now - self._accept_logged >= _ACCEPT_LOG_INTERVAL:
            self._accept_logged = now
            self.error_log(
                f"accept() failed: {error.strerror} ({len(self._connections)} connections open); "
                f"pausing new connections", level="WARNING",
            )  # fmt: skip
        if not self._accept_paused_until:
            for listener in self.listeners:
                try:
                    self._selector.unregister(listener.sock)
                except (KeyError, ValueError):
                    pass
        self._descriptor_freed = False
        self._accept_paused_until = now + _ACCEPT_BACKOFF

    def _resume_accepting(self) -> None:
        self._accept_paused_until = 0.0
        self._descriptor_freed = False
        if self._stopped_listening:
            return
        for listener in self.listeners:
            try:
                self._selector.register(listener.sock, _READ, listener)
            except (KeyError, ValueError, OSError):
                pass

    def _register(self, connection: Connection, deadline: float) -> None:
        connection.deadline = deadline
        connection.registered = True
        self._selector.register(connection.sock, _READ, connection)

    def _close(self, connection: Connection) -> None:
        sock = connection.sock
        if connection.registered:
            connection.registered = False
            try:
                self._selector.unregister(sock)
            except (KeyError, ValueError):
                pass
        self._connections.pop(sock.fileno(), None)
        try:
            sock.close()
        except OSError:
            pass
        self._descriptor_freed = True

    def _readable(self, connection: Connection) -> None:
        sock = connection.sock
        try:
            data = sock.recv(_RECEIVE_SIZE)
            if not connection.plain:
                while sock.pending():
                    data += sock.recv(_RECEIVE_SIZE)
        except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return
        except OSError:
            self._close(connection)
            return
        if data:
            connection.parser.feed(data)
        else:
            connection.parser.feed_eof()
        self._advance(connection)

    def _advance(self, connection: Connection) -> None:
        """Handles what the parser holds: requests run inline or go to the pool."""
        parser = connection.parser
        while True:
            try:
                event = parser.next_event()
            except RemoteProtocolError as error:
                self._send_now(connection, error_response(error.status_code))
                self._close(connection)
                return
            if type(event) is Request:
                if not self._dispatch(connection, event):
                    return
            elif event is NEED_DATA:
                now = time.monotonic()
                if parser.in_message:
                    if not connection.head_started:
                        connection.head_started = now
                        connection.deadline = now + self.config.timeout
                else:
                    connection.head_started = 0.0
                    connection.deadline = now + self.config.keep_alive
                return
            elif type(event) is not EndOfMessage:
                # CONNECTION_CLOSED, or PAUSED after an Upgrade/CONNECT that was answered.
                self._close(connection)
                return

    def _dispatch(self, connection: Connection, request: Request) -> bool:
        """Runs or hands off ``request``; True when the loop may go on reading this connection."""
        connection.head_started = 0.0
        if (
            request.body_kind is BodyKind.NONE
            and not self._pool.busy
            and request.upgrade is None
            and request.method != "CONNECT"
            and request.target not in self._slow_paths
        ):
            return self._run_inline(connection, request)
        self._unregister(connection)
        self._pool.submit(self._serve_in_thread, connection, request)
        return False

    def _unregister(self, connection: Connection) -> None:
        if connection.registered:
            connection.registered = False
            self._selector.unregister(connection.sock)

    def _keep_alive(self, request: Request) -> bool:
        return request.keep_alive and not self._stopping and request.upgrade is None \
            and request.method != "CONNECT"

    def _run_inline(self, connection: Connection, request: Request) -> bool:
        output: list[bytes] = []
        environ = connection.listener.builder.build(request, connection.peer, EMPTY_INPUT)
        exchange = Exchange(request, environ, output.append, keep_alive=self._keep_alive(request),
                            software=self._software, error_log=self.error_log)
        started = time.perf_counter()
        cpu_started = time.thread_time()
        generation = self._generation
        self._inline_target = request.target
        self._inline_connection = connection
        self._inline_since = started
        result = exchange.call(self.application)
        if result is not None and type(result) is list:
            exchange.finish(result)
            result = None
        with self._takeover_lock:
            self._inline_since = 0.0
            taken_over = generation != self._generation
        if taken_over:
            # Another thread runs the loop now; this one finishes the response and ends.
            self._continue_in_thread(connection, exchange, result, output, started)
            return False
        if result is not None:
            # A generator or a file: the rest may be slow or large, so a pool thread sends it.
            self._unregister(connection)
            self._pool.submit(self._continue_in_thread, connection, exchange, result, output, started)
            return False
        duration = time.perf_counter() - started
        if duration > INLINE_WALL_LIMIT or time.thread_time() - cpu_started > INLINE_LIMIT:
            self._mark_slow(request.target)
        if self.access_log is not None:
            self.access_log(environ, exchange.status, exchange.bytes_sent, duration)
        data = output[0] if len(output) == 1 else b"".join(output)
        connection.close_after = not exchange.keep_alive
        if self._send_now(connection, data) and not connection.close_after:
            return True
        if connection.pending is None:
            # Sent and done, or the client is gone; otherwise _flush finishes the job.
            self._close(connection)
        return False

    def _send_now(self, connection: Connection, data: bytes) -> bool:
        """Sends without blocking; what does not fit waits for EVENT_WRITE. True if all went."""
        try:
            sent = connection.sock.send(data)
        except (BlockingIOError, InterruptedError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
            sent = 0
        except OSError:
            connection.close_after = True
            return False
        if sent == len(data):
            return True
        connection.pending = memoryview(data)[sent:]
        if connection.registered:
            self._selector.modify(connection.sock, _WRITE, connection)
        return False

    def _flush(self, connection: Connection) -> None:
        pending = connection.pending
        try:
            sent = connection.sock.send(pending)
        except (BlockingIOError, InterruptedError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
            return
        except OSError:
            self._close(connection)
            return
        if sent < len(pending):
            connection.pending = pending[sent:]
            return
        connection.pending = None
        if connection.close_after:
            self._close(connection)
            return
        self._selector.modify(connection.sock, _READ, connection)
        self._advance(connection)

    # Giving connections back to the loop ---------------------------------------------------
    def _give_back(self, connection: Connection) -> None:
        """Called by a pool thread when the connection waits for its next request."""
        try:
            connection.sock.setblocking(False)
        except OSError:
            # A fast shutdown closed it under us.
            return
        self._returned.append(connection)
        self._wake()

    def _take_returned(self) -> None:
        try:
            while self._wake_reader.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        returned = self._returned
        now = time.monotonic()
        while returned:
            connection = returned.popleft()
            if self._stopping and not connection.parser.in_message:
                self._close(connection)
                continue
            self._register(connection, now + self.config.keep_alive)
            if connection.parser.in_message:
                connection.head_started = now
                connection.deadline = now + self.config.timeout

    # Pool threads -------------------------------------------------------------------------
    def _handshake(self, connection: Connection) -> None:
        """TLS handshake in a pool thread, so a slow client cannot stall the loop."""
        sock = connection.sock
        try:
            sock.settimeout(self.config.timeout)
            sock.do_handshake()
        except (OSError, ValueError):
            self._discard(connection)
            return
        self._give_back(connection)

    def _discard(self, connection: Connection) -> None:
        """Closes a connection a pool thread owns (it is not registered with the selector)."""
        self._connections.pop(connection.sock.fileno(), None)
        try:
            connection.sock.close()
        except OSError:
            pass

    def _blocking_send(self, sock: socket.socket) -> Callable[[bytes], None]:
        def send(data: bytes) -> None:
            try:
                sock.sendall(data)
            except OSError as error:
                raise ClientGone(str(error)) from None

        return send

    def _serve_in_thread(self, connection: Connection, request: Request) -> None:
        sock = connection.sock
        try:
            sock.settimeout(self.config.timeout)
            while request is not None:
                if not self._serve_one(connection, request):
                    self._discard(connection)
                    return
                request = self._next_buffered(connection)
        except (ClientGone, OSError):
            self._discard(connection)
            return
        if request is None and connection.parser.eof:
            self._discard(connection)
            return
        self._give_back(connection)

    def _next_buffered(self, connection: Connection) -> Request | None:
        """A pipelined request already received, if any (raises ClientGone after a 4xx)."""
        parser = connection.parser
        while True:
            try:
                event = parser.next_event()
            except RemoteProtocolError as error:
                self._blocking_send(connection.sock)(error_response(error.status_code))
                raise ClientGone(str(error)) from None
            if type(event) is Request:
                return event
            if type(event) is not EndOfMessage:
                if event is not NEED_DATA:
                    raise ClientGone("connection closed")
                return None

    def _serve_one(self, connection: Connection, request: Request) -> bool:
        """Answers one request, blocking; True if the connection may carry another."""
        sock = connection.sock
        send = self._blocking_send(sock)
        wsgi_input: Any = EMPTY_INPUT
        if request.body_kind is not BodyKind.NONE:
            wsgi_input = InputStream(
                BodyReader(connection.parser, self._receiver(sock)),
                (lambda: send(_CONTINUE)) if request.expect_continue else None,
            )
        environ = connection.listener.builder.build(request, connection.peer, wsgi_input)
        exchange = Exchange(
            request, environ, send, keep_alive=self._keep_alive(request), software=self._software,
            error_log=self.error_log, sendfile=self._sendfile(sock) if connection.plain else None,
            wsgi_input=wsgi_input,
        )
        started = time.perf_counter()
        result = exchange.call(self.application)
        if result is not None:
            exchange.finish(result)
        if self.access_log is not None:
            self.access_log(environ, exchange.status, exchange.bytes_sent, time.perf_counter() - started)
        if exchange.keep_alive and wsgi_input is not EMPTY_INPUT and not wsgi_input.finish():
            return False
        return exchange.keep_alive

    def _continue_in_thread(self, connection: Connection, exchange: Exchange, result: Any,
                            output: list[bytes], started: float) -> None:
        """Finishes a response an inline call started: sends ``output`` (what it produced), then
        the rest of ``result`` unless that is None (already finished), blocking."""
        sock = connection.sock
        try:
            sock.settimeout(self.config.timeout)
            send = self._blocking_send(sock)
            if output:
                send(b"".join(output))
            exchange.send = send
            if result is not None:
                if connection.plain:
                    exchange.sendfile = self._sendfile(sock)
                exchange.finish(result)
            if self.access_log is not None:
                self.access_log(exchange.environ, exchange.status, exchange.bytes_sent,
                                time.perf_counter() - started)
            request = self._next_buffered(connection) if exchange.keep_alive else None
            if not exchange.keep_alive:
                self._discard(connection)
                return
            if request is not None:
                self._serve_in_thread(connection, request)
                return
        except (ClientGone, OSError):
            self._discard(connection)
            return
        self._give_back(connection)

    def _receiver(self, sock: socket.socket) -> Callable[[], bytes]:
        """recv() for a request body, bounded by one deadline for the whole body (--timeout)."""
        deadline = time.monotonic() + self.config.timeout

        def receive() -> bytes:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ClientGone("request body timed out")
            sock.settimeout(remaining)
            try:
                return sock.recv(_RECEIVE_SIZE)
            except OSError as error:
                raise ClientGone(str(error)) from None

        return receive

    @staticmethod
    def _sendfile(sock: socket.socket) -> Callable[[Any, int, int], int]:
        def sendfile(file: Any, offset: int, count: int) -> int:
            try:
                return sock.sendfile(file, offset, count)
            except OSError as error:
                raise ClientGone(str(error)) from None

        return sendfile
