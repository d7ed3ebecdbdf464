"""webstd.http.HTTPStatus / HTTPMethod against the 3.11 stdlib, and webstd.http._dates."""

import calendar
import email.utils
import enum
import http
import pickle
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from support import stdlib311
from webstd.http import HTTPMethod, HTTPStatus
from webstd.http._dates import format_http_date, parse_http_date


@stdlib311
def test_status_members_match_stdlib():
    ours = [(s.name, s.value, s.phrase) for s in HTTPStatus]
    theirs = [(s.name, s.value, s.phrase) for s in http.HTTPStatus]
    assert ours == theirs
    aliases_of_313 = {"CONTENT_TOO_LARGE", "URI_TOO_LONG", "RANGE_NOT_SATISFIABLE",
                      "UNPROCESSABLE_CONTENT"}
    ours_by_name = [name for name in HTTPStatus.__members__ if name not in aliases_of_313]
    assert ours_by_name == list(http.HTTPStatus.__members__)
    for name in aliases_of_313:
        assert HTTPStatus[name].name in http.HTTPStatus.__members__


@stdlib311
def test_method_members_match_stdlib():
    assert [(m.name, m.value) for m in HTTPMethod] == [(m.name, m.value) for m in http.HTTPMethod]
    assert [repr(m) for m in HTTPMethod] == [repr(m) for m in http.HTTPMethod]


@stdlib311
@pytest.mark.parametrize("member", list(http.HTTPStatus), ids=str)
def test_status_behaves_like_stdlib(member):
    ours = HTTPStatus(member.value)
    assert ours is HTTPStatus[member.name]
    assert ours == member.value == member
    assert ours < member.value + 1 and ours > member.value - 1
    assert (repr(ours), str(ours), f"{ours}", f"{ours:d}", hash(ours)) == (
        repr(member), str(member), f"{member}", f"{member:d}", hash(member)
    )
    assert ours + 1 == member + 1
    assert isinstance(ours, int) and isinstance(ours, enum.IntEnum)
    assert pickle.loads(pickle.dumps(ours)) is ours
    assert ours.description and isinstance(ours.description, str)


@stdlib311
@pytest.mark.parametrize("value", [99, 199, 306, 419, 600, -1, "404", None])
def test_unknown_status_raises_like_stdlib(value):
    with pytest.raises(ValueError) as theirs:
        http.HTTPStatus(value)
    with pytest.raises(ValueError) as ours:
        HTTPStatus(value)
    assert str(ours.value).replace("webstd.", "") == str(theirs.value).replace("http.", "")


@stdlib311
def test_method_behaves_like_stdlib():
    for theirs in http.HTTPMethod:
        ours = HTTPMethod(theirs.value)
        assert ours is HTTPMethod[theirs.name]
        assert ours == theirs.value and str(ours) == str(theirs) and f"{ours}" == f"{theirs}"
        assert isinstance(ours, str) and ours.upper() == theirs.value
        assert ours.description
    with pytest.raises(ValueError):
        HTTPMethod("get")
    with pytest.raises(KeyError):
        HTTPStatus["OKAY"]


def test_http_date_round_trip_examples():
    # RFC 9110 section 5.6.7's example, in its three forms.
    assert format_http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT"
    for text in (
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "  Sun, 06 Nov 1994 08:49:37 GMT ",
    ):
        assert parse_http_date(text) == 784111777.0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 +0000",
        "Sun, 31 Feb 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 23:60:00 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994",
        "06 Nov 1994",
        "Sun, 06 Nov 1994 08:49:37 GMT trailing",
    ],
)
def test_http_date_rejects(text):
    assert parse_http_date(text) is None


def test_rfc850_two_digit_year_is_never_more_than_50_years_ahead():
    this_year = time.gmtime().tm_year
    for two_digits in range(100):
        ts = parse_http_date(f"Monday, 01-Jan-{two_digits:02d} 00:00:00 GMT")
        year = time.gmtime(ts).tm_year
        assert year % 100 == two_digits
        assert this_year - 50 <= year <= this_year + 50


@given(st.integers(min_value=0, max_value=253402300799))
def test_http_date_round_trip(ts):
    text = format_http_date(ts)
    assert parse_http_date(text) == ts
    # The email package's formatter is an independent oracle for the layout.
    assert text == email.utils.formatdate(ts, usegmt=True)
    assert calendar.timegm(email.utils.parsedate(text)) == ts


def test_format_http_date_defaults_to_now():
    before = int(time.time())
    parsed = parse_http_date(format_http_date(None))
    assert before <= parsed <= int(time.time()) + 1
