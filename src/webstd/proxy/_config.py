"""The proxy's configuration: one immutable object, built by the command line or by a caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from webstd.protocol import DEFAULT_LIMITS, Limits


@dataclass(frozen=True, slots=True)
class ProxyConfig:
    """Everything ``webstd proxy`` can be told. Timeouts are in seconds."""

    bind: str = "127.0.0.1"
    port: int = 3128
    #: ``b"user:password"``: require Proxy-Authorization Basic with these credentials.
    credentials: bytes | None = None
    #: CONNECT is refused (403) to any other port.
    connect_ports: frozenset[int] = frozenset({443})
    #: Let clients reach loopback, private, link-local and reserved addresses.
    allow_private: bool = False
    #: When not empty, only these host names (fnmatch patterns such as ``*.example.com``) are served.
    allowed_hosts: tuple[str, ...] = ()
    connect_timeout: float = 10.0
    #: How long the origin may take to answer, and to send each further piece of its response.
    response_timeout: float = 60.0
    #: A tunnel with no traffic either way for this long is closed.
    tunnel_timeout: float = 300.0
    #: How long a client may take to send a request (head and body), or stay idle between requests.
    client_timeout: float = 30.0
    #: Idle keep-alive connections kept per origin address, and for how long.
    pool_size: int = 32
    pool_timeout: float = 30.0
    #: A request body up to this size is received whole before a byte goes to the origin, so a
    #: malformed body never reaches it; larger bodies are streamed.
    request_buffer: int = 65536
    #: The pseudonym in the Via field this proxy adds (RFC 9110 section 7.6.3).
    pseudonym: str = "webstd"
    access_log: TextIO | None = None
    limits: Limits = DEFAULT_LIMITS
