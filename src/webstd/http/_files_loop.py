"""The event loop behind ``webstd serve``: one thread, epoll, non-blocking sockets, sendfile.

It owns connections: accepting (paused for a moment when descriptors run out), TLS handshakes,
reading bytes into a :class:`webstd.protocol.RequestParser` (the one HTTP parser), writing
replies, keep-alive, deadlines (idle, head, body progress, lingering; see :meth:`_sweep`), the
graceful stop, and the Common Log Format access log. What to answer is
:class:`webstd.http._files.FileService`'s decision; this module only moves bytes.

Why a loop and not a thread per connection: a static file server spends its time in small
replies, and a thread switch plus a handler object per request costs more than the reply. Here a
request costs one recv, one parse, one dict lookup and one send when the file is small: replies
of files up to ``SMALL_FILE`` bytes are kept whole (head fields and body) in a cache keyed by the
target and revalidated with one ``os.stat`` against (size, mtime_ns, inode) on every hit; the
path resolution behind an entry (symlink checks included) is redone at least every
``RESOLVE_TTL`` seconds. Larger bodies go out with ``os.sendfile`` (plain sockets) or through
``pread`` (TLS), in order, with backpressure: a connection reads no further request while its
previous reply is still being written.
"""

from __future__ import annotations

import errno
import os
import re
import select
import socket
import ssl
import sys
import time
from collections import deque

from webstd._basic_auth import decode_basic
from webstd.http._dates import format_http_date
from webstd.http._files import FileService
from webstd.http._files_reply import Reply, error_reply
from webstd.http._files_upload import UploadError, UploadSink
from webstd.protocol import (
    CONNECTION_CLOSED,
    NEED_DATA,
    BodyKind,
    Data,
    EndOfMessage,
    RemoteProtocolError,
    Request,
)
from webstd.protocol.parser import RequestParser
from webstd.protocol.serialize import check_field

__all__ = ["StaticServer"]

SMALL_FILE = 64 * 1024
CACHE_ENTRIES = 2048
RESOLVE_TTL = 1.0
IDLE_TIMEOUT = 60.0
# A request head must be complete this many seconds after its first byte (408 otherwise), and a
# request body must bring at least BODY_PROGRESS bytes in every BODY_TIMEOUT seconds: without
# them a client sending one byte now and then would hold its connection for ever.
HEAD_TIMEOUT = 30.0
BODY_TIMEOUT = 30.0
BODY_PROGRESS = 8 * 1024
# After SIGTERM, how long responses in flight may take to finish.
GRACEFUL_TIMEOUT = 30.0
# When accept() fails for want of descriptors (or memory), the listener is left alone this long
# (or until one of our connections closes); one line is logged per ACCEPT_LOG_INTERVAL at most.
ACCEPT_BACKOFF = 0.25
ACCEPT_LOG_INTERVAL = 10.0
_OUT_OF_RESOURCES = frozenset((errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM))
# After an error reply whose request body was left unread, how long to drain it before closing
# (closing with unread bytes would make the kernel reset the connection and lose the reply).
LINGER = 2.0
RECV_SIZE = 256 * 1024
SENDFILE_CHUNK = 1 << 30
SERVER_NAME = "webstd"
# Request fields that make a reply differ from the cached one.
_UNCACHEABLE_FIELDS = frozenset(
    ("range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "if-range")
)
_EPOLLIN, _EPOLLOUT = select.EPOLLIN, select.EPOLLOUT
# A request line's start (a method token, then a space): plain HTTP where TLS was expected.
_HTTP_METHOD = re.compile(rb"[A-Z]{3,10}(?: |$)")
_WOULD_BLOCK = (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError, InterruptedError)


def _log_user(service: FileService, get) -> str:
    """The authenticated user name for the access log ("-" without --auth or when refused),
    with spaces, quotes, backslashes and control characters escaped so the line stays one line."""
    if service.config.credentials is None or not service.authorized(get):
        return "-"
    decoded = decode_basic(get("authorization"))
    if decoded is None or not decoded[0]:
        return "-"
    return "".join(
        c if c.isprintable() and c not in ' "\\' else f"\\x{ord(c):02x}" for c in decoded[0]
    )


class _FileSlice:
    __slots__ = ("file", "offset", "remaining", "last")

    def __init__(self, file, offset: int, remaining: int, last: bool) -> None:
        self.file, self.offset, self.remaining, self.last = file, offset, remaining, last


class _Connection:
    __slots__ = ("sock", "fd", "host", "parser", "out", "tls", "handshaking", "keep_alive",
                 "closing", "lingering", "sink", "request_line", "last_active", "writing",
                 "http10", "user", "sniffed", "head_since", "in_body", "body_since", "body_bytes",
                 "linger_until", "log_entry", "log_length", "log_total", "log_head")  # fmt: skip

    def __init__(self, sock: socket.socket, host: str, tls: bool) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.host = host
        self.parser = RequestParser(strict=True)
        self.out: deque = deque()
        self.tls = tls
        self.handshaking = tls
        self.keep_alive = True
        self.closing = False
        self.lingering = False
        self.sink: UploadSink | None = None
        self.request_line = "-"
        self.last_active = time.monotonic()
        self.writing = False
        self.http10 = False
        #: The access log's authuser field: the Basic user of this request when it was accepted.
        self.user = "-"
        #: For TLS: the first bytes were looked at (a handshake, not plain HTTP).
        self.sniffed = not tls
        # Deadlines: when the current request head began (TLS: the handshake counts), whether a
        # body is being read and its progress since body_since, the end of lingering.
        self.head_since: float | None = self.last_active if tls else None
        self.in_body = False
        self.body_since = 0.0
        self.body_bytes = 0
        self.linger_until = 0.0
        # The access log line of the response being written, written once it is out (or the
        # connection closes): its prefix, the length to log, the bytes queued, the head's size.
        self.log_entry: str | None = None
        self.log_length = 0
        self.log_total = 0
        self.log_head = 0


class _CacheEntry:
    __slots__ = ("path", "identity", "expires", "status_line", "fields", "body", "length")

    def __init__(self, path, identity, expires, status_line, fields, body, length) -> None:
        self.path, self.identity, self.expires = path, identity, expires
        self.status_line, self.fields, self.body, self.length = status_line, fields, body, length


class StaticServer:
    """Serves ``service`` on the listening socket ``listener`` until :meth:`shutdown`.

    ``protocol`` is the version the status line names: with "HTTP/1.0" every connection
    closes after one reply, as the stdlib's server does by default.
    """

    def __init__(self, listener: socket.socket, service: FileService, *,
                 ssl_context: ssl.SSLContext | None = None, protocol: str = "HTTP/1.1",
                 log=None, head_timeout: float = HEAD_TIMEOUT,
                 body_timeout: float = BODY_TIMEOUT,
                 graceful_timeout: float = GRACEFUL_TIMEOUT) -> None:  # fmt: skip
        self.listener = listener
        self.service = service
        self.ssl_context = ssl_context
        self.protocol = protocol
        self.http11 = protocol == "HTTP/1.1"
        self.log = sys.stderr if log is None else log
        self.connections: dict[int, _Connection] = {}
        self.cache: dict[tuple[str, str | None], _CacheEntry] = {}
        self._log_lines: list[str] = []
        self._date_second = -1
        self._date = b""
        self._log_time = ""
        self._wake_r, self._wake_w = socket.socketpair()
        self._stopping = False
        self._epoll: select.epoll | None = None
        self.head_timeout = head_timeout
        self.body_timeout = body_timeout
        self.graceful_timeout = graceful_timeout
        self._sweep_interval = max(0.05, min(1.0, head_timeout / 4, body_timeout / 4))
        self._stop_deadline = 0.0
        self._stopped_listening = False
        self._accept_paused_until = 0.0  # non-zero while the listener is out of the epoll set
        self._accept_failures = 0
        self._accept_logged = -ACCEPT_LOG_INTERVAL

    # Life cycle ---------------------------------------------------------------------------------
    def serve_forever(self) -> None:
        listener = self.listener
        listener.setblocking(False)
        self._epoll = epoll = select.epoll()
        epoll.register(listener.fileno(), _EPOLLIN)
        epoll.register(self._wake_r.fileno(), _EPOLLIN)
        listen_fd, wake_fd = listener.fileno(), self._wake_r.fileno()
        connections = self.connections
        interval = self._sweep_interval
        next_sweep = time.monotonic() + interval
        try:
            while True:
                if self._stopping:
                    if not self._stopped_listening:
                        self._stop_listening()
                    if not connections or time.monotonic() >= self._stop_deadline:
                        break
                timeout = next_sweep - time.monotonic()
                if self._accept_paused_until:
                    timeout = min(timeout, self._accept_paused_until - time.monotonic())
                if self._stopping:
                    timeout = min(timeout, self._stop_deadline - time.monotonic())
                for fd, mask in epoll.poll(max(0.0, timeout)):
                    if fd == listen_fd:
                        self._accept()
                        continue
                    if fd == wake_fd:
                        try:
                            self._wake_r.recv(64)
                        except OSError:
                            pass
                        continue
                    conn = connections.get(fd)
                    if conn is None:
                        continue
                    if mask & _EPOLLOUT:
                        self._on_writable(conn)
                    if mask & ~_EPOLLOUT and fd in connections:
                        self._on_readable(conn)
                if self._log_lines:
                    self._flush_log()
                now = time.monotonic()
                if self._accept_paused_until and now >= self._accept_paused_until:
                    self._resume_accepting()
                if now >= next_sweep:
                    self._sweep(now)
                    next_sweep = now + interval
        finally:
            for conn in list(connections.values()):
                self._close(conn)
            self._flush_log()
            epoll.close()

    def shutdown(self, graceful: bool = False) -> None:
        """Stops :meth:`serve_forever` (from another thread or a signal handler).

        Graceful (SIGTERM): stop accepting, close idle connections, and let the responses in
        flight finish within ``graceful_timeout`` seconds; otherwise stop at once."""
        if not graceful:
            self._stop_deadline = 0.0
        elif not self._stopping:
            self._stop_deadline = time.monotonic() + self.graceful_timeout
        self._stopping = True
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def server_close(self) -> None:
        if self.listener.fileno() >= 0:
            self.listener.close()
        self._wake_r.close()
        self._wake_w.close()

    def _stop_listening(self) -> None:
        self._stopped_listening = True
        if not self._accept_paused_until:
            try:
                self._epoll.unregister(self.listener.fileno())
            except OSError:
                pass
        self._accept_paused_until = 0.0
        self.listener.close()
        for conn in list(self.connections.values()):
            if self._idle(conn):
                self._close(conn)

    @staticmethod
    def _idle(conn: _Connection) -> bool:
        """Between requests: nothing to write, no request begun."""
        return not conn.out and not conn.in_body and conn.sink is None and (
            not conn.parser.in_message or conn.lingering
        )

    def _sweep(self, now: float) -> None:
        head_timeout, body_timeout = self.head_timeout, self.body_timeout
        for conn in list(self.connections.values()):
            if conn.lingering:
                if now >= conn.linger_until:
                    self._close(conn)
            elif conn.head_since is not None and not conn.out:
                if now - conn.head_since >= head_timeout:
                    self._timed_out(conn, "the request head took too long to arrive")
            elif conn.in_body and not conn.closing:
                if conn.out:  # writing (100 Continue, an early reply): not the client's fault
                    conn.body_since, conn.body_bytes = now, 0
                elif now - conn.body_since >= body_timeout:
                    if conn.body_bytes < BODY_PROGRESS:
                        self._timed_out(conn, "the request body is arriving too slowly")
                    else:
                        conn.body_since, conn.body_bytes = now, 0
            elif now - conn.last_active > IDLE_TIMEOUT:
                self._close(conn)

    def _timed_out(self, conn: _Connection, message: str) -> None:
        """408 Request Timeout (RFC 9110 section 15.5.9) and close."""
        conn.head_since = None
        conn.in_body = False
        if conn.handshaking:
            self._close(conn)
            return
        if conn.sink is not None:
            conn.sink.abort()
            conn.sink = None
        conn.request_line = "-"
        self._send(conn, error_reply(408, message, close=True))
        self._flush(conn)

    # Connections --------------------------------------------------------------------------------
    def _accept(self) -> None:
        for _ in range(256):
            try:
                sock, address = self.listener.accept()
            except _WOULD_BLOCK:
                return
            except OSError as error:
                if error.errno in _OUT_OF_RESOURCES:
                    self._pause_accepting(error)
                    return
                continue  # ECONNABORTED and the like: that client is gone, take the next
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.ssl_context is not None:
                try:
                    sock = self.ssl_context.wrap_socket(
                        sock, server_side=True, do_handshake_on_connect=False
                    )
                except (OSError, ValueError):
                    sock.close()
                    continue
            conn = _Connection(sock, address[0], self.ssl_context is not None)
            self.connections[conn.fd] = conn
            self._epoll.register(conn.fd, _EPOLLIN)

    def _pause_accepting(self, error: OSError) -> None:
        """Out of descriptors: the listener stays ready, so polling it would spin. Leave it out
        of the epoll set until a connection of ours closes or ACCEPT_BACKOFF has passed."""
        self._accept_failures += 1
        now = time.monotonic()
        if now - self._accept_logged >= ACCEPT_LOG_INTERVAL:
            self._accept_logged = now
            self._log_lines.append(
                f"webstd serve: accept() failed: {error.strerror} ({len(self.connections)} "
                f"connections open); pausing new connections\n"
            )
        if not self._accept_paused_until:
            try:
                self._epoll.unregister(self.listener.fileno())
            except OSError:
                pass
        self._accept_paused_until = now + ACCEPT_BACKOFF

    def _resume_accepting(self) -> None:
        if self._accept_paused_until and not self._stopped_listening:
            self._accept_paused_until = 0.0
            self._epoll.register(self.listener.fileno(), _EPOLLIN)

    def _close(self, conn: _Connection) -> None:
        if self.connections.pop(conn.fd, None) is None:
            return
        if conn.log_entry is not None:
            self._log_done(conn, complete=False)
        if conn.sink is not None:
            conn.sink.abort()
            conn.sink = None
        for item in conn.out:
            if type(item) is _FileSlice and item.last:
                item.file.close()
        conn.out.clear()
        try:
            self._epoll.unregister(conn.fd)
        except OSError:
            pass
        conn.sock.close()
        if self._accept_paused_until:
            self._resume_accepting()  # a descriptor is free again

    def _handshake(self, conn: _Connection) -> bool:
        if not conn.sniffed and not self._sniff(conn):
            return False
        try:
            conn.sock.do_handshake()
        except ssl.SSLWantReadError:
            self._want_write(conn, False)
            return False
        except ssl.SSLWantWriteError:
            self._want_write(conn, True)
            return False
        except (ssl.SSLError, OSError):
            self._close(conn)
            return False
        conn.handshaking = False
        conn.head_since = None
        self._want_write(conn, False)
        return True

    def _sniff(self, conn: _Connection) -> bool:
        """Peeks at the first bytes on a TLS port: True for a TLS record (or nothing yet to see:
        the handshake then waits as usual). Plain HTTP gets a 400 telling to use https (nginx's
        497) and the connection is closed; False then."""
        raw = conn.sock
        try:
            first = socket.socket.recv(raw, 16, socket.MSG_PEEK)
        except _WOULD_BLOCK:
            return True
        except OSError:
            self._close(conn)
            return False
        if not first or first[0] == 0x16 or not _HTTP_METHOD.match(first):
            conn.sniffed = bool(first) or conn.sniffed
            return True
        try:
            head = socket.socket.recv(raw, 8192)
        except OSError:
            head = b""
        conn.request_line = head.split(b"\r\n", 1)[0].decode("latin-1")[:200].replace('"', '\\"')
        reply = error_reply(400, "This port speaks HTTPS; use https:// to reach it.")
        data = (f"HTTP/1.1 400 Bad Request\r\nServer: {SERVER_NAME}\r\nDate: ").encode()
        data += self._http_date() + b"\r\n" + self._fields(reply.headers)
        data += b"Connection: close\r\n\r\n" + b"".join(reply.body)
        try:
            socket.socket.send(raw, data)
            socket.socket.shutdown(raw, socket.SHUT_WR)
        except OSError:
            pass
        self._log(conn, 400, reply.length, 0)
        self._log_done(conn, complete=True)  # sent above, in one go
        self._close(conn)
        return False

    def _want_write(self, conn: _Connection, writing: bool) -> None:
        if conn.writing != writing and conn.fd in self.connections:
            conn.writing = writing
            self._epoll.modify(conn.fd, _EPOLLIN | _EPOLLOUT if writing else _EPOLLIN)

    def _on_readable(self, conn: _Connection) -> None:
        if conn.handshaking and not self._handshake(conn):
            return
        if not conn.closing:
            # A connection on its way out is timed by its writes alone: bytes trickling in while
            # it does not read its last reply must not keep it open.
            conn.last_active = time.monotonic()
        while True:
            try:
                data = conn.sock.recv(RECV_SIZE)
            except _WOULD_BLOCK:
                break
            except OSError:
                self._close(conn)
                return
            if conn.lingering:
                if not data:
                    self._close(conn)
                    return
                continue
            if data:
                conn.parser.feed(data)
            else:
                conn.parser.feed_eof()
            # A TLS record may hold more than recv returned: epoll will not tell us about it.
            if not (conn.tls and data and conn.sock.pending()):
                break
        if not conn.lingering:
            self._process(conn)

    def _on_writable(self, conn: _Connection) -> None:
        if conn.handshaking:
            if self._handshake(conn):
                self._on_readable(conn)
            return
        conn.last_active = time.monotonic()
        if self._flush(conn):
            self._after_flush(conn)

    def _after_flush(self, conn: _Connection) -> None:
        """All queued bytes are out: close, linger, or read the next request."""
        if conn.closing:
            if conn.lingering:
                return
            if conn.parser.in_message and not conn.tls:
                # Unread request body: stop sending, drain for a while, then close.
                conn.lingering = True
                conn.linger_until = time.monotonic() + LINGER
                try:
                    conn.sock.shutdown(socket.SHUT_WR)
                except OSError:
                    self._close(conn)
                return
            self._close(conn)
            return
        if self._stopping and self._idle(conn):
            self._close(conn)
            return
        self._process(conn)

    # Requests -----------------------------------------------------------------------------------
    def _process(self, conn: _Connection) -> None:
        parser = conn.parser
        while conn.fd in self.connections and not conn.closing:
            if conn.out:
                if not self._flush(conn):
                    return
                continue
            try:
                event = parser.next_event()
            except RemoteProtocolError as error:
                if conn.sink is not None:
                    conn.sink.abort()
                    conn.sink = None
                if parser.in_message or not parser.eof:
                    self._send(conn, error_reply(error.status_code, str(error), close=True))
                    break
                self._close(conn)
                return
            kind = type(event)
            if kind is Request:
                conn.head_since = None
                conn.in_body = True
                conn.body_since, conn.body_bytes = time.monotonic(), 0
                self._request(conn, event)
            elif kind is Data:
                conn.body_bytes += len(event.data)
                if conn.sink is not None:
                    self._feed(conn, event.data)
            elif kind is EndOfMessage:
                conn.in_body = False
                if conn.sink is not None:
                    sink, conn.sink = conn.sink, None
                    try:
                        reply = sink.finish()
                    except UploadError as error:
                        reply = error.reply
                    self._send(conn, reply)
            elif event is NEED_DATA:
                if conn.head_since is None and not conn.in_body and parser.in_message:
                    conn.head_since = time.monotonic()  # the first bytes of a request head
                elif self._stopping and self._idle(conn):
                    self._close(conn)
                return
            elif event is CONNECTION_CLOSED:
                self._close(conn)
                return
            else:
                # PAUSED after a CONNECT or Upgrade request, which _request has already answered
                # as a file server does (501 for CONNECT; Upgrade ignored, RFC 9110 section 7.8):
                # a second answer would desynchronise the client, so go on reading HTTP instead.
                parser.resume()
        if conn.fd in self.connections and conn.out:
            self._flush(conn)

    def _feed(self, conn: _Connection, data: bytes) -> None:
        try:
            conn.sink.feed(data)
        except UploadError as error:
            conn.sink = None
            self._send(conn, error.reply)

    def _request(self, conn: _Connection, request: Request) -> None:
        method, target = request.method, request.target
        conn.request_line = f"{method} {target} {request.version}".replace('"', '\\"')
        conn.keep_alive = request.keep_alive and self.http11 and not self._stopping
        conn.http10 = request.http_version == "1.0"
        conn.user = _log_user(self.service, request.headers.get)
        if method in ("PUT", "POST"):
            length = request.content_length if request.body_kind is BodyKind.LENGTH else None
            result = self.service.begin_upload(method, target, request.headers.get, length)
            if isinstance(result, Reply):
                if request.body_kind is BodyKind.NONE:
                    result.close = False
                self._send(conn, result)
            else:
                conn.sink = result
                if request.expect_continue:
                    conn.out.append(f"{self.protocol} 100 Continue\r\n\r\n".encode())
            return
        headers = request.headers
        if method == "GET" or method == "HEAD":
            accept = headers.get("accept-encoding")
            entry = self.cache.get((target, accept))
            if entry is not None and self._fresh(entry) and not any(
                name.lower() in _UNCACHEABLE_FIELDS for name in headers.keys()
            ) and self.service.authorized(headers.get):
                self._send_cached(conn, entry, method == "HEAD")
                return
            reply = self.service.respond(method, target, headers.get)
            if reply.cache_stat is not None and reply.length <= SMALL_FILE and method == "GET":
                self._remember(target, accept, reply, headers)
        else:
            reply = self.service.respond(method, target, headers.get)
        self._send(conn, reply)

    # The small-file cache -----------------------------------------------------------------------
    def _fresh(self, entry: _CacheEntry) -> bool:
        if time.monotonic() > entry.expires:
            return False
        try:
            info = os.stat(entry.path)
        except OSError:
            return False
        return (info.st_size, info.st_mtime_ns, info.st_ino) == entry.identity

    def _remember(self, target: str, accept: str | None, reply: Reply, headers) -> None:
        if any(name.lower() in _UNCACHEABLE_FIELDS for name in headers.keys()):
            return
        info = reply.cache_stat
        body = os.pread(reply.file.fileno(), reply.length, 0) if reply.length else b""
        if len(body) != reply.length:
            return
        if len(self.cache) >= CACHE_ENTRIES:
            self.cache.clear()
        self.cache[(target, accept)] = _CacheEntry(
            reply.file.name, (info.st_size, info.st_mtime_ns, info.st_ino),
            time.monotonic() + RESOLVE_TTL,
            f"{self.protocol} {reply.status} {reply.reason}\r\nServer: {SERVER_NAME}\r\nDate: ".encode(),
            self._fields(reply.headers), body, reply.length,
        )  # fmt: skip

    def _send_cached(self, conn: _Connection, entry: _CacheEntry, head_only: bool) -> None:
        head = entry.status_line + self._http_date() + b"\r\n" + entry.fields
        head += self._connection_field(conn) + b"\r\n"
        prior = self._queued(conn)
        conn.out.append(head if head_only else head + entry.body)
        if not conn.keep_alive:
            conn.closing = True
        self._log(conn, 200, entry.length, prior + len(head))

    # Writing ------------------------------------------------------------------------------------
    @staticmethod
    def _fields(headers: list[tuple[str, str]]) -> bytes:
        lines = []
        for name, value in headers:
            check_field(name, value)
            lines.append(f"{name}: {value}\r\n")
        return "".join(lines).encode("latin-1")

    def _connection_field(self, conn: _Connection) -> bytes:
        if not conn.keep_alive:
            return b"Connection: close\r\n"
        # An HTTP/1.0 client keeps the connection only when told so (RFC 9112 section 9.3).
        return b"Connection: keep-alive\r\n" if conn.http10 else b""

    def _send(self, conn: _Connection, reply: Reply) -> None:
        if reply.close:
            conn.keep_alive = False
        head = (
            f"{self.protocol} {reply.status} {reply.reason}\r\nServer: {SERVER_NAME}\r\nDate: "
        ).encode() + self._http_date() + b"\r\n" + self._fields(reply.headers)
        head += self._connection_field(conn) + b"\r\n"
        out = conn.out
        prior = self._queued(conn)
        out.append(head)
        pieces = reply.body
        last_slice = max((i for i, p in enumerate(pieces) if type(p) is tuple), default=-1)
        for index, piece in enumerate(pieces):
            if type(piece) is tuple:
                out.append(_FileSlice(reply.file, piece[0], piece[1], index == last_slice))
            else:
                out.append(piece)
        if last_slice < 0:
            reply.close_file()
        if not conn.keep_alive:
            conn.closing = True
        self._log(conn, reply.status, reply.length, prior + len(head))

    def _flush(self, conn: _Connection) -> bool:
        """Writes what it can; True when everything queued is out."""
        out, sock = conn.out, conn.sock
        while out:
            item = out[0]
            is_file = type(item) is _FileSlice
            if (not is_file and len(out) > 1 and type(out[1]) is not _FileSlice
                    and len(item) < RECV_SIZE):  # fmt: skip
                # Join the small pieces of a multipart body into one send.
                out.popleft()
                out[0] = bytes(item) + bytes(out[0])
                continue
            try:
                if not is_file:
                    sent = sock.send(item)
                elif conn.tls:
                    data = os.pread(item.file.fileno(), min(item.remaining, RECV_SIZE), item.offset)
                    sent = sock.send(data) if data else 0
                else:
                    sent = os.sendfile(conn.fd, item.file.fileno(), item.offset,
                                       min(item.remaining, SENDFILE_CHUNK))  # fmt: skip
            except _WOULD_BLOCK:
                self._want_write(conn, True)
                return False
            except OSError:
                self._close(conn)
                return False
            if not is_file:
                if sent < len(item):
                    out[0] = memoryview(item)[sent:]
                    self._want_write(conn, True)
                    return False
                out.popleft()
                continue
            if sent == 0:  # the file shrank under us: the framing cannot be kept
                self._close(conn)
                return False
            item.offset += sent
            item.remaining -= sent
            if item.remaining:
                continue
            out.popleft()
            if item.last:
                item.file.close()
        if conn.log_entry is not None:
            self._log_done(conn, complete=True)
        self._want_write(conn, False)
        if conn.closing:
            self._after_flush(conn)
            return False
        return True

    # Dates and the access log -------------------------------------------------------------------
    def _http_date(self) -> bytes:
        now = time.time()
        second = int(now)
        if second != self._date_second:
            self._date_second = second
            self._date = format_http_date(second).encode()
            self._log_time = time.strftime("%d/%b/%Y:%H:%M:%S %z", time.localtime(second))
        return self._date

    @staticmethod
    def _queued(conn: _Connection) -> int:
        return sum(item.remaining if type(item) is _FileSlice else len(item) for item in conn.out)

    def _log(self, conn: _Connection, status: int, length: int, head_end: int) -> None:
        """Starts the log line of the reply just queued; ``head_end``: the bytes queued up to
        the end of its head. The line is written by :meth:`_log_done`."""
        if conn.log_entry is not None:
            self._log_done(conn, complete=True)
        # Common Log Format: host ident authuser [date] "request-line" status bytes
        self._http_date()
        conn.log_entry = f'{conn.host} - {conn.user} [{self._log_time}] "{conn.request_line}" {status} '
        conn.log_length = length
        conn.log_total = self._queued(conn)
        conn.log_head = head_end

    def _log_done(self, conn: _Connection, complete: bool) -> None:
        """The reply is out (``complete``), or its connection closes first: then the line
        gives the body bytes actually sent, not the length announced."""
        length = conn.log_length
        if not complete:
            length = max(0, conn.log_total - self._queued(conn) - conn.log_head)
        self._log_lines.append(f"{conn.log_entry}{length if length else '-'}\n")
        conn.log_entry = None

    def _flush_log(self) -> None:
        lines, self._log_lines = self._log_lines, []
        try:
            self.log.write("".join(lines))
            self.log.flush()
        except (OSError, ValueError):
            pass
