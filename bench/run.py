"""`make bench`: runs every benchmark in bench/ one after another and prints their ratios.

Each script measures webstd and its anchor (the stdlib, nginx, waitress, gunicorn, tinyproxy ...) in
the same run and prints ratios, so figures from different machines and days stay comparable. Load
tests pin the server and the load generator to different cores with taskset: unpinned figures on a
2-core machine swing by 3x. Pass script names to run only some: `python bench/run.py url protocol`.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scripts(selected: list[str]) -> list[Path]:
    found = sorted(
        path for path in HERE.iterdir()
        if path.suffix in (".py", ".sh") and path.name != "run.py" and not path.name.startswith("_")
    )
    if selected:
        found = [path for path in found if path.stem in selected]
    return found


def main(argv: list[str]) -> int:
    print(f"# webstd benchmarks, {time.strftime('%Y-%m-%d %H:%M')}, {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    failed = []
    for script in scripts(argv):
        print(f"\n## {script.name}", flush=True)
        command = [sys.executable, str(script)] if script.suffix == ".py" else ["bash", str(script)]
        result = subprocess.run(command, cwd=HERE.parent)
        if result.returncode:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
