"""Bytes may arrive split anywhere: any split gives the same events as all at once."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from support.protocol import drain
from webstd.protocol import (
    Data,
    RemoteProtocolError,
    RequestParser,
    ResponseParser,
    chunk,
    last_chunk,
)

header_names = st.sampled_from(["Accept", "X-A", "User-Agent", "Cookie", "X-Empty", "ETag"])
header_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"), max_size=30)
bodies = st.binary(max_size=300)


@st.composite
def request_streams(draw):
    """One to three pipelined requests with Content-Length or chunked bodies."""
    stream = b""
    expected = []
    for index in range(draw(st.integers(1, 3))):
        body = draw(bodies)
        fields = [("Host", "example.com")]
        fields += draw(st.lists(st.tuples(header_names, header_values), max_size=4))
        chunked = draw(st.booleans())
        if chunked:
            fields.append(("Transfer-Encoding", "chunked"))
        elif body or draw(st.booleans()):
            fields.append(("Content-Length", str(len(body))))
        head = f"POST /item/{index} HTTP/1.1\r\n" + "".join(f"{n}: {v}\r\n" for n, v in fields) + "\r\n"
        stream += head.encode("latin-1")
        if chunked:
            cut = draw(st.integers(0, len(body)))
            stream += chunk(body[:cut]) + chunk(body[cut:]) + last_chunk()
        else:
            stream += body
        expected.append((f"/item/{index}", body))
    return stream, expected


def split_points(data_length):
    return st.lists(st.integers(1, max(1, data_length)), max_size=20)


def label(head):
    return getattr(head, "target", None) or getattr(head, "status", None)


def outcome(parser_factory, data, pieces):
    try:
        messages, final, _ = drain(parser_factory(), data, eof=True, pieces=pieces)
    except RemoteProtocolError as error:
        return type(error).__name__, [(label(m.head), m.body) for m in error.messages]
    return final, [(label(m.head), m.body, m.head.headers.items(), m.complete) for m in messages]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_request_stream_parses_the_same_however_it_is_split(data):
    stream, expected = data.draw(request_streams())
    pieces = data.draw(split_points(len(stream)))
    whole = outcome(RequestParser, stream, None)
    assert whole == outcome(RequestParser, stream, pieces)
    assert whole == outcome(RequestParser, stream, [1] * len(stream))
    assert [(target, body) for target, body, _, _ in whole[1]] == expected


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.data())
def test_arbitrary_bytes_never_raise_anything_but_protocol_errors(junk, data):
    prefix = data.draw(st.sampled_from([b"", b"GET / HTTP/1.1\r\n", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"]))
    stream = prefix + junk
    pieces = data.draw(split_points(len(stream)))
    assert outcome(RequestParser, stream, None) == outcome(RequestParser, stream, pieces)


@settings(max_examples=200, deadline=None)
@given(bodies, st.booleans(), st.data())
def test_response_split_anywhere(body, chunked, data):
    if chunked:
        stream = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(body) + last_chunk()
    else:
        stream = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%b" % (len(body), body)

    def factory():
        parser = ResponseParser()
        parser.expect("GET")
        return parser

    pieces = data.draw(split_points(len(stream)))
    assert outcome(factory, stream, pieces) == outcome(factory, stream, None)
    assert outcome(factory, stream, None)[1][0][1] == body


def test_one_mebibyte_chunked_body_fed_one_byte_at_a_time():
    # Linear cost: every byte is looked at a bounded number of times (bench/protocol.py times it).
    body = bytes(range(256)) * 4096
    stream = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    stream += b"".join(chunk(body[i : i + 65536]) for i in range(0, len(body), 65536)) + last_chunk()
    parser = RequestParser()
    received = bytearray()
    for index in range(len(stream)):
        parser.feed(stream[index : index + 1])
        while True:
            event = parser.next_event()
            if isinstance(event, Data):
                received += event.data
            elif not hasattr(event, "method"):
                break
    assert received == body
