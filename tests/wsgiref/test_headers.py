"""webstd.wsgiref.headers.Headers against the 3.11 stdlib, plus the refusal of injected fields."""

import wsgiref.headers as std_headers

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support import stdlib311
from webstd.wsgiref.headers import Headers


def outcome(function, *args, **kwargs):
    try:
        return ("ok", function(*args, **kwargs))
    except Exception as exc:  # noqa: BLE001 -- the type is the compared outcome
        return ("raised", type(exc))


names = st.sampled_from(["Content-Type", "content-type", "X-A", "x-a", "Set-Cookie", "A_B"])
values = st.text(alphabet='ab ;="\\\t\xe9\u20ac', max_size=8)
param_names = st.sampled_from(["filename", "file_name", "charset", "q", "_x"])
params = st.dictionaries(param_names, st.one_of(st.none(), values), max_size=3)

operations = st.one_of(
    st.tuples(st.just("set"), names, values),
    st.tuples(st.just("del"), names),
    st.tuples(st.just("add"), names, st.one_of(st.none(), values), params),
    st.tuples(st.just("setdefault"), names, values),
    st.tuples(st.just("get"), names),
    st.tuples(st.just("get_all"), names),
    st.tuples(st.just("contains"), names),
    st.tuples(st.just("getitem"), names),
)


def apply(headers, operation):
    kind, name, *rest = operation
    if kind == "set":
        headers[name] = rest[0]
        return None
    if kind == "del":
        del headers[name]
        return None
    if kind == "add":
        return headers.add_header(name, rest[0], **rest[1])
    if kind == "setdefault":
        return headers.setdefault(name, rest[0])
    if kind == "contains":
        return name in headers
    if kind == "getitem":
        return headers[name]
    return getattr(headers, kind)(name)


def observe(headers):
    return (
        len(headers),
        headers.keys(),
        headers.values(),
        headers.items(),
        str(headers),
        outcome(bytes, headers),
        repr(headers).split("(", 1)[1],
    )


@stdlib311
@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(names, values), max_size=3),
    st.lists(operations, max_size=8),
)
def test_operation_sequences_match_stdlib(initial, sequence):
    ours_list, theirs_list = list(initial), list(initial)
    ours, theirs = Headers(ours_list), std_headers.Headers(theirs_list)
    for operation in sequence:
        assert outcome(apply, ours, operation) == outcome(apply, theirs, operation)
        assert observe(ours) == observe(theirs)
    # Both write through to the list they were given.
    assert ours_list == theirs_list == ours.items()


CONSTRUCTOR_TABLE = [
    None,
    [],
    (("a", "b"),),
    {"a": "b"},
    [("a", 1)],
    [(b"a", "b")],
    [("a", "b", "c")],
]


@stdlib311
@pytest.mark.parametrize("initial", CONSTRUCTOR_TABLE)
def test_constructor_checks_match_stdlib(initial):
    ours = outcome(lambda: observe(Headers(initial)))
    theirs = outcome(lambda: observe(std_headers.Headers(initial)))
    assert ours == theirs


BAD_TYPES = [
    ("set", "a", 1),
    ("set", 1, "a"),
    ("set", b"a", "a"),
    ("setdefault", "a", b"x"),
    ("get", 1),
    ("get", b"a"),
    ("get_all", b"a"),
    ("del", b"a"),
    ("add", "a", 1, {}),
    ("add", 1, "v", {}),
    ("add", "a", "v", {"p": 1}),
]


@stdlib311
@pytest.mark.parametrize("operation", BAD_TYPES)
def test_type_checks_match_stdlib(operation):
    ours, theirs = Headers([("a", "b")]), std_headers.Headers([("a", "b")])
    assert outcome(apply, ours, operation) == outcome(apply, theirs, operation)
    assert observe(ours) == observe(theirs)


def test_documented_examples():
    headers = Headers()
    headers.add_header("content-disposition", "attachment", filename="bud.gif")
    headers.add_header("X-Flags", None, no_cache=None, a_b="q\"\\")
    assert str(headers) == (
        'content-disposition: attachment; filename="bud.gif"\r\n'
        'X-Flags: no-cache; a-b="q\\"\\\\"\r\n\r\n'
    )
    assert bytes(headers) == str(headers).encode("latin-1")
    assert headers["Content-Disposition"] == 'attachment; filename="bud.gif"'
    assert headers["missing"] is None
    assert headers.get("missing", "d") == "d"
    assert str(Headers()) == "\r\n"


INJECTIONS = [
    ("X-A", "b\r\nSet-Cookie: x=1"),
    ("X-A", "b\nSet-Cookie: x=1"),
    ("X-A", "b\rc"),
    ("X-A", "b\x00"),
    ("Set-Cookie: x", "1"),
    ("X-A\r\nX-B", "1"),
    ("X A", "1"),
    ("", "1"),
]


@pytest.mark.parametrize(("name", "value"), INJECTIONS)
def test_injected_fields_are_refused(name, value):
    with pytest.raises(ValueError):
        Headers([(name, value)])
    headers = Headers([("Ok", "1")])
    with pytest.raises(ValueError):
        headers[name] = value
    with pytest.raises(ValueError):
        headers.setdefault(name, value)
    with pytest.raises(ValueError):
        headers.add_header(name, value)
    assert headers.items() == [("Ok", "1")]


def test_injected_parameters_are_refused():
    headers = Headers()
    with pytest.raises(ValueError):
        headers.add_header("Content-Disposition", "attachment", filename="a\r\nX: y")
    with pytest.raises(ValueError):
        headers.add_header("Content-Disposition", "attachment", **{"a\nb": "1"})
    assert len(headers) == 0


def test_tab_and_obs_text_values_are_kept():
    headers = Headers()
    headers["X-A"] = "a\tb \xe9"
    assert bytes(headers) == b"X-A: a\tb \xe9\r\n\r\n"
