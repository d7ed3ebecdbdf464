"""HTTP requests for ``webstd images``: one opener, per-host politeness, robots.txt, error kinds.

Every request goes through webstd.urllib.request, so connections are kept alive in its pool and
redirects are followed. This module adds what a crawler owes the sites it visits: a ``--delay``
between two requests to the same host (requests to one host are spaced, other hosts are not
held up) and robots.txt, fetched once per host and consulted before every image (RFC 9309
section 2.3.1: a 4xx answer allows everything; a 5xx answer or an unreachable host disallows
everything). It also sorts failures into the ones worth retrying and the ones that are final.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from webstd._images import robots
from webstd.http.client import HTTPException
from webstd.urllib.error import HTTPError, URLError
from webstd.urllib.parse import urlsplit
from webstd.urllib.request import HTTPHandler, HTTPSHandler, OpenerDirector, Request, build_opener

USER_AGENT = "webstd-images"
FETCHABLE_SCHEMES = ("http", "https")


class FetchError(Exception):
    """A request that failed; ``reason`` is the one line the summary shows."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


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


def classify(error: BaseException) -> FetchError:
    """The FetchError an exception from urlopen or from reading a response amounts to."""
    if isinstance(error, FetchError):
        return error
    if isinstance(error, HTTPError):
        reason = f"HTTP {error.code} {error.msg}".rstrip()
        if error.code >= 500 or error.code == 429:
            return TransientError(reason, retry_after=_retry_after(error.headers))
        return FinalError(reason)
    if isinstance(error, URLError):
        cause = error.reason
        if isinstance(cause, (OSError, HTTPException)):
            return classify(cause)
        return FinalError(str(cause))
    if isinstance(error, (TimeoutError, socket.timeout)):
        return TransientError("timed out")
    if isinstance(error, (OSError, HTTPException)):
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
        self.lock = threading.Lock()
        self.robots_lock = threading.Lock()
        self.last_request = -float("inf")
        self.policy: robots.RobotsPolicy | None = None
        self.policy_reason = ""


class Fetcher:
    """Opens URLs politely; thread-safe."""

    def __init__(self, options: FetchOptions, opener: OpenerDirector | None = None) -> None:
        self.options = options
        self.opener = opener or build_opener(HTTPHandler, HTTPSHandler)
        self.opener.addheaders = [("User-agent", options.user_agent)]
        self._hosts: dict[str, _HostState] = {}
        self._hosts_lock = threading.Lock()

    def _host(self, url: str) -> _HostState:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc.lower()}"
        with self._hosts_lock:
            state = self._hosts.get(key)
            if state is None:
                state = self._hosts[key] = _HostState()
            return state

    def _wait_turn(self, state: _HostState) -> None:
        if self.options.delay <= 0:
            return
        # Holding the host's lock while sleeping is the point: one request per delay per host.
        with state.lock:
            pause = state.last_request + self.options.delay - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            state.last_request = time.monotonic()

    def open(self, url: str, *, method: str = "GET", headers: Mapping[str, str] | None = None) -> Any:
        """The response to ``method url``; raises FetchError (an HTTPError becomes one too)."""
        scheme = urlsplit(url).scheme.lower()
        if scheme not in FETCHABLE_SCHEMES:
            raise FinalError(f"unsupported URL scheme {scheme!r}")
        self._wait_turn(self._host(url))
        request = Request(url, headers=dict(headers or {}), method=method)
        try:
            return self.opener.open(request, timeout=self.options.timeout)
        except HTTPError as error:
            error.close()
            raise classify(error) from error
        except Exception as error:
            raise classify(error) from error

    def check_robots(self, url: str) -> None:
        """Raises Disallowed when robots.txt forbids ``url`` (fetching robots.txt at most once)."""
        if not self.options.respect_robots:
            return
        parts = urlsplit(url)
        state = self._host(url)
        with state.robots_lock:
            if state.policy is None:
                state.policy, state.policy_reason = self._load_robots(
                    f"{parts.scheme}://{parts.netloc}/robots.txt")
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        if not state.policy.allowed(target):
            raise Disallowed("disallowed by robots.txt" + state.policy_reason)

    def _load_robots(self, robots_url: str) -> tuple[robots.RobotsPolicy, str]:
        try:
            with self.open(robots_url) as response:
                body = response.read(robots.MAX_BYTES)
        except FinalError:
            return robots.ALLOW_ALL, ""
        except TransientError as error:
            return robots.DISALLOW_ALL, f" (robots.txt unavailable: {error.reason})"
        return robots.parse(body, self.options.user_agent), ""
