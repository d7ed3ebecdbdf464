"""The HTTP and HTTPS handlers: a Request becomes a request on a pooled webstd.http.client connection.

Where 3.11 opens a new connection per urlopen and sends ``Connection: close``, webstd keeps
connections alive in one process-wide :class:`~webstd.urllib._pool.ConnectionPool`: the response
hands its connection back when its body has been read to the end and the server allowed
keep-alive (webstd.http.client decides both and retries a safe request once when a reused
connection turns out to be closed). A response dropped unread never returns its connection.
"""

from __future__ import annotations

import atexit
import socket
from functools import partial
from typing import Any

from webstd.http import client
from webstd.urllib._pool import ConnectionPool
from webstd.urllib._request_base import BaseHandler, Request
from webstd.urllib._request_urls import split_host, split_type
from webstd.urllib.error import URLError

#: The idle keep-alive connections of every HTTP(S) handler in the process.
POOL = ConnectionPool()
# Idle connections are closed at exit rather than left to the collector.
atexit.register(POOL.clear)
_DEFAULT_TIMEOUT = socket._GLOBAL_DEFAULT_TIMEOUT  # type: ignore[attr-defined]


def _give_back(release: Any, key: Any, connection: Any, response: Any) -> None:
    """The response's release hook: let the connection settle, then pool it if it stayed open."""
    release(response)
    if connection.sock is not None:
        POOL.put(key, connection)


def _name(item: tuple[str, Any]) -> str:
    return item[0]


def _set_timeout(connection: Any, timeout: Any) -> None:
    connection.timeout = timeout
    if connection.sock is not None:
        connection.sock.settimeout(socket.getdefaulttimeout() if timeout is _DEFAULT_TIMEOUT
                                   else timeout)


class AbstractHTTPHandler(BaseHandler):
    """Fills in a request's defaults (``do_request_``) and sends it (``do_open``)."""

    #: A webstd addition: the largest response body, in total, that a response opened by this
    #: handler hands out (webstd.http.client.ResponseBodyTooLarge beyond it); None: no limit.
    max_body_size: int | None = None

    def __init__(self, debuglevel: int | None = None, *, max_body_size: int | None = None) -> None:
        self._debuglevel = debuglevel if debuglevel is not None else client.HTTPConnection.debuglevel
        if max_body_size is not None:
            self.max_body_size = client._check_body_limit(max_body_size)

    def set_http_debuglevel(self, level: int) -> None:
        self._debuglevel = level

    def _get_content_length(self, request: Request) -> int | None:
        return client._body_length(request.data, request.get_method())

    def do_request_(self, request: Request) -> Request:
        host = request.host
        if not host:
            raise URLError("no host given")
        if request.data is not None:
            if isinstance(request.data, str):
                raise TypeError("POST data should be bytes, an iterable of bytes, or a file "
                                "object. It cannot be of type str.")
            if not request.has_header("Content-type"):
                request.add_unredirected_header("Content-type",
                                                "application/x-www-form-urlencoded")
            if (not request.has_header("Content-length")
                    and not request.has_header("Transfer-encoding")):
                length = self._get_content_length(request)
                if length is not None:
                    request.add_unredirected_header("Content-length", str(length))
                else:
                    request.add_unredirected_header("Transfer-encoding", "chunked")
        selector_host = host
        if request.has_proxy():
            _, rest = split_type(request.selector)
            selector_host, _ = split_host(rest)
        if not request.has_header("Host"):
            request.add_unredirected_header("Host", selector_host)
        for name, value in self.parent.addheaders:
            name = name.capitalize()
            if not request.has_header(name):
                request.add_unredirected_header(name, value)
        return request

    def do_open(self, http_class: Any, req: Request, **http_conn_args: Any) -> Any:
        """Sends ``req`` on a pooled (or new) ``http_class`` connection; returns the response."""
        host = req.host
        if not host:
            raise URLError("no host given")
        merged = dict(req.unredirected_hdrs)
        for name, value in req.headers.items():
            merged.setdefault(name, value)
        headers = {name.title(): value for name, value in merged.items()}
        tunnel_headers = {}
        if req._tunnel_host:
            # The proxy's credentials go on the CONNECT, never through the tunnel.
            proxy_authorization = headers.pop("Proxy-Authorization", None)
            if proxy_authorization is not None:
                tunnel_headers["Proxy-Authorization"] = proxy_authorization
        key = (http_class, host, req._tunnel_host, tuple(tunnel_headers.items()),
               tuple(sorted(http_conn_args.items(), key=_name)) if http_conn_args else ())
        connection = POOL.get(key)
        if connection is None:
            connection = http_class(host, timeout=req.timeout, **http_conn_args)
            if req._tunnel_host:
                connection.set_tunnel(req._tunnel_host, headers=tunnel_headers)
        elif connection.timeout is not req.timeout:
            _set_timeout(connection, req.timeout)
        connection.set_debuglevel(self._debuglevel)
        connection.max_body_size = self.max_body_size
        try:
            try:
                connection.request(req.get_method(), req.selector, req.data, headers,
                                   encode_chunked=req.has_header("Transfer-encoding"))
            except OSError as error:
                raise URLError(error)
            response = connection.getresponse()
        except BaseException:
            connection.close()
            raise
        release = response._release
        if release is not None:
            response._release = partial(_give_back, release, key, connection)
        elif connection.sock is not None:
            # The whole response (no body, or an empty one) was read with the head.
            POOL.put(key, connection)
        response.url = req.get_full_url()
        response.msg = response.reason
        return response


class HTTPHandler(AbstractHTTPHandler):
    def http_open(self, req: Request) -> Any:
        return self.do_open(client.HTTPConnection, req)

    http_request = AbstractHTTPHandler.do_request_


class HTTPSHandler(AbstractHTTPHandler):
    def __init__(self, debuglevel: int | None = None, context: Any = None,
                 check_hostname: bool | None = None, *, max_body_size: int | None = None) -> None:
        super().__init__(debuglevel, max_body_size=max_body_size)
        self._context = context
        self._check_hostname = check_hostname

    def https_open(self, req: Request) -> Any:
        return self.do_open(client.HTTPSConnection, req, context=self._context,
                            check_hostname=self._check_hostname)

    https_request = AbstractHTTPHandler.do_request_
