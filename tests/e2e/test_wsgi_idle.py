"""1,000 idle keep-alive connections cost little memory and do not delay a new client."""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = '''\
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
'''


def rss_mib(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status)[1]) / 1024


def test_thousand_idle_connections(tmp_path):
    (tmp_path / "idleapp.py").write_text(APP)
    process = subprocess.Popen(
        [sys.executable, "-m", "webstd", "wsgi", "idleapp:app", "--bind", "127.0.0.1:0", "--workers", "0",
         "--keep-alive", "60"],
        cwd=tmp_path, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    port = int(re.search(r":(\d+)$", process.stderr.readline().strip())[1])
    threading.Thread(target=process.stderr.read, daemon=True).start()
    idle = []
    try:
        for _ in range(1000):
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        # Half of them have already had a response (keep-alive), half never sent anything.
        for sock in idle[:500]:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        for sock in idle[:500]:
            assert sock.recv(4096).endswith(b"ok")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/")
        assert connection.getresponse().read() == b"ok"
        assert rss_mib(process.pid) < 100
    finally:
        for sock in idle:
            sock.close()
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
