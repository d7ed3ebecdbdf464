"""webstd.wsgiref.types: the 3.11 protocol names, usable in annotations and by type checkers."""

import io
import typing
import wsgiref.types as std_types

import webstd.wsgiref.types as types
from support import stdlib311
from webstd.wsgiref.util import FileWrapper


@stdlib311
def test_same_public_names_as_stdlib():
    assert sorted(types.__all__) == sorted(std_types.__all__)
    for name in types.__all__:
        assert hasattr(types, name)


def test_protocols_are_protocols():
    for name in ("StartResponse", "InputStream", "ErrorStream", "FileWrapper"):
        assert getattr(types, name)._is_protocol


@stdlib311
def test_protocol_members_match_stdlib():
    for name in ("StartResponse", "InputStream", "ErrorStream", "FileWrapper"):
        ours = set(typing.get_type_hints(getattr(types, name).__call__ if name in ("StartResponse", "FileWrapper") else getattr(types, name)))
        theirs = set(typing.get_type_hints(getattr(std_types, name).__call__ if name in ("StartResponse", "FileWrapper") else getattr(std_types, name)))
        assert ours == theirs
    for name in ("InputStream", "ErrorStream"):
        ours = {member for member in vars(getattr(types, name)) if not member.startswith("_")}
        theirs = {member for member in vars(getattr(std_types, name)) if not member.startswith("_")}
        assert ours == theirs
    assert types.WSGIEnvironment == std_types.WSGIEnvironment


def test_annotations_resolve():
    def app(environ: types.WSGIEnvironment, start_response: types.StartResponse) -> list[bytes]:
        return []

    hints = typing.get_type_hints(app)
    assert hints["start_response"] is types.StartResponse
    # The protocols describe the real objects: a BytesIO is an InputStream, FileWrapper fits.
    stream: types.InputStream = io.BytesIO()
    wrapper: types.FileWrapper = FileWrapper
    assert list(wrapper(stream)) == []
