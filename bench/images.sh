#!/bin/sh
# `webstd images --jobs 8` against a sequential urlretrieve loop: the work is in bench/_images.py
# (its docstring says what is measured); `make bench` runs this script.
cd "$(dirname "$0")/.." && exec "${PYTHON:-.venv/bin/python}" bench/_images.py "$@"
