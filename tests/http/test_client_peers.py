"""webstd.http.client against small scripted servers, side by side with the 3.11 http.client:
misbehaving peers, framing, request bodies on the wire, the state machine, tunnels, retries."""

import http.client as stdlib_client
import io
import socket
import time

import pytest

from support import stdlib311
from support.client_servers import ScriptedServer, answer_each, answer_then_close
from webstd.http import client as webstd_client

MODULES = [stdlib_client, webstd_client]
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def outcome(module, script, action, timeout=5):
    """What ``action(connection)`` returns against a fresh server running ``script``, or the
    exception it raises as (class name, useful fields)."""
    with ScriptedServer(script) as server:
        connection = module.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
        try:
            return ("ok", action(connection))
        except Exception as error:  # noqa: BLE001 - the outcome is what is compared
            fields = {}
            if isinstance(error, module.IncompleteRead):
                fields = {"partial": error.partial, "expected": error.expected}
            return (type(error).__name__, fields)
        finally:
            connection.close()


def get_all(connection, method="GET", path="/"):
    connection.request(method, path)
    response = connection.getresponse()
    return (response.status, response.reason, response.version, response.getheaders(), response.read())


def compare(script, action=get_all):
    mine = outcome(webstd_client, script, action)
    theirs = outcome(stdlib_client, script, action)
    assert mine == theirs
    return mine


# Misbehaving peers -----------------------------------------------------------------------------
BROKEN_PEERS = {
    "bad status line": b"HTTP/1.1 OK\r\n\r\n",
    "not http at all": b"SSH-2.0-OpenSSH_9.2\r\n\r\n",
    "status code not digits": b"HTTP/1.1 2x0 OK\r\n\r\n",
    "http/2.0 status line": b"HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
    "closed before status line": b"",
    "truncated length body": b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello",
    "truncated chunked body": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
    "too many headers": b"HTTP/1.1 200 OK\r\n" + b"".join(b"H%d: v\r\n" % i for i in range(101)) + b"\r\n",
    "header line too long": b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70000 + b"\r\n\r\n",
    "status line too long": b"HTTP/1.1 200 " + b"O" * 70000 + b"\r\n\r\n",
    "until close body": b"HTTP/1.1 200 OK\r\n\r\nall of it until the close",
    "http/1.0 answer": b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "no reason phrase": b"HTTP/1.1 204\r\n\r\n",
}


@stdlib311
@pytest.mark.parametrize("name", BROKEN_PEERS)
def test_broken_peer_gives_the_stdlib_outcome(name):
    compare(answer_then_close(BROKEN_PEERS[name]))


@stdlib311
def test_incomplete_read_carries_partial_and_expected():
    result = compare(answer_then_close(BROKEN_PEERS["truncated length body"]))
    assert result == ("IncompleteRead", {"partial": b"hello", "expected": 5})


@stdlib311
@pytest.mark.parametrize("name", ["truncated length body", "truncated chunked body", "until close body"])
@pytest.mark.parametrize("size", [3, 100])
def test_partial_reads_of_a_truncated_body(name, size):
    def action(connection):
        connection.request("GET", "/")
        response = connection.getresponse()
        return [response.read(size) for _ in range(4)] + [response.isclosed()]

    compare(answer_then_close(BROKEN_PEERS[name]), action)


@stdlib311
@pytest.mark.parametrize("name", ["truncated length body", "truncated chunked body", "until close body"])
@pytest.mark.parametrize("method", ["readline", "read1", "peek"])
def test_other_reads_of_a_truncated_body(name, method):
    def action(connection):
        connection.request("GET", "/")
        response = connection.getresponse()
        read = getattr(response, method)
        pieces = []
        for _ in range(3):
            piece = read()
            pieces.append(piece)
            if method == "peek":
                response.read(len(piece))
        # 3.11 leaves isclosed() False after peeking at the end of a Content-Length body.
        return pieces + [response.isclosed() or method == "peek"]

    compare(answer_then_close(BROKEN_PEERS[name]), action)


@stdlib311
def test_timeout_on_a_slow_server():
    def slow(peer):
        peer.read_request()
        time.sleep(0.4)

    results = [outcome(module, slow, get_all, timeout=0.1) for module in MODULES]
    assert results[0] == results[1] == ("TimeoutError", {})


@stdlib311
def test_100_continue_is_skipped():
    compare(answer_then_close(b"HTTP/1.1 100 Continue\r\n\r\n" + OK))


def test_every_interim_response_is_skipped():
    # The 3.11 stdlib returns a 103 as if it were the final response and leaves the real one
    # unread (docs/differences.md); RFC 9110 section 15.2 says a client skips 1xx responses.
    script = answer_then_close(
        b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
        b"HTTP/1.1 102 Processing\r\n\r\n" + OK
    )
    assert outcome(webstd_client, script, get_all)[1][0] == 200


@stdlib311
def test_chunked_body_with_trailers():
    body = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Sum: 9\r\n\r\n"
    result = compare(answer_each(body, OK), lambda c: [get_all(c), get_all(c)])
    assert result[1][0][4] == b"Wikipedia"

    def trailers(connection):
        connection.request("GET", "/")
        response = connection.getresponse()
        return response.read(), response.trailers.items()

    assert outcome(webstd_client, answer_each(body), trailers) == ("ok", (b"Wikipedia", [("X-Sum", "9")]))


def test_strict_framing_is_refused():
    # Lenient in the stdlib, refused by webstd.protocol (docs/differences.md): both framings at
    # once (request smuggling) and bare LF line ends.
    for response in (
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
    ):
        result = outcome(webstd_client, answer_then_close(response), get_all)
        assert result[0] in {"HTTPException", "BadStatusLine"}, result


# Request bodies on the wire --------------------------------------------------------------------
def sent_requests(module, calls):
    """The requests (method, target, headers, body) a server receives for ``calls``."""

    def script(peer):
        while peer.read_request() is not None:
            peer.send(OK)

    with ScriptedServer(script) as server:
        connection = module.HTTPConnection("127.0.0.1", server.port, timeout=5)
        for call in calls:
            call(connection)
            response = connection.getresponse()
            assert response.read() == b"ok"
        connection.close()
    port = f":{server.port}"
    return [
        (r.method, r.target, [(n, v.replace(port, ":PORT")) for n, v in r.headers], r.body)
        for r in server.requests
    ]


class Chunks:
    """An iterable body that can be iterated only once."""

    def __init__(self, pieces):
        self.pieces = iter(pieces)

    def __iter__(self):
        return self.pieces


BODY_CALLS = {
    "no body GET": lambda c: c.request("GET", "/a?b=c"),
    "no body POST": lambda c: c.request("POST", "/"),
    "str body": lambda c: c.request("POST", "/form", "a=1&b=%C3%A9", {"Content-Type": "application/x-www-form-urlencoded"}),
    "latin-1 str body": lambda c: c.request("PUT", "/", "caf\xe9"),
    "bytes body": lambda c: c.request("PUT", "/file", b"\x00\x01binary"),
    "bytearray body": lambda c: c.request("POST", "/", bytearray(b"xyz")),
    "binary file": lambda c: c.request("POST", "/", io.BytesIO(b"f" * 20000)),
    "text file": lambda c: c.request("POST", "/", io.StringIO("text file body")),
    "iterable": lambda c: c.request("POST", "/", Chunks([b"one", b"", b"two"])),
    "iterable with length": lambda c: c.request("POST", "/", [b"ab", b"cd"], {"Content-Length": "4"}),
    "explicit chunked": lambda c: c.request("POST", "/", [b"ab"], {"Transfer-Encoding": "chunked"}, encode_chunked=True),
    "own host and encoding": lambda c: c.request("GET", "/", headers={"Host": "example.org", "Accept-Encoding": "gzip"}),
    "absolute url": lambda c: c.request("GET", "http://example.com:8080/x"),
    "putrequest api": lambda c: (
        c.putrequest("OPTIONS", "*", skip_host=True, skip_accept_encoding=True),
        c.putheader("X-Int", 42),
        c.putheader(b"X-Bytes", b"v"),
        c.putheader("Content-Length", 4),
        c.endheaders(b"body"),
    ),
    "endheaders chunked": lambda c: (
        c.putrequest("POST", "/"),
        c.putheader("Transfer-Encoding", "chunked"),
        c.endheaders(iter([b"x" * 10, b"y"]), encode_chunked=True),
    ),
}


@stdlib311
@pytest.mark.parametrize("name", BODY_CALLS)
def test_requests_on_the_wire_match_the_stdlib(name):
    calls = [BODY_CALLS[name], BODY_CALLS["no body GET"]]
    mine = sent_requests(webstd_client, calls)
    assert mine == sent_requests(stdlib_client, calls)
    assert len(mine) == 2


@stdlib311
def test_many_header_values_are_a_list_not_obs_fold():
    # The stdlib joins the values of putheader("X", "a", "b") with CRLF HTAB (obs-fold, which
    # RFC 9112 section 5.2 deprecates); webstd sends one comma-separated list.
    def call(connection):
        connection.putrequest("GET", "/")
        connection.putheader("Accept", "text/html", "text/plain")
        connection.endheaders()

    assert ("Accept", "text/html, text/plain") in sent_requests(webstd_client, [call])[0][2]


# Header injection ------------------------------------------------------------------------------
INJECTIONS = {
    "CRLF in method": lambda c: c.request("GET\r\nX: y", "/"),
    "CRLF in url": lambda c: c.request("GET", "/\r\nX-Injected: 1"),
    "space in url": lambda c: c.request("GET", "/a b HTTP/1.1\r\n"),
    "NUL in url": lambda c: c.request("GET", "/\x00"),
    "CRLF in header value": lambda c: c.request("GET", "/", headers={"X": "a\r\nY: b"}),
    "LF in header value": lambda c: c.request("GET", "/", headers={"X": "a\nY: b"}),
    "CR in header name": lambda c: c.request("GET", "/", headers={"X\r\nY": "b"}),
    "colon in header name": lambda c: c.request("GET", "/", headers={"X:Y": "b"}),
    "CRLF in host": lambda c: (setattr(c, "host", "h\r\nX: y"), c.request("GET", "/")),
    "non-ASCII url": lambda c: c.request("GET", "/caf\xe9"),
    "non-ASCII method": lambda c: c.request("G\xc9T", "/"),
    "non-ASCII header name": lambda c: c.request("GET", "/", headers={"X-\xe9": "v"}),
    "non-latin-1 header value": lambda c: c.request("GET", "/", headers={"X": "\u20ac"}),
    "non-latin-1 body": lambda c: c.request("POST", "/", "\u20ac"),
}
# Let through by the 3.11 stdlib, refused by webstd (docs/differences.md).
STDLIB_ALLOWS = {
    "space in method": lambda c: c.request("GET /x", "/"),
    "DEL in method": lambda c: c.request("GET\x7f", "/"),
    "NUL in header value": lambda c: c.request("GET", "/", headers={"X": "a\x00b"}),
    "obs-fold in header value": lambda c: c.request("GET", "/", headers={"X": "a\r\n b"}),
    "space in header name": lambda c: c.request("GET", "/", headers={"X Y": "b"}),
    "DEL in header value": lambda c: c.request("GET", "/", headers={"X": "a\x7f"}),
}


def injection_outcome(module, call):
    received = []

    def script(peer):
        received.append(peer.sock.recv(65536))

    with ScriptedServer(script) as server:
        connection = module.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            call(connection)
            result = "sent"
        except Exception as error:  # noqa: BLE001
            result = type(error)
        finally:
            connection.close()
    return result, received


@stdlib311
@pytest.mark.parametrize("name", INJECTIONS)
def test_injection_refused_like_the_stdlib(name):
    mine, sent = injection_outcome(webstd_client, INJECTIONS[name])
    theirs, _ = injection_outcome(stdlib_client, INJECTIONS[name])
    if name == "CRLF in host":
        # The stdlib checks the host in the constructor only; webstd refuses the value at putheader.
        assert mine is ValueError
    else:
        assert mine.__name__ == theirs.__name__
        assert issubclass(mine, ValueError | webstd_client.InvalidURL)
        assert mine in (ValueError, UnicodeEncodeError, webstd_client.InvalidURL)
    assert sent == [] or sent == [b""]


@pytest.mark.parametrize("name", STDLIB_ALLOWS)
def test_injection_the_stdlib_lets_through_is_refused(name):
    mine, sent = injection_outcome(webstd_client, STDLIB_ALLOWS[name])
    assert mine is ValueError
    assert sent == [] or sent == [b""]


@stdlib311
def test_invalid_host_and_port():
    for module in MODULES:
        with pytest.raises(module.InvalidURL):
            module.HTTPConnection("example.com:http")
        with pytest.raises(module.InvalidURL):
            module.HTTPConnection("exa\nmple.com")
        connection = module.HTTPConnection("[::1]:8080")
        assert (connection.host, connection.port) == ("::1", 8080)
        assert module.HTTPConnection("example.com:").port == 80
        assert module.HTTPSConnection("example.com").port == 443


# The state machine -----------------------------------------------------------------------------
def state_errors(connection):
    seen = []
    connection.request("GET", "/")
    try:
        connection.request("GET", "/")
    except Exception as error:  # noqa: BLE001
        seen.append(type(error).__name__)
    response = connection.getresponse()
    try:
        connection.request("GET", "/")
    except Exception as error:  # noqa: BLE001
        seen.append(type(error).__name__)
    try:
        connection.getresponse()
    except Exception as error:  # noqa: BLE001
        seen.append(type(error).__name__)
    response.read()
    try:
        connection.putheader("X", "y")
    except Exception as error:  # noqa: BLE001
        seen.append(type(error).__name__)
    try:
        connection.getresponse()
    except Exception as error:  # noqa: BLE001
        seen.append(type(error).__name__)
    connection.putrequest("GET", "/")
    try:
        connection.putrequest("GET", "/")
    except Exception as error:  # noqa: BLE001
        seen.append(type(error).__name__)
    return seen


@stdlib311
def test_state_machine_errors_match():
    # 3.11 sends a second request while the first response is unread and raises ResponseNotReady
    # only at getresponse; webstd refuses to send it (CannotSendRequest), so that a response is
    # never left in the socket under the next one (docs/differences.md).
    mine = outcome(webstd_client, answer_each(OK, OK), state_errors)
    theirs = outcome(stdlib_client, answer_each(OK, OK), state_errors)
    assert theirs == ("ok", ["CannotSendRequest", "ResponseNotReady", "CannotSendHeader", "CannotSendRequest"])
    assert mine == ("ok", ["CannotSendRequest", "CannotSendRequest", "ResponseNotReady", "CannotSendHeader", "ResponseNotReady", "CannotSendRequest"])


def test_response_url_and_code():
    def action(connection):
        connection.request("GET", "/")
        response = connection.getresponse()
        response.read()
        return response.geturl(), response.getcode(), response.code

    assert outcome(webstd_client, answer_each(OK), action) == ("ok", (None, 200, 200))


@stdlib311
def test_response_attributes_match():
    body = b"line one\nline two\nrest"
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: %d\r\n\r\n"
    response_bytes = head % len(body) + body

    def action(connection):
        connection.request("GET", "/")
        response = connection.getresponse()
        seen = [
            response.status, response.reason, response.version, response.getcode(),
            response.getheader("x-a"), response.getheader("missing", "d"), response.getheaders(),
            response.info().get_content_type(), response.msg.get_all("X-A"), response.length,
            response.chunked, response.will_close, response.isclosed(), response.closed,
            response.readable(), response.fileno() > 0,
        ]
        seen.append(response.peek(4)[:4])
        seen.append(response.readline())
        seen.append(response.length)
        buffer = bytearray(4)
        seen.append((response.readinto(buffer), bytes(buffer)))
        seen.append(response.read1(3))
        seen.append(list(response))
        seen.append((response.read(), response.isclosed(), response.closed, response.length))
        response.close()
        seen.append((response.isclosed(), response.closed))
        return seen

    compare(answer_each(response_bytes), action)


@stdlib311
def test_head_and_no_content_responses_have_no_body():
    def action(connection):
        results = []
        for method, path in (("HEAD", "/"), ("GET", "/204"), ("GET", "/304")):
            connection.request(method, path)
            response = connection.getresponse()
            results.append((response.status, response.read(), response.length, response.isclosed()))
        return results

    responses = (
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
        b"HTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
    )
    compare(answer_each(*responses), action)


# Keep-alive and retries ------------------------------------------------------------------------
def closes_after_each(peer):
    """Answers one request with keep-alive, then closes: the next request finds a dead socket."""
    if peer.read_request() is not None:
        peer.send(OK)
        time.sleep(0.05)


def test_server_closed_keep_alive_connection_is_reopened():
    with ScriptedServer(closes_after_each) as server:
        connection = webstd_client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        for _ in range(3):
            time.sleep(0.15)
            assert get_all(connection)[4] == b"ok"
        connection.close()
    assert server.connections == 3


def test_retry_when_the_close_is_seen_only_after_sending():
    # The server reads the request and closes without answering: a GET is sent again once on a
    # new connection, a POST is not (it might have been acted on).
    def script(peer):
        if server.connections == 1:
            peer.read_request()
            peer.send(OK)
            peer.read_request()
        else:
            peer.read_request()
            peer.send(OK)

    with ScriptedServer(script) as server:
        connection = webstd_client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        assert get_all(connection)[4] == b"ok"
        assert get_all(connection)[4] == b"ok"
        connection.close()
    assert server.connections == 2
    with ScriptedServer(script) as server:
        connection = webstd_client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        assert get_all(connection)[4] == b"ok"
        with pytest.raises(webstd_client.RemoteDisconnected):
            get_all(connection, "POST")
        assert get_all(connection)[4] == b"ok"
        connection.close()


@pytest.mark.parametrize(
    "body, retried",
    [(b"replayable", True), ("text", True), (io.BytesIO(b"file"), False), (Chunks([b"it"]), False)],
)
def test_put_is_retried_only_with_a_replayable_body(body, retried):
    def script(peer):
        if peer.server.connections == 1:
            peer.read_request()
            peer.send(OK)
            peer.sock.recv(65536)  # the PUT arrives and is dropped unanswered
        else:
            peer.read_request()
            peer.send(OK)

    with ScriptedServer(script) as server:
        connection = webstd_client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        assert get_all(connection)[4] == b"ok"
        if retried:
            connection.request("PUT", "/x", body)
            assert connection.getresponse().read() == b"ok"
            assert server.requests[-1].body == (body if isinstance(body, bytes) else body.encode())
        else:
            # RemoteDisconnected, or a broken pipe while the body is written: never sent twice.
            with pytest.raises(ConnectionError):
                connection.request("PUT", "/x", body)
                connection.getresponse()
        connection.close()
    assert server.connections == (2 if retried else 1)


def test_response_closed_unread_does_not_desynchronize():
    # In the stdlib, closing a keep-alive response early leaves its body in the socket for the
    # next response to trip over; webstd drops that socket and opens a new one.
    big = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100000

    def script(peer):
        while peer.read_request() is not None:
            peer.send(big if peer.server.connections == 1 and len(peer.server.requests) == 1 else OK)

    with ScriptedServer(script) as server:
        connection = webstd_client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        connection.request("GET", "/big")
        response = connection.getresponse()
        response.read(10)
        response.close()
        assert get_all(connection)[4] == b"ok"
        connection.close()


# Tunnels ----------------------------------------------------------------------------------------
def proxy_script(answer):
    def script(peer):
        request = peer.read_request()
        if request is None:
            return
        peer.send(answer)
        if answer.startswith(b"HTTP/1.1 200"):
            peer.restart_parser()
            inner = peer.read_request()
            if inner is not None:
                peer.send(OK)

    return script


def tunnel_outcome(module, answer):
    with ScriptedServer(proxy_script(answer)) as proxy:
        connection = module.HTTPConnection("127.0.0.1", proxy.port, timeout=5)
        connection.set_tunnel("example.com", 8080, headers={"Proxy-Authorization": "Basic eA=="})
        try:
            result = get_all(connection)[::4]
        except OSError as error:
            result = (type(error).__name__, str(error))
        finally:
            connection.close()
    return result, [(r.method, r.target, r.headers) for r in proxy.requests]


@stdlib311
def test_tunnel_through_a_proxy():
    mine = tunnel_outcome(webstd_client, b"HTTP/1.1 200 Connection established\r\n\r\n")
    theirs = tunnel_outcome(stdlib_client, b"HTTP/1.1 200 Connection established\r\n\r\n")
    assert mine[0] == theirs[0] == (200, b"ok")
    connect, inner = mine[1]
    assert connect[:2] == theirs[1][0][:2] == ("CONNECT", "example.com:8080")
    assert ("Proxy-Authorization", "Basic eA==") in connect[2]
    assert inner == theirs[1][1]


@stdlib311
def test_tunnel_refused():
    answer = b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"
    assert tunnel_outcome(webstd_client, answer)[0] == tunnel_outcome(stdlib_client, answer)[0]


def test_set_tunnel_on_an_open_connection():
    with ScriptedServer(answer_each(OK)) as server:
        connection = webstd_client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        connection.connect()
        with pytest.raises(RuntimeError):
            connection.set_tunnel("example.com")
        connection.close()


# TLS ---------------------------------------------------------------------------------------------
def test_https_checks_certificates_by_default():
    # A plain TCP server that speaks no TLS is enough to see that a handshake is attempted with
    # verification on: the default context requires a certificate and checks the host name.
    connection = webstd_client.HTTPSConnection("127.0.0.1", 1)
    assert connection._context.verify_mode.name == "CERT_REQUIRED"
    assert connection._context.check_hostname is True
    with ScriptedServer(lambda peer: peer.send(b"HTTP/1.1 400 Bad\r\n\r\n")) as server:
        connection = webstd_client.HTTPSConnection("127.0.0.1", server.port, timeout=5)
        with pytest.raises(OSError):
            connection.request("GET", "/")
        connection.close()


@stdlib311
def test_responses_table_matches():
    assert webstd_client.responses == stdlib_client.responses


def test_module_surface():
    assert webstd_client.responses[404] == stdlib_client.responses[404] == "Not Found"
    assert (webstd_client.HTTP_PORT, webstd_client.HTTPS_PORT) == (80, 443)
    for name in stdlib_client.__all__:
        assert hasattr(webstd_client, name), name
    assert webstd_client.error is webstd_client.HTTPException
    assert issubclass(webstd_client.RemoteDisconnected, ConnectionResetError)
    assert issubclass(webstd_client.RemoteDisconnected, webstd_client.BadStatusLine)
    with pytest.raises(webstd_client.NotConnected):
        connection = webstd_client.HTTPConnection("127.0.0.1", 1)
        connection.auto_open = 0
        connection.send(b"x")
    assert isinstance(socket.socket, type)
