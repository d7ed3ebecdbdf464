"""gunicorn's request corpus (../shared/corpora/gunicorn-requests) run through the sans-IO core.

The verdicts in cases.json are gunicorn's under its default settings. Two of its defaults are limits
that differ from webstd's (gunicorn allows a 4094-byte request line and 8190-byte field lines, CRLF
included), so the corpus runs with those limits; webstd's own defaults are tested in test_parser.py.
A server stops reading after a request that does not keep the connection alive, and so does the
runner here. Cases that gunicorn
decides only with a non-default setting are skipped, except where webstd's behaviour is the same.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from support.corpora import GUNICORN_STRICTER
from support.protocol import drain
from webstd.protocol import DEFAULT_LIMITS, NEED_DATA, RemoteProtocolError, RequestParser

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "gunicorn-requests"
GUNICORN_LIMITS = replace(DEFAULT_LIMITS, max_request_line=4094, max_field_size=8188)

if not CORPUS.is_dir():  # the corpus sits beside the checkout, in CI and on developer machines
    pytest.skip(f"corpus not found at {CORPUS}", allow_module_level=True)

CASES = json.loads((CORPUS / "cases.json").read_text())
for _case in CASES:
    _case["expect"] = GUNICORN_STRICTER.get(_case["file"], _case["expect"])


def case_id(case):
    return case["file"]


def decoded_path(target: str) -> str:
    path = urlsplit(target).path if "://" in target else target.split("?", 1)[0].split("#", 1)[0]
    return unquote(path, encoding="latin-1")


def run(case):
    data = (CORPUS / case["file"]).read_bytes()
    parser = RequestParser(GUNICORN_LIMITS, require_host=False)
    messages, final, informational = drain(parser, data, eof=case["expect"] != "info")
    for index, message in enumerate(messages):
        if not message.head.keep_alive:
            return messages[: index + 1], final, informational
    return messages, final, informational


@pytest.mark.parametrize("case", [c for c in CASES if not c.get("needs_setting")], ids=case_id)
def test_case(case):
    expect = case["expect"]
    if expect in ("accept", "pipeline"):
        messages, _, _ = run(case)
        assert [m.complete for m in messages] == [True] * len(case["requests"])
        for message, wanted in zip(messages, case["requests"], strict=True):
            assert message.head.method == wanted["method"]
            assert len(message.body) == wanted["body_len"]
            if "path" in wanted:
                assert decoded_path(message.head.target) == wanted["path"]
    elif expect == "reject":
        with pytest.raises(RemoteProtocolError) as caught:
            run(case)
        assert 400 <= caught.value.status_code < 600
        # Nothing of the rejected request reaches an application as a complete message.
        assert not any(m.complete for m in caught.value.messages)
    elif expect == "either":
        try:
            messages, _, _ = run(case)
        except RemoteProtocolError as error:
            assert error.status_code < 500 or error.status_code in (501, 505)
        else:
            assert all(m.complete for m in messages)
    elif expect == "info":
        messages, final, _ = run(case)
        assert final is NEED_DATA
        assert len(messages) == 1 and not messages[0].complete
        assert len(messages[0].body) == case["requests"][0]["body_len"]
        assert messages[0].head.content_length > len(messages[0].body)
    else:  # pragma: no cover - a new verdict in the corpus must be handled here
        pytest.fail(f"unknown expectation {expect!r}")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_one_byte_at_a_time_gives_the_same_outcome(case):
    if case.get("needs_setting"):
        pytest.skip("verdict needs a non-default gunicorn setting")
    data = (CORPUS / case["file"]).read_bytes()
    eof = case["expect"] != "info"

    def outcome(pieces):
        parser = RequestParser(GUNICORN_LIMITS, require_host=False)
        try:
            messages, final, _ = drain(parser, data, eof=eof, pieces=pieces)
        except RemoteProtocolError as error:
            return type(error), [(m.head.method, m.body, m.complete) for m in error.messages]
        return final, [(m.head.method, m.head.target, m.body, m.complete) for m in messages]

    assert outcome([1] * len(data)) == outcome(None)
