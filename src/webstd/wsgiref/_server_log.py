"""The WSGI server's two logs: the error log (stderr) and the access log (gunicorn's atoms).

Access log atoms, for ``--access-logformat`` (``%(name)s``): h remote address, l "-", u user
of Basic authentication, t time in Common Log Format, r request line, m method, U path, q query,
H protocol, s status, b body bytes or "-", B body bytes, f Referer, a User-Agent, T seconds,
M milliseconds, D microseconds, p process id, and ``{field}i`` for any request field.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from typing import IO, Any

from webstd._basic_auth import decode_basic

__all__ = ["ErrorLog", "AccessLog"]


class ErrorLog:
    """Timestamped lines on stderr (or another stream); thread-safe."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def __call__(self, message: str, error: BaseException | None = None, level: str = "ERROR") -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S %z")
        text = f"[{stamp}] [{os.getpid()}] [{level}] {message}\n"
        if error is not None:
            text += "".join(traceback.format_exception(type(error), error, error.__traceback__))
        stream = self._stream or sys.stderr
        with self._lock:
            try:
                stream.write(text)
                stream.flush()
            except (OSError, ValueError):
                pass

    def info(self, message: str) -> None:
        self(message, level="INFO")


class _Atoms:
    """The mapping ``format % atoms`` reads; each atom is computed only if the format uses it."""

    __slots__ = ("environ", "status", "length", "duration")

    def __init__(self, environ: dict[str, Any], status: str, length: int, duration: float) -> None:
        self.environ, self.status, self.length, self.duration = environ, status, length, duration

    def __getitem__(self, key: str) -> str:
        environ = self.environ
        if key.startswith("{") and key.endswith("}i"):
            name = key[1:-2].upper().replace("-", "_")
            name = name if name in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + name
            return environ.get(name, "-")
        if key == "h":
            return environ.get("REMOTE_ADDR") or "-"
        if key == "l":
            return "-"
        if key == "u":
            credentials = decode_basic(environ.get("HTTP_AUTHORIZATION"))
            return (credentials[0] if credentials else "") or "-"
        if key == "t":
            return time.strftime("[%d/%b/%Y:%H:%M:%S %z]")
        if key == "r":
            query = environ.get("QUERY_STRING")
            path = environ.get("RAW_URI") or environ["PATH_INFO"] + ("?" + query if query else "")
            return f"{environ['REQUEST_METHOD']} {path} {environ['SERVER_PROTOCOL']}"
        if key == "m":
            return environ["REQUEST_METHOD"]
        if key == "U":
            return environ["PATH_INFO"]
        if key == "q":
            return environ.get("QUERY_STRING", "")
        if key == "H":
            return environ["SERVER_PROTOCOL"]
        if key == "s":
            return self.status.partition(" ")[0]
        if key == "b":
            return str(self.length) if self.length else "-"
        if key == "B":
            return str(self.length)
        if key == "f":
            return environ.get("HTTP_REFERER", "-")
        if key == "a":
            return environ.get("HTTP_USER_AGENT", "-")
        if key == "T":
            return str(int(self.duration))
        if key == "M":
            return str(int(self.duration * 1000))
        if key == "D":
            return str(int(self.duration * 1_000_000))
        if key == "p":
            return f"<{os.getpid()}>"
        return "-"


class AccessLog:
    """One line per response, in ``log_format``, to ``-`` (stderr) or a file."""

    def __init__(self, destination: str, log_format: str) -> None:
        self._format = log_format
        self._lock = threading.Lock()
        self._destination = destination
        self._owned = destination != "-"
        if self._owned:
            self._stream: IO[str] = open(destination, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        else:
            self._stream = sys.stderr

    def close(self) -> None:
        if self._owned:
            with self._lock:
                self._stream.close()

    def __call__(self, environ: dict[str, Any], status: str, length: int, duration: float) -> None:
        try:
            line = self._format % _Atoms(environ, status or "-", length, duration)
        except (KeyError, TypeError, ValueError) as error:
            line = f"bad --access-logformat: {error}"
        with self._lock:
            try:
                if self._owned and self._stream.closed:
                    # A request that finishes while the server stops still gets its line.
                    with open(self._destination, "a", encoding="utf-8") as late:
                        late.write(line + "\n")
                    return
                self._stream.write(line + "\n")
                self._stream.flush()
            except (OSError, ValueError):
                pass
