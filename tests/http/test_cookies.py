"""webstd.http.cookies against the 3.11 stdlib's http.cookies: same results, same exceptions."""

import http.cookies as std
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support import stdlib311
from webstd.http import cookies as ours

pytestmark = stdlib311

# The cookie-octet alphabet (RFC 6265 section 4.1.1) plus the characters that trip parsers up.
COOKIE_OCTETS = "".join(
    chr(c) for c in range(0x21, 0x7F) if chr(c) not in '",;\\'
)
TROUBLEMAKERS = ['"', "\\", ";", ",", " ", "\t", "=", "$", "\n", "\x00", "é", "☃", "\x7f", "\xff"]
# Mostly well-formed names and values, so that most headers load something; the rest mixes in
# the troublemakers.
cookie_text = st.one_of(
    st.text(alphabet=st.sampled_from(COOKIE_OCTETS), min_size=1, max_size=12),
    st.text(alphabet=st.sampled_from(list(COOKIE_OCTETS) + TROUBLEMAKERS), max_size=20),
)
attribute_names = ["Path", "Domain", "expires", "Max-Age", "secure", "HttpOnly", "Version",
                   "Comment", "SameSite", "$Path", "$Domain", "$Version", "$Port", "$Other"]
# RFC 6265 token characters, which the stdlib also accepts as a Morsel key.
good_name = st.text(alphabet=st.sampled_from("abcXYZ019!#%&'*+-.^_`|~:"), min_size=1, max_size=8)
good_pair = st.one_of(
    st.tuples(good_name, cookie_text).map("=".join),
    st.tuples(st.sampled_from(attribute_names), cookie_text).map("=".join),
    st.sampled_from(["secure", "HttpOnly", "expires=Wed, 09 Jun 2021 10:18:14 GMT"]),
    st.tuples(good_name, cookie_text).map(lambda kv: f'{kv[0]}="{kv[1]}"'),
)
# Anything at all, including bare names and attributes that reject the whole header.
any_pair = st.one_of(good_pair, st.sampled_from(attribute_names), cookie_text)
header = st.tuples(
    good_name,
    cookie_text,
    st.lists(st.one_of(good_pair, good_pair, good_pair, any_pair), max_size=6),
    st.sampled_from(["; ", ";", " ", ", ", " ;  "]),
).map(lambda t: t[3].join([f"{t[0]}={t[1]}", *t[2]]))


def snapshot(jar):
    """Everything observable about a loaded cookie jar (expires ints avoided, so stable)."""
    return (
        type(jar).__name__,
        sorted(
            (k, m.key, m.value, m.coded_value, sorted(dict.items(m)), m.OutputString())
            for k, m in jar.items()
        ),
        jar.output(),
        repr(jar),
        jar.js_output(),
    )


def outcome(make, *args):
    try:
        result = make(*args)
    except Exception as exc:  # the exception type is part of what must match
        return ("raised", type(exc).__name__)
    return ("ok", snapshot(result) if isinstance(result, dict) else result)


@pytest.mark.parametrize("cls", ["SimpleCookie", "BaseCookie"])
@settings(max_examples=400, deadline=None)
@given(text=header)
def test_load_matches_stdlib(cls, text):
    assert outcome(getattr(ours, cls), text) == outcome(getattr(std, cls), text)


@settings(max_examples=300, deadline=None)
@given(key=cookie_text, value=cookie_text)
def test_set_and_output_match_stdlib(key, value):
    def make(module):
        jar = module.SimpleCookie()
        jar[key] = value
        jar[key]["path"] = "/" + value
        jar[key]["comment"] = value
        return jar

    assert outcome(make, ours) == outcome(make, std)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=30))
def test_quote_and_unquote_round_trip_like_stdlib(text):
    jar, theirs = ours.SimpleCookie(), std.SimpleCookie()
    assert jar.value_encode(text) == theirs.value_encode(text)
    quoted = '"' + text + '"'
    assert jar.value_decode(quoted) == theirs.value_decode(quoted)
    assert jar.value_decode(text) == theirs.value_decode(text)
    encoded = jar.value_encode(text)[1]
    assert jar.value_decode(encoded)[0] == text


EDGE_HEADERS = [
    "",
    "a=b",
    "a=b; a=c",
    'a="b\\"c"; d="\\012\\377\\400\\x"',
    'a="b"c; d=e',
    "a=b; Path=/; secure; httponly; Domain=.example.com; SameSite=Strict",
    "Path=/; a=b",
    "a=b; path",
    "a=b; c",
    "a=b; $Path=/x; $Domain=x.org; $Version=1",
    "$Version=1; a=b",
    "a=b; $Other=1",
    "a=b; expires=Wed, 09 Jun 2021 10:18:14 GMT; c=d",
    "a=b; expires=Wed, 09-Jun-2021 10:18:14 GMT",
    "keebler=E=mc2; L=\"Loves\"; fudge=\\012;",
    "a=b=c==d",
    "a==b",
    "  a  =  b  ;  c = d ",
    "a=[b]; [c]=d",
    "a=b\x00c",
    "a=é; é=a",
    "a=b, c=d",
    "a=\"\"; b=; c",
    "a=b;;;; c=d",
    'a="unterminated; b=c',
    "a=b; Max-Age=10; Version=1; Comment=hi",
    "a=b; SECURE=yes",
]


@pytest.mark.parametrize("text", EDGE_HEADERS)
@pytest.mark.parametrize("cls", ["SimpleCookie", "BaseCookie"])
def test_load_edge_cases(cls, text):
    assert outcome(getattr(ours, cls), text) == outcome(getattr(std, cls), text)


def test_load_mapping_and_constructor():
    for module in (ours, std):
        jar = module.SimpleCookie({"a": "b c", "d": 5})
        assert jar["a"].coded_value == '"b c"' and jar["d"].value == "5"
    assert ours.SimpleCookie({"a": "b c"}).output() == std.SimpleCookie({"a": "b c"}).output()


def morsel_pair():
    return ours.Morsel(), std.Morsel()


def test_morsel_reserved_keys_and_errors():
    m, s = morsel_pair()
    assert dict(m) == dict(s)
    assert m._reserved == s._reserved and m._flags == s._flags
    for name in ["Expires", "PATH", "samesite", "Max-Age", "HttpOnly"]:
        assert m.isReservedKey(name) == s.isReservedKey(name) is True
    for op in [
        lambda x: x.__setitem__("bogus", 1),
        lambda x: x.setdefault("bogus", 1),
        lambda x: x.update({"path": "/", "bogus": 1}),
        lambda x: x.set("path", "v", "v"),
        lambda x: x.set("a b", "v", "v"),
        lambda x: x.set("", "v", "v"),
    ]:
        with pytest.raises(std.CookieError) as theirs:
            op(s)
        with pytest.raises(ours.CookieError) as mine:
            op(m)
        assert str(mine.value) == str(theirs.value)
    assert dict(m) == dict(s)  # a failed update changed nothing
    for x in (m, s):
        with pytest.raises(AttributeError):
            x.key = "k"


def test_morsel_set_output_copy_equality_pickle():
    m, s = morsel_pair()
    for x in (m, s):
        x.set("name", "va lue", '"va lue"')
        x.update({"PATH": "/p", "max-age": 60, "Secure": True, "httponly": 0})
        x.setdefault("samesite", "Lax")
        x.setdefault("domain", "example.com")
        x["comment"] = "a comment; with semicolon"
        x["version"] = 1
    assert (m.key, m.value, m.coded_value) == (s.key, s.value, s.coded_value)
    assert dict(m) == dict(s)
    assert m.OutputString() == s.OutputString()
    assert m.output() == s.output() and str(m) == str(s) and repr(m) == repr(s)
    assert m.output(["path", "secure"], "Cookie:") == s.output(["path", "secure"], "Cookie:")
    assert m.js_output() == s.js_output() and m.js_output(["path"]) == s.js_output(["path"])
    c = m.copy()
    assert c == m and c is not m and type(c) is ours.Morsel
    c["path"] = "/other"
    assert c != m and m["path"] == "/p"
    other = ours.Morsel()
    other.set("name", "va lue", "different")
    other.update(dict(m))
    assert other != m
    assert (m == dict(m)) == (s == dict(s))
    assert m.__eq__(5) is NotImplemented
    with pytest.raises(TypeError):
        hash(m)
    restored = pickle.loads(pickle.dumps(m))
    assert restored == m and restored.value == "va lue"
    assert ours.Morsel[str] is not None


def test_expires_int_becomes_a_date():
    m, s = morsel_pair()
    for x in (m, s):
        x.set("a", "b", "b")
        x["expires"] = 0
    assert m.OutputString() == s.OutputString() or m.OutputString()[:-12] == s.OutputString()[:-12]
    text = m.OutputString()
    assert text.startswith("a=b; expires=") and text.endswith(" GMT")
    for x in (m, s):
        x["expires"] = "Wed, 09 Jun 2021 10:18:14 GMT"
    assert m.OutputString() == s.OutputString()
    for x in (m, s):
        x["expires"] = 10**20
    with pytest.raises((OverflowError, OSError, ValueError)) as theirs:
        s.OutputString()
    with pytest.raises(theirs.type):
        m.OutputString()


def test_cookie_output_sep_header_attrs_and_repr():
    jar, theirs = ours.SimpleCookie(), std.SimpleCookie()
    for x in (jar, theirs):
        x["b"] = "two words"
        x["a"] = 1
        x["a"]["path"] = "/"
        x["b"]["secure"] = True
    assert jar.output() == theirs.output()
    assert jar.output(attrs=[], header="Cookie:", sep="; ") == theirs.output(
        attrs=[], header="Cookie:", sep="; "
    )
    assert str(jar) == str(theirs) and repr(jar) == repr(theirs)
    assert jar.js_output() == theirs.js_output()
    morsel = ours.Morsel()
    morsel.set("m", "v", "v")
    jar["m"] = morsel
    assert jar["m"] is morsel
    base = ours.BaseCookie()
    base["x"] = "a b"
    assert base["x"].coded_value == "a b" == std.BaseCookie({"x": "a b"})["x"].coded_value
    with pytest.raises(ours.CookieError):
        jar["bad key"] = "v"
    with pytest.raises(ours.CookieError):
        jar["expires"] = "v"


def test_all():
    assert ours.__all__ == std.__all__
