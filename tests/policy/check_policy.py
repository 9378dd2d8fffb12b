#!/usr/bin/python3
"""Runs Debian's oslo.policy Enforcer, with exactly Cinder's backup:delete rule, against a
running `staffeln api` on loopback: for a protected (automated) and an unprotected backup,
with both remote_content_type values. Usage: check_policy.py /path/to/staffeln"""

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

from oslo_config import cfg
from oslo_policy import policy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from free_port import free_port  # noqa: E402 (the shared helper sits in tests/support)

PROJECT = "9f1d2c3b4a5e46f7a8b9c0d1e2f3a4b5"
OTHER_PROJECT = "0a1b2c3d4e5f46a7b8c9d0e1f2a3b4c5"
PROTECTED = "b7c2e0f4-8a3d-4c1e-9b5f-2d6a7e8f9a01"    # made by staffeln: in `backups`
UNPROTECTED = "e1d2c3b4-a5f6-4789-8abc-def012345678"  # made by a user: not in `backups`
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

failures = []


def check(what, got, want):
    status = "ok" if got == want else "FAIL"
    print(f"{status:4} {what}: got {got}, want {want}")
    if got != want:
        failures.append(what)


def make_store(staffeln, conf_file, db_file):
    subprocess.run([staffeln, "--config-file", conf_file, "db-manage", "upgrade"], check=True,
                   stdout=subprocess.DEVNULL)
    with sqlite3.connect(db_file) as db:
        db.execute("INSERT INTO backups (backup_id, volume_id, project_id, kind, status, created_at, "
                   "data_timestamp, updated_at) VALUES (?, 'vol-1', ?, 'full', 'available', 0, 0, 0)",
                   (PROTECTED, PROJECT))


def wait_healthy(port, server):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"staffeln api exited with {server.returncode} before answering")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=1) as r:
                if r.read() == b"True; mode: store":  # a store, no credentials
                    return
        except OSError:
            time.sleep(0.05)
    sys.exit("staffeln api did not become healthy within 10 s")


def enforcer_for(port, content_type):
    conf = cfg.ConfigOpts()
    conf(args=[], default_config_files=[])
    enforcer = policy.Enforcer(conf, use_conf=False)
    conf.set_override("remote_content_type", content_type, group="oslo_policy")
    rules = {
        "admin_api": "is_admin:True or role:admin",
        # Cinder's rule as documented for staffeln, verbatim but for the port.
        "backup:delete": "rule:admin_api or (project_id:%(project_id)s and "
                         f"http://127.0.0.1:{port}/v1/backup?backup_id=%(id)s)",
    }
    enforcer.set_rules(policy.Rules.from_dict(rules), overwrite=True, use_conf=False)
    return enforcer


def requests_logged(log_file):
    with open(log_file) as f:
        return sum(1 for line in f if " POST /v1/backup " in line)


def main():
    staffeln = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="staffeln-policy-") as tmp:
        db_file = os.path.join(tmp, "staffeln.db")
        log_file = os.path.join(tmp, "api.log")
        port = free_port()
        conf_file = os.path.join(tmp, "staffeln.conf")
        with open(conf_file, "w") as f:
            f.write(f"[DEFAULT]\nlog_file = {log_file}\n[database]\nconnection = sqlite:///{db_file}\n"
                    f"[api]\nhost = 127.0.0.1\nport = {port}\n")
        make_store(staffeln, conf_file, db_file)
        server = subprocess.Popen([staffeln, "--config-file", conf_file, "api"])
        try:
            wait_healthy(port, server)
            member = {"user_id": "u-member", "project_id": PROJECT, "roles": ["member", "reader"], "is_admin": False}
            outsider = {"user_id": "u-other", "project_id": OTHER_PROJECT, "roles": ["member"], "is_admin": False}
            admin = {"user_id": "u-admin", "project_id": OTHER_PROJECT, "roles": ["admin"], "is_admin": True}
            for content_type in (FORM, JSON):
                enforcer = enforcer_for(port, content_type)
                for backup, name, want in ((UNPROTECTED, "unprotected", True), (PROTECTED, "protected", False)):
                    target = {"id": backup, "project_id": PROJECT, "user_id": "u-member", "volume_id": "vol-1"}
                    before = requests_logged(log_file)
                    check(f"{content_type}: member, {name} backup",
                          enforcer.enforce("backup:delete", target, member), want)
                    check(f"{content_type}: member, {name} backup: staffeln asked once",
                          requests_logged(log_file) - before, 1)
                    before = requests_logged(log_file)
                    check(f"{content_type}: admin, {name} backup", enforcer.enforce("backup:delete", target, admin),
                          True)
                    check(f"{content_type}: other project's member, {name} backup",
                          enforcer.enforce("backup:delete", target, outsider), False)
                    check(f"{content_type}: admin and other project: staffeln not asked",
                          requests_logged(log_file) - before, 0)
        finally:
            server.send_signal(signal.SIGTERM)
            code = server.wait(timeout=15)
        check("staffeln api exit code after SIGTERM", code, 0)
    if failures:
        sys.exit(f"{len(failures)} check(s) failed")
    print("all oslo.policy checks passed")


if __name__ == "__main__":
    main()
