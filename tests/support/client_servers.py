"""Small raw-socket servers on 127.0.0.1 for client tests: peers that answer exactly the bytes a test
scripts, including broken ones (bad status lines, truncated bodies, early closes, slow answers).

``ScriptedServer(script)`` runs ``script(connection, server)`` in a thread for every accepted
connection; ``server.requests`` collects the requests received (parsed by webstd.protocol's
RequestParser, with their raw bytes), so a test can assert on what the client sent.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from webstd.protocol import NEED_DATA, Data, EndOfMessage, Request, RequestParser


@dataclass
class ReceivedRequest:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    raw: bytes = b""
    trailers: list[tuple[str, str]] = field(default_factory=list)


class Peer:
    """One accepted connection, with a request reader that keeps bytes between requests."""

    def __init__(self, sock: socket.socket, server: ScriptedServer) -> None:
        self.sock = sock
        self.server = server
        self.parser = RequestParser(require_host=False)

    def read_request(self) -> ReceivedRequest | None:
        """The next complete request (None when the client closed first)."""
        raw = bytearray()
        request = None
        body = bytearray()
        while True:
            event = self.parser.next_event()
            if event is NEED_DATA:
                try:
                    data = self.sock.recv(65536)
                except OSError:
                    return None
                raw += data
                if data:
                    self.parser.feed(data)
                else:
                    self.parser.feed_eof()
            elif type(event) is Request:
                request = event
            elif type(event) is Data:
                body += event.data
            elif type(event) is EndOfMessage:
                received = ReceivedRequest(
                    request.method, request.target, request.headers.items(), bytes(body),
                    bytes(raw), event.trailers.items(),
                )
                self.server.requests.append(received)
                return received
            else:
                return None

    def restart_parser(self) -> None:
        """Reads HTTP again after a CONNECT (the parser pauses on one, as a server must)."""
        self.parser = RequestParser(require_host=False)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        self.sock.close()


class ScriptedServer:
    def __init__(self, script: Callable[[Peer], None], tls: ssl.SSLContext | None = None) -> None:
        self.script = script
        self.tls = tls
        self.requests: list[ReceivedRequest] = []
        self.raw_received = bytearray()
        self.connections = 0
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> ScriptedServer:
        self._accepter.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.listener.close()
        for thread in self._threads:
            thread.join(5)

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            thread = threading.Thread(target=self._run, args=(sock,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _run(self, sock: socket.socket) -> None:
        try:
            if self.tls is not None:
                sock.settimeout(5)
                sock = self.tls.wrap_socket(sock, server_side=True)
            peer = Peer(sock, self)
            self.script(peer)
        except OSError:
            pass
        finally:
            sock.close()


def answer_each(*responses: bytes, close_after: bool = False) -> Callable[[Peer], None]:
    """A script: read a request, send the next response, for each response; then close."""

    def script(peer: Peer) -> None:
        for response in responses:
            if peer.read_request() is None:
                return
            peer.send(response)
        if not close_after:
            peer.read_request()

    return script


def answer_then_close(response: bytes) -> Callable[[Peer], None]:
    """A script: read one request, send ``response`` (possibly broken), close at once."""

    def script(peer: Peer) -> None:
        if peer.read_request() is not None:
            peer.send(response)

    return script
