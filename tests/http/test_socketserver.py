"""webstd.socketserver's stream servers with a plain (non-HTTP) handler, over real sockets."""

from __future__ import annotations

import socket
import threading

from support.servers import connect, read_until_close, running
from webstd import socketserver


class Upper(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline()
        self.wfile.write(line.upper())


def test_tcp_server_serves_and_closes():
    with running(socketserver.TCPServer, Upper) as server, connect(server) as sock:
        sock.sendall(b"hello\n")
        assert read_until_close(sock) == b"HELLO\n"


def test_threading_server_handles_clients_concurrently():
    release = threading.Event()

    class Waits(socketserver.StreamRequestHandler):
        def handle(self):
            if self.rfile.readline() == b"wait\n":
                release.wait(5)
            self.wfile.write(b"done\n")

    with running(socketserver.ThreadingTCPServer, Waits) as server:
        with connect(server) as slow, connect(server) as fast:
            slow.sendall(b"wait\n")
            fast.sendall(b"go\n")
            # The first client's handler is blocked; the second is answered regardless.
            assert read_until_close(fast) == b"done\n"
            release.set()
            assert read_until_close(slow) == b"done\n"


def test_verify_request_refuses():
    class Refusing(socketserver.TCPServer):
        def verify_request(self, request, client_address):
            return False

    with running(Refusing, Upper) as server, connect(server) as sock:
        sock.sendall(b"x\n")
        assert read_until_close(sock) == b""


def test_handle_error_and_server_survives(capsys):
    class Broken(socketserver.BaseRequestHandler):
        def handle(self):
            raise ValueError("broken handler")

    with running(socketserver.TCPServer, Broken) as server:
        for _ in range(2):
            with connect(server) as sock:
                assert read_until_close(sock) == b""
    assert capsys.readouterr().err.count("ValueError: broken handler") == 2


def test_attributes_and_context_manager():
    with socketserver.TCPServer(("127.0.0.1", 0), Upper) as server:
        assert server.address_family == socket.AF_INET
        assert server.RequestHandlerClass is Upper
        assert server.fileno() == server.socket.fileno()
        assert server.server_address[1] > 0
    assert server.socket.fileno() == -1


def test_bind_and_activate_false():
    server = socketserver.TCPServer(("127.0.0.1", 0), Upper, bind_and_activate=False)
    try:
        server.allow_reuse_address = True
        server.server_bind()
        server.server_activate()
        with connect(server) as sock:
            sock.sendall(b"late\n")
            server.handle_request()
            assert read_until_close(sock) == b"LATE\n"
    finally:
        server.server_close()


def test_udp_and_unix_servers_with_datagram_handler(tmp_path):
    """UDPServer, UnixStreamServer, UnixDatagramServer and DatagramRequestHandler (issue 16)."""
    import socket
    import threading

    from webstd import socketserver as ss

    class Echo(ss.DatagramRequestHandler):
        def handle(self):
            self.wfile.write(self.rfile.read().upper())

    with ss.ThreadingUDPServer(("127.0.0.1", 0), Echo) as server:
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
                client.settimeout(10)
                client.sendto(b"ping", server.server_address)
                assert client.recvfrom(100)[0] == b"PING"
        finally:
            server.shutdown()
            thread.join()

    class Stream(ss.StreamRequestHandler):
        def handle(self):
            self.wfile.write(self.rfile.readline().upper())

    path = str(tmp_path / "s")
    with ss.UnixStreamServer(path, Stream) as server:
        with socket.socket(socket.AF_UNIX) as client:
            client.settimeout(10)
            client.connect(path)
            client.sendall(b"hi\n")
            server.handle_request()
            assert client.recv(100) == b"HI\n"
    assert issubclass(ss.UnixDatagramServer, ss.UDPServer)


def test_forking_tcp_server_answers_from_a_child():
    import os
    import socket

    from webstd import socketserver as ss

    class Pid(ss.StreamRequestHandler):
        def handle(self):
            self.wfile.write(str(os.getpid()).encode())

    with ss.ForkingTCPServer(("127.0.0.1", 0), Pid) as server:
        with socket.create_connection(server.server_address, timeout=10) as client:
            server.handle_request()
            assert int(client.recv(100)) != os.getpid()
    assert not server.active_children
