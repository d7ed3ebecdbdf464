"""The arbiter: a parent process that owns the listening sockets and keeps worker processes alive.

Workers are forked and inherit the listening sockets, so the kernel spreads connections over
them. Each worker loads the application itself (so a reload imports fresh code) and runs a
:class:`~webstd.wsgiref._server_loop.WorkerServer`. Signals to the arbiter:

- SIGTERM: graceful stop. The arbiter closes its listening sockets, then every worker stops
  accepting, closes idle connections and finishes the requests in flight (``--graceful-timeout``).
- SIGINT, SIGQUIT: fast stop; exit status 0.
- SIGHUP: graceful reload. New workers start, then the old ones stop gracefully.
- A worker that dies is replaced. A worker that exits with status 2 before any worker has
  booted means the application cannot be loaded: the arbiter stops with status 2.
"""

from __future__ import annotations

import os
import select
import signal
import ssl
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from webstd.wsgiref._server_config import BindAddress, Config, ConfigError
from webstd.wsgiref._server_log import ErrorLog
from webstd.wsgiref._server_loop import Listener, WorkerServer, open_listener

__all__ = ["Arbiter", "tls_context", "open_listeners", "watch_modules"]

EXIT_LOAD_FAILED = 2
EXIT_RELOAD = 3
_RESPAWN_PAUSE = 1.0


def tls_context(config: Config) -> ssl.SSLContext | None:
    if config.certfile is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(config.certfile, config.keyfile)
    except (OSError, ssl.SSLError) as error:
        raise ConfigError(f"cannot load --certfile/--keyfile: {error}") from None
    return context


def open_listeners(config: Config) -> list[tuple[Any, BindAddress]]:
    sockets = []
    try:
        for address in config.binds:
            sockets.append((open_listener(address, config.backlog), address))
    except OSError as error:
        for sock, _ in sockets:
            sock.close()
        raise ConfigError(f"cannot listen on {address}: {error.strerror or error}") from None
    return sockets


def listening_url(sock: Any, address: BindAddress, tls: bool) -> str:
    if address.unix_path is not None:
        return f"unix:{address.unix_path}"
    host, port = sock.getsockname()[:2]
    host = f"[{host}]" if ":" in host else host
    return f"{'https' if tls else 'http'}://{host}:{port}"


def watch_modules(on_change: Callable[[str], None], interval: float = 1.0) -> threading.Thread:
    """Calls ``on_change(path)`` once a .py file of a loaded module changes (for --reload)."""

    def modified_times() -> dict[str, float]:
        times = {}
        for module in list(sys.modules.values()):
            path = getattr(module, "__file__", None)
            if path and path.endswith(".py"):
                try:
                    times[path] = os.stat(path).st_mtime
                except OSError:
                    pass
        return times

    def watch() -> None:
        known = modified_times()
        while True:
            time.sleep(interval)
            current = modified_times()
            for path, mtime in current.items():
                if path in known and known[path] != mtime:
                    on_change(path)
                    return
            known = current

    thread = threading.Thread(target=watch, name="webstd-wsgi-reload", daemon=True)
    thread.start()
    return thread


class Arbiter:
    """Runs ``workers`` processes that serve the application ``loader()`` returns."""

    def __init__(self, loader: Callable[[], Callable[..., Any]], config: Config,
                 error_log: ErrorLog | None = None) -> None:
        self.loader = loader
        self.config = config
        self.error_log = error_log or ErrorLog()
        self.workers: dict[int, float] = {}
        self._signals: list[int] = []
        self._booted = False
        self._stopping: str | None = None

    def run(self) -> int:
        config = self.config
        context = tls_context(config)
        if not self._loads_in_a_child():
            return EXIT_LOAD_FAILED
        sockets = open_listeners(config)
        self._sockets = sockets
        self._context = context
        for sock, address in sockets:
            self.error_log.info(f"Listening at: {listening_url(sock, address, context is not None)} "
                                f"({os.getpid()})")
        self._ready_reader, self._ready_writer = os.pipe()
        wake_reader, wake_writer = os.pipe()
        os.set_blocking(wake_writer, False)
        os.set_blocking(wake_reader, False)
        previous_wakeup = signal.set_wakeup_fd(wake_writer)
        handled = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGCHLD)
        previous = {number: signal.signal(number, self._on_signal) for number in handled}
        try:
            return self._loop(wake_reader)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            signal.set_wakeup_fd(previous_wakeup)
            for descriptor in (wake_reader, wake_writer, self._ready_reader, self._ready_writer):
                os.close(descriptor)
            self._close_listeners()

    def _loads_in_a_child(self) -> bool:
        """Loads the application once in a throw-away child, so an import error stops us at once
        while the arbiter itself never imports the application (a reload must import it anew)."""
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                self.loader()
                code = 0
            except ConfigError as error:
                sys.stderr.write(f"webstd wsgi: error: {error}\n")
                code = EXIT_LOAD_FAILED
            finally:
                sys.stderr.flush()
                os._exit(code)
        _, wait_status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(wait_status) == 0

    def _on_signal(self, number: int, frame: Any) -> None:
        self._signals.append(number)

    def _close_listeners(self) -> None:
        for sock, address in self._sockets:
            sock.close()
            if address.unix_path is not None:
                try:
                    os.unlink(address.unix_path)
                except OSError:
                    pass
        self._sockets = []

    def _loop(self, wake_reader: int) -> int:
        for _ in range(self.config.workers):
            self._spawn()
        status = 0
        stop_deadline = 0.0
        while True:
            readable, _, _ = select.select([wake_reader, self._ready_reader], [], [], 1.0)
            if self._ready_reader in readable:
                os.read(self._ready_reader, 512)
                self._booted = True
            if wake_reader in readable:
                try:
                    os.read(wake_reader, 512)
                except BlockingIOError:
                    pass
            while self._signals:
                number = self._signals.pop(0)
                if number == signal.SIGHUP and not self._stopping:
                    self.error_log.info("SIGHUP: reloading (new workers, then the old ones stop)")
                    old = list(self.workers)
                    for _ in range(self.config.workers):
                        self._spawn()
                    self._kill(old, signal.SIGTERM)
                elif number == signal.SIGTERM and self._stopping is None:
                    self.error_log.info("SIGTERM: stopping gracefully")
                    self._stopping = "graceful"
                    stop_deadline = time.monotonic() + self.config.graceful_timeout + 1.0
                    self._close_listeners()
                    self._kill(list(self.workers), signal.SIGTERM)
                elif number in (signal.SIGINT, signal.SIGQUIT) and self._stopping != "fast":
                    self._stopping = "fast"
                    stop_deadline = time.monotonic() + 2.0
                    self._kill(list(self.workers), signal.SIGINT)
            failed = self._reap()
            if failed and not self._booted and self._stopping is None:
                self._stopping = "fast"
                stop_deadline = time.monotonic() + 2.0
                self._kill(list(self.workers), signal.SIGINT)
                status = EXIT_LOAD_FAILED
            if self._stopping is not None:
                if not self.workers:
                    return status
                if time.monotonic() >= stop_deadline:
                    self._kill(list(self.workers), signal.SIGKILL)
                continue
            while len(self.workers) < self.config.workers:
                if failed:
                    time.sleep(_RESPAWN_PAUSE)
                self._spawn()

    def _reap(self) -> bool:
        """Collects dead workers; True if one failed to load the application."""
        failed = False
        while self.workers:
            try:
                pid, wait_status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if self.workers.pop(pid, None) is None:
                continue
            code = os.waitstatus_to_exitcode(wait_status)
            if code == EXIT_LOAD_FAILED:
                failed = True
            elif code not in (0, EXIT_RELOAD) and self._stopping is None:
                self.error_log(f"worker {pid} exited with status {code}; replacing it", level="WARNING")
        return failed

    def _kill(self, pids: list[int], number: int) -> None:
        for pid in pids:
            try:
                os.kill(pid, number)
            except ProcessLookupError:
                pass

    def _spawn(self) -> None:
        pid = os.fork()
        if pid:
            self.workers[pid] = time.monotonic()
            return
        code = 1
        try:
            code = self._worker()
        except BaseException as error:  # noqa: BLE001 - a child must never return into the parent's code
            self.error_log("worker crashed", error if isinstance(error, Exception) else None)
        finally:
            os._exit(code)

    def _worker(self) -> int:
        for number in (signal.SIGHUP, signal.SIGCHLD, signal.SIGQUIT):
            signal.signal(number, signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
        try:
            application = self.loader()
        except ConfigError as error:
            sys.stderr.write(f"webstd wsgi: error: {error}\n")
            sys.stderr.flush()
            return EXIT_LOAD_FAILED
        listeners = [Listener(sock, address, self.config, self._context) for sock, address in self._sockets]
        server = WorkerServer(application, listeners, self.config, self.error_log)
        exit_code = [0]
        signal.signal(signal.SIGTERM, lambda number, frame: server.shutdown(graceful=True))
        signal.signal(signal.SIGINT, lambda number, frame: server.shutdown(graceful=False))
        if self.config.reload:

            def changed(path: str) -> None:
                self.error_log.info(f"{path} changed; restarting the worker")
                exit_code[0] = EXIT_RELOAD
                server.shutdown(graceful=True)

            watch_modules(changed)
        self.error_log.info(f"Booting worker with pid: {os.getpid()}")
        os.write(self._ready_writer, b"r")
        server.serve_forever()
        return exit_code[0]
