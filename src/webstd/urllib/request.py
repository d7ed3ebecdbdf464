"""webstd.urllib.request: open URLs with Python 3.11's urllib.request API.

The public face: ``urlopen``, ``Request``, ``build_opener`` and the handlers. The machinery lives
in internal modules: the handler protocol and Request (``_request_base``), HTTP(S) over pooled
keep-alive connections (``_request_http``, ``_pool``), redirects (``_request_redirect``),
``file:`` and ``data:`` (``_request_local``), proxy settings (``_request_proxy``) and
authentication (``_auth``), ``ftp:`` on ftplib (``_request_ftp``) and the deprecated URLopener
and FancyURLopener (``_request_legacy``).
"""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import ssl
import tempfile
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from webstd.http import cookiejar as _cookiejar
from webstd.urllib._auth import (
    AbstractBasicAuthHandler,
    AbstractDigestAuthHandler,
    HTTPPasswordMgr,
    HTTPPasswordMgrWithDefaultRealm,
    HTTPPasswordMgrWithPriorAuth,
    digest_host,
    parse_http_list,
    parse_keqv_list,
)
from webstd.urllib._request_base import BaseHandler, OpenerDirector, Request, request_host
from webstd.urllib._request_ftp import (
    MAXFTPCACHE,
    CacheFTPHandler,
    FTPHandler,
    ftpcache,
    ftperrors,
    ftpwrapper,
)
from webstd.urllib._request_http import AbstractHTTPHandler, HTTPHandler, HTTPSHandler
from webstd.urllib._request_legacy import (
    FancyURLopener,
    URLopener,
    localhost,
    noheaders,
    thishost,
)
from webstd.urllib._request_legacy import (
    copy_with_progress as _copy_with_progress,
)
from webstd.urllib._request_local import DataHandler, FileHandler, pathname2url, url2pathname
from webstd.urllib._request_proxy import (
    _proxy_bypass_macosx_sysconf,  # noqa: F401 - private in 3.11 too; its tests import it
    _proxy_bypass_winreg_override,  # noqa: F401 - 3.13's, imported by 3.13's tests
    getproxies,
    getproxies_environment,
    proxy_bypass,
    proxy_bypass_environment,
)
from webstd.urllib._request_redirect import HTTPRedirectHandler
from webstd.urllib._request_urls import parse_proxy as _parse_proxy
from webstd.urllib._request_urls import split_type
from webstd.urllib.error import ContentTooShortError, HTTPError, URLError
from webstd.urllib.parse import unquote

__all__ = [
    "Request", "OpenerDirector", "BaseHandler", "HTTPDefaultErrorHandler", "HTTPRedirectHandler",
    "HTTPCookieProcessor", "ProxyHandler", "HTTPPasswordMgr", "HTTPPasswordMgrWithDefaultRealm",
    "HTTPPasswordMgrWithPriorAuth", "AbstractBasicAuthHandler", "HTTPBasicAuthHandler",
    "ProxyBasicAuthHandler", "AbstractDigestAuthHandler", "HTTPDigestAuthHandler",
    "ProxyDigestAuthHandler", "HTTPHandler", "FileHandler", "DataHandler", "UnknownHandler",
    "HTTPErrorProcessor", "urlopen", "install_opener", "build_opener", "pathname2url",
    "url2pathname", "getproxies", "urlretrieve", "urlcleanup", "HTTPSHandler", "FTPHandler",
    "CacheFTPHandler", "URLopener", "FancyURLopener",
]  # fmt: skip

# Names 3.11 also exposes outside __all__.
__all__ += ["AbstractHTTPHandler", "parse_http_list", "parse_keqv_list", "request_host",
            "getproxies_environment", "proxy_bypass", "proxy_bypass_environment", "ftpwrapper",
            "ftpcache", "MAXFTPCACHE", "ftperrors", "localhost", "thishost", "noheaders"]  # fmt: skip

_DEFAULT_TIMEOUT = socket._GLOBAL_DEFAULT_TIMEOUT  # type: ignore[attr-defined]
_opener: OpenerDirector | None = None
_url_tempfiles: list[str] = []


def urlopen(url: str | Request, data: Any = None, timeout: Any = _DEFAULT_TIMEOUT, *, cafile: str | None = None,
            capath: str | None = None, cadefault: bool = False, context: Any = None,
            max_body_size: int | None = None) -> Any:
    """Opens ``url`` with the installed opener (or a default one, built once and reused).

    ``max_body_size`` (a webstd addition) limits the response body: reading more than that many
    bytes of it raises webstd.http.client.ResponseBodyTooLarge. It builds an opener of its own
    with the default handlers (as ``context`` does), so an installed opener is not used.
    """
    global _opener
    if max_body_size is not None:
        https = HTTPSHandler(context=context, max_body_size=max_body_size)
        if cafile or capath or cadefault:
            raise ValueError("max_body_size cannot be combined with cafile, capath or cadefault")
        return build_opener(HTTPHandler(max_body_size=max_body_size), https).open(url, data, timeout)
    if cafile or capath or cadefault:
        warnings.warn("cafile, capath and cadefault are deprecated, use a custom context instead.",
                      DeprecationWarning, 2)
        if context is not None:
            raise ValueError(
                "You can't pass both context and any of cafile, capath, and cadefault"
            )
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile,
                                             capath=capath)
        context.set_alpn_protocols(["http/1.1"])
        opener = build_opener(HTTPSHandler(context=context))
    elif context:
        opener = build_opener(HTTPSHandler(context=context))
    elif _opener is None:
        _opener = opener = build_opener()
    else:
        opener = _opener
    return opener.open(url, data, timeout)


def install_opener(opener: OpenerDirector | None) -> None:
    """Makes ``opener`` the one urlopen uses (None: a default one again)."""
    global _opener
    _opener = opener


def build_opener(*handlers: Any) -> OpenerDirector:
    """An opener with the default handlers, where ``handlers`` (classes or instances) replace
    the defaults they subclass and add to them otherwise."""
    opener = OpenerDirector()
    default_classes = [ProxyHandler, UnknownHandler, HTTPHandler, HTTPDefaultErrorHandler,
                       HTTPRedirectHandler, FTPHandler, FileHandler, HTTPErrorProcessor,
                       DataHandler, HTTPSHandler]  # fmt: skip
    replaced = set()
    for default in default_classes:
        for given in handlers:
            if isinstance(given, type):
                if issubclass(given, default):
                    replaced.add(default)
            elif isinstance(given, default):
                replaced.add(default)
    for default in default_classes:
        if default not in replaced:
            opener.add_handler(default())
    for given in handlers:
        opener.add_handler(given() if isinstance(given, type) else given)
    return opener


class UnknownHandler(BaseHandler):
    def unknown_open(self, req: Request) -> Any:
        raise URLError(f"unknown url type: {req.type}")


class HTTPDefaultErrorHandler(BaseHandler):
    def http_error_default(self, req: Request, fp: Any, code: int, msg: str, hdrs: Any) -> Any:
        raise HTTPError(req.full_url, code, msg, hdrs, fp)


class HTTPErrorProcessor(BaseHandler):
    """Hands every non-2xx response to the opener's error handlers."""

    handler_order = 1000

    def http_response(self, request: Request, response: Any) -> Any:
        code = response.code
        if not 200 <= code < 300:
            response = self.parent.error("http", request, response, code, response.msg,
                                         response.info())
        return response

    https_response = http_response


class HTTPCookieProcessor(BaseHandler):
    """Sends the jar's cookies with each request and stores the ones responses set."""

    def __init__(self, cookiejar: Any = None) -> None:
        if cookiejar is None:
            cookiejar = _cookiejar.CookieJar()
        self.cookiejar = cookiejar

    def http_request(self, request: Request) -> Request:
        self.cookiejar.add_cookie_header(request)
        return request

    def http_response(self, request: Request, response: Any) -> Any:
        self.cookiejar.extract_cookies(response, request)
        return response

    https_request = http_request
    https_response = http_response


class ProxyHandler(BaseHandler):
    """Sends requests through the proxies given (default: from the environment's ``*_proxy``)."""

    # Before the scheme handlers: it rewrites the request they send.
    handler_order = 100

    def __init__(self, proxies: Mapping[str, str] | None = None) -> None:
        if proxies is None:
            proxies = getproxies()
        if not hasattr(proxies, "keys"):
            raise AssertionError("proxies must be a mapping")
        self.proxies = proxies
        for scheme, url in proxies.items():
            scheme = scheme.lower()
            setattr(self, f"{scheme}_open",
                    lambda r, proxy=url, type=scheme, meth=self.proxy_open: meth(r, proxy, type))

    def proxy_open(self, req: Request, proxy: str, type: str) -> Any:  # noqa: A002
        original_type = req.type
        proxy_type, user, password, hostport = _parse_proxy(proxy)
        if proxy_type is None:
            proxy_type = original_type
        if req.host and proxy_bypass(req.host):
            return None
        if user and password:
            credentials = f"{unquote(user)}:{unquote(password)}".encode()
            req.add_header("Proxy-authorization",
                           "Basic " + base64.b64encode(credentials).decode("ascii"))
        req.set_proxy(unquote(hostport), proxy_type)
        if original_type == proxy_type or original_type == "https":
            return None
        # The proxy speaks another scheme: start over with the rewritten request.
        return self.parent.open(req, timeout=req.timeout)


class HTTPBasicAuthHandler(AbstractBasicAuthHandler, BaseHandler):
    auth_header = "Authorization"

    def http_error_401(self, req: Request, fp: Any, code: int, msg: str, headers: Any) -> Any:
        return self.http_error_auth_reqed("www-authenticate", req.full_url, req, headers)


class ProxyBasicAuthHandler(AbstractBasicAuthHandler, BaseHandler):
    auth_header = "Proxy-authorization"

    def http_error_407(self, req: Request, fp: Any, code: int, msg: str, headers: Any) -> Any:
        # The proxy is the authority here: look the credentials up under its host:port.
        return self.http_error_auth_reqed("proxy-authenticate", req.host, req, headers)


class HTTPDigestAuthHandler(BaseHandler, AbstractDigestAuthHandler):
    auth_header = "Authorization"
    # Before Basic: when a server offers both, Digest does not send the password.
    handler_order = 490

    def http_error_401(self, req: Request, fp: Any, code: int, msg: str, headers: Any) -> Any:
        retry = self.http_error_auth_reqed("www-authenticate", digest_host(req), req, headers)
        self.reset_retry_count()
        return retry


class ProxyDigestAuthHandler(BaseHandler, AbstractDigestAuthHandler):
    auth_header = "Proxy-Authorization"
    handler_order = 490

    def http_error_407(self, req: Request, fp: Any, code: int, msg: str, headers: Any) -> Any:
        retry = self.http_error_auth_reqed("proxy-authenticate", req.host, req, headers)
        self.reset_retry_count()
        return retry


def urlretrieve(url: str, filename: str | None = None,
                reporthook: Callable[[int, int, int], object] | None = None,
                data: Any = None) -> tuple[str, Any]:
    """Saves ``url`` to ``filename`` (a temporary file when None); returns (filename, headers).

    ``reporthook(block_number, block_size, total_size)`` is called once before the first block
    and after each one; total_size is -1 without a Content-Length.
    """
    url_type, path = split_type(url)
    with contextlib.closing(urlopen(url, data)) as response:
        headers = response.info()
        if url_type == "file" and not filename:
            return os.path.normpath(path), headers
        if filename:
            target = open(filename, "wb")
        else:
            target = tempfile.NamedTemporaryFile(delete=False)
            filename = target.name
            _url_tempfiles.append(filename)
        with target:
            result = filename, headers
            size, received = _copy_with_progress(response, target, headers, reporthook)
    if size >= 0 and received < size:
        raise ContentTooShortError(
            f"retrieval incomplete: got only {received} out of {size} bytes", result
        )
    return result


def urlcleanup() -> None:
    """Removes urlretrieve's temporary files and forgets the installed opener."""
    global _opener
    for temporary in _url_tempfiles:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
    del _url_tempfiles[:]
    _opener = None
