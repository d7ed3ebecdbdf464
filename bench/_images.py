"""Benchmark: download 200 images of 50 KiB, ``webstd images --download --jobs 8`` against a
sequential loop of the stdlib's urllib.request.urlretrieve, in the same run and from the same server.

Both run in this process (no interpreter start-up on either side); webstd's time includes fetching
and parsing the page. webstd images runs twice: on uvloop, which it takes by default when the
optional webstd[uvloop] extra is installed (as `make bench` does), and on asyncio's own loop
(``--loop asyncio``, what it runs on without the extra). The server runs on CPU 1 and this process
on CPU 0, as the wrk benchmarks pin theirs. Each comparison is the best of ``--rounds`` alternating
rounds after one warm-up round, and has one more contender, the floor: a bare selectors loop with the same connections,
parser and file writes and nothing else, the most a downloader built on webstd.protocol gets on the
machine. The servers:

- nginx and ``webstd serve`` on loopback, files written to disk (under /var/tmp, see
  disk_directory) and then to /dev/shm (tmpfs): a request waits for nothing, so this compares CPU
  time; creating 200 files costs both sides the same, least on tmpfs, where the downloaders
  themselves are compared;
- bench/_latency_server.py, which answers after a fixed delay (5 ms by default) as a server across a
  network does: the case concurrent downloads exist for.

Starts its own nginx (tests/support/nginx.py); nginx serves .png as application/octet-stream there,
hence ``--any-type``.

    bench/images.sh (or .venv/bin/python bench/_images.py) [--images 200] [--size 51200] [--jobs 8] [--rounds 5] [--latency 5] [--verbose]
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named after stdlib modules (html.py ...): keep it off the import path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
sys.path[:0] = [str(HERE.parent / "src"), str(HERE.parent / "tests")]

import argparse  # noqa: E402
import array  # noqa: E402
import contextlib  # noqa: E402
import fcntl  # noqa: E402
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
from webstd.cli.images import loop_factory  # noqa: E402
from webstd.cli.images import main as webstd_images  # noqa: E402
from webstd.protocol import NEED_DATA, Data, EndOfMessage, Response, ResponseParser, request_head  # noqa: E402

# `webstd images` runs on uvloop when it is installed (the webstd[uvloop] extra, which `make bench`
# installs); both loops are measured.
UVLOOP = loop_factory("auto") is not None


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


def webstd_run(page: str, target: Path, jobs: int, loop: str = "auto") -> float:
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        status = webstd_images([page, "--download", str(target), "--jobs", str(jobs),
                                "--any-type", "--ignore-robots", "--loop", loop])
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"webstd images exited with {status}")
    return elapsed


def compare(title: str, base: str, names: list[str], workdir: Path, args: argparse.Namespace) -> None:
    """Best of ``args.rounds`` for the stdlib loop, webstd images (on uvloop when it is installed,
    as the command chooses by default, and on asyncio's loop) and the floor, alternating."""
    urls = [f"{base}/img/{name}" for name in names]
    page = f"{base}/page.html"
    contenders = [("stdlib", lambda target: stdlib_loop(urls, target))]
    if UVLOOP:
        contenders.append(("uvloop", lambda target: webstd_run(page, target, args.jobs, "uvloop")))
    contenders += [("asyncio", lambda target: webstd_run(page, target, args.jobs, "asyncio")),
                   ("floor", lambda target: bare_loop(urls, target, args.jobs))]
    times: dict[str, list[float]] = {label: [] for label, _ in contenders}
    # Every run writes to a new directory, spread by ext4 away from recently freed inodes, and
    # nothing is deleted before the bench ends (see disk_directory).
    runs = Path(tempfile.mkdtemp(prefix="runs-", dir=workdir))
    spread_subdirectories(runs)
    # Round 0 is a warm-up, not counted.
    for round_number in range(args.rounds + 1):
        for label, run in contenders:
            target = runs / f"{label}-{round_number}"
            target.mkdir()
            # Each run starts with the previous one's files written back: otherwise its
            # write-back lands in the middle of the next run, whichever side that is.
            os.sync()
            elapsed = run(target)
            if round_number:
                times[label].append(elapsed)
            if sorted(os.listdir(target)) != names:
                raise SystemExit(f"{label}: wrong files in {target}")
    best = {label: min(values) for label, values in times.items()}
    if args.verbose:
        for label, values in times.items():
            print(f"  {label:8s} every round: " + " ".join(f"{value * 1000:.1f}" for value in values))
    stdlib = best["stdlib"]
    print(f"images: {args.images} x {args.size} B from {title}, best of {args.rounds}")
    print(f"  stdlib urlretrieve loop:                {stdlib * 1000:8.1f} ms")
    for label in ("uvloop", "asyncio"):
        if label in best:
            print(f"  webstd images --jobs {args.jobs} --loop {label:<8} {best[label] * 1000:8.1f} ms"
                  f" ({stdlib / best[label]:.2f}x; page fetch and parse included)")
    print(f"  floor: bare selectors loop, {args.jobs} conns    {best['floor'] * 1000:8.1f} ms"
          f" ({stdlib / best['floor']:.2f}x stdlib: the most any downloader gets here)")
    default = best["uvloop" if UVLOOP else "asyncio"]
    also = f" (asyncio loop {stdlib / best['asyncio']:.2f}x)" if UVLOOP else " (uvloop not installed)"
    print(f"images download ({title.split(' (')[0]}): webstd {stdlib / default:.2f}x stdlib{also}")


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


def disk_directory() -> str | None:
    """Where the disk case writes: /var/tmp, which is on disk by definition (FHS 3.0, 5.15),
    where /tmp is a tmpfs on many systems (Debian 13's default).

    On ext4 without a journal (the root file system of the VM docs/benchmarks.md was measured on)
    the inode allocator will not reuse an inode freed less than 60 s ago (300 s while its inode
    table block is dirty), and looks up every such inode it passes over (recently_deleted() in
    fs/ext4/ialloc.c). Next to thousands of recent deletions (a test run's, or this bench's own
    when it deleted each run's files before the next) a file then costs 150-400 us of CPU to
    create instead of 15-60, for every contender alike, and the case measures the allocator. So
    compare() deletes nothing until the bench ends, counts no warm-up round, and writes in
    directories ext4 spreads away from the freed inodes (spread_subdirectories). A journaled ext4
    does not do this."""
    return "/var/tmp" if os.access("/var/tmp", os.W_OK) else None


def spread_subdirectories(directory: Path) -> None:
    """Best effort: ``chattr +T`` (FS_TOPDIR_FL), which makes ext4 place each new subdirectory
    like a top-level one, in a block group with many free inodes, instead of next to its parent
    where a test run's or an earlier bench's deletions left inodes it will not reuse yet. On the
    VM of docs/benchmarks.md, 200 files right after 4,000 deletions took 60-79 ms to create next
    to them and 9-12 ms in a spread directory. Other file systems refuse or ignore the flag."""
    get_flags, set_flags, topdir = 0x80086601, 0x40086602, 0x00020000  # linux/fs.h
    try:
        descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        flags = array.array("l", [0])
        fcntl.ioctl(descriptor, get_flags, flags, True)
        flags[0] |= topdir
        fcntl.ioctl(descriptor, set_flags, flags, True)
    except OSError:
        pass
    finally:
        os.close(descriptor)


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
    parser.add_argument("--verbose", action="store_true", help="print every round's time too")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-images-", dir=disk_directory()))
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
