"""Run CPython's own tests of the web modules against webstd, and against the stdlib as a baseline.

    python scripts/conformance.py [--python PY ...] [--files test_urlparse,...] [--quick]

For each interpreter and each test file (read from that interpreter's ``Lib/test``; nothing is
copied into this repository) two child processes run the file with unittest: one after
``webstd.patch()`` (webstd's modules under the stdlib's names), one without (the stdlib itself,
the baseline). Each child has a wall-clock limit; a file that overruns it is reported as TIMEOUT.
Children run in a network namespace where only ``lo`` is up and as uid 65534 in a user namespace
(CPython skips some tests as root) when ``unshare`` allows it; the table says how they ran.
The ``network`` and ``urlfetch`` resources are disabled, as ``python -m test`` without ``-u``.

test_cgi is gone from 3.13's test package: 3.12's file is used (found beside the interpreter under
pyenv, or given with --cgi-test); on 3.13 the stdlib has no cgi module, so that baseline is "-".

Prints a Markdown table per interpreter; --json writes the counts and the failing tests' ids;
each child's unittest output goes to --logs (default build/conformance/).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = ["test_urlparse", "test_urllib", "test_urllib2", "test_urllib2_localnet", "test_httplib",
         "test_http_cookiejar", "test_http_cookies", "test_htmlparser", "test_httpservers",
         "test_wsgiref", "test_cgi"]  # fmt: skip
# The files that run in a few seconds each: what `make test` runs when asked for a quick pass.
QUICK = ["test_urlparse", "test_http_cookies", "test_htmlparser", "test_cgi"]
COUNTS = ("run", "passed", "failed", "errors", "skipped")


# --- the child: one test file, one mode -------------------------------------------------------


def child(mode: str, test_file: str, result_path: str) -> int:
    """Runs one CPython test file under unittest and writes its counts to ``result_path``."""
    import importlib
    import importlib.util
    import unittest

    if mode == "webstd":
        import webstd

        webstd.patch()
    import test.support

    test.support.use_resources = []  # no -u: network and urlfetch (and the rest) stay disabled
    test.support.verbose = False
    name = os.path.splitext(os.path.basename(test_file))[0]
    summary: dict[str, object] = {"mode": mode, "file": name}
    try:
        if os.path.dirname(os.path.abspath(test_file)) == os.path.dirname(test.__file__):
            module = importlib.import_module("test." + name)
        else:  # 3.12's test_cgi on 3.13, loaded into this interpreter's test package
            spec = importlib.util.spec_from_file_location("test." + name, test_file)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
        suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    except unittest.SkipTest as skipped:
        summary.update(run=0, passed=0, failed=0, errors=0, skipped=0, note=f"skipped: {skipped}")
        _write(result_path, summary)
        return 0
    except Exception as error:  # the file does not import: that is the result to report
        summary.update(run=0, passed=0, failed=0, errors=1, skipped=0,
                       note=f"import failed: {type(error).__name__}: {error}")  # fmt: skip
        _write(result_path, summary)
        return 0
    runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=2, buffer=True)
    result = runner.run(suite)
    failed = [*result.failures, *((test, "unexpected success") for test in result.unexpectedSuccesses)]
    passed = (result.testsRun - len(failed) - len(result.errors) - len(result.skipped)
              - len(result.expectedFailures))  # fmt: skip
    summary.update(
        run=result.testsRun, passed=passed, failed=len(failed), errors=len(result.errors),
        skipped=len(result.skipped), expected_failures=len(result.expectedFailures),
        failing=sorted(str(test.id()) for test, _ in failed),
        erroring=sorted(str(getattr(test, "id", lambda t=test: str(t))()) for test, _ in result.errors),
    )  # fmt: skip
    _write(result_path, summary)
    return 0


def _write(path: str, summary: dict[str, object]) -> None:
    with open(path, "w") as output:
        json.dump(summary, output)


# --- the parent: isolation, scheduling, the table ---------------------------------------------


def isolation_prefix() -> tuple[list[str], str]:
    """The command prefix that runs a child with only loopback and as an unprivileged user, and a
    description of it; falls back to less when the machine does not allow it."""
    unshare = shutil.which("unshare")
    ip = shutil.which("ip") or "/usr/sbin/ip"
    if unshare is None:
        return [], "not isolated (no unshare): as this user, with the host's network"
    outer = [unshare, "-n"] if os.geteuid() == 0 else [unshare, "-r", "-n"]
    inner = f"exec {unshare} --user --map-user=65534 --map-group=65534 \"$@\""
    full = [*outer, "sh", "-c", f"{ip} link set lo up && {inner}", "sh"]
    if _works([*full, "sh", "-c", "test $(id -u) = 65534"]):
        return full, "network namespace with only lo, as uid 65534 in a user namespace"
    network_only = [*outer, "sh", "-c", f"{ip} link set lo up && exec \"$@\"", "sh"]
    if _works([*network_only, "true"]):
        return network_only, f"network namespace with only lo, as uid {os.geteuid()}"
    user_only = [unshare, "--user", "--map-user=65534", "--map-group=65534"]
    if _works([*user_only, "true"]):
        return user_only, "as uid 65534 in a user namespace, with the host's network"
    return [], f"not isolated (unshare refused): as uid {os.geteuid()}, with the host's network"


def _works(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def interpreter_info(python: str) -> tuple[str, str]:
    """(X.Y.Z version, the directory of its test package) of ``python``."""
    code = ("import sys, sysconfig; print('%d.%d.%d' % sys.version_info[:3]); "
            "print(sysconfig.get_paths()['stdlib'])")  # fmt: skip
    version, stdlib = subprocess.run([python, "-c", code], capture_output=True, text=True,
                                     check=True, timeout=60).stdout.split()  # fmt: skip
    return version, os.path.join(stdlib, "test")


def find_cgi_test(test_dir: str, given: str | None) -> str | None:
    if given:
        return given
    own = os.path.join(test_dir, "test_cgi.py")
    if os.path.isfile(own):
        return own
    # 3.13 and later: 3.12's, from a sibling pyenv version (<root>/versions/3.13.0/lib/python3.13/test)
    versions = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(test_dir))))
    found = sorted(glob.glob(os.path.join(versions, "3.12*", "lib", "python3.12", "test", "test_cgi.py")))
    return found[-1] if found else None


def run_one(python: str, prefix: list[str], mode: str, test_file: str, timeout: float,
            log_path: str) -> dict[str, object]:  # fmt: skip
    handle, result_path = tempfile.mkstemp(prefix="conformance-", suffix=".json")
    os.close(handle)
    os.chmod(result_path, 0o666)
    environment = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"), PYTHONDONTWRITEBYTECODE="1")
    environment.pop("PYTHONWARNINGS", None)
    command = [*prefix, python, os.path.abspath(__file__), "--child", mode, test_file, result_path]
    started = time.monotonic()
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment,
                                   cwd=tempfile.gettempdir(), start_new_session=True)  # fmt: skip
        try:
            process.wait(timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            timed_out = True
    elapsed = time.monotonic() - started
    try:
        with open(result_path) as stored:
            summary = json.load(stored) if os.path.getsize(result_path) else {}
    finally:
        os.unlink(result_path)
    if timed_out:
        summary = {"note": f"TIMEOUT after {timeout:.0f} s"}
    elif not summary:
        summary = {"note": f"child exited {process.returncode} without a result (see {log_path})"}
    summary["seconds"] = round(elapsed, 1)
    return summary


def cell(summary: dict[str, object] | None) -> list[str]:
    if summary is None:
        return ["-"] * len(COUNTS)
    if "run" not in summary:
        return [str(summary.get("note", "?"))] + [""] * (len(COUNTS) - 1)
    return [str(summary[name]) for name in COUNTS]


def table(version: str, how: str, rows: list[tuple[str, dict | None, dict | None]]) -> str:
    header = ["file", *(f"webstd {name}" for name in COUNTS), *(f"stdlib {name}" for name in COUNTS),
              "seconds"]  # fmt: skip
    lines = [f"### Python {version}", "", f"Children ran: {how}.", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]  # fmt: skip
    totals = {mode: dict.fromkeys(COUNTS, 0) for mode in ("webstd", "stdlib")}
    notes = []
    for name, ours, theirs in rows:
        seconds = sum(float(s.get("seconds", 0)) for s in (ours, theirs) if s)
        lines.append("| " + " | ".join([name, *cell(ours), *cell(theirs), f"{seconds:.0f}"]) + " |")
        for mode, summary in (("webstd", ours), ("stdlib", theirs)):
            if summary and "run" in summary:
                for count in COUNTS:
                    totals[mode][count] += int(summary[count])
            if summary and summary.get("note"):
                notes.append(f"- {name} ({mode}): {summary['note']}")
    lines.append("| **total** | " + " | ".join(
        [*(str(totals["webstd"][c]) for c in COUNTS), *(str(totals["stdlib"][c]) for c in COUNTS), ""]
    ) + " |")  # fmt: skip
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=3, metavar=("MODE", "FILE", "RESULT"), help=argparse.SUPPRESS)
    parser.add_argument("--python", action="append", help="interpreter to run with (repeatable; "
                        "default: this one)")  # fmt: skip
    parser.add_argument("--files", help="comma-separated test files (default: all eleven)")
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per child (300)")
    parser.add_argument("--jobs", type=int, default=2, help="children at once (2)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the stdlib's own runs")
    parser.add_argument("--no-isolation", action="store_true", help="run children without unshare")
    parser.add_argument("--logs", default=os.path.join(ROOT, "build", "conformance"))
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    if args.child:
        return child(*args.child)

    names = QUICK if args.quick else (args.files.split(",") if args.files else FILES)
    unknown = sorted(set(names) - set(FILES))
    if unknown:
        print(f"conformance: unknown test file(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    prefix, how = ([], "not isolated (--no-isolation)") if args.no_isolation else isolation_prefix()
    os.makedirs(args.logs, exist_ok=True)
    os.chmod(args.logs, 0o777)
    everything: dict[str, object] = {}
    for python in args.python or [sys.executable]:
        try:
            version, test_dir = interpreter_info(python)
        except (OSError, subprocess.SubprocessError, ValueError) as error:
            print(f"conformance: cannot run {python}: {error}", file=sys.stderr)
            return 2
        if not os.path.isfile(os.path.join(test_dir, "__init__.py")):
            print(f"\n### Python {version}\n\nskipped: {test_dir} does not exist (this interpreter "
                  "ships without its test package; Debian puts it in libpython3.X-testsuite)")
            continue
        jobs = []
        for name in names:
            path = (find_cgi_test(test_dir, None) if name == "test_cgi"
                    else os.path.join(test_dir, name + ".py"))  # fmt: skip
            modes = ["webstd"] if args.no_baseline else ["webstd", "stdlib"]
            if name == "test_cgi" and not os.path.isfile(os.path.join(test_dir, "test_cgi.py")):
                modes = ["webstd"]  # no cgi in this stdlib (3.13+): no baseline to compare with
            for mode in modes:
                jobs.append((name, mode, path))
        results: dict[tuple[str, str], dict | None] = {}
        with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
            futures = {}
            for name, mode, path in jobs:
                if path is None or not os.path.isfile(path):
                    results[name, mode] = {"note": f"{name}.py not found"}
                    continue
                log = os.path.join(args.logs, f"{version}-{name}-{mode}.log")
                futures[pool.submit(run_one, python, prefix, mode, path, args.timeout, log)] = (name, mode)
            for future in concurrent.futures.as_completed(futures):
                results[futures[future]] = future.result()
        rows = [(name, results.get((name, "webstd")), results.get((name, "stdlib"))) for name in names]
        print("\n" + table(version, how, rows), flush=True)
        everything[version] = {name: {"webstd": ours, "stdlib": theirs} for name, ours, theirs in rows}
    if args.json:
        with open(args.json, "w") as output:
            json.dump({"isolation": how, "results": everything}, output, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
