"""webstd.http.server.test(): the stdlib's signature, serving until SIGINT (a real process)."""

import inspect
import os
import signal
import subprocess
import sys
import urllib.request
from http import server as std_server

from webstd.http import server

SCRIPT = (
    "import os; os.chdir(os.environ['DOCROOT']);"
    "from webstd.http.server import test, SimpleHTTPRequestHandler;"
    "test(SimpleHTTPRequestHandler, port=0, bind='127.0.0.1')"
)


def test_signature_matches_stdlib():
    ours = inspect.signature(server.test)
    theirs = inspect.signature(std_server.test)
    assert list(ours.parameters) == list(theirs.parameters)
    assert ours.parameters["protocol"].default == "HTTP/1.0"
    assert ours.parameters["port"].default == 8000


def test_serves_and_exits_on_interrupt(tmp_path):
    (tmp_path / "hello.txt").write_bytes(b"hello")
    env = dict(os.environ, DOCROOT=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, env=env)
    try:
        line = proc.stdout.readline().decode()
        assert line.startswith("Serving HTTP on 127.0.0.1 port "), line
        port = int(line.split(" port ")[1].split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/hello.txt", timeout=30) as resp:
            assert resp.read() == b"hello"
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
        assert b"Keyboard interrupt received, exiting." in out
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
