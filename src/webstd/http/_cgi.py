"""CGIHTTPRequestHandler: Python 3.11's CGI handler API, running scripts as RFC 3875 describes.

Import it from :mod:`webstd.http.server` (this module subclasses the SimpleHTTPRequestHandler
defined there). It owns the handler's decisions: which targets are scripts
(:mod:`._cgi_environ` refuses traversal), which files may run, the environment, and turning the
script's output (parsed by :mod:`._cgi_output`) into a response on ``wfile``, which frames it
(Content-Length when the script gave one, chunked for HTTP/1.1 otherwise) so keep-alive holds.
Running the process is :mod:`._cgi_process`'s job.
"""

from __future__ import annotations

import os
import pwd
import sys
from typing import Any

from webstd.http import HTTPStatus
from webstd.http._cgi_environ import (
    ScriptRefused,
    basic_user,
    build_environment,
    inherited_environment,
    split_cgi_target,
)
from webstd.http._cgi_output import (
    MAX_HEAD,
    BadScriptResponse,
    ScriptResponse,
    find_head_end,
    parse_head,
)
from webstd.http._cgi_process import ScriptRun, ScriptTimeout
from webstd.http.server import SimpleHTTPRequestHandler
from webstd.urllib.parse import quote

# Local redirects (RFC 3875 6.2.2) followed for one request before answering 500.
_MAX_LOCAL_REDIRECTS = 10
_uid_cache: dict[str, tuple[int, int]] = {}


def nobody_uid() -> int:
    """The uid of the user ``nobody`` (one above the largest uid when there is none)."""
    return _account("nobody")[0]


def _account(name: str) -> tuple[int, int]:
    if name not in _uid_cache:
        try:
            entry = pwd.getpwnam(name)
            _uid_cache[name] = (entry.pw_uid, entry.pw_gid)
        except KeyError:
            uid = 1 + max(entry.pw_uid for entry in pwd.getpwall())
            _uid_cache[name] = (uid, uid)
    return _uid_cache[name]


def executable(path: str) -> bool:
    """True if ``path`` may be executed by this process."""
    return os.access(path, os.X_OK)


class CGIHTTPRequestHandler(SimpleHTTPRequestHandler):
    """Serves files like SimpleHTTPRequestHandler and runs the scripts in ``cgi_directories``."""

    have_fork = hasattr(os, "fork")
    rbufsize = 0
    cgi_directories = ["/cgi-bin", "/htbin"]
    #: Seconds a script may go without reading its input or writing output before it is killed
    #: (504 when it has not sent its header block yet).
    cgi_timeout: float = 30.0
    #: When the server runs as root, scripts run as this user (as the stdlib's run as nobody);
    #: None runs them as root.
    cgi_user: str | None = "nobody"

    def do_POST(self) -> None:  # noqa: N802
        """Runs the script for a CGI target; 501 for any other target."""
        if self._is_cgi_or_refuse():
            self.run_cgi()
        elif not self._refused:
            self.send_error(HTTPStatus.NOT_IMPLEMENTED, "Can only POST to CGI scripts")

    def send_head(self) -> Any:
        """Runs the script for a CGI target (GET, HEAD); serves the file otherwise."""
        if self._is_cgi_or_refuse():
            return self.run_cgi()
        if self._refused:
            return None
        if self._in_cgi_directory(self.translate_path(self.path)):
            # Reached by another name (a symlink): a script's source is never served as a file.
            self.send_error(HTTPStatus.FORBIDDEN, "CGI scripts are not served as files")
            return None
        return super().send_head()

    def _in_cgi_directory(self, path: str) -> bool:
        if "\0" in path:
            return False  # no file has such a name: the file server refuses it (403)
        real = os.path.realpath(path)
        for directory in self.cgi_directories:
            top = os.path.realpath(self._file_for(directory))
            if real == top or real.startswith(top + os.sep):
                return True
        return False

    def _is_cgi_or_refuse(self) -> bool:
        self._refused = False
        try:
            return self.is_cgi()
        except ScriptRefused as refused:
            self._refused = True
            self.send_error(refused.status_code, str(refused))
            return False

    def is_cgi(self) -> bool:
        """True when the path is under a CGI directory; sets ``cgi_info`` to (directory, rest).

        Raises ScriptRefused for a target that reaches around a CGI directory (see _cgi_environ).
        """
        found = split_cgi_target(self.path, self.cgi_directories)
        if found is None:
            return False
        self.cgi_info = found
        return True

    def is_executable(self, path: str) -> bool:
        return executable(path)

    def is_python(self, path: str) -> bool:
        return os.path.splitext(path)[1].lower() in (".py", ".pyw")

    # Running ------------------------------------------------------------------------------------
    def run_cgi(self) -> None:
        """Runs the script named by ``cgi_info`` and sends its response."""
        for redirects in range(_MAX_LOCAL_REDIRECTS):
            location = self._run_script(with_body=redirects == 0)
            if location is None:
                return
            # RFC 3875 6.2.2: answer as for a GET of the local path (the body was the script's).
            self.path = location
            if self.command != "HEAD":
                self.command = "GET"
            if self._is_cgi_or_refuse():
                continue
            if not self._refused:
                source = self.send_head()
                if source is not None:
                    try:
                        if self.command == "GET":
                            self.copyfile(source, self.wfile)
                    finally:
                        source.close()
            return
        self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR, "Too many CGI local redirects")

    def _locate(self) -> tuple[str, str, str, str] | None:
        """``(script_name, script_file, path_info, query)``, or None after sending an error."""
        directory, rest = self.cgi_info
        rest, _, query = rest.partition("?")
        parts = rest.split("/")
        # The script is the first name past the deepest existing directory (like the stdlib).
        while len(parts) > 1 and os.path.isdir(self._file_for(f"{directory}/{parts[0]}")):
            directory += "/" + parts.pop(0)
        script, path_info = parts[0], "/".join(parts[1:])
        path_info = "/" + path_info if len(parts) > 1 else ""
        script_name = f"{directory}/{script}"
        script_file = os.path.abspath(self._file_for(script_name))
        if not os.path.exists(script_file):
            self.send_error(HTTPStatus.NOT_FOUND, f"No such CGI script ({script_name!r})")
            return None
        if not os.path.isfile(script_file):
            self.send_error(HTTPStatus.FORBIDDEN, f"CGI script is not a plain file ({script_name!r})")
            return None
        # A symlink must not turn a program elsewhere into a script.
        top = os.path.realpath(self._file_for(self.cgi_info[0]))
        if not os.path.realpath(script_file).startswith(top + os.sep):
            self.send_error(HTTPStatus.FORBIDDEN, f"CGI script is outside {self.cgi_info[0]!r}")
            return None
        if (self.have_fork or not self.is_python(script_name)) and not self.is_executable(script_file):
            self.send_error(HTTPStatus.FORBIDDEN, f"CGI script is not executable ({script_name!r})")
            return None
        return script_name, script_file, path_info, query

    def _file_for(self, url_path: str) -> str:
        # cgi_info holds decoded names; quote them again so translate_path decodes them only once.
        return self.translate_path(quote(url_path))

    def _environment(self, script_name: str, path_info: str, query: str, has_body: bool) -> dict:
        host, port = self.client_address[:2] if self.client_address else ("", 0)
        auth_type, remote_user = basic_user(self.headers.get("authorization"))
        length = self.headers.get("content-length") if has_body else None
        server = self.server
        request = {
            "SERVER_SOFTWARE": self.version_string(),
            "SERVER_NAME": getattr(server, "server_name", None) or server.server_address[0],
            "GATEWAY_INTERFACE": "CGI/1.1",
            # RFC 3875 4.1.16: the protocol of this request, not the server's highest.
            "SERVER_PROTOCOL": self.request_version,
            "SERVER_PORT": str(getattr(server, "server_port", None) or server.server_address[1]),
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path_info,
            "PATH_TRANSLATED": self._file_for(path_info),
            "SCRIPT_NAME": script_name,
            "QUERY_STRING": query,
            "REMOTE_ADDR": host,
            # 4.1.9: the address stands in for the name (no reverse lookup per request).
            "REMOTE_HOST": host,
            "AUTH_TYPE": auth_type,
            "REMOTE_USER": remote_user,
            "CONTENT_TYPE": self.headers.get("content-type"),
            "CONTENT_LENGTH": length,
        }
        return build_environment(inherited_environment(), request, self.headers.items())

    def _has_body(self) -> bool:
        if getattr(self.rfile, "at_end", False):
            return False
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            return True
        length = self.headers.get("content-length", "0").strip()
        return length.isdigit() and int(length) > 0

    def _run_script(self, with_body: bool) -> str | None:
        """Runs the script once; returns a local redirect target, else None (response sent)."""
        located = self._locate()
        if located is None:
            return None
        script_name, script_file, path_info, query = located
        has_body = with_body and self._has_body()
        environ = self._environment(script_name, path_info, query, has_body)
        argv = [script_file]
        if self.is_python(script_file):
            argv = [sys.executable, script_file]
        if "=" not in query and query:
            # RFC 3875 4.4: a query without "=" is a search string, given on the command line.
            argv.append(query.replace("+", " "))
        user = None
        if self.cgi_user is not None and hasattr(os, "geteuid") and os.geteuid() == 0:
            user = _account(self.cgi_user)
        try:
            run = ScriptRun(argv, environ, os.path.dirname(script_file),
                            self.rfile if has_body else None, self.cgi_timeout,
                            self._log_stderr, user)  # fmt: skip
        except OSError as error:
            self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR, f"CGI script cannot start: {error.strerror}")
            return None
        try:
            if os.path.basename(script_name).startswith("nph-"):
                self._pass_through(run)
                location = None
            else:
                location = self._relay(run)
        except BaseException:
            run.abort()
            raise
        status = run.close()
        if status:
            self.log_error("CGI script exit status %#x", status & 0xFFFF)
        return location

    def _log_stderr(self, line: str) -> None:
        self.log_error("CGI script: %s", line)

    def _pass_through(self, run: ScriptRun) -> None:
        """RFC 3875 section 5: an nph- script writes the whole response itself."""
        try:
            for block in run.output():
                self.wfile.write(block)
        except ScriptTimeout as timeout:
            self._timed_out(timeout)

    def _relay(self, run: ScriptRun) -> str | None:
        output = run.output()
        buffer = bytearray()
        try:
            for block in output:
                buffer += block
                found = find_head_end(buffer)
                if found is not None:
                    break
                if len(buffer) > MAX_HEAD:
                    return self._bad_gateway(run, "header block too long")
            else:
                return self._bad_gateway(run, "no header block before the end of the output")
        except ScriptTimeout as timeout:
            self.log_error("CGI script timed out: %s", timeout)
            self.send_error(HTTPStatus.GATEWAY_TIMEOUT, "The CGI script did not answer in time")
            return None
        head_end, body_start = found
        try:
            response = parse_head(bytes(buffer[:head_end]))
        except BadScriptResponse as error:
            return self._bad_gateway(run, str(error))
        if response.local_location is not None:
            for _ in output:
                pass
            return response.local_location
        self._send_script_head(response)
        try:
            self.wfile.write(bytes(buffer[body_start:]))
            for block in output:
                self.wfile.write(block)
        except ScriptTimeout as timeout:
            self._timed_out(timeout)
        return None

    def _bad_gateway(self, run: ScriptRun, reason: str) -> None:
        run.kill()
        self.log_error("CGI script response refused: %s", reason)
        self.send_error(HTTPStatus.BAD_GATEWAY, "The CGI script sent an invalid response")
        return None

    def _timed_out(self, timeout: ScriptTimeout) -> None:
        # The head is out: only closing without ending the body tells the client it is cut short.
        self.close_connection = True
        raise TimeoutError(f"CGI script killed: {timeout}")

    def _send_script_head(self, response: ScriptResponse) -> None:
        self.log_request(response.status)
        self.send_response_only(response.status, response.reason)
        names = {name.lower() for name, _ in response.fields}
        if "server" not in names:
            self.send_header("Server", self.version_string())
        if "date" not in names:
            self.send_header("Date", self.date_time_string())
        for name, value in response.fields:
            self.send_header(name, value)
        self.end_headers()
