"""Benchmark: a hello-world CGI shell script served by webstd's CGIHTTPRequestHandler and by the
stdlib's, both on a ThreadingHTTPServer, measured with wrk in the same run. Each server is pinned to
CPU 0 (``taskset -c 0``), wrk to CPU 1 (``taskset -c 1 wrk -t1 -c10 -d5s``).

    .venv/bin/python bench/cgi.py [--duration 5]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = str(Path(__file__).resolve().parent.parent / "src")
HELLO = '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\nContent-Length: 13\\r\\n\\r\\nHello, world!"\n'
SERVERS = {
    "stdlib": "import http.server as server",
    "webstd": "import webstd.http.server as server",
}
SERVER = """\
import functools, sys
{import_line}
handler = functools.partial(server.CGIHTTPRequestHandler, directory=sys.argv[1])
server.CGIHTTPRequestHandler.log_message = lambda *args: None
httpd = server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print(httpd.server_address[1], flush=True)
httpd.serve_forever()
"""


def measure(name: str, site: str, duration: int) -> float:
    code = SERVER.format(import_line=SERVERS[name])
    server = subprocess.Popen(["taskset", "-c", "0", sys.executable, "-c", code, site],
                              stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": SRC})  # fmt: skip
    try:
        port = int(server.stdout.readline())
        url = f"http://127.0.0.1:{port}/cgi-bin/hello.sh"
        subprocess.run(["curl", "-sf", "-o", "/dev/null", url], check=True)
        out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", "-c10", f"-d{duration}s", url],
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
    finally:
        server.kill()
        server.wait()
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{name}: {errors.group(1)} error responses\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=5)
    options = parser.parse_args()
    if not shutil.which("wrk") or not shutil.which("taskset"):
        raise SystemExit("needs wrk and taskset")
    site = tempfile.mkdtemp(prefix="bench-cgi-")
    try:
        # World-readable: as root, both servers run scripts as nobody.
        os.chmod(site, 0o755)
        os.mkdir(os.path.join(site, "cgi-bin"), 0o755)
        script = os.path.join(site, "cgi-bin", "hello.sh")
        Path(script).write_text(HELLO)
        os.chmod(script, 0o755)
        rates = {}
        for name in SERVERS:
            rates[name] = measure(name, site, options.duration)
            time.sleep(0.5)
    finally:
        shutil.rmtree(site)
    print(f"CGI hello (shell script), wrk -t1 -c10 -d{options.duration}s: "
          f"stdlib {rates['stdlib']:.0f} req/s, webstd {rates['webstd']:.0f} req/s")  # fmt: skip
    print(f"cgi: webstd {rates['webstd'] / rates['stdlib']:.2f}x stdlib")


if __name__ == "__main__":
    main()
