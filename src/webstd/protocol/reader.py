"""BodyReader: file-like, blocking reads of one message body, for code that does its own I/O.

The client's response objects and the servers' request bodies (``rfile``, ``wsgi.input``) read
bodies this way. It calls ``receive()`` (for example ``sock.recv`` wrapped to a fixed size) only
when the parser needs more bytes, so it never reads past the end of the body: the next pipelined
message stays in the parser. It knows nothing of sockets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from webstd.protocol.events import NEED_DATA, Data, EndOfMessage
from webstd.protocol.headers import Headers
from webstd.protocol.parser import _Parser


class BodyReader:
    """Reads the body that follows the head most recently returned by ``parser``."""

    __slots__ = ("_parser", "_receive", "_pending", "done", "trailers", "bytes_read")

    def __init__(self, parser: _Parser, receive: Callable[[], bytes]) -> None:
        self._parser = parser
        self._receive = receive
        self._pending = bytearray()
        #: True once EndOfMessage was seen (what is pending may still be unread).
        self.done = False
        #: A chunked body's trailer fields, once the body is complete.
        self.trailers: Headers | None = None
        #: Body bytes handed to the caller so far.
        self.bytes_read = 0

    def _pull(self) -> bool:
        """Moves the next piece of the body into the pending buffer; False at the end."""
        parser = self._parser
        while not self.done:
            event = parser.next_event()
            if type(event) is Data:
                self._pending += event.data
                return True
            if event is NEED_DATA:
                data = self._receive()
                if data:
                    parser.feed(data)
                else:
                    parser.feed_eof()
                continue
            self.done = True
            if type(event) is EndOfMessage:
                self.trailers = event.trailers
        return False

    def _take(self, size: int) -> bytes:
        pending = self._pending
        if size >= len(pending):
            data = bytes(pending)
            pending.clear()
        else:
            data = bytes(pending[:size])
            del pending[:size]
        self.bytes_read += len(data)
        return data

    @property
    def at_end(self) -> bool:
        """True when the whole body has been read by the caller."""
        return self.done and not self._pending

    def buffered(self) -> bytes:
        """What has been received but not read (used to report a partial body)."""
        return bytes(self._pending)

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes (all the rest for -1 or None); b"" at the end of the body."""
        if size is None or size < 0:
            while self._pull():
                pass
            return self._take(len(self._pending))
        while len(self._pending) < size and self._pull():
            pass
        return self._take(size)

    def read1(self, size: int = -1) -> bytes:
        """What is available with at most one receive (at least one byte unless at the end)."""
        if not self._pending:
            self._pull()
        return self._take(len(self._pending) if size is None or size < 0 else size)

    def peek(self, size: int = 0) -> bytes:
        if not self._pending:
            self._pull()
        return bytes(self._pending[: size]) if size > 0 else bytes(self._pending)

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, limit: int | None = -1) -> bytes:
        """One line, its LF included; at most ``limit`` bytes when limit is 0 or more."""
        start = 0
        while True:
            end = self._pending.find(b"\n", start)
            if end >= 0:
                size = end + 1
                break
            if limit is not None and 0 <= limit <= len(self._pending):
                size = limit
                break
            start = len(self._pending)
            if not self._pull():
                size = len(self._pending)
                break
        if limit is not None and limit >= 0:
            size = min(size, limit)
        return self._take(size)

    def readlines(self, hint: int | None = -1) -> list[bytes]:
        """Lines until the end of the body, or until their total size reaches ``hint``."""
        lines: list[bytes] = []
        total = 0
        while line := self.readline():
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                break
        return lines

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def drain(self) -> int:
        """Reads and discards the rest of the body; returns how many bytes that was."""
        discarded = len(self._pending)
        self._pending.clear()
        while self._pull():
            discarded += len(self._pending)
            self._pending.clear()
        return discarded
