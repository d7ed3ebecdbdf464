"""tests/corpora/responses: responses a client may receive, through the core."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import webstd.protocol as protocol
from support.protocol import drain
from webstd.protocol import RemoteProtocolError, ResponseParser

CORPUS = Path(__file__).resolve().parents[1] / "corpora" / "responses"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())


def parse(name: str, bytewise: bool):
    data = (CORPUS / name).read_bytes()
    parser = ResponseParser()
    parser.expect(EXPECTED[name]["method"])
    return drain(parser, data, eof=True, pieces=[1] * len(data) if bytewise else None)


def test_every_file_has_an_expectation():
    assert {str(p.relative_to(CORPUS)) for p in CORPUS.glob("*/*.http")} == set(EXPECTED)


@pytest.mark.parametrize("bytewise", [False, True])
@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n.startswith("invalid/")))
def test_invalid(name, bytewise):
    with pytest.raises(RemoteProtocolError) as caught:
        parse(name, bytewise)
    assert type(caught.value) is getattr(protocol, EXPECTED[name]["error"])


@pytest.mark.parametrize("bytewise", [False, True])
@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n.startswith("valid/")))
def test_valid(name, bytewise):
    want = EXPECTED[name]
    messages, _, _ = parse(name, bytewise)
    (message,) = messages
    assert message.complete
    assert message.head.status == want["status"]
    assert message.body == want["body"].encode()
    if "reason" in want:
        assert message.head.reason == want["reason"]
    if "trailers" in want:
        assert message.trailers == [tuple(pair) for pair in want["trailers"]]
    if "keep_alive" in want:
        assert message.head.keep_alive is want["keep_alive"]
