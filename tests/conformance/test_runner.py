"""scripts/conformance.py, the runner of CPython's own tests against webstd: run on one quick file
as a process, it prints the table and writes counts for webstd and for the stdlib baseline."""

import json
import os
import subprocess
import sys
import sysconfig

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNNER = os.path.join(ROOT, "scripts", "conformance.py")
TEST_DIR = os.path.join(sysconfig.get_paths()["stdlib"], "test")

needs_test_package = pytest.mark.skipif(
    not os.path.isfile(os.path.join(TEST_DIR, "test_http_cookies.py")),
    reason="this interpreter ships without its test package",
)


@needs_test_package
def test_one_file_both_ways(tmp_path):
    out = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, RUNNER, "--files", "test_http_cookies", "--json", str(out),
         "--logs", str(tmp_path / "logs")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "| test_http_cookies |" in result.stdout
    assert "Children ran:" in result.stdout
    stored = json.loads(out.read_text())
    (row,) = stored["results"].values()
    stdlib, webstd = row["test_http_cookies"]["stdlib"], row["test_http_cookies"]["webstd"]
    assert stdlib["run"] > 20 and stdlib["failed"] == stdlib["errors"] == 0
    assert webstd["run"] > 20
    assert sum(webstd[key] for key in ("passed", "failed", "errors", "skipped")) == webstd["run"]
    assert (tmp_path / "logs").is_dir()


def test_unknown_file_is_a_one_line_error():
    result = subprocess.run([sys.executable, RUNNER, "--files", "test_nosuch"],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "test_nosuch" in result.stderr
