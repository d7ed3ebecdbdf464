"""webstd.patch() / unpatch() and ``webstd run``: webstd's modules under the stdlib's names, and the
rest of the stdlib (mimetypes, xmlrpc, logging.handlers, email.utils) working on top of them.

What runs patched runs in a child process (``python -m webstd run``), so that this process's
modules are never swapped under the other tests.
"""

import subprocess
import sys
import textwrap

import pytest

import webstd
from webstd._patch import PATCHED_MODULES


def run_script(tmp_path, source, *args, timeout=60):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, "-m", "webstd", "run", str(script), *args],
        capture_output=True, text=True, timeout=timeout, cwd=tmp_path,
    )  # fmt: skip


def test_patch_then_unpatch_restores_identity():
    import html
    import http
    import urllib
    import urllib.parse

    before = {name: sys.modules.get(name) for name in PATCHED_MODULES}
    attributes = (urllib.parse, html.__dict__.get("parser"), http.__dict__.get("client"))
    webstd.patch()
    try:
        assert webstd.is_patched()
        for name, path in PATCHED_MODULES.items():
            assert sys.modules[name] is sys.modules[path], name
        assert sys.modules["http"].client is sys.modules["webstd.http.client"]
        # the stdlib's packages that were already imported see webstd's modules too
        assert urllib.parse is sys.modules["webstd.urllib.parse"]
        assert html.parser is sys.modules["webstd.html.parser"]
        webstd.patch()  # twice is once
    finally:
        webstd.unpatch()
    assert not webstd.is_patched()
    assert {name: sys.modules.get(name) for name in PATCHED_MODULES} == before
    assert (urllib.parse, html.__dict__.get("parser"), http.__dict__.get("client")) == attributes
    assert sys.modules["urllib.parse"].__file__.startswith(sys.base_prefix) or (
        sys.modules["urllib.parse"] is before["urllib.parse"]
    )


def test_imports_under_patch_get_webstd(tmp_path):
    result = run_script(tmp_path, """
        import sys
        import cgi, socketserver, urllib.request, urllib.response, urllib.error, http.cookies
        import http.cookiejar, http.server, html.parser, wsgiref.simple_server, wsgiref.validate
        from urllib.parse import quote
        names = [cgi, socketserver, urllib.request, urllib.response, urllib.error, http.cookies,
                 http.cookiejar, http.server, html.parser, wsgiref.simple_server,
                 wsgiref.validate, sys.modules[quote.__module__]]
        print(" ".join(module.__name__ for module in names))
        import urllib.robotparser  # not webstd's: the stdlib's, loaded on top of webstd's
        print(urllib.robotparser.__file__.endswith("robotparser.py"),
              urllib.robotparser.urllib.request.__name__, sys.argv[1:], __name__)
    """, "a", "b")
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert all(name.startswith("webstd.") for name in first.split()), first
    assert second == "True webstd.urllib.request ['a', 'b'] __main__"


def test_mimetypes_and_email_utils_under_patch(tmp_path):
    result = run_script(tmp_path, """
        import mimetypes, email.utils, urllib.parse
        assert urllib.parse.__name__ == "webstd.urllib.parse"
        print(mimetypes.guess_type("http://x/a.png"), mimetypes.guess_type("data:text/plain,hi"))
        print(email.utils.encode_rfc2231("a b", "utf-8"),
              email.utils.decode_params([("type", "x"), ("title*", "utf-8''a%20b")])[1])
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "('image/png', None) ('text/plain', None)", "utf-8''a%20b ('title', ('utf-8', '', '\"a b\"'))"]  # fmt: skip


def test_xmlrpc_client_and_server_under_patch(tmp_path):
    result = run_script(tmp_path, """
        import threading, xmlrpc.client, xmlrpc.server, http.server
        assert http.server.__name__ == "webstd.http.server"
        server = xmlrpc.server.SimpleXMLRPCServer(("127.0.0.1", 0), logRequests=False)
        server.register_function(lambda a, b: a + b, "add")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        # user:password@ makes xmlrpc.client call urllib.parse._splituser
        with xmlrpc.client.ServerProxy(f"http://u:p@127.0.0.1:{port}/RPC2") as proxy:
            print(proxy.add(2, 3), proxy.add("a", "b"))
            try:
                proxy.nosuch()
            except xmlrpc.client.Fault as fault:
                print("fault", fault.faultCode)
        server.shutdown()
        server.server_close()
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["5 ab", "fault 1"]


def test_logging_http_handler_under_patch(tmp_path):
    result = run_script(tmp_path, """
        import logging, logging.handlers, threading, http.server, urllib.parse
        received = []
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((self.path, dict(urllib.parse.parse_qsl(body.decode()))))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
            def log_message(self, *args):
                pass
        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        handler = logging.handlers.HTTPHandler(
            f"127.0.0.1:{server.server_address[1]}", "/log", method="POST")
        logger = logging.getLogger("patched")
        logger.addHandler(handler)
        logger.error("hello %s", "there")
        server.shutdown()
        path, fields = received[0]
        print(path, fields["msg"], fields["args"], fields["levelname"])
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "/log hello %s ('there',) ERROR"


def test_run_exit_status_and_errors(tmp_path):
    result = run_script(tmp_path, "import sys; sys.exit(3)")
    assert result.returncode == 3
    missing = subprocess.run([sys.executable, "-m", "webstd", "run", str(tmp_path / "no.py")],
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "no.py" in missing.stderr
    no_module = subprocess.run([sys.executable, "-m", "webstd", "run", "-m", "no_such_module"],
                               capture_output=True, text=True, timeout=60)  # fmt: skip
    assert no_module.returncode == 2 and "Traceback" not in no_module.stderr


@pytest.mark.parametrize("module", ["json.tool"])
def test_run_dash_m(tmp_path, module):
    (tmp_path / "in.json").write_text('{"a": 1}')
    result = subprocess.run(
        [sys.executable, "-m", "webstd", "run", "-m", module, str(tmp_path / "in.json")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert '"a": 1' in result.stdout
