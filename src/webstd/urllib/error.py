"""The exceptions urlopen raises, with Python 3.11's ``urllib.error`` API.

``HTTPError`` is both an exception and a response: it carries the error page's body (``fp``,
``read()``), headers (``info()``, ``headers``), status (``code``, ``getcode()``) and URL.
"""

from __future__ import annotations

import io
from typing import Any

from webstd.urllib.response import addinfourl

__all__ = ["URLError", "HTTPError", "ContentTooShortError"]


class URLError(OSError):
    """A URL could not be opened; ``reason`` says why (a string or the underlying OSError)."""

    def __init__(self, reason: Any, filename: str | None = None) -> None:
        self.args = (reason,)
        self.reason = reason
        if filename is not None:
            self.filename = filename

    def __str__(self) -> str:
        return f"<urlopen error {self.reason}>"


class HTTPError(URLError, addinfourl):
    """The server answered with an error status; usable as the response it came with."""

    def __init__(self, url: str, code: int, msg: str, hdrs: Any, fp: Any) -> None:
        self.code = code
        self.msg = msg
        self.hdrs = hdrs
        self.fp = fp
        if fp is None:
            fp = io.BytesIO()
        addinfourl.__init__(self, fp, hdrs, url, code)
        self.filename = url

    def __str__(self) -> str:
        return f"HTTP Error {self.code}: {self.msg}"

    def __repr__(self) -> str:
        return f"<HTTPError {self.code}: {self.msg!r}>"

    # The exception's reason is the status text; its headers are the response's.
    @property
    def reason(self) -> str:
        return self.msg

    @property
    def headers(self) -> Any:
        return self.hdrs

    @headers.setter
    def headers(self, headers: Any) -> None:
        self.hdrs = headers


class ContentTooShortError(URLError):
    """urlretrieve got fewer bytes than the Content-Length announced; ``content`` is the result."""

    def __init__(self, message: str, content: Any) -> None:
        super().__init__(message)
        self.content = content
