"""Issue 20: framing rules every server and the proxy get from webstd.protocol."""

from __future__ import annotations

import pytest

from support.protocol import drain
from webstd.protocol import (
    DEFAULT_LIMITS,
    ConflictingFraming,
    InvalidHost,
    InvalidTarget,
    MissingHost,
    RemoteProtocolError,
    RequestParser,
    ResponseParser,
)


@pytest.mark.parametrize("coding", ["identity", "chunked", "gzip, chunked", "Identity"])
def test_any_transfer_encoding_with_content_length_is_refused(coding):
    data = f"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: {coding}\r\nContent-Length: 2\r\n\r\nhi"
    with pytest.raises(ConflictingFraming) as caught:
        drain(RequestParser(), data.encode(), eof=True)
    assert caught.value.status_code == 400


@pytest.mark.parametrize("coding", ["identity", "chunked"])
def test_response_with_transfer_encoding_and_content_length_is_refused(coding):
    parser = ResponseParser()
    parser.expect("GET")
    data = f"HTTP/1.1 200 OK\r\nTransfer-Encoding: {coding}\r\nContent-Length: 2\r\n\r\nhi"
    with pytest.raises(ConflictingFraming) as caught:
        drain(parser, data.encode(), eof=True)
    assert caught.value.status_code == 502


@pytest.mark.parametrize("empty", [b"\r\n", b"\n", b"\r\n\n", b"\n\n\r\n"])
def test_empty_lines_before_a_request_line_are_ignored(empty):
    get = b"GET /%d HTTP/1.1\r\nHost: a\r\n\r\n"
    data = empty + get % 1 + empty + get % 2
    messages, _, _ = drain(RequestParser(), data, eof=True)
    assert [m.head.target for m in messages] == ["/1", "/2"]


def test_empty_lines_one_byte_at_a_time():
    data = b"\n\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
    messages, _, _ = drain(RequestParser(), data, eof=True, pieces=[1] * len(data))
    assert [m.head.target for m in messages] == ["/"]


def test_empty_lines_are_bounded():
    data = b"\n" * (DEFAULT_LIMITS.max_leading_empty_lines + 1) + b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    with pytest.raises(RemoteProtocolError) as caught:
        drain(RequestParser(), data, eof=True)
    assert caught.value.status_code == 400


def test_only_empty_lines_then_close_is_a_clean_close():
    messages, _, _ = drain(RequestParser(), b"\r\n\n", eof=True)
    assert messages == []


@pytest.mark.parametrize(
    "target", ["example.com:443", "[::1]:8080", "[2001:db8::1]:443", "127.0.0.1:8080"]
)
def test_connect_authority_forms(target):
    data = f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode()
    messages, _, _ = drain(RequestParser(), data)
    assert messages[0].head.target == target


def test_pipelined_requests_after_ipv6_absolute_form_are_answered_in_order():
    data = (
        b"GET http://[::1]:8080/a HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"
        b"GET /b HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"
        b"\r\nPOST /c HTTP/1.1\r\nHost: [::1]\r\nContent-Length: 1\r\n\r\nx"
    )
    messages, _, _ = drain(RequestParser(), data, eof=True)
    assert [m.head.target for m in messages] == ["http://[::1]:8080/a", "/b", "/c"]
    assert messages[2].body == b"x"


# Strict mode: the production servers' Host and request-target rules ---------------------------


def strict_drain(data: bytes):
    return drain(RequestParser(strict=True), data, eof=True)[0]


@pytest.mark.parametrize(
    "host",
    ["a", "example.com", "example.com:8080", "127.0.0.1:80", "[::1]:8080", "[::1]", "x:", "",
     "xn--bcher-kva.example", "a%2Eb"],
)
def test_strict_accepts_valid_hosts(host):
    messages = strict_drain(f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    assert messages[0].complete


@pytest.mark.parametrize(
    "host",
    ["a b", "a/b", "user@a", "user:pw@a:80", "a:80x", "a:123456", "a#b", "[::1", "a:80:90", "\xe9.com"],
)
def test_strict_refuses_invalid_hosts(host):
    with pytest.raises(InvalidHost) as caught:
        strict_drain(f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode("latin-1"))
    assert caught.value.status_code == 400


def test_lenient_parser_keeps_accepting_what_the_stdlib_accepts():
    data = b"GET /a#b\x80 HTTP/1.1\r\nHost: a b\r\n\r\n"
    messages, _, _ = drain(RequestParser(), data, eof=True)
    assert messages[0].head.target == "/a#b\x80"


def test_strict_requires_one_host_even_without_require_host():
    with pytest.raises(MissingHost):
        drain(RequestParser(require_host=False, strict=True), b"GET / HTTP/1.1\r\n\r\n", eof=True)
    with pytest.raises(MissingHost):
        strict_drain(b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n")
    assert strict_drain(b"GET / HTTP/1.0\r\n\r\n")[0].complete


@pytest.mark.parametrize(
    "target", [b"/a#b", b"/#", b"http://a/b#c", b"/caf\xc3\xa9", b"/\x80", b"/?q=\xff"]
)
def test_strict_refuses_fragments_and_non_ascii_targets(target):
    with pytest.raises(InvalidTarget) as caught:
        strict_drain(b"GET " + target + b" HTTP/1.1\r\nHost: a\r\n\r\n")
    assert caught.value.status_code == 400


def test_strict_absolute_form_with_a_different_host_is_parsed():
    # RFC 9112 section 3.2.2: the target's authority wins; the Host field must still be valid.
    messages = strict_drain(b"GET http://b.example/x HTTP/1.1\r\nHost: a.example\r\n\r\n")
    assert messages[0].head.target == "http://b.example/x"
