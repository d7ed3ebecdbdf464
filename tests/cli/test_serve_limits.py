"""`webstd serve` under pressure, as a process over loopback sockets: clients that trickle a
head or a body (408 by the deadline, others still served), running out of file descriptors
(back off, no spinning, no log flood, serve again once one frees), and SIGTERM (finish the
downloads in flight, log the bytes really sent, stop at once when idle)."""

import os
import re
import resource
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def launch(*args, preexec_fn=None):
    process = subprocess.Popen(
        [sys.executable, "-m", "webstd", "serve", "0", "--bind", "127.0.0.1", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=preexec_fn,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )  # fmt: skip
    line = process.stdout.readline()
    assert line.startswith("Serving HTTP"), line
    return process, int(re.search(r" port (\d+) ", line)[1])


def stop(process, signum=signal.SIGINT):
    if process.poll() is None:
        process.send_signal(signum)
    _, err = process.communicate(timeout=15)
    return err


def get(port, target="/a.txt", timeout=5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def trickle(socks, payload: bytes, interval: float, give_up: float):
    """Sends payload one byte per interval on every socket; returns {sock: (seconds, reply)}."""
    start = time.monotonic()
    replies, sent = {}, dict.fromkeys(socks, 0)
    next_send = start
    while len(replies) < len(socks) and time.monotonic() - start < give_up:
        now = time.monotonic()
        if now >= next_send:
            next_send = now + interval
            for sock in socks:
                if sock not in replies and sent[sock] < len(payload):
                    try:
                        sock.send(payload[sent[sock] : sent[sock] + 1])
                        sent[sock] += 1
                    except OSError:
                        pass
        waiting = [sock for sock in socks if sock not in replies]
        readable, _, _ = select.select(waiting, [], [], max(0.0, next_send - time.monotonic()))
        for sock in readable:
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            replies[sock] = (time.monotonic() - start, data)
    return replies


@pytest.fixture
def root(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"hello")
    return tmp_path


def test_trickled_heads_get_408_by_the_deadline_and_others_are_served(root):
    process, port = launch("-d", str(root), "--head-timeout", "2")
    socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(20)]
    try:
        payload = b"GET /a.txt HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"y" * 100 + b"\r\n\r\n"
        # A normal client, while the slow ones trickle, is served at once.
        normal: list = []
        timer = threading.Timer(1.0, lambda: normal.append((time.monotonic(), get(port))))
        started = time.monotonic()
        timer.start()
        replies = trickle(socks, payload, 0.5, give_up=8.0)
        timer.join()
        assert normal and normal[0][1].startswith(b"HTTP/1.1 200 ") and normal[0][1].endswith(b"hello")
        assert normal[0][0] - started < 3.0
        assert len(replies) == 20
        for seconds, reply in replies.values():
            assert reply.startswith(b"HTTP/1.1 408 "), reply[:80]
            assert 1.5 <= seconds <= 4.5, seconds
            assert b"Connection: close" in reply
    finally:
        for sock in socks:
            sock.close()
        err = stop(process)
    assert "Traceback" not in err
    assert err.count('"-" 408 ') == 20


def test_a_trickled_upload_gets_408(root):
    process, port = launch("-d", str(root), "--upload", "--body-timeout", "1")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"PUT /up.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
            replies = trickle([sock], b"z" * 1000, 0.3, give_up=6.0)
        [(seconds, reply)] = replies.values()
        assert reply.startswith(b"HTTP/1.1 408 ") and seconds < 3.5
        assert not (root / "up.bin").exists()
        # A fast upload is not affected.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"PUT /ok.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
            assert sock.recv(100).startswith(b"HTTP/1.1 201 ")
        assert (root / "ok.bin").read_bytes() == b"abc"
    finally:
        err = stop(process)
    assert "Traceback" not in err


def _low_descriptor_limit():
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))


def test_out_of_descriptors_backs_off_and_serves_again(root):
    process, port = launch("-d", str(root), preexec_fn=_low_descriptor_limit)
    flood = []
    try:
        for _ in range(120):  # more than the server's 64 descriptors; the rest wait in the backlog
            flood.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        time.sleep(0.5)
        before = cpu_seconds(process.pid)
        time.sleep(3.0)
        spent = cpu_seconds(process.pid) - before
        assert spent < 0.5, f"the server spent {spent:.2f} s of CPU in 3 s while out of descriptors"
        for sock in flood:
            sock.close()
        flood = []
        deadline = time.monotonic() + 5.0
        reply = b""
        while time.monotonic() < deadline:
            try:
                reply = get(port, timeout=2.0)
                if reply:
                    break
            except OSError:
                time.sleep(0.1)
        assert reply.startswith(b"HTTP/1.1 200 ") and reply.endswith(b"hello")
    finally:
        for sock in flood:
            sock.close()
        err = stop(process)
    assert "Traceback" not in err
    assert len(err) < 2000, err[:2000]
    assert err.count("accept() failed") >= 1


def _download(port, target):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    return sock


def _head_length(data: bytes) -> int:
    return data.index(b"\r\n\r\n") + 4


def test_sigterm_finishes_a_download_in_flight(root):
    size = 32 << 20
    with open(root / "big.bin", "wb") as f:
        f.truncate(size)
    process, port = launch("-d", str(root))
    try:
        sock = _download(port, "/big.bin")
        received = sock.recv(1 << 20)
        process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        with pytest.raises(ConnectionRefusedError):  # no new connections once stopping
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        total = len(received) - _head_length(received)
        while chunk := sock.recv(1 << 20):
            total += len(chunk)
            time.sleep(0.01)  # a slowish client: the download outlasts the signal by seconds
        sock.close()
        assert total == size
        process.wait(10)
    finally:
        err = stop(process)
    assert process.returncode == 0 and "Traceback" not in err
    assert f'"GET /big.bin HTTP/1.1" 200 {size}' in err


def test_sigterm_gives_up_after_the_graceful_timeout_and_logs_what_was_sent(root):
    size = 64 << 20
    with open(root / "big.bin", "wb") as f:
        f.truncate(size)
    process, port = launch("-d", str(root), "--graceful-timeout", "1")
    sock = _download(port, "/big.bin")
    try:
        sock.recv(1 << 16)  # then stop reading
        time.sleep(0.2)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(10)
        assert time.monotonic() - started < 3.5
    finally:
        sock.close()
        err = stop(process)
    assert process.returncode == 0 and "Traceback" not in err
    sent = int(re.search(r'"GET /big.bin HTTP/1.1" 200 (\d+)', err)[1])
    assert 0 < sent < size


def test_sigterm_stops_at_once_when_idle(root):
    process, port = launch("-d", str(root))
    try:
        assert get(port).endswith(b"hello")
        # An idle keep-alive connection does not hold the stop either.
        idle = socket.create_connection(("127.0.0.1", port), timeout=5)
        idle.sendall(b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        assert idle.recv(1000).endswith(b"hello")
        time.sleep(0.2)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(10)
        assert time.monotonic() - started < 1.0
        assert idle.recv(100) == b""
        idle.close()
    finally:
        err = stop(process)
    assert process.returncode == 0 and "Traceback" not in err


def test_proxy_stops_at_once_on_sigterm():
    process = subprocess.Popen(
        [sys.executable, "-m", "webstd", "proxy", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )  # fmt: skip
    try:
        assert "listening" in process.stderr.readline()
        time.sleep(0.2)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(10)
        assert time.monotonic() - started < 1.0
    finally:
        stop(process)
    assert process.returncode == 0
