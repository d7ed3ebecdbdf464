"""Ports outside 0-65535 are a usage error for serve and proxy: one line on stderr, exit 2."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("argv", [["serve", "99999"], ["serve", "65536"], ["serve", "-1"],
                                  ["proxy", "--port", "99999"], ["proxy", "--port", "x"]])
def test_port_out_of_range_is_refused(argv):
    done = subprocess.run([sys.executable, "-m", "webstd", *argv], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "port" in done.stderr.splitlines()[-1]


@pytest.mark.parametrize("argv", [["serve", "--port", "0"], ["proxy", "0"]])
def test_both_port_forms_are_accepted(argv):
    process = subprocess.Popen([sys.executable, "-m", "webstd", *argv, "--bind", "127.0.0.1"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = process.stdout.readline()
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "port" in line and "Traceback" not in line, line
