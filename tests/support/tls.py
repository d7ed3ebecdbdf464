"""Throw-away TLS material for tests: a self-signed certificate made by openssl, and a server-side
ssl context that presents it."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import pytest


def self_signed_certificate(directory: Path, names: str = "DNS:localhost,IP:127.0.0.1") -> tuple[Path, Path]:
    """Writes cert.pem and key.pem for CN=localhost into ``directory`` and returns (cert, key).

    ``names`` is the subjectAltName, which is what a client checks the host name against (RFC 6125
    section 6.4.4). The key is EC P-256: openssl makes one at once, where an RSA key takes a moment.
    Skips the test when openssl is not installed.
    """
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-days", "2", "-subj", "/CN=localhost", "-addext", f"subjectAltName={names}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A TLS server context presenting ``cert`` with its private ``key``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context
