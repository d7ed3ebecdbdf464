"""The Python face of the production WSGI server: ``serve()`` and the in-process ``Server``.

``serve(app, bind=..., workers=...)`` is what ``webstd wsgi`` runs: with ``workers`` of 1 or more
an arbiter forks worker processes; with ``workers=0`` the calling process serves (handy in tests
and under a process manager that wants a single process). ``Server`` is the in-process server as
an object: open the sockets, ask for the bound addresses, serve in any thread, shut down.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterable
from typing import Any

from webstd.wsgiref._server_config import (
    COMMON_LOG_FORMAT,
    Config,
    ConfigError,
    parse_bind,
    parse_networks,
)
from webstd.wsgiref._server_log import ErrorLog
from webstd.wsgiref._server_loop import Listener, WorkerServer
from webstd.wsgiref._workers import Arbiter, listening_url, open_listeners, tls_context

__all__ = ["Server", "serve", "make_config", "Config", "ConfigError"]

Application = Callable[..., Iterable[bytes]]


def make_config(
    bind: str | Iterable[str] = "127.0.0.1:8000",
    *,
    workers: int = 0,
    threads: int = 8,
    timeout: float = 30.0,
    graceful_timeout: float = 30.0,
    keep_alive: float = 5.0,
    max_body: int | None = None,
    forwarded_allow_ips: str = "127.0.0.1,::1",
    certfile: str | None = None,
    keyfile: str | None = None,
    access_logfile: str | None = None,
    access_logformat: str = COMMON_LOG_FORMAT,
    reload: bool = False,
    backlog: int = 2048,
) -> Config:
    """A Config from the same values the command line takes; raises ConfigError on bad ones."""
    binds = [bind] if isinstance(bind, str) else list(bind)
    if not binds:
        raise ConfigError("at least one --bind address is needed")
    for name, value, least in (("workers", workers, 0), ("threads", threads, 1), ("backlog", backlog, 1)):
        if value < least:
            raise ConfigError(f"--{name} must be at least {least}, not {value}")
    for name, value in (("timeout", timeout), ("graceful-timeout", graceful_timeout),
                        ("keep-alive", keep_alive)):
        if not value > 0:
            raise ConfigError(f"--{name} must be a positive number of seconds, not {value}")
    if max_body is not None and max_body < 0:
        raise ConfigError(f"--max-body must not be negative, not {max_body}")
    if keyfile is not None and certfile is None:
        raise ConfigError("--keyfile needs --certfile")
    return Config(
        binds=tuple(parse_bind(item) for item in binds), workers=workers, threads=threads,
        timeout=timeout, graceful_timeout=graceful_timeout, keep_alive=keep_alive,
        max_body=max_body, forwarded_allow_ips=parse_networks(forwarded_allow_ips),
        certfile=certfile, keyfile=keyfile, access_logfile=access_logfile,
        access_logformat=access_logformat, reload=reload, backlog=backlog,
    )


class Server:
    """The server in this process: listens at construction, serves until :meth:`shutdown`."""

    def __init__(self, application: Application, config: Config | None = None,
                 error_log: ErrorLog | None = None) -> None:
        self.config = config or Config()
        context = tls_context(self.config)
        self._sockets = open_listeners(self.config)
        self._tls = context is not None
        listeners = [Listener(sock, address, self.config, context) for sock, address in self._sockets]
        self._engine = WorkerServer(application, listeners, self.config, error_log)

    @property
    def addresses(self) -> list[Any]:
        """The bound addresses: (host, port) tuples, or the paths of Unix sockets."""
        return [
            address.unix_path if address.unix_path is not None else sock.getsockname()[:2]
            for sock, address in self._sockets
        ]

    @property
    def urls(self) -> list[str]:
        return [listening_url(sock, address, self._tls) for sock, address in self._sockets]

    def serve_forever(self) -> None:
        self._engine.serve_forever()

    def shutdown(self, graceful: bool = True, wait: float | None = 5.0) -> None:
        """Stops the server (from any thread) and waits up to ``wait`` seconds for it."""
        self._engine.shutdown(graceful)
        self._engine.wait_stopped(wait)
        for _, address in self._sockets:
            if address.unix_path is not None:
                try:
                    os.unlink(address.unix_path)
                except OSError:
                    pass

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown(graceful=False)


def serve(application: Application | Callable[[], Application], bind: str | Iterable[str] = "127.0.0.1:8000",
          *, loader: bool = False, **options: Any) -> int:
    """Serves ``application`` until SIGTERM (graceful) or SIGINT (fast); returns the exit status.

    ``options`` are :func:`make_config`'s. With ``loader=True``, ``application`` is a function
    that returns the application; each worker calls it after the fork (so reloads import anew).
    """
    config = make_config(bind, **options)
    error_log = ErrorLog()
    load = application if loader else (lambda: application)
    if config.workers:
        return Arbiter(load, config, error_log).run()
    if config.reload:
        raise ConfigError("--reload needs --workers 1 or more")
    server = Server(load(), config, error_log)
    for url in server.urls:
        error_log.info(f"Listening at: {url}")
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda number, frame: server._engine.shutdown(True))
        signal.signal(signal.SIGINT, lambda number, frame: server._engine.shutdown(False))
    server.serve_forever()
    return 0
