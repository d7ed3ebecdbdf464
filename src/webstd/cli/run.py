"""``webstd run SCRIPT [ARGS]``: run a Python script with webstd in place of the stdlib's modules.

The script runs as ``__main__`` (as ``python SCRIPT ARGS`` would run it: ``sys.argv`` is
``[SCRIPT, *ARGS]`` and the script's directory is first on ``sys.path``) after
:func:`webstd.patch`, so its ``import urllib.request``, ``http.server`` ... and those of the
stdlib modules it uses get webstd's. ``webstd run -m MODULE [ARGS]`` runs a module the same way.
"""

from __future__ import annotations

import importlib.util
import os
import runpy
import sys

from webstd._patch import patch, unpatch

SUMMARY = "run a Python script (or -m module) with webstd in place of the stdlib's web modules"

USAGE = """usage: webstd run SCRIPT [ARGS ...]
       webstd run -m MODULE [ARGS ...]

Runs SCRIPT (or MODULE) as __main__ with webstd.patch() applied: urllib, http, html.parser,
wsgiref, socketserver and cgi are webstd's modules."""


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    as_module = argv[0] == "-m"
    if as_module:
        if len(argv) < 2:
            print("webstd run: -m needs a module name", file=sys.stderr)
            return 2
        target, arguments = argv[1], argv[2:]
    else:
        target, arguments = argv[0], argv[1:]
        if not os.path.exists(target):
            print(f"webstd run: can't open file {target!r}: no such file", file=sys.stderr)
            return 2
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    patch()
    try:
        if as_module:
            sys.path.insert(0, os.getcwd())
            try:
                found = importlib.util.find_spec(target) is not None
            except (ImportError, ValueError):
                found = False
            if not found:
                print(f"webstd run: no module named {target!r}", file=sys.stderr)
                return 2
            sys.argv = [target, *arguments]
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            sys.argv = [target, *arguments]
            sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
            runpy.run_path(target, run_name="__main__")
    finally:
        sys.argv[:], sys.path[:] = saved_argv, saved_path
        unpatch()
    return 0
