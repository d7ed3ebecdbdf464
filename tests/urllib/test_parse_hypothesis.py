"""Property-based differential tests of webstd.urllib.parse against the Python 3.11 stdlib.

URL-like strings are built from the RFC 3986 alphabet plus the characters that trip parsers up.  The
oracle (3.11.7) already has the leading-C0 strip and the bracketed-host check, so every input is
compared, none skipped.
"""

import urllib.parse as stdlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support import stdlib311
from webstd.urllib import parse as webstd

# RFC 3986 2.2 and 2.3: reserved and unreserved characters.
RFC3986 = "ABCXYZabcxyz0189-._~:/?#[]@!$&'()*+,;="
TROUBLE = "%% []@:\\\t\n\r\x00\x01\x1f\x7f\u00e9\u0130\u2100\uff0f\uff03\uff1f\uff20\uff1a\uff11\u3000\ud800"
ALPHABET = RFC3986 + TROUBLE
PIECES = [
    "http:", "HTTPS:", "mailto:", "svn+ssh:", "//", "[::1]", "[v1.x]", "[1.2.3.4]", "[fe80::1%25e]",
    "%41", "%C3%A9", "%zz", "..", ".", "user:pw@", ":80", ":", ";p", "?q=1", "#f", "/", " ",
]  # fmt: skip

url_text = st.lists(st.one_of(st.text(ALPHABET, max_size=6), st.sampled_from(PIECES)), max_size=8).map(
    "".join
)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(module, name, *args, **kwargs):
    try:
        value = getattr(module, name)(*args, **kwargs)
    except Exception as error:  # any exception: the point is to compare them
        return ("raises", type(error), str(error))
    return ("returns", type(value).__name__, value)


def properties(result):
    report = []
    for attribute in ("hostname", "username", "password", "port"):
        try:
            report.append(getattr(result, attribute))
        except ValueError as error:
            report.append(("raises", str(error)))
    return report


def same(name, *args, **kwargs):
    expected = outcome(stdlib, name, *args, **kwargs)
    actual = outcome(webstd, name, *args, **kwargs)
    assert actual == expected
    return actual


@stdlib311
@FAST
@given(url_text, st.booleans())
def test_split_parse_defrag(url, allow_fragments):
    for name in ("urlsplit", "urlparse"):
        kind, _, result = same(name, url, "", allow_fragments)
        if kind == "returns":
            assert properties(result) == properties(getattr(stdlib, name)(url, "", allow_fragments))
            same("urlunsplit" if name == "urlsplit" else "urlunparse", tuple(result))
    same("urldefrag", url)
    data = url.encode("utf-8", "surrogatepass")
    same("urlsplit", data)
    same("urlparse", data, b"", allow_fragments)


@stdlib311
@FAST
@given(url_text, url_text, st.booleans())
def test_urljoin(base, reference, allow_fragments):
    same("urljoin", base, reference, allow_fragments)
    same("urljoin", "http://a/b/c/d;p?q", reference)
    same("urljoin", base.encode("utf-8", "surrogatepass"), reference.encode("utf-8", "surrogatepass"))


# References of path segments only, the ones urljoin resolves without the general algorithm (base
# directory + reference), mixed with the segments that must not take that way.
path_segment = st.one_of(
    st.text("Aaz09-._~!$&'()*+,=@%", min_size=1, max_size=4),
    st.sampled_from([".", "..", "...", ".x", "x.", "%2e", "", ";p", ":", "a:b", "?", "#"]),
)
path_reference = st.lists(path_segment, min_size=1, max_size=4).map("/".join)


@stdlib311
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(url_text, path_reference, st.booleans())
def test_urljoin_path_references(base, reference, allow_fragments):
    same("urljoin", base, reference, allow_fragments)
    same("urljoin", base, reference)
    for page in ("http://a/b/c/d;p?q", "http://a", "http://a/b/../c/", "http://a//b/./c", "x/y", "mailto:a"):
        same("urljoin", page, reference)


@stdlib311
@FAST
@given(
    st.text(ALPHABET + "\u20ac\U0001f600", max_size=20),
    st.sampled_from(["/", "", " ", ":/?&=", b"/", "\u00e9%"]),
    st.sampled_from([(None, None), ("latin-1", "replace"), ("ascii", "strict"), ("utf-8", None)]),
)
def test_quote(text, safe, codec):
    encoding, errors = codec
    same("quote", text, safe, encoding, errors)
    same("quote_plus", text, safe, encoding, errors)
    data = text.encode("utf-8", "surrogatepass")
    same("quote", data, safe)
    same("quote_plus", data, safe)
    same("quote_from_bytes", data, safe)


@stdlib311
@FAST
@given(
    st.lists(
        st.one_of(st.text(ALPHABET + "+\u20ac", max_size=4), st.from_regex("%[0-9A-Fa-f]{2}", fullmatch=True)),
        max_size=10,
    ).map("".join),
    st.sampled_from([("utf-8", "replace"), ("utf-8", "strict"), ("latin-1", "strict"),
                     ("ascii", "ignore"), ("utf-8", "surrogateescape")]),  # fmt: skip
)
def test_unquote(text, codec):
    same("unquote", text)
    same("unquote", text, *codec)
    same("unquote_plus", text, *codec)
    same("unquote_to_bytes", text)
    data = text.encode("utf-8", "surrogatepass")
    same("unquote", data)
    same("unquote_to_bytes", data)


@stdlib311
@FAST
@given(
    st.lists(st.one_of(st.text("ab=&;+%2C3 \u00e9", max_size=5), st.sampled_from(["%C3%A9", "%zz", "=", "&"])), max_size=8).map(
        "".join
    ),
    st.booleans(),
    st.booleans(),
    st.sampled_from([None, 0, 1, 3]),
    st.sampled_from(["&", ";", b"&", "=&"]),
)
def test_parse_qs(query, keep_blank_values, strict_parsing, max_num_fields, separator):
    for name in ("parse_qsl", "parse_qs"):
        options = dict(
            keep_blank_values=keep_blank_values,
            strict_parsing=strict_parsing,
            max_num_fields=max_num_fields,
            separator=separator,
        )
        same(name, query, **options)
        same(name, query, encoding="latin-1", errors="strict", **options)
        same(name, query.encode(), **options)


pair_value = st.one_of(
    st.text(ALPHABET.replace("\ud800", ""), max_size=5),
    st.binary(max_size=4),
    st.integers(),
    st.lists(st.one_of(st.text(max_size=3), st.binary(max_size=3), st.integers()), max_size=3),
)


@stdlib311
@FAST
@given(
    st.lists(st.tuples(st.one_of(st.text(max_size=4), st.binary(max_size=3)), pair_value), max_size=5),
    st.booleans(),
    st.sampled_from(["", "/", b" "]),
)
def test_urlencode(pairs, doseq, safe):
    same("urlencode", pairs, doseq, safe)
    same("urlencode", pairs, doseq, safe, quote_via=stdlib.quote)
    same("urlencode", dict(pairs), doseq, safe, "latin-1", "replace")
