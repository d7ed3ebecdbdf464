"""Differential tests of webstd.urllib.parse against the Python 3.11 stdlib: a hand-written table.

Every case runs through both implementations; results, result types and exceptions (type and
message) must match.  The oracle is 3.11.7, which already strips leading C0 controls and spaces and
rejects invalid bracketed hosts, so no case needs skipping (docs/differences.md).
"""

import json
import pickle
import subprocess
import sys
import urllib.parse as stdlib

import pytest

from support import stdlib311
from webstd.urllib import parse as webstd


def outcome(module, name, *args, **kwargs):
    """What calling module.name(*args, **kwargs) gives: a value with its type name, or an error."""
    try:
        value = getattr(module, name)(*args, **kwargs)
    except Exception as error:  # any exception: the point is to compare them
        return ("raises", type(error), str(error))
    return ("returns", type(value).__name__, value)


def same(name, *args, compare_message=True, **kwargs):
    expected = outcome(stdlib, name, *args, **kwargs)
    actual = outcome(webstd, name, *args, **kwargs)
    if not compare_message and expected[0] == "raises":
        # The stdlib's unpacking messages count an internal extra item; the type is what matters.
        expected, actual = expected[:2], actual[:2]
    assert actual == expected, (name, args, kwargs)
    return actual


def result_properties(module, url):
    """Everything a parsed URL's result object computes, including errors from port."""
    report = {}
    for function in ("urlsplit", "urlparse"):
        try:
            result = getattr(module, function)(url)
        except ValueError as error:
            report[function] = ("raises", str(error))
            continue
        for attribute in ("hostname", "username", "password", "port"):
            try:
                report[function, attribute] = getattr(result, attribute)
            except ValueError as error:
                report[function, attribute] = ("raises", str(error))
        report[function, "geturl"] = result.geturl()
        report[function, "type"] = type(result).__name__
    return report


# --- the table -------------------------------------------------------------------------------

URLS = [
    # ordinary
    "http://www.example.com/",
    "http://www.example.com/path/to/page.html?x=1&y=2#top",
    "https://user:pass@example.com:8443/a/b;p?q=1#f",
    "ftp://ftp.example.org/pub/file.txt;type=i",
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    "mailto:someone@example.com",
    "news:comp.lang.python",
    "tel:+1-816-555-1212",
    "urn:isbn:0451450523",
    "data:text/plain;base64,SGVsbG8=",
    "javascript:alert(1)",
    "sip:alice@atlanta.com;transport=tcp",
    "svn+ssh://host/repo",
    "git+ssh://git@github.com/a/b.git",
    "ws://h/chat",
    "wss://h:443/chat?x#y",
    # no scheme
    "",
    "/",
    "//",
    "///",
    "////a",
    "//host",
    "//host/path",
    "//host:80",
    "//user@host",
    "path/only",
    "?query",
    "#fragment",
    "?",
    "#",
    "a?b#c?d#e",
    "./rel:colon",
    "rel:colon/path",
    "path:80",
    "localhost:8080",
    "1http://a/",
    "+http://a/",
    "h-t.t+p://a/",
    "HTTP://EXAMPLE.COM/PATH",
    "HtTpS://ExAmPlE.cOm",
    "http:",
    "http:/",
    "http://",
    "http:///",
    "http:path",
    "http:/path",
    "http:?q",
    "http:#f",
    ":80",
    "://a",
    "a:",
    "a:b:c",
    # userinfo holding "@" and ":"
    "http://a@b@c/",
    "http://user:p@ss:word@host:81/",
    "http://:@host/",
    "http://:pw@host/",
    "http://user:@host/",
    "http://user@:80/",
    "http://@/",
    "http://@host/",
    "http://u%40x:p%3Ay@host/",
    "http://user:pa:ss@host:99/",
    "http://[::1]@host/",
    "http://u@[::1]:1@x/",
    # ports
    "http://host:/",
    "http://host:0/",
    "http://host:65535/",
    "http://host:65536/",
    "http://host:99999999999999999999/",
    "http://host:-1/",
    "http://host:+80/",
    "http://host: 80/",
    "http://host:80 /",
    "http://host:8x/",
    "http://host:x/",
    "http://host:\u0661\u0662/",
    "http://host:\uff18\uff10/",
    "http://host:0080/",
    "http://host::80/",
    "http://host:80:90/",
    "http://host:80?x",
    "http://host:80#x",
    # IPv6 literals, zone ids, IPvFuture
    "http://[::1]/",
    "http://[::1]:8080/path",
    "http://[::1]:/",
    "http://[::1]:x/",
    "http://[2001:db8::7]/c=GB?objectClass?one",
    "http://[2001:DB8::A]:80/",
    "http://[fe80::1%eth0]/",
    "http://[fe80::1%25eth0]:80/",
    "http://[FE80::1%25ETH0]/",
    "http://[::ffff:192.0.2.1]/",
    "http://[v1.fe80::a+en1]/",
    "http://[v7.abc]/",
    "http://[vz.x]/",
    "http://[v1.]/",
    "http://[v1]/",
    "http://[V1.x]/",
    "http://[1.2.3.4]/",
    "http://[::1/",
    "http://::1]/",
    "http://[]/",
    "http://[zz]/",
    "http://[::1]]/",
    "http://[[::1]/",
    "http://[::1]x/",
    "http://a[::1]/",
    "http://[::1]a[::2]/",
    "http://[::1/]",
    "http://x/[::1]",
    "http://x?[",
    "http://x#]",
    "//[::1]/",
    "http://[:::1]/",
    "http://[12345::1]/",
    # control characters, whitespace, backslashes
    " http://a/",
    "\x00http://a/",
    "\x1f\x01 http://a/",
    "\x7fhttp://a/",
    "http://a/ ",
    "ht\ttp://a/",
    "http://a\r\n/b",
    "http://a/b\tc",
    "\thttp://a/",
    "http:\\\\a\\b",
    "http://a\\b/c",
    "http://a b/",
    "http://a/b c?d e#f g",
    "http://a\x00b/",
    "\u3000http://a/",
    "\xa0http://a/",
    # non-ASCII and NFKC
    "http://\u00e9xample.com/\u00e9",
    "http://\u4f8b\u3048.jp/",
    "http://ex\u2100ample/",
    "http://a\u2100/b",
    "http://\u2100@x/",
    "http://\uff0fx/",
    "http://a\uff03b/",
    "http://a\uff1fb/",
    "http://a\uff20b/",
    "http://a\uff1ab/",
    "http://\ufe6b/",
    "http://user\u2100@host/",
    "http://\u0130stanbul/",
    "http://\u212a/",
    "http://xn--n3h.example/",
    "\uff48\uff54\uff54\uff50://a/",
    "http://a/\u2100",
    "http://a?\u2100",
    # paths, params, queries, fragments
    "http://a/b;c",
    "http://a/b;c;d",
    "http://a/b;c/d;e",
    "http://a/;",
    "http://a/b;c?d;e#f;g",
    "http://a/b/c;",
    "mailto:x;y",
    "ftp://a/b;type=a",
    "tel:123;ext=4",
    "x:/a;b",
    "http://a/b?c?d",
    "http://a/b#c#d",
    "http://a/b#c?d",
    "http://a/b?c#d?e",
    "http://a/b%2Fc%zz",
    "http://a//b//c",
    "http:////a",
    "//a//b",
    "/..//a",
    "http://a/./b/../c",
    "http://a?b/c",
    "http://a#b/c",
    "http://%41/",
    "http://a%20b/",
]

BASE = "http://a/b/c/d;p?q"

# RFC 3986 section 5.4.1 (normal) and 5.4.2 (abnormal) examples, with the RFC's expected targets
# where the stdlib agrees with the RFC.
RFC3986_EXAMPLES = {
    "g:h": "g:h",
    "g": "http://a/b/c/g",
    "./g": "http://a/b/c/g",
    "g/": "http://a/b/c/g/",
    "/g": "http://a/g",
    "//g": "http://g",
    "?y": "http://a/b/c/d;p?y",
    "g?y": "http://a/b/c/g?y",
    "#s": "http://a/b/c/d;p?q#s",
    "g#s": "http://a/b/c/g#s",
    "g?y#s": "http://a/b/c/g?y#s",
    ";x": "http://a/b/c/;x",
    "g;x": "http://a/b/c/g;x",
    "g;x?y#s": "http://a/b/c/g;x?y#s",
    "": "http://a/b/c/d;p?q",
    ".": "http://a/b/c/",
    "./": "http://a/b/c/",
    "..": "http://a/b/",
    "../": "http://a/b/",
    "../g": "http://a/b/g",
    "../..": "http://a/",
    "../../": "http://a/",
    "../../g": "http://a/g",
    "../../../g": "http://a/g",
    "../../../../g": "http://a/g",
    "/./g": "http://a/g",
    "/../g": "http://a/g",
    "g.": "http://a/b/c/g.",
    ".g": "http://a/b/c/.g",
    "g..": "http://a/b/c/g..",
    "..g": "http://a/b/c/..g",
    "./../g": "http://a/b/g",
    "./g/.": "http://a/b/c/g/",
    "g/./h": "http://a/b/c/g/h",
    "g/../h": "http://a/b/c/h",
    "g;x=1/./y": "http://a/b/c/g;x=1/y",
    "g;x=1/../y": "http://a/b/c/y",
    "g?y/./x": "http://a/b/c/g?y/./x",
    "g?y/../x": "http://a/b/c/g?y/../x",
    "g#s/./x": "http://a/b/c/g#s/./x",
    "g#s/../x": "http://a/b/c/g#s/../x",
    "http:g": "http://a/b/c/g",
}

JOIN_BASES = [
    BASE,
    "http://a",
    "http://a/",
    "http://a/b/",
    "http://a/b//c/",
    "http://a/b/c/d;p?q#f",
    "https://a/b",
    "mailto:x@y",
    "file:///tmp/x",
    "svn+ssh://h/repo/trunk",
    "/rel/base",
    "rel/base",
    "",
    "tel:12",
    "http://a/..",
    "http://[::1]:80/x/y",
]

JOIN_REFERENCES = [
    *RFC3986_EXAMPLES,
    "//g/h",
    "https://x/y",
    "HTTP://A/B",
    "mailto:z",
    "g//h",
    "..//g",
    "/a/../../g",
    ".//g",
    "g/..",
    "g/.",
    "?",
    "#",
    ";",
    "//",
    "///x",
    "\\g",
    " g",
    "http:",
    "http:?z",
    "http:#z",
]


@stdlib311
@pytest.mark.parametrize("url", URLS)
def test_split_and_parse_match_stdlib(url):
    for allow_fragments in (True, False):
        same("urlsplit", url, allow_fragments=allow_fragments)
        same("urlparse", url, "", allow_fragments)
    same("urlsplit", url, "HTTPS")
    same("urlparse", url, " ftp\t")
    same("urldefrag", url)
    assert result_properties(webstd, url) == result_properties(stdlib, url)


@stdlib311
@pytest.mark.parametrize("url", URLS)
def test_bytes_inputs_match_stdlib(url):
    data = url.encode("utf-8")
    for name in ("urlsplit", "urlparse", "urldefrag"):
        same(name, data)
    same("urlsplit", data, b"x")
    same("urlparse", bytearray(data))
    same("urljoin", data, b"../x")
    same("urljoin", b"http://a/b/", data)
    if data.isascii():
        assert result_properties(webstd, data) == result_properties(stdlib, data)


@stdlib311
@pytest.mark.parametrize("url", URLS)
def test_unsplit_and_join_match_stdlib(url):
    for name in ("urlsplit", "urlparse"):
        try:
            parts = getattr(stdlib, name)(url)
        except ValueError:
            continue
        same("urlunsplit" if name == "urlsplit" else "urlunparse", tuple(parts))
    same("urljoin", BASE, url)
    same("urljoin", url, "../g?x#y")
    same("urljoin", url, "g", allow_fragments=False)


@stdlib311
@pytest.mark.parametrize("reference", list(RFC3986_EXAMPLES))
def test_rfc3986_section_5_4_examples(reference):
    joined = same("urljoin", BASE, reference)[2]
    assert joined == RFC3986_EXAMPLES[reference]


@stdlib311
@pytest.mark.parametrize("base", JOIN_BASES)
def test_urljoin_matrix_matches_stdlib(base):
    for reference in JOIN_REFERENCES:
        same("urljoin", base, reference)
        same("urljoin", base, reference, False)
        same("urljoin", base.encode(), reference.encode())


UNSPLIT_TUPLES = [
    ("", "", "//x", "", ""),
    ("http", "", "x", "", ""),
    ("http", "", "", "", ""),
    ("mailto", "", "a@b", "", ""),
    ("", "h", "p", "q", "f"),
    ("", "h", "", "", ""),
    ("x", "", "//p", "", ""),
    ("http", "h", "//p", "", ""),
    ("http", None, "x", None, None),
    (b"http", None, b"x", None, None),
    (b"http", "", b"x", "", ""),
    ("http", b"", "x", "", ""),
    (b"http", "h", b"x", "", ""),
    ("http", "h", "p"),
]


@stdlib311
@pytest.mark.parametrize("parts", UNSPLIT_TUPLES)
def test_urlunsplit_edge_cases(parts):
    same("urlunsplit", parts, compare_message=False)
    same("urlunparse", parts[:3] + (";p",) + parts[3:], compare_message=False)


MIXED_CALLS = [
    ("urlsplit", ("x", b"")),
    ("urlsplit", (b"x", "")),
    ("urlsplit", (b"x", None)),
    ("urlsplit", ("x", None)),
    ("urlsplit", (None,)),
    ("urlsplit", ("x", 5)),
    ("urlsplit", (b"x", 5)),
    ("urlsplit", (bytearray(b"http://a/"),)),
    ("urlsplit", (b"http://\xc3\xa9/",)),
    ("urlparse", ("x", b"http")),
    ("urlparse", (b"http://a/", "http")),
    ("urljoin", (b"", "x")),
    ("urljoin", ("a", b"")),
    ("urljoin", ("a", b"x")),
    ("urljoin", (b"http://a/", "x")),
    ("urldefrag", (None,)),
    ("urldefrag", (bytearray(b"a#b"),)),
    ("urlunsplit", (("a", "b", "c"),)),
    ("urlunparse", (("a", "b", "c", "d", "e", "f"),)),
    ("urlunsplit", (["http", "h", "p", "q", "f"],)),
]


@stdlib311
@pytest.mark.parametrize(("name", "args"), MIXED_CALLS)
def test_str_bytes_mixing_and_odd_types(name, args):
    kind = same(name, *args, compare_message=not name.startswith("urlun"))[0]
    if name == "urlunsplit" and args[0] == ("a", "b", "c"):
        assert kind == "raises"


# --- result types --------------------------------------------------------------------------


@stdlib311
def test_result_types_behave_like_the_stdlib():
    url = "HTTP://User:Pw@[FE80::1%25Eth0]:8080/a;b?c#d"
    for name in ("urlsplit", "urlparse"):
        ours, theirs = getattr(webstd, name)(url), getattr(stdlib, name)(url)
        assert ours == theirs and repr(ours) == repr(theirs)
        assert ours._fields == theirs._fields
        assert ours._replace(netloc="x:1").port == 1
        assert repr(ours.encode()) == repr(theirs.encode())
        assert repr(ours.encode().decode()) == repr(ours)
        assert ours.encode("utf-8").geturl() == theirs.encode("utf-8").geturl()
        assert ours.hostname == "fe80::1%25Eth0"
        assert isinstance(ours, tuple)
        assert pickle.loads(pickle.dumps(ours)) == ours
    defrag = webstd.urldefrag(url)
    assert repr(defrag) == repr(stdlib.urldefrag(url))
    assert defrag.geturl() == url.replace("HTTP", "http", 1).replace("User:Pw@[FE80", "User:Pw@[FE80")
    assert webstd.DefragResultBytes(b"a", b"b").geturl() == b"a#b"
    assert webstd.DefragResultBytes(b"a", b"").geturl() == b"a"
    assert repr(webstd.DefragResult("a", "b").encode()) == "DefragResultBytes(url=b'a', fragment=b'b')"
    assert isinstance(webstd.urlsplit(url), webstd.ResultBase)


@stdlib311
@pytest.mark.parametrize(
    "netloc",
    ["", "h", "h:", "h:1", "u@h", "u:@h", ":p@h", "[AB", "AB%CD@[", "[::1]:", "a@b@c:5",
     "[V1.X]:7", "H\u00c9:1", "h:\u00b2"],  # fmt: skip
)
@stdlib311
def test_result_properties_from_any_netloc(netloc):
    for cls_name in ("SplitResult", "ParseResult"):
        fields = len(getattr(stdlib, cls_name)._fields)
        ours = getattr(webstd, cls_name)("s", netloc, *[""] * (fields - 2))
        theirs = getattr(stdlib, cls_name)("s", netloc, *[""] * (fields - 2))
        for attribute in ("hostname", "username", "password", "port"):
            assert outcome_attribute(ours, attribute) == outcome_attribute(theirs, attribute)
        if netloc.isascii():
            data = netloc.encode()
            ours_b = getattr(webstd, cls_name + "Bytes")(b"s", data, *[b""] * (fields - 2))
            theirs_b = getattr(stdlib, cls_name + "Bytes")(b"s", data, *[b""] * (fields - 2))
            for attribute in ("hostname", "username", "password", "port"):
                assert outcome_attribute(ours_b, attribute) == outcome_attribute(theirs_b, attribute)


def outcome_attribute(result, attribute):
    try:
        return ("value", getattr(result, attribute))
    except ValueError as error:
        return ("raises", str(error))


def test_port_errors():
    with pytest.raises(ValueError, match="Port could not be cast to integer value as 'x'"):
        assert webstd.urlsplit("http://h:x/").port is None
    with pytest.raises(ValueError, match="Port out of range 0-65535"):
        assert webstd.urlsplit("http://h:65536/").port is None
    assert webstd.urlsplit("http://h:/").port is None


@stdlib311
def test_public_names_and_scheme_lists():
    assert webstd.__all__ == stdlib.__all__
    # Other libraries imported by the test run append to the stdlib's lists (some add
    # "itms-services" to uses_netloc), so compare with the lists of a fresh interpreter.
    names = ("uses_relative", "uses_netloc", "uses_params", "non_hierarchical", "uses_query",
             "uses_fragment", "scheme_chars")  # fmt: skip
    script = f"import json, urllib.parse as p; print(json.dumps([getattr(p, n) for n in {names!r}]))"
    fresh = json.loads(subprocess.run([sys.executable, "-c", script], capture_output=True,
                                      text=True, check=True).stdout)  # fmt: skip
    for name, expected in zip(names, fresh, strict=True):
        assert getattr(webstd, name) == expected
    for name in stdlib.__all__ + ["unwrap", "clear_cache", "ResultBase"]:
        assert hasattr(webstd, name)
    assert webstd.urlsplit("http://a/").__class__.__module__ == "webstd.urllib.parse"


def test_urlsplit_cache_can_be_cleared():
    webstd.urlsplit("http://cached/")
    assert webstd.urlsplit.cache_info().currsize >= 1
    webstd.clear_cache()
    assert webstd.urlsplit.cache_info().currsize == 0


@stdlib311
@pytest.mark.parametrize(
    "value", [" <URL:http://a/ > ", "<http://a>", "URL:x", "<URL: x>", "", b"x", 5, "<>", "<URL:>"]
)
def test_unwrap(value):
    same("unwrap", value)


# --- quoting -------------------------------------------------------------------------------

QUOTE_STRINGS = [
    "", "abc", "a b", "a+b", "/path/to file", "\u00e9", "\u20ac", "\U0001f600", "~._-", "%", "%41",
    "a&b=c;d", "\x00\x7f\x80", "\ud800", "\uff21", "?#[]@!$'()*+,;=:", "\\", "a\tb\nc",
]  # fmt: skip
SAFES = ["/", "", " ", ":/?", "\u00e9", b"/", b" ", bytearray(b" \xff"), "%", "abc", "~"]


@stdlib311
@pytest.mark.parametrize("text", QUOTE_STRINGS)
def test_quote_family_matches_stdlib(text):
    for safe in SAFES:
        same("quote", text, safe)
        same("quote_plus", text, safe)
        same("quote", text.encode("utf-8", "surrogatepass"), safe)
        same("quote_from_bytes", text.encode("utf-8", "surrogatepass"), safe)
        same("quote_plus", bytearray(text.encode("utf-8", "surrogatepass")), safe)
    for encoding, errors in (("latin-1", None), ("latin-1", "replace"), ("ascii", "ignore"),
                             ("utf-16", None), (None, "surrogatepass"), ("utf-8", "strict")):  # fmt: skip
        same("quote", text, encoding=encoding, errors=errors)
        same("quote_plus", text, "/", encoding, errors)


QUOTE_ODDITIES = [
    ("quote", (5,), {}),
    ("quote", (None,), {}),
    ("quote", (b"a",), {"encoding": "utf-8"}),
    ("quote", (b"a",), {"errors": "strict"}),
    ("quote", ("a",), {"safe": None}),
    ("quote", ("",), {"safe": None}),
    ("quote_from_bytes", ("a",), {}),
    ("quote_from_bytes", (b"",), {"safe": None}),
    ("quote_from_bytes", (b"a%",), {"safe": None}),
    ("quote_from_bytes", (b"a b",), {"safe": [32, 200]}),
    ("quote_plus", (None,), {}),
    ("quote_plus", (b"a b",), {"safe": "/"}),
    ("quote_plus", ("a b",), {"safe": b"/"}),
    ("quote", ("a b",), {"encoding": "no-such-codec"}),
]


@stdlib311
@pytest.mark.parametrize(("name", "args", "kwargs"), QUOTE_ODDITIES)
def test_quote_oddities(name, args, kwargs):
    same(name, *args, **kwargs)


UNQUOTE_STRINGS = [
    "", "abc", "%", "%4", "%41", "%4g", "%%41", "%C3%A9", "%c3%a9", "%C3", "%C3%", "%C3%A9%",
    "%E2%82%AC", "%E2%82", "%E2%82x%AC", "%F0%9F%98%80", "%FF%FE", "a+b%20c", "%2B+", "\u00e9%41",
    "%C3\u00e9%A9", "%ED%A0%80", "%00%7F", "%\uff14\uff11", "%41%42%43", "+++", "%C3%A9\U0001f600%",
    "\ud800%41", "%80%80",
]  # fmt: skip


@stdlib311
@pytest.mark.parametrize("text", UNQUOTE_STRINGS)
def test_unquote_family_matches_stdlib(text):
    for encoding, errors in (("utf-8", "replace"), ("UTF-8", "replace"), ("utf-8", "strict"),
                             ("latin-1", "strict"), ("ascii", "ignore"), ("utf-16", "replace"),
                             (None, None), ("utf-8", "surrogateescape"), ("utf8", "backslashreplace")):  # fmt: skip
        same("unquote", text, encoding, errors)
        same("unquote_plus", text, encoding=encoding, errors=errors)
    same("unquote", text)
    same("unquote_to_bytes", text)
    data = text.encode("utf-8", "surrogatepass")
    same("unquote_to_bytes", data)
    same("unquote_to_bytes", bytearray(data))
    same("unquote", data)
    same("unquote", data, "latin-1", "strict")
    same("unquote_plus", data)


@stdlib311
@pytest.mark.parametrize(
    ("name", "args"),
    [("unquote", (5,)), ("unquote", (None,)), ("unquote", (b"%41",), ), ("unquote", (bytearray(b"x"),)),
     ("unquote_to_bytes", (5,)), ("unquote_to_bytes", (None,)), ("unquote_to_bytes", ("",)),
     ("unquote", ("%41", 5)), ("unquote", (b"%41", None))],  # fmt: skip
)
def test_unquote_oddities(name, args):
    same(name, *args)


# --- query strings ---------------------------------------------------------------------------

QUERIES = [
    "", "a", "a=", "=", "=b", "a=1", "a=1&b=2", "a=1&a=2", "a=1;b=2", "&&", "a&&b", "a==b", "a=b=c",
    "a+b=c+d", "a%20b=c%2Bd", "%=%", "a=%C3%A9", "a=%FF", "a=%zz", "\u00e9=\u00e8", "a=1&", "&a=1",
    "a=1&b", "a=1&=", "x;y=1&z", "a=%26&b=%3D", "+=+", "a\x00=b",
]  # fmt: skip


@stdlib311
@pytest.mark.parametrize("query", QUERIES)
def test_parse_qs_family_matches_stdlib(query):
    for name in ("parse_qsl", "parse_qs"):
        for keep in (False, True):
            for strict in (False, True):
                same(name, query, keep, strict)
                same(name, query.encode(), keep_blank_values=keep, strict_parsing=strict)
        same(name, query, separator=";")
        same(name, query, True, separator=b";")
        same(name, query.encode(), True, separator=";")
        same(name, query, encoding="latin-1")
        same(name, query, encoding="ascii", errors="strict")
        same(name, query, encoding="utf-8", errors="ignore")
        for limit in (0, 1, 2, 5):
            same(name, query, max_num_fields=limit)


@stdlib311
@pytest.mark.parametrize(
    "kwargs",
    [{"separator": None}, {"separator": ""}, {"separator": 5}, {"separator": b""},
     {"separator": "&&"}, {"max_num_fields": None}],  # fmt: skip
)
def test_parse_qsl_separator_errors(kwargs):
    same("parse_qsl", "a=1&&b=2", **kwargs)
    same("parse_qsl", None, **kwargs)


def test_parse_qsl_strict_messages():
    with pytest.raises(ValueError, match="bad query field: 'b'"):
        webstd.parse_qsl("a=1&b", strict_parsing=True)
    with pytest.raises(ValueError, match="Max number of fields exceeded"):
        webstd.parse_qsl("a=1&b=2", max_num_fields=1)


URLENCODE_QUERIES = [
    {"a": "b c", "d": "\u00e9"},
    [("a", 1), ("b", None), ("c", 1.5)],
    [("a", [1, 2]), ("b", ("x", "y")), ("c", "str"), ("d", b"by tes"), ("e", {"k"}), ("f", 7)],
    [(b"k y", b"v/l"), ("k/", "v/"), ("\u20ac", "\u20ac")],
    [("a", [b"x y", "z w", 3])],
    (("t", "u"),),
    [],
    "",
    {},
]


@stdlib311
@pytest.mark.parametrize("query", URLENCODE_QUERIES)
def test_urlencode_matches_stdlib(query):
    for doseq in (False, True):
        for safe in ("", "/", b"/ "):
            same("urlencode", query, doseq, safe)
        same("urlencode", query, doseq, quote_via=stdlib.quote)
        same("urlencode", query, doseq, quote_via=webstd.quote)
        same("urlencode", query, doseq, encoding="latin-1", errors="replace")
        same("urlencode", query, doseq, encoding="ascii")


@stdlib311
@pytest.mark.parametrize("query", ["ab", [["a", "b"]], 5, None, [("a", "b", "c")], [1]])
def test_urlencode_rejects_what_the_stdlib_rejects(query):
    assert same("urlencode", query)[0] == "raises"


def test_urlencode_generator_is_rejected():
    with pytest.raises(TypeError, match="not a valid non-string sequence or mapping object"):
        webstd.urlencode(pair for pair in [("a", "b")])


# --- deliberate differences (docs/differences.md) --------------------------------------------


@pytest.mark.parametrize(
    "url", ["\x00\x1f http://a/", "http://[1.2.3.4]/", "http://[v1]/", "http://[::1%x]/"]
)
def test_security_fixes_hold_on_every_python(url):
    # Leading C0 controls and spaces are stripped; invalid bracketed hosts are refused.
    try:
        result = webstd.urlsplit(url)
    except ValueError:
        assert "[" in url and "::1%x" not in url
    else:
        assert result.scheme == "http"


@pytest.mark.parametrize(("reference", "target"), list(RFC3986_EXAMPLES.items()))
def test_rfc3986_examples_on_every_python(reference, target):
    assert webstd.urljoin(BASE, reference) == target
    assert webstd.urljoin(BASE.encode(), reference.encode()) == target.encode()
