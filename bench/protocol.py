"""Parsing speed of webstd.protocol against the stdlib's http.server parsing path, in one run.

The stdlib's BaseHTTPRequestHandler reads the request line from rfile, splits it, then reads the
header section with http.client.parse_headers, which goes through email.parser. webstd's server
feeds the bytes to RequestParser and asks for the head. Both are timed on the same 400-byte request
head a browser sends; a second measurement times a 1 MiB chunked body fed in 64 KiB pieces and fed
one byte at a time (a quarter of it), to show the cost stays linear.

Run: .venv/bin/python bench/protocol.py
"""

from __future__ import annotations

import http.client
import io
import time
import timeit

from webstd.protocol import Data, RequestParser, chunk, last_chunk

HEAD = (
    b"GET /articles/2024/how-to-parse-http.html?ref=home&utm_source=feed HTTP/1.1\r\n"
    b"Host: www.example.com\r\n"
    b"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
    b"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    b"Accept-Language: en-US,en;q=0.5\r\n"
    b"Accept-Encoding: gzip, deflate, br\r\n"
    b"Connection: keep-alive\r\n"
    b"Upgrade-Insecure-Requests: 1\r\n"
    b"\r\n"
)


def stdlib_parse():
    rfile = io.BytesIO(HEAD)
    line = str(rfile.readline(65537), "iso-8859-1").rstrip("\r\n")
    method, path, version = line.split()
    headers = http.client.parse_headers(rfile)
    return method, path, headers["Host"]


def webstd_parse():
    parser = RequestParser()
    parser.feed(HEAD)
    request = parser.next_event()
    return request.method, request.target, request.headers.get("Host")


def best_rates(functions, number=10000, rounds=15):
    """Times the functions in alternation, so that load on the machine hits them alike; the best
    round of each is its rate."""
    best = [float("inf")] * len(functions)
    for _ in range(rounds):
        for index, function in enumerate(functions):
            best[index] = min(best[index], timeit.timeit(function, number=number))
    return [number / seconds for seconds in best]


def chunked_seconds(body: bytes, piece: int) -> float:
    stream = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    stream += b"".join(chunk(body[i : i + 8192]) for i in range(0, len(body), 8192)) + last_chunk()
    parser = RequestParser()
    received = 0
    start = time.perf_counter()
    for index in range(0, len(stream), piece):
        parser.feed(stream[index : index + piece])
        while True:
            event = parser.next_event()
            if type(event) is Data:
                received += len(event.data)
            elif not hasattr(event, "method"):
                break
    elapsed = time.perf_counter() - start
    assert received == len(body)
    return elapsed


def main() -> None:
    assert len(HEAD) >= 380, len(HEAD)
    assert stdlib_parse() == webstd_parse()
    stdlib, ours = best_rates([stdlib_parse, webstd_parse])
    print(f"request head ({len(HEAD)} bytes): stdlib {stdlib:,.0f}/s, webstd {ours:,.0f}/s "
          f"-> webstd {ours / stdlib:.2f}x stdlib (target >= 2x)")
    mib = bytes(1 << 20)
    quarter = mib[: 1 << 18]
    print(f"1 MiB chunked body in 64 KiB pieces: {chunked_seconds(mib, 65536) * 1000:.1f} ms")
    small, large = chunked_seconds(quarter, 1), chunked_seconds(mib, 1)
    print(f"chunked body one byte at a time: 256 KiB {small:.2f} s, 1 MiB {large:.2f} s "
          f"-> {large / small:.1f}x for 4x the bytes (linear is 4x)")


if __name__ == "__main__":
    main()
