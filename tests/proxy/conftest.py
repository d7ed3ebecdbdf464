"""Fixtures for the proxy tests: a proxy on its own loop thread, and a scriptable raw origin."""

from __future__ import annotations

import io

import pytest

from support.proxy import RawOrigin
from webstd.proxy import BackgroundProxy, ProxyConfig


@pytest.fixture
def origin():
    server = RawOrigin()
    yield server
    server.close()


@pytest.fixture
def start_proxy():
    """``start_proxy(**config)`` -> (host, port, log) with a proxy allowed to reach 127.0.0.1."""
    started = []

    def start(**options):
        options.setdefault("allow_private", True)
        log = options.setdefault("access_log", io.StringIO())
        proxy = BackgroundProxy(ProxyConfig(port=0, **options))
        proxy.__enter__()
        started.append(proxy)
        host, port = proxy.address
        return host, port, log

    yield start
    for proxy in started:
        proxy.__exit__(None, None, None)
