"""Run CPython's own tests of the web modules against webstd, and against the stdlib as a baseline.

    python scripts/conformance.py [--python PY ...] [--files test_urlparse,...] [--quick]

For each interpreter and each test file (read from that interpreter's ``Lib/test``; nothing is
copied into this repository) two child processes run the file with unittest: one after
``webstd.patch()`` (webstd's modules under the stdlib's names), one without (the stdlib itself,
the baseline). A test that runs past --test-limit (20 s) has hung: its stacks go to the log and
the file is run again without it (at most 3 times), the hung test counted as an error; each file
has a wall-clock limit (--timeout, 240 s, reruns included), past which it is reported as TIMEOUT.
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
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = ["test_urlparse", "test_urllib", "test_urllib2", "test_urllib2_localnet", "test_httplib",
         "test_http_cookiejar", "test_http_cookies", "test_htmlparser", "test_httpservers",
         "test_wsgiref", "test_cgi"]  # fmt: skip
# What `make test` runs (--quick): every file but the one whose tests hang today, each of which
# costs --test-limit seconds (test_urllib2_localnet: 85 s of the whole run's 170).
QUICK = [name for name in FILES if name != "test_urllib2_localnet"]
COUNTS = ("run", "passed", "failed", "errors", "skipped")
# A test still running after this many seconds has hung: the file is run again without it.
TEST_LIMIT = 20
MAX_HUNG = 3


# --- the child: one test file, one mode -------------------------------------------------------


def child(mode: str, test_file: str, result_path: str) -> int:
    """Runs one CPython test file under unittest, writing its counts to ``result_path`` after each
    test (so a file that hangs still reports what ran, and which test it hung in)."""
    import faulthandler
    import importlib
    import importlib.util
    import unittest

    # Just before the parent's limit: every thread's stack into the log, to see where it hung.
    limit = float(os.environ.get("CONFORMANCE_TIMEOUT", "0"))
    if limit > 5:
        faulthandler.dump_traceback_later(limit - 3, exit=True)
    test_limit = float(os.environ.get("CONFORMANCE_TEST_LIMIT", "0"))
    excluded = set(filter(None, os.environ.get("CONFORMANCE_EXCLUDE", "").split(",")))
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
        suite = _without(unittest.defaultTestLoader.loadTestsFromModule(module), excluded)
    except unittest.SkipTest as skipped:
        summary.update(run=0, passed=0, failed=0, errors=0, skipped=0, note=f"skipped: {skipped}")
        _write(result_path, summary)
        return 0
    except Exception as error:  # the file does not import: that is the result to report
        summary.update(run=0, passed=0, failed=0, errors=1, skipped=0,
                       note=f"import failed: {type(error).__name__}: {error}")  # fmt: skip
        _write(result_path, summary)
        return 0

    # Each test's outcome, the worst one it had: a test that fails and then errors in tearDown
    # is counted once. A setUpClass/setUpModule error counts as one erroring test.
    outcomes: dict[str, str] = {}
    rank = {"passed": 0, "skipped": 1, "failed": 2, "errors": 3}

    def record(test: object, outcome: str) -> None:
        key = str(getattr(test, "id", lambda: str(test))())
        if rank[outcome] >= rank[outcomes.get(key, "passed")] or key not in outcomes:
            outcomes[key] = outcome

    def publish(current: str | None) -> None:
        counts = {name: 0 for name in COUNTS[1:]}
        for outcome in outcomes.values():
            counts[outcome] += 1
        summary.update(run=len(outcomes), **counts, current=current,
                       failing=sorted(k for k, v in outcomes.items() if v == "failed"),
                       erroring=sorted(k for k, v in outcomes.items() if v == "errors"))  # fmt: skip
        _write(result_path, summary)

    running: list[tuple[str, float]] = []

    def watchdog() -> None:
        # A test that runs past the per-test limit has hung: its stacks into the log, its id into
        # the result, and exit, so that the parent runs the file again without it.
        while True:
            time.sleep(0.5)
            if running and time.monotonic() - running[-1][1] > test_limit:
                faulthandler.dump_traceback(all_threads=True)
                summary["hung"] = running[-1][0]
                _write(result_path, summary)
                os._exit(3)

    if test_limit > 0:
        import threading

        threading.Thread(target=watchdog, name="conformance-watchdog", daemon=True).start()

    class Result(unittest.TextTestResult):
        def startTest(self, test):  # noqa: N802 - unittest's names
            super().startTest(test)
            publish(test.id())
            running[:] = [(test.id(), time.monotonic())]

        def stopTest(self, test):  # noqa: N802
            super().stopTest(test)
            running.clear()
            publish(None)

        def addSuccess(self, test):  # noqa: N802
            super().addSuccess(test)
            record(test, "passed")

        def addExpectedFailure(self, test, err):  # noqa: N802
            super().addExpectedFailure(test, err)
            record(test, "passed")

        def addFailure(self, test, err):  # noqa: N802
            super().addFailure(test, err)
            record(test, "failed")

        def addUnexpectedSuccess(self, test):  # noqa: N802
            super().addUnexpectedSuccess(test)
            record(test, "failed")

        def addError(self, test, err):  # noqa: N802
            super().addError(test, err)
            record(test, "errors")

        def addSkip(self, test, reason):  # noqa: N802
            super().addSkip(test, reason)
            record(test, "skipped")

        def addSubTest(self, test, subtest, err):  # noqa: N802
            super().addSubTest(test, subtest, err)
            if err is not None:
                failure = issubclass(err[0], test.failureException)
                record(test, "failed" if failure else "errors")

    runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=2, resultclass=Result)
    runner.run(suite)
    publish(None)
    return 0


def _without(suite: Any, excluded: set[str]) -> Any:
    """``suite`` without the tests whose ids are in ``excluded`` (its nesting kept, so class and
    module fixtures run as before)."""
    if not excluded:
        return suite
    kept = []
    for item in suite:
        if hasattr(item, "_tests"):
            kept.append(_without(item, excluded))
        elif item.id() not in excluded:
            kept.append(item)
    return type(suite)(kept)


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
            test_limit: float, log_path: str) -> dict[str, object]:  # fmt: skip
    """Runs a file in a child; when a test hangs (runs past ``test_limit``), runs the file again
    without it, at most MAX_HUNG times, within ``timeout`` seconds in all. A hung test counts as
    an error."""
    hung: list[str] = []
    started = time.monotonic()
    with open(log_path, "w") as log:
        while True:
            left = timeout - (time.monotonic() - started)
            summary, timed_out = _run_child(python, prefix, mode, test_file, left, test_limit,
                                            hung, log)  # fmt: skip
            if summary.get("hung") and len(hung) < MAX_HUNG and not timed_out:
                hung.append(str(summary["hung"]))
                log.write(f"\n### {summary['hung']} hung (over {test_limit:.0f} s): running the "
                          "file again without it\n\n")  # fmt: skip
                log.flush()
                continue
            break
    if summary.get("hung"):
        hung.append(str(summary["hung"]))
        summary["note"] = (f"gave up after {len(hung)} hung tests: the tests after the last one "
                           "did not run and are not counted")  # fmt: skip
    elif timed_out or summary.get("current"):
        # Killed (or exited by faulthandler) in the middle of a test: what ran, and where.
        summary["note"] = (f"TIMEOUT after {timeout:.0f} s in {summary.get('current') or '?'}; "
                           "the counts are of the tests before it")  # fmt: skip
    elif "run" not in summary and not summary.get("note"):
        summary = {"note": f"child exited without a result (see {log_path})"}
    if hung and "run" in summary:
        summary["run"] = int(summary["run"]) + len(hung)  # type: ignore[call-overload]
        summary["errors"] = int(summary["errors"]) + len(hung)  # type: ignore[call-overload]
        summary["hung_tests"] = hung
        summary["erroring"] = sorted([*summary.get("erroring", []), *hung])  # type: ignore[list-item]
        note = f"{len(hung)} hung (over {test_limit:.0f} s, counted as errors): {', '.join(hung)}"
        summary["note"] = "; ".join(filter(None, [str(summary.get("note") or ""), note]))
    summary["seconds"] = round(time.monotonic() - started, 1)
    return summary


def _run_child(python: str, prefix: list[str], mode: str, test_file: str, timeout: float,
               test_limit: float, excluded: list[str], log: Any) -> tuple[dict, bool]:  # fmt: skip
    handle, result_path = tempfile.mkstemp(prefix="conformance-", suffix=".json")
    os.close(handle)
    os.chmod(result_path, 0o666)
    environment = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"), PYTHONDONTWRITEBYTECODE="1",
                       CONFORMANCE_TIMEOUT=str(timeout), CONFORMANCE_TEST_LIMIT=str(test_limit),
                       CONFORMANCE_EXCLUDE=",".join(excluded))  # fmt: skip
    environment.pop("PYTHONWARNINGS", None)
    command = [*prefix, python, os.path.abspath(__file__), "--child", mode, test_file, result_path]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment,
                               cwd=tempfile.gettempdir(), start_new_session=True)  # fmt: skip
    timed_out = False
    try:
        process.wait(max(timeout, 1))
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        timed_out = True
    try:
        with open(result_path) as stored:
            summary = json.load(stored) if os.path.getsize(result_path) else {}
    finally:
        os.unlink(result_path)
    return summary, timed_out


def cell(summary: dict[str, object] | None) -> list[str]:
    if summary is None:
        return ["-"] * len(COUNTS)
    if "run" not in summary:
        return [str(summary.get("note", "?"))] + [""] * (len(COUNTS) - 1)
    counts = [str(summary[name]) for name in COUNTS]
    if "TIMEOUT" in str(summary.get("note", "")):
        counts[0] += " (TIMEOUT)"
    return counts


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
    parser.add_argument("--timeout", type=float, default=240,
                        help="seconds per file, reruns included (240)")
    parser.add_argument("--test-limit", type=float, default=TEST_LIMIT,
                        help=f"seconds after which a test has hung ({TEST_LIMIT})")
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
        python = os.path.abspath(python) if os.sep in python else (shutil.which(python) or python)
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
                futures[pool.submit(run_one, python, prefix, mode, path, args.timeout,
                                    args.test_limit, log)] = (name, mode)  # fmt: skip
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
