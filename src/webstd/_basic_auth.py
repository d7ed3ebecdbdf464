"""The server side of HTTP Basic authentication (RFC 7617): reading an Authorization or
Proxy-Authorization field value and checking it against the expected ``user:password``.

Every server that takes Basic credentials (``webstd serve --auth``, ``webstd proxy --auth``, the
CGI environment's REMOTE_USER, the WSGI access log's user) reads them here, so they agree on what
a well-formed field is: the scheme name in any case (RFC 9110 11.1), one or more spaces, then
strictly valid base64 (RFC 4648 section 4; anything else is not a credential) of
``user-id ":" password`` (RFC 7617 section 2). It builds no headers (that is the client's side,
:mod:`webstd.urllib._auth`) and knows nothing of sockets or of the status to answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = ["decode_basic", "credentials_match"]


def _credential_bytes(header: str | None) -> bytes | None:
    """The decoded token68 of a ``Basic`` field value, or None when it is not one."""
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        # validate=True refuses characters outside the base64 alphabet and bad padding; a str
        # holding non-ASCII characters raises ValueError (binascii.Error is one too).
        return base64.b64decode(token.strip(), validate=True)
    except ValueError:
        return None


def decode_basic(header: str | None) -> tuple[str, str] | None:
    """``(user, password)`` from a ``Basic`` field value, or None when the scheme is another, the
    base64 is malformed, the credentials are not UTF-8 (the charset RFC 7617 section 2.1 lets a
    server announce, and the one every caller here announces) or they hold no colon. The user
    may be empty: RFC 7617's user-id is ``*( ... )``."""
    raw = _credential_bytes(header)
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    user, colon, password = text.partition(":")
    return (user, password) if colon else None


def credentials_match(header: str | None, expected: bytes) -> bool:
    """Whether a ``Basic`` field value carries exactly ``expected`` (``b"user:password"``).

    Both sides are hashed before ``hmac.compare_digest``, so the time taken tells neither how much
    of a guess was right nor how long the expected credentials are.
    """
    raw = _credential_bytes(header)
    if raw is None:
        return False
    return hmac.compare_digest(hashlib.sha256(raw).digest(), hashlib.sha256(expected).digest())
