"""Benchmark: sequential GETs of a 1 KiB file from nginx over one connection, webstd.http.client
against the stdlib's http.client in the same run. Starts its own nginx (tests/support/nginx.py).

    .venv/bin/python bench/client.py [--requests 2000] [--rounds 7] [--pin both|same|split]

Rounds alternate between the two clients and the best round of each counts, which filters out
the noise of other processes. nginx runs on CPU 0. ``same`` runs the client on CPU 0 too: each
request then costs both sides' CPU time, which is what a client can change. ``split`` puts the
client on CPU 1: each request also waits for wake-ups across cores, which on a small VM cost more
than both clients' work. ``both`` (the default) measures and prints the two.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named after stdlib modules (html.py ...): keep it off the import path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
sys.path[:0] = [str(HERE.parent / "src"), str(HERE.parent / "tests")]

import argparse  # noqa: E402
import http.client  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from support.nginx import start_nginx  # noqa: E402
from webstd.http import client as webstd_client  # noqa: E402


def run(module, port: int, requests: int) -> float:
    """Seconds for ``requests`` GETs of /1k.bin on one keep-alive connection."""
    connection = module.HTTPConnection("127.0.0.1", port)
    connection.request("GET", "/1k.bin")
    connection.getresponse().read()
    start = time.perf_counter()
    for _ in range(requests):
        connection.request("GET", "/1k.bin")
        response = connection.getresponse()
        body = response.read()
        if response.status != 200 or len(body) != 1024:
            raise SystemExit(f"{module.__name__}: unexpected answer {response.status}")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def measure(port: int, requests: int, rounds: int) -> dict[str, float]:
    best = {"stdlib": float("inf"), "webstd": float("inf")}
    for _ in range(rounds):
        best["stdlib"] = min(best["stdlib"], run(http.client, port, requests))
        best["webstd"] = min(best["webstd"], run(webstd_client, port, requests))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--pin", choices=["both", "same", "split"], default="both")
    options = parser.parse_args()
    pins = {"same": 0, "split": 1}
    if options.pin != "both":
        pins = {options.pin: pins[options.pin]}
    directory = tempfile.mkdtemp(prefix="bench-client-")
    server = start_nginx(Path(directory), cpu=0)
    results = {}
    try:
        for pin, cpu in pins.items():
            if (os.cpu_count() or 1) > cpu:
                os.sched_setaffinity(0, {cpu})
                results[pin] = measure(server.port, options.requests, options.rounds)
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)
    for pin, best in results.items():
        for name, seconds in best.items():
            print(f"  {pin:5} {name}: {options.requests / seconds:,.0f} requests/s "
                  f"({seconds * 1e6 / options.requests:.1f} us each)")
        print(f"client GET 1 KiB x{options.requests} ({pin}): "
              f"webstd {best['stdlib'] / best['webstd']:.2f}x stdlib")


if __name__ == "__main__":
    main()
