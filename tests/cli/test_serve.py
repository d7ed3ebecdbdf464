"""`webstd serve` as a process: the start-up line, `make run`'s command, signals, TLS, options."""

import os
import signal
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

from support.tls import self_signed_certificate
from webstd.cli.serve import build_parser, parse_size

REPO = Path(__file__).resolve().parents[2]


def launch(*args, cwd=REPO):
    process = subprocess.Popen(
        [sys.executable, "-m", "webstd", "serve", *args],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )  # fmt: skip
    line = process.stdout.readline()
    return process, line


def test_make_run_command_serves_the_site_and_stops_on_sigint():
    process, line = launch("0", "--bind", "127.0.0.1", "--directory", "examples/site")
    try:
        assert line.startswith("Serving HTTP on 127.0.0.1 port ")
        url = line.split("(", 1)[1].split(")", 1)[0]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        with urllib.request.urlopen(url, timeout=5) as response:
            assert b"webstd serve" in response.read()
        with urllib.request.urlopen(url + "images/", timeout=5) as response:
            assert b"logo.svg" in response.read()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Traceback" not in err and "Keyboard interrupt received, exiting." in out
    assert '"GET / HTTP/1.1" 200' in err


def test_sigterm_stops_cleanly(tmp_path):
    process, line = launch("0", "--bind", "127.0.0.1", "--directory", str(tmp_path))
    assert line.startswith("Serving HTTP")
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=10)
    assert process.returncode == 0 and "Traceback" not in err


def test_python_dash_m_webstd_http_server(tmp_path):
    (tmp_path / "f.txt").write_text("via -m")
    process = subprocess.Popen(
        [sys.executable, "-m", "webstd.http.server", "0", "-b", "127.0.0.1", "-d", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )  # fmt: skip
    try:
        line = process.stdout.readline()
        url = line.split("(", 1)[1].split(")", 1)[0]
        with urllib.request.urlopen(url + "f.txt", timeout=5) as response:
            assert response.read() == b"via -m"
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    assert process.returncode == 0


def test_tls(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    (tmp_path / "x.txt").write_bytes(b"secure" * 50_000)
    process, line = launch("0", "--bind", "127.0.0.1", "--directory", str(tmp_path),
                           "--tls-cert", str(cert), "--tls-key", str(key))  # fmt: skip
    try:
        assert line.startswith("Serving HTTPS on 127.0.0.1")
        url = line.split("(", 1)[1].split(")", 1)[0]
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        with urllib.request.urlopen(url + "x.txt", timeout=10, context=context) as response:
            assert response.read() == b"secure" * 50_000
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    assert process.returncode == 0


def test_options_and_sizes():
    args = build_parser().parse_args([])
    assert args.port == 8000 and args.bind is None and args.protocol == "HTTP/1.1"
    args = build_parser().parse_args(["9000", "-b", "::1", "-p", "HTTP/1.0", "--upload",
                                      "--max-upload", "10M", "--auth", "u:p", "--cors"])  # fmt: skip
    assert (args.port, args.bind, args.protocol, args.max_upload) == (9000, "::1", "HTTP/1.0", 10 << 20)
    assert args.auth == b"u:p" and args.upload and args.cors
    assert parse_size("512k") == 512 * 1024 and parse_size("1GiB") == 1 << 30


def test_text_files_carry_a_utf8_charset_and_charset_none_sends_none(tmp_path):
    (tmp_path / "ko.txt").write_text("안녕하세요", encoding="utf-8")
    (tmp_path / "app.js").write_text("let a = 1;")
    (tmp_path / "d.json").write_text("{}")
    for extra, expected in (((), "text/plain; charset=utf-8"), (("--charset", "none"), "text/plain"),
                            (("--charset", "euc-kr"), "text/plain; charset=euc-kr")):
        process, line = launch("0", "--bind", "127.0.0.1", "--directory", str(tmp_path), *extra)
        try:
            url = line.split("(", 1)[1].split(")", 1)[0]
            with urllib.request.urlopen(url + "ko.txt", timeout=5) as response:
                assert response.headers["Content-Type"] == expected
                assert response.read().decode("utf-8") == "안녕하세요"
            if not extra:
                with urllib.request.urlopen(url + "app.js", timeout=5) as response:
                    assert response.headers["Content-Type"].endswith("; charset=utf-8")
                with urllib.request.urlopen(url + "d.json", timeout=5) as response:
                    assert response.headers["Content-Type"] == "application/json"
        finally:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=10)


def test_invalid_charset_is_one_line_and_exit_2(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "webstd", "serve", "0", "-d", str(tmp_path), "--charset", "a b"],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )  # fmt: skip
    assert result.returncode == 2 and result.stderr.count("\n") == 1


def test_plain_http_on_the_tls_port_gets_a_400_that_says_https(tmp_path):
    import socket

    cert, key = self_signed_certificate(tmp_path)
    (tmp_path / "x.txt").write_bytes(b"secure")
    process, line = launch("0", "--bind", "127.0.0.1", "--directory", str(tmp_path),
                           "--tls-cert", str(cert), "--tls-key", str(key))  # fmt: skip
    try:
        port = int(line.split(" port ")[1].split()[0])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /x.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 400 Bad Request\r\n")
        assert b"Connection: close" in reply and b"use https://" in reply
        # TLS still works afterwards.
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        url = line.split("(", 1)[1].split(")", 1)[0]
        with urllib.request.urlopen(url + "x.txt", timeout=10, context=context) as response:
            assert response.read() == b"secure"
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    assert '"GET /x.txt HTTP/1.1" 400' in err and "Traceback" not in err
