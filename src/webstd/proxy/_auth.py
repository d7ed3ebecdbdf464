"""Proxy authentication: the Basic scheme of RFC 7617 over Proxy-Authorization (RFC 9110 11.7).

The field is read and compared (in constant time, length included) by :mod:`webstd._basic_auth`;
this module adds what is the proxy's own: the 407 challenge and the one-field rule.
"""

from __future__ import annotations

from webstd._basic_auth import credentials_match

#: The challenge sent with 407 (RFC 7617 section 2.1: the charset parameter announces UTF-8).
CHALLENGE = 'Basic realm="webstd proxy", charset="UTF-8"'


class BasicCredentials:
    """Checks Proxy-Authorization field values against one ``user:password``."""

    __slots__ = ("_expected", "_user")

    def __init__(self, user_password: bytes) -> None:
        self._expected = user_password
        # Offered credentials that match are these very bytes, so the user name is known now.
        self._user = user_password.partition(b":")[0].decode("utf-8", "replace")

    def check(self, values: list[str]) -> str | None:
        """The user name when ``values`` (every Proxy-Authorization field) holds the right
        credentials, else None."""
        if len(values) != 1 or not credentials_match(values[0], self._expected):
            return None
        return self._user
