"""Hello-world throughput of `webstd wsgi` against waitress and gunicorn (gthread), in one run.

Each server is pinned to core 0 and wrk to core 1 (taskset), keep-alive, `wrk -t1 -c50 -d5s
--latency`. Prints requests per second, p99 latency and the ratios, e.g.
"webstd 1.62x waitress". Usage: .venv/bin/python bench/wsgi.py [--duration 5] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
APP = """\
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "13")])
    return [b"Hello, world!"]
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def run_wrk(port: int, duration: int) -> tuple[float, float]:
    output = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t1", "-c50", f"-d{duration}s", "--latency", f"http://127.0.0.1:{port}/"],
        capture_output=True, text=True, check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rate, p99


def measure(name: str, command: list[str], port: int, directory: str, duration: int) -> tuple[float, float]:
    process = subprocess.Popen(
        ["taskset", "-c", "0", *command], cwd=directory, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        wait_listening(port)
        run_wrk(port, 1)  # warm-up
        rate, p99 = run_wrk(port, duration)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)
    print(f"{name:<28} {rate:>9.0f} req/s   p99 {p99:7.2f} ms", flush=True)
    return rate, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="also measure webstd with this many workers")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed")
    with tempfile.TemporaryDirectory() as directory:
        Path(directory, "hello.py").write_text(APP)
        env_path = f"{ROOT / 'src'}"
        os.environ["PYTHONPATH"] = env_path
        results = {}
        port = free_port()
        results["webstd"] = measure("webstd wsgi (1 worker)", [str(BIN / "webstd"), "wsgi", "hello:app",
                                    "--bind", f"127.0.0.1:{port}"], port, directory, options.duration)
        port = free_port()
        results["waitress"] = measure("waitress", [str(BIN / "waitress-serve"), f"--listen=127.0.0.1:{port}",
                                      "hello:app"], port, directory, options.duration)
        port = free_port()
        results["gunicorn"] = measure("gunicorn gthread 8 threads", [
            str(BIN / "gunicorn"), "-k", "gthread", "--threads", "8", "-b", f"127.0.0.1:{port}", "hello:app",
        ], port, directory, options.duration)
        if options.workers > 1:
            port = free_port()
            results["workers"] = measure(f"webstd wsgi ({options.workers} workers)", [
                str(BIN / "webstd"), "wsgi", "hello:app", "--workers", str(options.workers),
                "--bind", f"127.0.0.1:{port}",
            ], port, directory, options.duration)
    webstd_rate, webstd_p99 = results["webstd"]
    print(f"hello world: webstd {webstd_rate / results['waitress'][0]:.2f}x waitress, "
          f"{webstd_rate / results['gunicorn'][0]:.2f}x gunicorn gthread")
    print(f"p99: webstd {webstd_p99:.2f} ms, waitress {results['waitress'][1]:.2f} ms")
    if "workers" in results:
        print(f"{options.workers} workers: {results['workers'][0] / webstd_rate:.2f}x one worker "
              "(server pinned to one core: this checks that throughput does not fall)")


if __name__ == "__main__":
    main()
