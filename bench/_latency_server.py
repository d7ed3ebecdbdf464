"""A file server that answers every request after a fixed delay, as a server across a network would.

bench/_images.py runs it as a subprocess to measure what concurrent downloads are for: on loopback a
request costs no waiting, so only CPU time is compared; across a network each request waits about
one round trip, and a downloader that keeps several requests in flight hides that wait. Requests are
parsed by webstd.protocol; files are served from memory with keep-alive.

    python bench/_latency_server.py DIRECTORY DELAY_MS   (prints the port, then serves)
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from webstd.protocol import NEED_DATA, EndOfMessage, Request, RequestParser, response_head  # noqa: E402


def load(directory: Path) -> dict[str, bytes]:
    return {"/" + str(path.relative_to(directory)): path.read_bytes()
            for path in directory.rglob("*") if path.is_file()}  # fmt: skip


async def serve(files: dict[str, bytes], delay: float) -> None:
    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        parser = RequestParser()
        try:
            while True:
                event = parser.next_event()
                if event is NEED_DATA:
                    data = await reader.read(65536)
                    if not data:
                        break
                    parser.feed(data)
                    continue
                if isinstance(event, Request):
                    request = event
                elif isinstance(event, EndOfMessage):
                    await asyncio.sleep(delay)
                    body = files.get(request.target.split("?", 1)[0])
                    status, reason = (200, "OK") if body is not None else (404, "Not Found")
                    body = body if body is not None else b"not found\n"
                    head = response_head(status, reason, [("Content-Length", str(len(body)))])
                    writer.write(head + (b"" if request.method == "HEAD" else body))
                    await writer.drain()
                else:
                    break
        except (ConnectionError, Exception):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(connection, "127.0.0.1", 0, backlog=512)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(load(Path(sys.argv[1])), float(sys.argv[2]) / 1000))
