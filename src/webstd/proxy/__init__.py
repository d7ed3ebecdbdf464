"""webstd.proxy: a forward HTTP proxy (``webstd proxy``), on webstd.protocol and asyncio.

It owns forwarding absolute-form ``http://`` requests with pooled keep-alive connections to
origins, CONNECT tunnels, the access rules (refused address ranges, CONNECT ports, host
allow-lists), Basic proxy authentication, timeouts and the access log. It must not parse HTTP
itself: every byte in either direction goes through webstd.protocol's parsers and serializers.

Modules: _client (one client connection, the request/response state machine), _upstream
(origin connections and their pool), _tunnel (CONNECT relays), _rewrite (what forwarding changes
in a message), _access (who may be reached), _auth, _log, _config, _server.
"""

from webstd.proxy._config import ProxyConfig
from webstd.proxy._server import BackgroundProxy, ProxyServer

__all__ = ["BackgroundProxy", "ProxyConfig", "ProxyServer"]
