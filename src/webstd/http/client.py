"""webstd.http.client: the low-level HTTP/1.1 client, with the API of Python 3.11's http.client.

It owns the connection: the socket (TLS, proxies reached with CONNECT), the request state machine
(one request, then its response, then the next request on the same connection), request bodies, and
the mapping of webstd.protocol's errors onto http.client's exceptions. Every byte it writes comes
from webstd.protocol.serialize and every byte it reads goes through webstd.protocol's
ResponseParser: there is no HTTP parsing or framing code here.

Where it is safer than the stdlib (docs/differences.md): CR, LF and other control characters in
the method, the URL and header fields are refused before anything is sent; a keep-alive connection
that the server closed is reopened, and a request that is safe to repeat is retried once.
"""

from __future__ import annotations

import io
import re
import select
import socket
import ssl
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from webstd.http import HTTPStatus
from webstd.http._client_errors import (
    BadStatusLine,
    CannotSendHeader,
    CannotSendRequest,
    HTTPException,
    ImproperConnectionState,
    IncompleteRead,
    InvalidURL,
    LineTooLong,
    NotConnected,
    RemoteDisconnected,
    ResponseNotReady,
    UnimplementedFileMode,
    UnknownProtocol,
    UnknownTransferEncoding,
    error,
)
from webstd.http._client_errors import (
    ResponseBodyTooLarge as ResponseBodyTooLarge,  # a webstd addition, outside __all__
)
from webstd.http._client_response import HTTPResponse
from webstd.http._message import HTTPMessage, parse_headers
from webstd.protocol import (
    CONNECTION_CLOSED,
    NEED_DATA,
    LocalProtocolError,
    RemoteProtocolError,
    Response,
    ResponseParser,
    check_field,
    check_method,
    check_target,
    chunk,
    last_chunk,
    request_head,
)
from webstd.urllib.parse import urlsplit

__all__ = [
    "HTTPResponse", "HTTPConnection", "HTTPException", "NotConnected", "UnknownProtocol",
    "UnknownTransferEncoding", "UnimplementedFileMode", "IncompleteRead", "InvalidURL",
    "ImproperConnectionState", "CannotSendRequest", "CannotSendHeader", "ResponseNotReady",
    "BadStatusLine", "LineTooLong", "RemoteDisconnected", "error", "responses", "HTTPSConnection",
    "HTTPMessage", "parse_headers",
]

HTTP_PORT = 80
HTTPS_PORT = 443

# The connection's states (the stdlib's names and values).
_CS_IDLE = "Idle"
_CS_REQ_STARTED = "Request-started"
_CS_REQ_SENT = "Request-sent"

responses = {status: status.phrase for status in HTTPStatus}

# The stdlib's http.client exposes every HTTPStatus member as a module constant (http.client.OK).
globals().update(HTTPStatus.__members__)

# RFC 9110 section 9.2.2: a request with one of these methods may be repeated without harm, so it is
# retried once when a reused connection turns out to be closed.
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
# Methods whose requests carry content: without a body they get "Content-Length: 0".
_METHODS_EXPECTING_BODY = frozenset({"PATCH", "POST", "PUT"})
# The 3.11 stdlib refuses these in a host name with InvalidURL, and these in a method with
# ValueError; webstd does the same (and more, see putrequest).
_CONTROL_IN_HOST = re.compile(r"[\x00-\x20\x7f]")
_CONTROL_IN_METHOD = re.compile(r"[\x00-\x1f]")
_poll = getattr(select, "poll", None)
_CHECKED_FIELDS_KEPT = 64
_NO_NAMES: frozenset[str] = frozenset()


def _body_length(body: Any, method: str) -> int | None:
    """The Content-Length of a request body, or None when it cannot be known in advance."""
    if body is None:
        return 0 if method.upper() in _METHODS_EXPECTING_BODY else None
    if hasattr(body, "read"):
        return None
    try:
        return memoryview(body).nbytes
    except TypeError:
        pass
    if isinstance(body, str):
        return len(body)
    return None


def _latin1(text: str, what: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError as error:
        raise UnicodeEncodeError(
            error.encoding,
            error.object,
            error.start,
            error.end,
            f"{what.title()} ({text[error.start : error.end]!r}) is not valid Latin-1. "
            f"Use {what}.encode('utf-8') if you want to send it encoded in UTF-8.",
        ) from None


def _text(value: Any) -> str:
    """A header name or value as given to putheader (str, bytes or int) as the text sent."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("latin-1")
    if isinstance(value, int):
        return str(value)
    return value


def _check_body_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"max_body_size must be a non-negative int or None, not {limit!r}")
    return limit


class HTTPConnection:
    """One HTTP/1.1 connection to ``host``: request, then response, then the next request."""

    _http_vsn = 11
    _http_vsn_str = "HTTP/1.1"
    response_class = HTTPResponse
    default_port = HTTP_PORT
    auto_open = 1
    debuglevel = 0
    #: A webstd addition: the largest body a response may hand out, in total, however it is read
    #: (ResponseBodyTooLarge beyond it); None, the default, is the stdlib's: no limit.
    max_body_size: int | None = None

    def __init__(
        self,
        host: str,
        port: int | None = None,
        timeout: float | None = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
        source_address: tuple[str, int] | None = None,
        blocksize: int = 8192,
        *,
        max_body_size: int | None = None,
    ) -> None:
        if max_body_size is not None:
            self.max_body_size = _check_body_limit(max_body_size)
        self.timeout = timeout
        self.source_address = source_address
        self.blocksize = blocksize
        self.sock: socket.socket | None = None
        self._buffer: list[tuple[str, str]] = []
        self.__response: HTTPResponse | None = None
        self.__state = _CS_IDLE
        self._method: str | None = None
        self._url = "/"
        self._tunnel_host: str | None = None
        self._tunnel_port: int | None = None
        self._tunnel_headers: dict[str, str] = {}
        # What was sent of the current request, to send again on a fresh connection; None when
        # the body was a file or an iterable that cannot be read twice.
        self._replay: list[bytes] | None = []
        # How many responses were read completely on the current socket.
        self._reuses = 0
        # The Host field for requests without an absolute URL, and the address it was made from.
        self._host_field: tuple[Any, str] = (None, "")
        # Header fields already validated, and the last head serialized with its inputs.
        self._checked_fields: set[tuple[str, str]] = set()
        self._last_head: tuple[Any, bytes] = (None, b"")
        self._last_checked: tuple[str, str] | None = None
        # The poll object watching the current socket, reused by every request on it.
        self._poller: tuple[Any, Any] = (None, None)
        self.host, self.port = self._get_hostport(host, port)
        self._validate_host(self.host)
        self._create_connection = socket.create_connection

    # Addresses --------------------------------------------------------------------------------
    def _get_hostport(self, host: str, port: int | None) -> tuple[str, int]:
        if port is None:
            colon, bracket = host.rfind(":"), host.rfind("]")
            if colon > bracket:
                text = host[colon + 1 :]
                if text == "":
                    port = self.default_port
                elif text.isascii() and text.isdigit():
                    port = int(text)
                else:
                    raise InvalidURL(f"nonnumeric port: '{text}'")
                host = host[:colon]
            else:
                port = self.default_port
        if host[:1] == "[" and host[-1:] == "]":
            host = host[1:-1]
        return host, port

    @staticmethod
    def _validate_host(host: str) -> None:
        found = _CONTROL_IN_HOST.search(host)
        if found is not None:
            raise InvalidURL(
                f"URL can't contain control characters. {host!r} (found at least {found.group()!r})"
            )

    def set_debuglevel(self, level: int) -> None:
        self.debuglevel = level

    def set_tunnel(
        self, host: str, port: int | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        """Reach ``host:port`` through the proxy this connection is opened to, with CONNECT."""
        if self.sock:
            raise RuntimeError("Can't set up tunnel for established connection")
        self._tunnel_host, self._tunnel_port = self._get_hostport(host, port)
        self._validate_host(self._tunnel_host)
        self._tunnel_headers = dict(headers) if headers else {}

    @staticmethod
    def _authority(host: str, port: int) -> str:
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def _tunnel(self) -> None:
        """RFC 9110 section 9.3.6: CONNECT host:port, then TLS or plain HTTP inside the tunnel."""
        target = self._authority(self._tunnel_host, self._tunnel_port)
        fields = [("Host", target), *self._tunnel_headers.items()]
        try:
            head = request_head("CONNECT", target, fields, http_version="1.0")
        except LocalProtocolError as problem:
            raise ValueError(str(problem)) from None
        if self.debuglevel > 0:
            print("send:", repr(head))
        self._sendall(head)
        parser = ResponseParser()
        parser.expect("CONNECT")
        while True:
            try:
                event = parser.next_event()
            except RemoteProtocolError as problem:
                self.close()
                raise OSError(f"Tunnel connection failed: {problem}") from problem
            if event is NEED_DATA:
                data = self.sock.recv(65536)
                parser.feed(data) if data else parser.feed_eof()
            elif event is CONNECTION_CLOSED:
                self.close()
                raise RemoteDisconnected("Remote end closed connection without response")
            elif type(event) is Response:
                break
        if self.debuglevel > 0:
            print("reply:", repr(f"{event.version} {event.status} {event.reason}"))
        if not 200 <= event.status < 300 or parser.trailing_data:
            self.close()
            raise OSError(f"Tunnel connection failed: {event.status} {event.reason.strip()}")

    def connect(self) -> None:
        """Opens the connection (and the tunnel, if set_tunnel was called)."""
        self.sock = self._create_connection((self.host, self.port), self.timeout, self.source_address)
        self._reuses = 0
        try:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as problem:
            if problem.errno != 92:  # ENOPROTOOPT: not a TCP socket
                raise
        if self._tunnel_host:
            self._tunnel()

    def close(self) -> None:
        """Closes the socket and any response still open; the next request reconnects."""
        self.__state = _CS_IDLE
        self._poller = (None, None)
        try:
            sock, self.sock = self.sock, None
            if sock:
                sock.close()
        finally:
            response, self.__response = self.__response, None
            if response:
                response._release = None
                response.close()

    # Sending ----------------------------------------------------------------------------------
    def _sendall(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, data: Any) -> None:
        """Sends bytes, a binary or text file, or an iterable of bytes, as they are."""
        if self.sock is None:
            if not self.auto_open:
                raise NotConnected()
            self.connect()
        if self.debuglevel > 0:
            print("send:", repr(data))
        if hasattr(data, "read"):
            self._replay = None
            for block in self._read_blocks(data):
                self._sendall(block)
            return
        try:
            view = memoryview(data)
        except TypeError:
            if not isinstance(data, Iterable):
                raise TypeError(
                    f"data should be a bytes-like object or an iterable, got {type(data)!r}"
                ) from None
            self._replay = None
            for piece in data:
                self._sendall(piece)
            return
        if self._replay is not None:
            self._replay.append(data)
        self._sendall(view)

    def _read_blocks(self, readable: Any) -> Iterator[bytes]:
        """Blocks of ``blocksize`` from a file; text files are sent as ISO-8859-1."""
        text = isinstance(readable, io.TextIOBase) or "b" not in getattr(readable, "mode", "b")
        if text and self.debuglevel > 0:
            print("encoding file using iso-8859-1")
        while True:
            block = readable.read(self.blocksize)
            if not block:
                return
            yield block.encode("iso-8859-1") if isinstance(block, str) else block

    def _check_request_line(self, method: str, url: str) -> None:
        # The checks in the order 3.11 makes them, so that the same input raises the same class;
        # the last one (a method must be a token) is webstd's own.
        found = _CONTROL_IN_METHOD.search(method)
        if found is not None:
            raise ValueError(
                f"method can't contain control characters. {method!r} (found at least {found.group()!r})"
            )
        try:
            check_target(url)
        except LocalProtocolError:
            raise InvalidURL(f"URL can't contain control characters or spaces: {url!r}") from None
        if not (method.isascii() and url.isascii()):
            f"{method} {url}".encode("ascii")  # raises UnicodeEncodeError, as in the stdlib
        try:
            check_method(method)
        except LocalProtocolError:
            raise ValueError(f"method must be a token (RFC 9110 section 9.1): {method!r}") from None
        self._last_checked = (method, url)

    def putrequest(
        self, method: str, url: str, skip_host: bool = False, skip_accept_encoding: bool = False
    ) -> None:
        """Starts a request: ``method url``; Host and Accept-Encoding are added unless skipped."""
        if self.__response and self.__response.isclosed():
            self.__response = None
        if self.__state != _CS_IDLE or self.__response:
            raise CannotSendRequest(self.__state)
        url = url or "/"
        if (method, url) != self._last_checked:
            self._check_request_line(method, url)
        self.__state = _CS_REQ_STARTED
        self._method = method
        self._url = url
        self._buffer = []
        self._replay = []
        if skip_host:
            pass
        elif url.startswith("http"):
            netloc = urlsplit(url).netloc
            if netloc:
                self.putheader("Host", self._encode_host(netloc))
            else:
                self._put_default_host()
        else:
            self._put_default_host()
        if not skip_accept_encoding:
            self.putheader("Accept-Encoding", "identity")

    @staticmethod
    def _encode_host(host: str) -> str:
        try:
            host.encode("ascii")
            return host
        except UnicodeEncodeError:
            return host.encode("idna").decode("ascii")

    def _put_default_host(self) -> None:
        if self._tunnel_host:
            host, port = self._tunnel_host, self._tunnel_port
        else:
            host, port = self.host, self.port
        key = (host, port, self.default_port)
        if self._host_field[0] != key:
            text = self._encode_host(host)
            if ":" in text:
                text = f"[{text}]"
            self._host_field = (key, text if port == self.default_port else f"{text}:{port}")
        self.putheader("Host", self._host_field[1])

    def putheader(self, header: str | bytes, *values: Any) -> None:
        """Adds a header field to the request being started (several values join with ", ")."""
        if self.__state != _CS_REQ_STARTED:
            raise CannotSendHeader()
        name = header if type(header) is str else _text(header)
        if len(values) == 1 and type(values[0]) is str:
            value = values[0]
        else:
            # RFC 9110 section 5.3: repeated values are joined into one list (never obs-folded).
            value = ", ".join(_text(one) for one in values)
        field = (name, value)
        if field not in self._checked_fields:
            self._check_field(header, name, value)
        self._buffer.append(field)

    def _check_field(self, header: Any, name: str, value: str) -> None:
        if not (name.isascii() and value.isascii()):
            # As in the stdlib: names must be ASCII and values ISO-8859-1 (UnicodeEncodeError).
            name.encode("ascii")
            value.encode("latin-1")
        try:
            check_field(name, value)
        except LocalProtocolError:
            try:
                check_field(name, "")
            except LocalProtocolError:
                raise ValueError(f"Invalid header name {header!r}") from None
            raise ValueError(f"Invalid header value {value!r}") from None
        # Requests on one connection repeat their fields: remember a few that passed.
        if len(self._checked_fields) >= _CHECKED_FIELDS_KEPT:
            self._checked_fields.clear()
        self._checked_fields.add((name, value))

    def endheaders(self, message_body: Any = None, *, encode_chunked: bool = False) -> None:
        """Sends the head, then ``message_body`` if given (chunked when ``encode_chunked``)."""
        if self.__state != _CS_REQ_STARTED:
            raise CannotSendHeader()
        self.__state = _CS_REQ_SENT
        self._send_output(message_body, encode_chunked)

    def _send_output(self, message_body: Any = None, encode_chunked: bool = False) -> None:
        # A request identical to the previous one (a poll, a benchmark) reuses its serialized head.
        key = (self._method, self._url, tuple(self._buffer))
        if key == self._last_head[0]:
            head = self._last_head[1]
        else:
            head = request_head(self._method, self._url, self._buffer)
            self._last_head = (key, head)
        self._buffer = []
        if self.sock is not None and self._reuses and self._peer_closed():
            # The server closed the idle connection (a keep-alive timeout): open a new one rather
            # than write into a dead socket.
            self.sock.close()
            self.sock = None
        if isinstance(message_body, bytes):
            # One write for the head and a bytes body: one packet for small requests.
            head = head + (chunk(message_body) + last_chunk() if encode_chunked else message_body)
            message_body = None
        try:
            self.send(head)
        except (ConnectionResetError, BrokenPipeError):
            if not self._may_retry():
                raise
            self._reconnect_and_replay()
        if message_body is None:
            return
        for piece in self._body_pieces(message_body):
            if not piece:
                if self.debuglevel > 0:
                    print("Zero length chunk ignored")
                continue
            self.send(chunk(piece) if encode_chunked else piece)
        if encode_chunked:
            self.send(last_chunk())

    def _body_pieces(self, body: Any) -> Iterable[Any]:
        if hasattr(body, "read"):
            self._replay = None
            return self._read_blocks(body)
        try:
            memoryview(body)
            return (body,)
        except TypeError:
            pass
        try:
            pieces = iter(body)
        except TypeError:
            raise TypeError(
                f"message_body should be a bytes-like object or an iterable, got {type(body)!r}"
            ) from None
        self._replay = None
        return (piece.encode("iso-8859-1") if isinstance(piece, str) else piece for piece in pieces)

    def _peer_closed(self) -> bool:
        """True when an idle socket has something to read: the server's FIN (or stray bytes)."""
        sock = self.sock
        try:
            if getattr(sock, "pending", None) and sock.pending():
                return True
            if _poll is not None:
                # poll, not select: select fails for descriptors above FD_SETSIZE (1024).
                watched, poller = self._poller
                if watched is not sock:
                    poller = _poll()
                    poller.register(sock, select.POLLIN)
                    self._poller = (sock, poller)
                return bool(poller.poll(0))
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def _may_retry(self) -> bool:
        return bool(self._reuses) and self._replay is not None and self._method in _IDEMPOTENT_METHODS

    def _reconnect_and_replay(self) -> None:
        replay = self._replay
        if self.sock is not None:
            self.sock.close()
        self.sock = None
        self.connect()
        for data in replay:
            self._sendall(data)

    def request(
        self,
        method: str,
        url: str,
        body: Any = None,
        headers: Mapping[str, Any] = {},  # noqa: B006 - the stdlib's signature; never mutated
        *,
        encode_chunked: bool = False,
    ) -> None:
        """Sends a whole request. The body may be str, bytes, a file or an iterable of bytes;
        Content-Length is set when its length can be known, chunked coding is used otherwise."""
        names = frozenset(name.lower() for name in headers) if headers else _NO_NAMES
        self.putrequest(
            method,
            url,
            skip_host="host" in names,
            skip_accept_encoding="accept-encoding" in names,
        )
        if "content-length" in names:
            encode_chunked = False
        elif "transfer-encoding" not in names:
            encode_chunked = False
            length = _body_length(body, method)
            if length is not None:
                self.putheader("Content-Length", str(length))
            elif body is not None:
                encode_chunked = True
                self.putheader("Transfer-Encoding", "chunked")
        for name, value in headers.items():
            self.putheader(name, value)
        if isinstance(body, str):
            body = _latin1(body, "body")
        self.endheaders(body, encode_chunked=encode_chunked)

    # Receiving --------------------------------------------------------------------------------
    def getresponse(self) -> HTTPResponse:
        """The response to the request sent; read its body before sending the next request."""
        if self.__response and self.__response.isclosed():
            self.__response = None
        if self.__state != _CS_REQ_SENT or self.__response:
            raise ResponseNotReady(self.__state)
        response = self._begin_response()
        self.__state = _CS_IDLE
        if response.will_close:
            # The response owns the socket now and closes it after the body.
            self.sock = None
            self.close()
        elif response.fp is not None:
            self.__response = response
        return response

    def _begin_response(self) -> HTTPResponse:
        response = self._new_response()
        try:
            response.begin()
            return response
        except ConnectionResetError:
            # RemoteDisconnected included: a reused connection closed by the server before it read
            # the request. Retried once when nothing of a response arrived and it is safe to repeat.
            if response._head_received or not self._may_retry():
                self._abandon(response)
                raise
        self._reconnect_and_replay()
        response = self._new_response()
        try:
            response.begin()
        except BaseException:
            self._abandon(response)
            raise
        return response

    def _abandon(self, response: HTTPResponse) -> None:
        response.close()
        self.close()

    def _new_response(self) -> HTTPResponse:
        if self.debuglevel > 0:
            response = self.response_class(self.sock, self.debuglevel, method=self._method)
        else:
            response = self.response_class(self.sock, method=self._method)
        response._release = self._release_socket
        if self.max_body_size is not None:
            response.max_body_size = self.max_body_size
        return response

    def _release_socket(self, response: HTTPResponse) -> None:
        """Called by a response when its body is done or it is closed: keep or close the socket."""
        if response is self.__response:
            self.__response = None
        sock = response._sock
        if sock is None:
            return
        if response._complete and response.will_close is False and sock is self.sock:
            self._reuses += 1
            return
        # Closing: the server asked for it, or part of the body is unread and the socket is out
        # of step with the responses.
        sock.close()
        if sock is self.sock:
            self.sock = None


class HTTPSConnection(HTTPConnection):
    """HTTPConnection over TLS; the certificate and the host name are checked by default."""

    default_port = HTTPS_PORT

    def __init__(
        self,
        host: str,
        port: int | None = None,
        key_file: str | None = None,
        cert_file: str | None = None,
        timeout: float | None = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
        source_address: tuple[str, int] | None = None,
        *,
        context: Any = None,
        check_hostname: bool | None = None,
        blocksize: int = 8192,
        max_body_size: int | None = None,
    ) -> None:
        super().__init__(host, port, timeout, source_address, blocksize=blocksize,
                         max_body_size=max_body_size)  # fmt: skip
        if key_file is not None or cert_file is not None or check_hostname is not None:
            warnings.warn(
                "key_file, cert_file and check_hostname are deprecated, use a custom context instead.",
                DeprecationWarning,
                2,
            )
        self.key_file = key_file
        self.cert_file = cert_file
        if context is None:
            context = ssl.create_default_context()
            if self._http_vsn == 11:
                context.set_alpn_protocols(["http/1.1"])
            if context.post_handshake_auth is not None:
                context.post_handshake_auth = True
        if check_hostname is not None:
            context.check_hostname = check_hostname
        if key_file or cert_file:
            context.load_cert_chain(cert_file, key_file)
        self._context = context

    def connect(self) -> None:
        super().connect()
        server_hostname = self._tunnel_host or self.host
        self.sock = self._context.wrap_socket(self.sock, server_hostname=server_hostname)

