"""HTTPMessage against the stdlib's http.client.parse_headers (an email.message.Message)."""

import http.client as std_client
import io

import pytest

from webstd.http import client

HEADS = [
    b"Content-Type: text/html; charset=UTF-8\r\n\r\n",
    b'Content-Type: multipart/form-data; boundary="abc def"\r\n\r\n',
    b'Content-Disposition: Attachment; filename="a b.txt"\r\n\r\n',
    b"Content-Disposition: inline; filename*=UTF-8''%e2%82%ac%20rates.txt\r\n\r\n",
    b"Content-Type: text/plain; charset*=us-ascii'en'utf-8\r\n\r\n",
    b"X-A: 1\r\nX-A: 2\r\nHost: h\r\n\r\n",
    b"\r\n",
]


@pytest.mark.parametrize("head", HEADS)
def test_same_answers_as_stdlib(head):
    ours = client.parse_headers(io.BytesIO(head))
    theirs = std_client.parse_headers(io.BytesIO(head))
    assert ours.items() == theirs.items()
    assert list(ours.raw_items()) == list(theirs.raw_items())
    assert ours.get_content_type() == theirs.get_content_type()
    assert ours.get_content_disposition() == theirs.get_content_disposition()
    assert ours.get_charsets() == theirs.get_charsets()
    assert ours.get_filename() == theirs.get_filename()
    assert ours.get_boundary() == theirs.get_boundary()
    assert ours.get_unixfrom() == theirs.get_unixfrom()
    assert [m.get_content_type() for m in ours.walk()] == [
        m.get_content_type() for m in theirs.walk()]
    assert ours.is_multipart() == theirs.is_multipart()


def test_payload_roundtrip():
    ours = client.HTTPMessage()
    ours.set_payload("body")
    assert ours.get_payload() == "body"
    ours.set_unixfrom("From x")
    assert ours.get_unixfrom() == "From x"


def _both(head):
    return client.parse_headers(io.BytesIO(head)), std_client.parse_headers(io.BytesIO(head))


def test_setters_agree_with_stdlib_on_values():
    a, b = _both(b"Content-Type: text/html; charset=utf-8; x=1\r\n\r\n")
    for msg in (a, b):
        msg.set_param("charset", "latin-1")
        msg.set_param("y", "a b")
        msg.del_param("x")
        msg.set_type("text/plain")
        msg.set_boundary("zz")
    assert a.get_params() == b.get_params()
    assert a.get_content_type() == b.get_content_type() == "text/plain"
    assert a.get_boundary() == b.get_boundary() == "zz"
