"""The access log: one Common Log Format line per request, plus the byte counts of a tunnel.

Lines are buffered and written out by the proxy's periodic sweep and at shutdown, so logging costs
no system call per request.
"""

from __future__ import annotations

import time
from typing import TextIO

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def clf_time(now: float) -> str:
    """``10/Oct/2000:13:55:36 -0700`` in local time, independent of the locale."""
    local = time.localtime(now)
    offset = local.tm_gmtoff // 60
    sign = "-" if offset < 0 else "+"
    offset = abs(offset)
    return (
        f"{local.tm_mday:02d}/{_MONTHS[local.tm_mon - 1]}/{local.tm_year}:"
        f"{local.tm_hour:02d}:{local.tm_min:02d}:{local.tm_sec:02d} {sign}{offset // 60:02d}{offset % 60:02d}"
    )


class AccessLog:
    __slots__ = ("_stream", "_lines")

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream
        self._lines: list[str] = []

    def record(
        self,
        client: str,
        user: str | None,
        request_line: str,
        status: int,
        size: int | None,
        tunnel: tuple[int, int] | None = None,
    ) -> None:
        """``size`` is the body bytes sent to the client; ``tunnel`` the bytes relayed client to
        origin and origin to client."""
        if self._stream is None:
            return
        line = (
            f'{client} - {user or "-"} [{clf_time(time.time())}] "{request_line}" {status} '
            f"{'-' if size is None else size}"
        )
        if tunnel is not None:
            line += f" tunnel_up={tunnel[0]} tunnel_down={tunnel[1]}"
        self._lines.append(line + "\n")

    def flush(self) -> None:
        if self._lines and self._stream is not None:
            lines, self._lines = self._lines, []
            self._stream.write("".join(lines))
            self._stream.flush()
