"""The listening side: accepts client connections, owns the pool, the log and the deadline sweep."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

from webstd.proxy._auth import BasicCredentials
from webstd.proxy._client import ClientConnection
from webstd.proxy._config import ProxyConfig
from webstd.proxy._log import AccessLog
from webstd.proxy._upstream import UpstreamPool


class ProxyServer:
    """``await start()``, then ``await serve_forever()`` or let the loop run; ``await close()``."""

    def __init__(self, config: ProxyConfig) -> None:
        self.config = config
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self.pool = UpstreamPool(config)
        self.log = AccessLog(config.access_log)
        self.credentials = BasicCredentials(config.credentials) if config.credentials else None
        self.connections: set[ClientConnection] = set()
        self._server: asyncio.base_events.Server | None = None
        self._sweeper: asyncio.Task | None = None

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._server = await self.loop.create_server(
            lambda: ClientConnection(self), self.config.bind, self.config.port,
            reuse_address=True, backlog=1024,
        )
        self._sweeper = self.loop.create_task(self._sweep())

    @property
    def address(self) -> tuple[str, int]:
        return self._server.sockets[0].getsockname()[:2]

    async def serve_forever(self) -> None:
        await self._server.serve_forever()

    def _interval(self) -> float:
        config = self.config
        shortest = min(config.client_timeout, config.response_timeout, config.tunnel_timeout,
                       config.pool_timeout)
        return max(0.02, min(1.0, shortest / 4))

    async def _sweep(self) -> None:
        interval = self._interval()
        while True:
            await asyncio.sleep(interval)
            now = self.loop.time()
            for connection in list(self.connections):
                connection.check_deadline(now)
            self.pool.expire(now)
            self.log.flush()

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self._server is not None:
            self._server.close()
        for connection in list(self.connections):
            if connection.transport is not None:
                connection.transport.abort()
        self.pool.close()
        self.log.flush()
        await asyncio.sleep(0)


class BackgroundProxy:
    """A :class:`ProxyServer` on its own event loop in a daemon thread (tests, embedding)::

        with BackgroundProxy(ProxyConfig(port=0)) as proxy:
            host, port = proxy.address
    """

    def __init__(self, config: ProxyConfig) -> None:
        self.server = ProxyServer(config)
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="webstd-proxy", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        return self.server.address

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            await self.server.start()
        except BaseException as error:
            self._error = error
            self._ready.set()
            return
        self._ready.set()
        await self._stop.wait()
        await self.server.close()

    def __enter__(self) -> BackgroundProxy:
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc_info: Any) -> None:
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
