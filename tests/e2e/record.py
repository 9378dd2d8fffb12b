#!/usr/bin/python3
"""Records real Cinder exchanges that ../shared/openstack-api/transcript.md does not hold, so that
the simulated cloud can follow them: volume creation and metadata, restore of full and incremental
backups into new volumes (with the restored bytes compared on the NFS share), the calls of
`staffeln restore` and `restore cleanup` as staffeln makes them, and updates of a backup's
metadata, snapshots and the parents of incrementals made from them. Usage: record.py STATE_DIR OUT_DIR [TOPIC...] (a cloud started by cloud.sh); writes one
Markdown file per topic into OUT_DIR in the transcript's layout. Tokens are never written (only
the request and response bodies and the response headers below). Removes what it made."""
import base64
import json
import os
import subprocess
import sys
import time

import osclient

KEPT_HEADERS = ("Openstack-Api-Version", "X-Openstack-Request-Id", "Location", "Content-Type")


class Recorder:
    def __init__(self, out_dir, topic, title, intro):
        self.path = os.path.join(out_dir, topic + ".md")
        self.lines = ["# %s" % title, "", intro, ""]

    def section(self, title):
        self.lines += ["## %s" % title, ""]

    def note(self, text):
        self.lines += ["(%s)" % text, ""]

    def call(self, title, session, method, url, body=None, version=None, service="volume"):
        headers = {"OpenStack-API-Version": "%s %s" % (service, version)} if version else {}
        started = time.monotonic()
        r = session.call(method, url, body, headers)
        took = time.monotonic() - started
        shown_url = url.replace("http://127.0.0.1", "")
        self.lines += ["### %s" % title, "",
                       "`%s %s`%s  " % (method, shown_url, ("  `OpenStack-API-Version: %s %s`" % (service, version)) if version else "")]
        if body is not None:
            self.lines += ["request:", "```json", json.dumps(body, indent=1), "```"]
        kept = {k: v for k, v in r.headers.items() if k in KEPT_HEADERS}
        self.lines += ["response: **HTTP %d** (%.2fs) %s" % (r.status, took, json.dumps(kept))]
        if r.raw:
            text = json.dumps(r.body, indent=1) if r.body is not None else r.raw.decode(errors="replace")
            self.lines += ["```json", text, "```"]
        self.lines.append("")
        return r

    def write(self):
        with open(self.path, "w") as f:
            f.write("\n".join(self.lines).rstrip() + "\n")
        print("wrote %s" % self.path)


def wait_status(rec, s, url, key, want, timeout=300, seen=None):
    """Polls GET url until body[key].status is in want; returns that body. seen collects statuses.
    Notes the wait in the recording ("... after N s"), which tells a replay that time passed here."""
    def poll():
        b = s.call("GET", url, headers={"OpenStack-API-Version": "volume 3.64"}).body[key]
        if seen is not None and (not seen or seen[-1] != b["status"]):
            seen.append(b["status"])
        if b["status"] == "error" and "error" not in want:
            raise RuntimeError("%s went to error: %r" % (url, b))
        return b if b["status"] in want else None
    started = time.monotonic()
    body = osclient.wait_for("%s %s" % (url, want), poll, timeout, 0.2)
    rec.note("%s %s %s after %.1fs" % (key, body["id"], body["status"], time.monotonic() - started))
    return body


def share_file(state, volume_id):
    return os.path.join(state, "cinder", "export", "volume-" + volume_id)


def write_pattern(state, volume_id, seed):
    """Writes 1 MiB of a seed-derived pattern at offsets 0 and 512 MiB: both ends of the chain's data."""
    block = bytes((seed * 31 + i * 7) % 251 for i in range(1 << 20))
    with open(share_file(state, volume_id), "r+b") as f:
        for offset in (0, 512 << 20):
            f.seek(offset)
            f.write(block)
        f.flush()
        os.fsync(f.fileno())
    return block


def same_pattern(state, volume_id, block):
    with open(share_file(state, volume_id), "rb") as f:
        for offset in (0, 512 << 20):
            f.seek(offset)
            if f.read(len(block)) != block:
                return False
    return True


def record_restore(state, out_dir, demo, admin, made_volumes, made_backups):
    c = demo.endpoint("volumev3")
    ac = admin.endpoint("volumev3")
    rec = Recorder(out_dir, "restore", "Restore of Cinder backups into new volumes (real Cinder 21, zed)",
                   "Recorded by tests/e2e/record.py against the e2e cloud (NFS volume driver, POSIX backup "
                   "driver). Bodies as returned; lists not trimmed. The demo user makes every call unless "
                   "the title says admin.")
    try:
        rec.section("1. Volume types and volume creation")
        rec.call("list volume types (demo)", demo, "GET", c + "/types", version="3.64")
        r = rec.call("create a 1 GiB volume with metadata", demo, "POST", c + "/volumes",
                     {"volume": {"size": 1, "name": "rec-source", "description": "record.py source",
                                 "metadata": {"purpose": "restore-source"}}}, "3.64")
        src = r.body["volume"]["id"]
        made_volumes.append(src)
        wait_status(rec, demo, "%s/volumes/%s" % (c, src), "volume", ("available",))
        rec.call("GET the new volume (available)", demo, "GET", "%s/volumes/%s" % (c, src), version="3.64")
        rec.call("POST (merge) volume metadata", demo, "POST", "%s/volumes/%s/metadata" % (c, src),
                 {"metadata": {"staffeln:restore": "example"}}, "3.64")
        rec.call("GET volume metadata", demo, "GET", "%s/volumes/%s/metadata" % (c, src), version="3.64")
        rec.call("list volumes filtered by metadata", demo, "GET",
                 c + '/volumes/detail?metadata={"staffeln:restore":"example"}', version="3.64")
        rec.call("create a volume with size 0 -> error", demo, "POST", c + "/volumes",
                 {"volume": {"size": 0, "name": "rec-bad"}}, "3.64")

        rec.section("2. Back up two points of the source (full, then incremental)")
        first = write_pattern(state, src, 1)
        r = rec.call("create FULL backup of the detached volume", demo, "POST", c + "/backups",
                     {"backup": {"volume_id": src, "name": "rec-full", "metadata": {"created_by": "record.py"}}}, "3.64")
        full = r.body["backup"]["id"]
        made_backups.append(full)
        wait_status(rec, demo, "%s/backups/%s" % (c, full), "backup", ("available",))
        second = write_pattern(state, src, 2)
        r = rec.call("create INCREMENTAL backup", demo, "POST", c + "/backups",
                     {"backup": {"volume_id": src, "name": "rec-incr", "incremental": True}}, "3.64")
        incr = r.body["backup"]["id"]
        made_backups.append(incr)
        wait_status(rec, demo, "%s/backups/%s" % (c, incr), "backup", ("available",))
        rec.note("the source volume's file on the share now holds pattern 2; the full backup holds pattern 1")

        rec.section("3. Restore the full backup into a new volume made for it")
        r = rec.call("create the target volume (same size), tagged", demo, "POST", c + "/volumes",
                     {"volume": {"size": 1, "name": "rec-source-restored",
                                 "metadata": {"target-key": "r1"}}}, "3.64")
        target = r.body["volume"]["id"]
        made_volumes.append(target)
        wait_status(rec, demo, "%s/volumes/%s" % (c, target), "volume", ("available",))
        r = rec.call("restore the full backup into the target", demo, "POST", "%s/backups/%s/restore" % (c, full),
                     {"restore": {"volume_id": target}}, "3.64")
        vol_states, bak_states = [], []
        rec.call("GET the target right after (restoring)", demo, "GET", "%s/volumes/%s" % (c, target), version="3.64")
        rec.call("GET the backup right after (restoring)", demo, "GET", "%s/backups/%s" % (c, full), version="3.64")
        rec.call("restore the same backup again while it restores -> error", demo, "POST",
                 "%s/backups/%s/restore" % (c, full), {"restore": {"volume_id": target}}, "3.64")
        wait_status(rec, demo, "%s/volumes/%s" % (c, target), "volume", ("available", "error_restoring"), seen=vol_states)
        wait_status(rec, demo, "%s/backups/%s" % (c, full), "backup", ("available",), seen=bak_states)
        rec.note("statuses seen while polling every 0.2 s: volume %s, backup %s" % (vol_states, bak_states))
        rec.call("GET the target after the restore", demo, "GET", "%s/volumes/%s" % (c, target), version="3.64")
        rec.note("bytes of the target equal pattern 1 (the full backup's point): %s"
                 % same_pattern(state, target, first))
        rec.call("POST (merge) metadata on the restored volume", demo, "POST", "%s/volumes/%s/metadata" % (c, target),
                 {"metadata": {"target-key": "r1"}}, "3.64")

        rec.section("4. Restore the incremental backup without naming a volume (Cinder creates one)")
        r = rec.call("restore the incremental backup, name only", demo, "POST", "%s/backups/%s/restore" % (c, incr),
                     {"restore": {"name": "rec-auto"}}, "3.64")
        auto = r.body.get("restore", {}).get("volume_id") if r.body else None
        if auto:
            made_volumes.append(auto)
            wait_status(rec, demo, "%s/volumes/%s" % (c, auto), "volume", ("available", "error_restoring"))
            rec.call("GET the volume Cinder made", demo, "GET", "%s/volumes/%s" % (c, auto), version="3.64")
            rec.note("bytes of that volume equal pattern 2 (the incremental's point): %s"
                     % same_pattern(state, auto, second))

        rec.section("5. Errors")
        rec.call("restore into a volume that does not exist", demo, "POST", "%s/backups/%s/restore" % (c, full),
                 {"restore": {"volume_id": "00000000-0000-0000-0000-000000000000"}}, "3.64")
        rec.call("restore of a backup that does not exist", demo, "POST",
                 "%s/backups/00000000-0000-0000-0000-000000000000/restore" % c, {"restore": {"volume_id": target}}, "3.64")
        r = rec.call("create a 2 GiB volume", demo, "POST", c + "/volumes", {"volume": {"size": 2, "name": "rec-big"}}, "3.64")
        big = r.body["volume"]["id"]
        made_volumes.append(big)
        wait_status(rec, demo, "%s/volumes/%s" % (c, big), "volume", ("available",))
        r = rec.call("back up the 2 GiB volume", demo, "POST", c + "/backups", {"backup": {"volume_id": big, "name": "rec-big"}}, "3.64")
        big_backup = r.body["backup"]["id"]
        made_backups.append(big_backup)
        wait_status(rec, demo, "%s/backups/%s" % (c, big_backup), "backup", ("available",))
        rec.call("restore the 2 GiB backup into a 1 GiB volume -> error", demo, "POST",
                 "%s/backups/%s/restore" % (c, big_backup), {"restore": {"volume_id": target}}, "3.64")
        rec.call("restore with an empty body -> error", demo, "POST", "%s/backups/%s/restore" % (c, full), {}, "3.64")
        rec.call("admin, with demo's project id in the URL -> error (admin)", admin, "POST",
                 "%s/backups/%s/restore" % (ac.replace(admin.project_id, demo.project_id), full),
                 {"restore": {"volume_id": target}}, "3.64")
        rec.call("restore demo's backup into demo's volume through admin's own URL (admin)", admin, "POST",
                 "%s/backups/%s/restore" % (ac, full), {"restore": {"volume_id": target}}, "3.64")
        wait_status(rec, demo, "%s/volumes/%s" % (c, target), "volume", ("available", "error_restoring"))

        rec.section("6. Deleting what a restore made")
        rec.call("DELETE the target volume", demo, "DELETE", "%s/volumes/%s" % (c, target), version="3.64")
        osclient.wait_for("target deleted", lambda: demo.call("GET", "%s/volumes/%s" % (c, target)).status == 404, 60, 0.3)
        made_volumes.remove(target)
        rec.call("GET the deleted volume -> 404", demo, "GET", "%s/volumes/%s" % (c, target), version="3.64")
    finally:
        rec.write()


def record_restore_calls(state, out_dir, demo, admin, made_volumes, made_backups):
    """The calls `staffeln restore` and `staffeln restore cleanup` make, made as staffeln makes them:
    lists with the admin's own token through its own URL (all_tenants, project_id), everything else
    with the admin's token scoped to the volume's project, through that project's URL."""
    c = demo.endpoint("volumev3")
    ac = admin.endpoint("volumev3")
    env = osclient.openrc(os.path.join(state, "openrc-admin"))
    scoped = osclient.Session(env["OS_AUTH_URL"], env["OS_USERNAME"], env["OS_PASSWORD"], "demo")
    sc = scoped.endpoint("volumev3")
    pid = demo.project_id
    rec = Recorder(out_dir, "restore-calls", "The calls of staffeln restore and restore cleanup (real Cinder 21, zed)",
                   "Recorded by tests/e2e/record.py against the e2e cloud (NFS volume driver, POSIX backup driver), "
                   "in the order `staffeln restore --server S` and `staffeln restore cleanup ID` make them. Titles "
                   "say who calls: the tenant (demo), the admin through its own project's URL (admin), or the "
                   "admin with a token scoped to the tenant's project, through that project's URL (admin scoped "
                   "to demo), as staffeln acts in a server's project.")
    restore_id = "00000000-rec0-4000-8000-000000000001"
    try:
        rec.section("1. What a restore reads: a bootable volume of the tenant and its backup")
        r = rec.call("the tenant creates a 1 GiB volume with metadata", demo, "POST", c + "/volumes",
                     {"volume": {"size": 1, "name": "rec-calls-root", "metadata": {"purpose": "restore-calls"}}}, "3.64")
        src = r.body["volume"]["id"]
        made_volumes.append(src)
        wait_status(rec, demo, "%s/volumes/%s" % (c, src), "volume", ("available",))
        rec.call("the tenant makes it bootable", demo, "POST", "%s/volumes/%s/action" % (c, src),
                 {"os-set_bootable": {"bootable": True}}, "3.64")
        r = rec.call("a full backup of it, tagged as staffeln tags its backups", scoped, "POST", sc + "/backups",
                     {"backup": {"volume_id": src, "name": "rec-calls", "metadata": {"staffeln:task": "rec"}}}, "3.64")
        backup = r.body["backup"]["id"]
        made_backups.append(backup)
        wait_status(rec, demo, "%s/backups/%s" % (c, backup), "backup", ("available",))

        rec.section("2. The plan: the project's volumes and backups (admin, own URL)")
        rec.call("list the project's volumes (admin)", admin, "GET",
                 "%s/volumes/detail?all_tenants=1&project_id=%s&limit=1000" % (ac, pid), version="3.64")
        rec.call("list the project's backups (admin)", admin, "GET",
                 "%s/backups/detail?all_tenants=1&project_id=%s&limit=1000" % (ac, pid), version="3.64")

        tags = {"staffeln:restore": restore_id, "staffeln:restore_source": src}
        tagged = "%s/volumes/detail?all_tenants=1&project_id=%s&metadata=%s&limit=1000" % (
            ac, pid, json.dumps(tags, separators=(",", ":")))
        rec.section("3. The new volume: looked for by its tags, then made in the project")
        rec.call("list the volumes tagged with the restore and source: none yet (admin)", admin, "GET", tagged,
                 version="3.64")
        r = rec.call("create the volume, same size and type, tagged (admin scoped to demo)", scoped, "POST",
                     sc + "/volumes", {"volume": {"size": 1, "name": "rec-calls-root-restored-2026-12-06T00:00:00Z",
                                                  "volume_type": "__DEFAULT__", "metadata": tags}}, "3.64")
        new = r.body["volume"]["id"]
        made_volumes.append(new)
        rec.call("GET it at once (admin scoped to demo)", scoped, "GET", "%s/volumes/%s" % (sc, new), version="3.64")
        wait_status(rec, scoped, "%s/volumes/%s" % (sc, new), "volume", ("available",))
        rec.call("list the volumes tagged with the restore and source: the new one (admin)", admin, "GET", tagged,
                 version="3.64")

        rec.section("4. The restore into it, polled")
        rec.call("restore the backup into the new volume (admin scoped to demo)", scoped, "POST",
                 "%s/backups/%s/restore" % (sc, backup), {"restore": {"volume_id": new}}, "3.64")
        rec.call("GET the volume at once (admin scoped to demo)", scoped, "GET", "%s/volumes/%s" % (sc, new),
                 version="3.64")
        seen = []
        wait_status(rec, scoped, "%s/volumes/%s" % (sc, new), "volume", ("available", "error_restoring"), seen=seen)
        rec.note("statuses seen while polling every 0.2 s: %s" % seen)
        rec.call("GET the restored volume: metadata replaced (admin scoped to demo)", scoped, "GET",
                 "%s/volumes/%s" % (sc, new), version="3.64")

        rec.section("5. The tags and the bootable flag set again")
        rec.call("POST (merge) the tags (admin scoped to demo)", scoped, "POST", "%s/volumes/%s/metadata" % (sc, new),
                 {"metadata": tags}, "3.64")
        rec.call("os-set_bootable (admin scoped to demo)", scoped, "POST", "%s/volumes/%s/action" % (sc, new),
                 {"os-set_bootable": {"bootable": True}}, "3.64")
        rec.call("GET the volume as the restore leaves it (admin scoped to demo)", scoped, "GET",
                 "%s/volumes/%s" % (sc, new), version="3.64")

        rec.section("6. restore cleanup, and the same cleanup run again at once")
        rec.call("list the volumes tagged with the restore and source (admin)", admin, "GET", tagged, version="3.64")
        rec.call("DELETE the restored volume (admin scoped to demo)", scoped, "DELETE", "%s/volumes/%s" % (sc, new),
                 version="3.64")
        rec.call("GET it at once (admin scoped to demo)", scoped, "GET", "%s/volumes/%s" % (sc, new), version="3.64")
        rec.call("list the volumes tagged with the restore and source at once (admin)", admin, "GET", tagged,
                 version="3.64")
        rec.call("DELETE it again at once (admin scoped to demo)", scoped, "DELETE", "%s/volumes/%s" % (sc, new),
                 version="3.64")
        seen, started = [], time.monotonic()

        def gone():
            r = scoped.call("GET", "%s/volumes/%s" % (sc, new))
            status = r.body["volume"]["status"] if r.status == 200 else r.status
            if not seen or seen[-1] != status:
                seen.append(status)
            return r.status == 404
        osclient.wait_for("restored volume deleted", gone, 120, 0.1)
        made_volumes.remove(new)
        rec.note("statuses seen while polling every 0.1 s: %s; volume %s 404 after %.1fs"
                 % (seen, new, time.monotonic() - started))
        rec.call("GET the deleted volume -> 404 (admin scoped to demo)", scoped, "GET", "%s/volumes/%s" % (sc, new),
                 version="3.64")
        rec.call("DELETE the deleted volume -> 404 (admin scoped to demo)", scoped, "DELETE",
                 "%s/volumes/%s" % (sc, new), version="3.64")
    finally:
        rec.write()


def record_backup_metadata(out_dir, demo, admin, made_volumes, made_backups):
    c = demo.endpoint("volumev3")
    ac = admin.endpoint("volumev3")
    rec = Recorder(out_dir, "backup-metadata", "Updating an existing backup: name, description, metadata (real Cinder 21, zed)",
                   "Recorded by tests/e2e/record.py against the e2e cloud. `PUT /backups/{id}` as the owner "
                   "and as admin, at the microversions around 3.43 (backup metadata) and 3.9 (update).")
    try:
        r = demo.call("POST", c + "/volumes", {"volume": {"size": 1, "name": "rec-meta"}}, {"OpenStack-API-Version": "volume 3.64"})
        vid = r.body["volume"]["id"]
        made_volumes.append(vid)
        wait_status(rec, demo, "%s/volumes/%s" % (c, vid), "volume", ("available",))
        r = rec.call("an untagged backup, as upstream Staffeln makes them", demo, "POST", c + "/backups",
                     {"backup": {"volume_id": vid, "name": "srv_%s_1764900000" % vid}}, "3.64")
        bid = r.body["backup"]["id"]
        made_backups.append(bid)
        wait_status(rec, demo, "%s/backups/%s" % (c, bid), "backup", ("available",))
        url = "%s/backups/%s" % (c, bid)
        rec.call("PUT metadata at 3.42 (before backup metadata)", demo, "PUT", url, {"backup": {"metadata": {"a": "1"}}}, "3.42")
        rec.call("PUT metadata at 3.8 (before update existed)", demo, "PUT", url, {"backup": {"name": "x"}}, "3.8")
        rec.call("PUT metadata at 3.43", demo, "PUT", url, {"backup": {"metadata": {"created_by": "staffeln"}}}, "3.43")
        rec.call("PUT other metadata at 3.43: replaced or merged?", demo, "PUT", url, {"backup": {"metadata": {"other": "x"}}}, "3.43")
        rec.call("GET after the two PUTs", demo, "GET", url, version="3.64")
        rec.call("PUT name and description only (3.9)", demo, "PUT", url, {"backup": {"name": "renamed", "description": "d"}}, "3.9")
        rec.call("GET after renaming: is metadata kept?", demo, "GET", url, version="3.64")
        rec.call("GET demo's backup through admin's own URL (admin)", admin, "GET", url.replace(c, ac), version="3.64")
        rec.call("PUT metadata of demo's backup through admin's own URL (admin)", admin, "PUT", url.replace(c, ac),
                 {"backup": {"metadata": {"created_by": "staffeln", "staffeln:imported": "upstream"}}}, "3.43")
        rec.call("PUT with an unknown key", demo, "PUT", url, {"backup": {"colour": "red"}}, "3.43")
        rec.call("PUT of a backup that does not exist", demo, "PUT", "%s/backups/00000000-0000-0000-0000-000000000000" % c,
                 {"backup": {"metadata": {"a": "1"}}}, "3.43")
        rec.call("list backups filtered by metadata (3.43)", demo, "GET",
                 c + '/backups/detail?metadata={"created_by":"staffeln"}', version="3.43")
    finally:
        rec.write()


def record_snapshots(out_dir, demo, admin, made_volumes, made_backups, made_servers):
    c = demo.endpoint("volumev3")
    ac = admin.endpoint("volumev3")
    nova = demo.endpoint("compute")
    rec = Recorder(out_dir, "snapshots", "Snapshots of volumes and backups made from them (real Cinder 21, zed)",
                   "Recorded by tests/e2e/record.py against the e2e cloud (its NFS driver takes every snapshot "
                   "offline, see staffeln_e2e_nfs.py). Which parent Cinder gives an incremental backup made from a "
                   "snapshot when a newer direct backup exists, and the snapshot calls staffeln makes.")
    made_snapshots = []
    try:
        r = demo.call("POST", c + "/volumes", {"volume": {"size": 1, "name": "rec-snap-root"}}, {"OpenStack-API-Version": "volume 3.64"})
        vid = r.body["volume"]["id"]
        made_volumes.append(vid)
        wait_status(rec, demo, "%s/volumes/%s" % (c, vid), "volume", ("available",))
        demo.call("POST", "%s/volumes/%s/action" % (c, vid), {"os-set_bootable": {"bootable": True}})
        flavor = [f for f in admin.call("GET", admin.endpoint("compute") + "/flavors").body["flavors"] if f["name"] == "e2e.tiny"][0]["id"]
        r = demo.call("POST", nova + "/servers", {"server": {
            "name": "rec-snap", "flavorRef": flavor, "networks": "none",
            "block_device_mapping_v2": [{"boot_index": 0, "uuid": vid, "source_type": "volume",
                                         "destination_type": "volume", "delete_on_termination": False}]}},
                      {"OpenStack-API-Version": "compute 2.67"})
        sid = r.body["server"]["id"]
        made_servers.append(sid)
        osclient.wait_for("server ACTIVE", lambda: demo.call("GET", "%s/servers/%s" % (nova, sid)).body["server"]["status"] == "ACTIVE", 120, 0.5)
        wait_status(rec, demo, "%s/volumes/%s" % (c, vid), "volume", ("in-use",))
        rec.note("volume %s is in-use, the root disk of server rec-snap" % vid)

        rec.section("1. Snapshots of an in-use volume")
        rec.call("snapshot of the in-use volume without force (3.64)", demo, "POST", c + "/snapshots",
                 {"snapshot": {"volume_id": vid, "name": "rec-noforce"}}, "3.64")
        rec.call("snapshot with force false at 3.66", demo, "POST", c + "/snapshots",
                 {"snapshot": {"volume_id": vid, "name": "rec-force-false", "force": False}}, "3.66")
        r = rec.call("snapshot with force true and metadata (3.64)", demo, "POST", c + "/snapshots",
                     {"snapshot": {"volume_id": vid, "name": "rec-snap-1", "force": True,
                                   "metadata": {"staffeln:set": "example"}}}, "3.64")
        snap1 = r.body["snapshot"]["id"]
        made_snapshots.append(snap1)
        wait_status(rec, demo, "%s/snapshots/%s" % (c, snap1), "snapshot", ("available",))
        rec.call("GET the snapshot (available)", demo, "GET", "%s/snapshots/%s" % (c, snap1), version="3.64")
        rec.call("list snapshots detail (demo)", demo, "GET", c + "/snapshots/detail", version="3.64")
        rec.call("list snapshots detail all_tenants, volume_id filter (admin)", admin, "GET",
                 "%s/snapshots/detail?all_tenants=1&volume_id=%s" % (ac, vid), version="3.64")
        rec.call("list snapshots filtered by metadata (demo)", demo, "GET",
                 c + '/snapshots/detail?metadata={"staffeln:set":"example"}', version="3.64")
        rec.call("DELETE the in-use volume's snapshot", demo, "DELETE", "%s/snapshots/%s" % (c, snap1), version="3.64")
        osclient.wait_for("snapshot deleted", lambda: demo.call("GET", "%s/snapshots/%s" % (c, snap1)).status == 404, 60, 0.2)
        made_snapshots.remove(snap1)
        rec.call("GET a deleted snapshot -> 404", demo, "GET", "%s/snapshots/%s" % (c, snap1), version="3.64")

        rec.section("2. Backups from snapshots of a detached volume, and the parent of an incremental")
        rec.note("a forced direct backup of the in-use volume above, once it has a snapshot, stays `creating` on this "
                 "cloud (cinder-volume: the NFS driver's temporary clone fails in qemu_img_info, `Unacceptable "
                 "parameters`, and the backup is never set to error): the rest uses a detached volume")
        r = demo.call("POST", c + "/volumes", {"volume": {"size": 1, "name": "rec-snap-data"}}, {"OpenStack-API-Version": "volume 3.64"})
        vid = r.body["volume"]["id"]
        made_volumes.append(vid)
        wait_status(rec, demo, "%s/volumes/%s" % (c, vid), "volume", ("available",))
        r = rec.call("snapshot 1 of the detached volume", demo, "POST", c + "/snapshots",
                     {"snapshot": {"volume_id": vid, "name": "rec-data-snap-1"}}, "3.64")
        snap1 = r.body["snapshot"]["id"]
        made_snapshots.append(snap1)
        wait_status(rec, demo, "%s/snapshots/%s" % (c, snap1), "snapshot", ("available",))
        r = rec.call("FULL backup from snapshot 1", demo, "POST", c + "/backups",
                     {"backup": {"volume_id": vid, "snapshot_id": snap1, "name": "rec-from-snap1"}}, "3.64")
        b1 = r.body["backup"]["id"]
        made_backups.append(b1)
        rec.call("GET the snapshot while its backup runs", demo, "GET", "%s/snapshots/%s" % (c, snap1), version="3.64")
        rec.call("DELETE the snapshot while its backup runs -> error", demo, "DELETE", "%s/snapshots/%s" % (c, snap1), version="3.64")
        wait_status(rec, demo, "%s/backups/%s" % (c, b1), "backup", ("available",))
        r = rec.call("a direct incremental backup of the volume", demo, "POST", c + "/backups",
                     {"backup": {"volume_id": vid, "name": "rec-direct", "incremental": True}}, "3.64")
        b2 = r.body["backup"]["id"]
        made_backups.append(b2)
        wait_status(rec, demo, "%s/backups/%s" % (c, b2), "backup", ("available",))
        rec.call("GET the direct incremental: its parent", demo, "GET", "%s/backups/%s" % (c, b2), version="3.64")
        rec.call("GET the direct incremental as admin", admin, "GET", "%s/backups/%s" % (ac, b2), version="3.64")
        rec.note("not recordable on this cloud: a backup from a SECOND snapshot of the same NFS volume stays `creating` "
                 "(the driver's qemu-img check refuses the snapshot chain, as for the forced in-use backup above); so "
                 "which parent an incremental from a newer snapshot gets is read from Cinder's source, not recorded")
        rec.section("3. Deleting snapshots")
        for sn in list(made_snapshots):
            rec.call("DELETE snapshot %s" % ("1" if sn == snap1 else "2"), demo, "DELETE", "%s/snapshots/%s" % (c, sn), version="3.64")
            osclient.wait_for("snapshot deleted", lambda: demo.call("GET", "%s/snapshots/%s" % (c, sn)).status == 404, 60, 0.2)
            made_snapshots.remove(sn)
    finally:
        rec.write()
        for sn in made_snapshots:
            demo.call("DELETE", "%s/snapshots/%s" % (c, sn))


def scoped_admin(state, project):
    """The admin with a token scoped to a tenant's project, as staffeln acts in a server's project."""
    env = osclient.openrc(os.path.join(state, "openrc-admin"))
    return osclient.Session(env["OS_AUTH_URL"], env["OS_USERNAME"], env["OS_PASSWORD"], project)


def decoded_row(record_body):
    """The backup row a backup_url encodes (base64 of JSON), for a note."""
    return json.loads(base64.b64decode(record_body["backup-record"]["backup_url"]))


def cinder_sql(state, query):
    subprocess.run(["mariadb", "--no-defaults", "-S", os.path.join(state, "run/mysqld.sock"), "-uroot", "cinder", "-e", query],
                   check=True, capture_output=True, text=True)


def record_snapshot_calls(state, out_dir, demo, admin, made_volumes, made_backups, made_servers):
    """The calls of a snapshot-mode cycle for a two-volume server, as staffeln makes them, twice:
    the second round makes incrementals from new snapshots."""
    c = demo.endpoint("volumev3")
    ac = admin.endpoint("volumev3")
    nova = demo.endpoint("compute")
    scoped = scoped_admin(state, "demo")
    sc = scoped.endpoint("volumev3")
    rec = Recorder(out_dir, "snapshot-calls", "The calls of a snapshot-mode backup cycle (real Cinder 21, zed)",
                   "Recorded by tests/e2e/record.py against the e2e cloud (NFS volume driver with offline snapshots, "
                   "POSIX backup driver), in the order a `conductor --once` makes them for a server in snapshot mode "
                   "with two in-use volumes: snapshots (force, tagged), one listing until they are available, a "
                   "backup from each, the listing that waits for the backups, the snapshots deleted; then the same "
                   "again, with incrementals. Titles say who calls: the admin through its own project's URL "
                   "(admin) or with a token scoped to the tenant's project (admin scoped to demo).")
    made_snapshots = []
    try:
        flavor = [f for f in admin.call("GET", admin.endpoint("compute") + "/flavors").body["flavors"] if f["name"] == "e2e.tiny"][0]["id"]
        vids = []
        for name in ("rec-set-root", "rec-set-data"):
            r = demo.call("POST", c + "/volumes", {"volume": {"size": 1, "name": name}}, {"OpenStack-API-Version": "volume 3.64"})
            vids.append(r.body["volume"]["id"])
            made_volumes.append(vids[-1])
            wait_status(rec, demo, "%s/volumes/%s" % (c, vids[-1]), "volume", ("available",))
        demo.call("POST", "%s/volumes/%s/action" % (c, vids[0]), {"os-set_bootable": {"bootable": True}})
        r = demo.call("POST", nova + "/servers", {"server": {
            "name": "rec-set", "flavorRef": flavor, "networks": "none",
            "block_device_mapping_v2": [{"boot_index": 0, "uuid": vids[0], "source_type": "volume",
                                         "destination_type": "volume", "delete_on_termination": False}]}},
                      {"OpenStack-API-Version": "compute 2.67"})
        sid = r.body["server"]["id"]
        made_servers.append(sid)
        osclient.wait_for("server ACTIVE", lambda: demo.call("GET", "%s/servers/%s" % (nova, sid)).body["server"]["status"] == "ACTIVE", 120, 0.5)
        demo.call("POST", "%s/servers/%s/os-volume_attachments" % (nova, sid), {"volumeAttachment": {"volumeId": vids[1]}})
        for v in vids:
            wait_status(rec, demo, "%s/volumes/%s" % (c, v), "volume", ("in-use",))
        rec.note("server rec-set %s: root %s and data %s, both in-use" % (sid, vids[0], vids[1]))
        previous = {}
        for rnd in (1, 2):
            kind = "FULL" if rnd == 1 else "INCREMENTAL"
            rec.section("%d. Cycle %d: snapshots, %s backups from them, snapshots deleted" % (rnd * 2 - 1, rnd, kind.lower()))
            snaps = {}
            for v in vids:
                r = rec.call("snapshot of in-use volume %s, force, tagged (admin scoped to demo)" % v, scoped, "POST",
                             sc + "/snapshots", {"snapshot": {"volume_id": v, "force": True, "name": "rec-set_%d" % rnd,
                                                              "description": "Snapshot by staffeln",
                                                              "metadata": {"staffeln:task": "rec-%d-%s" % (rnd, v[:8])}}},
                             "3.64")
                snaps[v] = r.body["snapshot"]["id"]
                made_snapshots.append(snaps[v])
            listing = "%s/snapshots/detail?all_tenants=1&limit=1000" % ac
            rec.call("list snapshots at once: creating (admin)", admin, "GET", listing, version="3.64")
            for v in vids:
                wait_status(rec, scoped, "%s/snapshots/%s" % (sc, snaps[v]), "snapshot", ("available",))
            rec.call("list snapshots: available (admin)", admin, "GET", listing, version="3.64")
            backups = {}
            for v in vids:
                body = {"volume_id": v, "incremental": rnd == 2, "force": False, "name": "rec-set_%d" % rnd,
                        "snapshot_id": snaps[v], "metadata": {"staffeln:task": "rec-%d-%s" % (rnd, v[:8])}}
                r = rec.call("%s backup of volume %s from its snapshot (admin scoped to demo)" % (kind, v), scoped, "POST",
                             sc + "/backups", {"backup": body}, "3.64")
                backups[v] = r.body["backup"]["id"]
                made_backups.append(backups[v])
            rec.call("GET a snapshot its backup reads (admin scoped to demo)", scoped, "GET",
                     "%s/snapshots/%s" % (sc, snaps[vids[0]]), version="3.64")
            rec.call("GET its volume while the backup reads the snapshot (admin scoped to demo)", scoped, "GET",
                     "%s/volumes/%s" % (sc, vids[0]), version="3.64")
            rec.call("DELETE the snapshot a backup reads -> error (admin scoped to demo)", scoped, "DELETE",
                     "%s/snapshots/%s" % (sc, snaps[vids[0]]), version="3.64")
            rec.call("list backups while they run (admin)", admin, "GET",
                     "%s/backups/detail?all_tenants=1&project_id=%s&limit=1000" % (ac, demo.project_id), version="3.64")
            for v in vids:
                wait_status(rec, scoped, "%s/backups/%s" % (sc, backups[v]), "backup", ("available",), timeout=600)
            for v in vids:
                rec.call("GET the backup from the snapshot: data_timestamp, snapshot_id (admin)", admin, "GET",
                         "%s/backups/%s" % (ac, backups[v]), version="3.64")
            rec.call("list snapshots after the backups (admin)", admin, "GET", listing, version="3.64")
            for v in vids:
                r = rec.call("export_record of the backup (admin)", admin, "GET", "%s/backups/%s/export_record" % (ac, backups[v]),
                             version="3.64")
                row = decoded_row(r.body)
                rec.note("its backup_url decodes to parent_id %s (cycle 1's backup of the volume: %s), snapshot_id %s, "
                         "data_timestamp %s, num_dependent_backups %s"
                         % (row.get("parent_id"), previous.get(v), row.get("snapshot_id"), row.get("data_timestamp"),
                            row.get("num_dependent_backups")))
            for v in vids:
                rec.call("DELETE the snapshot once its backup is available (admin scoped to demo)", scoped, "DELETE",
                         "%s/snapshots/%s" % (sc, snaps[v]), version="3.64")
            rec.call("list snapshots at once (admin)", admin, "GET", listing, version="3.64")
            for v in vids:
                seen, t0 = [], time.monotonic()

                def gone(sn=snaps[v]):
                    r = scoped.call("GET", "%s/snapshots/%s" % (sc, sn))
                    status = r.body["snapshot"]["status"] if r.status == 200 else r.status
                    if not seen or seen[-1] != status:
                        seen.append(status)
                    return r.status == 404
                osclient.wait_for("snapshot deleted", gone, 120, 0.1)
                made_snapshots.remove(snaps[v])
                rec.note("snapshot %s: statuses seen while polling every 0.1 s: %s, 404 after %.1fs"
                         % (snaps[v], seen, time.monotonic() - t0))
            previous = backups
    finally:
        rec.write()
        for sn in made_snapshots:
            scoped.call("DELETE", "%s/snapshots/%s" % (sc, sn))


def record_dr(state, out_dir, demo, admin, made_volumes, made_backups):
    """Export records, the backups' rows deleted from Cinder's database, import: what comes back,
    who owns it, its chain, and restores from it (the bytes compared on the share)."""
    c = demo.endpoint("volumev3")
    ac = admin.endpoint("volumev3")
    rec = Recorder(out_dir, "dr-import", "Backup export records, the loss of Cinder's rows, and import (real Cinder 21, zed)",
                   "Recorded by tests/e2e/record.py against the e2e cloud (NFS volume driver, POSIX backup driver). "
                   "A full and an incremental backup of the tenant's volume; each export record fetched as staffeln "
                   "fetches it, once its backup is available; the two backups' rows then deleted from Cinder's "
                   "database (`backup_metadata`, `backups`), as if it were lost; the records imported by the admin.")
    full = incr = auto = None
    try:
        r = demo.call("POST", c + "/volumes", {"volume": {"size": 1, "name": "rec-dr"}}, {"OpenStack-API-Version": "volume 3.64"})
        vid = r.body["volume"]["id"]
        made_volumes.append(vid)
        wait_status(rec, demo, "%s/volumes/%s" % (c, vid), "volume", ("available",))
        rec.section("1. Two backups, each export record fetched when it is new")
        first = write_pattern(state, vid, 11)
        r = rec.call("FULL backup, tagged", demo, "POST", c + "/backups",
                     {"backup": {"volume_id": vid, "name": "rec-dr-full", "metadata": {"staffeln:task": "rec-dr-1"}}}, "3.64")
        full = r.body["backup"]["id"]
        made_backups.append(full)
        wait_status(rec, demo, "%s/backups/%s" % (c, full), "backup", ("available",))
        r = rec.call("export_record of the full backup (admin)", admin, "GET", "%s/backups/%s/export_record" % (ac, full), version="3.64")
        full_record = r.body
        rec.note("decoded backup_url of the full: %s" % json.dumps(decoded_row(full_record), sort_keys=True))
        second = write_pattern(state, vid, 12)
        r = rec.call("INCREMENTAL backup, tagged", demo, "POST", c + "/backups",
                     {"backup": {"volume_id": vid, "name": "rec-dr-incr", "incremental": True,
                                 "metadata": {"staffeln:task": "rec-dr-2"}}}, "3.64")
        incr = r.body["backup"]["id"]
        made_backups.append(incr)
        wait_status(rec, demo, "%s/backups/%s" % (c, incr), "backup", ("available",))
        r = rec.call("export_record of the incremental (admin)", admin, "GET", "%s/backups/%s/export_record" % (ac, incr),
                     version="3.64")
        incr_record = r.body
        rec.note("decoded backup_url of the incremental: %s" % json.dumps(decoded_row(incr_record), sort_keys=True))
        rec.call("GET the full now: has_dependent_backups (admin)", admin, "GET", "%s/backups/%s" % (ac, full), version="3.64")

        rec.section("2. Cinder's rows of both backups deleted")
        cinder_sql(state, "DELETE FROM backup_metadata WHERE backup_id IN ('%s', '%s'); DELETE FROM backups WHERE id IN ('%s', '%s')"
                   % (full, incr, full, incr))
        rec.note("mariadb cinder: DELETE FROM backup_metadata WHERE backup_id IN (full, incremental); DELETE FROM backups "
                 "WHERE id IN (full, incremental)")
        rec.call("GET the full -> 404 (admin)", admin, "GET", "%s/backups/%s" % (ac, full), version="3.64")

        rec.section("3. Import, the incremental before its parent")
        rec.call("import the incremental's record while its parent is absent (admin)", admin, "POST", ac + "/backups/import_record",
                 incr_record, "3.64")
        rec.call("GET it at once (admin)", admin, "GET", "%s/backups/%s" % (ac, incr), version="3.64")
        wait_status(rec, admin, "%s/backups/%s" % (ac, incr), "backup", ("available", "error"))
        rec.call("GET the imported incremental (admin)", admin, "GET", "%s/backups/%s" % (ac, incr), version="3.64")
        rec.call("import the full's record (admin)", admin, "POST", ac + "/backups/import_record", full_record, "3.64")
        rec.call("GET it at once (admin)", admin, "GET", "%s/backups/%s" % (ac, full), version="3.64")
        wait_status(rec, admin, "%s/backups/%s" % (ac, full), "backup", ("available", "error"))
        rec.call("GET the imported full: owner, has_dependent_backups (admin)", admin, "GET", "%s/backups/%s" % (ac, full),
                 version="3.64")
        rec.call("import the full's record again -> error (admin)", admin, "POST", ac + "/backups/import_record", full_record, "3.64")
        rec.call("the tenant GETs the imported full", demo, "GET", "%s/backups/%s" % (c, full), version="3.64")
        rec.call("the tenant lists its backups", demo, "GET", c + "/backups/detail", version="3.64")
        rec.call("list demo's backups by project (admin)", admin, "GET",
                 "%s/backups/detail?all_tenants=1&project_id=%s&limit=1000" % (ac, demo.project_id), version="3.64")
        rec.call("list the volume's backups (admin)", admin, "GET",
                 "%s/backups/detail?all_tenants=1&volume_id=%s&limit=1000" % (ac, vid), version="3.64")

        rec.section("4. Restores from the imported backups")
        r = rec.call("restore the imported incremental, no volume named (admin)", admin, "POST",
                     "%s/backups/%s/restore" % (ac, incr), {"restore": {"name": "rec-dr-restored"}}, "3.64")
        auto = (r.body or {}).get("restore", {}).get("volume_id")
        if auto:
            wait_status(rec, admin, "%s/volumes/%s" % (ac, auto), "volume", ("available", "error_restoring"), timeout=600)
            rec.call("GET the volume Cinder made: its project (admin)", admin, "GET", "%s/volumes/%s" % (ac, auto), version="3.64")
            rec.note("bytes of that volume equal the incremental's pattern: %s" % same_pattern(state, auto, second))
        r = demo.call("POST", c + "/volumes", {"volume": {"size": 1, "name": "rec-dr-target"}}, {"OpenStack-API-Version": "volume 3.64"})
        target = r.body["volume"]["id"]
        made_volumes.append(target)
        wait_status(rec, demo, "%s/volumes/%s" % (c, target), "volume", ("available",))
        scoped = scoped_admin(state, "demo")
        sc = scoped.endpoint("volumev3")
        rec.call("restore the imported full into the tenant's volume (admin scoped to demo)", scoped, "POST",
                 "%s/backups/%s/restore" % (sc, full), {"restore": {"volume_id": target}}, "3.64")
        wait_status(rec, demo, "%s/volumes/%s" % (c, target), "volume", ("available", "error_restoring"), timeout=600)
        rec.note("bytes of the tenant's volume equal the full's pattern: %s" % same_pattern(state, target, first))

        rec.section("5. Deleting imported backups")
        rec.call("DELETE the imported full while the imported incremental exists (admin)", admin, "DELETE",
                 "%s/backups/%s" % (ac, full), version="3.64")
        rec.call("GET the full (admin)", admin, "GET", "%s/backups/%s" % (ac, full), version="3.64")
        rec.call("DELETE the imported incremental (admin)", admin, "DELETE", "%s/backups/%s" % (ac, incr), version="3.64")
        def settled(b):
            r = admin.call("GET", "%s/backups/%s" % (ac, b))
            return r.status == 404 or r.body["backup"]["status"] in ("available", "error")
        for b in (incr, full):
            osclient.wait_for("backup %s settled" % b, lambda: settled(b), 120, 0.3)
            rec.call("GET the backup after its delete settled (admin)", admin, "GET", "%s/backups/%s" % (ac, b), version="3.64")
    finally:
        rec.write()
        # Imported backups are the admin project's: the tenant's cleanup does not see them.
        for b in (incr, full):
            if b and admin.call("DELETE", "%s/backups/%s" % (ac, b)).status == 202:
                osclient.wait_for("backup deleted", lambda: admin.call("GET", "%s/backups/%s" % (ac, b)).status == 404, 120, 0.3)
        if auto:
            admin.call("DELETE", "%s/volumes/%s" % (ac, auto))


def record_server_boot(state, out_dir, demo, admin, made_volumes, made_servers):
    """A server booted from two volumes as `staffeln restore --recreate-server` boots it (compute
    2.47, the admin scoped to the tenant's project), its statuses, its shape in the listing, an
    ERROR boot with its fault, the errors of a bad boot, and the delete."""
    c = demo.endpoint("volumev3")
    nova = admin.endpoint("compute")
    scoped = scoped_admin(state, "demo")
    snova = scoped.endpoint("compute")
    rec = Recorder(out_dir, "server-boot", "A server booted from restored volumes (real Nova 26 and Cinder 21, zed)",
                   "Recorded by tests/e2e/record.py against the e2e cloud (fake.FakeDriver, no Neutron: networks "
                   "\"none\"). The volumes are made by the demo user; the boot is sent as staffeln sends it, by "
                   "the admin scoped to demo, at compute 2.47 (the version staffeln asks for). Bodies as returned.")
    huge = None
    try:
        rec.section("1. Flavors")
        rec.call("list flavors with details, private ones too (admin)", admin, "GET",
                 nova + "/flavors/detail?is_public=None", version="2.47", service="compute")
        flavor = [f for f in admin.call("GET", nova + "/flavors").body["flavors"] if f["name"] == "e2e.tiny"][0]["id"]

        vids = []
        for name, bootable in (("rec-boot-root", True), ("rec-boot-data", False), ("rec-boot-spare", True)):
            r = demo.call("POST", c + "/volumes", {"volume": {"size": 1, "name": name}},
                          {"OpenStack-API-Version": "volume 3.64"})
            vids.append(r.body["volume"]["id"])
            made_volumes.append(vids[-1])
            osclient.wait_for("volume available", lambda: demo.call("GET", "%s/volumes/%s" % (c, vids[-1])).body["volume"]["status"] == "available", 120, 0.3)
            if bootable:
                demo.call("POST", "%s/volumes/%s/action" % (c, vids[-1]), {"os-set_bootable": {"bootable": True}})
        rec.note("three 1 GiB volumes made by demo: root %s (bootable), data %s, spare %s (bootable)" % tuple(vids))

        rec.section("2. Boot from two volumes, boot index and devices as recorded")
        r = rec.call("boot from the root (boot index 0, /dev/sda) and data (boot index -1, /dev/sdb) volumes, tagged (admin scoped to demo)",
                     scoped, "POST", snova + "/servers", {"server": {
                         "name": "rec-boot-restored", "flavorRef": flavor, "networks": "none",
                         "metadata": {"staffeln:restore": "rec-restore-id", "purpose": "record"},
                         "availability_zone": "nova",
                         "block_device_mapping_v2": [
                             {"uuid": vids[0], "source_type": "volume", "destination_type": "volume",
                              "boot_index": 0, "delete_on_termination": False, "device_name": "/dev/sda"},
                             {"uuid": vids[1], "source_type": "volume", "destination_type": "volume",
                              "boot_index": -1, "delete_on_termination": False, "device_name": "/dev/sdb"}]}},
                     version="2.47", service="compute")
        sid = r.body["server"]["id"]
        made_servers.append(sid)
        rec.call("GET the server at once (admin)", admin, "GET", "%s/servers/%s" % (nova, sid), version="2.47", service="compute")
        seen = []
        def active():
            st = admin.call("GET", "%s/servers/%s" % (nova, sid)).body["server"]["status"]
            if not seen or seen[-1] != st:
                seen.append(st)
            return st in ("ACTIVE", "ERROR")
        started = time.monotonic()
        osclient.wait_for("server settled", active, 300, 0.3)
        rec.note("server statuses seen: %s; settled after %.1fs" % (" -> ".join(seen), time.monotonic() - started))
        rec.call("GET the server once ACTIVE (admin)", admin, "GET", "%s/servers/%s" % (nova, sid), version="2.47", service="compute")
        rec.call("list demo's servers (admin), as staffeln looks for a restore's tagged server", admin, "GET",
                 "%s/servers/detail?all_tenants=1&project_id=%s&limit=1000" % (nova, demo.project_id), version="2.47", service="compute")
        for v in vids[:2]:
            rec.call("GET the attached volume: its device (demo)", demo, "GET", "%s/volumes/%s" % (c, v), version="3.64")

        rec.section("3. Refused boots")
        base = {"name": "rec-boot-bad", "networks": "none",
                "block_device_mapping_v2": [{"uuid": vids[2], "source_type": "volume", "destination_type": "volume",
                                             "boot_index": 0, "delete_on_termination": False}]}
        rec.call("boot with a flavor that does not exist (admin scoped to demo)", scoped, "POST", snova + "/servers",
                 {"server": dict(base, flavorRef="no-such-flavor")}, version="2.47", service="compute")
        rec.call("boot without networks at 2.47 (admin scoped to demo)", scoped, "POST", snova + "/servers",
                 {"server": {k: v for k, v in dict(base, flavorRef=flavor).items() if k != "networks"}},
                 version="2.47", service="compute")
        rec.call("boot from a volume attached to another server (admin scoped to demo)", scoped, "POST", snova + "/servers",
                 {"server": dict(base, flavorRef=flavor, block_device_mapping_v2=[
                     {"uuid": vids[0], "source_type": "volume", "destination_type": "volume", "boot_index": 0,
                      "delete_on_termination": False}])}, version="2.47", service="compute")
        rec.call("boot from a volume that does not exist (admin scoped to demo)", scoped, "POST", snova + "/servers",
                 {"server": dict(base, flavorRef=flavor, block_device_mapping_v2=[
                     {"uuid": "00000000-0000-4000-8000-000000000000", "source_type": "volume",
                      "destination_type": "volume", "boot_index": 0, "delete_on_termination": False}])},
                 version="2.47", service="compute")

        rec.section("4. A boot over the project's quota, and one that ends in ERROR (no host has a trait the flavor requires)")
        r = admin.call("POST", nova + "/flavors", {"flavor": {"name": "rec.huge", "ram": 99999999, "vcpus": 1, "disk": 0}})
        huge = r.body["flavor"]["id"]
        rec.call("boot with a flavor beyond demo's RAM quota (admin scoped to demo)", scoped, "POST", snova + "/servers",
                 {"server": dict(base, flavorRef=huge, name="rec-boot-quota")}, version="2.47", service="compute")
        admin.call("DELETE", "%s/flavors/%s" % (nova, huge))
        r = admin.call("POST", nova + "/flavors", {"flavor": {"name": "rec.nohost", "ram": 256, "vcpus": 1, "disk": 0}})
        huge = r.body["flavor"]["id"]
        admin.call("POST", "%s/flavors/%s/os-extra_specs" % (nova, huge),
                   {"extra_specs": {"trait:CUSTOM_STAFFELN_NOWHERE": "required"}})
        r = rec.call("boot with a flavor no host can take (admin scoped to demo)", scoped, "POST", snova + "/servers",
                     {"server": dict(base, flavorRef=huge, name="rec-boot-error")}, version="2.47", service="compute")
        eid = r.body["server"]["id"]
        made_servers.append(eid)
        seen = []
        def settled():
            st = admin.call("GET", "%s/servers/%s" % (nova, eid)).body["server"]["status"]
            if not seen or seen[-1] != st:
                seen.append(st)
            return st in ("ACTIVE", "ERROR")
        started = time.monotonic()
        osclient.wait_for("server settled", settled, 300, 0.3)
        rec.note("server statuses seen: %s; settled after %.1fs" % (" -> ".join(seen), time.monotonic() - started))
        rec.call("GET the server in ERROR: its fault (admin)", admin, "GET", "%s/servers/%s" % (nova, eid), version="2.47", service="compute")
        rec.call("GET the spare volume after the failed boot (demo)", demo, "GET", "%s/volumes/%s" % (c, vids[2]), version="3.64")

        rec.section("5. Delete")
        rec.call("DELETE the ERROR server (admin)", admin, "DELETE", "%s/servers/%s" % (nova, eid), version="2.47", service="compute")
        rec.call("DELETE the booted server (admin)", admin, "DELETE", "%s/servers/%s" % (nova, sid), version="2.47", service="compute")
        rec.call("GET it at once (admin)", admin, "GET", "%s/servers/%s" % (nova, sid), version="2.47", service="compute")
        started = time.monotonic()
        osclient.wait_for("server gone", lambda: admin.call("GET", "%s/servers/%s" % (nova, sid)).status == 404, 300, 0.3)
        rec.note("the server answered 404 after %.1fs" % (time.monotonic() - started))
        rec.call("GET it once gone (admin)", admin, "GET", "%s/servers/%s" % (nova, sid), version="2.47", service="compute")
        osclient.wait_for("root detached", lambda: demo.call("GET", "%s/volumes/%s" % (c, vids[0])).body["volume"]["status"] == "available", 120, 0.3)
        rec.note("its volumes available again after %.1fs" % (time.monotonic() - started))
        rec.call("GET the root volume once detached (demo)", demo, "GET", "%s/volumes/%s" % (c, vids[0]), version="3.64")
    finally:
        rec.write()
        if huge:
            admin.call("DELETE", "%s/flavors/%s" % (nova, huge))


def cleanup(demo, volumes, backups, servers=()):
    c = demo.endpoint("volumev3")
    nova = demo.endpoint("compute")
    for sid in servers:
        demo.call("DELETE", "%s/servers/%s" % (nova, sid))
        osclient.wait_for("server %s deleted" % sid,
                          lambda: demo.call("GET", "%s/servers/%s" % (nova, sid)).status == 404, 120, 0.5)
    for bid in reversed(backups):
        demo.call("DELETE", "%s/backups/%s" % (c, bid))
        osclient.wait_for("backup %s deleted" % bid,
                          lambda: demo.call("GET", "%s/backups/%s" % (c, bid)).status == 404, 120, 0.5)
    for vid in volumes:
        demo.call("DELETE", "%s/volumes/%s" % (c, vid))


def main():
    state, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    demo = osclient.login(state, "demo")
    admin = osclient.login(state, "admin")
    topics = sys.argv[3:] or ["restore", "restore-calls", "backup-metadata", "snapshots", "snapshot-calls", "dr-import",
                              "server-boot"]
    volumes, backups, servers = [], [], []
    try:
        if "restore" in topics:
            record_restore(state, out_dir, demo, admin, volumes, backups)
        if "restore-calls" in topics:
            record_restore_calls(state, out_dir, demo, admin, volumes, backups)
        if "backup-metadata" in topics:
            record_backup_metadata(out_dir, demo, admin, volumes, backups)
        if "snapshots" in topics:
            record_snapshots(out_dir, demo, admin, volumes, backups, servers)
        if "snapshot-calls" in topics:
            record_snapshot_calls(state, out_dir, demo, admin, volumes, backups, servers)
        if "dr-import" in topics:
            record_dr(state, out_dir, demo, admin, volumes, backups)
        if "server-boot" in topics:
            record_server_boot(state, out_dir, demo, admin, volumes, servers)
    finally:
        cleanup(demo, volumes, backups, servers)


if __name__ == "__main__":
    main()
