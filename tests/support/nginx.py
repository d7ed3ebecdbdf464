"""A private nginx on 127.0.0.1 for interoperability tests and benchmarks.

``start_nginx(directory)`` writes a config and a docroot under ``directory`` and runs Debian's
nginx in the foreground (no master process, nothing outside ``directory``). The docroot holds
``index.html`` and ``1k.bin`` (1024 bytes); PUT writes files under ``/upload/`` (dav module);
``/echo`` answers a POST with 200 and discards its body. The ``nginx`` pytest fixture gives one
server per test module.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.servers import stop_process, wait_for_port

NGINX = "/usr/sbin/nginx"
INDEX_HTML = b"<!DOCTYPE html>\n<html><head><title>webstd</title></head><body>index</body></html>\n"
ONE_KIB = bytes(range(256)) * 4

_CONFIG = """\
daemon off;
master_process off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    default_type application/octet-stream;
    types {{ text/html html; }}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root {root}/www;
        location /upload/ {{
            dav_methods PUT DELETE;
            create_full_put_path on;
        }}
        location = /echo {{
            client_max_body_size 10m;
            return 200 "posted\\n";
        }}
    }}
}}
"""


@dataclass
class Nginx:
    port: int
    root: Path
    process: subprocess.Popen

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def stop(self) -> None:
        stop_process(self.process)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_nginx(directory: Path, cpu: int | None = None) -> Nginx:
    """Starts nginx serving ``directory / "www"``; ``cpu`` pins it to one core (benchmarks)."""
    root = Path(directory).resolve()
    (root / "www" / "upload").mkdir(parents=True, exist_ok=True)
    (root / "tmp").mkdir(exist_ok=True)
    (root / "www" / "index.html").write_bytes(INDEX_HTML)
    (root / "www" / "1k.bin").write_bytes(ONE_KIB)
    port = _free_port()
    config = root / "nginx.conf"
    config.write_text(_CONFIG.format(root=root, port=port))
    command = [NGINX, "-c", str(config), "-p", str(root), "-e", str(root / "error.log")]
    if cpu is not None and shutil.which("taskset"):
        command = ["taskset", "-c", str(cpu), *command]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, process)
    except RuntimeError as error:
        process.kill()
        stderr = process.communicate()[1].decode(errors="replace")
        raise RuntimeError(f"nginx did not start: {error}\n{stderr}") from None
    return Nginx(port, root, process)


@pytest.fixture(scope="module")
def nginx(tmp_path_factory):
    if not os.access(NGINX, os.X_OK):
        pytest.skip("nginx is not installed")
    server = start_nginx(tmp_path_factory.mktemp("nginx"))
    yield server
    server.stop()
