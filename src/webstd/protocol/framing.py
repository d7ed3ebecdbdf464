"""Body framing: decoders for received bodies and the rules that frame the bodies we send.

Decoders (RFC 9112 sections 6 and 7) take bytes from the parser's buffer and give back body data
with the transfer coding removed. They never copy more than they return, and they look at each
received byte a bounded number of times, so feeding a body one byte at a time costs time linear in
its size.
"""

from __future__ import annotations

from typing import NamedTuple

from webstd.protocol import _grammar as grammar
from webstd.protocol._fields import check_characters, check_partial, parse_fields
from webstd.protocol.errors import (
    BodyTooLarge,
    ForbiddenTrailer,
    HeadersTooLarge,
    IncompleteMessage,
    InvalidChunk,
)
from webstd.protocol.events import NEED_DATA, BodyKind, Data, EndOfMessage, Sentinel
from webstd.protocol.headers import Headers
from webstd.protocol.limits import Limits

_chunk_size_line = grammar.CHUNK_SIZE_LINE.fullmatch


def _take(buffer: bytearray, limit: int) -> bytes:
    """Removes and returns up to ``limit`` bytes from the front of ``buffer``."""
    if limit >= len(buffer):
        data = bytes(buffer)
        buffer.clear()
    else:
        data = bytes(buffer[:limit])
        del buffer[:limit]
    return data


class _Decoder:
    """Base: ``next(buffer, eof)`` returns Data, EndOfMessage or NEED_DATA and consumes from buffer."""

    __slots__ = ("limits", "received")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.received = 0

    def _count(self, size: int) -> None:
        self.received += size
        if self.limits.max_body is not None and self.received > self.limits.max_body:
            raise BodyTooLarge(f"body larger than {self.limits.max_body} bytes")

    def next(self, buffer: bytearray, eof: bool) -> Data | EndOfMessage | Sentinel:
        raise NotImplementedError


class LengthDecoder(_Decoder):
    __slots__ = ("remaining", "expected")

    def __init__(self, length: int, limits: Limits) -> None:
        super().__init__(limits)
        if limits.max_body is not None and length > limits.max_body:
            raise BodyTooLarge(f"Content-Length {length} is larger than {limits.max_body} bytes")
        self.remaining = self.expected = length

    def next(self, buffer: bytearray, eof: bool) -> Data | EndOfMessage | Sentinel:
        if not self.remaining:
            return EndOfMessage()
        if not buffer:
            if eof:
                raise IncompleteMessage(
                    f"connection closed after {self.received} of {self.expected} body bytes",
                    self.received,
                    self.expected,
                )
            return NEED_DATA
        data = _take(buffer, self.remaining)
        self.remaining -= len(data)
        self.received += len(data)
        return Data(data)


class UntilCloseDecoder(_Decoder):
    """A response body that ends when the server closes the connection (RFC 9112 6.3 item 8)."""

    __slots__ = ()

    def next(self, buffer: bytearray, eof: bool) -> Data | EndOfMessage | Sentinel:
        if buffer:
            data = bytes(buffer)
            buffer.clear()
            self._count(len(data))
            return Data(data)
        return EndOfMessage() if eof else NEED_DATA


_SIZE, _DATA, _DATA_END, _TRAILER, _DONE = range(5)


class ChunkedDecoder(_Decoder):
    """The chunked transfer coding (RFC 9112 section 7.1), extensions ignored, trailers kept."""

    __slots__ = ("_state", "_remaining", "_scanned")

    def __init__(self, limits: Limits) -> None:
        super().__init__(limits)
        self._state = _SIZE
        self._remaining = 0
        # How much of the buffer has been searched for a line end without finding one.
        self._scanned = 0

    def next(self, buffer: bytearray, eof: bool) -> Data | EndOfMessage | Sentinel:
        while True:
            state = self._state
            if state == _DATA:
                if not buffer:
                    break
                data = _take(buffer, self._remaining)
                self._remaining -= len(data)
                if not self._remaining:
                    self._state = _DATA_END
                return Data(data)
            if state == _SIZE:
                end = buffer.find(b"\r\n", max(0, self._scanned - 1))
                if end < 0:
                    self._scanned = len(buffer)
                    if len(buffer) > self.limits.max_chunk_line:
                        raise InvalidChunk("chunk-size line too long")
                    if b"\n" in buffer:
                        raise InvalidChunk("bare LF in chunk-size line")
                    break
                self._scanned = 0
                line = buffer[:end].decode("latin-1")
                del buffer[: end + 2]
                match = _chunk_size_line(line)
                if match is None:
                    raise InvalidChunk(f"invalid chunk-size line {line[:40]!r}")
                size = int(match.group(1), 16)
                if size:
                    self._count(size)
                    self._remaining = size
                    self._state = _DATA
                else:
                    self._state = _TRAILER
                continue
            if state == _DATA_END:
                if len(buffer) < 2:
                    if buffer and buffer[0] != 13:
                        raise InvalidChunk("chunk data not followed by CRLF")
                    break
                if buffer[0] != 13 or buffer[1] != 10:
                    raise InvalidChunk("chunk data not followed by CRLF")
                del buffer[:2]
                self._state = _SIZE
                continue
            if state == _TRAILER:
                return self._trailer(buffer, eof)
            return EndOfMessage()
        if eof:
            # received counts each chunk's declared size up front (for max_body): what arrived
            # is that minus what the current chunk still lacks.
            arrived = self.received - self._remaining
            detail = f" ({self._remaining} bytes of a chunk missing)" if self._remaining else ""
            raise IncompleteMessage(
                f"connection closed inside a chunked body after {arrived} bytes{detail}", arrived
            )
        return NEED_DATA

    def _trailer(self, buffer: bytearray, eof: bool) -> EndOfMessage | Sentinel:
        if buffer[:2] == b"\r\n":
            del buffer[:2]
            self._state = _DONE
            return EndOfMessage()
        start = max(0, self._scanned - 3)
        end = buffer.find(b"\r\n\r\n", start)
        if end < 0:
            self._scanned = len(buffer)
            if len(buffer) > self.limits.max_header_bytes:
                raise HeadersTooLarge("trailer section too large")
            check_partial(buffer, start)
            if eof:
                raise IncompleteMessage("connection closed inside a chunked body's trailers")
            return NEED_DATA
        text = buffer[:end].decode("latin-1")
        del buffer[: end + 4]
        self._scanned = 0
        check_characters(text)
        fields = parse_fields(text, self.limits)
        for _, lower, _ in fields:
            if lower in grammar.FORBIDDEN_TRAILERS:
                raise ForbiddenTrailer(f"{lower} is not allowed in a trailer section")
        self._state = _DONE
        return EndOfMessage(Headers._from_parsed(fields))


class NoBodyDecoder(_Decoder):
    __slots__ = ()

    def next(self, buffer: bytearray, eof: bool) -> EndOfMessage:
        return EndOfMessage()


def make_decoder(kind: BodyKind, length: int | None, limits: Limits) -> _Decoder:
    if kind is BodyKind.LENGTH:
        return LengthDecoder(length or 0, limits)
    if kind is BodyKind.CHUNKED:
        return ChunkedDecoder(limits)
    if kind is BodyKind.UNTIL_CLOSE:
        return UntilCloseDecoder(limits)
    return NoBodyDecoder(limits)


# Outgoing framing -----------------------------------------------------------------------------


class Framing(NamedTuple):
    """How to frame a body we send: ``kind`` and, for LENGTH, the length."""

    kind: BodyKind
    length: int | None = None


def response_has_body(request_method: str, status: int) -> bool:
    """RFC 9110 sections 6.4.1 and 9.3.6: no content for HEAD, 1xx, 204, 304 and CONNECT 2xx."""
    if request_method == "HEAD" or status < 200 or status in (204, 304):
        return False
    return not (request_method == "CONNECT" and 200 <= status < 300)


def outgoing_response_framing(
    request_method: str, request_version: str, status: int, headers: Headers
) -> Framing:
    """Decides how a server frames a response body, from what the application set.

    An explicit Content-Length or chunked Transfer-Encoding is kept. Otherwise an HTTP/1.1 client
    gets chunked coding and an HTTP/1.0 client gets a body ended by closing the connection.
    """
    if not response_has_body(request_method, status):
        return Framing(BodyKind.NONE)
    if "chunked" in headers.get_tokens("transfer-encoding"):
        return Framing(BodyKind.CHUNKED)
    length = headers.get("content-length")
    if length is not None and grammar.DIGITS.fullmatch(length.strip()):
        return Framing(BodyKind.LENGTH, int(length))
    if request_version == "1.1":
        return Framing(BodyKind.CHUNKED)
    return Framing(BodyKind.UNTIL_CLOSE)
