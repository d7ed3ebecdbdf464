"""A scriptable raw origin and socket helpers for the proxy tests (tests/proxy, tests/e2e)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from webstd.protocol import NEED_DATA, EndOfMessage, Request, RequestParser


class ThreadedOrigin:
    """An origin listening on 127.0.0.1 (``port``) that counts its connections and serves each
    in a thread with ``_serve``; a subclass sets what ``_serve`` uses before calling __init__."""

    def __init__(self) -> None:
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            self._open.append(sock)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._listener.close()
        for sock in self._open:
            with contextlib.suppress(OSError):
                sock.close()


class RawOrigin(ThreadedOrigin):
    """An origin on 127.0.0.1 that records every byte and connection it gets, and answers each
    complete request with ``reply`` (bytes, or a callable taking the Request)."""

    def __init__(self, reply=b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") -> None:
        self.reply = reply
        self.received = bytearray()
        self.requests: list[Request] = []
        self.bodies: list[bytes] = []
        super().__init__()

    def _serve(self, sock: socket.socket) -> None:
        parser = RequestParser()
        body = b""
        with contextlib.suppress(OSError):
            while True:
                data = sock.recv(65536)
                if not data:
                    return
                self.received += data
                parser.feed(data)
                while (event := parser.next_event()) is not NEED_DATA:
                    if isinstance(event, Request):
                        self.requests.append(event)
                        body = b""
                    elif isinstance(event, EndOfMessage):
                        self.bodies.append(body)
                        reply = self.reply(self.requests[-1]) if callable(self.reply) else self.reply
                        if reply is None:
                            continue
                        sock.sendall(reply)
                        if reply.endswith(b"\r\n\r\n") and b"close" in reply.lower():
                            sock.close()
                            return
                    elif hasattr(event, "data"):
                        body += event.data
                    else:
                        break


def exchange(port: int, raw: bytes, timeout: float = 5.0) -> bytes:
    """Sends ``raw`` to the proxy, half-closes, returns everything until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
        return b"".join(chunks)


def wait_for(predicate, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
