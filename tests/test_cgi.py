"""webstd.cgi against the Python 3.11 cgi module (the oracle), plus its documented deviations."""

import contextlib
import io
import sys
import warnings

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from support import stdlib311
from webstd import cgi

if sys.version_info[:2] == (3, 11):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import cgi as stdlib_cgi
else:
    stdlib_cgi = None

BUILTIN_ERRORS = (TypeError, KeyError, AttributeError, ValueError)


def error_kind(error: BaseException) -> type:
    """The stdlib exception class ours must be (ours are specific subclasses of it)."""
    return next(kind for kind in BUILTIN_ERRORS if isinstance(error, kind))


def describe(form) -> object:
    """Everything a caller can see of a FieldStorage, as plain comparable data."""
    if form.list is None:
        return ("single", form.type, form.type_options, form.filename, form.value)
    names = sorted(form.keys())
    return {
        "len": len(form),
        "names": names,
        "getvalue": {name: repr(form.getvalue(name)) for name in names},
        "getfirst": {name: repr(form.getfirst(name)) for name in names},
        "getlist": {name: repr(form.getlist(name)) for name in names},
        "in": [name in form for name in [*names, "missing"]],
        "fields": [
            (
                type(field).__name__,
                field.name,
                field.filename,
                field.type,
                field.type_options,
                field.disposition,
                field.disposition_options,
                list(field.headers.items()),
                describe(field) if field.list is not None else repr(field.value),
            )
            for field in form.list
        ],
    }


def run(module, body: bytes, environ: dict, **kwargs) -> object:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            form = module.FieldStorage(fp=io.BytesIO(body), environ=dict(environ), **kwargs)
            return describe(form)
    except BUILTIN_ERRORS as error:
        return ("raises", error_kind(error))


def same(body: bytes, environ: dict, **kwargs) -> object:
    expected = run(stdlib_cgi, body, environ, **kwargs)
    assert run(cgi, body, environ, **kwargs) == expected
    return expected


def multipart_env(body: bytes, boundary: str = "b", length: bool = True, **extra) -> dict:
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
        **extra,
    }
    if length:
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def urlencoded_env(body: bytes, **extra) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        **extra,
    }


def part(headers: list[str], content: bytes, newline: bytes = b"\r\n") -> bytes:
    head = b"".join(header.encode() + newline for header in headers)
    return head + newline + content + newline


def form_data(parts: list[bytes], boundary: bytes = b"b", newline: bytes = b"\r\n") -> bytes:
    body = b"".join(b"--" + boundary + newline + item for item in parts)
    return body + b"--" + boundary + b"--" + newline


# --- A table of hand-picked cases ----------------------------------------------------------

NESTED_PART = part(
    ['Content-Disposition: form-data; name="files"', "Content-Type: multipart/mixed; boundary=inner"],
    form_data([part(['Content-Disposition: file; filename="a.txt"'], b"A"),
               part(['Content-Disposition: file; filename="b.txt"'], b"B")], b"inner"),
)  # fmt: skip
# The stdlib drops every part after a nested multipart (a deviation, tested below).
NESTED = form_data([part(['Content-Disposition: form-data; name="before"'], b"x"), NESTED_PART])

TABLE = {
    "urlencoded": (b"a=1&b=2&a=3", urlencoded_env(b"a=1&b=2&a=3"), {}),
    "urlencoded-with-query": (b"a=1", urlencoded_env(b"a=1", QUERY_STRING="q=%C3%A9&a=2"), {}),
    "urlencoded-blank": (b"a=&b&c=1", urlencoded_env(b"a=&b&c=1"), {"keep_blank_values": 1}),
    "urlencoded-strict": (b"a=1&b", urlencoded_env(b"a=1&b"), {"strict_parsing": 1}),
    "urlencoded-strict-empty": (b"a=1&&b=2", urlencoded_env(b"a=1&&b=2"), {"strict_parsing": 1}),
    "urlencoded-max-fields": (b"a=1&b=2", urlencoded_env(b"a=1&b=2"), {"max_num_fields": 1}),
    "urlencoded-separator": (b"a=1;b=2&c=3", urlencoded_env(b"a=1;b=2&c=3"), {"separator": ";"}),
    "urlencoded-plus-percent": (b"a+b=%2B%zz%e9", urlencoded_env(b"a+b=%2B%zz%e9"), {}),
    "get": (b"ignored", {"REQUEST_METHOD": "GET", "QUERY_STRING": "x=1&y=%20&x=2"}, {}),
    "head": (b"", {"REQUEST_METHOD": "HEAD", "QUERY_STRING": "x=1"}, {}),
    "post-without-type": (b"a=1", {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": "3"}, {}),
    "text-plain-without-length": (b"hello\r\n", {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "text/plain"}, {}),
    "multipart-fields-and-files": (
        body := form_data([
            part(['Content-Disposition: form-data; name="a"'], b"1"),
            part(['Content-Disposition: form-data; name="a"'], b"2"),
            part(['Content-Disposition: form-data; name="up"; filename="r\xc3\xa9sum\xc3\xa9.pdf"',
                  "Content-Type: application/pdf"], bytes(range(256)) * 5),
            part(['Content-Disposition: form-data; name="big"'], b"x\r\n" * 600),
            part(['Content-Disposition: form-data; name="\xe5\x90\x8d\xe5\x89\x8d"'], "値".encode()),
            part(['Content-Disposition: form-data; name="empty"'], b""),
            part(['Content-Disposition: form-data; name="latin"'], b"\xe9 invalid utf-8"),
        ]),
        multipart_env(body, QUERY_STRING="q=1"),
        {},
    ),
    "multipart-lf-only": (
        body := form_data([part(['Content-Disposition: form-data; name="a"'], b"1\n2", b"\n")], newline=b"\n"),
        multipart_env(body),
        {},
    ),
    "multipart-without-length": (
        body := form_data([part(['Content-Disposition: form-data; name="a"; filename="f"'], b"data")]),
        multipart_env(body, length=False),
        {},
    ),
    "multipart-preamble-padding-epilogue": (
        b"preamble\r\n--b \t\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--b-- \r\nepilogue",
        multipart_env(b"x" * 97),
        {},
    ),
    "multipart-quoted-names": (
        body := form_data([part(['Content-Disposition: form-data; name="a;b"; filename="c\\"d.txt"'], b"q")]),
        multipart_env(body),
        {},
    ),
    "multipart-headers": (
        body := form_data([part(['Content-Disposition: form-data; name="a"', "X-Folded: a", "  b",
                                 "Content-Length: 3", "x-dup: 1", "X-Dup: 2"], b"abc")]),
        multipart_env(body),
        {},
    ),
    "multipart-max-fields-ok": (
        body := form_data([part([f'Content-Disposition: form-data; name="f{i}"'], b"v") for i in range(3)]),
        multipart_env(body, QUERY_STRING="q=1"),
        {"max_num_fields": 4},
    ),
    "multipart-max-fields-exceeded": (
        body := form_data([part([f'Content-Disposition: form-data; name="f{i}"'], b"v") for i in range(3)]),
        multipart_env(body, QUERY_STRING="q=1"),
        {"max_num_fields": 3},
    ),
    "multipart-nested": (NESTED, multipart_env(NESTED), {}),
    "multipart-nested-max-fields": (NESTED, multipart_env(NESTED), {"max_num_fields": 3}),
    "multipart-empty-form": (b"--b--\r\n", multipart_env(b"--b--\r\n"), {}),
    "multipart-no-boundary": (b"", {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "multipart/form-data"}, {}),
    "multipart-truncated": (b"--b\r\nContent-Disposition: form-data; name=a\r\n\r\nabc", multipart_env(b"", length=False), {}),
}  # fmt: skip


@stdlib311
@pytest.mark.parametrize("name", TABLE)
def test_table(name):
    body, environ, kwargs = TABLE[name]
    same(body, environ, **kwargs)


# --- Generated cases ---------------------------------------------------------------------------

BCHARS = "0123456789abcXYZ'()+_,-./:=?"
boundaries = st.text(BCHARS, min_size=1, max_size=70)
names = st.text(st.characters(categories=["L", "N"], include_characters=" -_.é名"), max_size=12)
field_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300)


@st.composite
def multipart_bodies(draw):
    boundary = draw(boundaries).encode()
    newline = draw(st.sampled_from([b"\r\n", b"\n"]))
    parts = []
    for _ in range(draw(st.integers(0, 5))):
        name = draw(names)
        headers = [f'Content-Disposition: form-data; name="{name}"']
        if draw(st.booleans()):
            filename = draw(names)
            headers[0] += f'; filename="{filename}"'
            headers.append(draw(st.sampled_from(["Content-Type: application/octet-stream",
                                                  "Content-Type: text/plain; charset=utf-8"])))
            content = draw(st.binary(max_size=1500))
        else:
            content = draw(field_text).encode()
        if b"--" + boundary in content or content.endswith(b"\r"):
            continue
        parts.append(part(headers, content, newline))
    return boundary.decode(), form_data(parts, boundary, newline)


@stdlib311
@settings(max_examples=300, deadline=None)
@given(
    body=multipart_bodies(),
    length=st.booleans(),
    query=st.none() | st.sampled_from(["q=1", "a=1&a=2", "x=%C3%A9"]),
    keep_blank=st.booleans(),
    max_fields=st.none() | st.integers(0, 6),
)
def test_multipart_same_as_stdlib(body, length, query, keep_blank, max_fields):
    boundary, data = body
    extra = {} if query is None else {"QUERY_STRING": query}
    environ = multipart_env(data, f'"{boundary}"' if " " in boundary else boundary, length, **extra)
    same(data, environ, keep_blank_values=keep_blank, max_num_fields=max_fields)


query_strings = st.text("ab=&;+%2Fé ", max_size=30)


@stdlib311
@settings(max_examples=400, deadline=None)
@given(
    qs=query_strings,
    post_query=st.none() | query_strings,
    keep_blank=st.booleans(),
    strict=st.booleans(),
    max_fields=st.none() | st.integers(0, 5),
    separator=st.sampled_from(["&", ";"]),
)
def test_urlencoded_same_as_stdlib(qs, post_query, keep_blank, strict, max_fields, separator):
    kwargs = {
        "keep_blank_values": keep_blank,
        "strict_parsing": strict,
        "max_num_fields": max_fields,
        "separator": separator,
    }
    body = qs.encode()
    extra = {} if post_query is None else {"QUERY_STRING": post_query}
    same(body, urlencoded_env(body, **extra), **kwargs)
    same(b"", {"REQUEST_METHOD": "GET", "QUERY_STRING": qs}, **kwargs)


@stdlib311
@settings(max_examples=400)
@given(st.text('ab =;"\\\tX', max_size=25))
def test_parse_header_same_as_stdlib(line):
    assert cgi.parse_header(line) == stdlib_cgi.parse_header(line)


@stdlib311
@given(body=multipart_bodies())
def test_parse_multipart_same_as_stdlib(body):
    boundary, data = body
    # The stdlib's parse_multipart fails on a "/" in the boundary (email's set_type).
    assume("/" not in boundary)
    pdict = {"boundary": boundary.encode(), "CONTENT-LENGTH": str(len(data))}
    assert cgi.parse_multipart(io.BytesIO(data), pdict) == stdlib_cgi.parse_multipart(
        io.BytesIO(data), dict(pdict)
    )


@stdlib311
@pytest.mark.parametrize(
    "environ",
    [
        {"REQUEST_METHOD": "GET", "QUERY_STRING": "a=1&b=2&a=3"},
        {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/x-www-form-urlencoded",
         "CONTENT_LENGTH": "5", "QUERY_STRING": "q=2"},
        {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "text/plain", "QUERY_STRING": "q=2"},
    ],
)  # fmt: skip
def test_parse_same_as_stdlib(environ):
    ours, theirs = dict(environ), dict(environ)
    result = cgi.parse(io.BytesIO(b"x=1&y"), ours, keep_blank_values=1)
    assert result == stdlib_cgi.parse(io.BytesIO(b"x=1&y"), theirs, keep_blank_values=1)
    assert ours == theirs


# --- The rest of the API -----------------------------------------------------------------------


@stdlib311
def test_public_names_match():
    assert cgi.__all__ == stdlib_cgi.__all__
    for name in ["maxlen", "logfile", "logfp", "log", "initlog", "dolog", "nolog", "closelog",
                 "valid_boundary"]:  # fmt: skip
        assert hasattr(cgi, name)
    for name in dir(stdlib_cgi.FieldStorage):
        assert name.startswith("_") or hasattr(cgi.FieldStorage, name), name


@stdlib311
def test_printers_same_as_stdlib(monkeypatch):
    environ = {"a": "<x>", "B": "\"&'"}
    body = b"a=1&b=%3C"
    calls = [
        ("print_environ", lambda module: (environ,)),
        ("print_directory", lambda module: ()),
        ("print_arguments", lambda module: ()),
        ("print_form", lambda module: (module.FieldStorage(io.BytesIO(body), environ=urlencoded_env(body)),)),
        ("print_form", lambda module: (module.FieldStorage(io.BytesIO(b""), environ=urlencoded_env(b"")),)),
    ]  # fmt: skip
    for name, arguments in calls:
        outputs = []
        for module in (cgi, stdlib_cgi):
            with contextlib.redirect_stdout(io.StringIO()) as output:
                getattr(module, name)(*arguments(module))
            outputs.append(output.getvalue().replace("webstd.cgi", "cgi"))
        assert outputs[0] == outputs[1], name


@stdlib311
def test_print_exception_same_as_stdlib():
    outputs = []
    for module in (cgi, stdlib_cgi):
        with contextlib.redirect_stdout(io.StringIO()) as output:
            try:
                raise KeyError("<b>")
            except KeyError:
                module.print_exception()
        outputs.append(output.getvalue())
    assert outputs[0] == outputs[1].replace("stdlib_cgi", "cgi")


def test_print_environ_usage_and_test_run(monkeypatch):
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    monkeypatch.setattr(cgi, "maxlen", 0)
    # test() reads the form from os.environ, as a CGI script does, and prints its argument.
    monkeypatch.setenv("REQUEST_METHOD", "GET")
    monkeypatch.setenv("QUERY_STRING", "a=1")
    with contextlib.redirect_stdout(io.StringIO()) as output:
        cgi.test({"QUERY_STRING": "a=1"})
    text = output.getvalue()
    assert text.startswith("Content-type: text/html\n\n")
    assert "QUERY_STRING" in text and "MiniFieldStorage(&#x27;a&#x27;, &#x27;1&#x27;)" in text
    assert "testing print_exception() -- &lt;I&gt;italics?&lt;/I&gt;" in text


def test_log_functions(tmp_path, monkeypatch):
    monkeypatch.setattr(cgi, "logfile", str(tmp_path / "cgi.log"))
    cgi.log("%s=%d", "a", 1)
    cgi.log("second")
    cgi.closelog()
    assert (tmp_path / "cgi.log").read_text() == "a=1\nsecond\n"
    assert cgi.log is cgi.initlog and cgi.logfp is None
    cgi.log("nowhere")
    assert cgi.log is cgi.nolog


# --- Deviations (docs/differences.md, "webstd.cgi") --------------------------------------------


def post(body: bytes, environ: dict, **kwargs):
    return cgi.FieldStorage(fp=io.BytesIO(body), environ=environ, **kwargs)


def test_text_body_with_content_length_is_read():
    environ = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "text/plain", "CONTENT_LENGTH": "5"}
    assert post(b"hello", environ).value == "hello"


def test_urlencoded_part_stops_at_its_delimiter():
    body = form_data([
        part(['Content-Disposition: form-data; name="u"', "Content-Type: application/x-www-form-urlencoded"], b"x=1&y=2"),
        part(['Content-Disposition: form-data; name="z"'], b"zz"),
    ])  # fmt: skip
    form = post(body, multipart_env(body))
    assert [item.value for item in form["u"].list] == ["1", "2"]
    assert form.getvalue("z") == "zz"


def test_parse_accepts_multipart():
    body = form_data([part(['Content-Disposition: form-data; name="a"'], b"1")])
    assert cgi.parse(io.BytesIO(body), multipart_env(body)) == {"a": ["1"]}


@pytest.mark.parametrize("boundary", ["a" * 71, "semi%colon", "ends-with-space "])
def test_boundary_outside_rfc_2046_is_rejected(boundary):
    with pytest.raises(cgi.InvalidBoundaryError):
        post(b"", multipart_env(b"", f'"{boundary}"'))


def test_maxlen_by_content_length_and_by_bytes_read(monkeypatch):
    monkeypatch.setattr(cgi, "maxlen", 100)
    body = form_data([part(['Content-Disposition: form-data; name="a"'], b"x" * 200)])
    with pytest.raises(cgi.MaxLengthExceededError, match="Maximum content length exceeded"):
        post(body, multipart_env(body))
    with pytest.raises(cgi.MaxLengthExceededError):
        post(body, multipart_env(body, length=False))


def test_max_num_fields_error_is_specific():
    body = form_data([part(['Content-Disposition: form-data; name="a"'], b"1")] * 2)
    with pytest.raises(cgi.TooManyFieldsError):
        post(body, multipart_env(body), max_num_fields=1)
    with pytest.raises(cgi.TooManyFieldsError):
        post(b"a=1&b=2", urlencoded_env(b"a=1&b=2"), max_num_fields=1)


def test_malformed_part_header_is_rejected():
    from webstd._multipart import MalformedPartHeaderError

    body = b"--b\r\nContent-Disposition: form-data; name=a\r\ngarbage\r\n\r\nx\r\n--b--\r\n"
    with pytest.raises(MalformedPartHeaderError):
        post(body, multipart_env(body))


def test_reading_stops_at_content_length():
    body = form_data([part(['Content-Disposition: form-data; name="a"'], b"1")])
    stream = io.BytesIO(body + b"NEXT REQUEST")
    cgi.FieldStorage(fp=stream, environ=multipart_env(body))
    assert stream.read() == b"NEXT REQUEST"


def test_parts_after_a_nested_multipart_are_kept():
    body = form_data([NESTED_PART, part(['Content-Disposition: form-data; name="after"'], b"x")])
    form = post(body, multipart_env(body))
    assert [item.filename for item in form["files"].list] == ["a.txt", "b.txt"]
    assert form.getvalue("after") == "x"


def test_subclass_parts_and_make_file():
    made = []

    class Recording(cgi.FieldStorage):
        def make_file(self):
            made.append(self.name)
            return super().make_file()

    body = form_data([part(['Content-Disposition: form-data; name="f"; filename="x"'], b"y" * 5000)])
    form = Recording(fp=io.BytesIO(body), environ=multipart_env(body))
    assert isinstance(form["f"], Recording) and made == ["f"]
    assert form["f"].file.read() == b"y" * 5000
