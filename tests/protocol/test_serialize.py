"""Serializing heads: every name, value, method, target and reason is checked before a byte is
produced; RequestTemplate gives exactly what request_head gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webstd.protocol import LocalProtocolError, RequestTemplate, request_head, response_head

FIELDS = [("Host", "example.com:8080"), ("User-Agent", "webstd-images"), ("Accept-Encoding", "identity")]
INJECTIONS = ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\x00b", "a\x7fb", "a\x0bb"]


def test_request_head_bytes():
    assert request_head("GET", "/img/a.png?x=1", FIELDS) == (
        b"GET /img/a.png?x=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: webstd-images\r\n"
        b"Accept-Encoding: identity\r\n\r\n")
    assert request_head("HEAD", "*", [], "1.0") == b"HEAD * HTTP/1.0\r\n\r\n"


@pytest.mark.parametrize("bad", INJECTIONS)
def test_injection_is_refused_everywhere(bad):
    for call in (lambda: request_head("GET", "/", [("X", bad)]),
                 lambda: request_head("GET", "/", [(bad, "v")]),
                 lambda: request_head("GET", "/" + bad, []),
                 lambda: request_head(bad, "/", []),
                 lambda: response_head(200, bad, []),
                 lambda: response_head(200, "OK", [("X", bad)]),
                 lambda: RequestTemplate("GET", [("X", bad)]),
                 lambda: RequestTemplate("GET", []).head("/" + bad)):
        with pytest.raises(LocalProtocolError):
            call()


@pytest.mark.parametrize("target", ["/a b", "", "/\u0100"])
def test_targets_that_cannot_be_sent(target):
    with pytest.raises(LocalProtocolError):
        request_head("GET", target, [])
    with pytest.raises(LocalProtocolError):
        RequestTemplate("GET", []).head(target)


def outcome(function, *args):
    try:
        return function(*args)
    except LocalProtocolError:
        return LocalProtocolError


text = st.text(st.sampled_from("aZ09-./:?%*\u00e9\u0100 \t\r\n\x00"), max_size=8)


@settings(max_examples=300)
@given(st.sampled_from(["GET", "HEAD", "PO ST", "", "M\u00e9"]), st.lists(st.tuples(text, text), max_size=3),
       st.lists(text, min_size=1, max_size=4))
def test_template_heads_are_request_heads(method, fields, targets):
    try:
        template = RequestTemplate(method, fields)
    except LocalProtocolError:
        # Then every head would have been refused, whatever its target.
        assert all(outcome(request_head, method, target, fields) is LocalProtocolError for target in targets)
        return
    for target in targets:
        assert outcome(template.head, target) == outcome(request_head, method, target, fields)
