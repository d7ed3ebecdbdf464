import subprocess
import sys

from webstd.cli import COMMANDS, main


def test_help_lists_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: webstd <command>")
    for name in COMMANDS:
        assert f"  {name} " in out


def test_unknown_command_is_a_one_line_error_and_exit_2(capsys):
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'no-such-command'" in err


def test_python_dash_m_webstd_without_a_command_prints_usage_and_exits_2():
    result = subprocess.run(
        [sys.executable, "-m", "webstd"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "usage: webstd" in result.stderr
    assert "Traceback" not in result.stderr


def test_version():
    from webstd import __version__

    result = subprocess.run(
        [sys.executable, "-m", "webstd", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout == f"webstd {__version__}\n"
