"""What the wrk-driven benchmarks share: free ports, waiting for a server, running wrk pinned.

Servers run on CPU 0 and wrk on CPU 1 (taskset): unpinned figures on a 2-core machine swing by 3x.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
from dataclasses import dataclass

_UNITS = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}
_MILLISECONDS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


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


@dataclass
class WrkResult:
    requests_per_second: float
    bytes_per_second: float
    p99_ms: float | None
    errors: str | None


def run_wrk(url: str, duration: int, connections: int = 50, latency: bool = False) -> WrkResult:
    """``wrk -t1 -c<connections> -d<duration>s`` on CPU 1."""
    command = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{duration}s"]
    output = subprocess.run(
        [*command, *(["--latency"] if latency else []), url], capture_output=True, text=True, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    amount, unit = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", output).groups()
    p99 = None
    if latency:
        value, time_unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()
        p99 = float(value) * _MILLISECONDS[time_unit]
    errors = re.search(r"Non-2xx or 3xx responses: \d+|Socket errors: .*", output)
    return WrkResult(rate, float(amount) * _UNITS[unit], p99, errors.group(0) if errors else None)
