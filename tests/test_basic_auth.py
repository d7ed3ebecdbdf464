"""webstd._basic_auth: reading Basic credentials (RFC 7617) as every server-side caller does."""

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webstd._basic_auth import credentials_match, decode_basic


def basic(raw: bytes, scheme: str = "Basic") -> str:
    return f"{scheme} {base64.b64encode(raw).decode('ascii')}"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (basic(b"alice:s3cret"), ("alice", "s3cret")),
        (basic(b"alice:s3cret", "basic"), ("alice", "s3cret")),
        (basic(b"alice:s3cret", "BASIC"), ("alice", "s3cret")),
        ("  " + basic(b"alice:s3cret") + "  ", ("alice", "s3cret")),
        ("Basic    " + base64.b64encode(b"a:b").decode(), ("a", "b")),
        (basic(b"alice:pass:with:colons"), ("alice", "pass:with:colons")),
        (basic(b":only-password"), ("", "only-password")),
        (basic(b"alice:"), ("alice", "")),
        (basic("jos\u00e9:p\u00e4ss \u2603".encode()), ("jos\u00e9", "p\u00e4ss \u2603")),
    ],
)
def test_decode_basic_accepts(header, expected):
    assert decode_basic(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic",
        "Basic ",
        basic(b"alice:s3cret", "Bearer"),
        basic(b"alice:s3cret", "Basicx"),
        "Digest username=alice",
        "Basic\t" + base64.b64encode(b"a:b").decode(),  # RFC 9110 11.4: the separator is SP
        "Basic YWw6Y2U",  # missing padding (b"al:ce")
        "Basic YWxp Y2U6czNjcmV0",  # a space inside the token
        "Basic YWxpY2U6czNjcmV0!=",  # outside the base64 alphabet
        "Basic YWxpY2U6czNjcmV0==x",
        "Basic \u00e9\u00e9\u00e9\u00e9",  # non-ASCII in the field value itself
        basic(b"no-colon-here"),
        basic(b""),
        basic(b"caf\xe9:latin-1"),  # not UTF-8
    ],
)
def test_decode_basic_refuses(header):
    assert decode_basic(header) is None


def test_credentials_match_compares_the_raw_bytes():
    expected = b"alice:s3cret"
    assert credentials_match(basic(expected), expected)
    assert credentials_match(basic(expected, "bAsIc"), expected)
    assert not credentials_match(basic(b"alice:s3creT"), expected)
    assert not credentials_match(basic(b"alice:s3cret "), expected)
    assert not credentials_match(basic(b"alice"), expected)
    assert not credentials_match(basic(expected, "Bearer"), expected)
    assert not credentials_match("Basic !!!!", expected)
    assert not credentials_match(None, expected)
    assert not credentials_match("", expected)
    # Bytes that are not UTF-8 still match when they are the configured ones.
    assert credentials_match(basic(b"caf\xe9:x"), b"caf\xe9:x")


@settings(max_examples=300)
@given(user=st.text().filter(lambda text: ":" not in text), password=st.text())
def test_round_trip(user, password):
    raw = f"{user}:{password}".encode("utf-8", "surrogatepass")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return
    header = basic(raw)
    assert decode_basic(header) == (user, password)
    assert credentials_match(header, raw)
    assert not credentials_match(header, raw + b"x")


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_arbitrary_field_values_never_raise(header):
    result = decode_basic(header)
    assert result is None or isinstance(result, tuple)
    assert credentials_match(header, b"a:b") in (True, False)
