"""The sans-IO multipart parser (webstd._multipart): events, chunking, limits, bad-input corpus."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webstd import _multipart
from webstd._multipart import (
    BodyEnd,
    BodyTooLargeError,
    InvalidBoundaryError,
    MultipartLimits,
    MultipartParser,
    PartData,
    PartEnd,
    PartStart,
    TooManyPartsError,
    parse_options_header,
)

CORPUS = Path(__file__).parent / "corpora" / "multipart"


def parse(body: bytes, boundary: bytes = b"b", chunk: int | None = None, **limits) -> list:
    """Feed ``body`` (in ``chunk``-sized pieces) and return the events, data merged per part."""
    parser = MultipartParser(boundary, MultipartLimits(**limits))
    events = []
    size = chunk or max(1, len(body))
    for start in range(0, len(body), size):
        events += parser.feed(body[start : start + size])
    events += parser.finish()
    return merge(events)


def merge(events: list) -> list:
    merged = []
    for event in events:
        if isinstance(event, PartData) and merged and isinstance(merged[-1], PartData):
            merged[-1] = PartData(merged[-1].data + event.data)
        else:
            merged.append(event)
    return merged


SIMPLE = (
    b"preamble\r\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello\r\n"
    b"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\n"
    b"Content-Type: application/octet-stream\r\n\r\n\r\n--bX\r\n--b\r\n"
    b"X-Empty:\r\n\r\n\r\n--b--\r\nepilogue"
)


def test_events_of_a_simple_body():
    assert parse(SIMPLE) == [
        PartStart((("Content-Disposition", 'form-data; name="a"'),)),
        PartData(b"hello"),
        PartEnd(),
        PartStart(
            (
                ("Content-Disposition", 'form-data; name="f"; filename="x.bin"'),
                ("Content-Type", "application/octet-stream"),
            )
        ),
        PartData(b"\r\n--bX"),
        PartEnd(),
        PartStart((("X-Empty", ""),)),
        PartEnd(),
        BodyEnd(),
    ]


@given(st.integers(min_value=1, max_value=40))
def test_any_chunking_gives_the_same_events(chunk):
    assert parse(SIMPLE, chunk=chunk) == parse(SIMPLE)


@settings(max_examples=300)
@given(
    contents=st.lists(st.binary(max_size=300), max_size=4),
    newline=st.sampled_from([b"\r\n", b"\n"]),
    padding=st.sampled_from([b"", b" ", b"\t \r"]),
    chunk=st.integers(min_value=1, max_value=64),
)
def test_contents_survive_round_trip(contents, newline, padding, chunk):
    boundary = b"q1'()+_,-./:=?z"
    delimiter = b"--" + boundary
    # A CR before a bare-LF delimiter is read as CRLF, as in the stdlib: not generated here.
    contents = [
        content
        for content in contents
        if delimiter not in newline + content and not content.endswith(b"\r")
    ]
    body = b"".join(
        delimiter + padding + newline + b"X: 1" + newline + newline + content + newline
        for content in contents
    )
    body += delimiter + b"--" + padding + newline
    events = parse(body, boundary, chunk)
    parts = []
    for event in events:
        if isinstance(event, PartStart):
            parts.append(b"")
        elif isinstance(event, PartData):
            parts[-1] += event.data
    assert parts == contents
    assert events[-1] == BodyEnd()


def test_line_folding_and_leading_whitespace():
    body = b"--b\r\nX-Folded:  a\r\n\tb\r\n\r\n--b--"
    assert parse(body)[0] == PartStart((("X-Folded", "a\r\n\tb"),))


def test_input_after_the_close_delimiter_is_ignored():
    parser = MultipartParser(b"b")
    assert parser.feed(b"--b--\r\n") == [BodyEnd()]
    assert parser.complete
    assert parser.feed(b"--b\r\n\r\nx") == []
    assert parser.finish() == []


def test_truncated_body_can_be_accepted_explicitly():
    parser = MultipartParser(b"b")
    events = parser.feed(b"--b\r\nA: 1\r\n\r\nabc")
    events += parser.finish(allow_truncated=True)
    assert merge(events) == [PartStart((("A", "1"),)), PartData(b"abc"), PartEnd()]
    assert not parser.complete


@pytest.mark.parametrize(
    "boundary",
    [b"", b"a" * 71, b"ends with space ", b"semi;colon", b"quote\"", b"\xc3\xa9", b"new\nline"],
)
def test_invalid_boundaries(boundary):
    with pytest.raises(InvalidBoundaryError):
        MultipartParser(boundary)


@pytest.mark.parametrize("boundary", [b"a", b"a" * 70, b"with space", b"'()+_,-./:=?09AZaz"])
def test_valid_boundaries(boundary):
    assert parse(b"--" + boundary + b"--\r\n", boundary) == [BodyEnd()]


def test_too_many_parts():
    body = b"--b\r\n\r\n\r\n" * 3 + b"--b--\r\n"
    assert len(parse(body, max_parts=3)) == 7
    with pytest.raises(TooManyPartsError):
        parse(body, max_parts=2)


def test_body_too_large():
    parser = MultipartParser(b"b", MultipartLimits(max_body_bytes=10))
    parser.feed(b"--b\r\n")
    with pytest.raises(BodyTooLargeError):
        parser.feed(b"123456")


def test_errors_are_value_errors():
    for name in _multipart.__all__:
        attribute = getattr(_multipart, name)
        if isinstance(attribute, type) and name.endswith("Error"):
            assert issubclass(attribute, ValueError)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.multipart")), ids=lambda path: path.stem)
@pytest.mark.parametrize("chunk", [None, 1, 7])
def test_corpus(path, chunk):
    """Each file is a body with boundary "b"; its name says the attack and the expected error."""
    expected = getattr(_multipart, path.stem.rsplit(".", 1)[1])
    with pytest.raises(expected):
        parse(path.read_bytes(), chunk=chunk)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('form-data; name="a"; filename="b c.txt"', ("form-data", {"name": "a", "filename": "b c.txt"})),
        ('text/plain; Charset=UTF-8; x="a;b"', ("text/plain", {"charset": "UTF-8", "x": "a;b"})),
        ('a; q="x\\"y;z"', ("a", {"q": 'x"y;z'})),
        ("a;;novalue; b = 2 ", ("a", {"b": "2"})),
        (";x=1", ("", {"x": "1"})),
        ("", ("", {})),
    ],
)
def test_parse_options_header(line, expected):
    assert parse_options_header(line) == expected
