"""Debian's tinyproxy with BasicAuth, started in the foreground with a config in a temp dir."""

from __future__ import annotations

import socket
import subprocess
from contextlib import contextmanager
from pathlib import Path

from support.servers import stop_process, wait_for_port

TINYPROXY = "/usr/bin/tinyproxy"
PROXY_USER, PROXY_PASSWORD = "proxyuser", "proxypass"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def tinyproxy(directory: Path):
    port = _free_port()
    config = directory / "tinyproxy.conf"
    config.write_text(
        f"Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\n"
        f"BasicAuth {PROXY_USER} {PROXY_PASSWORD}\nAllow 127.0.0.1\n"
        f"PidFile \"{directory / 'tinyproxy.pid'}\"\nLogFile \"{directory / 'tinyproxy.log'}\"\n"
        "LogLevel Error\nDisableViaHeader Yes\n"
    )
    process = subprocess.Popen([TINYPROXY, "-d", "-c", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, timeout=5)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(process)
