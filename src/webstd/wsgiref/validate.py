"""A conformance checker that sits between a WSGI server and an application (PEP 3333).

``validator(app)`` returns an application that checks, on every call, what the server hands
the application (environ, input and error streams) and what the application hands back
(status, headers, exc_info, write() data, the response iterable and its use). A violation of
a PEP 3333 "must" raises ``AssertionError`` -- explicitly, so the checks also run under
``python -O``; a "should" issues a ``WSGIWarning``.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NoReturn

__all__ = ["validator"]

# Header names: a letter, then letters, digits, "-" or "_" (no trailing "-" or "_"; see
# _check_headers). Stricter than RFC 9110's token on purpose: CGI maps names to HTTP_*
# variables, where other characters do not survive.
_HEADER_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9\-_]*\Z")
# No control characters at all in a header value (PEP 3333 "The start_response() Callable").
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f]")

# PEP 3333 "environ Variables": keys every server must provide.
_REQUIRED_ENVIRON_KEYS = (
    "REQUEST_METHOD",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.version",
    "wsgi.input",
    "wsgi.errors",
    "wsgi.multithread",
    "wsgi.multiprocess",
    "wsgi.run_once",
)
# The CGI specification puts these two request fields in CONTENT_TYPE / CONTENT_LENGTH.
_MISPLACED_ENVIRON_KEYS = ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH")
_KNOWN_METHODS = ("GET", "HEAD", "POST", "OPTIONS", "PATCH", "PUT", "DELETE", "TRACE")
_INPUT_METHODS = ("read", "readline", "readlines", "__iter__")
_ERRORS_METHODS = ("flush", "write", "writelines")
# RFC 9110 sections 15.3.5 and 15.4.5: these responses have no content, so no Content-Type.
_NO_CONTENT_STATUSES = (204, 304)


class WSGIWarning(Warning):
    """A WSGI "should" the server or the application does not follow."""


def _fail(message: str) -> NoReturn:
    raise AssertionError(message)


def _check(condition: object, message: str) -> None:
    if not condition:
        _fail(message)


def _require_str(value: object, title: str) -> str:
    if type(value) is not str:
        _fail(f"{title} must be of type str (got {value!r})")
    return value


def validator(application: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """Wrap ``application`` so that both sides of every call are checked against PEP 3333."""

    def checked_application(*args: Any, **kwargs: Any) -> Iterable[bytes]:
        _check(len(args) == 2, "Two arguments required")
        _check(not kwargs, "No keyword arguments allowed")
        environ, start_response = args
        _check_environ(environ)
        # Set once start_response has been called; the iterator checks it on first use.
        started: list[bool] = []

        def checked_start_response(*args: Any, **kwargs: Any) -> Callable[[bytes], None]:
            _check(len(args) in (2, 3), f"Invalid number of arguments: {args}")
            _check(not kwargs, "No keyword arguments allowed")
            status, headers = args[0], args[1]
            exc_info = args[2] if len(args) == 3 else None
            _check_status(status)
            _check_headers(headers)
            _check_content_type(status, headers)
            _check(
                exc_info is None or type(exc_info) is tuple,
                f"exc_info ({exc_info!r}) is not a tuple: {type(exc_info)!r}",
            )
            started.append(True)
            return WriteWrapper(start_response(*args))

        environ["wsgi.input"] = InputWrapper(environ["wsgi.input"])
        environ["wsgi.errors"] = ErrorWrapper(environ["wsgi.errors"])
        result = application(environ, checked_start_response)
        _check(
            result is not None and result != False,  # noqa: E712 -- PEP 3333 forbids both
            "The application must return an iterator, if only an empty list",
        )
        _check(
            not isinstance(result, (str, bytes)),
            "You should not return a string as your application iterator, instead return "
            "a single-item list containing a bytestring.",
        )
        return IteratorWrapper(result, started)

    return checked_application


class InputWrapper:
    """``wsgi.input`` as the application sees it: only PEP 3333's calls, only bytes."""

    def __init__(self, wsgi_input: Any) -> None:
        self.input = wsgi_input

    def read(self, *args: Any) -> bytes:
        _check(len(args) == 1, "wsgi.input.read() takes exactly one argument (the size)")
        data = self.input.read(*args)
        _check(type(data) is bytes, f"wsgi.input.read() returned {type(data)!r}, not bytes")
        return data

    def readline(self, *args: Any) -> bytes:
        _check(len(args) <= 1, "wsgi.input.readline() takes at most one argument")
        line = self.input.readline(*args)
        _check(type(line) is bytes, f"wsgi.input.readline() returned {type(line)!r}")
        return line

    def readlines(self, *args: Any) -> list[bytes]:
        _check(len(args) <= 1, "wsgi.input.readlines() takes at most one argument")
        lines = self.input.readlines(*args)
        _check(type(lines) is list, f"wsgi.input.readlines() returned {type(lines)!r}")
        for line in lines:
            _check(type(line) is bytes, f"wsgi.input.readlines() gave a {type(line)!r} line")
        return lines

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def close(self) -> None:
        _fail("input.close() must not be called")


class ErrorWrapper:
    """``wsgi.errors`` as the application sees it: text only, never closed."""

    def __init__(self, wsgi_errors: Any) -> None:
        self.errors = wsgi_errors

    def write(self, s: str) -> None:
        _check(type(s) is str, f"wsgi.errors.write() needs a str, not {type(s)!r}")
        self.errors.write(s)

    def flush(self) -> None:
        self.errors.flush()

    def writelines(self, seq: Iterable[str]) -> None:
        for line in seq:
            self.write(line)

    def close(self) -> None:
        _fail("errors.close() must not be called")


class WriteWrapper:
    """The ``write()`` callable: bytes only."""

    def __init__(self, wsgi_writer: Callable[[bytes], Any]) -> None:
        self.writer = wsgi_writer

    def __call__(self, s: bytes) -> None:
        _check(type(s) is bytes, f"write() needs bytes, not {type(s)!r}")
        self.writer(s)


class PartialIteratorWrapper:
    """An iterable whose iterators check the body without the start_response check."""

    def __init__(self, wsgi_iterator: Iterable[bytes]) -> None:
        self.iterator = wsgi_iterator

    def __iter__(self) -> IteratorWrapper:
        return IteratorWrapper(self.iterator, None)


class IteratorWrapper:
    """The response iterable as the server sees it: bytes only, start_response called before
    the first item, not used after close(), and closed before it is dropped."""

    def __init__(self, wsgi_iterator: Iterable[bytes], check_start_response: list | None) -> None:
        self.original_iterator = wsgi_iterator
        self.iterator = iter(wsgi_iterator)
        self.closed = False
        self.check_start_response = check_start_response

    def __iter__(self) -> IteratorWrapper:
        return self

    def __next__(self) -> bytes:
        _check(not self.closed, "Iterator read after closed")
        item = next(self.iterator)
        if type(item) is not bytes:
            _fail(f"Iterator yielded non-bytestring ({item!r})")
        if self.check_start_response is not None:
            _check(
                self.check_start_response,
                "The application returns and we started iterating over its body, but "
                "start_response has not yet been called",
            )
            self.check_start_response = None
        return item

    def close(self) -> None:
        self.closed = True
        if hasattr(self.original_iterator, "close"):
            self.original_iterator.close()

    def __del__(self) -> None:
        # PEP 3333: the server must call close(); an exception here is only reported.
        if not self.closed:
            sys.stderr.write("Iterator garbage collected without being closed")
        _check(self.closed, "Iterator garbage collected without being closed")


def _check_environ(environ: Any) -> None:
    _check(
        type(environ) is dict,
        f"Environment is not of the right type: {type(environ)!r} (environment: {environ!r})",
    )
    for key in _REQUIRED_ENVIRON_KEYS:
        _check(key in environ, f"Environment missing required key: {key!r}")
    for key in _MISPLACED_ENVIRON_KEYS:
        _check(
            key not in environ,
            f"Environment should not have the key: {key} (use {key[5:]} instead)",
        )
    if "QUERY_STRING" not in environ:
        warnings.warn(
            "QUERY_STRING is not in the WSGI environment; applications reading the query "
            "from it will fail",
            WSGIWarning,
            stacklevel=3,
        )
    for key, value in environ.items():
        # Keys with a dot belong to WSGI or to extensions and may hold any type.
        if "." not in key:
            _check(
                type(value) is str,
                f"Environmental variable {key} is not a string: {type(value)!r} "
                f"(value: {value!r})",
            )
    _check(
        type(environ["wsgi.version"]) is tuple,
        f"wsgi.version should be a tuple ({environ['wsgi.version']!r})",
    )
    _check(
        environ["wsgi.url_scheme"] in ("http", "https"),
        f"wsgi.url_scheme unknown: {environ['wsgi.url_scheme']!r}",
    )
    for attribute in _INPUT_METHODS:
        _check(
            hasattr(environ["wsgi.input"], attribute),
            f"wsgi.input ({environ['wsgi.input']!r}) doesn't have the attribute {attribute}",
        )
    for attribute in _ERRORS_METHODS:
        _check(
            hasattr(environ["wsgi.errors"], attribute),
            f"wsgi.errors ({environ['wsgi.errors']!r}) doesn't have the attribute {attribute}",
        )
    if environ["REQUEST_METHOD"] not in _KNOWN_METHODS:
        warnings.warn(
            f"Unknown REQUEST_METHOD: {environ['REQUEST_METHOD']!r}", WSGIWarning, stacklevel=3
        )
    for key in ("SCRIPT_NAME", "PATH_INFO"):
        _check(
            not environ.get(key) or environ[key].startswith("/"),
            f"{key} doesn't start with /: {environ.get(key)!r}",
        )
    if environ.get("CONTENT_LENGTH"):
        _check(
            int(environ["CONTENT_LENGTH"]) >= 0,
            f"Invalid CONTENT_LENGTH: {environ['CONTENT_LENGTH']!r}",
        )
    if not environ.get("SCRIPT_NAME"):
        _check(
            "PATH_INFO" in environ,
            "One of SCRIPT_NAME or PATH_INFO are required (PATH_INFO should at least be '/' "
            "if SCRIPT_NAME is empty)",
        )
    _check(
        environ.get("SCRIPT_NAME") != "/",
        "SCRIPT_NAME cannot be '/'; it should instead be '', and PATH_INFO should be '/'",
    )


def _check_status(status: Any) -> None:
    status = _require_str(status, "Status")
    code = status.split(None, 1)[0]
    _check(len(code) == 3, f"Status codes must be three characters: {code!r}")
    _check(int(code) >= 100, f"Status code is invalid: {code}")
    if len(status) < 4 or status[3] != " ":
        warnings.warn(
            f"The status string ({status!r}) should be a three-digit integer followed by a "
            "single space and a status explanation",
            WSGIWarning,
            stacklevel=3,
        )


def _check_headers(headers: Any) -> None:
    _check(type(headers) is list, f"Headers ({headers!r}) must be of type list: {type(headers)!r}")
    for item in headers:
        _check(type(item) is tuple, f"Individual headers ({item!r}) must be of type tuple")
        _check(len(item) == 2, f"Individual headers ({item!r}) must be (name, value) pairs")
        name = _require_str(item[0], "Header name")
        value = _require_str(item[1], "Header value")
        _check(
            name.lower() != "status",
            "The Status header cannot be used; it conflicts with CGI script, and HTTP status "
            "is not given through headers",
        )
        _check(
            "\n" not in name and ":" not in name,
            f"Header names may not contain ':' or '\\n': {name!r}",
        )
        _check(_HEADER_NAME.match(name), f"Bad header name: {name!r}")
        _check(
            not name.endswith(("-", "_")),
            f"Names may not end in '-' or '_': {name!r}",
        )
        bad = _CONTROL_CHARACTER.search(value)
        if bad:
            _fail(f"Bad header value: {value!r} (bad char: {bad.group(0)!r})")


def _check_content_type(status: str, headers: list[tuple[str, str]]) -> None:
    code = int(status.split(None, 1)[0])
    for name, _ in headers:
        if _require_str(name, "Header name").lower() == "content-type":
            _check(
                code not in _NO_CONTENT_STATUSES,
                f"Content-Type header found in a {code} response, which must not return "
                "content.",
            )
            return
    _check(code in _NO_CONTENT_STATUSES, f"No Content-Type header found in headers ({headers})")
