"""webstd wsgi's start-up errors, run as processes: one line on stderr, exit 2, in bounded time."""

import subprocess
import sys


def test_unopenable_access_logfile_exits_2_before_forking(tmp_path):
    (tmp_path / "app.py").write_text("def app(environ, start_response):\n    return []\n")
    done = subprocess.run(
        [sys.executable, "-m", "webstd", "wsgi", "app:app", "--chdir", str(tmp_path), "--bind",
         "127.0.0.1:0", "--access-logfile", str(tmp_path / "no" / "x.log")],
        capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "--access-logfile" in done.stderr and "x.log" in done.stderr


def test_help_has_real_metavars():
    out = subprocess.run([sys.executable, "-m", "webstd", "wsgi", "--help"], capture_output=True,
                         text=True, timeout=30).stdout
    for default in ("GRACEFUL_TIMEOUT", "KEEP_ALIVE", "WORKERS", "THREADS", "CERTFILE", "BACKLOG"):
        assert default not in out
