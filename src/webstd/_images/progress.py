"""What ``webstd images --download`` shows on stderr while it works.

On a terminal: one line, redrawn at most ten times a second, with files done out of total, bytes
received and failures so far. Anywhere else (a pipe, a log file): one plain line per finished file,
so logs stay readable. The downloads all report from the one event loop thread.
"""

from __future__ import annotations

import time
from typing import TextIO

_REDRAW_SECONDS = 0.1


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
        width = 24
        filled = width * self.files_done // self.total_files if self.total_files else width
        line = (f"\r[{'#' * filled}{'.' * (width - filled)}] {self.files_done}/{self.total_files}"
                f" files, {human_bytes(self.bytes_received)}")
        if self.failed:
            line += f", {self.failed} failed"
        self.stream.write(line + "\x1b[K")
        self.stream.flush()
