#!/usr/bin/python3
"""A TCP port free on loopback now, for a server a test or benchmark starts: the one definition the
scripts share (tests/support/ports.h is the C++ tests' counterpart). Imported as free_port.free_port(),
or run to print one."""
import socket


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    print(free_port())
