"""webstd serve against `python -m http.server` and nginx: a 1 KiB file (requests/s) and a
50 MiB file (throughput), wrk on 127.0.0.1, the server pinned to CPU 0 and wrk to CPU 1.

Usage: .venv/bin/python bench/static.py [--duration 5]
Prints the figures and the ratios measured in this run. Needs wrk, taskset and /usr/sbin/nginx.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from _wrk import free_port, run_wrk, wait_listening  # bench/ is the script's directory

NGINX = "/usr/sbin/nginx"
NGINX_CONF = """daemon off; master_process off; worker_processes 1; pid {tmp}/nginx.pid;
error_log {tmp}/error.log; events {{ worker_connections 1024; }}
http {{ access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;
client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
server {{ listen 127.0.0.1:{port}; root {root}; }} }}
"""


def wrk(url: str, duration: int) -> tuple[float, float]:
    """(requests per second, bytes per second)."""
    result = run_wrk(url, duration)
    return result.requests_per_second, result.bytes_per_second


def start(command: list[str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(["taskset", "-c", "0", *command],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    wait_listening(port)
    return process


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=5)
    args = parser.parse_args()
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            print(f"bench/static.py: {tool} is missing")
            return 1
    with tempfile.TemporaryDirectory() as root:
        with open(os.path.join(root, "1k.bin"), "wb") as f:
            f.write(os.urandom(1024))
        with open(os.path.join(root, "50m.bin"), "wb") as f:
            f.write(os.urandom(50 * 1024 * 1024))
        servers = {
            "stdlib": lambda port: [sys.executable, "-m", "http.server", str(port),
                                    "--bind", "127.0.0.1", "--directory", root],
            "webstd": lambda port: [sys.executable, "-m", "webstd", "serve", str(port),
                                    "--bind", "127.0.0.1", "--directory", root],
        }  # fmt: skip
        if os.path.exists(NGINX):
            def nginx(port: int) -> list[str]:
                conf = os.path.join(root, f"nginx-{port}.conf")
                with open(conf, "w") as f:
                    f.write(NGINX_CONF.format(tmp=root, port=port, root=root))
                return [NGINX, "-p", root, "-c", conf, "-e", os.path.join(root, "error.log")]

            servers["nginx"] = nginx
        results: dict[str, dict[str, float]] = {}
        for name, command in servers.items():
            port = free_port()
            process = start(command(port), port)
            try:
                small, _ = wrk(f"http://127.0.0.1:{port}/1k.bin", args.duration)
                _, large = wrk(f"http://127.0.0.1:{port}/50m.bin", args.duration)
            finally:
                stop(process)
            results[name] = {"small": small, "large": large}
            print(f"{name:>7}: 1 KiB {small:10.0f} req/s   50 MiB {large / 2**20:8.0f} MiB/s")
    webstd = results["webstd"]
    print(f"1 KiB: webstd {webstd['small'] / results['stdlib']['small']:.2f}x stdlib")
    if "nginx" in results:
        print(f"1 KiB: webstd {webstd['small'] / results['nginx']['small']:.2f}x nginx")
        print(f"50 MiB: webstd {webstd['large'] / results['nginx']['large']:.2f}x nginx")
    print(f"50 MiB: webstd {webstd['large'] / results['stdlib']['large']:.2f}x stdlib")
    return 0


if __name__ == "__main__":
    sys.exit(main())
