"""``webstd serve --cgi``: files get the file server's decisions, scripts still run, options apply.

The server runs as a process (the command line under test); curl is the client.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from support.curl import curl
from support.tls import self_signed_certificate

PAYLOAD = bytes(range(256)) * 64
SCRIPT = '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\nscript ran"\n'


def _start(directory, *options):
    process = subprocess.Popen(
        [sys.executable, "-m", "webstd", "serve", "0", "-b", "127.0.0.1", "-d", str(directory),
         "--cgi", *options],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    line = process.stdout.readline().decode()
    return process, line


@pytest.fixture(scope="module")
def served():
    # Not under pytest's private tmp: as root the scripts run as nobody, who must reach them.
    root = Path(tempfile.mkdtemp(prefix="webstd-serve-cgi-"))
    os.chmod(root, 0o755)
    (root / "data.bin").write_bytes(PAYLOAD)
    (root / "cgi-bin").mkdir()
    (root / "cgi-bin" / "hello.sh").write_text(SCRIPT)
    os.chmod(root / "cgi-bin" / "hello.sh", 0o755)
    process, line = _start(root, "--upload", "--auth", "me:pw", "--cors")
    assert "with CGI" in line, line
    port = int(line.split(" port ")[1].split()[0])
    yield root, f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(10)
    shutil.rmtree(root)


def test_ranges_and_preconditions(served):
    _, base = served
    status, fields, body = curl("-u", "me:pw", "-r", "256-511", f"{base}/data.bin")
    assert (status, body) == (206, PAYLOAD[256:512])
    assert fields["content-range"] == f"bytes 256-511/{len(PAYLOAD)}"
    assert fields["access-control-allow-origin"] == "*"
    etag = curl("-u", "me:pw", f"{base}/data.bin")[1]["etag"]
    assert curl("-u", "me:pw", "-H", f"If-None-Match: {etag}", f"{base}/data.bin")[0] == 304
    assert curl("-u", "me:pw", "-H", 'If-Match: "x"', f"{base}/data.bin")[0] == 412


def test_auth_covers_files_and_scripts(served):
    _, base = served
    assert curl(f"{base}/data.bin")[0] == 401
    assert curl(f"{base}/cgi-bin/hello.sh")[0] == 401
    status, _, body = curl("-u", "me:pw", f"{base}/cgi-bin/hello.sh")
    assert (status, body) == (200, b"script ran")


def test_uploads_but_never_into_a_cgi_directory(served):
    root, base = served
    assert curl("-u", "me:pw", "-T", "-", f"{base}/new.txt")[0] == 201
    assert (root / "new.txt").exists()
    assert curl("-u", "me:pw", "-T", "-", f"{base}/cgi-bin/evil.sh")[0] == 403
    assert not (root / "cgi-bin" / "evil.sh").exists()
    assert curl("-u", "me:pw", "-F", "file=@-;filename=form.txt", f"{base}/")[0] == 201
    assert (root / "form.txt").exists()


def test_traversal_is_refused(served):
    _, base = served
    assert curl("-u", "me:pw", "--path-as-is", f"{base}/../data.bin")[0] == 403
    assert curl("-u", "me:pw", "--path-as-is", f"{base}/x%2f..%2fdata.bin")[0] == 403


def test_tls_is_still_refused_with_cgi(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    process = subprocess.run(
        [sys.executable, "-m", "webstd", "serve", "0", "-b", "127.0.0.1", "-d", str(tmp_path),
         "--cgi", "--tls-cert", str(cert), "--tls-key", str(key)],
        capture_output=True, timeout=10,
    )  # fmt: skip
    assert process.returncode == 2
    assert b"--cgi cannot be combined with --tls-cert, --tls-key" in process.stderr


def test_nul_bytes_in_the_path_are_4xx_without_traceback(tmp_path):
    (tmp_path / "cgi-bin").mkdir()
    (tmp_path / "cgi-bin" / "hello.sh").write_text(SCRIPT)
    os.chmod(tmp_path / "cgi-bin" / "hello.sh", 0o755)
    process = subprocess.Popen(
        [sys.executable, "-m", "webstd", "serve", "0", "-b", "127.0.0.1", "-d", str(tmp_path),
         "--cgi", "--upload"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        line = process.stdout.readline().decode()
        port = int(line.split(" port ")[1].split()[0])
        base = f"http://127.0.0.1:{port}"
        for target in ("/a%00b", "/cgi-bin%00/hello.sh", "/cgi-bin/hello.sh%00", "/%00",
                       "/x%00/y", "/cgi-bin/hello.sh/x%00"):  # fmt: skip
            for method in ("-G", "-I"):  # GET, HEAD
                status = curl(method, "--path-as-is", f"{base}{target}")[0]
                assert 400 <= status < 500, (method, target, status)
            assert 400 <= curl("-T", "-", "--path-as-is", f"{base}{target}")[0] < 500, target
            assert 400 <= curl("-d", "x", "--path-as-is", f"{base}{target}")[0] < 500, target
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert b"Traceback" not in err and b" 500 " not in err
