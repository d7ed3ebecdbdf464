import subprocess
import sys

from webstd.cli import COMMANDS, main


def test_no_arguments_lists_commands(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: webstd <command>")
    for name in COMMANDS:
        assert f"  {name} " in out


def test_unknown_command_is_a_one_line_error_and_exit_2(capsys):
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'no-such-command'" in err


def test_python_dash_m_webstd_runs():
    result = subprocess.run(
        [sys.executable, "-m", "webstd"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert "usage: webstd" in result.stdout
