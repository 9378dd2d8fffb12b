#!/usr/bin/env python3
"""The units' Type=notify and WatchdogSec, without systemd: staffeln api or conductor under a NOTIFY_SOCKET.

Usage: check_notify.py STAFFELN_BINARY api
       check_notify.py STAFFELN_BINARY conductor STAFFELN_SIMCLOUD SCENARIO_JSON
Binds a datagram socket as systemd does, runs the process with NOTIFY_SOCKET and WATCHDOG_USEC
(0.2 s) set, and checks that it sends READY=1 once it serves (the API: it accepts connections; the
conductor, against staffeln-simcloud: it authenticated, said so in its log, and its metrics_listen
answers), WATCHDOG=1 at least three times within 10 s, and STOPPING=1 on SIGTERM, then exits 0.
"""
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_simcloud(simcloud, scenario, tmp):
    """staffeln-simcloud on a free port; returns the process and the OS_* variables of its openrc."""
    openrc = os.path.join(tmp, "openrc")
    log = open(os.path.join(tmp, "simcloud.log"), "w")
    sim = subprocess.Popen([simcloud, "--scenario", scenario, "--port", "0", "--openrc", openrc],
                           stdout=subprocess.PIPE, stderr=log, text=True)
    sim.stdout.readline()  # its URL: the openrc is written by then
    env = {}
    with open(openrc) as f:
        for line in f:
            match = re.match(r"export (OS_\w+)=(.*)$", line.strip())
            if match:
                env[match.group(1)] = shlex.split(match.group(2))[0]
    return sim, env


def main():
    binary, kind = sys.argv[1], sys.argv[2]
    helpers = []
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp}
        conf = os.path.join(tmp, "staffeln.conf")
        with open(conf, "w") as f:
            f.write(f"[database]\nconnection = sqlite:///{tmp}/staffeln.db\n")
            if kind == "api":
                f.write(f"[api]\nhost = 127.0.0.1\nport = {port}\n")
            else:
                f.write(f"[conductor]\nmetrics_listen = 127.0.0.1:{port}\n")
        if kind == "conductor":
            sim, cloud = start_simcloud(sys.argv[3], sys.argv[4], tmp)
            helpers.append(sim)
            env.update(cloud)
        subprocess.run([binary, "--config-file", conf, "db-manage", "upgrade"], check=True, capture_output=True)
        path = os.path.join(tmp, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(10)
        env.update({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"})
        log_path = os.path.join(tmp, f"{kind}.log")
        with open(log_path, "w") as log:
            process = subprocess.Popen([binary, "--config-file", conf, kind], env=env, stderr=log)
        try:
            seen = []
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and seen.count("WATCHDOG=1") < 3:
                seen.append(sock.recv(4096).decode())
                if seen[-1] == "READY=1":
                    # What READY=1 promises holds at the moment it comes.
                    if kind == "api":
                        socket.create_connection(("127.0.0.1", port), timeout=5).close()
                    else:
                        with open(log_path) as log:
                            if "INFO staffeln.conductor [-] started: cloud" not in log.read():
                                sys.exit("READY=1 before the conductor said it started")
                        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as page:
                            if b"staffeln_role_held" not in page.read():
                                sys.exit("the conductor's /metrics has no staffeln_role_held")
            if "READY=1" not in seen:
                sys.exit(f"no READY=1: {seen}")
            if seen.count("WATCHDOG=1") < 3:
                sys.exit(f"fewer than 3 WATCHDOG=1 in 10 s: {seen}")
            process.send_signal(signal.SIGTERM)
            while "STOPPING=1" not in seen:
                seen.append(sock.recv(4096).decode())
            code = process.wait(timeout=15)
            if code != 0:
                with open(log_path) as log:
                    sys.exit(f"staffeln {kind} exited {code}: {log.read()}")
            print(f"{kind} notifications: READY=1, {seen.count('WATCHDOG=1')} x WATCHDOG=1, STOPPING=1")
        finally:
            for p in [process] + helpers:
                if p.poll() is None:
                    p.kill()
                    p.wait()


if __name__ == "__main__":
    main()
