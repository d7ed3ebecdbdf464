"""URL parsing, joining, quoting and query strings: the public face of webstd.urllib.parse.

Same API and same results as Python 3.11's urllib.parse (from 3.11.4 on, which strips leading C0
controls and spaces and rejects invalid bracketed hosts); see docs/differences.md.  This module owns
the splitting of a URL into RFC 3986 section 3 components, their reassembly, reference resolution
(RFC 3986 section 5.2) and application/x-www-form-urlencoded queries.  Percent-encoding lives in
``_parse_quoting``, the result tuples in ``_parse_results`` and the deprecated ``split*``
helpers and ``to_bytes`` in ``_parse_legacy``.

Like the stdlib, every function accepts str or bytes (bytes must be ASCII) and returns the same type;
mixing the two raises TypeError.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any, AnyStr

# The helpers 3.8 deprecated: public in 3.11 though not in __all__, each warning when called; and
# their silent twins (_splittype ...), which other stdlib modules (mimetypes, xmlrpc.client) call.
from webstd.urllib._parse_legacy import _splitattr as _splitattr
from webstd.urllib._parse_legacy import _splithost as _splithost
from webstd.urllib._parse_legacy import _splitnport as _splitnport
from webstd.urllib._parse_legacy import _splitpasswd as _splitpasswd
from webstd.urllib._parse_legacy import _splitport as _splitport
from webstd.urllib._parse_legacy import _splitquery as _splitquery
from webstd.urllib._parse_legacy import _splittag as _splittag
from webstd.urllib._parse_legacy import _splittype as _splittype
from webstd.urllib._parse_legacy import _splituser as _splituser
from webstd.urllib._parse_legacy import _splitvalue as _splitvalue
from webstd.urllib._parse_legacy import _to_bytes as _to_bytes
from webstd.urllib._parse_legacy import splitattr as splitattr
from webstd.urllib._parse_legacy import splithost as splithost
from webstd.urllib._parse_legacy import splitnport as splitnport
from webstd.urllib._parse_legacy import splitpasswd as splitpasswd
from webstd.urllib._parse_legacy import splitport as splitport
from webstd.urllib._parse_legacy import splitquery as splitquery
from webstd.urllib._parse_legacy import splittag as splittag
from webstd.urllib._parse_legacy import splittype as splittype
from webstd.urllib._parse_legacy import splituser as splituser
from webstd.urllib._parse_legacy import splitvalue as splitvalue
from webstd.urllib._parse_legacy import to_bytes as to_bytes
from webstd.urllib._parse_quoting import (
    _ESCAPE_RUN,
    _decode_escape_run,
    quote,
    quote_from_bytes,
    quote_plus,
    unquote,
    unquote_plus,
    unquote_to_bytes,
)
from webstd.urllib._parse_results import (
    DefragResult,
    DefragResultBytes,
    ParseResult,
    ParseResultBytes,
    SplitResult,
    SplitResultBytes,
    bind_unsplitters,
)
from webstd.urllib._parse_results import (
    ResultBase as ResultBase,  # public in the stdlib though not in __all__
)

__all__ = [
    "urlparse",
    "urlunparse",
    "urljoin",
    "urldefrag",
    "urlsplit",
    "urlunsplit",
    "urlencode",
    "parse_qs",
    "parse_qsl",
    "quote",
    "quote_plus",
    "quote_from_bytes",
    "unquote",
    "unquote_plus",
    "unquote_to_bytes",
    "DefragResult",
    "ParseResult",
    "SplitResult",
    "DefragResultBytes",
    "ParseResultBytes",
    "SplitResultBytes",
]

# Which schemes take part in which features (the stdlib's registry; code appends to these lists).
uses_relative = ["", "ftp", "http", "gopher", "nntp", "imap", "wais", "file", "https", "shttp",
                 "mms", "prospero", "rtsp", "rtsps", "rtspu", "sftp", "svn", "svn+ssh", "ws", "wss"]  # fmt: skip
uses_netloc = ["", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms",
               "https", "shttp", "snews", "prospero", "rtsp", "rtsps", "rtspu", "rsync", "svn",
               "svn+ssh", "sftp", "nfs", "git", "git+ssh", "ws", "wss"]  # fmt: skip
uses_params = ["", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp", "rtsps",
               "rtspu", "sip", "sips", "mms", "sftp", "tel"]  # fmt: skip
non_hierarchical = ["gopher", "hdl", "mailto", "news", "telnet", "wais", "imap", "snews", "sip",
                    "sips"]  # fmt: skip
uses_query = ["", "http", "wais", "imap", "https", "shttp", "mms", "gopher", "rtsp", "rtsps",
              "rtspu", "sip", "sips"]  # fmt: skip
uses_fragment = ["", "ftp", "hdl", "http", "gopher", "news", "nntp", "wais", "https", "shttp",
                 "snews", "file", "prospero"]  # fmt: skip

# --- Grammar (RFC 3986 and the WHATWG URL standard) -------------------------------------------
# RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
scheme_chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-."
_SCHEME = re.compile("[A-Za-z][A-Za-z0-9+.-]*:")
# RFC 3986 3.2: the authority ends at the next "/", "?" or "#".
_AUTHORITY_END = re.compile("[/?#]")
# RFC 3986 3.2.2: IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ); checked loosely
# as the stdlib does.
_IPV_FUTURE = re.compile(r"v[a-fA-F0-9]+\..+", re.DOTALL)
# WHATWG URL standard: leading C0 controls and spaces are dropped, and so are tab, CR and LF
# anywhere (a header-injection and filter-bypass vector, bpo-43882).
_C0_CONTROL_OR_SPACE = "".join(map(chr, range(0x21)))
_TAB_CR_LF = re.compile("[\t\r\n]")


def _coerce(args: tuple[Any, ...]) -> tuple[tuple[Any, ...], bool]:
    """Return args as str and whether the caller gave bytes (ASCII only, as in the stdlib)."""
    if isinstance(args[0], str):
        for arg in args[1:]:
            if arg and not isinstance(arg, str):
                raise TypeError("Cannot mix str and non-str arguments")
        return args, False
    for arg in args[1:]:
        if arg and isinstance(arg, str):
            raise TypeError("Cannot mix str and non-str arguments")
    return tuple(arg.decode("ascii") if arg else "" for arg in args), True


def _check_bracketed_host(host: str) -> None:
    # RFC 3986 3.2.2: IP-literal = "[" ( IPv6address / IPvFuture ) "]"; an IPv4 address is not
    # allowed in brackets.  ipaddress also accepts RFC 6874 zone ids ("%eth0").
    if host.startswith("v"):
        if not _IPV_FUTURE.fullmatch(host):
            raise ValueError("IPvFuture address is invalid")
    elif isinstance(ipaddress.ip_address(host), ipaddress.IPv4Address):
        raise ValueError("An IPv4 address cannot be in brackets")


def _check_netloc(netloc: str) -> None:
    # Characters such as U+2100 (ACCOUNT OF) become "a/c" under NFKC, which IDNA applies, so a
    # netloc could change meaning after host name encoding (bpo-36216).
    if not netloc or netloc.isascii():
        return
    stripped = netloc.replace("@", "").replace(":", "").replace("#", "").replace("?", "")
    normalized = unicodedata.normalize("NFKC", stripped)
    if normalized == stripped:
        return
    for delimiter in "/?#@:":
        if delimiter in normalized:
            raise ValueError(
                f"netloc '{netloc}' contains invalid characters under NFKC normalization"
            )


def _split(url: str, scheme: str, allow_fragments: Any) -> tuple[str, str, str, str, str]:
    url = url.lstrip(_C0_CONTROL_OR_SPACE)
    scheme = scheme.strip(_C0_CONTROL_OR_SPACE)
    if "\t" in url or "\r" in url or "\n" in url:
        url = _TAB_CR_LF.sub("", url)
    if "\t" in scheme or "\r" in scheme or "\n" in scheme:
        scheme = _TAB_CR_LF.sub("", scheme)
    match = _SCHEME.match(url)
    if match is not None:
        end = match.end()
        scheme = url[: end - 1].lower()
        url = url[end:]
    netloc = query = fragment = ""
    if url[:2] == "//":
        end_match = _AUTHORITY_END.search(url, 2)
        if end_match is None:
            netloc, url = url[2:], ""
        else:
            end = end_match.start()
            netloc, url = url[2:end], url[end:]
        has_open, has_close = "[" in netloc, "]" in netloc
        if has_open != has_close:
            raise ValueError("Invalid IPv6 URL")
        if has_open:
            _check_bracketed_host(netloc.partition("[")[2].partition("]")[0])
    if allow_fragments and "#" in url:
        url, _, fragment = url.partition("#")
    if "?" in url:
        url, _, query = url.partition("?")
    if netloc and not netloc.isascii():
        _check_netloc(netloc)
    return scheme, netloc, url, query, fragment


_new_tuple = tuple.__new__


@functools.lru_cache(typed=True)
def urlsplit(url: AnyStr, scheme: AnyStr = "", allow_fragments: bool = True) -> Any:
    """Split a URL into scheme, netloc, path, query and fragment (RFC 3986 section 3).

    Raises ValueError for an unbalanced or invalid bracketed host, or a netloc that changes
    meaning under NFKC normalization.
    """
    if type(url) is str and type(scheme) is str:
        return _new_tuple(SplitResult, _split(url, scheme, allow_fragments))
    (url, scheme), was_bytes = _coerce((url, scheme))
    parts = _split(url, scheme, allow_fragments)
    if was_bytes:
        return _new_tuple(SplitResultBytes, [part.encode("ascii") for part in parts])
    return _new_tuple(SplitResult, parts)


def clear_cache() -> None:
    """Empty the urlsplit cache."""
    urlsplit.cache_clear()


def _split_params(path: str) -> tuple[str, str]:
    # RFC 2396 3.3: parameters belong to the last path segment only.
    start = path.find(";", path.rfind("/")) if "/" in path else path.find(";")
    if start < 0:
        return path, ""
    return path[:start], path[start + 1 :]


def _parse_params(scheme: str, path: str) -> tuple[str, str]:
    # Only schemes that use parameters split ";params" off the last segment.
    if scheme in uses_params and ";" in path:
        return _split_params(path)
    return path, ""


def urlparse(url: AnyStr, scheme: AnyStr = "", allow_fragments: bool = True) -> Any:
    """Split a URL into six components: urlsplit's, with ";params" split off the path."""
    (url, scheme), was_bytes = _coerce((url, scheme))
    scheme, netloc, path, query, fragment = urlsplit(url, scheme, allow_fragments)
    path, params = _parse_params(scheme, path)
    parts = (scheme, netloc, path, params, query, fragment)
    if was_bytes:
        return _new_tuple(ParseResultBytes, [part.encode("ascii") for part in parts])
    return _new_tuple(ParseResult, parts)


def _unsplit(scheme: Any, netloc: Any, path: Any, query: Any, fragment: Any) -> Any:
    if netloc or (scheme and scheme in uses_netloc and path[:2] != "//"):
        if path and path[:1] != "/":
            path = "/" + path
        path = "//" + (netloc or "") + path
    if scheme:
        path = scheme + ":" + path
    if query:
        path = path + "?" + query
    if fragment:
        path = path + "#" + fragment
    return path


def urlunsplit(components: Iterable[AnyStr]) -> Any:
    """Join the five components of urlsplit() back into a URL."""
    scheme, netloc, path, query, fragment = components
    (scheme, netloc, path, query, fragment), was_bytes = _coerce(
        (scheme, netloc, path, query, fragment)
    )
    url = _unsplit(scheme, netloc, path, query, fragment)
    return url.encode("ascii") if was_bytes else url


def urlunparse(components: Iterable[AnyStr]) -> Any:
    """Join the six components of urlparse() back into a URL."""
    scheme, netloc, path, params, query, fragment = components
    (scheme, netloc, path, params, query, fragment), was_bytes = _coerce(
        (scheme, netloc, path, params, query, fragment)
    )
    if params:
        path = f"{path};{params}"
    url = _unsplit(scheme, netloc, path, query, fragment)
    return url.encode("ascii") if was_bytes else url


bind_unsplitters(urlunsplit, urlunparse)


def _merge_paths(base_path: str, path: str) -> str:
    # RFC 3986 5.2.3 (merge) and 5.2.4 (remove_dot_segments), with the stdlib's extra rule that
    # empty segments between the base and the reference collapse, so "a//b" joins as "a/b".
    if path[:1] == "/":
        segments = path.split("/")
    else:
        base_segments = base_path.split("/")
        if base_segments[-1]:
            del base_segments[-1]
        segments = base_segments + path.split("/")
        segments[1:-1] = [segment for segment in segments[1:-1] if segment]
    output: list[str] = []
    for segment in segments:
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    if segments[-1] in (".", ".."):
        output.append("")
    return "/".join(output) or "/"


def urljoin(base: AnyStr, url: AnyStr, allow_fragments: bool = True) -> Any:
    """Resolve url against base (RFC 3986 section 5.2, with the stdlib's scheme rules)."""
    if not base:
        return url
    if not url:
        return base
    if type(base) is str and type(url) is str:
        if allow_fragments is True and _PLAIN_REFERENCE.fullmatch(url) is not None:
            directory = _directory_of(base)
            if directory is not None:
                return directory + url
        return _join(base, url, allow_fragments)
    (base, url), was_bytes = _coerce((base, url))
    joined = _join(base, url, allow_fragments)
    return joined.encode("ascii") if was_bytes else joined


# A relative reference made only of plain path segments: no scheme, authority, query, fragment or
# params, no empty, "." or ".." segment. Resolving it changes nothing in it (RFC 3986 5.2.3-5.2.4
# and the stdlib's rules only act on such segments, and on those before it): the result is what the
# base resolves to for any such reference, up to its last "/", followed by the reference. The usual
# case by far: the src of an image on a page, the links of a directory listing.
_PLAIN_SEGMENT = r"(?!\.\.?(?:/|$))[A-Za-z0-9\-._~!$&'()*+,=@%]+"
_PLAIN_REFERENCE = re.compile(f"{_PLAIN_SEGMENT}(?:/{_PLAIN_SEGMENT})*")


@functools.lru_cache(maxsize=256)
def _directory_of(base: str) -> str | None:
    """What the plain references resolve to against ``base``, minus the reference itself: the
    general algorithm run once on a one-segment probe. None when that probe does not end the
    result (never seen; then every plain reference takes the general way)."""
    probe = _join(base, "_", True)
    if probe == "_" or probe.endswith("/_"):
        return probe[:-1]
    return None


def _join(base: str, url: str, allow_fragments: Any) -> str:
    # urlparse and urlunparse without their str/bytes coercion, which urljoin did once already.
    base_scheme, base_netloc, base_path, base_query, _ = urlsplit(base, "", allow_fragments)
    scheme, netloc, path, query, fragment = urlsplit(url, base_scheme, allow_fragments)
    if scheme != base_scheme or scheme not in uses_relative:
        return url
    path, params = _parse_params(scheme, path)
    if scheme in uses_netloc:
        if netloc:
            return _unsplit(scheme, netloc, f"{path};{params}" if params else path, query, fragment)
        netloc = base_netloc
    if not path and not params:
        # RFC 3986 5.2.2: an empty reference path keeps the base path (and query if none).
        base_path, base_params = _parse_params(base_scheme, base_path)
        path, params, query = base_path, base_params, query or base_query
    else:
        path = _merge_paths(_parse_params(base_scheme, base_path)[0], path)
    return _unsplit(scheme, netloc, f"{path};{params}" if params else path, query, fragment)


def urldefrag(url: AnyStr) -> Any:
    """Split the fragment off a URL; returns (url without fragment, fragment)."""
    (url,), was_bytes = _coerce((url,))
    if "#" in url:
        scheme, netloc, path, params, query, fragment = urlparse(url)
        defragmented = urlunparse((scheme, netloc, path, params, query, ""))
    else:
        defragmented, fragment = url, ""
    if was_bytes:
        return _new_tuple(DefragResultBytes, (defragmented.encode("ascii"), fragment.encode("ascii")))
    return _new_tuple(DefragResult, (defragmented, fragment))


# --- application/x-www-form-urlencoded (WHATWG URL standard, section 5) ------------------------


def _form_unquote(text: str, encoding: str, errors: str) -> str:
    if "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    if encoding == "utf-8" and errors == "replace":
        return _ESCAPE_RUN.sub(_decode_escape_run, text)
    return unquote(text, encoding=encoding, errors=errors)


def parse_qsl(
    qs: AnyStr | None,
    keep_blank_values: bool = False,
    strict_parsing: bool = False,
    encoding: str = "utf-8",
    errors: str = "replace",
    max_num_fields: int | None = None,
    separator: str | bytes = "&",
) -> list[tuple[Any, Any]]:
    """Parse a query string into a list of (name, value) pairs, in order.

    Raises ValueError for a bad separator, more than max_num_fields fields, or (with
    strict_parsing) a field without "=".
    """
    (qs,), was_bytes = _coerce((qs,))
    (separator,), _ = _coerce((separator,))
    if not separator or not isinstance(separator, (str, bytes)):
        raise ValueError("Separator must be of type string or bytes.")
    if max_num_fields is not None:
        fields = 1 + qs.count(separator) if qs else 0
        if max_num_fields < fields:
            raise ValueError("Max number of fields exceeded")
    pairs: list[tuple[Any, Any]] = []
    if not qs:
        return pairs
    append = pairs.append
    for field in qs.split(separator):
        if not field and not strict_parsing:
            continue
        name, equals, value = field.partition("=")
        if not equals:
            if strict_parsing:
                raise ValueError(f"bad query field: {field!r}")
            if not keep_blank_values:
                continue
        elif not value and not keep_blank_values:
            continue
        name = _form_unquote(name, encoding, errors)
        value = _form_unquote(value, encoding, errors)
        if was_bytes:
            append((name.encode("ascii"), value.encode("ascii")))
        else:
            append((name, value))
    return pairs


def parse_qs(
    qs: AnyStr | None,
    keep_blank_values: bool = False,
    strict_parsing: bool = False,
    encoding: str = "utf-8",
    errors: str = "replace",
    max_num_fields: int | None = None,
    separator: str | bytes = "&",
) -> dict[Any, list[Any]]:
    """Parse a query string into a dict mapping each name to the list of its values."""
    result: dict[Any, list[Any]] = {}
    for name, value in parse_qsl(
        qs,
        keep_blank_values,
        strict_parsing,
        encoding=encoding,
        errors=errors,
        max_num_fields=max_num_fields,
        separator=separator,
    ):
        if name in result:
            result[name].append(value)
        else:
            result[name] = [value]
    return result


def urlencode(
    query: Mapping[Any, Any] | Iterable[tuple[Any, Any]],
    doseq: bool = False,
    safe: str | bytes = "",
    encoding: str | None = None,
    errors: str | None = None,
    quote_via: Callable[..., str] = quote_plus,
) -> str:
    """Encode a mapping or a sequence of pairs as an application/x-www-form-urlencoded string.

    With doseq, a value that is a non-string sequence gives one name=value field per element.
    """
    if hasattr(query, "items"):
        query = query.items()
    else:
        try:
            if len(query) and not isinstance(query[0], tuple):
                raise TypeError
        except TypeError as error:
            raise TypeError("not a valid non-string sequence or mapping object") from error

    def encode(item: Any) -> str:
        if isinstance(item, bytes):
            return quote_via(item, safe)
        return quote_via(str(item), safe, encoding, errors)

    fields = []
    for name, value in query:
        name = encode(name)
        if not doseq or isinstance(value, (str, bytes)):
            fields.append(name + "=" + encode(value))
            continue
        try:
            len(value)
        except TypeError:
            fields.append(name + "=" + encode(value))
        else:
            fields.extend(name + "=" + encode(element) for element in value)
    return "&".join(fields)


def unwrap(url: str) -> str:
    """Remove the "<URL:...>" wrapping of RFC 1738 appendix, e.g. '<URL:http://a/>' -> 'http://a/'."""
    url = str(url).strip()
    if url[:1] == "<" and url[-1:] == ">":
        url = url[1:-1].strip()
    if url[:4] == "URL:":
        url = url[4:].strip()
    return url

