"""The ``webstd`` command: dispatches ``webstd <command> ...`` to one module per command.

Each command module in this package exposes ``SUMMARY`` (one line for the command list) and
``main(argv) -> int``. A command is registered by adding its name to ``COMMANDS``; nothing else here
needs to change.
"""

from __future__ import annotations

import importlib
import sys

# name -> module under webstd.cli; listed in the order `webstd` prints them.
COMMANDS: dict[str, str] = {
    "serve": "serve", "wsgi": "wsgi", "proxy": "proxy", "images": "images", "run": "run",
}  # fmt: skip


def usage() -> str:
    lines = ["usage: webstd <command> [options]", "", "commands:"]
    if not COMMANDS:
        lines.append("  (none yet)")
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"webstd.cli.{module_name}")
        lines.append(f"  {name:<10} {module.SUMMARY}")
    lines += ["", "Run `webstd <command> --help` for a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:  # a command is required: usage on stderr, as argparse does for a missing argument
        print(usage(), file=sys.stderr)
        return 2
    if args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    if args[0] in ("-V", "--version"):
        from webstd import __version__

        print(f"webstd {__version__}")
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"webstd: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(f"webstd.cli.{COMMANDS[name]}")
    try:
        return int(module.main(rest) or 0)
    except KeyboardInterrupt:
        return 130
