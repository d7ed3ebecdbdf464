"""Proxy authentication: the Basic scheme of RFC 7617 over Proxy-Authorization (RFC 9110 11.7).

The expected and the offered credentials are hashed and compared with ``hmac.compare_digest``, so
the time taken says nothing about how much of a guess was right, not even its length.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

#: The challenge sent with 407 (RFC 7617 section 2.1: the charset parameter announces UTF-8).
CHALLENGE = 'Basic realm="webstd proxy", charset="UTF-8"'


class BasicCredentials:
    """Checks Proxy-Authorization field values against one ``user:password``."""

    __slots__ = ("_digest",)

    def __init__(self, user_password: bytes) -> None:
        self._digest = hashlib.sha256(user_password).digest()

    def check(self, values: list[str]) -> str | None:
        """The user name when ``values`` (every Proxy-Authorization field) holds the right
        credentials, else None."""
        if len(values) != 1:
            return None
        scheme, _, token = values[0].strip().partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            offered = base64.b64decode(token.strip(), validate=True)
        except (binascii.Error, ValueError):
            return None
        if not hmac.compare_digest(hashlib.sha256(offered).digest(), self._digest):
            return None
        return offered.partition(b":")[0].decode("utf-8", "replace")
