"""tests/corpora/requests: webstd's own corpus of valid and invalid requests, through the core."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import webstd.protocol as protocol
from support.protocol import drain
from webstd.protocol import RemoteProtocolError, RequestParser

CORPUS = Path(__file__).resolve().parents[1] / "corpora" / "requests"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())


def test_every_file_has_an_expectation_and_back():
    files = {str(path.relative_to(CORPUS)) for path in CORPUS.glob("*/*.http")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n.startswith("invalid/")))
@pytest.mark.parametrize("split", ["whole", "bytewise"])
def test_invalid_request_is_rejected_with_its_error(name, split):
    data = (CORPUS / name).read_bytes()
    expected = EXPECTED[name]
    pieces = [1] * len(data) if split == "bytewise" else None
    with pytest.raises(RemoteProtocolError) as caught:
        drain(RequestParser(), data, eof=True, pieces=pieces)
    assert type(caught.value) is getattr(protocol, expected["error"])
    assert caught.value.status_code == expected["status"]
    assert not any(message.complete for message in caught.value.messages)


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n.startswith("valid/")))
@pytest.mark.parametrize("split", ["whole", "bytewise"])
def test_valid_request_gives_its_messages(name, split):
    data = (CORPUS / name).read_bytes()
    pieces = [1] * len(data) if split == "bytewise" else None
    messages, _, _ = drain(RequestParser(), data, eof=True, pieces=pieces)
    wanted = EXPECTED[name]["messages"]
    assert len(messages) == len(wanted)
    for message, want in zip(messages, wanted, strict=True):
        assert message.complete
        assert message.head.method == want["method"]
        assert message.head.target == want["target"]
        assert message.body == want["body"].encode()
        if "headers" in want:
            assert message.head.headers.items() == [tuple(pair) for pair in want["headers"]]
        if "trailers" in want:
            assert message.trailers == [tuple(pair) for pair in want["trailers"]]
        for flag in ("keep_alive", "expect_continue"):
            if flag in want:
                assert getattr(message.head, flag) is want[flag]
