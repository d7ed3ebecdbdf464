"""What ``webstd images --download`` shows on stderr while it works.

On a terminal: one line, redrawn at most ten times a second, with files done out of total, bytes
received and failures so far, fitted to the terminal's width (the bar shrinks, then goes, then the
text is cut). Anywhere else (a pipe, a log file): one plain line per finished file,
so logs stay readable. The downloads all report from the one event loop thread.
"""

from __future__ import annotations

import os
import time
from typing import TextIO

_REDRAW_SECONDS = 0.1
_BAR_WIDTH = 24
_MIN_BAR_WIDTH = 5


def human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"


class Progress:
    def __init__(self, total_files: int, stream: TextIO, *, bar: bool | None = None) -> None:
        self.total_files = total_files
        self.stream = stream
        self.bar = stream.isatty() if bar is None else bar
        self.files_done = 0
        self.failed = 0
        self.bytes_received = 0
        self._last_draw = 0.0

    def add_bytes(self, count: int) -> None:
        self.bytes_received += count
        if self.bar:
            self._draw(force=False)

    def finished(self, url: str, status: str, detail: str) -> None:
        self.files_done += 1
        self.failed += status == "failed"
        if self.bar:
            self._draw(force=self.files_done == self.total_files)
        else:
            self.stream.write(f"{status} {url}: {detail}\n")
            self.stream.flush()

    def close(self) -> None:
        if self.bar:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, *, force: bool) -> None:
        now = time.monotonic()
        if not force and now - self._last_draw < _REDRAW_SECONDS:
            return
        self._last_draw = now
        self.stream.write("\r" + self.line(self._columns()) + "\x1b[K")
        self.stream.flush()

    def line(self, columns: int) -> str:
        """The progress line fitted into ``columns - 1`` characters (the last column is left free:
        writing into it makes some terminals wrap, leaving one stale line per redraw)."""
        room = max(columns - 1, 1)
        text = f"{self.files_done}/{self.total_files} files, {human_bytes(self.bytes_received)}"
        if self.failed:
            text += f", {self.failed} failed"
        width = min(_BAR_WIDTH, room - len(text) - 3)
        if width >= _MIN_BAR_WIDTH:
            total = self.total_files
            filled = width * self.files_done // total if total else width
            text = f"[{'#' * filled}{'.' * (width - filled)}] {text}"
        return text[:room]

    def _columns(self) -> int:
        """The terminal's width, asked each redraw (it may be resized); $COLUMNS, then 80, when
        the stream cannot tell."""
        try:
            return os.get_terminal_size(self.stream.fileno()).columns or _fallback_columns()
        except (AttributeError, OSError, ValueError):
            return _fallback_columns()


def _fallback_columns() -> int:
    value = os.environ.get("COLUMNS", "")
    return int(value) if value.isdigit() and int(value) > 0 else 80
