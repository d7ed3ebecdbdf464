"""File-like wrappers that urlopen returns for non-HTTP URLs, and that HTTPError builds on.

Python 3.11's ``urllib.response`` API: ``addbase`` wraps a file object and passes every attribute it
does not define to it; the subclasses add a close hook, headers (``info()``), and the URL and status
(``geturl()``, ``getcode()``, ``status``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["addbase", "addclosehook", "addinfo", "addinfourl"]


class addbase:  # noqa: N801 - the stdlib's name
    """A file object wrapper; attribute access falls through to the wrapped ``fp``."""

    def __init__(self, fp: Any) -> None:
        self.fp = fp
        self.file = fp
        self.name = "<urllib response>"
        self.delete = False

    def __getattr__(self, name: str) -> Any:
        # Only reached for names this class does not define; ``file`` itself must exist.
        if name in ("fp", "file"):
            raise AttributeError(name)
        return getattr(self.__dict__["file"], name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} at {id(self)!r} whose fp = {self.fp!r}>"

    def __enter__(self) -> addbase:
        if self.fp.closed:
            raise ValueError("I/O operation on closed file")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[bytes]:
        yield from self.file

    def close(self) -> None:
        self.file.close()


class addclosehook(addbase):  # noqa: N801
    """Calls ``closehook(*hookargs)`` once, the first time the response is closed."""

    def __init__(self, fp: Any, closehook: Callable[..., object], *hookargs: Any) -> None:
        super().__init__(fp)
        self.closehook: Callable[..., object] | None = closehook
        self.hookargs: tuple[Any, ...] | None = hookargs

    def close(self) -> None:
        try:
            closehook, hookargs = self.closehook, self.hookargs
            if closehook is not None:
                self.closehook = None
                self.hookargs = None
                closehook(*(hookargs or ()))
        finally:
            super().close()


class addinfo(addbase):  # noqa: N801
    """Adds ``info()``, the response headers."""

    def __init__(self, fp: Any, headers: Any) -> None:
        super().__init__(fp)
        self.headers = headers

    def info(self) -> Any:
        return self.headers


class addinfourl(addinfo):  # noqa: N801
    """Adds the URL and the status code."""

    def __init__(self, fp: Any, headers: Any, url: str, code: int | None = None) -> None:
        super().__init__(fp, headers)
        self.url = url
        self.code = code

    @property
    def status(self) -> int | None:
        return self.code

    def getcode(self) -> int | None:
        return self.code

    def geturl(self) -> str:
        return self.url
