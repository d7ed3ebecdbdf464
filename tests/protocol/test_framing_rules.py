"""Issue 20: framing rules every server and the proxy get from webstd.protocol."""

from __future__ import annotations

import pytest

from support.protocol import drain
from webstd.protocol import (
    DEFAULT_LIMITS,
    ConflictingFraming,
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
