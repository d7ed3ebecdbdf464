"""HTTPSConnection against a TLS server with a throw-away certificate for "localhost"."""

import http.client as stdlib_client
import ssl

import pytest

from support import stdlib311
from support.client_servers import ScriptedServer, answer_each
from support.tls import self_signed_certificate, server_context
from webstd.http import client as webstd_client

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    # Issued to localhost only: connecting to 127.0.0.1 must be a name mismatch.
    cert, key = self_signed_certificate(tmp_path_factory.mktemp("tls"), names="DNS:localhost")
    return server_context(cert, key), str(cert)


def tls_outcome(module, certificate, host, trusted, **options):
    server_context, cert = certificate
    context = None
    if trusted:
        context = ssl.create_default_context(cafile=cert)
    with ScriptedServer(answer_each(OK, OK), tls=server_context) as server:
        connection = module.HTTPSConnection(host, server.port, timeout=5, context=context, **options)
        try:
            results = []
            for _ in range(2):
                connection.request("GET", "/")
                response = connection.getresponse()
                results.append((response.status, response.read()))
            return "ok", results, connection.sock.version()
        except ssl.SSLError as error:
            return type(error).__name__, getattr(error, "verify_code", None)
        finally:
            connection.close()


@stdlib311
@pytest.mark.filterwarnings("ignore:key_file, cert_file and check_hostname are deprecated")
@pytest.mark.parametrize(
    "host, trusted, options",
    [
        ("localhost", True, {}),  # trusted certificate, matching name
        ("localhost", False, {}),  # the system store does not know it
        ("127.0.0.1", True, {}),  # trusted, but issued to another name
        ("127.0.0.1", True, {"check_hostname": False}),
    ],
)
def test_certificate_checks_match_the_stdlib(certificate, host, trusted, options):
    mine = tls_outcome(webstd_client, certificate, host, trusted, **options)
    assert mine == tls_outcome(stdlib_client, certificate, host, trusted, **options)
    if host == "localhost" and trusted:
        assert mine[:2] == ("ok", [(200, b"ok"), (200, b"ok")])
    elif not options:
        assert mine[0] == "SSLCertVerificationError"


def test_deprecated_arguments_warn():
    with pytest.warns(DeprecationWarning):
        webstd_client.HTTPSConnection("localhost", check_hostname=False)
