"""Running the real curl from tests."""

from __future__ import annotations

import subprocess


def curl(*args: str) -> tuple[int, dict[str, str], bytes]:
    """curl's answer as (status, {lower-case name: value}, body) of the last response."""
    result = subprocess.run(["curl", "-s", "-D", "/dev/stderr", "--max-time", "5", *args],
                            capture_output=True, check=True)  # fmt: skip
    lines = result.stderr.decode("latin-1").split("\r\n")
    last = max(i for i, line in enumerate(lines) if line.startswith("HTTP/"))
    fields = {}
    for line in lines[last + 1 :]:
        if line:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
    return int(lines[last].split()[1]), fields, result.stdout
