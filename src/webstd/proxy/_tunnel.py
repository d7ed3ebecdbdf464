"""CONNECT tunnels (RFC 9110 section 9.3.6): bytes relayed both ways, untouched, until both sides
have finished sending (a half-close is passed on) or either one goes away or the tunnel idles."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from webstd.proxy._upstream import Upstream


class Tunnel:
    """Owns both transports once the 200 has been sent; the upstream reports to it directly."""

    __slots__ = ("client", "upstream", "up", "down", "_client_done", "_origin_done", "_closed",
                 "_on_close", "touched")

    def __init__(
        self, client: asyncio.Transport, upstream: Upstream, on_close: Callable[[Tunnel], None]
    ) -> None:
        self.client = client
        self.upstream = upstream
        upstream.owner = self
        #: bytes relayed client to origin, and origin to client
        self.up = 0
        self.down = 0
        self._client_done = False
        self._origin_done = False
        self._closed = False
        self._on_close = on_close
        self.touched = True

    # From the client ------------------------------------------------------------------------
    def client_data(self, data: bytes) -> None:
        self.up += len(data)
        self.touched = True
        self.upstream.transport.write(data)

    def client_eof(self) -> bool:
        self._client_done = True
        if self._origin_done:
            self.close()
            return False
        if self.upstream.transport.can_write_eof():
            self.upstream.transport.write_eof()
        return True

    def client_pause(self) -> None:
        self.upstream.transport.pause_reading()

    def client_resume(self) -> None:
        self.upstream.transport.resume_reading()

    # From the origin (the Owner interface of Upstream) ---------------------------------------
    def upstream_data(self, data: bytes) -> None:
        self.down += len(data)
        self.touched = True
        self.client.write(data)

    def upstream_eof(self) -> bool:
        self._origin_done = True
        if self._client_done:
            self.close()
            return False
        if self.client.can_write_eof():
            self.client.write_eof()
        return True

    def upstream_lost(self) -> None:
        self.close()

    def upstream_pause(self) -> None:
        self.client.pause_reading()

    def upstream_resume(self) -> None:
        if not self.client.is_closing():
            self.client.resume_reading()

    def close(self) -> None:
        """Closes both sides (each after flushing what it still has to send)."""
        if self._closed:
            return
        self._closed = True
        self.upstream.close()
        self.client.close()
        self._on_close(self)
