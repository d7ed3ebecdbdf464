"""Hello-world throughput of `webstd wsgi` against waitress and gunicorn (gthread), in one run.

Each server is pinned to core 0 and wrk to core 1 (taskset), keep-alive, `wrk -t1 -c50 -d4s
--latency`; rounds alternate between the servers and each keeps its best. Prints requests per
second, p99 latency and the ratios, e.g. "webstd 1.62x waitress".
Usage: .venv/bin/python bench/wsgi.py [--duration 4] [--rounds 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from _wrk import free_port, run_wrk, wait_listening  # bench/ is the script's directory

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
APP = """\
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "13")])
    return [b"Hello, world!"]
"""


def measure(command: list[str], port: int, directory: str, duration: int) -> tuple[float, float]:
    """(requests per second, p99 in ms) of one run of the server ``command`` listening on ``port``."""
    process = subprocess.Popen(
        ["taskset", "-c", "0", *command], cwd=directory, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_listening(port)
        run_wrk(url, 1)  # warm-up
        result = run_wrk(url, duration, latency=True)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)
    return result.requests_per_second, result.p99_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="also measure webstd with this many workers")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed")
    with tempfile.TemporaryDirectory() as directory:
        Path(directory, "hello.py").write_text(APP)
        os.environ["PYTHONPATH"] = str(ROOT / "src")
        servers = {
            "webstd": ("webstd wsgi (1 worker)",
                       lambda port: [str(BIN / "webstd"), "wsgi", "hello:app", "--bind", f"127.0.0.1:{port}"]),
            "waitress": ("waitress",
                         lambda port: [str(BIN / "waitress-serve"), f"--listen=127.0.0.1:{port}", "hello:app"]),
            "gunicorn": ("gunicorn gthread 8 threads",
                         lambda port: [str(BIN / "gunicorn"), "-k", "gthread", "--threads", "8",
                                       "-b", f"127.0.0.1:{port}", "hello:app"]),
        }  # fmt: skip
        if options.workers > 1:
            servers["workers"] = (f"webstd wsgi ({options.workers} workers)",
                                  lambda port: [str(BIN / "webstd"), "wsgi", "hello:app", "--workers",
                                                str(options.workers), "--bind", f"127.0.0.1:{port}"])  # fmt: skip
        # Rounds alternate between the servers; each keeps its best rate and its best p99.
        results = {key: (0.0, float("inf")) for key in servers}
        for _ in range(options.rounds):
            for key, (_, command) in servers.items():
                port = free_port()
                rate, p99 = measure(command(port), port, directory, options.duration)
                results[key] = (max(results[key][0], rate), min(results[key][1], p99))
        print(f"best of {options.rounds} runs of {options.duration} s each")
        for key, (name, _) in servers.items():
            print(f"{name:<28} {results[key][0]:>9.0f} req/s   p99 {results[key][1]:7.2f} ms")
    webstd_rate, webstd_p99 = results["webstd"]
    print(f"hello world: webstd {webstd_rate / results['waitress'][0]:.2f}x waitress, "
          f"{webstd_rate / results['gunicorn'][0]:.2f}x gunicorn gthread")
    print(f"p99: webstd {webstd_p99:.2f} ms, waitress {results['waitress'][1]:.2f} ms")
    if "workers" in results:
        print(f"{options.workers} workers: {results['workers'][0] / webstd_rate:.2f}x one worker "
              "(server pinned to one core: this checks that throughput does not fall)")


if __name__ == "__main__":
    main()
