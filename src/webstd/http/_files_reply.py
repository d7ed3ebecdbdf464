"""The reply a file-serving decision produces, and the error page; no I/O here.

A :class:`Reply` is what :mod:`webstd.http._files` decides and a server loop sends: status, header
fields (without Date, Server and Connection, which the loop adds) and the body as bytes and
``(offset, count)`` slices of an open file.
"""

from __future__ import annotations

import os

from webstd.html import escape
from webstd.http import HTTPStatus

__all__ = ["Body", "Reply", "error_reply", "reason_phrase"]

Body = list["bytes | tuple[int, int]"]


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class Reply:
    """A response to send: ``body`` pieces are bytes or ``(offset, count)`` slices of ``file``."""

    __slots__ = ("status", "headers", "body", "file", "close", "cache_stat", "length")

    def __init__(self, status: int, headers: list[tuple[str, str]], body: Body | None = None,
                 file=None, close: bool = False) -> None:  # fmt: skip
        self.status = status
        self.headers = headers
        self.body: Body = body if body is not None else []
        self.file = file
        #: The connection must close after this reply (the request body was not read).
        self.close = close
        #: For a plain 200 of a regular file: its stat, so a server may cache the reply.
        self.cache_stat: os.stat_result | None = None
        #: The Content-Length (body bytes of a GET, even when a HEAD reply carries none).
        self.length = sum(len(p) if isinstance(p, bytes) else p[1] for p in self.body)

    @property
    def reason(self) -> str:
        return reason_phrase(self.status)

    def discard_body(self) -> None:
        """For HEAD: keep the fields (Content-Length included), send no body."""
        self.body = []
        self.close_file()

    def close_file(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def error_reply(status: int, message: str, extra: list[tuple[str, str]] = (), *,
                close: bool = False) -> Reply:  # fmt: skip
    """A short HTML error page."""
    reason = reason_phrase(status)
    page = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{status} {reason}'
        f"</title></head><body><h1>{status} {reason}</h1><p>{escape(message)}</p></body></html>\n"
    ).encode()
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(page)))]
    return Reply(status, headers + list(extra), [page], close=close)


