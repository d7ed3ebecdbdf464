"""Request, BaseHandler and OpenerDirector: what a request is and how handlers are chained.

An OpenerDirector finds its handlers' methods by name (``<scheme>_request``, ``<scheme>_open``,
``<scheme>_response``, ``http_error_<code>``, ``<scheme>_error``) and calls them in
``handler_order``; the first handler that returns something other than None wins. This module owns
that protocol and nothing about any scheme.
"""

from __future__ import annotations

import bisect
import socket
import sys
from typing import Any

from webstd.urllib._request_urls import cut_port, split_host, split_tag, split_type
from webstd.urllib.parse import unquote, unwrap, urlparse

__version__ = f"{sys.version_info[0]}.{sys.version_info[1]}"
# Methods of handlers that look like chain methods by name but are not.
_NOT_CHAIN_METHODS = frozenset(("redirect_request", "do_open", "proxy_open"))
# Programs open the same URLs again and again (polling, one site's pages): what a URL splits
# into is remembered for this many URLs, then forgotten all at once. Only successful splits are
# kept, and the values are immutable strings, so a hit gives exactly what splitting would.
_SPLITS_KEPT = 256
_url_parts: dict[str, tuple[str, str | None, str]] = {}
_request_hosts: dict[str, str] = {}


def _remember(cache: dict[str, Any], url: str, value: Any) -> None:
    if len(cache) >= _SPLITS_KEPT:
        cache.clear()
    cache[url] = value


def request_host(request: Request) -> str:
    """The request's host, lower case and without port (RFC 2965's request-host)."""
    url = request.full_url
    host = _request_hosts.get(url)
    if host is not None:
        return host
    host = urlparse(url)[1]
    if host == "":
        return cut_port(request.get_header("Host", "")).lower()
    host = cut_port(host).lower()
    _remember(_request_hosts, url, host)
    return host


class Request:
    """A URL to open, with its body, method and headers (names stored ``Capitalized``)."""

    def __init__(self, url: str, data: Any = None, headers: Any = {},  # noqa: B006 - stdlib API
                 origin_req_host: str | None = None, unverifiable: bool = False,
                 method: str | None = None) -> None:
        self.full_url = url
        self.headers: dict[str, str] = {}
        self.unredirected_hdrs: dict[str, str] = {}
        self._data = None
        self.data = data
        self._tunnel_host: str | None = None
        for key, value in headers.items():
            self.add_header(key, value)
        if origin_req_host is None:
            origin_req_host = request_host(self)
        self.origin_req_host = origin_req_host
        self.unverifiable = unverifiable
        if method:
            self.method = method

    @property
    def full_url(self) -> str:
        if self.fragment:
            return f"{self._full_url}#{self.fragment}"
        return self._full_url

    @full_url.setter
    def full_url(self, url: str) -> None:
        self._full_url, self.fragment = split_tag(unwrap(url))
        self._parse()

    @full_url.deleter
    def full_url(self) -> None:
        self._full_url = None
        self.fragment = None
        self.selector = ""

    @property
    def data(self) -> Any:
        return self._data

    @data.setter
    def data(self, data: Any) -> None:
        if data != self._data:
            self._data = data
            # A new body invalidates a length computed for the old one.
            if self.has_header("Content-length"):
                self.remove_header("Content-length")

    @data.deleter
    def data(self) -> None:
        self.data = None

    def _parse(self) -> None:
        url = self._full_url
        parts = _url_parts.get(url)
        if parts is None:
            scheme, rest = split_type(url)
            if scheme is None:
                self.type = None
                raise ValueError(f"unknown url type: {self.full_url!r}")
            host, selector = split_host(rest)
            parts = (scheme, unquote(host) if host else host, selector)
            _remember(_url_parts, url, parts)
        self.type, self.host, self.selector = parts

    def get_method(self) -> str:
        default = "POST" if self.data is not None else "GET"
        return getattr(self, "method", default)

    def get_full_url(self) -> str:
        return self.full_url

    def set_proxy(self, host: str, type: str) -> None:  # noqa: A002 - stdlib API
        if self.type == "https" and not self._tunnel_host:
            # https goes through the proxy with CONNECT (RFC 9110 section 9.3.6).
            self._tunnel_host = self.host
        else:
            self.type = type
            self.selector = self.full_url
        self.host = host

    def has_proxy(self) -> bool:
        return self.selector == self.full_url

    def add_header(self, key: str, val: str) -> None:
        self.headers[key.capitalize()] = val

    def add_unredirected_header(self, key: str, val: str) -> None:
        self.unredirected_hdrs[key.capitalize()] = val

    def has_header(self, header_name: str) -> bool:
        return header_name in self.headers or header_name in self.unredirected_hdrs

    def get_header(self, header_name: str, default: Any = None) -> Any:
        return self.headers.get(header_name, self.unredirected_hdrs.get(header_name, default))

    def remove_header(self, header_name: str) -> None:
        self.headers.pop(header_name, None)
        self.unredirected_hdrs.pop(header_name, None)

    def header_items(self) -> list[tuple[str, str]]:
        return list({**self.unredirected_hdrs, **self.headers}.items())


class BaseHandler:
    """Base of all handlers; ``handler_order`` sorts them (lower runs first)."""

    handler_order = 500
    parent: Any

    def add_parent(self, parent: Any) -> None:
        self.parent = parent

    def close(self) -> None:
        pass

    def __lt__(self, other: Any) -> bool:
        if not hasattr(other, "handler_order"):
            # Stdlib rule: objects without an order sort after every handler.
            return True
        return self.handler_order < other.handler_order


def _chain_slot(method_name: str) -> tuple[str, Any] | None:
    """``'http_error_404'`` -> ``('error', ('http', 404))``, ``'https_open'`` -> ``('open', 'https')``."""
    protocol, sep, condition = method_name.partition("_")
    if not sep:
        return None
    if condition.startswith("error"):
        # What follows "error_" is the kind (a status code when it is a number); a bare
        # "<protocol>_error" has the kind "error", as in 3.11.
        end_of_error = condition.find("_") + len(protocol) + 1
        kind: Any = method_name[end_of_error + 1:]
        try:
            kind = int(kind)
        except ValueError:
            pass
        return "error", (protocol, kind)
    if condition in ("open", "request", "response"):
        return condition, protocol
    return None


class OpenerDirector:
    """Runs a request through its handlers: request processors, openers, response processors."""

    def __init__(self) -> None:
        client_version = f"Python-urllib/{__version__}"
        self.addheaders = [("User-agent", client_version)]
        self.handlers: list[Any] = []
        self.handle_open: dict[str, list[Any]] = {}
        self.handle_error: dict[str, dict[Any, list[Any]]] = {}
        self.process_response: dict[str, list[Any]] = {}
        self.process_request: dict[str, list[Any]] = {}

    def add_handler(self, handler: Any) -> None:
        if not hasattr(handler, "add_parent"):
            raise TypeError(f"expected BaseHandler instance, got {type(handler)!r}")
        added = False
        for method_name in dir(handler):
            if method_name in _NOT_CHAIN_METHODS:
                continue
            slot = _chain_slot(method_name)
            if slot is None:
                continue
            table, kind = slot
            if table == "error":
                protocol, kind = kind
                lookup = self.handle_error.setdefault(protocol, {})
            elif table == "open":
                lookup = self.handle_open
            elif table == "response":
                lookup = self.process_response
            else:
                lookup = self.process_request
            handlers = lookup.setdefault(kind, [])
            if handlers:
                bisect.insort(handlers, handler)
            else:
                handlers.append(handler)
            added = True
        if added:
            bisect.insort(self.handlers, handler)
            handler.add_parent(self)

    def close(self) -> None:
        pass

    def _call_chain(self, chain: dict[Any, list[Any]], kind: Any, meth_name: str,
                    *args: Any) -> Any:
        for handler in chain.get(kind, ()):
            result = getattr(handler, meth_name)(*args)
            if result is not None:
                return result
        return None

    def open(self, fullurl: str | Request, data: Any = None,
             timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT) -> Any:  # type: ignore[attr-defined]
        if isinstance(fullurl, str):
            req = Request(fullurl, data)
        else:
            req = fullurl
            if data is not None:
                req.data = data
        req.timeout = timeout
        protocol = req.type
        method_name = protocol + "_request"
        for processor in self.process_request.get(protocol, ()):
            req = getattr(processor, method_name)(req)
        sys.audit("urllib.Request", req.full_url, req.data, req.headers, req.get_method())
        response = self._open(req, data)
        method_name = protocol + "_response"
        for processor in self.process_response.get(protocol, ()):
            response = getattr(processor, method_name)(req, response)
        return response

    def _open(self, req: Request, data: Any = None) -> Any:
        result = self._call_chain(self.handle_open, "default", "default_open", req)
        if result:
            return result
        protocol = req.type
        result = self._call_chain(self.handle_open, protocol, protocol + "_open", req)
        if result:
            return result
        return self._call_chain(self.handle_open, "unknown", "unknown_open", req)

    def error(self, proto: str, *args: Any) -> Any:
        if proto in ("http", "https"):
            # HTTP errors are dispatched by status code, then to http_error_default.
            chain = self.handle_error["http"]
            code = args[2]
            result = self._call_chain(chain, code, f"http_error_{code}", *args)
            if result:
                return result
            return self._call_chain(chain, "default", "http_error_default", *args)
        return self._call_chain(self.handle_error, proto, proto + "_error", *args)
