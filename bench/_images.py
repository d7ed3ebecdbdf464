"""Benchmark: download 200 images of 50 KiB, ``webstd images --download --jobs 8`` against a
sequential loop of the stdlib's urllib.request.urlretrieve, in the same run and from the same server.

Both run in this process (no interpreter start-up on either side); webstd's time includes fetching
and parsing the page. The server runs on CPU 1 and this process on CPU 0, as the wrk benchmarks pin
theirs. Each comparison is the best of ``--rounds`` alternating rounds, and has a third contender,
the floor: a bare selectors loop with the same connections, parser and file writes and nothing
else, the most a downloader built on webstd.protocol gets on the machine. The servers:

- nginx and ``webstd serve`` on loopback, files written to the temporary directory's disk and then
  to /dev/shm (tmpfs): a request waits for nothing, so this compares CPU time; creating 200 files
  costs both sides the same, least on tmpfs, where the downloaders themselves are compared;
- bench/_latency_server.py, which answers after a fixed delay (5 ms by default) as a server across a
  network does: the case concurrent downloads exist for.

Starts its own nginx (tests/support/nginx.py); nginx serves .png as application/octet-stream there,
hence ``--any-type``.

    bench/images.sh (or .venv/bin/python bench/_images.py) [--images 200] [--size 51200] [--jobs 8] [--rounds 5] [--latency 5]
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named after stdlib modules (html.py ...): keep it off the import path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
sys.path[:0] = [str(HERE.parent / "src"), str(HERE.parent / "tests")]

import argparse  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import selectors  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402

from support.nginx import start_nginx  # noqa: E402
from support.servers import wait_for_port  # noqa: E402
from webstd.cli.images import main as webstd_images  # noqa: E402
from webstd.protocol import NEED_DATA, Data, EndOfMessage, Response, ResponseParser, request_head  # noqa: E402


def stdlib_loop(urls: list[str], target: Path) -> float:
    started = time.perf_counter()
    for url in urls:
        urllib.request.urlretrieve(url, target / url.rsplit("/", 1)[-1])
    return time.perf_counter() - started


def bare_loop(urls: list[str], target: Path, jobs: int) -> float:
    """The floor: ``jobs`` keep-alive connections on a selectors loop, webstd.protocol parsing,
    each body written to NAME.part and renamed, and nothing else (no page, no checks, no asyncio).
    No downloader that parses HTTP and writes the files the same way can be much faster."""
    started = time.perf_counter()
    address = urllib.parse.urlsplit(urls[0])
    pending = [url.rsplit("/", 1)[-1] for url in reversed(urls)]
    prefix = os.path.dirname(address.path)
    selector = selectors.DefaultSelector()
    buffer = bytearray(256 * 1024)
    view = memoryview(buffer)

    def start(sock: socket.socket, state: dict) -> bool:
        if not pending:
            return False
        state["name"] = pending.pop()
        sock.sendall(request_head("GET", f"{prefix}/{state['name']}", [("Host", address.netloc)]))
        state["parser"].expect("GET")
        return True

    for _ in range(min(jobs, len(urls))):
        sock = socket.create_connection((address.hostname, address.port))
        state = {"parser": ResponseParser(), "fd": None}
        selector.register(sock, selectors.EVENT_READ, state)
        if not start(sock, state):
            selector.unregister(sock)
            sock.close()
    while selector.get_map():
        for key, _ in selector.select():
            sock, state = key.fileobj, key.data
            parser = state["parser"]
            parser.feed(view[:sock.recv_into(buffer)])
            while (event := parser.next_event()) is not NEED_DATA:
                part = target / (state["name"] + ".part")
                if type(event) is Response:
                    state["fd"] = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
                elif type(event) is Data:
                    os.write(state["fd"], event.data)
                elif type(event) is EndOfMessage:
                    os.close(state["fd"])
                    os.replace(part, target / state["name"])
                    if not start(sock, state):
                        selector.unregister(sock)
                        sock.close()
                        break
    return time.perf_counter() - started


def webstd_run(page: str, target: Path, jobs: int) -> float:
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        status = webstd_images([page, "--download", str(target), "--jobs", str(jobs),
                                "--any-type", "--ignore-robots"])
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"webstd images exited with {status}")
    return elapsed


def compare(title: str, base: str, names: list[str], workdir: Path, args: argparse.Namespace) -> None:
    """Best of ``args.rounds`` for the stdlib loop, webstd images and the floor, alternating."""
    urls = [f"{base}/img/{name}" for name in names]
    stdlib_times, webstd_times, floor_times = [], [], []
    for round_number in range(args.rounds):
        for label, times, run in (
            ("stdlib", stdlib_times, lambda target: stdlib_loop(urls, target)),
            ("webstd", webstd_times, lambda target: webstd_run(f"{base}/page.html", target, args.jobs)),
            ("floor", floor_times, lambda target: bare_loop(urls, target, args.jobs)),
        ):
            target = workdir / f"{label}-{round_number}"
            target.mkdir()
            # Each run starts with the previous one's files written back: otherwise its
            # write-back lands in the middle of the next run, whichever side that is.
            os.sync()
            times.append(run(target))
            if sorted(os.listdir(target)) != names:
                raise SystemExit(f"{label}: wrong files in {target}")
            shutil.rmtree(target)
    best_stdlib, best_webstd, best_floor = min(stdlib_times), min(webstd_times), min(floor_times)
    print(f"images: {args.images} x {args.size} B from {title}, best of {args.rounds}")
    print(f"  stdlib urlretrieve loop:           {best_stdlib * 1000:8.1f} ms")
    print(f"  webstd images --jobs {args.jobs:<3}          {best_webstd * 1000:8.1f} ms"
          " (page fetch and parse included)")
    print(f"  floor: bare selectors loop, {args.jobs} conns {best_floor * 1000:8.1f} ms"
          f" ({best_stdlib / best_floor:.2f}x stdlib: the most any downloader gets here)")
    print(f"images download ({title.split(' (')[0]}): webstd {best_stdlib / best_webstd:.2f}x stdlib")


def loopback(server: str, base: str, names: list[str], workdir: Path, args: argparse.Namespace) -> None:
    """Files to disk, then to tmpfs (where the file system costs least) when /dev/shm exists."""
    compare(f"{server} on loopback, to disk (no waiting: CPU time only)", base, names, workdir, args)
    if os.access("/dev/shm", os.W_OK):
        memory = Path(tempfile.mkdtemp(prefix="bench-images-", dir="/dev/shm"))
        try:
            compare(f"{server} on loopback, to tmpfs (no waiting, least file-system cost)", base,
                    names, memory, args)
        finally:
            shutil.rmtree(memory, ignore_errors=True)


@contextlib.contextmanager
def webstd_serve(directory: Path):
    """``webstd serve`` on CPU 1: the project's own file server, the one `make run`'s demo site
    (and so the seed's image examples) downloads from."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "webstd", "serve", "-b", "127.0.0.1", "-d", str(directory), str(port)],
        env=dict(os.environ, PYTHONPATH=str(HERE.parent / "src")),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        pin(process.pid, 1)
        try:
            wait_for_port(port, process)
        except RuntimeError as error:
            raise SystemExit(f"webstd serve did not start: {error}") from None
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def pin(pid: int, cpu: int) -> None:
    if (os.cpu_count() or 1) > cpu:
        os.sched_setaffinity(pid, {cpu})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--size", type=int, default=50 * 1024)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency", type=float, default=5.0, help="ms the second server waits per answer")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-images-"))
    server = start_nginx(workdir / "nginx", cpu=1 if (os.cpu_count() or 1) > 1 else None)
    pin(0, 0)
    try:
        www = server.root / "www"
        (www / "img").mkdir()
        names = [f"{index:04d}.png" for index in range(args.images)]
        for name in names:
            (www / "img" / name).write_bytes(os.urandom(args.size))
        (www / "page.html").write_text(
            "<html><body>" + "".join(f'<img src="img/{n}">' for n in names) + "</body></html>")
        loopback("nginx", f"http://127.0.0.1:{server.port}", names, workdir, args)
        with webstd_serve(www) as base:
            loopback("webstd serve", base, names, workdir, args)
        latency = subprocess.Popen(
            [sys.executable, str(HERE / "_latency_server.py"), str(www), str(args.latency)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            pin(latency.pid, 1)
            port = int(latency.stdout.readline())
            compare(f"a server {args.latency:g} ms away (each answer waits that long, as across a network)",
                    f"http://127.0.0.1:{port}", names, workdir, args)
        finally:
            latency.terminate()
            latency.wait(5)
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
