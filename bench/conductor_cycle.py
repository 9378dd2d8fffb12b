#!/usr/bin/env python3
"""Helper of bench_conductor.sh.

run OUT.json CMD...: runs CMD, writes its start and end (epoch seconds), wall time, exit code
and peak RSS (wait4's ru_maxrss, KiB) to OUT.json.
table DIR PROJECTS CREATE_SECONDS MODE SIZE...: prints the table from the files run_size left in
DIR/SIZE; MODE snapshot adds the snapshot requests to the bound and the spread of each server's
snapshot times.
"""
import datetime
import json
import math
import os
import sqlite3
import statistics
import subprocess
import sys
import time

PAGE = 1000  # the client's page size for servers, volumes and backups (limit=1000)


def run(out, cmd):
    start = time.time()
    child = subprocess.Popen(cmd)
    _, status, usage = os.wait4(child.pid, 0)
    end = time.time()
    with open(out, "w") as f:
        json.dump({"start": start, "end": end, "wall": end - start, "rc": os.waitstatus_to_exitcode(status),
                   "maxrss_kib": usage.ru_maxrss}, f)


def load(path):
    with open(path) as f:
        return json.load(f)


def pages(n):
    return max(1, math.ceil(n / PAGE))


def epoch(cinder_time):
    t = datetime.datetime.strptime(cinder_time.split(".")[0], "%Y-%m-%dT%H:%M:%S")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp()


def backup_cycle_end(log_path):
    """The time of the conductor's "backup cycle finished" log line, or None."""
    with open(log_path, errors="replace") as f:
        for entry in f:
            if "staffeln.conductor [-] backup cycle finished" in entry:
                # oslo.log's stamp is the host's local time: a naive datetime is read as local.
                stamp = " ".join(entry.split(" ", 2)[:2])
                return datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").timestamp()
    return None


def kind(key):
    method, path = key.split(" ", 1)
    for prefix in ("/compute/v2.1", "/volume/v3/{project_id}", "/identity/v3"):
        if path.startswith(prefix + "/"):
            path = path[len(prefix):]
    return f"{method} {path}"


def snapshot_spreads_ms(d):
    """Per server, max - min of the creation times of its volumes' snapshots this cycle, in ms.
    The store's tasks say which server each volume was backed up for."""
    db = sqlite3.connect(os.path.join(d, "staffeln.db"))
    server_of = dict(db.execute("SELECT volume_id, server_id FROM tasks"))
    db.close()
    times = {}
    for snap in load(os.path.join(d, "snapshots.json"))["snapshots"]:
        server = server_of.get(snap["volume_id"])
        if server is not None:
            times.setdefault(server, []).append(snap["created_at_micros"])
    return [(max(t) - min(t)) / 1000 for t in times.values() if len(t) > 1]


def table(work, projects, create_seconds, mode, sizes):
    rows = {}
    for size in sizes:
        d = os.path.join(work, str(size))
        run_info = load(os.path.join(d, "run.json"))
        counters = load(os.path.join(d, "counters.json"))
        before = load(os.path.join(d, "state-before.json"))
        newest = load(os.path.join(d, "newest.json"))["backups"]
        servers, volumes, existing = before["servers"], before["volumes"], before["backups"]
        # Each new backup: its create and its export record (disaster recovery).
        bound = pages(servers) + pages(volumes) + pages(existing) + volumes + volumes + servers
        if mode == "snapshot":
            # A snapshot create and delete per volume, and one listing that finds them all available.
            bound += volumes + volumes + pages(volumes)
        lag = cycle_lag = None
        if newest and epoch(newest[0]["created_at"]) >= math.floor(run_info["start"]):
            cinder_done = epoch(newest[0]["created_at"]) + create_seconds
            lag = run_info["end"] - cinder_done
            cycle_end = backup_cycle_end(os.path.join(d, "staffeln.log"))
            cycle_lag = None if cycle_end is None else cycle_end - cinder_done
        polls = max(1, math.ceil(create_seconds / 60))
        upstream = projects + volumes + volumes + volumes * polls
        spreads = snapshot_spreads_ms(d) if mode == "snapshot" else []
        rows[size] = dict(run=run_info, counters=counters, servers=servers, volumes=volumes, existing=existing,
                          bound=bound, lag=lag, cycle_lag=cycle_lag, upstream=upstream, polls=polls, spreads=spreads)

    width = 44
    line = lambda label, cells: print(f"{label:<{width}}" + "".join(f"{c:>14}" for c in cells))
    line(f"servers (2 volumes each, 100 projects), {mode} mode", [f"{s:,}" for s in sizes])
    kinds = sorted({kind(k) for r in rows.values() for k in r["counters"]["requests"]})
    for k in kinds:
        counts = []
        for s in sizes:
            counts.append(sum(v for key, v in rows[s]["counters"]["requests"].items() if kind(key) == k))
        line("  " + k, [f"{c:,}" for c in counts])
    total = [rows[s]["counters"]["total"] for s in sizes]
    line("requests per cycle", [f"{t:,}" for t in total])
    line("lower bound (see below)", [f"{rows[s]['bound']:,}" for s in sizes])
    line("requests / lower bound (target <= 1.2)", [f"{t / rows[s]['bound']:.3f}" for t, s in zip(total, sizes)])
    line("wall time of the cycle, s", [f"{rows[s]['run']['wall']:.1f}" for s in sizes])
    line("peak RSS of staffeln, MiB (target < 64)", [f"{rows[s]['run']['maxrss_kib'] / 1024:.1f}" for s in sizes])
    line("requests per second", [f"{t / rows[s]['run']['wall']:.0f}" for t, s in zip(total, sizes)])
    line("backup cycle's end after Cinder's, s (< 10)",
         ["n/a" if rows[s]["cycle_lag"] is None else f"{rows[s]['cycle_lag']:.1f}" for s in sizes])
    line("exit (+ retention, reports) after it, s",
         ["n/a" if rows[s]["lag"] is None else f"{rows[s]['lag']:.1f}" for s in sizes])
    line("exit code of conductor --once", [str(rows[s]["run"]["rc"]) for s in sizes])
    if mode == "snapshot":
        line("servers whose snapshots were all made", [f"{len(rows[s]['spreads']):,}" for s in sizes])
        p99 = lambda v: statistics.quantiles(v, n=100)[98] if len(v) > 1 else v[0]
        for label, stat in (("median", statistics.median), ("99th percentile", p99), ("max", max)):
            line(f"  snapshot time spread per server, {label}, ms",
                 [f"{stat(rows[s]['spreads']):.1f}" if rows[s]["spreads"] else "n/a" for s in sizes])
    line("upstream Staffeln, MODEL (not measured)", [f"{rows[s]['upstream']:,}" for s in sizes])
    print()
    snapshot_terms = (" + volumes (snapshot creates) + volumes (snapshot deletes) "
                      f"+ ceil(volumes/{PAGE}) (a listing that finds them available)") if mode == "snapshot" else ""
    print(f"lower bound = ceil(servers/{PAGE}) + ceil(volumes/{PAGE}) + ceil(existing backups/{PAGE}) "
          f"+ volumes (creates) + volumes (export records) + servers (metadata updates){snapshot_terms}")
    for s in sizes:
        r = rows[s]
        extra = f" + {r['volumes']:,} + {r['volumes']:,} + {pages(r['volumes'])}" if mode == "snapshot" else ""
        print(f"  {s:,} servers: {pages(r['servers'])} + {pages(r['volumes'])} + {pages(r['existing'])} "
              f"+ {r['volumes']:,} + {r['volumes']:,} + {r['servers']:,}{extra} = {r['bound']:,}")
    print(f"upstream model = projects (a server listing each) + volumes (a GET each) + volumes (creates) "
          f"+ volumes x {rows[sizes[0]]['polls']} (a download of the project's backup list per in-progress "
          f"backup per 60 s poll, backups finishing within {create_seconds} s)")
    print("Cinder's last backup ends at the newest backup's created_at (whole seconds) + backup_create_seconds; "
          "lags are up to 1 s too long")


def main(argv):
    if len(argv) >= 3 and argv[1] == "run":
        run(argv[2], argv[3:])
    elif len(argv) >= 6 and argv[1] == "table":
        table(argv[2], int(argv[3]), float(argv[4]), argv[5], [int(s) for s in argv[6:]])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
