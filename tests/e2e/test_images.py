"""webstd images --download end to end against a site served on 127.0.0.1 (tests/support/image_site)."""

import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.client_servers import ScriptedServer
from support.image_site import HUGE_SIZE, KOREAN_NAME, KOREAN_PAGE, KOREAN_PATH, image_site
from support.tinyproxy import PROXY_PASSWORD, PROXY_USER, tinyproxy
from webstd._images.charset import decode_page
from webstd._images.naming import url_hash
from webstd.cli.images import main

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(scope="module")
def site():
    with image_site() as running:
        yield running


@pytest.fixture(scope="module")
def first_run(site, tmp_path_factory):
    """One full download of the index page (most tests read its results)."""
    directory = tmp_path_factory.mktemp("images")
    with pytest.MonkeyPatch.context() as patch:
        captured = {}

        class Capture:
            def __init__(self):
                self.parts = []

            def write(self, text):
                self.parts.append(text)

            def flush(self):
                pass

            def isatty(self):
                return False

        out, err = Capture(), Capture()
        patch.setattr(sys, "stdout", out)
        patch.setattr(sys, "stderr", err)
        captured["status"] = main([site.url + "/", "--css", "--download", str(directory),
                                   "--timeout", "0.5", "--max-size", "1M"])
    captured["out"] = "".join(out.parts)
    captured["err"] = "".join(err.parts)
    captured["dir"] = directory
    return captured


def test_asyncio_loop_gives_the_same_results(first_run, tmp_path):
    # first_run took the default loop, uvloop where it is installed; asyncio's own must agree.
    with image_site() as fresh, pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", io.StringIO())
        patch.setattr(sys, "stderr", io.StringIO())
        status = main([fresh.url + "/", "--css", "--download", str(tmp_path), "--timeout", "0.5",
                       "--max-size", "1M", "--loop", "asyncio"])
        summary = sys.stdout.getvalue().splitlines()[0]
    assert (status, summary) == (1, first_run["out"].splitlines()[0])
    plain = sorted(path.name for path in first_run["dir"].iterdir() if "-" not in path.stem)
    assert sorted(path.name for path in tmp_path.iterdir() if "-" not in path.stem) == plain
    for name in plain:
        assert (tmp_path / name).read_bytes() == (first_run["dir"] / name).read_bytes()


def test_exit_status_and_summary(first_run, site):
    assert first_run["status"] == 1
    lines = first_run["out"].splitlines()
    assert lines[0] == "downloaded 21, skipped 1, failed 4"
    assert f"failed {site.url}/missing.png: HTTP 404 Not Found" in lines
    assert f"failed {site.url}/notimage.png: not an image (text/html)" in lines
    assert f"failed {site.url}/huge.png: too large ({HUGE_SIZE} bytes, --max-size 1048576)" in lines
    assert (f"failed {site.url}/huge-stream.png: too large (more than 1048576 bytes,"
            " --max-size 1048576)") in lines
    assert f"skipped {site.url}/private/secret.png: disallowed by robots.txt" in lines


def test_plain_progress_lines_when_stderr_is_not_a_tty(first_run, site):
    err = first_run["err"].splitlines()
    assert len(err) == 26
    assert f"downloaded {site.url}/img/plain.png: plain.png (3000 bytes)" in err


def test_files_match_what_the_server_sent(first_run, site):
    directory = first_run["dir"]
    for name, path in [("plain.png", "/img/plain.png"), ("spaced.png", "/img/spaced.png"),
                       ("pic.webp", "/img/pic.webp"), ("favicon.ico", "/favicon.ico"),
                       ("hero.png", "/img/hero.png"), ("inline.png", "/img/inline.png")]:
        assert (directory / name).read_bytes() == site.files[path][1]
    assert not list(directory.glob("*.part"))
    assert not (directory / "huge.png").exists() and not (directory / "missing.png").exists()


def test_same_base_name_keeps_both(first_run, site):
    directory = first_run["dir"]
    assert (directory / "dup.png").read_bytes() == site.files["/a/dup.png"][1]
    second = f"dup-{url_hash(site.url + '/b/dup.png')}.png"
    assert (directory / second).read_bytes() == site.files["/b/dup.png"][1]


def test_data_urls_are_decoded_and_saved(first_run):
    directory = first_run["dir"]
    gifs = list(directory.glob("*.gif"))
    assert [path.read_bytes()[:6] for path in gifs] == [b"GIF89a"]
    svgs = list(directory.glob("*.svg"))
    assert [path.read_bytes() for path in svgs] == [b'<svg xmlns="http://www.w3.org/2000/svg"/>']


def test_slow_image_times_out_then_succeeds_on_retry(first_run, site):
    assert len(site.requests_for("/slow.png")) == 2
    assert (first_run["dir"] / "slow.png").read_bytes() == site.files["/slow.png"][1]


def test_503_is_retried(first_run, site):
    assert len(site.requests_for("/flaky.png")) == 2
    assert (first_run["dir"] / "flaky.png").exists()


def test_404_is_not_retried(first_run, site):
    assert len(site.requests_for("/missing.png")) == 1


def test_redirect_is_followed(first_run, site):
    assert (first_run["dir"] / "redirect.png").read_bytes() == site.files["/img/target.png"][1]


def test_cut_download_resumes_with_range(first_run, site):
    gets = [entry for entry in site.requests_for("/cut.png") if entry[0] == "GET"]
    body = site.files["/cut.png"][1]
    assert gets == [("GET", "/cut.png", None), ("GET", "/cut.png", f"bytes={len(body) // 2}-")]
    assert (first_run["dir"] / "cut.png").read_bytes() == body


def test_robots_fetched_once_and_respected(first_run, site):
    assert len(site.requests_for("/robots.txt")) <= 2  # the module's runs share the site
    assert site.requests_for("/private/secret.png") == []


def test_second_run_skips_complete_files_and_resumes_a_part(site, tmp_path, capsys):
    body = site.files["/img/plain.png"][1]
    (tmp_path / "plain.png.part").write_bytes(body[:1000])
    (tmp_path / "hero.png").write_bytes(site.files["/img/hero.png"][1])
    (tmp_path / "small.png").write_bytes(b"stale")
    before = len(site.log)
    assert main([site.url + "/", "--css", "--download", str(tmp_path), "--max-size", "1M",
                 "--ignore-robots"]) == 1
    out = capsys.readouterr().out
    new = site.log[before:]
    assert ("GET", "/img/plain.png", "bytes=1000-") in new
    assert (tmp_path / "plain.png").read_bytes() == body
    assert f"skipped {site.url}/img/hero.png: hero.png already complete" in out
    assert ("HEAD", "/img/hero.png", None) in new and ("GET", "/img/hero.png", None) not in new
    assert (tmp_path / "small.png").read_bytes() == site.files["/img/small.png"][1]
    assert ("GET", "/private/secret.png", None) in new
    assert ("GET", "/robots.txt", None) not in new


def test_a_200_answer_to_a_range_request_restarts_the_file(site, tmp_path):
    # The site serves /huge-stream.png chunked and ignores Range for it.
    (tmp_path / "huge-stream.png.part").write_bytes(b"garbage")
    assert main([site.url + "/", "--download", str(tmp_path), "--ignore-robots", "--any-type",
                 "--jobs", "16"]) == 1
    assert (tmp_path / "huge-stream.png").read_bytes() == site.files["/huge-stream.png"][1]
    assert (tmp_path / "notimage.png").read_bytes() == site.files["/notimage.png"][1]


def test_euc_kr_page_declared_by_meta_only(site, tmp_path):
    text, codec = decode_page(KOREAN_PAGE, "text/html")
    assert codec == "cp949" and 'alt="고양이 사진"' in text
    assert main([site.url + "/korean.html", "--download", str(tmp_path)]) == 0
    assert (tmp_path / KOREAN_NAME).read_bytes() == site.files[KOREAN_PATH][1]


def test_delay_spaces_requests_to_one_host(site, tmp_path):
    before = len(site.times)
    started = time.monotonic()
    assert main([site.url + "/korean.html", "--download", str(tmp_path), "--delay", "0.2"]) == 0
    elapsed = time.monotonic() - started
    arrivals = [moment for _, moment in site.times[before:]]
    assert len(arrivals) == 3  # the page, robots.txt, the image
    # The client sleeps 0.2 s before each request after the first: the run cannot be shorter than
    # the two sleeps, whatever the load. On the server's side a loaded machine can delay one
    # arrival and not the next, so its gaps are only checked to be clearly there.
    assert elapsed >= 0.4
    assert all(later - earlier >= 0.1 for earlier, later in zip(arrivals, arrivals[1:], strict=False))


def test_command_line_runs_in_a_subprocess(site, tmp_path):
    environment = dict(os.environ, PYTHONPATH=str(SRC))
    result = subprocess.run(
        [sys.executable, "-m", "webstd", "images", site.url + "/korean.html",
         "--download", str(tmp_path)],
        capture_output=True, text=True, timeout=60, env=environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "downloaded 1, skipped 0, failed 0\n"
    assert "Traceback" not in result.stderr


def test_downloads_through_the_proxy_in_http_proxy(site, tmp_path, monkeypatch, capsys):
    # The page, robots.txt and the image all go through tinyproxy (webstd.urllib.request on a
    # worker thread). Without credentials tinyproxy refuses: proof that the proxy is asked.
    with tinyproxy(tmp_path) as proxy:
        for name in ("no_proxy", "NO_PROXY", "HTTP_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("http_proxy", proxy)
        assert main([site.url + "/korean.html", "--download", str(tmp_path / "out")]) == 2
        assert "HTTP 407" in capsys.readouterr().err
        monkeypatch.setenv("http_proxy", proxy.replace("http://", f"http://{PROXY_USER}:{PROXY_PASSWORD}@"))
        before = len(site.log)
        assert main([site.url + "/korean.html", "--download", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / KOREAN_NAME).read_bytes() == site.files[KOREAN_PATH][1]
    assert ("GET", KOREAN_PATH, None) in site.log[before:]


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_ctrl_c_stops_at_once_and_keeps_the_part(loop, tmp_path):
    # An image whose server sends half the body and stalls: Ctrl-C (SIGINT) must end the run at
    # once with status 130 and no traceback, leaving the half in NAME.part for the next run.
    if loop == "uvloop":
        pytest.importorskip("uvloop")
    half = b"x" * 40_000
    page = b'<img src="/stall.png">'

    def script(peer):
        while (request := peer.read_request()) is not None:
            if request.target == "/":
                peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                          b"Content-Length: %d\r\n\r\n%b" % (len(page), page))
            else:
                peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                          b"Content-Length: 80000\r\n\r\n" + half)

    with ScriptedServer(script) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "webstd", "images", f"http://127.0.0.1:{server.port}/",
             "--download", str(tmp_path), "--ignore-robots", "--loop", loop],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, PYTHONPATH=str(SRC)))
        part = tmp_path / "stall.png.part"
        deadline = time.monotonic() + 30
        while not (part.exists() and part.stat().st_size == len(half)):
            assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    assert process.returncode == 130
    assert "Traceback" not in err
    assert part.read_bytes() == half
    assert not (tmp_path / "stall.png").exists()


def run_images(*arguments: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "webstd", "images", *arguments],
                          capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, PYTHONPATH=str(SRC)))


def serve(routes: dict[str, bytes]):
    """A ScriptedServer answering each path in ``routes`` with its whole response."""

    def script(peer):
        while (request := peer.read_request()) is not None:
            peer.send(routes.get(request.target, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))

    return ScriptedServer(script)


def answer(status: str, content_type: str = "", body: bytes = b"") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    return head.encode() + b"\r\n" + body


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_images_on_a_host_that_refuses_fail(tmp_path):
    # robots.txt cannot be fetched because nothing listens: the images fail (exit 1), with why.
    dead = f"http://127.0.0.1:{closed_port()}"
    page = f'<img src="{dead}/a.png"><img src="{dead}/b.png">'.encode()
    with serve({"/": answer("200 OK", "text/html", page)}) as server:
        result = run_images(f"http://127.0.0.1:{server.port}/", "--download", str(tmp_path),
                            "--retries", "0")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "downloaded 0, skipped 0, failed 2"
    for name in ("a.png", "b.png"):
        assert any(line.startswith(f"failed {dead}/{name}: robots.txt unavailable: "
                                   "ConnectionRefusedError") for line in lines)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("robots", "status", "summary"), [
    (answer("404 Not Found"), 0, "downloaded 1, skipped 0, failed 0"),
    (answer("503 Service Unavailable"), 0, "downloaded 0, skipped 1, failed 0"),
])
def test_robots_4xx_allows_and_5xx_disallows(robots, status, summary, tmp_path):
    routes = {"/": answer("200 OK", "text/html", b'<img src="/a.png">'), "/robots.txt": robots,
              "/a.png": answer("200 OK", "image/png", b"\x89PNG....")}
    with serve(routes) as server:
        result = run_images(f"http://127.0.0.1:{server.port}/", "--download", str(tmp_path),
                            "--retries", "0")
    assert result.returncode == status, result.stderr
    assert result.stdout.splitlines()[0] == summary
    if "skipped 1" in summary:
        assert "disallowed by robots.txt (robots.txt unavailable: HTTP 503" in result.stdout


@pytest.mark.parametrize(("content_type", "body"), [
    ("image/png", b"\x89PNG...."), ("text/plain; charset=utf-8", b'<img src="a.png">')])
@pytest.mark.parametrize("download", [False, True])
def test_a_url_that_is_not_html_is_an_error(content_type, body, download, tmp_path):
    routes = {"/x": answer("200 OK", content_type, body)}
    with serve(routes) as server:
        url = f"http://127.0.0.1:{server.port}/x"
        result = run_images(url, *(["--download", str(tmp_path)] if download else []))
    media_type = content_type.split(";")[0]
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"webstd images: error: {url} is {media_type}, not an HTML page\n"
    assert list(tmp_path.iterdir()) == []


def run_on_a_terminal(arguments: list[str], columns: int) -> tuple[int, str, str]:
    """Runs ``webstd images`` with stderr on a pty ``columns`` wide: (status, stdout, the bytes
    the terminal received, decoded)."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    environment = dict(os.environ, PYTHONPATH=str(SRC))
    environment.pop("COLUMNS", None)
    process = subprocess.Popen([sys.executable, "-m", "webstd", "images", *arguments],
                               stdout=subprocess.PIPE, stderr=slave, env=environment)
    os.close(slave)
    received = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every copy of the slave is closed
            break
        if not chunk:
            break
        received += chunk
    os.close(master)
    out = process.stdout.read().decode()
    process.stdout.close()
    return process.wait(timeout=60), out, received.decode()


def test_progress_fits_a_40_column_terminal(site, tmp_path):
    status, out, terminal = run_on_a_terminal(
        [site.url + "/", "--css", "--download", str(tmp_path), "--timeout", "0.5",
         "--max-size", "1M", "--ignore-robots"], 40)
    assert status == 1 and out.startswith("downloaded "), terminal
    # What the terminal shows: each \r returns to column 0, \x1b[K clears the rest of the line.
    drawn = [piece.replace("\x1b[K", "") for line in terminal.split("\n")
             for piece in line.split("\r")]
    drawn = [piece for piece in drawn if piece]
    assert len(drawn) >= 2 and any("files" in piece for piece in drawn)
    assert max(len(piece) for piece in drawn) < 40, drawn
    assert terminal.count("\n") <= 2  # the pty turns the final "\n" into "\r\n": one line, no wraps
