"""ResponseWriter: the handler's ``wfile``, which frames whatever the handler writes as one response.

Handlers written for the stdlib send a head with send_response/send_header/end_headers and then
write the body to ``wfile``; some write a head as raw bytes, some write a body with no head at all,
some forget Content-Length. The writer watches all of it so that the bytes on the wire are always
one well-framed HTTP/1.1 response and the connection can be reused only when that is safe:

- a head given by the handler (``send_head``) or written as bytes (parsed by webstd.protocol's
  ResponseParser) is framed by :func:`~webstd.protocol.framing.outgoing_response_framing`: kept
  Content-Length, chunked coding added for an HTTP/1.1 client, otherwise close-delimited;
- body bytes written before any head are sent as a ``200 OK`` response ended by closing (the stdlib
  would send them as an HTTP/0.9 response, which curl and browsers refuse);
- no body goes out where RFC 9110 forbids one (HEAD, 1xx, 204, 304), and never more than the
  Content-Length announced;
- 1xx heads go out at once and the final response follows; after 101, or 2xx to CONNECT, bytes pass
  through untouched and the connection closes afterwards.

The head is held back until the first body byte, flush() or finish(), so a small response leaves in
one send. It knows nothing of requests beyond the method and versions it is given.
"""

from __future__ import annotations

import os
import socket

from webstd.protocol.errors import RemoteProtocolError
from webstd.protocol.events import BodyKind
from webstd.protocol.framing import outgoing_response_framing
from webstd.protocol.headers import Headers
from webstd.protocol.parser import ResponseParser
from webstd.protocol.serialize import chunk, last_chunk, response_head

_HEAD_START = b"HTTP/"
# A raw head longer than this without its blank line is taken for body bytes.
_MAX_RAW_HEAD = 65536
# Bytes read at a time when a file body must pass through write().
_READ_SIZE = 256 * 1024
# Writer states.
_NO_HEAD, _BODY, _DONE = range(3)
# Body modes beyond BodyKind: bytes the handler frames itself, and a tunnel.
_PASS_THROUGH = "pass-through"


class ResponseWriter:
    """Writes one response to ``sock``; ``finish()`` says whether the connection may be reused."""

    def __init__(self, sock: socket.socket, method: str, http_version: str) -> None:
        self._sock = sock
        self._method = method
        # The version that limits framing: the lower of the request's and the handler's.
        self._http_version = http_version
        self._state = _NO_HEAD
        self._raw = bytearray()
        self._held = b""
        self._mode: BodyKind | str = BodyKind.NONE
        self._remaining = 0
        #: False once anything in the response rules out another request on this connection.
        self.reusable = True
        self.closed = False

    @property
    def started(self) -> bool:
        """True once a final response head has been decided (an error page can no longer be sent)."""
        return self._state != _NO_HEAD or bool(self._raw)

    def writable(self) -> bool:
        return True

    # The head -----------------------------------------------------------------------------------
    def send_head(
        self, status: int, reason: str, fields: Headers, http_version: str, closing: bool
    ) -> None:
        """Takes the head of a response (or of a 1xx interim response, which leaves at once)."""
        if self._state != _NO_HEAD:
            return
        if 100 <= status < 200 and status != 101:
            self._sock.sendall(response_head(status, reason, fields, http_version))
            return
        connection = fields.get_tokens("connection")
        if status == 101 or (self._method == "CONNECT" and 200 <= status < 300):
            self._mode = _PASS_THROUGH
            self.reusable = False
        else:
            framing = outgoing_response_framing(self._method, self._http_version, status, fields)
            self._mode = framing.kind
            if framing.kind is BodyKind.LENGTH:
                self._remaining = framing.length or 0
            elif framing.kind is BodyKind.CHUNKED:
                if "chunked" in fields.get_tokens("transfer-encoding"):
                    # The handler said chunked, so it writes the chunks itself.
                    self._mode = _PASS_THROUGH
                else:
                    fields.add("Transfer-Encoding", "chunked")
            elif framing.kind is BodyKind.UNTIL_CLOSE:
                closing = True
            if closing or "close" in connection:
                self.reusable = False
                if "close" not in connection:
                    fields.add("Connection", "close")
            elif self._http_version == "1.0" and "keep-alive" not in connection:
                # RFC 9112 section 9.3: an HTTP/1.0 client only keeps what it is told to keep.
                fields.add("Connection", "keep-alive")
        self._held = response_head(status, reason, fields, http_version)
        self._state = _BODY

    def _take_raw_head(self) -> None:
        """Parses a head the handler wrote as bytes, then treats the rest as body."""
        raw = bytes(self._raw)
        end = raw.find(b"\r\n\r\n")
        parser = ResponseParser()
        parser.expect(self._method)
        parser.feed(raw[: end + 4])
        try:
            event = parser.next_event()
        except RemoteProtocolError:
            event = None
        self._raw.clear()
        if event is None:
            self._headless(raw)
            return
        # A raw 1xx head leaves at once (send_head) and the final head follows in the same bytes.
        self.send_head(event.status, event.reason, event.headers, event.http_version, False)
        self.write(raw[end + 4 :])

    def _headless(self, body: bytes) -> None:
        """Body bytes with no head: answer 200 and end the body by closing (RFC 9112 6.3 item 8)."""
        version = "1.1" if self._http_version == "1.1" else "1.0"
        self._held = response_head(200, "OK", Headers([("Connection", "close")]), version)
        self._mode = BodyKind.UNTIL_CLOSE
        self._state = _BODY
        self.reusable = False
        self._send(body)

    # The body -----------------------------------------------------------------------------------
    def write(self, data: bytes) -> int:
        with memoryview(data) as view:
            size = view.nbytes
        if self._state == _NO_HEAD:
            self._raw += data
            raw = self._raw
            if raw[:5] != _HEAD_START[: len(raw[:5])]:
                self._raw = bytearray()
                self._headless(bytes(raw))
            elif raw.find(b"\r\n\r\n") >= 0:
                self._take_raw_head()
            elif len(raw) > _MAX_RAW_HEAD:
                self._raw = bytearray()
                self._headless(bytes(raw))
            return size
        if self._state == _DONE or not size:
            return size
        mode = self._mode
        if mode is BodyKind.LENGTH:
            if size > self._remaining:
                # More than announced would be read as the start of the next response.
                data = bytes(data)[: self._remaining]
                self.reusable = False
            self._remaining -= len(data)
            self._send(data)
        elif mode is BodyKind.CHUNKED:
            self._send(chunk(bytes(data)))
        elif mode is not BodyKind.NONE:
            self._send(data)
        return size

    def sendfile(self, file, offset: int, count: int) -> None:
        """Writes ``count`` bytes of ``file`` from ``offset`` as body, zero-copy when it can.

        With a Content-Length framing the bytes go out through ``socket.sendfile`` (os.sendfile
        on a plain socket, sends on TLS); other framings need each piece wrapped, so they read.
        """
        if self._state != _BODY or self._mode is not BodyKind.LENGTH:
            while count > 0:
                data = os.pread(file.fileno(), min(count, _READ_SIZE), offset)
                if not data:
                    break
                self.write(data)
                offset += len(data)
                count -= len(data)
            return
        count = min(count, self._remaining)
        self.flush()
        if count <= 0:
            return
        sent = self._sock.sendfile(file, offset, count)
        self._remaining -= sent
        file.seek(offset + sent)

    def _send(self, data: bytes) -> None:
        if self._held:
            data = self._held + data
            self._held = b""
        if data:
            self._sock.sendall(data)

    def flush(self) -> None:
        """Sends a held head (the stdlib's wfile is unbuffered, so body writes already went out)."""
        if self._held:
            self._send(b"")

    def finish(self) -> bool:
        """Completes the response; True when the connection may carry another request."""
        if self._state == _DONE:
            return self.reusable
        if self._state == _NO_HEAD:
            if self._raw:
                raw = bytes(self._raw)
                self._raw.clear()
                self._headless(raw)
            else:
                # The handler sent nothing at all: there is no response to frame, so close.
                self._state = _DONE
                self.reusable = False
                return False
        if self._mode is BodyKind.CHUNKED:
            self._send(last_chunk())
        else:
            self.flush()
        if self._mode is BodyKind.LENGTH and self._remaining:
            # Fewer bytes than announced: only closing tells the client the body is cut short.
            self.reusable = False
        self._state = _DONE
        return self.reusable

    def close(self) -> None:
        self.closed = True
