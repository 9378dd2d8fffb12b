#!/usr/bin/env python3
"""[DEFAULT] use_syslog: what staffeln sends to the syslog socket, read back by the test.

Usage: check_syslog.py STAFFELN_BINARY
glibc's syslog(3) writes to /dev/log, a path no option changes; so `staffeln api` runs in a mount
namespace of its own (unshare -rm: a user namespace, no privilege needed) whose /dev is the test's
directory, where /dev/log is a datagram socket the test bound. Checks that the API's start-up line
arrives with the priority of syslog_log_facility = LOG_LOCAL3 and INFO (<158>), the identifier
staffeln and the oslo.log line as the message. Exits 77 (skipped) when unshare cannot make the
namespaces (a container without user namespaces).
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

# RFC 3164 as glibc writes it: <PRI>Mmm dd hh:mm:ss IDENT: MESSAGE, the message an oslo.log line.
LINE = re.compile(r"^<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d ([^:\[]+): "
                  r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) (\d+) (\w+) (\S+) \[-\] (.*)$")
LOCAL3 = 19
INFO = 6


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        dev = os.path.join(tmp, "dev")
        os.mkdir(dev)
        probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, text=True)
        if probe.returncode != 0:
            print(f"unshare -rm failed ({probe.stderr.strip()}): skipped")
            sys.exit(77)
        with socket.socket() as free:
            free.bind(("127.0.0.1", 0))
            port = free.getsockname()[1]
        conf = os.path.join(tmp, "staffeln.conf")
        with open(conf, "w") as f:
            f.write(f"[DEFAULT]\nuse_syslog = true\nsyslog_log_facility = LOG_LOCAL3\n"
                    f"[database]\nconnection = sqlite:///{tmp}/staffeln.db\n"
                    f"[api]\nhost = 127.0.0.1\nport = {port}\n")
        subprocess.run([binary, "--config-file", conf, "db-manage", "upgrade"], check=True, capture_output=True)
        log = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        log.bind(os.path.join(dev, "log"))
        log.settimeout(10)
        # The devices a process may open, then the test's directory over /dev.
        setup = ("for d in null zero urandom random; do : > \"$1/$d\"; mount --bind /dev/$d \"$1/$d\"; done; "
                 "mount --bind \"$1\" /dev; shift; exec \"$@\"")
        api = subprocess.Popen(["unshare", "-rm", "sh", "-c", setup, "sh", dev, binary, "--config-file", conf, "api"],
                               stderr=subprocess.PIPE, text=True)
        try:
            seen = []
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not any("listening on" in m for m in seen):
                seen.append(log.recv(65536).decode())
            lines = [m for m in seen if "listening on" in m]
            if not lines:
                sys.exit(f"no start-up line sent to syslog: {seen}")
            match = LINE.match(lines[0])
            if not match:
                sys.exit(f"not a syslog datagram carrying an oslo.log line: {lines[0]!r}")
            priority, ident, _, pid, level, logger, message = match.groups()
            if int(priority) != (LOCAL3 << 3 | INFO):
                sys.exit(f"priority {priority}, expected {LOCAL3 << 3 | INFO} (LOG_LOCAL3, INFO): {lines[0]!r}")
            if ident != "staffeln" or level != "INFO" or logger != "staffeln.api" or int(pid) != api.pid:
                sys.exit(f"ident {ident}, level {level}, logger {logger}, pid {pid} (expected staffeln, INFO, "
                         f"staffeln.api, {api.pid}): {lines[0]!r}")
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass
            api.send_signal(signal.SIGTERM)
            code = api.wait(timeout=15)
            if code != 0:
                sys.exit(f"staffeln api exited {code}: {api.stderr.read()}")
            print(f"syslog datagram: {lines[0]}")
        finally:
            if api.poll() is None:
                api.kill()


if __name__ == "__main__":
    main()
