"""Running webstd's and the stdlib's HTTP servers in a thread, and talking to them over sockets."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def running(server_class: Any, handler: Any, address: tuple = ("127.0.0.1", 0), **attributes: Any) -> Iterator[Any]:
    """Starts ``server_class(address, handler)`` in serve_forever on a thread; shuts it down after."""
    server = server_class(address, handler)
    for name, value in attributes.items():
        setattr(server, name, value)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def wait_for_port(port: int, process: subprocess.Popen | None = None, timeout: float = 10.0) -> None:
    """Returns once something accepts connections on 127.0.0.1:``port``; raises RuntimeError when
    ``timeout`` seconds pass first or ``process`` (the server being started) exits."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"the process exited with {process.returncode} before port {port} "
                                   f"accepted connections: {process.args}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing accepted connections on port {port} "
                                   f"within {timeout} seconds") from None
            time.sleep(0.02)


def stop_process(process: subprocess.Popen, timeout: float = 5.0) -> None:
    """SIGTERM, then SIGKILL when the process is still there after ``timeout`` seconds (tinyproxy
    sometimes takes longer than that to finish its children)."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def connect(server: Any, timeout: float = 5.0) -> socket.socket:
    host, port = server.server_address[:2]
    return socket.create_connection((host, port), timeout=timeout)


def read_until_close(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def exchange(server: Any, raw: bytes) -> bytes:
    """Sends ``raw``, half-closes, and returns everything the server sent until it closed."""
    with connect(server) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        return read_until_close(sock)


def spawn_webstd(args: list[str], cwd: Any, pattern: str, env: dict | None = None, log: Any = None) -> tuple[subprocess.Popen, int]:
    """Starts ``python -m webstd ARGS``; returns the process and the port its start-up line names.

    The start-up line is read from stderr, or from stdout when stderr goes to the file ``log``.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "webstd", *args], cwd=cwd, text=True,
        stdout=subprocess.PIPE if log is not None else subprocess.DEVNULL,
        stderr=log if log is not None else subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})},
    )  # fmt: skip
    stream = process.stdout if log is not None else process.stderr
    line = stream.readline()
    match = re.search(pattern, line)
    if match is None:
        process.kill()
        process.wait()
        pytest.fail(f"webstd {args[0]} did not start: {line!r}")
    # Keep reading what it says, so a full pipe never blocks it.
    threading.Thread(target=stream.read, daemon=True).start()
    return process, int(match[1])
