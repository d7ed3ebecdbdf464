"""A 100 MiB upload streams through webstd.cgi.FieldStorage in bounded memory, intact."""

import hashlib
import io
import random
import tracemalloc

from webstd import cgi

MIB = 1024 * 1024
BOUNDARY = b"----webstdStreamingBoundary7MA4YWxkTrZu0gW"


class GeneratedBody(io.RawIOBase):
    """A multipart body made on the fly: one file part of ``size`` pseudo-random bytes."""

    def __init__(self, size: int) -> None:
        super().__init__()
        block = random.Random(7).randbytes(MIB)
        self.digest = hashlib.sha256()
        head = (
            b"--" + BOUNDARY + b"\r\n"
            b'Content-Disposition: form-data; name="upload"; filename="big.bin"\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n"
        )
        tail = b"\r\n--" + BOUNDARY + b"--\r\n"
        self.length = len(head) + size + len(tail)
        self._pieces = self._generate(head, block, size, tail)
        self._pending = b""

    def _generate(self, head, block, size, tail):
        yield head
        for offset in range(0, size, len(block)):
            piece = block[: size - offset]
            self.digest.update(piece)
            yield piece
        yield tail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self._pending:
            self._pending = next(self._pieces, b"")
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def test_100_mib_upload_in_bounded_memory():
    body = GeneratedBody(100 * MIB)
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "multipart/form-data; boundary=" + BOUNDARY.decode(),
        "CONTENT_LENGTH": str(body.length),
    }
    tracemalloc.start()
    try:
        form = cgi.FieldStorage(fp=io.BufferedReader(body), environ=environ)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    upload = form["upload"]
    assert upload.filename == "big.bin"
    received = hashlib.sha256()
    while chunk := upload.file.read(MIB):
        received.update(chunk)
    assert received.hexdigest() == body.digest.hexdigest()
    # The 1 MiB generator block and a few 64 KiB input blocks, never the 100 MiB body.
    assert peak < 16 * MIB
