"""http.client exposes every HTTPStatus member as a module constant, as the stdlib does."""

import http
import http.client as std_client

from webstd.http import HTTPStatus, client


def test_every_stdlib_status_constant_is_exposed():
    names = [name for name in http.HTTPStatus.__members__ if hasattr(std_client, name)]
    assert len(names) > 50
    for name in names:
        assert getattr(client, name) == getattr(std_client, name), name
        assert isinstance(getattr(client, name), HTTPStatus)


def test_common_constants():
    assert client.OK == 200 and client.NOT_FOUND == 404 and client.INTERNAL_SERVER_ERROR == 500
