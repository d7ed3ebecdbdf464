"""Mapping a request-target to a file under the served root, and never to anything outside it.

This module owns the one rule every file-serving path goes through: a request-target maps to a
path inside ``root`` or is refused. It knows nothing of sockets, headers or responses.

The rules, in the order they are applied to the path part of the target (query and fragment
are dropped first):

1. An encoded slash (``%2f``), an encoded or literal backslash (``%5c``, ``\\``) and an encoded
   NUL (``%00``) or any other control character are refused (:class:`Forbidden`): they only ever
   serve to smuggle a separator or truncate a name past a check.
2. The percent-decoded bytes are read as UTF-8 (RFC 3986 section 2.5); bytes that are not UTF-8
   are kept as the OS keeps such names (surrogate escapes), so every file stays reachable.
3. The path is split on ``/``; ``.`` and empty segments are dropped and any ``..`` segment is
   refused (:class:`Forbidden`) rather than resolved, so no target can climb out of the root.
4. With ``follow_symlinks`` off, the real path (every symlink resolved) must still lie inside the
   real path of the root, else :class:`Forbidden`.
"""

from __future__ import annotations

import os
import re

from webstd.urllib.parse import unquote_to_bytes

__all__ = ["Forbidden", "NotFound", "PathRefused", "ResolvedPath", "resolve", "split_target"]

# %2f (slash), %5c (backslash), literal backslash, and any %-encoded or literal control character.
_SMUGGLING = re.compile(r"%(?:2f|5c|[01][0-9a-f]|7f)|[\\\x00-\x1f\x7f]", re.IGNORECASE)


class PathRefused(Exception):
    """The target does not name a file the server may serve; ``status_code`` is the answer."""

    status_code = 404


class NotFound(PathRefused):
    status_code = 404


class Forbidden(PathRefused):
    status_code = 403


class ResolvedPath:
    """Where a target points: ``filesystem`` path, ``url_path`` (decoded, ``/``-separated), and
    whether the target ended with a slash."""

    __slots__ = ("filesystem", "url_path", "trailing_slash", "segments")

    def __init__(self, filesystem: str, url_path: str, trailing_slash: bool, segments: list[str]):
        self.filesystem = filesystem
        self.url_path = url_path
        self.trailing_slash = trailing_slash
        self.segments = segments


def split_target(target: str) -> tuple[str, str]:
    """``(path, query)`` of an origin-form or absolute-form target; the fragment is dropped."""
    target = target.partition("#")[0]
    if not target.startswith("/"):
        # absolute-form (RFC 9112 section 3.2.2): keep what follows the authority.
        scheme_end = target.find("://")
        slash = target.find("/", scheme_end + 3) if scheme_end >= 0 else -1
        target = target[slash:] if slash >= 0 else "/"
    path, _, query = target.partition("?")
    return path, query


def inside(path: str, root: str) -> bool:
    """Is ``path`` ``root`` itself or below it (both already real paths)?"""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def resolve(root: str, path: str, *, follow_symlinks: bool = False) -> ResolvedPath:
    """Maps the path part of a target to a filesystem path under ``root`` (see the module rules).

    ``root`` must be a real path (``os.path.realpath``). The file need not exist.
    """
    if _SMUGGLING.search(path):
        raise Forbidden("encoded separator or control character in the path")
    decoded = unquote_to_bytes(path).decode("utf-8", "surrogateescape")
    segments = []
    for segment in decoded.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            raise Forbidden("'..' in the path")
        segments.append(segment)
    filesystem = os.path.join(root, *segments)
    if not follow_symlinks:
        real = os.path.realpath(filesystem)
        if not inside(real, root):
            raise Forbidden("the path leaves the served directory through a symlink")
    url_path = "/" + "/".join(segments)
    return ResolvedPath(filesystem, url_path, decoded.endswith("/"), segments)
