"""HTTP requests for ``webstd images``: one client, per-host politeness, robots.txt, error kinds.

Requests go through :mod:`webstd._images.client` (one event loop, pooled keep-alive connections,
webstd.protocol parsing); this module follows redirects (at most 10, as urllib does), turns error
statuses into exceptions, and adds what a crawler owes the sites it visits: a ``--delay`` between
two requests to the same host (requests to one host are spaced, other hosts are not held up) and
robots.txt, fetched once per host and consulted before every image (RFC 9309 section 2.3.1: a 4xx
answer allows everything; a 5xx or 429 answer disallows everything; a host that cannot be reached
at all, refused or timed out, fails the images from it, since none of them could be fetched
either). It also sorts failures into the ones worth retrying and the ones that are final.

A URL that the ``*_proxy`` environment variables send through a proxy is fetched with
webstd.urllib.request instead, on a worker thread (it knows proxies, CONNECT and proxy
credentials); its answer is wrapped to look like the client's.
"""

from __future__ import annotations

import asyncio
import functools
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from webstd._images import robots
from webstd._images.client import Client, Response, origin
from webstd._images.extract import request_url, split_url
from webstd.http.client import HTTPException
from webstd.protocol import ProtocolError, RequestTemplate, request_head
from webstd.urllib._request_proxy import getproxies, proxy_bypass
from webstd.urllib.error import HTTPError, URLError
from webstd.urllib.parse import SplitResult, urljoin

if TYPE_CHECKING:
    from webstd.urllib.request import OpenerDirector

USER_AGENT = "webstd-images"
FETCHABLE_SCHEMES = ("http", "https")
MAX_REDIRECTS = 10
REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))
# What a proxied response is read in, on the worker thread.
THREAD_CHUNK = 64 * 1024


class FetchError(Exception):
    """A request that failed; ``reason`` is the one line the summary shows. ``status`` and
    ``headers`` are the answer's when the failure is an error status."""

    def __init__(self, reason: str, *, retry_after: float | None = None, status: int | None = None,
                 headers: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.status = status
        self.headers = headers


class FinalError(FetchError):
    """Trying again will not help (4xx, wrong type, too large, disallowed)."""


class Disallowed(FinalError):
    """robots.txt forbids the URL: the image is skipped, not failed."""


class TransientError(FetchError):
    """Worth retrying after a pause: connection failures, timeouts, 5xx, 429."""


def _retry_after(headers: Any) -> float | None:
    # RFC 9110 section 10.2.3; only the delay-seconds form is honoured, dates are rare here.
    value = headers.get("Retry-After") if headers is not None else None
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


def status_error(status: int, reason: str, headers: Any) -> FetchError:
    """The FetchError an error status (4xx, 5xx) amounts to: 5xx and 429 are worth retrying."""
    text = f"HTTP {status} {reason}".rstrip()
    if status >= 500 or status == 429:
        return TransientError(text, retry_after=_retry_after(headers), status=status, headers=headers)
    return FinalError(text, status=status, headers=headers)


def classify(error: BaseException) -> FetchError:
    """The FetchError an exception from a request or from reading a response amounts to."""
    if isinstance(error, FetchError):
        return error
    if isinstance(error, HTTPError):
        return status_error(error.code, error.msg or "", error.headers)
    if isinstance(error, URLError):
        cause = error.reason
        if isinstance(cause, (OSError, HTTPException)):
            return classify(cause)
        return FinalError(str(cause))
    if isinstance(error, (TimeoutError, socket.timeout)):
        return TransientError("timed out")
    if isinstance(error, (OSError, HTTPException, ProtocolError)):
        text = str(error) or type(error).__name__
        return TransientError(f"{type(error).__name__}: {text}" if text != type(error).__name__
                              else text)
    return FinalError(f"{type(error).__name__}: {error}")


@dataclass(frozen=True)
class FetchOptions:
    timeout: float = 30.0
    delay: float = 0.0
    respect_robots: bool = True
    user_agent: str = USER_AGENT


class _HostState:
    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.robots_lock = asyncio.Lock()
        self.last_request = -float("inf")
        self.policy: robots.RobotsPolicy | None = None
        self.policy_reason = ""
        # Set when robots.txt could not be fetched at all (no answer): every image fails with it.
        self.robots_error: FetchError | None = None


class _Server:
    """What every request to one server shares: its pool key and its fields (Host, User-Agent,
    Accept-Encoding), checked and encoded once per method (RequestTemplate)."""

    __slots__ = ("key", "fields", "_templates")

    def __init__(self, key: tuple[str, str, int], fields: list[tuple[str, str]]) -> None:
        self.key = key
        self.fields = fields
        self._templates: dict[str, RequestTemplate] = {}

    def template(self, method: str) -> RequestTemplate:
        template = self._templates.get(method)
        if template is None:
            template = self._templates[method] = RequestTemplate(method, self.fields)
        return template


class _ThreadedResponse:
    """A webstd.urllib.request response (or HTTPError) read on a worker thread, with the
    interface of webstd._images.client.Response."""

    def __init__(self, response: Any) -> None:
        self._response = response
        self.status = response.status
        self.reason = response.reason or ""
        self.headers = response.headers
        self.url = response.geturl()

    async def next_chunk(self) -> bytes:
        try:
            return await asyncio.get_running_loop().run_in_executor(
                None, self._response.read, THREAD_CHUNK)
        except Exception as error:
            raise classify(error) from error

    async def read(self, limit: int) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(None, self._response.read, limit)

    async def discard(self) -> None:
        self.close()

    def close(self) -> None:
        self._response.close()


AnyResponse = Response | _ThreadedResponse


def wire_host(parts: SplitResult) -> tuple[str, str]:
    """(Host header value, name to connect to) of a URL: the authority without user info, and an
    internationalized name as its A-labels (RFC 5890), as http.client sends it."""
    authority, host = parts.netloc.rpartition("@")[2], parts.hostname or ""
    if not authority.isascii():
        authority, host = authority.encode("idna").decode("ascii"), host.encode("idna").decode("ascii")
    return authority, host


class Fetcher:
    """Opens URLs politely, on the running event loop; :meth:`close` drops its connections."""

    def __init__(self, options: FetchOptions) -> None:
        self.options = options
        self.client = Client(timeout=options.timeout)
        self._opener: OpenerDirector | None = None
        self._proxies = getproxies()
        self._hosts: dict[str, _HostState] = {}
        # (scheme, netloc) -> the pool's key for the server and the fields every request to it
        # starts with, worked out once per server instead of once per request.
        self._servers: dict[tuple[str, str], _Server] = {}

    @property
    def opener(self) -> OpenerDirector:
        if self._opener is None:
            # Imported here: only proxied requests need it, and it is a fifth of the start-up.
            from webstd.urllib.request import HTTPHandler, HTTPSHandler, build_opener

            self._opener = build_opener(HTTPHandler, HTTPSHandler)
            self._opener.addheaders = [("User-agent", self.options.user_agent)]
        return self._opener

    def close(self) -> None:
        self.client.close()

    def _host(self, scheme: str, netloc: str) -> _HostState:
        key = f"{scheme}://{netloc.lower()}"
        state = self._hosts.get(key)
        if state is None:
            state = self._hosts[key] = _HostState()
        return state

    async def _wait_turn(self, state: _HostState) -> None:
        if self.options.delay <= 0:
            return
        # Holding the host's lock while sleeping is the point: one request per delay per host.
        async with state.lock:
            loop = asyncio.get_running_loop()
            pause = state.last_request + self.options.delay - loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
            state.last_request = loop.time()

    async def open(self, url: str, *, method: str = "GET",
                   headers: Mapping[str, str] | None = None) -> AnyResponse:
        """The response to ``method url`` after redirects; raises FetchError (for an error
        status too, with its ``status`` and ``headers``). ``url`` must be fit for a request
        (webstd._images.extract.request_url); redirect targets are made so here."""
        parts = split_url(url)
        scheme = parts.scheme.lower()
        if scheme not in FETCHABLE_SCHEMES:
            raise FinalError(f"unsupported URL scheme {scheme!r}")
        if self.options.delay > 0:
            await self._wait_turn(self._host(scheme, parts.netloc))
        fields = list(headers.items()) if headers else []
        try:
            response = await self._open_once(url, parts, method, fields)
            redirects = 0
            while response.status in REDIRECT_STATUSES:
                location = response.headers.get("Location")
                if not location:
                    break
                await response.discard()
                redirects += 1
                if redirects > MAX_REDIRECTS:
                    raise FinalError(f"more than {MAX_REDIRECTS} redirects")
                url = request_url(urljoin(url, location.strip()))
                parts = split_url(url)
                if parts.scheme.lower() not in FETCHABLE_SCHEMES:
                    raise FinalError(f"redirected to an unsupported URL {url!r}")
                response = await self._open_once(url, parts, method, fields)
        except FetchError:
            raise
        except Exception as error:
            raise classify(error) from error
        if response.status >= 400:
            await response.discard()
            raise status_error(response.status, response.reason, response.headers)
        return response

    async def _open_once(self, url: str, parts: SplitResult, method: str,
                         fields: list[tuple[str, str]]) -> AnyResponse:
        scheme = parts.scheme.lower()
        if self._proxies and scheme in self._proxies and not proxy_bypass(parts.netloc):
            return await self._open_threaded(url, method, dict(fields))
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        server = self._servers.get((scheme, parts.netloc))
        if server is None:
            authority, host = wire_host(parts)
            server = self._servers[scheme, parts.netloc] = _Server(
                origin(scheme, host, parts.port),
                [("Host", authority), ("User-Agent", self.options.user_agent),
                 ("Accept-Encoding", "identity")])
        if fields:
            head = request_head(method, target, server.fields + fields)
        else:
            head = server.template(method).head(target)
        return await self.client.request(method, server.key, head, url)

    async def _open_threaded(self, url: str, method: str, headers: dict[str, str]) -> AnyResponse:
        from webstd.urllib.request import Request

        request = Request(url, headers=headers, method=method)
        loop = asyncio.get_running_loop()
        try:
            response = await loop.run_in_executor(
                None, functools.partial(self.opener.open, request, timeout=self.options.timeout))
        except HTTPError as error:
            response = error
        return _ThreadedResponse(response)

    async def check_robots(self, url: str) -> None:
        """Raises Disallowed when robots.txt forbids ``url`` (fetching robots.txt at most once)."""
        if not self.options.respect_robots:
            return
        parts = split_url(url)
        state = self._host(parts.scheme.lower(), parts.netloc)
        if state.policy is None:
            async with state.robots_lock:
                if state.policy is None:
                    state.policy, state.policy_reason, state.robots_error = await self._load_robots(
                        f"{parts.scheme}://{parts.netloc}/robots.txt")
        if state.robots_error is not None:
            raise FetchError(state.robots_error.reason)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        if not state.policy.allowed(target):
            raise Disallowed("disallowed by robots.txt" + state.policy_reason)

    async def _load_robots(self, robots_url: str
                           ) -> tuple[robots.RobotsPolicy, str, FetchError | None]:
        """(policy, the reason a disallow gives, the error every image fails with instead)."""
        try:
            response = await self.open(robots_url)
            try:
                body = await response.read(robots.MAX_BYTES)
            except Exception as error:
                raise classify(error) from error
        except FinalError:
            return robots.ALLOW_ALL, "", None
        except TransientError as error:
            if error.status is None:  # no answer: refused, reset, timed out
                return robots.DISALLOW_ALL, "", FetchError(f"robots.txt unavailable: {error.reason}")
            return robots.DISALLOW_ALL, f" (robots.txt unavailable: {error.reason})", None
        return robots.parse(body, self.options.user_agent), "", None
