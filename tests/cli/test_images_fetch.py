"""webstd._images.fetch.Fetcher over real sockets on 127.0.0.1: redirects, error statuses and their
kinds, robots.txt, and the proxied path through tinyproxy (webstd.urllib.request on a thread)."""

from __future__ import annotations

import asyncio
import os
import socket

import pytest

from support.client_servers import ScriptedServer
from support.nginx import nginx  # noqa: F401 (a pytest fixture)
from support.tinyproxy import PROXY_PASSWORD, PROXY_USER, TINYPROXY, tinyproxy
from webstd._images.client import Response
from webstd._images.fetch import (
    Disallowed,
    Fetcher,
    FetchError,
    FetchOptions,
    FinalError,
    TransientError,
    _ThreadedResponse,
    wire_host,
)
from webstd.urllib.parse import urlsplit

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def response(status_line: str, body: bytes = b"", *fields: str) -> bytes:
    head = [status_line, *fields, f"Content-Length: {len(body)}"]
    return "\r\n".join(head).encode("latin-1") + b"\r\n\r\n" + body


NOT_FOUND = response("HTTP/1.1 404 Not Found", b"no such thing")


def redirect(status: int, location: str) -> bytes:
    return response(f"HTTP/1.1 {status} Moved", b"see there", f"Location: {location}")


def serve_paths(routes: dict[str, bytes]):
    """A script: answers each request with ``routes[target]`` (404 if absent) until the close."""

    def script(peer) -> None:
        while (request := peer.read_request()) is not None:
            peer.send(routes.get(request.target, NOT_FOUND))

    return script


async def read_all(answer) -> bytes:
    parts = []
    while chunk := await answer.next_chunk():
        parts.append(chunk)
    return b"".join(parts)


def with_fetcher(body, **options):
    """Runs ``body(fetcher)`` on a fresh event loop with a Fetcher created (and closed) inside it."""
    options.setdefault("timeout", 5.0)

    async def main():
        fetcher = Fetcher(FetchOptions(**options))
        try:
            return await body(fetcher)
        finally:
            fetcher.close()

    return asyncio.run(main())


async def outcome(fetcher: Fetcher, url: str):
    """(status, final URL, body) or the FetchError raised."""
    try:
        answer = await fetcher.open(url)
    except Exception as error:  # noqa: BLE001 (the test asserts on it)
        return error
    return answer.status, answer.url, await read_all(answer)


# redirects --------------------------------------------------------------------------------------

def test_a_redirect_chain_is_followed():
    with ScriptedServer(serve_paths({})) as server:
        base = f"http://127.0.0.1:{server.port}"
        server.script = serve_paths({
            "/a": redirect(301, "/b"),
            "/b": redirect(302, f"{base}/c?x=1"),
            "/c?x=1": redirect(303, "d%20e"),
            "/d%20e": redirect(307, "../f g#fragment"),
            "/f%20g": redirect(308, "/final"),
            "/final": response("HTTP/1.1 200 OK", b"arrived"),
        })
        result = with_fetcher(lambda fetcher: outcome(fetcher, f"{base}/a"))
    assert result == (200, f"{base}/final", b"arrived")
    assert [request.target for request in server.requests] == [
        "/a", "/b", "/c?x=1", "/d%20e", "/f%20g", "/final"]
    # Every redirect body was read and dropped, so the one connection carried them all.
    assert server.connections == 1


def chain(length: int) -> dict[str, bytes]:
    routes = {f"/r{hop}": redirect(302, f"/r{hop + 1}") for hop in range(length)}
    routes[f"/r{length}"] = response("HTTP/1.1 200 OK", b"end")
    return routes


def test_ten_redirects_are_followed():
    with ScriptedServer(serve_paths(chain(10))) as server:
        result = with_fetcher(lambda fetcher: outcome(fetcher, f"http://127.0.0.1:{server.port}/r0"))
    assert result == (200, f"http://127.0.0.1:{server.port}/r10", b"end")


def test_eleven_redirects_are_a_final_error():
    with ScriptedServer(serve_paths(chain(11))) as server:
        error = with_fetcher(lambda fetcher: outcome(fetcher, f"http://127.0.0.1:{server.port}/r0"))
    assert isinstance(error, FinalError)
    assert "more than 10 redirects" in error.reason
    assert "/r11" not in [request.target for request in server.requests]


@pytest.mark.parametrize("location", ["ftp://127.0.0.1/image.png", "file:///etc/passwd",
                                      "javascript:alert(1)"])
def test_a_redirect_to_another_scheme_is_a_final_error(location):
    with ScriptedServer(serve_paths({"/": redirect(302, location)})) as server:
        error = with_fetcher(lambda fetcher: outcome(fetcher, f"http://127.0.0.1:{server.port}/"))
    assert type(error) is FinalError
    assert len(server.requests) == 1


def test_a_redirect_without_location_is_the_answer():
    with ScriptedServer(serve_paths({"/": response("HTTP/1.1 302 Found", b"nowhere")})) as server:
        result = with_fetcher(lambda fetcher: outcome(fetcher, f"http://127.0.0.1:{server.port}/"))
    assert result == (302, f"http://127.0.0.1:{server.port}/", b"nowhere")


# error statuses ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("answer", "kind", "status", "retry_after"), [
    (NOT_FOUND, FinalError, 404, None),
    (response("HTTP/1.1 410 Gone"), FinalError, 410, None),
    (response("HTTP/1.1 503 Service Unavailable", b"busy", "Retry-After: 2"), TransientError, 503, 2.0),
    (response("HTTP/1.1 503 Service Unavailable", b"", "Retry-After: Fri, 31 Dec 1999 23:59:59 GMT"),
     TransientError, 503, None),
    (response("HTTP/1.1 429 Too Many Requests", b"slow down", "Retry-After: 30"),
     TransientError, 429, 30.0),
    (response("HTTP/1.1 500 Internal Server Error"), TransientError, 500, None),
])
def test_error_statuses(answer, kind, status, retry_after):
    with ScriptedServer(serve_paths({"/x": answer})) as server:
        error = with_fetcher(lambda fetcher: outcome(fetcher, f"http://127.0.0.1:{server.port}/x"))
    assert type(error) is kind
    assert error.status == status
    assert error.retry_after == retry_after
    assert str(status) in error.reason
    assert error.headers.get("Content-Length") is not None


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/a.png", "file:///etc/hostname", "data:,x"])
def test_an_unsupported_scheme_is_a_final_error(url):
    error = with_fetcher(lambda fetcher: outcome(fetcher, url))
    assert type(error) is FinalError
    assert "unsupported URL scheme" in error.reason


def test_an_unreachable_host_is_a_transient_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = with_fetcher(lambda fetcher: outcome(fetcher, f"http://127.0.0.1:{port}/"))
    assert type(error) is TransientError


def test_the_request_carries_host_user_agent_and_extra_headers():
    with ScriptedServer(serve_paths({"/p?q=1": response("HTTP/1.1 200 OK", b"ok")})) as server:
        async def body(fetcher):
            answer = await fetcher.open(f"http://user:pw@127.0.0.1:{server.port}/p?q=1#frag",
                                        headers={"Referer": "http://example.test/"})
            return await read_all(answer)

        assert with_fetcher(body, user_agent="tester/1") == b"ok"
    headers = dict(server.requests[0].headers)
    assert headers["Host"] == f"127.0.0.1:{server.port}"
    assert headers["User-Agent"] == "tester/1"
    assert headers["Referer"] == "http://example.test/"
    assert "Authorization" not in headers


# robots.txt -------------------------------------------------------------------------------------

ROBOTS = b"User-agent: *\nDisallow: /private\n\nUser-agent: other\nDisallow: /\n"
PAGES = {"/robots.txt": response("HTTP/1.1 200 OK", ROBOTS)}


async def robots_verdicts(fetcher: Fetcher, base: str, paths: list[str]) -> list[str]:
    async def verdict(path: str) -> str:
        try:
            await fetcher.check_robots(base + path)
        except Disallowed as error:
            return error.reason
        return "allowed"

    return list(await asyncio.gather(*(verdict(path) for path in paths)))


def test_robots_is_fetched_once_per_host():
    paths = ["/a.png", "/private/b.png", "/img/c.png?private", "/private", "/privateer.png",
             "/public/private/d.png"] * 5
    with ScriptedServer(serve_paths(PAGES)) as server:
        base = f"http://127.0.0.1:{server.port}"
        verdicts = with_fetcher(lambda fetcher: robots_verdicts(fetcher, base, paths))
    allowed = {path: verdict == "allowed" for path, verdict in zip(paths, verdicts, strict=True)}
    assert allowed == {"/a.png": True, "/private/b.png": False, "/img/c.png?private": True,
                       "/private": False, "/privateer.png": False, "/public/private/d.png": True}
    assert all("robots.txt" in verdict for verdict in verdicts if verdict != "allowed")
    assert [request.target for request in server.requests] == ["/robots.txt"]


def test_robots_names_the_user_agent():
    with ScriptedServer(serve_paths(PAGES)) as server:
        base = f"http://127.0.0.1:{server.port}"
        verdicts = with_fetcher(lambda fetcher: robots_verdicts(fetcher, base, ["/a.png"]),
                                user_agent="other")
    assert verdicts != ["allowed"]


def test_robots_is_not_fetched_when_not_respected():
    with ScriptedServer(serve_paths(PAGES)) as server:
        base = f"http://127.0.0.1:{server.port}"
        verdicts = with_fetcher(lambda fetcher: robots_verdicts(fetcher, base, ["/private/a"]),
                                respect_robots=False)
    assert verdicts == ["allowed"]
    assert server.requests == []


@pytest.mark.parametrize("answer", [NOT_FOUND, response("HTTP/1.1 403 Forbidden"),
                                    response("HTTP/1.1 401 Unauthorized")])
def test_a_4xx_robots_allows_everything(answer):
    with ScriptedServer(serve_paths({"/robots.txt": answer})) as server:
        base = f"http://127.0.0.1:{server.port}"
        verdicts = with_fetcher(lambda fetcher: robots_verdicts(fetcher, base, ["/", "/private/x"] * 3))
    assert verdicts == ["allowed"] * 6
    assert len(server.requests) == 1


@pytest.mark.parametrize("answer", [response("HTTP/1.1 500 Internal Server Error"),
                                    response("HTTP/1.1 503 Service Unavailable", b"", "Retry-After: 5")])
def test_a_5xx_robots_disallows_everything(answer):
    with ScriptedServer(serve_paths({"/robots.txt": answer})) as server:
        base = f"http://127.0.0.1:{server.port}"
        verdicts = with_fetcher(lambda fetcher: robots_verdicts(fetcher, base, ["/", "/a.png"] * 3))
    assert len(verdicts) == 6
    assert all("robots.txt" in verdict and "unavailable" in verdict for verdict in verdicts)
    assert len(server.requests) == 1


def test_an_unreachable_robots_fails_the_images():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def body(fetcher):
        errors = []
        for _ in range(2):
            try:
                await fetcher.check_robots(f"http://127.0.0.1:{port}/a")
            except Disallowed:
                errors.append("disallowed")
            except FetchError as error:
                errors.append(error.reason)
        return errors

    errors = with_fetcher(body)
    assert len(errors) == 2 and errors[0] == errors[1]
    assert errors[0].startswith("robots.txt unavailable: ConnectionRefusedError")


def test_robots_is_kept_per_origin():
    with ScriptedServer(serve_paths(PAGES)) as allowing, \
            ScriptedServer(serve_paths({"/robots.txt": NOT_FOUND})) as missing:
        async def body(fetcher):
            return (await robots_verdicts(fetcher, f"http://127.0.0.1:{allowing.port}", ["/private/a"])
                    + await robots_verdicts(fetcher, f"http://127.0.0.1:{missing.port}", ["/private/a"]))

        verdicts = with_fetcher(body)
    assert verdicts[0] != "allowed"
    assert verdicts[1] == "allowed"


# proxies ----------------------------------------------------------------------------------------

SEVERAL_CHUNKS = bytes(range(256)) * 1024  # 256 KiB: several of the threaded path's reads


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    if not os.access(TINYPROXY, os.X_OK):
        pytest.skip("tinyproxy is not installed")
    with tinyproxy(tmp_path_factory.mktemp("tinyproxy")) as url:
        yield url


@pytest.fixture
def served(nginx):  # noqa: F811 (the fixture)
    (nginx.root / "www" / "several.bin").write_bytes(SEVERAL_CHUNKS)
    return f"http://127.0.0.1:{nginx.port}"


def proxied(proxy: str) -> str:
    return proxy.replace("http://", f"http://{PROXY_USER}:{PROXY_PASSWORD}@")


async def kind_and_body(fetcher: Fetcher, url: str):
    answer = await fetcher.open(url)
    try:
        return type(answer), answer.status, await read_all(answer)
    finally:
        answer.close()


def test_a_proxied_url_goes_through_the_proxy(monkeypatch, proxy, served):
    monkeypatch.setenv("http_proxy", proxied(proxy))
    result = with_fetcher(lambda fetcher: kind_and_body(fetcher, f"{served}/several.bin"))
    assert result == (_ThreadedResponse, 200, SEVERAL_CHUNKS)


def test_a_proxy_asking_for_credentials_is_a_final_error(monkeypatch, proxy, served):
    # The proxy's own answer proves the request went to it and not to nginx (which has the file).
    monkeypatch.setenv("http_proxy", proxy)
    error = with_fetcher(lambda fetcher: outcome(fetcher, f"{served}/several.bin"))
    assert type(error) is FinalError
    assert error.status == 407


def test_an_error_status_through_the_proxy(monkeypatch, proxy, served):
    monkeypatch.setenv("http_proxy", proxied(proxy))
    error = with_fetcher(lambda fetcher: outcome(fetcher, f"{served}/missing.png"))
    assert type(error) is FinalError
    assert error.status == 404


def test_no_proxy_sends_the_url_direct(monkeypatch, proxy, served):
    # Without credentials the proxy would answer 407: a 200 means the proxy was not asked.
    monkeypatch.setenv("http_proxy", proxy)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    result = with_fetcher(lambda fetcher: kind_and_body(fetcher, f"{served}/several.bin"))
    assert result == (Response, 200, SEVERAL_CHUNKS)


@pytest.mark.parametrize("url, expected", [
    ("http://user:pw@example.com:8080/x", ("example.com:8080", "example.com")),
    ("http://[::1]:8080/x", ("[::1]:8080", "::1")),
    ("http://bücher.example/x", ("xn--bcher-kva.example", "xn--bcher-kva.example")),
    ("http://한국.kr:81/x", ("xn--3e0b707e.kr:81", "xn--3e0b707e.kr")),
])
def test_the_host_header_and_the_name_connected_to(url, expected):
    assert wire_host(urlsplit(url)) == expected
