"""`webstd wsgi`: argument errors, loading the application, workers, signals and --reload."""

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from webstd.cli import main

ROOT = Path(__file__).resolve().parents[2]
APP = '''\
import os

def app(environ, start_response):
    body = f"{os.getpid()} {environ['PATH_INFO']} VERSION".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]

def factory(greeting, punctuation="!"):
    def greet(environ, start_response):
        body = (greeting + punctuation).encode()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body]
    return greet
'''


def start(directory, *args):
    """Starts `webstd wsgi` on a free port; returns the process and the port."""
    process = subprocess.Popen(
        [sys.executable, "-m", "webstd", "wsgi", *args, "--bind", "127.0.0.1:0"],
        cwd=directory, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    line = process.stderr.readline()
    match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
    assert match, line
    return process, int(match[1])


def fetch(port, path="/"):
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            response = connection.getresponse()
            return response.read().decode()
        except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected):
            time.sleep(0.05)
    raise AssertionError("no answer")


@pytest.fixture
def app_dir(tmp_path):
    (tmp_path / "webapp.py").write_text(APP)
    return tmp_path


@pytest.mark.parametrize(
    "argv, message",
    [
        (["webapp:app", "--workers", "x"], "invalid int value"),
        (["webapp:app", "--bind", "127.0.0.1:99999"], "invalid port"),
        (["webapp:app", "--threads", "0"], "--threads must be at least 1"),
        (["webapp:app", "--forwarded-allow-ips", "10.0.0.0/33"], "not an address or network"),
        (["webapp:app", "--max-body", "12q"], "invalid size"),
        (["webapp:app", "--keyfile", "k.pem"], "--keyfile needs --certfile"),
        (["not a reference"], "is not MODULE:APP"),
        ([], "the following arguments are required"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(argv, message, capsys):
    assert main(["wsgi", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and err.startswith("webstd wsgi: error:")


@pytest.mark.parametrize(
    "reference, message",
    [("nosuchmodule:app", "cannot import 'nosuchmodule'"), ("webapp:missing", "has no attribute 'missing'"),
     ("webapp:factory(1, x)", "factory arguments must be Python literals"),
     ("webapp:factory()", "TypeError")],
)
def test_application_that_cannot_load_exits_2_without_traceback(app_dir, reference, message):
    result = subprocess.run(
        [sys.executable, "-m", "webstd", "wsgi", reference, "--bind", "127.0.0.1:0"],
        cwd=app_dir, capture_output=True, text=True, timeout=30,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_factory_call_and_sigint_exits_0(app_dir):
    process, port = start(app_dir, "webapp:factory('hi', punctuation='?')", "--workers", "1")
    assert fetch(port) == "hi?"
    process.send_signal(signal.SIGINT)
    assert process.wait(10) == 0


def test_two_workers_serve_and_sigterm_exits_0(app_dir):
    process, port = start(app_dir, "webapp:app", "--workers", "2")
    pids = set()
    for _ in range(200):
        pids.add(fetch(port).split()[0])
        if len(pids) == 2:
            break
    assert len(pids) == 2
    process.send_signal(signal.SIGTERM)
    assert process.wait(10) == 0


def test_dead_worker_is_replaced_and_sighup_starts_new_workers(app_dir):
    process, port = start(app_dir, "webapp:app", "--workers", "1", "--chdir", str(app_dir))
    first = int(fetch(port).split()[0])
    os.kill(first, signal.SIGKILL)
    second = first
    deadline = time.monotonic() + 10
    while second == first and time.monotonic() < deadline:
        second = int(fetch(port).split()[0])
    assert second != first
    process.send_signal(signal.SIGHUP)
    third = second
    while third == second and time.monotonic() < deadline:
        third = int(fetch(port).split()[0])
    assert third != second
    process.send_signal(signal.SIGINT)
    assert process.wait(10) == 0


def test_reload_restarts_workers_when_a_module_changes(app_dir):
    process, port = start(app_dir, "webapp:app", "--reload")
    assert fetch(port).endswith("VERSION")
    time.sleep(1.1)  # a new mtime, whatever the file system's resolution
    (app_dir / "webapp.py").write_text(APP.replace("VERSION", "CHANGED"))
    deadline = time.monotonic() + 10
    body = ""
    while not body.endswith("CHANGED") and time.monotonic() < deadline:
        time.sleep(0.2)
        body = fetch(port)
    assert body.endswith("CHANGED")
    process.send_signal(signal.SIGINT)
    assert process.wait(10) == 0
