"""The request and response parsers: events, framing decisions, limits, states."""

from __future__ import annotations

from dataclasses import replace

import pytest

from support.protocol import drain
from webstd.protocol import (
    CONNECTION_CLOSED,
    DEFAULT_LIMITS,
    NEED_DATA,
    PAUSED,
    BadStatusLine,
    BodyKind,
    BodyTooLarge,
    ConflictingFraming,
    Data,
    EndOfMessage,
    IncompleteMessage,
    InvalidChunk,
    InvalidContentLength,
    LocalProtocolError,
    Request,
    RequestParser,
    Response,
    ResponseParser,
    UnsupportedVersion,
)

GET = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"


def test_head_in_one_piece_then_need_data():
    parser = RequestParser()
    parser.feed(GET)
    request = parser.next_event()
    assert isinstance(request, Request)
    assert (request.method, request.target, request.version) == ("GET", "/", "HTTP/1.1")
    assert request.headers.get("HOST") == "a"
    assert request.body_kind is BodyKind.NONE
    assert isinstance(parser.next_event(), EndOfMessage)
    assert parser.next_event() is NEED_DATA


def test_clean_close_between_messages_and_close_inside_one():
    parser = RequestParser()
    parser.feed(GET)
    drain(parser)
    parser.feed_eof()
    assert parser.next_event() is CONNECTION_CLOSED
    parser = RequestParser()
    parser.feed(b"GET / HT")
    assert parser.next_event() is NEED_DATA
    parser.feed_eof()
    with pytest.raises(IncompleteMessage):
        parser.next_event()


def test_error_is_sticky():
    parser = RequestParser()
    parser.feed(b"GET / HTTP/9.9\r\nHost: a\r\n\r\n")
    with pytest.raises(UnsupportedVersion):
        parser.next_event()
    with pytest.raises(UnsupportedVersion):
        parser.next_event()


def test_bare_lf_is_rejected_before_the_head_is_complete():
    # A peer that uses LF line ends never sends CRLF CRLF; it must get an error, not a wait.
    parser = RequestParser()
    parser.feed(b"GET / HTTP/1.1\nHost: a\n")
    with pytest.raises(Exception) as caught:
        parser.next_event()
    assert caught.value.status_code == 400


def test_crlf_split_across_feeds_is_not_a_bare_lf():
    parser = RequestParser()
    for piece in (b"GET / HTTP/1.1\r", b"\nHost: a\r", b"\n\r", b"\n"):
        parser.feed(piece)
        event = parser.next_event()
    assert isinstance(event, Request)


def test_connect_pauses_after_the_head_and_keeps_trailing_bytes():
    parser = RequestParser()
    parser.feed(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01")
    messages, final, _ = drain(parser)
    assert messages[0].head.method == "CONNECT"
    assert final is PAUSED
    assert parser.trailing_data == b"\x16\x03\x01"
    assert parser.next_event() is PAUSED


def test_refused_connect_resumes_http():
    parser = RequestParser()
    parser.feed(b"CONNECT example.com:25 HTTP/1.1\r\nHost: example.com:25\r\n\r\n" + GET)
    _, final, _ = drain(parser)
    assert final is PAUSED
    parser.resume()
    messages, final, _ = drain(parser)
    assert [m.head.method for m in messages] == ["GET"] and final is NEED_DATA


def test_upgrade_request_pauses():
    parser = RequestParser()
    parser.feed(b"GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
    messages, final, _ = drain(parser)
    assert messages[0].head.upgrade == "websocket"
    assert final is PAUSED


def test_default_limits_are_the_documented_ones():
    assert DEFAULT_LIMITS.max_request_line == 8192
    assert DEFAULT_LIMITS.max_header_bytes == 65536
    assert DEFAULT_LIMITS.max_header_count == 100


def test_request_line_limit_is_checked_before_the_line_ends():
    parser = RequestParser(replace(DEFAULT_LIMITS, max_request_line=100))
    parser.feed(b"GET /" + b"a" * 200)
    with pytest.raises(Exception) as caught:
        parser.next_event()
    assert caught.value.status_code == 414


def test_header_limit_is_checked_before_the_head_ends():
    parser = RequestParser()
    parser.feed(b"GET / HTTP/1.1\r\nHost: a\r\n" + b"X: y\r\n" * 20000)
    with pytest.raises(Exception) as caught:
        parser.next_event()
    assert caught.value.status_code == 431


def test_max_body_refuses_a_large_content_length_at_once():
    parser = RequestParser(replace(DEFAULT_LIMITS, max_body=10))
    parser.feed(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n")
    with pytest.raises(BodyTooLarge) as caught:
        parser.next_event()
    assert caught.value.status_code == 413


def test_max_body_counts_chunked_bodies():
    parser = RequestParser(replace(DEFAULT_LIMITS, max_body=10))
    parser.feed(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n")
    drain(parser)
    parser.feed(b"8\r\n12345678\r\n")
    with pytest.raises(BodyTooLarge):
        drain(parser)


def test_require_host_can_be_turned_off_for_proxies():
    parser = RequestParser(require_host=False)
    parser.feed(b"GET http://example.com/ HTTP/1.1\r\n\r\n")
    assert isinstance(parser.next_event(), Request)


def test_data_after_eof_is_a_local_error():
    parser = RequestParser()
    parser.feed_eof()
    with pytest.raises(LocalProtocolError):
        parser.feed(b"x")


# Responses ------------------------------------------------------------------------------------


def response_messages(data: bytes, *methods: str, eof: bool = True):
    parser = ResponseParser()
    for method in methods or ("GET",):
        parser.expect(method)
    return drain(parser, data, eof=eof)


def test_response_with_content_length_keeps_alive():
    messages, _, _ = response_messages(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
    response = messages[0].head
    assert isinstance(response, Response)
    assert (response.status, response.reason, response.keep_alive) == (200, "OK", True)
    assert messages[0].body == b"hi"


def test_response_until_close():
    messages, final, _ = response_messages(b"HTTP/1.1 200 OK\r\n\r\nall of it")
    assert messages[0].head.body_kind is BodyKind.UNTIL_CLOSE
    assert messages[0].head.keep_alive is False
    assert messages[0].body == b"all of it" and messages[0].complete


def test_response_to_head_has_no_body_even_with_content_length():
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    messages, _, _ = response_messages(data, "HEAD", "GET")
    assert [(m.head.status, m.body) for m in messages] == [(200, b""), (404, b"")]


@pytest.mark.parametrize("status", [204, 304])
def test_204_and_304_have_no_body(status):
    data = b"HTTP/1.1 %d X\r\nContent-Length: 5\r\n\r\n" % status
    messages, final, _ = response_messages(data, eof=False)
    assert messages[0].complete and messages[0].body == b""
    assert final is NEED_DATA


def test_informational_responses_come_before_the_final_one():
    data = (
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"
    )
    messages, _, informational = response_messages(data)
    assert [r.status for r in informational] == [100, 103]
    assert [(m.head.status, m.body) for m in messages] == [(200, b"x")]


def test_101_and_connect_2xx_pause():
    _, final, _ = response_messages(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nraw", eof=False)
    assert final is PAUSED
    parser = ResponseParser()
    parser.expect("CONNECT")
    parser.feed(b"HTTP/1.1 200 Connection established\r\n\r\n\x16\x03")
    assert isinstance(parser.next_event(), Response)
    assert parser.next_event() is PAUSED
    assert parser.trailing_data == b"\x16\x03"


def test_status_line_without_reason():
    messages, _, _ = response_messages(b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n")
    assert (messages[0].head.status, messages[0].head.reason) == (200, "")


@pytest.mark.parametrize(
    "line", [b"HTTP/1.1 20 OK", b"ICY 200 OK", b"HTTP/1.1 abc OK", b"HTTP/1.1  200 OK", b"garbage"]
)
def test_bad_status_lines(line):
    with pytest.raises(BadStatusLine) as caught:
        response_messages(line + b"\r\n\r\n")
    assert caught.value.status_code == 502


def test_response_with_both_framings_is_refused():
    with pytest.raises(ConflictingFraming):
        response_messages(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")


def test_response_transfer_coding_not_chunked_reads_until_close():
    messages, _, _ = response_messages(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz")
    assert messages[0].head.body_kind is BodyKind.UNTIL_CLOSE and messages[0].body == b"zz"


def test_truncated_response_body_reports_what_arrived():
    with pytest.raises(IncompleteMessage) as caught:
        response_messages(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    assert (caught.value.received, caught.value.expected) == (3, 10)


@pytest.mark.parametrize("body, arrived, missing", [
    (b"3\r\nabc\r\n1000\r\nxyz", 6, 4093),  # cut inside a chunk: not its declared 4096
    (b"3\r\nabc\r\n", 3, 0),
    (b"3\r\nabc\r\n10", 3, 0),
])  # fmt: skip
def test_truncated_chunked_body_reports_the_bytes_that_arrived(body, arrived, missing):
    with pytest.raises(IncompleteMessage) as caught:
        response_messages(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
    assert caught.value.received == arrived
    assert f"after {arrived} bytes" in str(caught.value)
    assert (f"({missing} bytes of a chunk missing)" in str(caught.value)) == bool(missing)


def test_chunk_with_too_much_data_is_refused():
    with pytest.raises(InvalidChunk):
        response_messages(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n")


def test_data_events_never_cross_into_the_next_message():
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nd"
    parser = ResponseParser()
    parser.expect("GET")
    parser.expect("GET")
    parser.feed(data)
    events = []
    while (event := parser.next_event()) is not NEED_DATA:
        events.append(event)
    assert [e.data for e in events if isinstance(e, Data)] == [b"abc", b"d"]


def test_body_reader_file_interface():
    from webstd.protocol import BodyReader

    body = b"first line\nsecond\nthird without end"
    stream = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n%bGET / HTTP/1.1\r\nHost: a\r\n\r\n" % (len(body), body)
    pieces = [stream[i : i + 5] for i in range(0, len(stream), 5)]

    def reader():
        parser = RequestParser()
        feed = iter(pieces)
        while (event := parser.next_event()) is NEED_DATA:
            parser.feed(next(feed))
        assert isinstance(event, Request)
        return BodyReader(parser, lambda: next(feed, b"")), parser, feed

    body_reader, parser, feed = reader()
    assert body_reader.readline() == b"first line\n"
    assert body_reader.read(3) == b"sec"
    assert body_reader.readlines() == [b"ond\n", b"third without end"]
    assert body_reader.read() == b"" and body_reader.at_end
    # The next pipelined request was not taken as body: it comes out of the parser whole.
    for piece in feed:
        parser.feed(piece)
    assert parser.next_event().method == "GET"
    body_reader, _, _ = reader()
    assert list(body_reader) == [b"first line\n", b"second\n", b"third without end"]
    body_reader, _, _ = reader()
    assert body_reader.readline(4) == b"firs" and body_reader.readlines(5) == [b"t line\n"]
    body_reader, _, _ = reader()
    assert body_reader.drain() == len(body) and body_reader.read() == b""


# Values int() takes but RFC 9110 8.6 (1*DIGIT) does not: other Unicode digits (latin-1 has the
# superscripts), underscores, signs, white space inside; and lengths beyond 18 digits.
BAD_LENGTHS = ["\u00b2", "1\u00b9", "1_0", "+1", "-1", "0x1", "1 0", "1e3", "1" * 19, "", "1,2"]


@pytest.mark.parametrize("value", BAD_LENGTHS)
def test_content_length_must_be_ascii_digits(value):
    field = b"Content-Length: " + value.encode("latin-1") + b"\r\n"
    with pytest.raises(InvalidContentLength) as error:
        response_messages(b"HTTP/1.1 200 OK\r\n" + field + b"\r\n")
    assert error.value.status_code == 502
    parser = RequestParser()
    parser.feed(b"POST / HTTP/1.1\r\nHost: a\r\n" + field + b"\r\n")
    with pytest.raises(InvalidContentLength):
        parser.next_event()


@pytest.mark.parametrize("value", ["0", "007", "51200", "9" * 18, "0" * 30 + "5"])
def test_content_length_of_digits_is_taken(value):
    parser = ResponseParser()
    parser.expect("GET")
    parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: " + value.encode() + b"\r\n\r\n")
    response = parser.next_event()
    assert (response.body_kind, response.content_length) == (BodyKind.LENGTH, int(value))
