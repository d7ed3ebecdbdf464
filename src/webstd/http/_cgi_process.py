"""Running one CGI script: the request body streams in, its output streams out, stderr is logged.

Theory of operation. The script runs in its own session (so a timeout kills whatever it started)
with three pipes. A feeder thread copies the request body from the handler's ``rfile`` to the
script's stdin in blocks, never holding more than one; the handler's thread reads stdout and stderr
with ``poll``, hands stdout blocks to the caller and stderr lines to the log. Either side making
progress (a body block taken by the script, output produced) resets the inactivity clock; when the
script makes none for ``timeout`` seconds it is killed and :class:`ScriptTimeout` raised. The body
and the output never wait on each other, so a script that writes before it has read its input
cannot deadlock the server.

It knows nothing of HTTP beyond the body reader it is given.
"""

from __future__ import annotations

import functools
import os
import select
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

BLOCK = 65536
# Longest stderr line kept before it is logged in pieces.
_MAX_LOG_LINE = 8192


class ScriptTimeout(Exception):
    """The script made no progress for the configured time and was killed."""


class _Feeder(threading.Thread):
    """Copies the request body to the script's stdin."""

    def __init__(self, body: Any, stdin: Any, progress: Callable[[], None], stop: Callable[[], None]):
        super().__init__(name="cgi-body", daemon=True)
        self._body = body
        self._stdin = stdin
        self._progress = progress
        self._stop = stop
        #: An error reading the body (a broken chunk, a vanished client), raised in the handler.
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while True:
                data = self._body.read(BLOCK)
                if not data:
                    break
                self._stdin.write(data)
                self._progress()
        except (BrokenPipeError, ConnectionResetError) as error:
            if not isinstance(error, BrokenPipeError):
                self.error = error
                self._stop()
            # BrokenPipeError: the script stopped reading; what it left is drained by the handler.
        except BaseException as error:
            # A body cut short must not look complete to the script: kill it, report the error.
            self.error = error
            self._stop()
        finally:
            try:
                self._stdin.close()
            except OSError:
                pass


@functools.cache
def _setpriv() -> str | None:
    return shutil.which("setpriv")


def _drop_privileges(argv: list[str], user: tuple[int, int]) -> tuple[list[str], dict[str, Any]]:
    """Runs the script as ``user``. Asking Popen to change user makes it fork the whole server
    instead of using vfork, which costs milliseconds per request in a large process; util-linux's
    setpriv changes user in the child after a vfork, and is used where it is installed."""
    uid, gid = user
    setpriv = _setpriv()
    if setpriv is None:
        return argv, {"user": uid, "group": gid, "extra_groups": []}
    return [setpriv, f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--", *argv], {}


class ScriptRun:
    """One running script; iterate :meth:`output` for its stdout, then call :meth:`close`."""

    def __init__(
        self,
        argv: list[str],
        environ: dict[str, str],
        cwd: str,
        body: Any | None,
        timeout: float,
        log: Callable[[str], None],
        user: tuple[int, int] | None = None,
    ) -> None:
        self._timeout = timeout
        self._log = log
        self._last_progress = time.monotonic()
        self._stderr_line = bytearray()
        credentials: dict[str, Any] = {}
        if user is not None:
            argv, credentials = _drop_privileges(argv, user)
        self.process = subprocess.Popen(
            argv, stdin=subprocess.PIPE if body is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environ, cwd=cwd, bufsize=0,
            start_new_session=True, **credentials,
        )  # fmt: skip
        self._feeder: _Feeder | None = None
        if body is not None:
            self._feeder = _Feeder(body, self.process.stdin, self._touch, self.kill)
            self._feeder.start()

    def _touch(self) -> None:
        self._last_progress = time.monotonic()

    def output(self) -> Iterator[bytes]:
        """The script's stdout in blocks as it comes; raises ScriptTimeout if it stalls."""
        stdout, stderr = self.process.stdout, self.process.stderr
        poller = select.poll()
        open_fds = {stdout.fileno(): stdout, stderr.fileno(): stderr}
        for fd in open_fds:
            poller.register(fd, select.POLLIN)
        while open_fds:
            remaining = self._last_progress + self._timeout - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise ScriptTimeout(f"no progress for {self._timeout:g} seconds")
            for fd, _ in poller.poll(min(remaining, 1.0) * 1000):
                data = os.read(fd, BLOCK)
                if not data:
                    poller.unregister(fd)
                    del open_fds[fd]
                    continue
                if fd == stdout.fileno():
                    self._touch()
                    yield data
                else:
                    self._stderr(data)
        self._flush_stderr()

    def _stderr(self, data: bytes) -> None:
        line = self._stderr_line
        line += data
        while True:
            end = line.find(b"\n")
            if end < 0:
                if len(line) > _MAX_LOG_LINE:
                    self._flush_stderr()
                return
            self._log(line[:end].rstrip(b"\r").decode("utf-8", "replace"))
            del line[: end + 1]

    def _flush_stderr(self) -> None:
        if self._stderr_line:
            self._log(self._stderr_line.decode("utf-8", "replace"))
            self._stderr_line.clear()

    def kill(self) -> None:
        """Kills the script and everything in its session."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def close(self) -> int:
        """Waits for the script (killing it if it outlives the timeout); returns its exit status.

        Raises the body feeder's error, if reading the request body failed.
        """
        process = self.process
        try:
            process.wait(self._timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            process.wait()
        if self._feeder is not None:
            self._feeder.join()
        for stream in (process.stdout, process.stderr):
            stream.close()
        if self._feeder is not None and self._feeder.error is not None:
            raise self._feeder.error
        return process.returncode

    def abort(self) -> None:
        """Kills the script and releases everything, without raising."""
        self.kill()
        self.process.wait()
        if self._feeder is not None:
            self._feeder.join()
        for stream in (self.process.stdout, self.process.stderr):
            stream.close()
