"""Loopback ports for tests and the benchmark: a free one to listen on, whether one listens."""

import socket


def free_port() -> int:
    """A port free on 127.0.0.1 a moment ago (the kernel's choice of an ephemeral one)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False
