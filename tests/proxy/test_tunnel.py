"""CONNECT tunnels: bytes relayed both ways untouched, early data kept, half-close passed on,
the tunnel's byte counts in the access log."""

from __future__ import annotations

import socket
import threading

from support.proxy import wait_for


def test_connect_relays_bytes_both_ways_until_close(start_proxy):
    listener = socket.create_server(("127.0.0.1", 0))
    origin_port = listener.getsockname()[1]
    seen = bytearray()

    def echo():
        sock, _ = listener.accept()
        with sock:
            while data := sock.recv(65536):
                seen.extend(data)
                sock.sendall(data.upper())

    thread = threading.Thread(target=echo, daemon=True)
    thread.start()
    _, port, log = start_proxy(connect_ports=frozenset({origin_port}))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        # The first tunnelled bytes ride in the same packet as the CONNECT request.
        sock.sendall(f"CONNECT 127.0.0.1:{origin_port} HTTP/1.1\r\nHost: x\r\n\r\nearly ".encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += sock.recv(65536)
        head, _, rest = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        sock.sendall(b"\x00binary\xff\r\n\r\nGET / HTTP/1.1\r\n")
        sock.shutdown(socket.SHUT_WR)
        while data := sock.recv(65536):
            rest += data
    thread.join(5)
    listener.close()
    assert bytes(seen) == b"early \x00binary\xff\r\n\r\nGET / HTTP/1.1\r\n"
    assert rest == bytes(seen).upper()
    assert wait_for(lambda: "tunnel_up=" in log.getvalue())
    line = log.getvalue().strip().splitlines()[-1]
    assert f'"CONNECT 127.0.0.1:{origin_port} HTTP/1.1" 200' in line
    assert line.endswith(f"tunnel_up={len(seen)} tunnel_down={len(seen)}")


def test_idle_tunnel_is_closed(start_proxy):
    listener = socket.create_server(("127.0.0.1", 0))
    origin_port = listener.getsockname()[1]
    _, port, _ = start_proxy(connect_ports=frozenset({origin_port}), tunnel_timeout=0.3)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"CONNECT 127.0.0.1:{origin_port} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        assert sock.recv(65536) == b""
    listener.close()
