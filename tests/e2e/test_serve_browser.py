"""webstd serve with headless Chromium: the listing page renders, and the page's upload form
posts a file that lands on disk whole, and a UTF-8 Korean text file renders as Korean. Skipped when chromium is not installed."""

import hashlib
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


@pytest.fixture
def served(tmp_path):
    root = tmp_path / "root"
    shutil.copytree(REPO / "examples" / "site", root)
    (root / "notes <b>&amp; más.txt").write_text("unicode and markup in a name")
    process = subprocess.Popen(
        [sys.executable, "-m", "webstd", "serve", "0", "--bind", "127.0.0.1", "--directory",
         str(root), "--upload"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )  # fmt: skip
    line = process.stdout.readline()
    url = line.split("(", 1)[1].split(")", 1)[0]
    yield root, url
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=10)


def chromium(tmp_path, *args, timeout=60):
    # A fresh profile each time: no browser cache between calls.
    profile = tempfile.mkdtemp(dir=tmp_path)
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, timeout=timeout,
    )


def test_listing_renders_and_screenshot_is_not_blank(served, tmp_path):
    root, url = served
    shot = tmp_path / "listing.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,800", url + "images/?sort=size")
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 5000
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1200, 800)
    if os.environ.get("WEBSTD_KEEP_SCREENSHOT"):
        shutil.copy(shot, os.environ["WEBSTD_KEEP_SCREENSHOT"])

    dom = chromium(tmp_path, "--dump-dom", url + "images/").stdout.decode()
    assert "<title>Index of /images/</title>" in dom
    for name in ("checker.png", "gradient.png", "logo.svg", "photo.jpg"):
        assert f'href="{name}"' in dom
    listing = chromium(tmp_path, "--dump-dom", url + "?x").stdout.decode()
    assert "webstd serve" in listing  # index.html, not a listing
    (root / "index.html").unlink()
    listing = chromium(tmp_path, "--dump-dom", url).stdout.decode()
    assert "notes &lt;b&gt;&amp;amp; más.txt" in listing
    assert "<b>&amp;" not in listing


def test_upload_through_the_page_lands_whole(served, tmp_path):
    root, url = served
    payload = bytes(range(256)) * 4000  # 1 MB, every byte value
    # A page on the same origin opens the listing in a frame, puts a File in its form's input
    # (DataTransfer) and submits the form's own FormData to the form's action.
    (root / "driver.html").write_text(
        """<!DOCTYPE html><meta charset="utf-8"><body><iframe id="f" src="/images/"></iframe>
<script>
document.getElementById('f').onload = async () => {
  const doc = document.getElementById('f').contentDocument;
  const form = doc.querySelector('form');
  const bytes = new Uint8Array(1024000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i % 256;
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], 'from-browser.bin'));
  form.querySelector('input[type=file]').files = transfer.files;
  const response = await fetch(form.action, {method: 'POST', body: new FormData(form)});
  document.body.setAttribute('data-status', String(response.status));
};
</script>"""
    )
    dom = chromium(tmp_path, "--virtual-time-budget=10000", "--dump-dom", url + "driver.html").stdout
    assert b'data-status="201"' in dom
    uploaded = root / "images" / "from-browser.bin"
    assert hashlib.sha256(uploaded.read_bytes()).digest() == hashlib.sha256(payload).digest()
    assert not [name for name in os.listdir(root / "images") if name.endswith(".upload")]


def test_utf8_text_file_renders_as_korean(tmp_path):
    root = tmp_path / "text"
    root.mkdir()
    text = "안녕하세요, 세계! 한국어 텍스트 파일입니다."
    (root / "ko.txt").write_text(text, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "webstd", "serve", "0", "--bind", "127.0.0.1", "--directory",
         str(root)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )  # fmt: skip
    try:
        url = process.stdout.readline().split("(", 1)[1].split(")", 1)[0]
        dom = chromium(tmp_path, "--dump-dom", url + "ko.txt").stdout.decode("utf-8")
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    assert text in dom
    assert "ì" not in dom  # the first byte of 안 (0xEC) read as windows-1252
