"""Connections to origins, and the pool of idle keep-alive ones.

An :class:`Upstream` belongs to at most one client connection at a time (its ``owner``), which it
tells about everything that happens; idle in the pool it has no owner, and anything it hears then
(data the origin should not send, or a close) retires it. The pool is keyed by the address that was
checked and connected to, never by a name.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any, Protocol

from webstd.protocol import ResponseParser
from webstd.proxy._config import ProxyConfig


class Owner(Protocol):
    def upstream_data(self, data: bytes) -> None: ...
    def upstream_eof(self) -> bool: ...
    def upstream_lost(self) -> None: ...
    def upstream_pause(self) -> None: ...
    def upstream_resume(self) -> None: ...


class Upstream(asyncio.Protocol):
    __slots__ = ("key", "pool", "transport", "parser", "owner", "reused", "idle_since")

    def __init__(self, key: tuple[str, int], pool: UpstreamPool) -> None:
        self.key = key
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.parser = ResponseParser(pool.config.limits)
        self.owner: Owner | None = None
        self.reused = False
        self.idle_since = 0.0

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        if self.owner is None:
            self.close()
        else:
            self.owner.upstream_data(data)

    def eof_received(self) -> bool:
        if self.owner is None:
            self.close()
            return False
        return self.owner.upstream_eof()

    def connection_lost(self, exc: Exception | None) -> None:
        self.pool.forget(self)
        owner, self.owner = self.owner, None
        if owner is not None:
            owner.upstream_lost()

    def pause_writing(self) -> None:
        if self.owner is not None:
            self.owner.upstream_pause()

    def resume_writing(self) -> None:
        if self.owner is not None:
            self.owner.upstream_resume()

    def close(self) -> None:
        self.owner = None
        if self.transport is not None:
            self.transport.close()


class UpstreamPool:
    """Idle keep-alive connections per (address, port), most recently used first out."""

    def __init__(self, config: ProxyConfig) -> None:
        self.config = config
        self._idle: dict[tuple[str, int], list[Upstream]] = {}

    def take(self, key: tuple[str, int]) -> Upstream | None:
        idle = self._idle.get(key)
        while idle:
            upstream = idle.pop()
            if not upstream.transport.is_closing():
                upstream.reused = True
                return upstream
        return None

    def put(self, upstream: Upstream, now: float) -> None:
        upstream.owner = None
        idle = self._idle.setdefault(upstream.key, [])
        if len(idle) >= self.config.pool_size or upstream.transport.is_closing():
            upstream.close()
            return
        upstream.idle_since = now
        upstream.parser = ResponseParser(self.config.limits)
        idle.append(upstream)

    def forget(self, upstream: Upstream) -> None:
        idle = self._idle.get(upstream.key)
        if idle and upstream in idle:
            idle.remove(upstream)

    def expire(self, now: float) -> None:
        """Closes connections idle for longer than ``pool_timeout``."""
        limit = now - self.config.pool_timeout
        for idle in self._idle.values():
            while idle and idle[0].idle_since < limit:
                idle.pop(0).close()

    async def connect(self, addresses: list[str], port: int, owner: Owner) -> Upstream:
        """A new connection to the first of ``addresses`` that accepts, within connect_timeout.

        Raises OSError (unreachable) or TimeoutError."""
        loop = asyncio.get_running_loop()
        error: OSError | None = None
        for address in addresses:
            upstream = Upstream((address, port), self)
            try:
                async with asyncio.timeout(self.config.connect_timeout):
                    await loop.create_connection(lambda upstream=upstream: upstream, address, port)
            except OSError as failure:
                error = failure
                continue
            upstream.owner = owner
            return upstream
        raise error or OSError("no address to connect to")

    def close(self) -> None:
        for idle in self._idle.values():
            for upstream in list(idle):
                upstream.close()
        self._idle.clear()
