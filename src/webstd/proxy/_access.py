"""Who may be reached: host name allow-lists, CONNECT ports, and the address ranges refused.

Safe by default (the SSRF class of attacks): after name resolution, every address in a loopback,
private, link-local, reserved, multicast or cloud-metadata range is refused, IPv4-mapped IPv6
addresses are judged by the IPv4 address they carry, and the proxy connects to the very address it
checked, never to the name again (so DNS rebinding cannot swap it afterwards).
"""

from __future__ import annotations

import asyncio
import fnmatch
import ipaddress
import re
import socket

from webstd.proxy._config import ProxyConfig

# Not covered by the ipaddress predicates in every Python version: shared address space (RFC 6598,
# where some clouds put their metadata service) and the metadata addresses themselves.
_REFUSED_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in ("100.64.0.0/10", "169.254.169.254/32", "fd00:ec2::254/128")
)

# RFC 1123 host names (letters, digits, hyphens, dots); a name that is none is not resolved at all.
_HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9\-_.]*[a-z0-9])?")


class Refused(Exception):
    """The destination is not allowed: the client gets ``status_code`` (403, or 400)."""

    def __init__(self, message: str, status_code: int = 403) -> None:
        super().__init__(message)
        self.status_code = status_code


class Unreachable(Exception):
    """The name does not resolve or no address accepts a connection: the client gets 502."""


def refused_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for an address a proxy that is safe by default must not connect to."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or any(address in network for network in _REFUSED_NETWORKS)
    )


def literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_host(host: str, config: ProxyConfig) -> None:
    """Refuses a host name that is malformed or outside ``--allow``."""
    if literal_address(host) is None and _HOST_NAME.fullmatch(host) is None:
        raise Refused(f"invalid host {host[:80]!r}", 400)
    if config.allowed_hosts and not any(
        fnmatch.fnmatchcase(host, pattern) for pattern in config.allowed_hosts
    ):
        raise Refused(f"{host} is not in the allow-list")


def check_connect_port(port: int, config: ProxyConfig) -> None:
    if port not in config.connect_ports:
        raise Refused(f"CONNECT to port {port} is not allowed")


def allowed_literal(host: str, config: ProxyConfig) -> str | None:
    """For an IP literal host: the address to connect to (Refused if forbidden). None for names."""
    address = literal_address(host)
    if address is None:
        return None
    if not config.allow_private and refused_address(address):
        raise Refused(f"{host} is in a refused address range")
    return str(address)


async def resolve(host: str, port: int, config: ProxyConfig) -> list[str]:
    """The addresses of ``host`` that may be reached, in resolver order; Refused if none may."""
    literal = allowed_literal(host, config)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    try:
        results = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise Unreachable(f"cannot resolve {host}: {error}") from None
    addresses: list[str] = []
    for _, _, _, _, sockaddr in results:
        address = ipaddress.ip_address(sockaddr[0])
        if (config.allow_private or not refused_address(address)) and str(address) not in addresses:
            addresses.append(str(address))
    if not addresses:
        raise Refused(f"{host} resolves only to refused address ranges")
    return addresses
