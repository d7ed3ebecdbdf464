"""webstd.cgi: the ``cgi`` module of Python 3.11 (removed from the stdlib in 3.13).

Owns form parsing for CGI scripts and WSGI apps: :class:`FieldStorage`, :class:`MiniFieldStorage`,
:func:`parse`, :func:`parse_multipart`, :func:`parse_header` and the HTML debugging printers.

Unlike the stdlib, multipart bodies stream: the input is read in blocks of at most
``BLOCK_SIZE`` bytes (never past the Content-Length), parsed by the sans-IO
:class:`webstd._multipart.MultipartParser`, and each part's content goes to memory only up to
``MEMORY_THRESHOLD`` bytes, then to :meth:`FieldStorage.make_file`. Limits fail with
:class:`~webstd._multipart.MultipartError` subclasses, which are ValueErrors as in the stdlib.
Deviations from 3.11 are listed in docs/differences.md ("webstd.cgi").
"""

from __future__ import annotations

import codecs
import io
import locale
import os
import re
import sys
import tempfile
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any

from webstd._multipart import (
    BodyEnd,
    BodyTooLargeError,
    InvalidBoundaryError,
    MultipartLimits,
    MultipartParser,
    PartData,
    PartStart,
    is_valid_boundary,
    parse_options_header,
)
from webstd.urllib.parse import parse_qs, parse_qsl

__all__ = [
    "MiniFieldStorage",
    "FieldStorage",
    "parse",
    "parse_multipart",
    "parse_header",
    "test",
    "print_exception",
    "print_environ",
    "print_form",
    "print_directory",
    "print_arguments",
    "print_environ_usage",
]



class MaxLengthExceededError(BodyTooLargeError):
    """The body is longer than ``maxlen`` (by its Content-Length or by what was read)."""


class TooManyFieldsError(ValueError):
    """A form has more fields than ``max_num_fields``."""


# Also raised here, from webstd._multipart (all are ValueError subclasses, as in the stdlib):
# InvalidBoundaryError, PartHeadersTooLargeError, MalformedPartHeaderError,
# MalformedDelimiterError.

# Largest body accepted, in bytes; 0 means unlimited (the stdlib's module-level setting).
maxlen = 0
# Bytes read from the input at a time.
BLOCK_SIZE = 64 * 1024
# A part's content stays in memory up to this many bytes, then moves to make_file() (as 3.11).
MEMORY_THRESHOLD = 1000
# Header limits for each part; the field count limit is max_num_fields, enforced here.
PART_LIMITS = MultipartLimits(max_parts=None)

URLENCODED = "application/x-www-form-urlencoded"


# --- Logging (kept for compatibility: configure with logfile, then call log()) ---------------

logfile = ""
logfp: IO[str] | None = None


def initlog(*allargs: Any) -> None:
    """Open ``logfile`` on first use, then log through dolog (or nolog if there is none)."""
    global log, logfp
    if logfile and not logfp:
        try:
            logfp = open(logfile, "a", encoding="locale")
        except OSError:
            pass
    log = dolog if logfp else nolog
    log(*allargs)


def dolog(fmt: str, *args: Any) -> None:
    """Write one %-formatted line to the log file."""
    assert logfp is not None
    logfp.write(fmt % args + "\n")


def nolog(*allargs: Any) -> None:
    """Discard a log call (no log file configured)."""


def closelog() -> None:
    """Close the log file and return to the unconfigured state."""
    global log, logfile, logfp
    logfile = ""
    if logfp:
        logfp.close()
        logfp = None
    log = initlog


log = initlog


# --- Module-level parsing functions ----------------------------------------------------------


def _parse_fields(
    qs: str,
    keep_blank_values: Any,
    strict_parsing: Any,
    encoding: str,
    errors: str,
    max_num_fields: int | None,
    separator: str,
) -> list[tuple[str, str]]:
    """parse_qsl, with the specific error for too many fields."""
    if max_num_fields is not None and max_num_fields < (1 + qs.count(separator) if qs else 0):
        raise TooManyFieldsError("Max number of fields exceeded")
    return parse_qsl(qs, keep_blank_values, strict_parsing, encoding, errors, None, separator)


def parse_header(line: str) -> tuple[str, dict[str, str]]:
    """Parse a Content-type like header: return the main value and a dict of parameters."""
    return parse_options_header(line)


def valid_boundary(s: bytes | str) -> bool:
    """Whether ``s`` is a boundary RFC 2046 section 5.1.1 allows (1 to 70 bchars)."""
    if isinstance(s, str):
        s = s.encode("ascii", "replace")
    return is_valid_boundary(s)


def parse(
    fp: IO[Any] | None = None,
    environ: Any = os.environ,
    keep_blank_values: Any = 0,
    strict_parsing: Any = 0,
    separator: str = "&",
) -> dict[str, list[Any]]:
    """Parse a query (GET) or form body (POST) into a dict of lists."""
    if fp is None:
        fp = sys.stdin
    encoding = getattr(fp, "encoding", None) or "latin-1"
    if isinstance(fp, io.TextIOWrapper):
        fp = fp.buffer
    if "REQUEST_METHOD" not in environ:
        environ["REQUEST_METHOD"] = "GET"
    if environ["REQUEST_METHOD"] == "POST":
        ctype, pdict = parse_header(environ["CONTENT_TYPE"])
        if ctype == "multipart/form-data":
            return parse_multipart(fp, pdict, separator=separator)
        if ctype == URLENCODED:
            length = int(environ["CONTENT_LENGTH"])
            if maxlen and length > maxlen:
                raise MaxLengthExceededError("Maximum content length exceeded")
            qs = fp.read(length).decode(encoding)
        else:
            qs = ""
        extra = environ["QUERY_STRING"] if "QUERY_STRING" in environ else None
        if extra is None and sys.argv[1:]:
            extra = sys.argv[1]
        if extra is not None:
            qs = qs + "&" + extra if qs else extra
        environ["QUERY_STRING"] = qs
    elif "QUERY_STRING" in environ:
        qs = environ["QUERY_STRING"]
    else:
        qs = sys.argv[1] if sys.argv[1:] else ""
        environ["QUERY_STRING"] = qs
    return parse_qs(qs, keep_blank_values, strict_parsing, encoding=encoding, separator=separator)


def parse_multipart(
    fp: IO[bytes],
    pdict: Mapping[str, Any],
    encoding: str = "utf-8",
    errors: str = "replace",
    separator: str = "&",
) -> dict[str, list[Any]]:
    """Parse a multipart/form-data body: {name: [values]}, str for fields, bytes for files.

    ``pdict['boundary']`` may be bytes (as in the stdlib) or str (as parse_header returns it).
    """
    boundary = pdict["boundary"]
    if isinstance(boundary, bytes):
        boundary = boundary.decode("ascii")
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    if "CONTENT-LENGTH" in pdict:
        headers["content-length"] = pdict["CONTENT-LENGTH"]
    form = FieldStorage(
        fp,
        headers=headers,
        encoding=encoding,
        errors=errors,
        environ={"REQUEST_METHOD": "POST"},
        separator=separator,
    )
    return {name: form.getlist(name) for name in form}


# --- Part headers ----------------------------------------------------------------------------


class PartHeaders:
    """A part's header fields, with the lookups of email.message.Message that cgi users rely
    on: case-insensitive names, ``headers[name]`` gives the first value or None."""

    def __init__(self, fields: Iterator[tuple[str, str]] | tuple[tuple[str, str], ...] = ()):
        self._fields = list(fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(
            key.lower() == name.lower() for key, _ in self._fields
        )

    def __getitem__(self, name: str) -> str | None:
        return self.get(name)

    def __setitem__(self, name: str, value: str) -> None:
        self._fields.append((name, value))

    def __delitem__(self, name: str) -> None:
        self._fields = [(key, value) for key, value in self._fields if key.lower() != name.lower()]

    def get(self, name: str, failobj: Any = None) -> Any:
        for key, value in self._fields:
            if key.lower() == name.lower():
                return value
        return failobj

    def get_all(self, name: str, failobj: Any = None) -> Any:
        values = [value for key, value in self._fields if key.lower() == name.lower()]
        return values or failobj

    def keys(self) -> list[str]:
        return [key for key, _ in self._fields]

    def values(self) -> list[str]:
        return [value for _, value in self._fields]

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)

    def as_string(self) -> str:
        return "".join(f"{key}: {value}\n" for key, value in self._fields) + "\n"

    __str__ = as_string

    def __repr__(self) -> str:
        return f"PartHeaders({self._fields!r})"


# --- Streaming input -------------------------------------------------------------------------


class _Multipart:
    """Pulls blocks through a MultipartParser and hands out one part at a time."""

    def __init__(self, parser: MultipartParser, read_block: Callable[[], bytes]) -> None:
        self._parser = parser
        self._read_block = read_block
        self._events: deque[Any] = deque()
        self._input_ended = False

    @property
    def complete(self) -> bool:
        return self._parser.complete

    def next_event(self) -> Any:
        while not self._events:
            if self._input_ended:
                return None
            block = self._read_block()
            if block:
                self._events.extend(self._parser.feed(block))
            else:
                self._input_ended = True
                self._events.extend(self._parser.finish(allow_truncated=True))
        return self._events.popleft()

    def parts(self) -> Iterator[tuple[PartHeaders, PartStream]]:
        while (event := self.next_event()) is not None:
            if isinstance(event, BodyEnd):
                return
            if isinstance(event, PartStart):
                stream = PartStream(self)
                yield PartHeaders(event.headers), stream
                stream.drain()


class PartStream(io.RawIOBase):
    """A read-only binary file over one part's content; it ends where the part ends."""

    def __init__(self, source: _Multipart) -> None:
        super().__init__()
        self._source: _Multipart | None = source
        self._pending = b""

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> bytes:
        if self._pending:
            chunk, self._pending = self._pending, b""
            return chunk
        if self._source is None:
            return b""
        event = self._source.next_event()
        if isinstance(event, PartData):
            return event.data
        self._source = None
        return b""

    def read1(self, size: int = -1) -> bytes:
        chunk = self._next_chunk()
        if 0 <= size < len(chunk):
            chunk, self._pending = chunk[:size], chunk[size:]
        return chunk

    def readinto(self, buffer: Any) -> int:
        chunk = self.read1(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def read(self, size: int | None = -1) -> bytes:
        return self._gather(size, line=False)

    def readline(self, size: int | None = -1) -> bytes:
        return self._gather(size, line=True)

    def _gather(self, size: int | None, line: bool) -> bytes:
        """Up to ``size`` bytes (all if negative or None), stopping after a newline if ``line``."""
        size = -1 if size is None else size
        pieces, total = [], 0
        while size < 0 or total < size:
            chunk = self.read1(size - total if size >= 0 else -1)
            if not chunk:
                break
            if line and (newline := chunk.find(b"\n")) >= 0:
                self._pending = chunk[newline + 1 :] + self._pending
                pieces.append(chunk[: newline + 1])
                break
            pieces.append(chunk)
            total += len(chunk)
        return b"".join(pieces)

    def drain(self) -> None:
        self._pending = b""
        while self._next_chunk():
            pass


# --- FieldStorage ----------------------------------------------------------------------------


class MiniFieldStorage:
    """Like FieldStorage, for one name=value pair of a query string or urlencoded body."""

    filename = None
    list = None
    type = None
    file = None
    type_options: dict[str, str] = {}
    disposition = None
    disposition_options: dict[str, str] = {}
    headers: dict[str, str] = {}

    def __init__(self, name: str, value: str) -> None:
        self.name = name
        self.value = value

    def __repr__(self) -> str:
        return f"MiniFieldStorage({self.name!r}, {self.value!r})"


class FieldStorage:
    """The form data of a request (query string, urlencoded or multipart body), or one part.

    Attributes as in the 3.11 stdlib: name, filename, value, file, list, type, type_options,
    disposition, disposition_options, headers. A field without a filename has a str value, an
    uploaded file has bytes (and ``file``, an open binary file positioned at 0).
    """

    FieldStorageClass: type | None = None
    bufsize = 8 * 1024

    def __init__(
        self,
        fp: IO[Any] | None = None,
        headers: Any = None,
        outerboundary: bytes = b"",
        environ: Any = os.environ,
        keep_blank_values: Any = 0,
        strict_parsing: Any = 0,
        limit: int | None = None,
        encoding: str = "utf-8",
        errors: str = "replace",
        max_num_fields: int | None = None,
        separator: str = "&",
    ) -> None:
        method = environ["REQUEST_METHOD"].upper() if "REQUEST_METHOD" in environ else "GET"
        self.keep_blank_values = keep_blank_values
        self.strict_parsing = strict_parsing
        self.max_num_fields = max_num_fields
        self.separator = separator
        self.qs_on_post = None
        # A part of a multipart body is never a GET: it always reads its own content.
        if method in ("GET", "HEAD") and not outerboundary:
            if "QUERY_STRING" in environ:
                qs = environ["QUERY_STRING"]
            else:
                qs = sys.argv[1] if sys.argv[1:] else ""
            fp = io.BytesIO(qs.encode(locale.getpreferredencoding(), "surrogateescape"))
            if headers is None:
                headers = {"content-type": URLENCODED}
        if headers is None:
            headers = {}
            if method == "POST":
                headers["content-type"] = URLENCODED
            if "CONTENT_TYPE" in environ:
                headers["content-type"] = environ["CONTENT_TYPE"]
            if "QUERY_STRING" in environ:
                self.qs_on_post = environ["QUERY_STRING"]
            if "CONTENT_LENGTH" in environ:
                headers["content-length"] = environ["CONTENT_LENGTH"]
        elif not (isinstance(headers, Mapping | PartHeaders) or hasattr(headers, "get_all")):
            raise TypeError("headers must be mapping or an instance of email.message.Message")
        self.headers = headers

        if fp is None:
            self.fp = sys.stdin.buffer
        elif isinstance(fp, io.TextIOWrapper):
            self.fp = fp.buffer
        elif hasattr(fp, "read") and hasattr(fp, "readline"):
            self.fp = fp
        else:
            raise TypeError("fp must be file pointer")
        self.encoding = encoding
        self.errors = errors
        if not isinstance(outerboundary, bytes):
            raise TypeError(f"outerboundary must be bytes, not {type(outerboundary).__name__}")
        self.outerboundary = outerboundary
        self.bytes_read = 0
        self.limit = limit

        self.disposition, self.disposition_options = "", {}
        if "content-disposition" in headers:
            self.disposition, self.disposition_options = parse_header(
                headers["content-disposition"]
            )
        self.name = self.disposition_options.get("name")
        self.filename = self.disposition_options.get("filename")
        self._binary_file = self.filename is not None

        if "content-type" in headers:
            ctype, pdict = parse_header(headers["content-type"])
        elif self.outerboundary or method != "POST":
            ctype, pdict = "text/plain", {}
        else:
            ctype, pdict = URLENCODED, {}
        self.type, self.type_options = ctype, pdict
        self.innerboundary = (
            pdict["boundary"].encode(self.encoding, self.errors) if "boundary" in pdict else b""
        )

        length = -1
        if "content-length" in headers:
            try:
                length = int(headers["content-length"])
            except ValueError:
                pass
            if maxlen and length > maxlen:
                raise MaxLengthExceededError("Maximum content length exceeded")
        self.length = length
        if self.limit is None and length >= 0:
            self.limit = length

        self.list: list[Any] | None = None
        self.file: IO[Any] | None = None
        self.done = 0
        self._memory: io.BytesIO | io.StringIO | None = None
        self._decoder: codecs.IncrementalDecoder | None = None
        if ctype == URLENCODED:
            self.read_urlencoded()
        elif ctype[:10] == "multipart/":
            self.read_multi(environ, keep_blank_values, strict_parsing)
        else:
            self.read_single()

    def __del__(self) -> None:
        try:
            self.file.close()  # type: ignore[union-attr]
        except AttributeError:
            pass

    def __enter__(self) -> FieldStorage:
        return self

    def __exit__(self, *args: object) -> None:
        if self.file is not None:
            self.file.close()

    def __repr__(self) -> str:
        return f"FieldStorage({self.name!r}, {self.filename!r}, {self.value!r})"

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __getattr__(self, name: str) -> Any:
        if name != "value":
            raise AttributeError(name)
        if self.file:
            self.file.seek(0)
            value = self.file.read()
            self.file.seek(0)
            return value
        return self.list

    def __getitem__(self, key: str) -> Any:
        if self.list is None:
            raise TypeError("not indexable")
        found = [item for item in self.list if item.name == key]
        if not found:
            raise KeyError(key)
        return found[0] if len(found) == 1 else found

    def getvalue(self, key: str, default: Any = None) -> Any:
        """The value of field ``key`` (a list if it is repeated), or ``default``."""
        if key not in self:
            return default
        value = self[key]
        return [item.value for item in value] if isinstance(value, list) else value.value

    def getfirst(self, key: str, default: Any = None) -> Any:
        """The first value of field ``key``, or ``default``."""
        if key not in self:
            return default
        value = self[key]
        return value[0].value if isinstance(value, list) else value.value

    def getlist(self, key: str) -> list[Any]:
        """Every value of field ``key``, in order (an empty list if there is none)."""
        if key not in self:
            return []
        value = self[key]
        return [item.value for item in value] if isinstance(value, list) else [value.value]

    def keys(self) -> list[str]:
        """The distinct field names."""
        if self.list is None:
            raise TypeError("not indexable")
        return list(dict.fromkeys(item.name for item in self.list))

    def __contains__(self, key: object) -> bool:
        if self.list is None:
            raise TypeError("not indexable")
        return any(item.name == key for item in self.list)

    def __len__(self) -> int:
        return len(self.keys())

    def __bool__(self) -> bool:
        if self.list is None:
            raise TypeError("Cannot be converted to bool.")
        return bool(self.list)

    # -- Reading ------------------------------------------------------------------------------

    def _read_block(self) -> bytes:
        """The next block of input: never past ``limit`` and never a whole body at once."""
        if self.limit is not None:
            size = min(BLOCK_SIZE, self.limit - self.bytes_read)
            if size <= 0:
                return b""
            data = self.fp.read(size)
        elif hasattr(self.fp, "read1"):
            data = self.fp.read1(BLOCK_SIZE)
        else:
            # Without a length, a line at a time: a socket is not read past the last boundary.
            data = self.fp.readline(BLOCK_SIZE)
        if not isinstance(data, bytes):
            raise ValueError(f"{self.fp} should return bytes, got {type(data).__name__}")
        self.bytes_read += len(data)
        if maxlen and self.bytes_read > maxlen:
            raise MaxLengthExceededError("Maximum content length exceeded")
        return data

    def read_urlencoded(self) -> None:
        """Parse an application/x-www-form-urlencoded body (plus QUERY_STRING on a POST)."""
        qs = b"".join(iter(self._read_block, b"")).decode(self.encoding, self.errors)
        if self.qs_on_post:
            qs += "&" + self.qs_on_post
        self.list = self._mini_fields(qs)
        self.skip_lines()

    def _mini_fields(self, qs: str) -> list[MiniFieldStorage]:
        """The name=value pairs of ``qs``, parsed with this form's options."""
        return [
            MiniFieldStorage(name, value)
            for name, value in _parse_fields(
                qs,
                self.keep_blank_values,
                self.strict_parsing,
                self.encoding,
                self.errors,
                self.max_num_fields,
                self.separator,
            )
        ]

    def read_multi(self, environ: Any, keep_blank_values: Any, strict_parsing: Any) -> None:
        """Parse a multipart body; each part becomes a FieldStorage (or FieldStorageClass)."""
        boundary = self.innerboundary
        if not is_valid_boundary(boundary):
            raise InvalidBoundaryError(f"Invalid boundary in multipart form: {boundary!r}")
        self.list = []
        if self.qs_on_post:
            self.list.extend(self._mini_fields(self.qs_on_post))
        klass = self.FieldStorageClass or self.__class__
        max_num_fields = self.max_num_fields
        if max_num_fields is not None:
            max_num_fields -= len(self.list)
        parser = MultipartParser(boundary, PART_LIMITS, self.encoding, self.errors)
        multipart = _Multipart(parser, self._read_block)
        for headers, stream in multipart.parts():
            # Checked before reading the part, so a rejected field is never read.
            if max_num_fields is not None and max_num_fields < 1:
                raise TooManyFieldsError("Max number of fields exceeded")
            # Part sizes come from the delimiters; a Content-Length in a part is ignored.
            del headers["content-length"]
            # No limit: the part's stream already ends at its delimiter.
            part = klass(
                stream, headers, boundary, environ, keep_blank_values, strict_parsing, None,
                self.encoding, self.errors, max_num_fields, self.separator,
            )  # fmt: skip
            if max_num_fields is not None:
                max_num_fields -= 1 + len(part.list or ())
                if max_num_fields < 0:
                    raise TooManyFieldsError("Max number of fields exceeded")
            self.list.append(part)
        self.done = 1 if multipart.complete else -1

    def read_single(self) -> None:
        """Store a body that is not a form: the content of a part, or a non-form request."""
        if self.length >= 0:
            self.read_binary()
            self.skip_lines()
        else:
            self.read_lines()
        self.file.seek(0)  # type: ignore[union-attr]

    def read_binary(self) -> None:
        """Read ``length`` bytes straight into make_file()."""
        self.file = self.make_file()
        self._copy_content()

    def read_lines(self) -> None:
        """Read the content into memory, moving to make_file() beyond MEMORY_THRESHOLD."""
        self.file = self._memory = io.BytesIO() if self._binary_file else io.StringIO()
        if self.outerboundary:
            self.read_lines_to_outerboundary()
        else:
            self.read_lines_to_eof()

    def read_lines_to_eof(self) -> None:
        """Read the content up to the end of the input."""
        self._copy_content()

    def read_lines_to_outerboundary(self) -> None:
        """Read a part's content; its stream ends at the delimiter (see PartStream)."""
        self._copy_content()

    def skip_lines(self) -> None:
        """Discard the rest of a part's content that was not read."""
        if isinstance(self.fp, PartStream):
            self.fp.drain()
            self.done = -1

    def _copy_content(self) -> None:
        if not self._binary_file:
            self._decoder = codecs.getincrementaldecoder(self.encoding)(self.errors)
        while block := self._read_block():
            self._write(block, final=False)
        self._write(b"", final=True)
        self.done = -1

    def _write(self, data: bytes, final: bool) -> None:
        assert self.file is not None
        if self._memory is not None and self._memory.tell() + len(data) > MEMORY_THRESHOLD:
            self.file = self.make_file()
            self.file.write(self._memory.getvalue())
            self._memory = None
        if self._decoder is None:
            self.file.write(data)
        else:
            self.file.write(self._decoder.decode(data, final))

    def make_file(self) -> IO[Any]:
        """A new anonymous file for a large content: binary for uploads, text for fields."""
        if self._binary_file:
            return tempfile.TemporaryFile("wb+")
        return tempfile.TemporaryFile(
            "w+", encoding=self.encoding, errors=self.errors, newline="\n"
        )


# --- HTML debugging output -------------------------------------------------------------------

HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
HTML_SPECIAL = re.compile("[&<>\"']")


def _escape(text: str) -> str:
    return HTML_SPECIAL.sub(lambda match: HTML_ESCAPES[match.group()], text)


def test(environ: Any = os.environ) -> None:
    """A CGI script that shows everything it can about its request, as HTML."""
    global maxlen
    print("Content-type: text/html")
    print()
    sys.stderr = sys.stdout
    try:
        form = FieldStorage()
        print_directory()
        print_arguments()
        print_form(form)
        print_environ(environ)
        print_environ_usage()
        print("<H3>What follows is a test, not an actual exception:</H3>")
        try:
            raise RuntimeError("testing print_exception() -- <I>italics?</I>")
        except RuntimeError:
            print_exception()
        print("<H1>Second try with a small maxlen...</H1>")
        maxlen = 50
        form = FieldStorage()
        print_directory()
        print_arguments()
        print_form(form)
        print_environ(environ)
    except Exception:
        print_exception()


def print_exception(
    type: Any = None,
    value: BaseException | None = None,
    tb: Any = None,
    limit: int | None = None,
) -> None:
    """Print the current (or given) exception and its traceback as HTML."""
    if type is None:
        type, value, tb = sys.exc_info()
    lines = traceback.format_tb(tb, limit) + traceback.format_exception_only(type, value)
    print()
    print("<H3>Traceback (most recent call last):</H3>")
    print(f"<PRE>{_escape(''.join(lines[:-1]))}<B>{_escape(lines[-1])}</B></PRE>")


def print_environ(environ: Any = os.environ) -> None:
    """Print the environment variables as an HTML definition list."""
    print()
    print("<H3>Shell Environment:</H3>")
    print("<DL>")
    for key in sorted(environ.keys()):
        print("<DT>", _escape(key), "<DD>", _escape(environ[key]))
    print("</DL>")
    print()


def print_form(form: FieldStorage) -> None:
    """Print the fields of a form as an HTML definition list."""
    keys = sorted(form.keys())
    print()
    print("<H3>Form Contents:</H3>")
    if not keys:
        print("<P>No form fields.")
    print("<DL>")
    for key in keys:
        print("<DT>" + _escape(key) + ":", end=" ")
        value = form[key]
        print("<i>" + _escape(repr(type(value))) + "</i>")
        print("<DD>" + _escape(repr(value)))
    print("</DL>")
    print()


def print_directory() -> None:
    """Print the current working directory as HTML."""
    print()
    print("<H3>Current Working Directory:</H3>")
    try:
        directory = os.getcwd()
    except OSError as error:
        print("OSError:", _escape(str(error)))
    else:
        print(_escape(directory))
    print()


def print_arguments() -> None:
    """Print the command line arguments as HTML."""
    print()
    print("<H3>Command Line Arguments:</H3>")
    print()
    print(sys.argv)
    print()


# RFC 3875 section 4.1 meta-variables, and the request headers servers commonly pass on.
CGI_VARIABLES = (
    "AUTH_TYPE", "CONTENT_LENGTH", "CONTENT_TYPE", "GATEWAY_INTERFACE", "PATH_INFO",
    "PATH_TRANSLATED", "QUERY_STRING", "REMOTE_ADDR", "REMOTE_HOST", "REMOTE_IDENT",
    "REMOTE_USER", "REQUEST_METHOD", "SCRIPT_NAME", "SERVER_NAME", "SERVER_PORT",
    "SERVER_PROTOCOL", "SERVER_SOFTWARE", "HTTP_ACCEPT", "HTTP_COOKIE", "HTTP_REFERER",
    "HTTP_USER_AGENT",
)  # fmt: skip


def print_environ_usage() -> None:
    """Print, as HTML, the CGI environment variables a script may find (RFC 3875 section 4.1)."""
    print()
    print("<H3>These environment variables could have been set:</H3>")
    print("<UL>")
    for name in CGI_VARIABLES:
        print(f"<LI>{name}")
    print("</UL>")
    print()
