"""1,000 sequential urlopen calls to a local nginx serving 1 KiB: webstd vs the stdlib vs requests.

Starts its own nginx (tests/support/nginx.py), pinned to core 0, and measures twice: with the
client on core 0 too ("same": every call costs the client's CPU time plus nginx's, which is what
webstd can change) and with the client on core 1 ("split": each call also waits for wake-ups across
cores, which on a small VM cost more than either side's work). Rounds alternate between the three
clients and the best round of each counts, which filters out the noise of other processes.

Run: .venv/bin/python bench/urlopen.py [--rounds 5] [--calls 1000]
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named after stdlib modules (html.py ...): keep it off the import path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
sys.path[:0] = [str(HERE.parent / "src"), str(HERE.parent / "tests")]

import argparse  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

import requests  # noqa: E402

from support.nginx import start_nginx  # noqa: E402
from webstd.urllib import request as webstd_request  # noqa: E402


def timed(call, calls: int) -> float:
    call()  # warm up (and open the first connection)
    start = time.perf_counter()
    for _ in range(calls):
        call()
    return time.perf_counter() - start


def measure(url: str, rounds: int, calls: int) -> dict[str, float]:
    session = requests.Session()
    clients = {
        "webstd urlopen": lambda: webstd_request.urlopen(url).read(),
        "stdlib urlopen": lambda: urllib.request.urlopen(url).read(),
        "requests.Session": lambda: session.get(url).content,
    }
    best = dict.fromkeys(clients, float("inf"))
    for _ in range(rounds):
        for label, call in clients.items():
            best[label] = min(best[label], timed(call, calls))
    session.close()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=1000)
    options = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="bench-urlopen-")
    server = start_nginx(Path(directory), cpu=0)
    url = f"http://127.0.0.1:{server.port}/1k.bin"
    results = {}
    try:
        for pin, cpu in (("same", 0), ("split", 1)):
            if (os.cpu_count() or 1) > cpu:
                os.sched_setaffinity(0, {cpu})
                results[pin] = measure(url, options.rounds, options.calls)
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)
    for pin, best in results.items():
        print(f"client and nginx on {'one core' if pin == 'same' else 'two cores'} ({pin}):")
        for label, elapsed in best.items():
            print(f"  {label:18} {elapsed / options.calls * 1e6:6.0f} us per call, best of {options.rounds}")
        mine = best["webstd urlopen"]
        print(f"urlopen ({pin}): webstd {best['stdlib urlopen'] / mine:.2f}x stdlib urlopen, "
              f"{best['requests.Session'] / mine:.2f}x requests.Session")


if __name__ == "__main__":
    main()
