"""Benchmark: wrk through ``webstd proxy`` and through Debian's tinyproxy to the same nginx, in one
run, printing requests per second and the ratio.

Pinning: each proxy on core 0, wrk and nginx on core 1 (so the proxy under test has a core to
itself and the origin and the load generator share the other). wrk sends absolute-form requests
through a two-line Lua script (``wrk.path`` set to the full URL), ``-t1 -c50 -d5s``.

wrk's socket errors and non-2xx answers are printed per proxy, for the measured run and the 1 s
warm-up. tinyproxy answers HTTP/1.1 requests without ``Connection: close`` and then closes the
connection, so wrk counts about one read error per tinyproxy request (and reconnects).

    .venv/bin/python bench/proxy.py [--duration 5] [--connections 50] [--path /1k.bin]
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
sys.path[:0] = [str(HERE.parent / "src"), str(HERE.parent / "tests")]

import argparse  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
from typing import Any  # noqa: E402

from support.nginx import start_nginx  # noqa: E402
from support.servers import stop_process, wait_for_port  # noqa: E402

TINYPROXY_CONFIG = """\
Port {port}
Listen 127.0.0.1
Timeout 600
MaxClients 200
StartServers 10
LogLevel Critical
LogFile "{root}/tinyproxy.log"
PidFile "{root}/tinyproxy.pid"
Allow 127.0.0.1
DisableViaHeader No
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Run:
    """What one wrk run reported."""

    def __init__(self, output: str) -> None:
        self.rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
        self.requests = int(re.search(r"(\d+) requests in", output).group(1))
        errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                           output)
        self.errors = dict(zip(("connect", "read", "write", "timeout"),
                               map(int, errors.groups()) if errors else (0, 0, 0, 0), strict=True))
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        self.non_2xx = int(non_2xx.group(1)) if non_2xx else 0

    def problems(self) -> str:
        errors = ", ".join(f"{kind} {count}" for kind, count in self.errors.items() if count)
        return (f"socket errors: {errors or 'none'}; non-2xx: {self.non_2xx}; "
                f"{self.requests} requests")


def wrk(proxy_port: int, url: str, root: Path, duration: int, connections: int) -> Run:
    script = root / "absolute.lua"
    script.write_text(f'wrk.path = "{url}"\n')
    command = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{duration}s",
               "-s", str(script), f"http://127.0.0.1:{proxy_port}"]
    return Run(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def measure(command: list[str], port: int, url: str, root: Path, args: argparse.Namespace,
            **popen: Any) -> tuple[Run, Run]:
    """(warm-up, measured run) of wrk through the proxy ``command`` starts on core 0 at ``port``."""
    process = subprocess.Popen(["taskset", "-c", "0", *command], **popen)
    try:
        try:
            wait_for_port(port, process)
        except RuntimeError as error:
            raise SystemExit(f"proxy did not start: {error}") from None
        warm_up = wrk(port, url, root, 1, args.connections)
        return warm_up, wrk(port, url, root, args.duration, args.connections)
    finally:
        stop_process(process, 10)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--duration", type=int, default=5)
    options.add_argument("--connections", type=int, default=50)
    options.add_argument("--path", default="/1k.bin")
    args = options.parse_args()
    for tool in ("wrk", "taskset", "/usr/bin/tinyproxy"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed")
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        nginx = start_nginx(root / "nginx", cpu=1)
        url = f"http://127.0.0.1:{nginx.port}{args.path}"
        results: dict[str, Run] = {}
        warm_ups: dict[str, Run] = {}
        try:
            port = free_port()
            environment = dict(os.environ, PYTHONPATH=str(HERE.parent / "src"))
            warm_ups["webstd proxy"], results["webstd proxy"] = measure(
                [sys.executable, "-m", "webstd", "proxy", "--port", str(port), "--allow-private",
                 "--access-log", "none"],
                port, url, root, args, env=environment, stderr=subprocess.DEVNULL,
            )

            port = free_port()
            config = root / "tinyproxy.conf"
            config.write_text(TINYPROXY_CONFIG.format(port=port, root=root))
            warm_ups["tinyproxy"], results["tinyproxy"] = measure(
                ["/usr/bin/tinyproxy", "-d", "-c", str(config)],
                port, url, root, args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        finally:
            nginx.stop()
    for name, run in results.items():
        print(f"{name:>14}: {run.rate:10.0f} requests/s  ({run.problems()})")
        print(f"{'warm-up':>14}: {warm_ups[name].rate:10.0f} requests/s  ({warm_ups[name].problems()})")
    ratio = results["webstd proxy"].rate / results["tinyproxy"].rate
    print(f"proxy GET {args.path}: webstd {ratio:.2f}x tinyproxy")

if __name__ == "__main__":
    main()
