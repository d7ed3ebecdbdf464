"""CGI end to end: the seed's example (program 12) and a 100 MiB upload through a CGI script.

The servers run as subprocesses, so their peak memory (VmHWM) is theirs alone.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")
UPLOAD_SIZE = 100 * 1024 * 1024
MEMORY_LIMIT_KIB = 64 * 1024
BOUNDARY = "webstd-e2e-boundary"

# The server under test: CGIHTTPRequestHandler on a ThreadingHTTPServer, port printed on stdout.
# Scripts run as the test's user (as root they would run as nobody, who cannot reach this Python).
SERVER = """\
import functools, sys
from webstd.http.server import CGIHTTPRequestHandler, ThreadingHTTPServer
class Handler(CGIHTTPRequestHandler):
    cgi_user = None
server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=sys.argv[1]))
print(server.server_address[1], flush=True)
server.serve_forever()
"""
UPLOAD_SCRIPT = """\
import os, shutil
from webstd import cgi
form = cgi.FieldStorage()
item = form["file"]
target = os.environ["CGI_UPLOAD_DIR"]
with open(os.path.join(target, "saved.bin"), "wb") as out:
    shutil.copyfileobj(item.file, out, 1 << 20)
with open("/proc/self/status") as status, open(os.path.join(target, "script-hwm"), "w") as out:
    out.write(next(line for line in status if line.startswith("VmHWM:")).split()[1])
print("Content-Type: text/plain")
print()
print("saved", item.filename, form.getvalue("note"))
"""


def _vmhwm_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return int(next(line for line in status if line.startswith("VmHWM:")).split()[1])


class ServerProcess:
    def __init__(self, directory: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER, directory], stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})},
        )  # fmt: skip
        self.port = int(self.process.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}/"

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        self.process.stdout.close()


def test_seed_cgi_example_runs():
    server = ServerProcess(EXAMPLES)
    try:
        reply = subprocess.run([sys.executable, os.path.join(EXAMPLES, "cgi_client.py"), server.url],
                               capture_output=True, text=True, timeout=30)  # fmt: skip
        from_env = subprocess.run([sys.executable, os.path.join(EXAMPLES, "cgi_client.py")],
                                  capture_output=True, text=True, timeout=30,
                                  env={**os.environ, "CGI_BASE_URL": server.url})  # fmt: skip
    finally:
        server.close()
    assert reply.returncode == 0, reply.stderr
    assert reply.stdout.splitlines()[:4] == [
        "Welcome, CGI Scripts",
        "language is  python",
        "framework is  django",
        "email is lowell2735@gmail.com",
    ]
    assert from_env.stdout == reply.stdout


def test_example_cgi_directory_is_the_demo_sites():
    # One script: examples/cgi-bin is a relative symlink to the directory the demo site serves. A
    # directory link (not a link per script) keeps the CGI handler's rule that a script's real path
    # lies inside the real CGI directory, so serving examples/ (above) runs it too.
    link = os.path.join(EXAMPLES, "cgi-bin")
    assert os.path.islink(link)
    assert os.readlink(link) == os.path.join("site", "cgi-bin")
    script = os.path.join(EXAMPLES, "site", "cgi-bin", "script.py")
    assert not os.path.islink(script)
    assert os.access(script, os.X_OK)


def _upload_body(digest):
    """The multipart body, generated in 1 MiB blocks; ``digest`` sees the file's bytes."""
    yield (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nbig\r\n"
           f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
           "Content-Type: application/octet-stream\r\n\r\n").encode()
    block = bytearray(os.urandom(1 << 20))
    for index in range(UPLOAD_SIZE >> 20):
        block[:8] = index.to_bytes(8, "big")
        digest.update(block)
        yield bytes(block)
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_100_mib_upload_through_a_cgi_script(chunked):
    site = tempfile.mkdtemp(prefix="webstd-cgi-e2e-")
    try:
        os.mkdir(os.path.join(site, "cgi-bin"))
        script = os.path.join(site, "cgi-bin", "save.py")
        with open(script, "w") as file:
            file.write(UPLOAD_SCRIPT)
        os.chmod(script, 0o755)
        server = ServerProcess(site, {"CGI_UPLOAD_DIR": site})
        try:
            sent = hashlib.sha256()
            length = sum(len(part) for part in _upload_body(hashlib.sha256()))
            headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
            if not chunked:
                headers["Content-Length"] = str(length)
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            conn.request("POST", "/cgi-bin/save.py", body=_upload_body(sent), headers=headers,
                         encode_chunked=chunked)  # fmt: skip
            response = conn.getresponse()
            reply = response.read()
            conn.close()
            server_hwm = _vmhwm_kib(server.process.pid)
        finally:
            server.close()
        assert response.status == 200, reply
        assert reply == b"saved big.bin big\n"
        saved = os.path.join(site, "saved.bin")
        assert os.path.getsize(saved) == UPLOAD_SIZE
        received = hashlib.sha256()
        with open(saved, "rb") as file:
            while block := file.read(1 << 20):
                received.update(block)
        assert received.hexdigest() == sent.hexdigest()
        with open(os.path.join(site, "script-hwm")) as file:
            script_hwm = int(file.read())
        assert server_hwm < MEMORY_LIMIT_KIB, f"server peak RSS {server_hwm} KiB"
        assert script_hwm < MEMORY_LIMIT_KIB, f"script peak RSS {script_hwm} KiB"
    finally:
        shutil.rmtree(site)
