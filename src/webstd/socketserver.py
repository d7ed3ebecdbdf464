"""The stream half of socketserver (Python 3.11 API): BaseServer, TCPServer, ThreadingMixIn.

It owns listening, accepting and the request-handler life cycle; it knows nothing of HTTP (the
HTTP servers add connection parking in webstd.http._serving). Two things differ from the stdlib:
``shutdown()`` wakes ``serve_forever`` at once instead of waiting for the next poll, and
ThreadingMixIn runs requests on a pool of reusable worker threads that grows on demand (a new
thread only when every worker is busy) instead of starting one thread per request.
UDP, Unix-domain and forking servers are not provided.
"""

from __future__ import annotations

import io
import os
import selectors
import socket
import sys
import threading
import time
import traceback
from collections import deque
from typing import Any

__all__ = [
    "BaseServer", "TCPServer", "ThreadingMixIn", "ThreadingTCPServer", "BaseRequestHandler",
    "StreamRequestHandler", "UDPServer", "ThreadingUDPServer", "DatagramRequestHandler",
    "UnixStreamServer", "UnixDatagramServer", "ThreadingUnixStreamServer",
    "ThreadingUnixDatagramServer", "ForkingMixIn", "ForkingTCPServer", "ForkingUDPServer",
    "ForkingUnixStreamServer", "ForkingUnixDatagramServer",
]


class BaseServer:
    """The server loop: wait for requests, verify, process, and clean up after each one."""

    timeout: float | None = None

    def __init__(self, server_address: Any, RequestHandlerClass: type) -> None:  # noqa: N803
        self.server_address = server_address
        self.RequestHandlerClass = RequestHandlerClass
        self._serving_stopped = threading.Event()
        self._selector: selectors.BaseSelector | None = None
        self._shutdown_requested = False
        # A socket pair whose reading end is in every wait, so shutdown() and worker threads can
        # wake the loop without waiting for poll_interval.
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)

    def server_activate(self) -> None:
        """Called by the constructor to activate the server (TCPServer listens here)."""

    def fileno(self) -> int:
        raise NotImplementedError

    # The loop ----------------------------------------------------------------------------------
    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Handles requests until shutdown(); checks for shutdown at least every poll_interval."""
        self._serving_stopped.clear()
        try:
            with selectors.DefaultSelector() as selector:
                self._watch(selector)
                while not self._shutdown_requested:
                    self._serve_step(selector, poll_interval)
                    if self._shutdown_requested:
                        break
                    self.service_actions()
        finally:
            self._shutdown_requested = False
            self._unwatch()
            self._serving_stopped.set()

    def shutdown(self) -> None:
        """Stops serve_forever and waits until it has stopped; call it from another thread."""
        self._shutdown_requested = True
        self._wake()
        self._serving_stopped.wait()

    def service_actions(self) -> None:
        """Called by serve_forever once per loop iteration; a hook for subclasses."""

    def handle_request(self) -> None:
        """Handles one request, waiting at most ``timeout`` (and the socket's timeout) for it."""
        timeout = self.socket_timeout()
        if timeout is None:
            timeout = self.timeout
        elif self.timeout is not None:
            timeout = min(timeout, self.timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            self._watch(selector)
            try:
                while True:
                    remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                    if self._serve_step(selector, remaining):
                        return
                    if deadline is not None and time.monotonic() >= deadline:
                        self.handle_timeout()
                        return
            finally:
                self._unwatch()

    def socket_timeout(self) -> float | None:
        return None

    def _watch(self, selector: selectors.BaseSelector) -> None:
        """Registers what the loop waits on; subclasses add their own sockets."""
        self._selector = selector
        selector.register(self, selectors.EVENT_READ, self._handle_request_noblock)
        selector.register(self._wake_reader, selectors.EVENT_READ, self._drain_wakeups)

    def _unwatch(self) -> None:
        self._selector = None

    def _serve_step(self, selector: selectors.BaseSelector, timeout: float | None) -> bool:
        """Waits once and runs the callbacks of what is ready; True when a request was handled."""
        handled = False
        for key, _ in selector.select(timeout):
            if key.data() is not False:
                handled = True
        return handled

    def _wake(self) -> None:
        try:
            self._wake_writer.send(b"\0")
        except OSError:
            # The pipe is full (a wake-up is pending anyway) or already closed.
            pass

    def _drain_wakeups(self) -> bool:
        try:
            while self._wake_reader.recv(4096):
                pass
        except OSError:
            pass
        return False

    def _handle_request_noblock(self) -> bool:
        """Accepts one connection and processes it; False when there was nothing to accept."""
        try:
            request, client_address = self.get_request()
        except OSError:
            return False
        if self.verify_request(request, client_address):
            try:
                self.process_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
                self.shutdown_request(request)
            except BaseException:
                self.shutdown_request(request)
                raise
        else:
            self.shutdown_request(request)
        return True

    def get_request(self) -> tuple[Any, Any]:
        raise NotImplementedError

    def handle_timeout(self) -> None:
        """Called when handle_request's timeout expires without a request."""

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """Returns False to refuse the connection; every connection is accepted by default."""
        return True

    def process_request(self, request: Any, client_address: Any) -> None:
        """Handles the request; ThreadingMixIn overrides this to use a worker thread."""
        self.finish_request(request, client_address)
        self.shutdown_request(request)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Runs the request handler: its constructor handles the whole request."""
        self.RequestHandlerClass(request, client_address, self)

    def shutdown_request(self, request: Any) -> None:
        self.close_request(request)

    def close_request(self, request: Any) -> None:
        """Cleans up one request."""

    def server_close(self) -> None:
        self._wake_reader.close()
        self._wake_writer.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Prints the exception being handled to stderr and goes on serving."""
        print("-" * 40, file=sys.stderr)
        print(f"Exception occurred during processing of request from {client_address}", file=sys.stderr)
        traceback.print_exc()
        print("-" * 40, file=sys.stderr)

    def __enter__(self) -> BaseServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server_close()


def _host(server_address: Any) -> str | None:
    if isinstance(server_address, tuple) and server_address and isinstance(server_address[0], str):
        return server_address[0]
    return None


class TCPServer(BaseServer):
    """A stream socket server. An IPv6 literal address selects AF_INET6 by itself."""

    address_family = socket.AF_INET
    socket_type = socket.SOCK_STREAM
    request_queue_size = 5
    allow_reuse_address = False
    allow_reuse_port = False

    def __init__(
        self,
        server_address: Any,
        RequestHandlerClass: type,  # noqa: N803
        bind_and_activate: bool = True,
    ) -> None:
        super().__init__(server_address, RequestHandlerClass)
        host = _host(server_address)
        if self.address_family == socket.AF_INET and host is not None and ":" in host:
            # The stdlib raises gaierror for ("::1", port) unless the class is changed; an IPv6
            # literal can only mean AF_INET6.
            self.address_family = socket.AF_INET6
        self.socket = socket.socket(self.address_family, self.socket_type)
        if bind_and_activate:
            try:
                self.server_bind()
                self.server_activate()
            except BaseException:
                self.server_close()
                raise

    def server_bind(self) -> None:
        """Binds the socket (``self.server_address`` becomes the bound address)."""
        if self.allow_reuse_address and hasattr(socket, "SO_REUSEADDR"):
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self.allow_reuse_port and hasattr(socket, "SO_REUSEPORT"):
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if self.address_family == socket.AF_INET6 and _host(self.server_address) in ("", "::"):
            # Dual stack: the IPv6 wildcard serves IPv4 clients too (as IPv4-mapped addresses).
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()

    def server_activate(self) -> None:
        self.socket.listen(self.request_queue_size)

    def server_close(self) -> None:
        self.socket.close()
        super().server_close()

    def fileno(self) -> int:
        return self.socket.fileno()

    def socket_timeout(self) -> float | None:
        return self.socket.gettimeout()

    def get_request(self) -> tuple[socket.socket, Any]:
        return self.socket.accept()

    def shutdown_request(self, request: socket.socket) -> None:
        try:
            # Tell the peer we are done writing before closing (RFC 9112 section 9.6).
            request.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        self.close_request(request)

    def close_request(self, request: socket.socket) -> None:
        request.close()


class _WorkerPool:
    """Reusable worker threads: a task goes to an idle worker, or to a new thread if none is idle.

    A worker that stays idle for ``idle_seconds`` exits, so the pool shrinks after a burst.
    """

    def __init__(self, daemon: bool, idle_seconds: float = 30.0) -> None:
        self.daemon = daemon
        self.idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._tasks: deque[Any] = deque()
        self._idle = 0
        self._closed = False
        self.threads: set[threading.Thread] = set()

    def submit(self, function: Any, *args: Any) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the server is closed")
            self._tasks.append((function, args))
            if self._idle > len(self._tasks) - 1:
                self._ready.notify()
                return
            thread = threading.Thread(target=self._work, daemon=self.daemon, name="webstd-worker")
            self.threads.add(thread)
        thread.start()

    def _work(self) -> None:
        try:
            while True:
                with self._lock:
                    if not self._tasks:
                        self._idle += 1
                        try:
                            self._ready.wait_for(
                                lambda: self._tasks or self._closed, self.idle_seconds
                            )
                        finally:
                            self._idle -= 1
                        if not self._tasks:
                            return
                    function, args = self._tasks.popleft()
                function(*args)
        finally:
            with self._lock:
                self.threads.discard(threading.current_thread())

    def close(self, wait: bool) -> None:
        with self._lock:
            self._closed = True
            self._ready.notify_all()
            threads = list(self.threads)
        if wait:
            for thread in threads:
                thread.join()


class ThreadingMixIn:
    """Handles each request in a worker thread (see _WorkerPool)."""

    daemon_threads = False
    block_on_close = True
    _pool: _WorkerPool | None = None

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

    def process_request(self, request: Any, client_address: Any) -> None:
        if self._pool is None:
            self._pool = _WorkerPool(daemon=self.daemon_threads)
        self._pool.submit(self.process_request_thread, request, client_address)

    def server_close(self) -> None:
        super().server_close()
        if self._pool is not None:
            self._pool.close(wait=self.block_on_close and not self.daemon_threads)


class ThreadingTCPServer(ThreadingMixIn, TCPServer):
    pass


class ForkingMixIn:
    """Handles each request in a child process; children are reaped between requests."""

    timeout: float | None = 300
    active_children: set[int] | None = None
    max_children = 40
    block_on_close = True

    def collect_children(self, *, blocking: bool = False) -> None:
        children = self.active_children
        if not children:
            return
        while len(children) >= self.max_children:
            try:
                pid, _ = os.waitpid(-1, 0)
                children.discard(pid)
            except ChildProcessError:
                children.clear()
        for pid in list(children):
            try:
                done, _ = os.waitpid(pid, 0 if blocking else os.WNOHANG)
                if done:
                    children.discard(pid)
            except ChildProcessError:
                children.discard(pid)

    def handle_timeout(self) -> None:
        self.collect_children()

    def service_actions(self) -> None:
        self.collect_children()

    def process_request(self, request: Any, client_address: Any) -> None:
        pid = os.fork()
        if pid:
            if self.active_children is None:
                self.active_children = set()
            self.active_children.add(pid)
            self.close_request(request)  # type: ignore[attr-defined]
            return
        status = 1
        try:
            self.finish_request(request, client_address)  # type: ignore[attr-defined]
            status = 0
        except Exception:
            self.handle_error(request, client_address)  # type: ignore[attr-defined]
        finally:
            try:
                self.shutdown_request(request)  # type: ignore[attr-defined]
            finally:
                os._exit(status)

    def server_close(self) -> None:
        super().server_close()  # type: ignore[misc]
        self.collect_children(blocking=self.block_on_close)


class UDPServer(TCPServer):
    """A datagram server: each request is (packet, socket), answered with sendto."""

    allow_reuse_address = False
    allow_reuse_port = False
    socket_type = socket.SOCK_DGRAM
    max_packet_size = 8192

    def get_request(self) -> tuple[Any, Any]:
        data, client_addr = self.socket.recvfrom(self.max_packet_size)
        return (data, self.socket), client_addr

    def server_activate(self) -> None:
        pass

    def shutdown_request(self, request: Any) -> None:
        self.close_request(request)

    def close_request(self, request: Any) -> None:
        pass


class ThreadingUDPServer(ThreadingMixIn, UDPServer):
    pass


if hasattr(os, "fork"):

    class ForkingTCPServer(ForkingMixIn, TCPServer):
        pass

    class ForkingUDPServer(ForkingMixIn, UDPServer):
        pass


if hasattr(socket, "AF_UNIX"):

    class UnixStreamServer(TCPServer):
        address_family = socket.AF_UNIX

    class UnixDatagramServer(UDPServer):
        address_family = socket.AF_UNIX

    class ThreadingUnixStreamServer(ThreadingMixIn, UnixStreamServer):
        pass

    class ThreadingUnixDatagramServer(ThreadingMixIn, UnixDatagramServer):
        pass

    if hasattr(os, "fork"):

        class ForkingUnixStreamServer(ForkingMixIn, UnixStreamServer):
            pass

        class ForkingUnixDatagramServer(ForkingMixIn, UnixDatagramServer):
            pass


class BaseRequestHandler:
    """One instance per request: the constructor runs setup(), handle() and finish()."""

    def __init__(self, request: Any, client_address: Any, server: BaseServer) -> None:
        self.request = request
        self.client_address = client_address
        self.server = server
        self.setup()
        try:
            self.handle()
        finally:
            self.finish()

    def setup(self) -> None:
        pass

    def handle(self) -> None:
        pass

    def finish(self) -> None:
        pass


class StreamRequestHandler(BaseRequestHandler):
    """Gives ``rfile`` and ``wfile``, files over the connection's socket."""

    rbufsize = -1
    wbufsize = 0
    timeout: float | None = None
    disable_nagle_algorithm = False

    def setup(self) -> None:
        self.connection = self.request
        if self.timeout is not None:
            self.connection.settimeout(self.timeout)
        if self.disable_nagle_algorithm:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)
        self.rfile = self.connection.makefile("rb", self.rbufsize)
        if self.wbufsize == 0:
            self.wfile = _SocketWriter(self.connection)
        else:
            self.wfile = self.connection.makefile("wb", self.wbufsize)

    def finish(self) -> None:
        if not self.wfile.closed:
            try:
                self.wfile.flush()
            except OSError:
                # The peer went away; there is nobody left to flush to.
                pass
        self.wfile.close()
        self.rfile.close()


class _SocketWriter:
    """An unbuffered binary writer: every write() is one sendall()."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.closed = False

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        self._sock.sendall(data)
        with memoryview(data) as view:
            return view.nbytes

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def fileno(self) -> int:
        return self._sock.fileno()


class DatagramRequestHandler(BaseRequestHandler):
    """rfile holds the packet; what the handler writes to wfile is sent back as one datagram."""

    def setup(self) -> None:
        self.packet, self.socket = self.request
        self.rfile = io.BytesIO(self.packet)
        self.wfile = io.BytesIO()

    def finish(self) -> None:
        self.socket.sendto(self.wfile.getvalue(), self.client_address)
