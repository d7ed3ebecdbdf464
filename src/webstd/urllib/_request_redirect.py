"""HTTPRedirectHandler: following 3xx responses (RFC 9110 section 15.4) safely.

Rules, in the order they are applied:
- Only http, https, ftp and relative targets are followed; anything else is an HTTPError.
- 301/302 turn a POST into a GET and 303 turns every method but HEAD into a GET, dropping the body
  and the Content-* fields (RFC 9110 sections 15.4.2-15.4.4). 307/308 repeat the method and the
  body (sections 15.4.8-15.4.9) when the body can be sent again (bytes or None).
- Authorization, Proxy-Authorization and Cookie never follow a redirect to another origin
  (scheme, host, port; RFC 6454): the credentials were meant for the first server only.
- A URL visited ``max_repeats`` times, or ``max_redirections`` hops in all, is a loop: HTTPError.
"""

from __future__ import annotations

import string
from typing import Any

from webstd.urllib._request_base import BaseHandler, Request
from webstd.urllib.error import HTTPError
from webstd.urllib.parse import quote, urljoin, urlparse, urlsplit, urlunparse

_FOLLOWED_SCHEMES = frozenset(("http", "https", "ftp", ""))
_TO_GET_FROM_POST = frozenset((301, 302))
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ORIGIN_BOUND_FIELDS = frozenset(("authorization", "proxy-authorization", "cookie"))


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or ""), port or _DEFAULT_PORTS.get(scheme)


def _replayable(data: Any) -> bool:
    return data is None or isinstance(data, (bytes, bytearray, memoryview))


class HTTPRedirectHandler(BaseHandler):
    """Follows 301, 302, 303, 307 and 308 by opening a new Request."""

    max_repeats = 4
    max_redirections = 10
    inf_msg = ("The HTTP server returned a redirect error that would lead to an infinite loop.\n"
               "The last 30x error message was:\n")

    def redirect_request(self, req: Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Request | None:
        """The Request to send to ``newurl``, or HTTPError when it must not be followed."""
        method = req.get_method()
        keeps_method = code in (307, 308) or method in ("GET", "HEAD")
        if code not in (301, 302, 303, 307, 308) or (
            code in (307, 308) and not _replayable(req.data)
        ) or (code in _TO_GET_FROM_POST and method not in ("GET", "HEAD", "POST")):
            raise HTTPError(req.full_url, code, msg, headers, fp)
        newurl = newurl.replace(" ", "%20")
        same_origin = _origin(newurl) == _origin(req.full_url)
        if code in (307, 308):
            new_headers = dict(req.headers)
            data, new_method = req.data, method
        else:
            new_headers = {name: value for name, value in req.headers.items()
                           if not name.lower().startswith("content-")}
            data, new_method = None, (method if keeps_method else "GET")
        if not same_origin:
            new_headers = {name: value for name, value in new_headers.items()
                           if name.lower() not in _ORIGIN_BOUND_FIELDS}
        new = Request(newurl, data=data, headers=new_headers,
                      origin_req_host=req.origin_req_host, unverifiable=True)
        if new_method != new.get_method():
            new.method = new_method
        return new

    def http_error_302(self, req: Request, fp: Any, code: int, msg: str, headers: Any) -> Any:
        if "location" in headers:
            newurl = headers["location"]
        elif "uri" in headers:
            newurl = headers["uri"]
        else:
            return None
        parts = urlparse(newurl)
        if not parts.path and parts.netloc:
            newurl = urlunparse(parts._replace(path="/"))
        # A Location with raw non-ASCII or spaces is made a valid URL (RFC 3986 section 2.1).
        newurl = quote(newurl, encoding="iso-8859-1", safe=string.punctuation)
        newurl = urljoin(req.full_url, newurl)
        if urlparse(newurl).scheme not in _FOLLOWED_SCHEMES:
            raise HTTPError(newurl, code, f"{msg} - Redirection to url '{newurl}' is not allowed",
                            headers, fp)
        new = self.redirect_request(req, fp, code, msg, headers, newurl)
        if new is None:
            return None
        if hasattr(req, "redirect_dict"):
            visited = new.redirect_dict = req.redirect_dict
            if (visited.get(newurl, 0) >= self.max_repeats
                    or len(visited) >= self.max_redirections):
                raise HTTPError(req.full_url, code, self.inf_msg + msg, headers, fp)
        else:
            visited = new.redirect_dict = req.redirect_dict = {}
        visited[newurl] = visited.get(newurl, 0) + 1
        # Reading the redirect's body to the end lets its connection be reused.
        fp.read()
        fp.close()
        return self.parent.open(new, timeout=req.timeout)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302
