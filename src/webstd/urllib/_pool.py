"""The keep-alive connection pool behind urlopen's HTTP and HTTPS handlers.

Idle connections wait here, keyed by everything that makes two connections interchangeable
(connection class, scheme, host, port, tunnel target and TLS context). The rules:
- A connection comes back only when its response was read to the end and allowed keep-alive
  (RFC 9112 section 9.3); the response object decides that and calls :meth:`put`.
- At most ``max_idle_per_key`` idle connections per key; keys beyond ``max_keys`` are dropped,
  least recently used first, closing their connections.
- A connection whose socket is gone is dropped; one the server closed while it was idle is found
  out by webstd.http.client itself, which reconnects before sending.
All methods are thread-safe; sockets are closed outside the lock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class ConnectionPool:
    def __init__(self, max_idle_per_key: int = 10, max_keys: int = 64) -> None:
        self.max_idle_per_key = max_idle_per_key
        self.max_keys = max_keys
        self._idle: OrderedDict[Hashable, list[Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        """An idle connection for ``key`` that still has its socket, or None."""
        while True:
            with self._lock:
                connections = self._idle.get(key)
                if not connections:
                    return None
                connection = connections.pop()
                self._idle.move_to_end(key)
            if connection.sock is not None:
                return connection
            connection.close()

    def put(self, key: Hashable, connection: Any) -> None:
        """Makes ``connection`` available again (or closes it when the pool is full)."""
        to_close = []
        with self._lock:
            connections = self._idle.get(key)
            if connections is None:
                connections = self._idle[key] = []
            else:
                self._idle.move_to_end(key)
            if len(connections) < self.max_idle_per_key:
                connections.append(connection)
            else:
                to_close.append(connection)
            while len(self._idle) > self.max_keys:
                _, evicted = self._idle.popitem(last=False)
                to_close.extend(evicted)
        for extra in to_close:
            extra.close()

    def idle_count(self, key: Hashable | None = None) -> int:
        with self._lock:
            if key is not None:
                return len(self._idle.get(key, ()))
            return sum(len(connections) for connections in self._idle.values())

    def clear(self) -> None:
        """Closes every idle connection."""
        with self._lock:
            everything = [c for connections in self._idle.values() for c in connections]
            self._idle.clear()
        for connection in everything:
            connection.close()
