"""The deprecated split* helpers and to_bytes of webstd.urllib.parse, against the 3.11 stdlib.

Each call runs through both implementations under warnings.catch_warnings(record=True); the result
(value and type), the exception (type and message) and the warnings (category and text) must match.
"""

import urllib.parse as stdlib
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support import stdlib311
from webstd.urllib import parse as webstd

ONE_ARGUMENT = [
    "splittype",
    "splithost",
    "splituser",
    "splitpasswd",
    "splitport",
    "splitnport",
    "splitquery",
    "splittag",
    "splitattr",
    "splitvalue",
    "to_bytes",
]

# URL-ish text: every delimiter these helpers split at, ASCII and non-ASCII digits, controls.
URL_ALPHABET = list(":@/?#;=[]0123456789aAzZ .-+_\n\t%") + ["é", "İ", "١", "²", "\udc80"]
urlish = st.text(st.sampled_from(URL_ALPHABET), max_size=24) | st.text(max_size=12)


class Subclass(str):
    pass


HAND_PICKED = [
    "",
    ":",
    "//",
    "///",
    "http://user:pass@host:80/path;a=1;b?q=2#frag",
    "HTTP://Host/",
    "İ:x",
    "a\nb:c",
    "a:b\n",
    "//h\n/x",
    "//h?x",
    "//h#y",
    "a@b@c",
    "a:b:c",
    "h:",
    "h:80:",
    "h:00",
    "h:99999999999999999999",
    "h:١٢",
    "h:²",
    "h:+1",
    "h:-1",
    "h: 1",
    "h:1_0",
    "h:80\n",
    "[::1]:80",
    "[::1]:",
    "a?b?c",
    "a#b#c",
    "a;b;c",
    ";",
    "a=b=c",
    "=",
    "é",
    "\udc80",
    Subclass("h:80"),
    Subclass("//h/p"),
    Subclass("a;b"),
    Subclass("no-delimiters"),
    b"http://x:1/",
    bytearray(b"x"),
    None,
    1,
]


def outcome(module, name, *args, **kwargs):
    """(what the call gave, [(warning category, message)]) for module.name(*args, **kwargs)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = getattr(module, name)(*args, **kwargs)
        except Exception as error:  # any exception: the point is to compare them
            result = ("raises", type(error), str(error))
        else:
            parts = value if isinstance(value, tuple) else ()
            result = ("returns", type(value), value, [type(part) for part in parts])
    return result, [(item.category, str(item.message)) for item in caught]


def same(name, *args, **kwargs):
    assert outcome(webstd, name, *args, **kwargs) == outcome(stdlib, name, *args, **kwargs)


def test_not_in_all():
    for name in ONE_ARGUMENT:
        assert name not in webstd.__all__
        assert callable(getattr(webstd, name))


@pytest.mark.parametrize("name", ONE_ARGUMENT)
def test_each_warns_at_the_caller(name):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        getattr(webstd, name)("h:1")
    assert [item.category for item in caught] == [DeprecationWarning]
    assert str(caught[0].message).startswith(f"urllib.parse.{name}() is deprecated as of 3.8")
    assert caught[0].filename == __file__


def test_warning_is_an_error_when_asked():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        with pytest.raises(DeprecationWarning):
            webstd.splittype("http://x")


def test_results_without_the_oracle():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert webstd.splittype("HTTP://h/p") == ("http", "//h/p")
        assert webstd.splithost("//h:1?q") == ("h:1", "/?q")
        assert webstd.splituser("a@b@h") == ("a@b", "h")
        assert webstd.splitpasswd("u:p:q") == ("u", "p:q")
        assert webstd.splitport("h:") == ("h", None)
        assert webstd.splitport("h:x") == ("h:x", None)
        assert webstd.splitnport("h") == ("h", -1)
        assert webstd.splitnport("h:", None) == ("h", None)
        assert webstd.splitnport("h:x", defport=5) == ("h", None)
        assert webstd.splitnport("h:١٢") == ("h", None)
        assert webstd.splitnport("[::1]:0080") == ("[::1]", 80)
        assert webstd.splitquery("/p?a?b") == ("/p?a", "b")
        assert webstd.splittag("/p#a#b") == ("/p#a", "b")
        assert webstd.splitattr("/p;a=1;b") == ("/p", ["a=1", "b"])
        assert webstd.splitvalue("a=1=2") == ("a", "1=2")
        assert webstd.splitvalue("a") == ("a", None)
        assert webstd.to_bytes(b"\xff") == b"\xff"
        with pytest.raises(UnicodeError, match="contains non-ASCII characters"):
            webstd.to_bytes("é")


@stdlib311
@pytest.mark.parametrize("name", ONE_ARGUMENT)
@pytest.mark.parametrize("text", HAND_PICKED, ids=repr)
def test_hand_picked(name, text):
    same(name, text)


@stdlib311
@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (("h",), {}),
        (("h", None), {}),
        (("h", "x"), {}),
        (("h:",), {"defport": 5}),
        (("h:", None), {}),
        (("h:x", 5), {}),
        ((), {"host": "h:1", "defport": 3}),
        ((), {"host": "h"}),
        ((), {}),
        (("h", 1, 2), {}),
    ],
)
def test_splitnport_defport(args, kwargs):
    same("splitnport", *args, **kwargs)


@stdlib311
@pytest.mark.parametrize(
    ("name", "keyword"),
    [
        ("splittype", "url"),
        ("splithost", "url"),
        ("splituser", "host"),
        ("splitpasswd", "user"),
        ("splitport", "host"),
        ("splitquery", "url"),
        ("splittag", "url"),
        ("splitattr", "url"),
        ("splitvalue", "attr"),
        ("to_bytes", "url"),
    ],
)
def test_keyword_arguments(name, keyword):
    same(name, **{keyword: "u:p@h:1/p;a=b?q#t"})
    same("_" + name, **{keyword: "u:p@h:1/p;a=b?q#t"})


@stdlib311
def test_to_bytes_error_chains_the_encode_error():
    errors = []
    for module in (webstd, stdlib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            with pytest.raises(UnicodeError) as raised:
                module.to_bytes("hé")
        errors.append((type(raised.value.__context__), raised.value.__cause__))
    assert errors[0] == errors[1]


@stdlib311
@settings(max_examples=300, deadline=None)
@given(text=urlish, name=st.sampled_from(ONE_ARGUMENT))
def test_hypothesis(text, name):
    same(name, text)


@stdlib311
@settings(max_examples=300, deadline=None)
@given(text=urlish, defport=st.sampled_from([-1, None, 0, 443, "x"]))
def test_hypothesis_splitnport(text, defport):
    same("splitnport", text, defport)


# The silent twins (_splittype ...): other stdlib modules call them (mimetypes, xmlrpc.client), so
# they must be there, warn nothing and give what 3.11's give.
PRIVATE = ["_" + name for name in ONE_ARGUMENT]


@pytest.mark.parametrize("name", PRIVATE)
def test_private_twins_do_not_warn(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        getattr(webstd, name)("h:1")


@stdlib311
@pytest.mark.parametrize("name", PRIVATE)
@pytest.mark.parametrize("text", HAND_PICKED, ids=repr)
def test_private_twins_hand_picked(name, text):
    same(name, text)


@stdlib311
@settings(max_examples=200, deadline=None)
@given(text=urlish, name=st.sampled_from(PRIVATE), defport=st.sampled_from([-1, None, 443]))
def test_private_twins_hypothesis(text, name, defport):
    if name == "_splitnport":
        same(name, text, defport)
    else:
        same(name, text)
