"""Benchmark: download 200 images of 50 KiB, ``webstd images --download --jobs 8`` against a
sequential loop of the stdlib's urllib.request.urlretrieve, in the same run and from the same server,
twice: from nginx on loopback, where a request waits for nothing and only CPU time is compared, and
from bench/_latency_server.py, which answers after a fixed delay (5 ms by default) as a server across a
network does, the case concurrent downloads exist for. Starts its own nginx (tests/support/nginx.py);
nginx serves .png as application/octet-stream there, hence ``--any-type``.

    .venv/bin/python bench/images.py [--images 200] [--size 51200] [--jobs 8] [--rounds 3] [--latency 5]
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
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

from support.nginx import start_nginx  # noqa: E402
from webstd.cli.images import main as webstd_images  # noqa: E402


def stdlib_loop(urls: list[str], target: Path) -> float:
    started = time.perf_counter()
    for url in urls:
        urllib.request.urlretrieve(url, target / url.rsplit("/", 1)[-1])
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
    """Best of ``args.rounds`` for the stdlib loop and for webstd images, alternating."""
    urls = [f"{base}/img/{name}" for name in names]
    stdlib_times, webstd_times = [], []
    for round_number in range(args.rounds):
        for label, times, run in (
            ("stdlib", stdlib_times, lambda target: stdlib_loop(urls, target)),
            ("webstd", webstd_times, lambda target: webstd_run(f"{base}/page.html", target, args.jobs)),
        ):
            target = workdir / f"{label}-{round_number}"
            target.mkdir()
            times.append(run(target))
            if sorted(os.listdir(target)) != names:
                raise SystemExit(f"{label}: wrong files in {target}")
            shutil.rmtree(target)
    best_stdlib, best_webstd = min(stdlib_times), min(webstd_times)
    print(f"images: {args.images} x {args.size} B from {title}, best of {args.rounds}")
    print(f"  stdlib urlretrieve loop:           {best_stdlib * 1000:8.1f} ms")
    print(f"  webstd images --jobs {args.jobs:<3}          {best_webstd * 1000:8.1f} ms"
          " (page fetch and parse included)")
    print(f"images download ({title.split(' (')[0]}): webstd {best_stdlib / best_webstd:.2f}x stdlib")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--size", type=int, default=50 * 1024)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency", type=float, default=5.0, help="ms the second server waits per answer")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-images-"))
    server = start_nginx(workdir / "nginx")
    try:
        www = server.root / "www"
        (www / "img").mkdir()
        names = [f"{index:04d}.png" for index in range(args.images)]
        for name in names:
            (www / "img" / name).write_bytes(os.urandom(args.size))
        (www / "page.html").write_text(
            "<html><body>" + "".join(f'<img src="img/{n}">' for n in names) + "</body></html>")
        compare("nginx on loopback (no waiting: CPU time only)", f"http://127.0.0.1:{server.port}",
                names, workdir, args)
        latency = subprocess.Popen(
            [sys.executable, str(HERE / "_latency_server.py"), str(www), str(args.latency)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
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
