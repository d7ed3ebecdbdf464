"""A real FTP server on 127.0.0.1 for the ftp: tests: pyftpdlib in a child process.

``ftp_server(root)`` serves ``root`` anonymously (read-only) and to user "u" with password "p",
and yields its port; the process is stopped afterwards.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator

import pytest

_SERVER = r"""
import sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
import logging
logging.basicConfig(level=logging.ERROR)
root = sys.argv[1]
authorizer = DummyAuthorizer()
authorizer.add_anonymous(root)
authorizer.add_user("u", "p", root, perm="elr")
FTPHandler.authorizer = authorizer
FTPHandler.passive_ports = None
server = FTPServer(("127.0.0.1", 0), FTPHandler)
print(server.address[1], flush=True)
server.serve_forever(handle_exit=True)
"""


@contextlib.contextmanager
def ftp_server(root: str) -> Iterator[int]:
    pytest.importorskip("pyftpdlib")
    process = subprocess.Popen([sys.executable, "-c", _SERVER, root], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        if not line.strip().isdigit():
            raise RuntimeError(f"the FTP server did not start (exit {process.poll()})")
        yield int(line)
    finally:
        process.terminate()
        process.wait(10)
