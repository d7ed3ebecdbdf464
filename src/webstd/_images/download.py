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

import base64
import binascii
import os
import re
import threading
import time
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

CHUNK = 64 * 1024
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


def _read_chunk(response: object) -> bytes:
    """The next chunk of a body; a failure to read (not to write) becomes a FetchError."""
    try:
        return response.read(CHUNK)  # type: ignore[attr-defined, no-any-return]
    except Exception as error:
        raise classify(error) from error


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


class Downloader:
    def __init__(self, fetcher: Fetcher, directory: Path, options: DownloadOptions,
                 progress: Progress) -> None:
        self.fetcher = fetcher
        self.directory = directory
        self.options = options
        self.progress = progress
        # Set on Ctrl-C: running downloads stop between two chunks, keeping their .part files.
        self.cancelled = threading.Event()

    def download(self, url: str, name: str) -> Outcome:
        """Saves ``url`` as ``directory/name``; never raises for a download's own failure."""
        try:
            if url[:5].lower() == "data:":
                outcome = self._save_data_url(url, name)
            else:
                outcome = self._download_with_retries(url, name)
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

    def _download_with_retries(self, url: str, name: str) -> Outcome:
        self.fetcher.check_robots(url)
        final = self.directory / name
        if final.is_file() and self._already_complete(url, final):
            size = final.stat().st_size
            return Outcome(url, name, "skipped", f"{name} already complete", size)
        attempt = 0
        while True:
            try:
                return self._attempt(url, name)
            except TransientError as error:
                if attempt >= self.options.retries:
                    tries = f"after {attempt + 1} attempts" if attempt else "no retries"
                    raise TransientError(f"{error.reason} ({tries})") from None
                pause = min(self.options.backoff * 2 ** attempt, MAX_BACKOFF)
                if error.retry_after is not None:
                    pause = min(max(pause, error.retry_after), MAX_BACKOFF)
                time.sleep(pause)
                attempt += 1

    def _already_complete(self, url: str, final: Path) -> bool:
        try:
            with self.fetcher.open(url, method="HEAD") as response:
                length = _content_length(response.headers)
        except FetchError:
            return False
        return length is not None and length == final.stat().st_size

    def _attempt(self, url: str, name: str) -> Outcome:
        part = self.directory / (name + PART_SUFFIX)
        final = self.directory / name
        offset = part.stat().st_size if part.is_file() else 0
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        try:
            response = self.fetcher.open(url, headers=headers)
        except FetchError as error:
            cause = error.__cause__
            if offset and getattr(cause, "code", None) == 416:
                return self._unsatisfiable(url, name, part, final, offset, cause)
            raise
        with response:
            self._check_type(_media_type(response.headers.get("Content-Type")))
            length = _content_length(response.headers)
            limit = self.options.max_size
            if response.status == 206:
                match = _CONTENT_RANGE.fullmatch((response.headers.get("Content-Range") or "").strip())
                if match is None or match.group(1) is None or int(match.group(1)) != offset:
                    part.unlink(missing_ok=True)
                    raise TransientError("server sent an unexpected Content-Range; restarting")
                total = int(match.group(3)) if match.group(3) != "*" else int(match.group(2)) + 1
                mode = "ab"
            else:
                offset, mode = 0, "wb"
                total = length
            if total is not None and limit is not None and total > limit:
                part.unlink(missing_ok=True)
                self._check_size(total, exact=True)
            received = offset
            with open(part, mode) as output:
                while chunk := _read_chunk(response):
                    if self.cancelled.is_set():
                        raise FinalError("interrupted (the .part file is kept for resuming)")
                    received += len(chunk)
                    if limit is not None and received > limit:
                        break
                    output.write(chunk)
                    self.progress.add_bytes(len(chunk))
        if limit is not None and received > limit:
            part.unlink(missing_ok=True)
            self._check_size(received, exact=False)
        if total is not None and received < total:
            raise TransientError(f"connection closed after {received} of {total} bytes")
        os.replace(part, final)
        resumed = f", resumed at {offset}" if offset else ""
        return Outcome(url, name, "downloaded", f"{name} ({received} bytes{resumed})", received)

    def _unsatisfiable(self, url: str, name: str, part: Path, final: Path, offset: int,
                       error: object) -> Outcome:
        headers = getattr(error, "headers", None)
        match = _CONTENT_RANGE.fullmatch(((headers and headers.get("Content-Range")) or "").strip())
        if match is not None and match.group(3) == str(offset):
            os.replace(part, final)
            return Outcome(url, name, "downloaded", f"{name} ({offset} bytes, from the part)",
                           offset)
        part.unlink(missing_ok=True)
        raise TransientError("range not satisfiable; restarting")
