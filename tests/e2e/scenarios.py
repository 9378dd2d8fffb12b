#!/usr/bin/python3
"""staffeln's scenarios against the real cloud of cloud.sh: the `staffeln` binary (conductor, api,
report) with the admin's OS_* credentials and an SQLite store in STATE/staffeln, and the tenant
`demo` acting through the APIs. Usage: scenarios.py STEP [STATE_DIR] (default $STAFFELN_E2E_STATE;
without either it exits 77, "skipped", for CTest); the binary is $STAFFELN_BIN (default build/staffeln).

The steps are one story on one cloud, in this order (each a CTest test; later steps need the
earlier ones, whose ids they read from STATE/staffeln/world.json):
  setup       a tagged server booted from a volume with a second volume attached, an untagged one,
              staffeln's configuration (full_backup_depth 1, backup_min_interval 0) and store
  first       cycle 1: full backups of both tagged volumes, nothing of the untagged server
  tenant      the tenant backs the root volume up itself; cycle 2: that backup is not made a
              parent (root: full), the data volume follows full_backup_depth (incremental)
  retention   a 30 s retention on the server; cycle 3: root incremental on staffeln's full, data
              full; retention deletes what expired, incrementals before their full, never the tenant's
  policy      Cinder's backup:delete rule asks a running `staffeln api`: 403 for an automated
              backup, 202 for the tenant's own; a standby node's api, its store empty, asks
              Cinder about each backup and answers the same
  report      cycle 4 with one volume in error and one skipped; `staffeln report --dry-run` shows
              the tenant's successes, failures and quota as Cinder counts it
  restore     a known pattern written into each volume's file on the NFS share, cycle 5; another
              pattern, cycle 6; `staffeln restore --at` each point into new volumes, whose files
              hash as the volumes did at that point (sha256 of the whole file), named, sized and
              tagged as docs/restore.md says; `restore cleanup` (and run again while Cinder still
              shows them deleting) ends with each restored volume 404
  dr          `staffeln backup export`; the rows of staffeln's backups deleted from Cinder's database
              (its loss); `staffeln backup import` brings them back available, chained, tagged, in
              the admin project; the newest point restored from them hashes as the volumes did
  snapshot    a two-volume server in snapshot mode (the first server untagged): cycle 1 backs both
              volumes up from snapshots with one data time (spread printed), cycle 2 makes
              incrementals that chain; no snapshot of staffeln's left after either
  upstream    a backup made as upstream Staffeln makes them (its name, untagged) and upstream's
              MariaDB naming it: `db-manage import-upstream` tags it in the real Cinder (backup
              metadata) and records it, a second run changes nothing, upstream's database is only
              read, and the next cycle chains an incremental onto it
  cleanup     removes what setup and the cycles made (a CTest fixture cleanup: runs after failures)
Exits 1 at the first check that fails, printing what was expected and what came."""
import datetime
import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

import osclient
import smoke
from smoke import Mismatch, expect, expect_status, vol

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from free_port import free_port  # noqa: E402 (the shared helper sits in tests/support)

TAG = "__staffeln_backup"
RETENTION_KEY = "__staffeln_retention"
LAST_BACKUP_KEY = "last-backup-time"
SKIP_KEY = "skip-volume-backup"
MODE_KEY = "__staffeln_backup_mode"
TASK_KEY = "staffeln:task"
RESTORE_TAG, RESTORE_SOURCE_TAG, SOURCE_BACKUP_KEY = "staffeln:restore", "staffeln:restore_source", "src_backup_id"
PATTERN = 4 << 20  # bytes of each point's pattern, written at three places of a volume's file
QUOTA = {"backups": 20, "backup_gigabytes": 50}
RETENTION = 30  # seconds: "30s" on the server before cycle 3
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# --- the world: ids shared by the steps ----------------------------------------------------------

class World:
    def __init__(self, state_dir):
        self.state_dir = state_dir
        self.dir = os.path.join(state_dir, "staffeln")
        self.path = os.path.join(self.dir, "world.json")
        self.conf = os.path.join(self.dir, "staffeln.conf")
        self.db = os.path.join(self.dir, "staffeln.db")
        self.data = {}
        if os.path.exists(self.path):
            with open(self.path) as f:
                self.data = json.load(f)

    def __getitem__(self, key):
        if key not in self.data:
            raise Mismatch("%s is not in %s: did the earlier steps run?" % (key, self.path))
        return self.data[key]

    def __setitem__(self, key, value):
        self.data[key] = value
        tmp = self.path + ".tmp"
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            json.dump(self.data, f, indent=1)
        os.replace(tmp, self.path)

    def get(self, key, default=None):
        return self.data.get(key, default)


class Cloud:
    """Sessions of the admin and the tenant, and their endpoints."""

    def __init__(self, state_dir):
        self.admin = osclient.login(state_dir, "admin")
        self.demo = osclient.login(state_dir, "demo")
        self.nova, self.cinder = self.demo.endpoint("compute"), self.demo.endpoint("volumev3")
        self.admin_cinder = self.admin.endpoint("volumev3")

    def backups(self):
        """Every backup of every project, as the admin sees it at 3.64, by id."""
        r = self.admin.call("GET", self.admin_cinder + "/backups/detail?all_tenants=1", headers=vol("3.64"))
        return {b["id"]: b for b in expect_status("admin backups/detail?all_tenants=1", r, 200)["backups"]}

    def staffeln_backups(self):
        return {i: b for i, b in self.backups().items() if TASK_KEY in (b.get("metadata") or {})}

    def backup(self, backup_id):
        r = self.admin.call("GET", "%s/backups/%s" % (self.admin_cinder, backup_id), headers=vol("3.64"))
        return r.body["backup"] if r.status == 200 else None

    def quota(self):
        r = self.demo.call("GET", "%s/os-quota-sets/%s?usage=True" % (self.cinder, self.demo.project_id))
        return expect_status("demo os-quota-sets?usage=True", r, 200)["quota_set"]

    def server_metadata(self, server_id):
        r = self.demo.call("GET", "%s/servers/%s/metadata" % (self.nova, server_id))
        return expect_status("demo GET server metadata", r, 200)["metadata"]


def cinder_sql(state_dir, query):
    """Rows of a query on Cinder's database (what the API does not show, such as parent_id)."""
    out = subprocess.run(["mariadb", "--no-defaults", "-S", os.path.join(state_dir, "run/mysqld.sock"), "-uroot",
                          "--batch", "--skip-column-names", "cinder", "-e", query],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def parent_of(state_dir, backup_id):
    rows = cinder_sql(state_dir, "SELECT IFNULL(parent_id, '') FROM backups WHERE id = '%s'" % backup_id)
    return rows[0][0] if rows else None


def cinder_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "")).replace(tzinfo=datetime.timezone.utc).timestamp()


# --- staffeln, the binary ------------------------------------------------------------------------

def staffeln_env(state_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(osclient.openrc(os.path.join(state_dir, "openrc-admin")))
    return env


def staffeln_bin():
    # Absolute: staffeln runs in STATE/staffeln, where a relative path would not name it.
    return os.path.abspath(os.environ.get("STAFFELN_BIN") or os.path.join(REPO, "build", "staffeln"))


def staffeln(world, name, *args, timeout=900, extra_env=None):
    """Runs `staffeln --config-file CONF ARGS` as the admin (plus extra_env); its output goes to
    STATE/staffeln/NAME.log and, trimmed, to stdout. Returns (exit code, stdout, stderr)."""
    cmd = [staffeln_bin(), "--config-file", world.conf] + list(args)
    t0 = time.monotonic()
    env = staffeln_env(world.state_dir)
    env.update(extra_env or {})
    p = subprocess.run(cmd, cwd=world.dir, env=env, capture_output=True, text=True, timeout=timeout)
    with open(os.path.join(world.dir, name + ".log"), "w") as f:
        f.write("$ %s\n--- stdout\n%s--- stderr\n%s--- exit %d\n" % (" ".join(cmd), p.stdout, p.stderr, p.returncode))
    print("---- staffeln %s: exit %d after %.0fs\n%s%s----" % (" ".join(args), p.returncode, time.monotonic() - t0,
                                                                p.stdout, tail(p.stderr, 40)))
    return p.returncode, p.stdout, p.stderr


def tail(text, lines):
    parts = text.splitlines(keepends=True)
    return ("[... %d lines]\n" % (len(parts) - lines) if len(parts) > lines else "") + "".join(parts[-lines:])


def conductor_cycle(world, name, expect_ok=True):
    rc, out, _ = staffeln(world, name, "conductor", "--once")
    if expect_ok:
        expect("%s: conductor --once exits 0" % name, rc == 0, detail="exit %d" % rc)
    return rc, out


def summary(out):
    """The conductor's 'backup cycle:' and 'retention:' lines as numbers."""
    counts = {}
    for line in out.splitlines():
        if line.startswith("backup cycle: ") or line.startswith("retention: "):
            for part in line.split(": ", 1)[1].split(", "):
                n, word = part.split(" ", 1)
                counts[word] = int(n)
    return counts


def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def store_rows(world, query, args=()):
    con = sqlite3.connect("file:%s?mode=ro" % world.db, uri=True)
    try:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute(query, args)]
    finally:
        con.close()


def new_staffeln_backups(cloud, before):
    """staffeln's backups made since `before` (a set of ids), by volume."""
    by_volume = {}
    for b in cloud.staffeln_backups().values():
        if b["id"] not in before:
            by_volume.setdefault(b["volume_id"], []).append(b)
    return by_volume


def known_ids(world):
    ids = set()
    for cycle in world.get("cycles", []):
        ids |= set(cycle.values())
    return ids


def record_cycle(world, made):
    world["cycles"] = world.get("cycles", []) + [{v: bs[0]["id"] for v, bs in made.items()}]


def one_per_volume(name, made, volumes):
    expect("%s made exactly one backup of each tagged volume" % name,
           set(made) == set(volumes) and all(len(bs) == 1 for bs in made.values()),
           detail="made: %s" % {v: [b["id"] for b in bs] for v, bs in made.items()})


def is_staffeln_backup(world, cloud, b, name, server_name="staffeln-e2e-vm"):
    """Available, in the tenant's project, tagged with the task the store's index names for it."""
    index = store_rows(world, "SELECT task_id, kind FROM backups WHERE backup_id = ?", (b["id"],))
    kind = "incremental" if b["is_incremental"] else "full"
    expect("%s: backup %s available, in project demo, tagged as staffeln's, in the store's index" % (name, b["id"]),
           b["status"] == "available" and b["os-backup-project-attr:project_id"] == cloud.demo.project_id
           and index == [{"task_id": b["metadata"][TASK_KEY], "kind": kind}] and b["name"].startswith(server_name + "_"),
           detail="backup %s; index %s" % (b, index))


# --- the steps -----------------------------------------------------------------------------------

def write_config(world, api_port):
    text = """[conductor]
backup_metadata_key = %s
retention_metadata_key = %s
last_backup_metadata_key = %s
skip_volume_metadata_key = %s
backup_min_interval = 0
backup_service_period = 60
full_backup_depth = 1
backup_workers = 2
rotation_workers = 2
backup_cycle_timeout = 10min
retention_time = 30d
report_period = 86400

[openstack]
retry_timeout = 60

[api]
host = 127.0.0.1
port = %d

[database]
connection = sqlite:///%s
""" % (TAG, RETENTION_KEY, LAST_BACKUP_KEY, SKIP_KEY, api_port, world.db)
    with open(os.open(world.conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(text)


def step_setup(world, cloud):
    flavors = expect_status("demo lists flavors", cloud.demo.call("GET", cloud.nova + "/flavors"), 200)["flavors"]
    flavor = [f["id"] for f in flavors if f["name"] == "e2e.tiny"][0]
    d = cloud.demo
    tagged, root = smoke.boot(d, cloud.nova, cloud.cinder, "staffeln-e2e-vm", {TAG: "true"}, flavor)
    world["tagged"], world["root"] = tagged, root
    data = smoke.create_volume(d, cloud.cinder, "staffeln-e2e-vm-data")
    world["data"] = data
    expect_status("attach the data volume", d.call("POST", "%s/servers/%s/os-volume_attachments" % (cloud.nova, tagged),
                                                   {"volumeAttachment": {"volumeId": data}}), 200)
    smoke.wait_volume(d, cloud.cinder, data, "in-use")
    plain, plain_root = smoke.boot(d, cloud.nova, cloud.cinder, "staffeln-e2e-plain", {}, flavor)
    world["plain"], world["plain_root"] = plain, plain_root
    r = cloud.admin.call("PUT", "%s/os-quota-sets/%s" % (cloud.admin_cinder, d.project_id), {"quota_set": QUOTA})
    expect_status("admin sets demo's backup quotas to %s" % QUOTA, r, 200)
    write_config(world, free_port())
    rc, _, _ = staffeln(world, "db-manage", "db-manage", "upgrade")
    expect("staffeln db-manage upgrade creates the store", rc == 0 and os.path.exists(world.db))


def step_first(world, cloud):
    before = set(cloud.backups())
    rc, out = conductor_cycle(world, "cycle-1")
    counts = summary(out)
    expect("cycle 1: 2 started, 2 succeeded, nothing failed or skipped",
           (counts.get("started"), counts.get("succeeded"), counts.get("failed"), counts.get("skipped")) == (2, 2, 0, 0),
           detail=str(counts))
    made = new_staffeln_backups(cloud, before)
    one_per_volume("cycle 1", made, [world["root"], world["data"]])
    for bs in made.values():
        is_staffeln_backup(world, cloud, bs[0], "cycle 1")
        expect("cycle 1: backup %s is full" % bs[0]["id"], bs[0]["is_incremental"] is False, detail=str(bs[0]))
    others = [b for i, b in cloud.backups().items() if i not in before and b["volume_id"] not in made]
    expect("cycle 1: no other backup, none of the untagged server's volume", others == [], detail=str(others))
    index = {r["backup_id"] for r in store_rows(world, "SELECT backup_id FROM backups")}
    expect("cycle 1: the store's backup index holds both", index == {bs[0]["id"] for bs in made.values()}, detail=str(index))
    expect("cycle 1: the first report of project demo went to the log (no sender_email)",
           "report for project %s (demo): logged" % cloud.demo.project_id in out, detail=out)
    expect("cycle 1: the tagged server is stamped with %s, the untagged one is not" % LAST_BACKUP_KEY,
           LAST_BACKUP_KEY in cloud.server_metadata(world["tagged"]) and LAST_BACKUP_KEY not in cloud.server_metadata(world["plain"]))
    record_cycle(world, made)


def step_tenant(world, cloud):
    d = cloud.demo
    r = d.call("POST", cloud.cinder + "/backups", {"backup": {"volume_id": world["root"], "name": "tenant-own", "force": True}},
               vol("3.64"))
    own = expect_status("the tenant backs up its root volume itself", r, 202)["backup"]["id"]
    world["tenant_backup"] = own
    smoke.wait_backup(d, cloud.cinder, own)
    before = set(cloud.backups())
    rc, out = conductor_cycle(world, "cycle-2")
    counts = summary(out)
    # The report after cycle 1 closed its tasks: their backups are still staffeln's, not adopted again.
    expect("cycle 2: 2 started, 2 succeeded, none adopted",
           (counts.get("started"), counts.get("succeeded"), counts.get("failed"), counts.get("adopted")) == (2, 2, 0, 0),
           detail=str(counts))
    made = new_staffeln_backups(cloud, before)
    one_per_volume("cycle 2", made, [world["root"], world["data"]])
    root, data = made[world["root"]][0], made[world["data"]][0]
    for b in (root, data):
        is_staffeln_backup(world, cloud, b, "cycle 2")
    expect("cycle 2: root volume, newest backup the tenant's: a full backup, no parent",
           root["is_incremental"] is False and parent_of(world.state_dir, root["id"]) == "", detail=str(root))
    first = world["cycles"][0]
    expect("cycle 2: data volume follows full_backup_depth 1: an incremental on cycle 1's full",
           data["is_incremental"] is True and parent_of(world.state_dir, data["id"]) == first[world["data"]], detail=str(data))
    t = cloud.backup(own)
    expect("the tenant's backup has no dependent backup and no staffeln tag",
           t["has_dependent_backups"] is False and TASK_KEY not in (t.get("metadata") or {}), detail=str(t))
    record_cycle(world, made)


def step_retention(world, cloud):
    r = cloud.demo.call("PUT", "%s/servers/%s/metadata/%s" % (cloud.nova, world["tagged"], RETENTION_KEY),
                        {"meta": {RETENTION_KEY: "%ds" % RETENTION}})
    expect_status("the tenant sets %s=%ds on its server" % (RETENTION_KEY, RETENTION), r, 200)
    # Everything of cycles 1 and 2 must have expired by the time cycle 3's retention runs.
    newest = max(cinder_time(cloud.backup(i)["created_at"]) for i in known_ids(world))
    wait = newest + RETENTION + 2 - time.time()
    if wait > 0:
        print("waiting %.0fs for cycle 2's backups to be %ds old" % (wait, RETENTION))
        time.sleep(wait)
    c1, c2 = world["cycles"]
    before = set(cloud.backups())
    rc, out = conductor_cycle(world, "cycle-3")
    counts = summary(out)
    expect("cycle 3: 2 started, 2 succeeded, none adopted; retention deleted 3",
           (counts.get("started"), counts.get("succeeded"), counts.get("failed"), counts.get("adopted"), counts.get("deleted"))
           == (2, 2, 0, 0, 3),
           detail=str(counts))
    made = new_staffeln_backups(cloud, before)
    one_per_volume("cycle 3", made, [world["root"], world["data"]])
    root, data = made[world["root"]][0], made[world["data"]][0]
    expect("cycle 3: root incremental on staffeln's cycle-2 full, not on the tenant's newer-than-cycle-1 backup",
           root["is_incremental"] is True and parent_of(world.state_dir, root["id"]) == c2[world["root"]], detail=str(root))
    expect("cycle 3: data full again (its chain had full_backup_depth 1 incrementals)",
           data["is_incremental"] is False, detail=str(data))
    gone = [c1[world["root"]], c2[world["data"]], c1[world["data"]]]
    expect("retention deleted root's cycle-1 full and data's cycle-1 full and cycle-2 incremental",
           all(cloud.backup(i) is None for i in gone), detail=str({i: (cloud.backup(i) or {}).get("status") for i in gone}))
    rows = cinder_sql(world.state_dir, "SELECT id, deleted_at FROM backups WHERE id IN ('%s', '%s')" % (c2[world["data"]], c1[world["data"]]))
    when = {i: t for i, t in rows}
    expect("the incremental was deleted before its full backup", when[c2[world["data"]]] <= when[c1[world["data"]]], detail=str(when))
    kept = [world["tenant_backup"], c2[world["root"]], root["id"], data["id"]]
    expect("kept: the tenant's backup, root's chain (cycle-2 full, cycle-3 incremental), data's cycle-3 full",
           all((cloud.backup(i) or {}).get("status") == "available" for i in kept),
           detail=str({i: (cloud.backup(i) or {}).get("status") for i in kept}))
    index = {r["backup_id"] for r in store_rows(world, "SELECT backup_id FROM backups")}
    expect("the store's index holds exactly staffeln's backups left in Cinder", index == set(kept[1:]), detail=str(index))
    record_cycle(world, made)


def api_answer(port, backup_id):
    req = urllib.request.Request("http://127.0.0.1:%d/v1/backup?backup_id=%s" % (port, backup_id), data=b"rule=x", method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def api_port(conf):
    with open(conf) as f:
        for line in f:
            if line.startswith("port = "):
                return int(line.split("=")[1])
    raise Mismatch("no [api] port in %s" % conf)


def start_api(world, conf=None, name="api", env=None):
    conf = conf or world.conf
    log = open(os.path.join(world.dir, name + ".log"), "w")
    p = subprocess.Popen([staffeln_bin(), "--config-file", conf, "api"], cwd=world.dir, stdout=log, stderr=log,
                         env=env, start_new_session=True)
    port = api_port(conf)

    def up():
        if p.poll() is not None:
            raise Mismatch("staffeln api exited with %d (see %s)" % (p.returncode, log.name))
        try:
            return urllib.request.urlopen("http://127.0.0.1:%d/v1/health" % port, timeout=2).status == 200
        except OSError:
            return False
    osclient.wait_for("staffeln api answers /v1/health", up, 20, 0.2)
    return p


def stop_api(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def step_policy(world, cloud):
    port = api_port(world.conf)
    path = os.path.join(world.state_dir, "etc/cinder/policy.yaml")
    with open(path) as f:
        original = f.read()
    automated, own = world["cycles"][2][world["root"]], world["tenant_backup"]
    standby_api(world, automated, own)
    api = start_api(world)
    try:
        expect("staffeln api: automated backup -> 200 False", api_answer(port, automated) == (200, "False"))
        expect("staffeln api: the tenant's own backup -> 200 True", api_answer(port, own) == (200, "True"))
        rule = "rule:admin_api or (project_id:%%(project_id)s and http://127.0.0.1:%d/v1/backup?backup_id=%%(id)s)" % port
        with open(path, "w") as f:
            f.write('"backup:delete": "%s"\n' % rule)
        r = cloud.demo.call("DELETE", "%s/backups/%s" % (cloud.cinder, automated))
        smoke.expect_error("the tenant deletes staffeln's backup through Cinder", r, 403, "forbidden",
                           "Policy doesn't allow backup:delete to be performed.")
        expect("the automated backup is still there", (cloud.backup(automated) or {}).get("status") == "available")
        r = cloud.demo.call("DELETE", "%s/backups/%s" % (cloud.cinder, own))
        expect_status("the tenant deletes its own backup through Cinder", r, 202)
        smoke.wait_gone(cloud.demo, "%s/backups/%s" % (cloud.cinder, own), "the tenant's backup")
    finally:
        with open(path, "w") as f:
            f.write(original)
        stop_api(api)
    with open(os.path.join(world.dir, "api.log")) as f:
        asked = f.read()
    # Each id once from the direct questions above, once from Cinder's policy check.
    expect("staffeln api logged Cinder's questions for both backups", asked.count(automated) == 2 and asked.count(own) == 2,
           detail=tail(asked, 10))


def standby_api(world, automated, own):
    """A standby node's API: its store is empty, so it asks the real Cinder about each backup and
    its tag decides."""
    conf, db = os.path.join(world.dir, "standby.conf"), os.path.join(world.dir, "standby.db")
    with open(world.conf) as f:
        text = f.read().replace("sqlite:///%s" % world.db, "sqlite:///%s" % db)
    text = text.replace("port = %d" % api_port(world.conf), "port = %d" % free_port())
    with open(os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(text)
    made = subprocess.run([staffeln_bin(), "--config-file", conf, "db-manage", "upgrade"], capture_output=True,
                          text=True, env=staffeln_env(world.state_dir))
    expect("standby store created", made.returncode == 0, detail=made.stderr)
    api = start_api(world, conf, "standby-api", staffeln_env(world.state_dir))
    port = api_port(conf)
    try:
        expect("standby api, empty store: staffeln's backup, tagged in Cinder -> 200 False",
               api_answer(port, automated) == (200, "False"))
        expect("standby api: the tenant's backup, untagged in Cinder -> 200 True", api_answer(port, own) == (200, "True"))
        expect("standby api: asked again, the same answer", api_answer(port, automated) == (200, "False"))
    finally:
        stop_api(api)
    with open(os.path.join(world.dir, "standby-api.log")) as f:
        log = f.read()
    expect("standby api said it looks backups up in Cinder", "looked up in Cinder" in log, detail=tail(log, 10))


def step_report(world, cloud):
    d, a = cloud.demo, cloud.admin
    root, data = world["root"], world["data"]
    expect_status("the tenant asks staffeln to skip its root volume (%s=true)" % SKIP_KEY,
                  d.call("POST", "%s/volumes/%s/metadata" % (cloud.cinder, root), {"metadata": {SKIP_KEY: "true"}}), 200)
    reset = "%s/volumes/%s/action" % (cloud.admin_cinder, data)
    expect_status("admin resets the data volume to error", a.call("POST", reset, {"os-reset_status": {"status": "error"}}), 202)
    try:
        rc, out = conductor_cycle(world, "cycle-4", expect_ok=False)
    finally:
        expect_status("admin resets the data volume to in-use", a.call("POST", reset, {"os-reset_status": {"status": "in-use"}}), 202)
        expect_status("the tenant removes the skip flag",
                      d.call("DELETE", "%s/volumes/%s/metadata/%s" % (cloud.cinder, root, SKIP_KEY)), 200)
    counts = summary(out)
    expect("cycle 4 exits 1: nothing started, 1 failed (data volume in error), 1 skipped (root)",
           rc == 1 and (counts.get("started"), counts.get("failed"), counts.get("skipped")) == (0, 1, 1), detail=str(counts))
    store_before = file_bytes(world.db)
    rc, out, err = staffeln(world, "report", "report", "--dry-run", "--format", "json")
    expect("report --dry-run exits 0 and leaves the store as it was", rc == 0 and file_bytes(world.db) == store_before)
    reports = [r for r in json.loads(out) if r["project_id"] == d.project_id]
    expect("one report for project demo, named, not sent", len(reports) == 1 and reports[0]["project_name"] == "demo"
           and reports[0]["delivery"] == "dry run", detail=out[:800])
    rep = reports[0]
    unreported = store_rows(world, "SELECT id, status, volume_id, backup_id, last_error FROM tasks WHERE project_id = ? AND reported = 0",
                            (d.project_id,))
    ok = {t["id"] for t in unreported if t["status"] == "succeeded"}
    failed = [t for t in unreported if t["status"] == "failed"]
    # Cycle 1's tasks went out in the report after cycle 1; each success is reported once.
    expect("the report lists the successes of cycles 2 and 3, once each",
           {t["task_id"] for t in rep["succeeded"]} == ok and sorted((t["volume_id"], t["kind"]) for t in rep["succeeded"])
           == sorted([(root, "full"), (data, "incremental"), (root, "incremental"), (data, "full")]),
           detail=json.dumps(rep["succeeded"])[:800])
    gone = world["cycles"][1][data]
    expect("a success whose backup retention deleted is listed without the backup, the others with theirs",
           {t["backup_id"] for t in rep["succeeded"]} == {"", world["cycles"][1][root]} | set(world["cycles"][2].values())
           and gone not in {t["backup_id"] for t in rep["succeeded"]}, detail=json.dumps(rep["succeeded"])[:800])
    expect("the report lists the one failure: the data volume in error, with the reason",
           [(t["task_id"], t["volume_id"]) for t in rep["failed"]] == [(t["id"], data) for t in failed]
           and "is 'error'" in rep["failed"][0]["reason"], detail=json.dumps(rep["failed"]))
    q = cloud.quota()["backup_gigabytes"]
    expect("the report's quota is Cinder's backup_gigabytes: limit %d, in use %d" % (q["limit"], q["in_use"]),
           (rep["quota"].get("limit"), rep["quota"].get("in_use")) == (q["limit"], q["in_use"]) and q["limit"] == QUOTA["backup_gigabytes"]
           and q["in_use"] > 0, detail=json.dumps(rep["quota"]))
    rc, text, _ = staffeln(world, "report-text", "report", "--dry-run")
    expect("the text report names the project and its volumes", rc == 0 and "demo" in text and "staffeln-e2e-vm-data" in text,
           detail=text[:800])


def volume_file(world, volume_id):
    """The volume's file on the NFS share; checked to be its active image (no snapshot overlay on
    it, which a backup's temporary snapshot would leave until deleted)."""
    path = os.path.join(world.state_dir, "cinder", "export", "volume-" + volume_id)
    info = path + ".info"
    if os.path.exists(info):
        with open(info) as f:
            active = json.load(f).get("active")
        if active != os.path.basename(path):
            raise Mismatch("volume %s: its active image on the share is %s, not its file" % (volume_id, active))
    return path


def write_pattern(path, seed):
    """PATTERN bytes derived from seed at the start, the middle and the end of the file."""
    block = random.Random(seed).randbytes(PATTERN)
    with open(path, "r+b") as f:
        size = os.fstat(f.fileno()).st_size
        for offset in (0, size // 2, size - PATTERN):
            f.seek(offset)
            f.write(block)
        f.flush()
        os.fsync(f.fileno())


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(8 << 20):
            h.update(chunk)
    return h.hexdigest()


def volume_detail(cloud, volume_id):
    r = cloud.admin.call("GET", "%s/volumes/%s" % (cloud.admin_cinder, volume_id), headers=vol("3.64"))
    return expect_status("admin GET volume %s" % volume_id, r, 200)["volume"]


def backup_point(world, cloud, n, seed):
    """A new pattern in each volume's file, then a cycle: its backups and the files' sha256."""
    volumes = [world["root"], world["data"]]
    sums = {}
    for i, v in enumerate(volumes):
        path = volume_file(world, v)
        write_pattern(path, seed + i)
        sums[v] = sha256_of(path)
    before = set(cloud.backups())
    rc, out = conductor_cycle(world, "cycle-%d" % n)
    counts = summary(out)
    expect("cycle %d: 2 started, 2 succeeded" % n, (counts.get("started"), counts.get("succeeded"), counts.get("failed"))
           == (2, 2, 0), detail=str(counts))
    made = new_staffeln_backups(cloud, before)
    one_per_volume("cycle %d" % n, made, volumes)
    expect("cycle %d: the backups left the volumes' bytes as they were" % n,
           {v: sha256_of(volume_file(world, v)) for v in volumes} == sums)
    kinds = {v: "incremental" if bs[0]["is_incremental"] else "full" for v, bs in made.items()}
    print("point %d: backups %s, sha256 %s" % (n, kinds, sums))
    newest = max(cinder_time(bs[0]["created_at"]) for bs in made.values())
    return {"backups": {v: bs[0]["id"] for v, bs in made.items()}, "sums": sums, "newest": newest}


def restored_as_planned(world, cloud, point, result, restore_id, status="available"):
    """Each restored volume: named, sized, typed and bootable as its source, tagged with the restore,
    in the tenant's project, and holding the bytes the source had at the point (status in-use when a
    server was booted from them)."""
    d = cloud.demo
    for item in result["volumes"]:
        src, new = volume_detail(cloud, item["source"]), volume_detail(cloud, item["restored"])
        what = "restored copy %s of %s" % (new["id"], src["name"])
        expect("%s: named %s-restored-%s, %d GiB, type %s, bootable %s, %s, in project demo"
               % (what, src["name"], point["time"], src["size"], src["volume_type"], src["bootable"], status),
               new["name"] == "%s-restored-%s" % (src["name"], point["time"]) and new["size"] == src["size"]
               and new["volume_type"] == src["volume_type"] and new["bootable"] == src["bootable"]
               and new["status"] == status and new["os-vol-tenant-attr:tenant_id"] == d.project_id, detail=str(new))
        meta = new.get("metadata") or {}
        expect("%s: tagged %s=%s, %s=%s, and Cinder's %s=%s" % (what, RESTORE_TAG, restore_id, RESTORE_SOURCE_TAG,
                                                                   src["id"], SOURCE_BACKUP_KEY, item["backup"]),
               meta.get(RESTORE_TAG) == restore_id and meta.get(RESTORE_SOURCE_TAG) == src["id"]
               and meta.get(SOURCE_BACKUP_KEY) == item["backup"], detail=str(meta))
        digest = sha256_of(volume_file(world, new["id"]))
        expect("%s: sha256 of the whole file is the source's at that point (%s)" % (what, point["sums"][src["id"]][:16]),
               digest == point["sums"][src["id"]], detail="restored %s" % digest)


def recreated_as_recorded(world, cloud, point, result, restore_id):
    """The server booted from the restored volumes: ACTIVE, in the tenant's project, tagged with the
    restore, without the backup tag, with the original's flavor, and the copies attached in the
    original's order and devices (the root, boot index 0, first)."""
    original = expect_status("admin GETs the original server", cloud.admin.call(
        "GET", "%s/servers/%s" % (cloud.nova, world["tagged"]), headers={"OpenStack-API-Version": "compute 2.47"}), 200)["server"]
    r = cloud.admin.call("GET", "%s/servers/%s" % (cloud.nova, result["server"]), headers={"OpenStack-API-Version": "compute 2.47"})
    new = expect_status("admin GETs the recreated server %s" % result["server"], r, 200)["server"]
    meta = new.get("metadata") or {}
    expect("recreated server %s: ACTIVE, in project demo, named %s-restored-%s, tagged %s=%s, without %s, flavor %s"
           % (new["id"], original["name"], point["time"], RESTORE_TAG, restore_id, TAG, original["flavor"]["original_name"]),
           new["status"] == "ACTIVE" and new["tenant_id"] == cloud.demo.project_id
           and new["name"] == "%s-restored-%s" % (original["name"], point["time"])
           and meta.get(RESTORE_TAG) == restore_id and TAG not in meta
           and new["flavor"]["original_name"] == original["flavor"]["original_name"], detail=json.dumps(new)[:1500])
    copy_of = {v["source"]: v["restored"] for v in result["volumes"]}
    attached = [v["id"] for v in new["os-extended-volumes:volumes_attached"]]
    expect("recreated server %s: the copies attached root first, then data (the recorded order)" % new["id"],
           attached == [copy_of[world["root"]], copy_of[world["data"]]], detail=str(attached))
    devices = {}
    for source, copy in copy_of.items():
        src, dst = volume_detail(cloud, source), volume_detail(cloud, copy)
        devices[source] = (src["attachments"][0]["device"], dst["attachments"][0]["device"],
                           dst["attachments"][0]["server_id"])
    expect("recreated server %s: each copy at its source's device" % new["id"],
           all(s == c and sid == new["id"] for s, c, sid in devices.values()), detail=str(devices))


def step_restore(world, cloud):
    d = cloud.demo
    server, volumes = world["tagged"], [world["root"], world["data"]]
    # The retention step's 30 s would let cycle 6 delete cycle 5's backups, the first point.
    r = d.call("DELETE", "%s/servers/%s/metadata/%s" % (cloud.nova, server, RETENTION_KEY))
    expect_status("the tenant removes %s from its server" % RETENTION_KEY, r, 204)
    first = backup_point(world, cloud, 5, 1000)
    # A restore point is one cycle: backups within half of backup_service_period (60 s) of each
    # other. Cycle 6 starts more than 30 s after cycle 5's backups, so the points stay apart.
    wait = first["newest"] + 31 - time.time()
    if wait > 0:
        print("waiting %.0fs so that cycle 6 is a point of its own" % wait)
        time.sleep(wait)
    points = [first, backup_point(world, cloud, 6, 2000)]
    for v in volumes:
        expect("the two points' patterns differ for volume %s" % v, points[0]["sums"][v] != points[1]["sums"][v])
    rc, out, _ = staffeln(world, "restore-list", "restore", "list", "--server", server, "--format", "json")
    expect("restore list exits 0", rc == 0)
    listed = json.loads(out)["servers"][0]["points"]
    for n, point in enumerate(points, 5):
        found = [p for p in listed if {v["id"]: (v["backup"] or {}).get("id") for v in p["volumes"]} == point["backups"]]
        expect("restore list: cycle %d's backups are one complete, consistent point" % n,
               len(found) == 1 and found[0]["complete"] and found[0]["consistent"], detail=json.dumps(listed)[:1500])
        point["time"] = found[0]["time"]
    # The disaster-recovery step restores the newest point again from imported backups.
    world["points"] = points
    restores = []
    for n, point in enumerate(points, 5):
        # The newest point also boots a server from its copies (--recreate-server).
        recreate = ["--recreate-server"] if n == 6 else []
        rc, out, _ = staffeln(world, "restore-%d" % n, "restore", "--server", server, "--at", point["time"],
                              "--format", "json", *recreate)
        expect("restore --server --at %s %s(cycle %d) exits 0" % (point["time"], " ".join(recreate) + " " if recreate else "", n),
               rc == 0)
        result = json.loads(out)
        restore_id = result["restore"]
        expect("restore %s succeeded; each volume from cycle %d's backup into a new volume" % (restore_id, n),
               result["status"] == "succeeded" and (result["server"] is None) == (not recreate)
               and {v["source"]: v["backup"] for v in result["volumes"]} == point["backups"]
               and all(v["restored"] and v["restored"] not in volumes for v in result["volumes"]), detail=out)
        restored_as_planned(world, cloud, point, result, restore_id, "in-use" if recreate else "available")
        if recreate:
            recreated_as_recorded(world, cloud, point, result, restore_id)
        restores.append((restore_id, [v["restored"] for v in result["volumes"]], result["server"]))
    for restore_id, made, booted in restores:
        rc, out, _ = staffeln(world, "restore-cleanup", "restore", "cleanup", restore_id)
        expect("restore cleanup %s deletes %sits 2 volumes" % (restore_id, "its server %s, then " % booted if booted else ""),
               rc == 0 and out.endswith("restore %s: 2 volumes deleted\n" % restore_id)
               and (not booted or out.startswith("deleted server %s\n" % booted)), detail=out)
        if booted:
            expect("the recreated server %s ends 404" % booted,
                   cloud.admin.call("GET", "%s/servers/%s" % (cloud.nova, booted)).status == 404)
        # Run again at once: Cinder still shows them deleting (or gone); counted deleted, exit 0.
        rc, out, _ = staffeln(world, "restore-cleanup-again", "restore", "cleanup", restore_id)
        expect("restore cleanup %s run again at once exits 0, its volumes counted deleted" % restore_id,
               rc == 0 and out.endswith("restore %s: 2 volumes deleted\n" % restore_id)
               and all(("volume %s already" % v) in out for v in made), detail=out)
        for v in made:
            smoke.wait_gone(d, "%s/volumes/%s" % (cloud.cinder, v), "restored volume %s" % v, 120)
        expect("restored volumes of %s end 404" % restore_id,
               all(d.call("GET", "%s/volumes/%s" % (cloud.cinder, v)).status == 404 for v in made))
        rc, out, _ = staffeln(world, "restore-status", "restore", "status", restore_id, "--format", "json")
        expect("restore status %s: cleaned" % restore_id, rc == 0 and json.loads(out)["restores"][0]["status"] == "cleaned",
               detail=out)


def wait_admin_volume(cloud, volume_id, timeout=600):
    def poll():
        r = cloud.admin.call("GET", "%s/volumes/%s" % (cloud.admin_cinder, volume_id), headers=vol("3.64"))
        if r.status != 200:
            raise Mismatch("admin GET volume %s: %d" % (volume_id, r.status))
        v = r.body["volume"]
        if v["status"] in ("error", "error_restoring"):
            raise Mismatch("volume %s went to %s" % (volume_id, v["status"]))
        return v if v["status"] == "available" else None
    return osclient.wait_for("volume %s available" % volume_id, poll, timeout, 1)


def step_dr(world, cloud):
    """Cinder's database loses the rows of staffeln's backups; the records staffeln kept bring them
    back (docs/disaster-recovery.md), and the newest point restores byte for byte from them."""
    a = cloud.admin
    records_file = os.path.join(world.dir, "records.json")
    rc, _, err = staffeln(world, "backup-export", "backup", "export", "--output", records_file)
    expect("backup export --output exits 0", rc == 0, detail=err)
    with open(records_file) as f:
        doc = json.load(f)
    expect("the file is staffeln-backup-records/1, mode 0600, every record fetched",
           doc["format"] == "staffeln-backup-records/1" and os.stat(records_file).st_mode & 0o777 == 0o600
           and doc["not_fetched"] == [], detail=json.dumps(doc)[:600])
    records = {r["backup_id"]: r for r in doc["records"]}
    lost = {i: b for i, b in cloud.staffeln_backups().items()
            if b["os-backup-project-attr:project_id"] == cloud.demo.project_id}
    expect("one record for each of staffeln's %d backups in Cinder" % len(lost), set(records) == set(lost),
           detail="records %s, Cinder %s" % (sorted(records), sorted(lost)))
    parents = {i: parent_of(world.state_dir, i) for i in lost}
    for i, b in lost.items():
        r = records[i]
        expect("record of %s: project demo, volume, kind and parent as Cinder has them" % i,
               r["project_id"] == cloud.demo.project_id and r["volume"]["id"] == b["volume_id"]
               and r["kind"] == ("incremental" if b["is_incremental"] else "full") and (r["parent_id"] or "") == parents[i]
               and r["server"]["id"] == world["tagged"], detail=json.dumps(r)[:600])
    chained = [i for i in lost if parents[i]]
    expect("the records hold at least one chain (an incremental and its full)", chained, detail=str(parents))

    ids = "', '".join(sorted(lost))
    cinder_sql(world.state_dir, "DELETE FROM backup_metadata WHERE backup_id IN ('%s'); "
                                "DELETE FROM backups WHERE id IN ('%s')" % (ids, ids))
    expect("Cinder's database lost the %d backups: each GET is 404" % len(lost),
           all(a.call("GET", "%s/backups/%s" % (cloud.admin_cinder, i)).status == 404 for i in lost))

    t0 = time.monotonic()
    rc, out, _ = staffeln(world, "backup-import", "backup", "import", records_file)
    n = len(lost)
    expect("backup import exits 0: %d imported, each on its line, parents first" % n,
           rc == 0 and "%d imported, 0 already present, 0 failed; %d of %d selected records present" % (n, n, n) in out
           and all("backup %s: imported" % i in out for i in lost), detail=out)
    order = [line.split()[1].rstrip(":") for line in out.splitlines() if line.endswith(": imported")]
    expect("every incremental was imported after its parent",
           all(order.index(parents[i]) < order.index(i) for i in chained), detail=str(order))

    def all_available():
        got = {i: cloud.backup(i) for i in lost}
        return got if all(b and b["status"] == "available" for b in got.values()) else None
    back = osclient.wait_for("imported backups available", all_available, 120, 0.5)
    print("imported backups available %.1fs after the import began" % (time.monotonic() - t0))
    for i, b in back.items():
        was = lost[i]
        expect("imported %s: available, same volume, name, kind and staffeln's tag; now in the admin project" % i,
               b["volume_id"] == was["volume_id"] and b["name"] == was["name"] and b["is_incremental"] == was["is_incremental"]
               and b["metadata"] == was["metadata"] and TASK_KEY in b["metadata"]
               and b["os-backup-project-attr:project_id"] == a.project_id and b["data_timestamp"] == was["data_timestamp"],
               detail="before %s\nafter %s" % (was, b))
        expect("imported %s: its chain parent in Cinder's database is the record's" % i,
               parent_of(world.state_dir, i) == parents[i], detail=str(parent_of(world.state_dir, i)))
    # Cinder restores num_dependent_backups from the record, which was fetched when the backup
    # was new: a full's record says it had no incremental yet (docs/disaster-recovery.md).
    fulls = {parents[i] for i in chained}
    expect("Cinder shows has_dependent_backups false on each imported parent %s (true before the loss), from its record"
           % sorted(fulls), all(lost[p]["has_dependent_backups"] and not back[p]["has_dependent_backups"] for p in fulls),
           detail=str({p: (lost[p]["has_dependent_backups"], back[p]["has_dependent_backups"]) for p in fulls}))
    rc, out, _ = staffeln(world, "backup-import-again", "backup", "import", records_file)
    expect("backup import run again: nothing imported twice, exit 0",
           rc == 0 and "0 imported, %d already present, 0 failed; %d of %d selected records present" % (n, n, n) in out,
           detail=out)
    world["imported"] = sorted(lost)
    # staffeln restore looks a server's backups up in its project: the imported ones are the admin's.
    rc, out, err = staffeln(world, "restore-imported", "restore", "--server", world["tagged"], "--dry-run")
    expect("staffeln restore --dry-run refuses the imported backups, naming them no longer in the server's project",
           rc != 0 and "is no longer in Cinder" in out + err, detail=out + err)

    newest = world["points"][-1]
    # restore --cloud plans on "another" cloud: this one again, named in a clouds.yaml. One Keystone
    # for both, so the project maps to itself; the backups are the imported ones, by their IDs.
    rc_env = osclient.openrc(os.path.join(world.state_dir, "openrc-admin"))
    clouds_yaml = os.path.join(world.dir, "clouds.yaml")
    with open(clouds_yaml, "w") as f:
        f.write("clouds:\n  e2e:\n    auth:\n")
        for key, var in (("auth_url", "OS_AUTH_URL"), ("username", "OS_USERNAME"), ("password", "OS_PASSWORD"),
                         ("project_name", "OS_PROJECT_NAME"), ("user_domain_name", "OS_USER_DOMAIN_NAME"),
                         ("project_domain_name", "OS_PROJECT_DOMAIN_NAME")):
            if var in rc_env:
                f.write("      %s: %s\n" % (key, json.dumps(rc_env[var])))
        if "OS_REGION_NAME" in rc_env:
            f.write("    region_name: %s\n" % json.dumps(rc_env["OS_REGION_NAME"]))
    rc, out, err = staffeln(world, "restore-cloud-dry-run", "restore", "--server", world["tagged"], "--cloud", "e2e",
                            "--recreate-server", "--dry-run", "--format", "json",
                            extra_env={"OS_CLIENT_CONFIG_FILE": clouds_yaml})
    plan = json.loads(out) if rc == 0 else {}
    expect("restore --cloud e2e --dry-run plans from the imported backups: the newest point's, the project mapped "
           "to itself by ID, the flavor by name",
           rc == 0 and plan.get("cloud") == "e2e" and plan.get("project") == cloud.demo.project_id
           and sorted(v["backup"] for v in plan.get("volumes", [])) == sorted(newest["backups"].values())
           and bool((plan.get("server") or {}).get("flavor")), detail=out + err)

    restored = {}
    for v, backup_id in newest["backups"].items():
        r = a.call("POST", "%s/backups/%s/restore" % (cloud.admin_cinder, backup_id),
                   {"restore": {"name": "staffeln-e2e-dr-%s" % v[:8]}}, vol("3.64"))
        restored[v] = expect_status("admin restores imported backup %s into a new volume" % backup_id, r, 202)["restore"]["volume_id"]
    world["dr_volumes"] = sorted(restored.values())
    for v, new in restored.items():
        got = wait_admin_volume(cloud, new)
        expect("the restored volume %s is in the admin project (the backup's owner after the import)" % new,
               got["os-vol-tenant-attr:tenant_id"] == a.project_id, detail=str(got))
        digest = sha256_of(volume_file(world, new))
        expect("volume %s from the imported %s backup %s: sha256 of the whole file is the source's at the newest point (%s)"
               % (new, "incremental" if back[newest["backups"][v]]["is_incremental"] else "full", newest["backups"][v],
                  newest["sums"][v][:16]), digest == newest["sums"][v], detail="restored %s" % digest)
    for new in restored.values():
        expect_status("admin deletes restored volume %s" % new,
                      a.call("DELETE", "%s/volumes/%s" % (cloud.admin_cinder, new)), 202)
    for new in restored.values():
        smoke.wait_gone(a, "%s/volumes/%s" % (cloud.admin_cinder, new), "volume %s" % new, 120)


def staffeln_snapshots(cloud):
    """Every snapshot carrying staffeln's task tag, in any project, as the admin lists them."""
    r = cloud.admin.call("GET", cloud.admin_cinder + "/snapshots/detail?all_tenants=1", headers=vol("3.64"))
    return [s for s in expect_status("admin snapshots/detail?all_tenants=1", r, 200)["snapshots"]
            if TASK_KEY in (s.get("metadata") or {})]


def snapshot_cycle(world, cloud, n, volumes, previous):
    """A cycle of the snapshot-mode server: one backup of each volume, each read from a snapshot
    whose time is its data time; the spread of those times printed; no snapshot of staffeln's left."""
    before = set(cloud.backups())
    t0 = time.monotonic()
    rc, out = conductor_cycle(world, "snapshot-cycle-%d" % n)
    took = time.monotonic() - t0
    with open(os.path.join(world.dir, "snapshot-cycle-%d.log" % n)) as f:
        out_all = f.read()
    counts = summary(out)
    expect("snapshot cycle %d: 2 started, 2 succeeded, nothing failed" % n,
           (counts.get("started"), counts.get("succeeded"), counts.get("failed")) == (2, 2, 0), detail=str(counts))
    made = new_staffeln_backups(cloud, before)
    one_per_volume("snapshot cycle %d" % n, made, volumes)
    backups = {v: bs[0] for v, bs in made.items()}
    for v, b in backups.items():
        is_staffeln_backup(world, cloud, b, "snapshot cycle %d" % n, "staffeln-e2e-snap")
        expect("snapshot cycle %d: backup %s of volume %s was read from a snapshot, as the log says" % (n, b["id"], v),
               b["snapshot_id"] and "backup %s of volume %s in project %s from snapshot %s" % (b["id"], v, cloud.demo.project_id,
                                                                                            b["snapshot_id"]) in out_all,
               detail="%s\n%s" % (b, tail(out_all, 20)))
        rows = cinder_sql(world.state_dir, "SELECT volume_id, DATE_FORMAT(created_at, '%%Y-%%m-%%dT%%H:%%i:%%s') "
                                           "FROM snapshots WHERE id = '%s'" % b["snapshot_id"])
        expect("snapshot cycle %d: backup %s's data time is its snapshot's created_at (Cinder's database)" % (n, b["id"]),
               rows and rows[0][0] == v and b["data_timestamp"].startswith(rows[0][1]), detail="%s %s" % (rows, b))
        if previous:
            expect("snapshot cycle %d: backup %s is an incremental chained on cycle %d's backup %s" % (n, b["id"], n - 1, previous[v]),
                   b["is_incremental"] is True and parent_of(world.state_dir, b["id"]) == previous[v], detail=str(b))
        else:
            expect("snapshot cycle %d: backup %s is full" % (n, b["id"]), b["is_incremental"] is False, detail=str(b))
    times = [cinder_time(b["data_timestamp"]) for b in backups.values()]
    spread = max(times) - min(times)
    print("snapshot cycle %d: data times %s, spread %.0fs; cycle %.0fs"
          % (n, sorted(b["data_timestamp"] for b in backups.values()), spread, took))
    expect("snapshot cycle %d: one data time for the server's volumes (spread %.0fs <= 2s)" % (n, spread), spread <= 2)
    left = [sn for sn in staffeln_snapshots(cloud) if sn["status"] != "deleting"]
    expect("snapshot cycle %d: no snapshot of staffeln's left (none, or deleting)" % n, left == [], detail=str(left))
    osclient.wait_for("staffeln's snapshots gone", lambda: staffeln_snapshots(cloud) == [], 120, 0.5)
    return {v: b["id"] for v, b in backups.items()}


def step_snapshot(world, cloud):
    d = cloud.demo
    # Only the snapshot-mode server is backed up from here on.
    r = d.call("DELETE", "%s/servers/%s/metadata/%s" % (cloud.nova, world["tagged"], TAG))
    expect_status("the tenant takes %s off its first server" % TAG, r, 204)
    flavors = expect_status("demo lists flavors", d.call("GET", cloud.nova + "/flavors"), 200)["flavors"]
    flavor = [f["id"] for f in flavors if f["name"] == "e2e.tiny"][0]
    server, root = smoke.boot(d, cloud.nova, cloud.cinder, "staffeln-e2e-snap", {TAG: "true", MODE_KEY: "snapshot"}, flavor)
    world["snap_server"], world["snap_root"] = server, root
    data = smoke.create_volume(d, cloud.cinder, "staffeln-e2e-snap-data")
    world["snap_data"] = data
    expect_status("attach the data volume", d.call("POST", "%s/servers/%s/os-volume_attachments" % (cloud.nova, server),
                                                   {"volumeAttachment": {"volumeId": data}}), 200)
    smoke.wait_volume(d, cloud.cinder, data, "in-use")
    volumes = [root, data]
    first = snapshot_cycle(world, cloud, 1, volumes, None)
    second = snapshot_cycle(world, cloud, 2, volumes, first)
    world["snap_cycles"] = [first, second]


UPSTREAM_SCHEMA = os.path.join(REPO, "tests", "fixtures", "upstream_schema.sql")


class UpstreamDatabase:
    """A MariaDB server of its own on a unix socket under DIR (not Cinder's), holding upstream
    Staffeln's schema at its head revision, as upstream's deployment has it."""

    def __init__(self, directory):
        self.dir, self.socket = directory, os.path.join(directory, "mysqld.sock")
        data, tmp = os.path.join(directory, "data"), os.path.join(directory, "tmp")
        os.makedirs(tmp, exist_ok=True)
        subprocess.run(["mariadb-install-db", "--no-defaults", "--datadir=" + data, "--tmpdir=" + tmp,
                        "--auth-root-authentication-method=normal", "--skip-test-db"] + self._as_root(),
                       check=True, capture_output=True)
        self.server = subprocess.Popen(["mariadbd", "--no-defaults", "--datadir=" + data, "--tmpdir=" + tmp,
                                        "--socket=" + self.socket, "--skip-networking", "--innodb-buffer-pool-size=16M",
                                        "--pid-file=" + os.path.join(directory, "mysqld.pid"),
                                        "--log-error=" + os.path.join(directory, "error.log")] + self._as_root())
        osclient.wait_for("upstream's MariaDB answers", lambda: self.sql("", "SELECT 1", check=False) is not None, 60, 0.2)
        self.sql("", "CREATE DATABASE staffeln")
        with open(UPSTREAM_SCHEMA) as f:
            self.sql("staffeln", f.read())

    @staticmethod
    def _as_root():
        return ["--user=root"] if os.geteuid() == 0 else []

    def sql(self, database, text, check=True):
        p = subprocess.run(["mariadb", "--no-defaults", "--socket=" + self.socket, "--user=root", "--batch",
                            "--skip-column-names"] + (["--database=" + database] if database else []),
                           input=text, capture_output=True, text=True)
        if p.returncode != 0:
            if check:
                raise RuntimeError("upstream's MariaDB: %s" % p.stderr.strip())
            return None
        return p.stdout

    def url(self):
        return "mysql+pymysql://root@/staffeln?unix_socket=" + self.socket

    def stop(self):
        self.server.terminate()
        self.server.wait(timeout=60)


def step_upstream(world, cloud):
    d = cloud.demo
    server, volume = world["snap_server"], world["snap_data"]
    made_at = int(time.time())
    r = d.call("POST", cloud.cinder + "/backups", {"backup": {
        "volume_id": volume, "name": "staffeln-e2e-snap_%s_%d" % (volume, made_at), "force": True}}, vol("3.64"))
    backup = expect_status("a backup made as upstream Staffeln makes them (its name, no tag)", r, 202)["backup"]["id"]
    world["upstream_backup"] = backup
    smoke.wait_backup(d, cloud.cinder, backup)
    gone = "00000000-0000-4000-8000-00000000900e"
    db = UpstreamDatabase(os.path.join(world.dir, "upstream-db"))
    try:
        db.sql("staffeln", "INSERT INTO backup_data (created_at, backup_id, project_id, volume_id, instance_id, "
                           "backup_completed, incremental) VALUES (UTC_TIMESTAMP(), '%s', '%s', '%s', '%s', 1, 0), "
                           "(UTC_TIMESTAMP() - INTERVAL 3 DAY, '%s', '%s', '%s', '%s', 1, 0)"
               % (backup, d.project_id, volume, server, gone, d.project_id, volume, server))
        checksum = db.sql("staffeln", "CHECKSUM TABLE backup_data, queue_data, alembic_version")
        rc, out, _ = staffeln(world, "import-upstream-dry-run", "db-manage", "import-upstream", "--connection", db.url(),
                              "--dry-run")
        expect("import-upstream --dry-run: exit 0, 1 to tag, 1 gone from Cinder",
               rc == 0 and "would be 1 tagged, 0 already tagged (0 recorded now), 1 gone from Cinder, 0 skipped" in out,
               detail=out)
        expect("import-upstream --dry-run: Cinder unchanged (no tag on the backup)",
               TASK_KEY not in (cloud.backup(backup).get("metadata") or {}))
        rc, out, _ = staffeln(world, "import-upstream", "db-manage", "import-upstream", "--connection", db.url())
        expect("import-upstream: exit 0, 1 tagged, 1 gone from Cinder",
               rc == 0 and "1 tagged, 0 already tagged (0 recorded now), 1 gone from Cinder, 0 skipped" in out, detail=out)
        b = cloud.backup(backup)
        expect("the real Cinder holds staffeln's tag on the adopted backup (backup metadata, volume 3.43+)",
               (b.get("metadata") or {}).get(TASK_KEY) == "upstream-" + backup, detail=str(b))
        rows = store_rows(world, "SELECT task_id, kind, volume_id FROM backups WHERE backup_id = ?", (backup,))
        expect("the store records the adopted backup: its task, full, its volume",
               rows == [{"task_id": "upstream-" + backup, "kind": "full", "volume_id": volume}], detail=str(rows))
        rc, out, _ = staffeln(world, "import-upstream-again", "db-manage", "import-upstream", "--connection", db.url())
        expect("import-upstream again: exit 0, nothing changed",
               rc == 0 and "0 tagged, 1 already tagged (0 recorded now), 1 gone from Cinder, 0 skipped" in out, detail=out)
        expect("upstream's database was only read (CHECKSUM TABLE unchanged)",
               db.sql("staffeln", "CHECKSUM TABLE backup_data, queue_data, alembic_version") == checksum)
    finally:
        db.stop()
    before = set(cloud.backups())
    rc, out = conductor_cycle(world, "cycle-after-import")
    made = new_staffeln_backups(cloud, before)
    data = made.get(volume, [None])[0]
    expect("the cycle after the import makes an incremental of the data volume onto the adopted full, in Cinder too",
           data is not None and data["is_incremental"] is True and parent_of(world.state_dir, data["id"]) == backup,
           detail="made %s; log %s" % (made, tail(out, 10)))


def restored_volumes(cloud):
    """The tenant's volumes a restore made (tagged), as the admin lists them."""
    r = cloud.admin.call("GET", "%s/volumes/detail?all_tenants=1&project_id=%s" % (cloud.admin_cinder, cloud.demo.project_id),
                         headers=vol("3.64"))
    return [v["id"] for v in expect_status("admin lists demo's volumes", r, 200)["volumes"]
            if RESTORE_TAG in (v.get("metadata") or {})]


def step_cleanup(world, cloud):
    """Best effort, every part tried: backups (dependents first), servers, volumes, quotas."""
    d = cloud.demo
    ours = {world.get(k) for k in ("root", "data", "plain_root", "snap_root", "snap_data")} - {None}
    # Imported backups belong to the admin project; they are the tenant's volumes' all the same.
    mine = [i for i, b in cloud.backups().items()
            if b.get("os-backup-project-attr:project_id") == d.project_id or b["volume_id"] in ours]
    for sn in staffeln_snapshots(cloud):
        cloud.admin.call("DELETE", "%s/snapshots/%s" % (cloud.admin_cinder, sn["id"]))
    for _ in range(len(mine) + 1):
        left = {i: cloud.backup(i) for i in mine if cloud.backup(i)}
        if not left:
            break
        for i, b in left.items():
            if b["status"] in ("available", "error") and not b["has_dependent_backups"]:
                cloud.admin.call("DELETE", "%s/backups/%s" % (cloud.admin_cinder, i))
        osclient.wait_for("backups deleted", lambda: all((cloud.backup(i) or {}).get("status") != "deleting" for i in left), 120, 1)
    for v in world.get("dr_volumes", []):
        cloud.admin.call("DELETE", "%s/volumes/%s" % (cloud.admin_cinder, v))
    servers = [s for s in (world.get("tagged"), world.get("plain"), world.get("snap_server")) if s]
    volumes = [v for v in (world.get(k) for k in ("root", "data", "plain_root", "snap_root", "snap_data")) if v]
    smoke.cleanup(d, cloud.nova, cloud.cinder, servers, volumes + restored_volumes(cloud))
    cloud.admin.call("DELETE", "%s/os-quota-sets/%s" % (cloud.admin_cinder, d.project_id))
    expect("no backup of demo left", not any(cloud.backup(i) for i in mine))


STEPS = {"setup": step_setup, "first": step_first, "tenant": step_tenant, "retention": step_retention,
         "policy": step_policy, "report": step_report, "restore": step_restore, "dr": step_dr, "snapshot": step_snapshot,
         "upstream": step_upstream, "cleanup": step_cleanup}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in STEPS:
        print("usage: scenarios.py {%s} [STATE_DIR]" % ",".join(STEPS), file=sys.stderr)
        sys.exit(2)
    step = sys.argv[1]
    state_dir = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("STAFFELN_E2E_STATE")
    if not state_dir:
        print("skipped: no cloud (run tests/e2e/run.sh, or pass the state directory of cloud.sh start)")
        sys.exit(77)
    smoke.STATE_DIR = state_dir
    world = World(state_dir)
    os.makedirs(world.dir, mode=0o700, exist_ok=True)
    t0 = time.monotonic()
    try:
        STEPS[step](world, Cloud(state_dir))
    except (Mismatch, TimeoutError, KeyError, RuntimeError, subprocess.SubprocessError) as e:
        print("FAIL %s: %s" % (step, e), file=sys.stderr)
        print("%d passed, 1 failed" % smoke.passed)
        sys.exit(1)
    print("%s: %d checks in %.0fs, 0 failed" % (step, smoke.passed, time.monotonic() - t0))


if __name__ == "__main__":
    main()
