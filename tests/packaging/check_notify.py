#!/usr/bin/env python3
"""The units' Type=notify and WatchdogSec, without systemd: staffeln api under a NOTIFY_SOCKET.

Usage: check_notify.py STAFFELN_BINARY
Binds a datagram socket as systemd does, runs `staffeln api` with NOTIFY_SOCKET and WATCHDOG_USEC
(0.2 s) set, and checks that it sends READY=1 once it serves, WATCHDOG=1 at least twice a
0.2 s period apart or faster, and STOPPING=1 on SIGTERM, then exits 0.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        conf = os.path.join(tmp, "staffeln.conf")
        with open(conf, "w") as f:
            f.write(f"[database]\nconnection = sqlite:///{tmp}/staffeln.db\n[api]\nhost = 127.0.0.1\nport = {port}\n")
        subprocess.run([binary, "--config-file", conf, "db-manage", "upgrade"], check=True, capture_output=True)
        path = os.path.join(tmp, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(10)
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"}
        api = subprocess.Popen([binary, "--config-file", conf, "api"], env=env, stderr=subprocess.PIPE, text=True)
        try:
            seen = []
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and seen.count("WATCHDOG=1") < 3:
                seen.append(sock.recv(4096).decode())
            if "READY=1" not in seen:
                sys.exit(f"no READY=1: {seen}")
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass  # READY=1 came once the API listens
            if seen.count("WATCHDOG=1") < 3:
                sys.exit(f"fewer than 3 WATCHDOG=1 in 10 s: {seen}")
            api.send_signal(signal.SIGTERM)
            while "STOPPING=1" not in seen:
                seen.append(sock.recv(4096).decode())
            code = api.wait(timeout=15)
            if code != 0:
                sys.exit(f"staffeln api exited {code}: {api.stderr.read()}")
            print(f"notifications: READY=1, {seen.count('WATCHDOG=1')} x WATCHDOG=1, STOPPING=1")
        finally:
            if api.poll() is None:
                api.kill()


if __name__ == "__main__":
    main()
