"""`webstd wsgi` out of file descriptors, as a process over loopback: accept() failing with EMFILE
pauses new connections (no spinning, one log line), open connections are served, and a new
client gets in once descriptors free."""

import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = '''\
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]
'''


def _low_descriptor_limit():
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children (the worker), from /proc."""
    total = 0.0
    pids = [pid]
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        pids += [int(child) for child in children.read().split()]
    for each in pids:
        with open(f"/proc/{each}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _get(port, sock=None) -> bytes:
    own = sock is None
    if own:
        sock = socket.create_connection(("127.0.0.1", port), timeout=3)
    try:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while not data.endswith(b"hello"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data
    finally:
        if own:
            sock.close()


def test_out_of_descriptors_backs_off_and_serves_again(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    process = subprocess.Popen(
        [sys.executable, "-m", "webstd", "wsgi", "app:app", "--bind", "127.0.0.1:0",
         "--keep-alive", "60", "--threads", "2"],
        cwd=tmp_path, stderr=subprocess.PIPE, text=True, preexec_fn=_low_descriptor_limit,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )  # fmt: skip
    flood = []
    try:
        line = process.stderr.readline()
        port = int(re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)[1])
        early = socket.create_connection(("127.0.0.1", port), timeout=3)
        assert _get(port, early).endswith(b"hello")
        for _ in range(120):
            flood.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        time.sleep(0.5)
        before = _cpu_seconds(process.pid)
        time.sleep(3.0)
        spent = _cpu_seconds(process.pid) - before
        assert spent < 0.5, f"{spent:.2f} s of CPU in 3 s while out of descriptors"
        # A connection opened before the flood is still served.
        assert _get(port, early).endswith(b"hello")
        early.close()
        for sock in flood:
            sock.close()
        flood = []
        reply = b""
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline and not reply:
            try:
                reply = _get(port)
            except OSError:
                time.sleep(0.1)
        assert reply.startswith(b"HTTP/1.1 200 ") and reply.endswith(b"hello")
    finally:
        for sock in flood:
            sock.close()
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=15)
    assert "Traceback" not in err
    assert 1 <= err.count("accept() failed") <= 2 and len(err) < 2000, err[:2000]
