"""Where a CGI request goes and what the script is told: target splitting and the RFC 3875 environment.

Two rules live here and nowhere else:

1. A request-target either lies plainly inside a CGI directory or is not a CGI request. A target that
   would reach a CGI directory only through a dot-segment (``/x/../cgi-bin/s``), that leaves one that
   way (``/cgi-bin/../x``), or that hides a separator or control character in a percent-encoded
   segment (``/cgi-bin%2fs``, ``/cgi-bin/%2e%2e/``) is refused with :class:`ScriptRefused`. It is never
   collapsed into a script path, and never handed to the file server, which would send the script's
   source.
2. A script's environment holds the RFC 3875 section 4.1 meta-variables and the request's header
   fields as ``HTTP_*`` (section 4.1.18), minus ``Proxy`` (httpoxy: ``HTTP_PROXY`` would be taken for
   the proxy setting by the script's HTTP libraries), the credentials and the framing fields, and
   minus any field whose name holds ``_`` (it would be indistinguishable from one with ``-``). The
   server's own ``HTTP_*`` and meta-variables are never inherited.

It knows nothing of processes or sockets.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable, Mapping
from typing import Any

from webstd._basic_auth import decode_basic
from webstd.urllib.parse import unquote

# A decoded segment holding one of these was percent-encoded to smuggle a separator past a check.
_HIDDEN_SEPARATOR = re.compile(r"[/\\\x00-\x1f\x7f]")
_DOT_SEGMENTS = frozenset((".", ".."))

# RFC 3875 section 4.1: the meta-variables a script reads; inherited values of these are dropped.
META_VARIABLES = frozenset((
    "AUTH_TYPE", "CONTENT_LENGTH", "CONTENT_TYPE", "GATEWAY_INTERFACE", "PATH_INFO",
    "PATH_TRANSLATED", "QUERY_STRING", "REMOTE_ADDR", "REMOTE_HOST", "REMOTE_IDENT", "REMOTE_USER",
    "REQUEST_METHOD", "SCRIPT_NAME", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL",
    "SERVER_SOFTWARE",
))  # fmt: skip
# Request fields not passed as HTTP_*: Proxy (httpoxy), credentials (RFC 3875 4.1.18 lets the server
# withhold them; AUTH_TYPE and REMOTE_USER carry what a script needs), the fields CONTENT_* carry,
# and hop-by-hop fields that describe this connection, not the request.
_WITHHELD_FIELDS = frozenset((
    "proxy", "authorization", "proxy-authorization", "content-type", "content-length",
    "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
))  # fmt: skip
# The values the stdlib always sets (an empty value means unset, RFC 3875 section 4.1).
_ALWAYS_SET = ("QUERY_STRING", "REMOTE_HOST", "CONTENT_LENGTH", "HTTP_USER_AGENT", "HTTP_COOKIE",
               "HTTP_REFERER")  # fmt: skip


class ScriptRefused(Exception):
    """The target must not run or reveal a CGI script; ``status_code`` is the answer."""

    status_code = 403


def split_cgi_target(target: str, directories: Iterable[str]) -> tuple[str, str] | None:
    """``(directory, rest)`` for a target under one of ``directories``, as ``cgi_info`` holds it.

    ``rest`` keeps the query (``"script.py/extra?q=1"``); segments are percent-decoded. None when the
    target is not under a CGI directory. Raises :class:`ScriptRefused` for a target that reaches into
    or out of a CGI directory through a dot-segment or an encoded separator.
    """
    route, _, query = target.partition("?")
    segments = [unquote(segment) for segment in route.split("/")]
    directories = tuple(directories)
    suspicious = any(
        segment in _DOT_SEGMENTS or _HIDDEN_SEPARATOR.search(segment) is not None
        for segment in segments
    )
    if suspicious:
        plain = "/".join(segments)
        # normpath keeps a leading "//" (POSIX allows it a meaning), which would hide the prefix.
        collapsed = posixpath.normpath("/" + plain.lstrip("/"))
        for candidate in (plain, collapsed, plain.replace("\\", "/")):
            if _prefix(candidate, directories) is not None:
                raise ScriptRefused("path traversal around a CGI directory")
        return None
    names = [segment for segment in segments if segment]
    path = "/" + "/".join(names)
    if names and route.endswith("/"):
        path += "/"
    directory = _prefix(path, directories)
    if directory is None:
        return None
    rest = path[len(directory) + 1 :]
    return directory, rest + ("?" + query if query else "")


def _prefix(path: str, directories: tuple[str, ...]) -> str | None:
    """The shortest CGI directory that ``path`` continues below (with a ``/`` after it)."""
    best = None
    for directory in directories:
        if path.startswith(directory + "/") and (best is None or len(directory) < len(best)):
            best = directory
    return best


def basic_user(authorization: str | None) -> tuple[str | None, str | None]:
    """``(AUTH_TYPE, REMOTE_USER)`` from an Authorization field (RFC 3875 4.1.1, 4.1.11)."""
    if not authorization:
        return None, None
    scheme = authorization.strip().partition(" ")[0]
    credentials = decode_basic(authorization)
    return scheme, None if credentials is None else credentials[0]


def header_variables(fields: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The ``HTTP_*`` meta-variables for the request's header fields (RFC 3875 4.1.18)."""
    variables: dict[str, str] = {}
    for name, value in fields:
        lowered = name.lower()
        if lowered in _WITHHELD_FIELDS or "_" in name:
            continue
        key = "HTTP_" + name.upper().replace("-", "_")
        if key in variables:
            # Repeated fields become one value with the same meaning (4.1.18); cookies use "; ".
            variables[key] += ("; " if lowered == "cookie" else ", ") + value
        else:
            variables[key] = value
    return variables


def inherited_environment(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The server's environment without anything a request could be mistaken to have set."""
    return {
        key: value
        for key, value in environ.items()
        if key not in META_VARIABLES and not key.startswith("HTTP_")
    }


def build_environment(
    base: Mapping[str, str], request: Mapping[str, Any], fields: Iterable[tuple[str, str]]
) -> dict[str, str]:
    """``base`` plus the meta-variables in ``request`` (None values left out) and the HTTP_* ones."""
    environ = dict(base)
    environ.update(header_variables(fields))
    for key, value in request.items():
        if value is not None:
            environ[key] = str(value)
    for key in _ALWAYS_SET:
        environ.setdefault(key, "")
    return environ
