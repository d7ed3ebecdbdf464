"""argparse types shared by the commands."""

from __future__ import annotations

import argparse


def port_number(text: str) -> int:
    """A TCP port, 0-65535 (0: any free port); anything else is a usage error (exit 2)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is outside 0-65535")
    return port
