"""webstd proxy's command-line errors and warnings, run as processes."""

import subprocess
import sys


def run(*argv, timeout=30):
    return subprocess.run([sys.executable, "-m", "webstd", "proxy", *argv], capture_output=True,
                          text=True, timeout=timeout)


def test_unwritable_access_log_is_one_line_and_exit_2(tmp_path):
    done = run("--port", "0", "--access-log", str(tmp_path / "no" / "dir" / "log"))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
    assert "access log" in done.stderr and "no/dir/log" in done.stderr


def test_timeouts_have_help():
    out = run("--help").stdout
    for name in ("connect", "response", "tunnel", "client"):
        block = out.split(f"--{name}-timeout SECONDS", 1)[1].split("--", 1)[0]
        assert block.strip(), name


def test_open_proxy_on_a_non_loopback_address_warns():
    process = subprocess.Popen([sys.executable, "-m", "webstd", "proxy", "--bind", "0.0.0.0",
                                "--port", "0"], stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in process.stderr:
            lines.append(line)
            if "listening on" in line:
                break
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert any("open proxy" in line and "--auth" in line for line in lines), lines
