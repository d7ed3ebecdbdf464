"""Uploads: PUT of one file, and POST of a multipart/form-data form from the listing page.

It owns where uploaded bytes go and the guarantee that a broken upload leaves nothing behind:
every file is written to a hidden temporary name in its target directory and only renamed to its
name once the whole body has arrived, so readers never see a partial file. A form's files are
renamed one after another at the end: if one of them is refused then (a name that appeared
meanwhile), the files renamed before it stay, whole. Without ``overwrite`` an existing name is refused with 409, and the final step uses
``os.link``, which fails rather than replace a file that appeared meanwhile. The body is fed in
pieces (``feed``), so any server loop, blocking or not, can drive it; multipart parsing is
:mod:`webstd._multipart`'s.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

from webstd._multipart import (
    BodyEnd,
    MultipartError,
    MultipartParser,
    PartData,
    PartEnd,
    PartStart,
    parse_options_header,
)
from webstd.html import escape
from webstd.http._files_paths import PathRefused, resolve, split_target
from webstd.http._files_reply import Reply, error_reply
from webstd.urllib.parse import quote

__all__ = ["UploadError", "UploadSink", "begin_upload"]


class UploadError(Exception):
    """An upload is refused; ``reply`` says why."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


def _refuse(status: int, message: str) -> UploadError:
    return UploadError(error_reply(status, message, close=True))


def _safe_name(filename: str) -> str:
    """The last path segment of a client-supplied file name; refused if it names nothing safe."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if name in ("", ".", "..") or any(ord(c) < 0x20 or c == "\x7f" for c in name):
        raise _refuse(400, "Unacceptable file name.")
    return name


class _PendingFile:
    """One file being written under a temporary name next to its final one."""

    def __init__(self, directory: str, name: str, overwrite: bool) -> None:
        self.final = os.path.join(directory, name)
        self.overwrite = overwrite
        if os.path.isdir(self.final):
            raise _refuse(409, f"{name} is a directory.")
        if not overwrite and os.path.lexists(self.final):
            raise _refuse(409, f"{name} exists (start with --overwrite to replace files).")
        self.existed = os.path.lexists(self.final)
        self.temporary = os.path.join(directory, f".{name}.{os.urandom(6).hex()}.upload")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        self.fd = os.open(self.temporary, flags, 0o644)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def commit(self) -> None:
        self.close()
        if self.overwrite:
            os.replace(self.temporary, self.final)
            return
        try:
            os.link(self.temporary, self.final)
        except FileExistsError:
            raise _refuse(409, "The file appeared while it was being uploaded.") from None
        finally:
            os.unlink(self.temporary)

    def discard(self) -> None:
        self.close()
        try:
            os.unlink(self.temporary)
        except FileNotFoundError:
            pass


class UploadSink:
    """Receives an upload body: ``feed`` pieces, then ``finish`` (a Reply) or ``abort``.

    ``feed`` and ``finish`` raise :class:`UploadError` with the reply to send; the sink has then
    removed everything it wrote.
    """

    def __init__(self, max_size: int | None) -> None:
        self.max_size = max_size
        self.received = 0
        self.files: list[_PendingFile] = []

    def feed(self, data: bytes) -> None:
        self.received += len(data)
        if self.max_size is not None and self.received > self.max_size:
            self.abort()
            raise _refuse(413, f"The upload is larger than {self.max_size} bytes.")
        self._guarded(self._feed, data)

    def finish(self) -> Reply:
        self._guarded(self._commit)
        return self._created()

    def abort(self) -> None:
        for pending in self.files:
            pending.discard()

    def _guarded(self, step: Callable[..., None], *args: bytes) -> None:
        """Run ``step``; if it fails, remove what was written and raise the UploadError to answer
        with (400 for a malformed body, 500 for a file system error)."""
        try:
            step(*args)
        except UploadError:
            self.abort()
            raise
        except (MultipartError, OSError) as error:
            self.abort()
            raise _refuse(400 if isinstance(error, MultipartError) else 500, str(error)) from None

    def _commit(self) -> None:
        self._finish()
        for pending in self.files:
            pending.close()
        for pending in self.files:
            pending.commit()

    def _feed(self, data: bytes) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        raise NotImplementedError

    def _created(self) -> Reply:
        raise NotImplementedError


class PutSink(UploadSink):
    def __init__(self, pending: _PendingFile, url_path: str, max_size: int | None) -> None:
        super().__init__(max_size)
        self.files.append(pending)
        self.url_path = url_path

    def _feed(self, data: bytes) -> None:
        self.files[0].write(data)

    def _finish(self) -> None:
        pass

    def _created(self) -> Reply:
        location = quote(self.url_path, errors="surrogateescape")
        if self.files[0].existed:
            # RFC 9110 section 9.3.4: replacing a resource answers 200 or 204, not 201.
            return Reply(204, [("Content-Location", location)])
        body = f"Created {self.url_path}\n".encode("utf-8", "replace")
        return Reply(201, [("Location", location), ("Content-Type", "text/plain; charset=utf-8"),
                           ("Content-Length", str(len(body)))], [body])  # fmt: skip


class FormSink(UploadSink):
    """A multipart/form-data POST: every part with a filename becomes a file in ``directory``."""

    def __init__(self, directory: str, url_path: str, boundary: str, overwrite: bool,
                 max_size: int | None) -> None:  # fmt: skip
        super().__init__(max_size)
        self.directory, self.url_path, self.overwrite = directory, url_path, overwrite
        self.parser = MultipartParser(boundary.encode("latin-1"))
        self.current: _PendingFile | None = None
        self.names: set[str] = set()

    def _feed(self, data: bytes) -> None:
        self._events(self.parser.feed(data))

    def _finish(self) -> None:
        self._events(self.parser.finish())
        if not self.files:
            raise _refuse(400, "The form holds no file.")

    def _events(self, events: list) -> None:
        for event in events:
            kind = type(event)
            if kind is PartData:
                if self.current is not None:
                    self.current.write(event.data)
            elif kind is PartStart:
                self.current = self._start(event.headers)
            elif kind is PartEnd and self.current is not None:
                self.current.close()
                self.current = None
            elif kind is BodyEnd:
                self.current = None

    def _start(self, headers: tuple[tuple[str, str], ...]) -> _PendingFile | None:
        disposition = next((v for n, v in headers if n.lower() == "content-disposition"), "")
        _, parameters = parse_options_header(disposition)
        filename = parameters.get("filename")
        if not filename:
            return None  # an ordinary form field, or a file input left empty
        name = _safe_name(filename)
        if name in self.names:
            raise _refuse(409, f"{name} appears twice in the form.")
        self.names.add(name)
        pending = _PendingFile(self.directory, name, self.overwrite)
        self.files.append(pending)
        return pending

    def _created(self) -> Reply:
        base = self.url_path.rstrip("/") + "/"
        items = "".join(
            f'<li><a href="{escape(quote(base + os.path.basename(p.final)))}">'
            f"{escape(os.path.basename(p.final))}</a></li>"
            for p in self.files
        )
        page = (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Uploaded</title>'
            f"</head><body><h1>Uploaded</h1><ul>{items}</ul>"
            f'<p><a href="{escape(quote(base))}">Back to the listing</a></p></body></html>\n'
        ).encode("utf-8", "replace")
        return Reply(201, [("Content-Type", "text/html; charset=utf-8"),
                           ("Content-Length", str(len(page)))], [page])  # fmt: skip


def begin_upload(config, method: str, target: str, get, length: int | None) -> UploadSink | Reply:
    """A sink for a PUT or POST body, or the Reply refusing it (before any byte is read)."""
    if config.max_upload is not None and length is not None and length > config.max_upload:
        return error_reply(413, f"The upload is larger than {config.max_upload} bytes.",
                           close=True)  # fmt: skip
    path, _ = split_target(target)
    try:
        resolved = resolve(config.root, path, follow_symlinks=config.follow_symlinks)
        return _begin(config, method, resolved, get)
    except PathRefused as refused:
        return error_reply(refused.status_code, str(refused), close=True)
    except UploadError as error:
        return error.reply
    except OSError as error:
        return error_reply(403, f"Cannot write here: {error.strerror}.", close=True)


def _begin(config, method: str, resolved, get) -> UploadSink:
    if method == "PUT":
        if resolved.trailing_slash or not resolved.segments:
            raise _refuse(405, "PUT needs a file name, not a directory.")
        directory, name = os.path.split(resolved.filesystem)
        _check_directory(directory)
        _safe_name(name)
        pending = _PendingFile(directory, name, config.overwrite)
        return PutSink(pending, resolved.url_path, config.max_upload)
    if method != "POST":
        raise _refuse(405, f"{method} cannot upload.")
    content_type, parameters = parse_options_header(get("content-type") or "")
    if content_type.strip().lower() != "multipart/form-data" or "boundary" not in parameters:
        raise _refuse(415, "POST takes multipart/form-data (the listing page's form).")
    _check_directory(resolved.filesystem)
    try:
        return FormSink(resolved.filesystem, resolved.url_path, parameters["boundary"],
                        config.overwrite, config.max_upload)  # fmt: skip
    except (MultipartError, UnicodeEncodeError):
        raise _refuse(400, "Invalid multipart boundary.") from None


def _check_directory(directory: str) -> None:
    try:
        info = os.stat(directory)
    except FileNotFoundError:
        raise _refuse(404, "The target directory does not exist.") from None
    if not stat.S_ISDIR(info.st_mode):
        raise _refuse(409, "The target's parent is not a directory.")
