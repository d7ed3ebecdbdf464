"""nginx in front of two `webstd wsgi` instances: load spreading, trusted proxy headers, and a
graceful stop of one instance during slow requests that loses none of them."""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from support.servers import wait_for_port

ROOT = Path(__file__).resolve().parents[2]
NGINX = "/usr/sbin/nginx"
APP = '''\
import os, time

def app(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        time.sleep(1.0)
    body = f"{os.getpid()} {environ['REMOTE_ADDR']} {environ['wsgi.url_scheme']}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''
CONFIG = """\
daemon off;
master_process off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    upstream webstd {{
        server 127.0.0.1:{first};
        server 127.0.0.1:{second};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://webstd;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""

pytestmark = pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx is not installed")


def start_instance(directory):
    process = subprocess.Popen(
        [sys.executable, "-m", "webstd", "wsgi", "app:app", "--bind", "127.0.0.1:0", "--workers", "1",
         "--forwarded-allow-ips", "127.0.0.1/32"],
        cwd=directory, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", process.stderr.readline())
    assert match
    threading.Thread(target=process.stderr.read, daemon=True).start()
    return process, int(match[1])


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(port, path="/"):
    # From 127.0.0.2, so the address the application sees can only have come through nginx's header.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=("127.0.0.2", 0))
    connection.request("GET", path)
    response = connection.getresponse()
    result = response.status, response.read().decode()
    connection.close()
    return result


@pytest.fixture
def deployment(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    instances = [start_instance(tmp_path) for _ in range(2)]
    port = free_port()
    (tmp_path / "nginx.conf").write_text(
        CONFIG.format(root=tmp_path, first=instances[0][1], second=instances[1][1], port=port)
    )
    nginx = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                             stderr=subprocess.DEVNULL)
    wait_for_port(port, nginx)
    yield port, instances
    nginx.terminate()
    nginx.wait(10)
    for process, _ in instances:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(10)


def test_requests_are_spread_and_client_addresses_come_through(deployment):
    port, _ = deployment
    answers = [fetch(port) for _ in range(20)]
    assert all(status == 200 for status, _ in answers)
    assert len({body.split()[0] for _, body in answers}) == 2
    assert {tuple(body.split()[1:]) for _, body in answers} == {("127.0.0.2", "http")}


def test_graceful_stop_of_one_instance_loses_no_request(deployment):
    port, instances = deployment
    results = []
    threads = [threading.Thread(target=lambda: results.append(fetch(port, "/slow"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(0.4)
    first, _ = instances[0]
    first.send_signal(signal.SIGTERM)
    # Requests that arrive while the instance drains go to the other one.
    during = [fetch(port) for _ in range(10)]
    for thread in threads:
        thread.join(15)
    assert first.wait(15) == 0
    assert len(results) == 8 and all(status == 200 for status, _ in results)
    assert all(status == 200 for status, _ in during)
    after = [fetch(port) for _ in range(5)]
    assert all(status == 200 for status, _ in after)
