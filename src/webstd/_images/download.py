"""One image to disk, safely: resume, retries, size and type limits, atomic completion.

Partial data lives in ``NAME.part`` and is renamed to ``NAME`` only once every byte arrived, so an
interrupted run never leaves a truncated file under the final name. A later attempt (a retry, or a
new run) resumes the ``.part`` with ``Range: bytes=N-`` (RFC 9110 section 14.2); a 206 whose
Content-Range starts at N is appended, a 200 restarts the file, a 416 whose complete length equals
N means the part was already whole. A final file that already exists is skipped when a HEAD says
it has the same Content-Length. ``data:`` URLs (RFC 2397, base64 or percent-encoded) are decoded
and saved without any request.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from webstd._images.fetch import (
    Disallowed,
    Fetcher,
    FetchError,
    FinalError,
    TransientError,
    classify,
)
from webstd._images.naming import PART_SUFFIX
from webstd._images.progress import Progress
from webstd.urllib.parse import unquote_to_bytes

MAX_BACKOFF = 30.0

# RFC 9110 section 14.4: Content-Range = range-unit SP ( range-resp / unsatisfied-range ).
_CONTENT_RANGE = re.compile(r"bytes\s+(?:(\d+)-(\d+)|\*)/(\d+|\*)", re.IGNORECASE)
# RFC 2397: data:[<mediatype>][;base64],<data>
_DATA_URL = re.compile(r"data:([^,]*?)(;base64)?,(.*)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class DownloadOptions:
    retries: int = 3
    backoff: float = 0.5
    any_type: bool = False
    max_size: int | None = None


@dataclass(frozen=True)
class Outcome:
    url: str
    name: str
    status: str  # "downloaded", "skipped" or "failed"
    detail: str
    size: int = 0


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _content_length(headers: object) -> int | None:
    value = headers.get("Content-Length")  # type: ignore[attr-defined]
    if value is not None and value.strip().isdigit():
        return int(value)
    return None


def decode_data_url(url: str) -> tuple[str, bytes]:
    """(media type, bytes) of a data: URL; raises FinalError when it is malformed."""
    match = _DATA_URL.fullmatch(url)
    if match is None:
        raise FinalError("malformed data: URL")
    media_type = _media_type(match.group(1)) or "text/plain"
    payload = unquote_to_bytes(match.group(3))
    if match.group(2):
        # The Fetch standard's forgiving base64: whitespace ignored, padding optional.
        compact = re.sub(rb"[\t\n\f\r ]", b"", payload)
        try:
            payload = base64.b64decode(compact + b"=" * (-len(compact) % 4), validate=True)
        except binascii.Error as error:
            raise FinalError(f"malformed base64 in data: URL ({error})") from None
    return media_type, payload


def _write_all(fd: int, data: bytes) -> None:
    written = os.write(fd, data)
    if written < len(data):  # rare for a regular file: a signal, or the disk filling up
        view = memoryview(data)[written:]
        while view:
            view = view[os.write(fd, view):]


class Downloader:
    """Downloads on the running event loop; one Downloader serves every concurrent download."""

    def __init__(self, fetcher: Fetcher, directory: Path, options: DownloadOptions,
                 progress: Progress) -> None:
        self.fetcher = fetcher
        self.directory = directory
        self.options = options
        self.progress = progress
        self._prefix = os.path.join(directory, "")
        # What the directory held at the start: a name not in it needs no stat to be known absent
        # (this run's own .part files are looked up again on every retry).
        try:
            self._existing = set(os.listdir(directory))
        except OSError:
            self._existing = set()

    async def download(self, url: str, name: str) -> Outcome:
        """Saves ``url`` as ``directory/name``; never raises for a download's own failure."""
        try:
            if url[:5].lower() == "data:":
                outcome = self._save_data_url(url, name)
            else:
                outcome = await self._download_with_retries(url, name)
        except Disallowed as error:
            outcome = Outcome(url, name, "skipped", error.reason)
        except FetchError as error:
            outcome = Outcome(url, name, "failed", error.reason)
        except OSError as error:
            outcome = Outcome(url, name, "failed", f"cannot write {name}: {error.strerror or error}")
        self.progress.finished(url, outcome.status, outcome.detail)
        return outcome

    def _check_type(self, media_type: str) -> None:
        if not self.options.any_type and not media_type.startswith("image/"):
            raise FinalError(f"not an image ({media_type or 'no Content-Type'})")

    def _check_size(self, size: int, exact: bool) -> None:
        limit = self.options.max_size
        if limit is not None and size > limit:
            amount = f"{size} bytes" if exact else f"more than {limit} bytes"
            raise FinalError(f"too large ({amount}, --max-size {limit})")

    def _save_data_url(self, url: str, name: str) -> Outcome:
        media_type, payload = decode_data_url(url)
        self._check_type(media_type)
        self._check_size(len(payload), exact=True)
        final = self.directory / name
        if final.is_file() and final.read_bytes() == payload:
            return Outcome(url, name, "skipped", f"{name} already complete", len(payload))
        part = self.directory / (name + PART_SUFFIX)
        part.write_bytes(payload)
        os.replace(part, final)
        self.progress.add_bytes(len(payload))
        return Outcome(url, name, "downloaded", f"{name} ({len(payload)} bytes)", len(payload))

    async def _download_with_retries(self, url: str, name: str) -> Outcome:
        if self.fetcher.options.respect_robots:
            await self.fetcher.check_robots(url)
        if name in self._existing:
            size = _file_size(self._prefix + name)
            if size is not None and await self._already_complete(url, size):
                return Outcome(url, name, "skipped", f"{name} already complete", size)
        attempt = 0
        while True:
            try:
                return await self._attempt(url, name, attempt == 0)
            except TransientError as error:
                if attempt >= self.options.retries:
                    tries = f"after {attempt + 1} attempts" if attempt else "no retries"
                    raise TransientError(f"{error.reason} ({tries})") from None
                pause = min(self.options.backoff * 2 ** attempt, MAX_BACKOFF)
                if error.retry_after is not None:
                    pause = min(max(pause, error.retry_after), MAX_BACKOFF)
                await asyncio.sleep(pause)
                attempt += 1

    async def _already_complete(self, url: str, size: int) -> bool:
        try:
            response = await self.fetcher.open(url, method="HEAD")
        except FetchError:
            return False
        response.close()
        length = _content_length(response.headers)
        return length is not None and length == size

    async def _attempt(self, url: str, name: str, first: bool) -> Outcome:
        final = self._prefix + name
        part = final + PART_SUFFIX
        offset = (_file_size(part) or 0) if not first or name + PART_SUFFIX in self._existing else 0
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        try:
            response = await self.fetcher.open(url, headers=headers)
        except FetchError as error:
            if offset and error.status == 416:
                return self._unsatisfiable(url, name, part, final, offset, error.headers)
            raise
        limit = self.options.max_size
        try:
            self._check_type(_media_type(response.headers.get("Content-Type")))
            length = _content_length(response.headers)
            if response.status == 206:
                match = _CONTENT_RANGE.fullmatch((response.headers.get("Content-Range") or "").strip())
                if match is None or match.group(1) is None or int(match.group(1)) != offset:
                    _remove(part)
                    raise TransientError("server sent an unexpected Content-Range; restarting")
                total = int(match.group(3)) if match.group(3) != "*" else int(match.group(2)) + 1
                flags = os.O_WRONLY | os.O_APPEND
            else:
                offset, flags = 0, os.O_WRONLY | os.O_CREAT | os.O_TRUNC
                total = length
            if total is not None and limit is not None and total > limit:
                _remove(part)
                self._check_size(total, exact=True)
            received = offset
            fd = os.open(part, flags, 0o666)
            try:
                while True:
                    try:
                        chunk = await response.next_chunk()
                    except Exception as error:  # reading failed, not writing
                        raise classify(error) from error
                    if not chunk:
                        break
                    received += len(chunk)
                    if limit is not None and received > limit:
                        break
                    _write_all(fd, chunk)
                    self.progress.add_bytes(len(chunk))
            finally:
                os.close(fd)
        finally:
            response.close()
        if limit is not None and received > limit:
            _remove(part)
            self._check_size(received, exact=False)
        if total is not None and received < total:
            raise TransientError(f"connection closed after {received} of {total} bytes")
        os.replace(part, final)
        resumed = f", resumed at {offset}" if offset else ""
        return Outcome(url, name, "downloaded", f"{name} ({received} bytes{resumed})", received)

    def _unsatisfiable(self, url: str, name: str, part: str, final: str, offset: int,
                       headers: object) -> Outcome:
        match = _CONTENT_RANGE.fullmatch(((headers and headers.get("Content-Range")) or "").strip())  # type: ignore[attr-defined]
        if match is not None and match.group(3) == str(offset):
            os.replace(part, final)
            return Outcome(url, name, "downloaded", f"{name} ({offset} bytes, from the part)",
                           offset)
        _remove(part)
        raise TransientError("range not satisfiable; restarting")


def _file_size(path: str) -> int | None:
    """The size of the regular file at ``path``, or None."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
