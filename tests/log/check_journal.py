#!/usr/bin/env python3
"""[DEFAULT] use_journal: staffeln's fields read back from the journal with journalctl.

Usage: check_journal.py STAFFELN_BINARY
Runs `staffeln config show` with use_journal = true and a configuration that makes it log one
warning naming a unique option, then finds that entry with `journalctl -o json` and checks its
native fields: PRIORITY 4 (warning), SYSLOG_FACILITY of syslog_log_facility (local3: 19),
SYSLOG_IDENTIFIER, LOGGER_NAME, LOGGER_LEVEL, and MESSAGE the oslo.log line. Exits 77 (skipped,
CTest's SKIP_RETURN_CODE) with the reason when this host has no journal to write to or read.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

SOCKET = "/run/systemd/journal/socket"


def skip(why):
    print(f"skipped: {why}")
    sys.exit(77)


def main():
    binary = sys.argv[1]
    if not os.path.exists(SOCKET):
        skip(f"no journal on this host ({SOCKET} is missing: systemd-journald does not run here)")
    if shutil.which("journalctl") is None:
        skip("journalctl is not installed")
    readable = subprocess.run(["journalctl", "-q", "-n", "1", "-o", "json", "--no-pager"], capture_output=True)
    if readable.returncode != 0 or not readable.stdout.strip():
        skip("journalctl reads no entry here (no permission to read the journal, or it is empty)")

    token = "probe_" + uuid.uuid4().hex
    with tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, "staffeln.conf")
        with open(conf, "w") as f:
            f.write(f"[DEFAULT]\nuse_journal = true\nsyslog_log_facility = local3\n{token} = 1\n")
        run = subprocess.run([binary, "--config-file", conf, "config", "show"], capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"staffeln config show exited {run.returncode}: {run.stderr}")
        if token in run.stderr:
            sys.exit(f"use_journal without use_stderr: the line went to stderr as well: {run.stderr}")

    entries = []
    for _ in range(50):
        out = subprocess.run(["journalctl", "-o", "json", "--no-pager", "SYSLOG_IDENTIFIER=staffeln",
                              "--since", "-5min"], capture_output=True, text=True).stdout
        entries = [e for e in map(json.loads, out.splitlines()) if token in e.get("MESSAGE", "")]
        if entries:
            break
        time.sleep(0.2)
    if len(entries) != 1:
        sys.exit(f"expected one journal entry naming {token}, found {len(entries)}")
    entry = entries[0]
    expected = {"PRIORITY": "4", "SYSLOG_FACILITY": "19", "SYSLOG_IDENTIFIER": "staffeln",
                "LOGGER_NAME": "staffeln.config", "LOGGER_LEVEL": "WARNING"}
    wrong = {k: entry.get(k) for k, v in expected.items() if entry.get(k) != v}
    if wrong:
        sys.exit(f"journal fields differ from {expected}: {wrong}")
    if " WARNING staffeln.config [-] " not in entry["MESSAGE"] or "CODE_FILE" in entry:
        sys.exit(f"unexpected entry: {entry}")
    print(f"journal entry read back: {json.dumps({k: entry[k] for k in expected})}")


if __name__ == "__main__":
    main()
