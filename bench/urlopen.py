"""1,000 sequential urlopen calls to a local nginx serving 1 KiB: webstd vs the stdlib vs requests.

Starts its own nginx (pinned to core 0) from a generated config in a temp dir; the client runs on
core 1. Rounds alternate between the three clients and the best round of each counts, which filters
out the noise of other processes. Prints each client's best time and the ratios measured in this run.
Run: .venv/bin/python bench/urlopen.py [rounds, default 5]
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import requests  # noqa: E402

from webstd.urllib import request as webstd_request  # noqa: E402

CALLS = 1000


def start_nginx(directory: Path) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (directory / "www").mkdir()
    (directory / "www" / "file.txt").write_bytes(b"x" * 1024)
    config = directory / "nginx.conf"
    config.write_text(f"""
daemon off; master_process off; worker_processes 1;
pid {directory}/nginx.pid; error_log {directory}/error.log error;
events {{ worker_connections 128; }}
http {{
  access_log off; client_body_temp_path {directory}/body; proxy_temp_path {directory}/proxy;
  fastcgi_temp_path {directory}/fastcgi; uwsgi_temp_path {directory}/uwsgi;
  scgi_temp_path {directory}/scgi; keepalive_requests 100000;
  server {{ listen 127.0.0.1:{port}; root {directory}/www; }}
}}
""")
    process = subprocess.Popen(["taskset", "-c", "0", "/usr/sbin/nginx", "-c", str(config),
                                "-p", str(directory)], stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return process, port
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("nginx did not start")


def timed(call) -> float:
    call()  # warm up (and open the first connection)
    start = time.perf_counter()
    for _ in range(CALLS):
        call()
    return time.perf_counter() - start


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    try:
        os.sched_setaffinity(0, {1})
    except OSError:
        pass
    with tempfile.TemporaryDirectory() as temporary:
        process, port = start_nginx(Path(temporary))
        url = f"http://127.0.0.1:{port}/file.txt"
        try:
            session = requests.Session()
            calls = {
                "webstd urlopen": lambda: webstd_request.urlopen(url).read(),
                "stdlib urlopen": lambda: urllib.request.urlopen(url).read(),
                "requests.Session": lambda: session.get(url).content,
            }
            times = dict.fromkeys(calls, float("inf"))
            for _ in range(rounds):
                for label, call in calls.items():
                    times[label] = min(times[label], timed(call))
        finally:
            process.terminate()
            process.wait(5)
    for label, elapsed in times.items():
        print(f"{label}: {elapsed * 1000:.0f} ms for {CALLS} calls ({elapsed / CALLS * 1e6:.0f} us each),"
              f" best of {rounds}")
    mine = times["webstd urlopen"]
    print(f"urlopen: webstd {times['stdlib urlopen'] / mine:.2f}x stdlib urlopen")
    print(f"urlopen: webstd {times['requests.Session'] / mine:.2f}x requests.Session")


if __name__ == "__main__":
    main()
