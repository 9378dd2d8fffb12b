#!/usr/bin/env bash
# Benchmarks `staffeln restore` against staffeln-simcloud: one server of 3 volumes
# (`restore --server`) and one project of 100 servers of 1 volume each (`restore --project`),
# each after one `staffeln conductor --once` backed every volume up. Prints, per case, the
# requests by kind (from /_sim/counters), the wall time of the restore command and its bound:
# the slowest single volume restore (volume_create_seconds + restore_seconds_per_gib x its size)
# times the rounds the workers need (ceil(volumes / backup_workers)).
# Usage: bench/bench_restore.sh [build dir] (default: build).
# GIB (volume size), SECONDS_PER_GIB (restore_seconds_per_gib), CREATE_SECONDS
# (volume_create_seconds), LATENCY_MS (on every request), SERVERS and VOLUMES_PER_SERVER (of the
# project case) and PROJECT_WORKERS (its backup_workers, default: one per volume) change the
# set-up. The simulated cloud serves a kept-alive connection per thread (256 at most): past about
# 100 workers their connections wait for a thread, and time out after 60 s.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
staffeln=$(realpath "$build/staffeln")
simcloud=$(realpath "$build/staffeln-simcloud")
gib=${GIB:-2}
seconds_per_gib=${SECONDS_PER_GIB:-2}
create_seconds=${CREATE_SECONDS:-1}
latency_ms=${LATENCY_MS:-5}
servers=${SERVERS:-100}
per_server=${VOLUMES_PER_SERVER:-1}
project_workers=${PROJECT_WORKERS:-$((servers * per_server))}

work=$(mktemp -d /tmp/staffeln-bench-restore-XXXXXX)
sim_pid=""
stop_simcloud() {
  if [[ -n "$sim_pid" ]]; then kill -TERM "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  sim_pid=""
}
cleanup() {
  stop_simcloud
  if [[ "${KEEP:-0}" == 1 ]]; then echo "kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

sim() { curl -sf -X "$1" "$base/_sim/$2" ${3:+-H 'Content-Type: application/json' -d "$3"}; }

# run_case NAME SERVERS VOLUMES_PER_SERVER WORKERS RESTORE-ARGS...
run_case() {
  local name=$1 n=$2 per=$3 workers=$4 dir="$work/$1"
  shift 4
  mkdir -p "$dir"
  cat >"$dir/scenario.json" <<JSON
{"settings": {"backup_create_seconds": 0.5, "backup_delete_seconds": 1, "token_lifetime_seconds": 7200,
              "volume_create_seconds": $create_seconds, "restore_seconds_per_gib": $seconds_per_gib},
 "generate": {"projects": 1, "servers_per_project": $n, "volumes_per_server": $per,
              "backups_per_volume": 0, "volume_size": $gib}}
JSON
  echo "$name: starting staffeln-simcloud..." >&2
  "$simcloud" --scenario "$dir/scenario.json" --port 0 --threads 256 --openrc "$dir/openrc" \
      >"$dir/simcloud.url" 2>"$dir/simcloud.log" &
  sim_pid=$!
  for _ in $(seq 600); do [[ -s "$dir/simcloud.url" ]] && break; sleep 0.1; done
  [[ -s "$dir/simcloud.url" ]] || { cat "$dir/simcloud.log" >&2; echo "staffeln-simcloud did not start" >&2; exit 1; }
  base=$(cat "$dir/simcloud.url")
  cat >"$dir/staffeln.conf" <<CONF
[DEFAULT]
log_file = $dir/staffeln.log
[conductor]
backup_metadata_key = __staffeln_backup
backup_workers = $workers
backup_min_interval = 0
[database]
connection = sqlite:///$dir/staffeln.db
CONF
  "$staffeln" --config-file "$dir/staffeln.conf" db-manage upgrade >/dev/null
  (
    # shellcheck disable=SC1091
    source "$dir/openrc"
    echo "$name: backing up with staffeln conductor --once..." >&2
    "$staffeln" --config-file "$dir/staffeln.conf" conductor --once >"$dir/conductor.out" 2>&1
    project=$(curl -sf "$base/_sim/backups?limit=1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["backups"][0]["project_id"])')
    server=$("$staffeln" --config-file "$dir/staffeln.conf" restore list --project "$project" --format json |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["servers"][0]["id"])')
    sim POST faults "{\"latency_ms\": $latency_ms}" >/dev/null
    sim DELETE counters >/dev/null
    args=("$@")
    for i in "${!args[@]}"; do args[$i]=${args[$i]//@PROJECT@/$project}; args[$i]=${args[$i]//@SERVER@/$server}; done
    echo "$name: staffeln restore ${args[*]}..." >&2
    start=$(date +%s.%N)
    "$staffeln" --config-file "$dir/staffeln.conf" restore "${args[@]}" --format json >"$dir/restore.json" \
        2>"$dir/restore.err" || { cat "$dir/restore.err" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$start $end" >"$dir/wall"
  )
  sim GET counters >"$dir/counters.json"
  sim DELETE faults >/dev/null
  stop_simcloud
  echo "$name $n $per $workers" >>"$work/cases"
}

run_case server 1 3 3 --server @SERVER@
run_case project "$servers" "$per_server" "$project_workers" --project @PROJECT@

/usr/bin/python3 - "$work" "$gib" "$seconds_per_gib" "$create_seconds" <<'PY'
import json, math, sys, pathlib
work, gib, per_gib, create = pathlib.Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
rows = []
for line in (work / "cases").read_text().split("\n"):
    if not line:
        continue
    name, n, per, workers = line.split()
    n, per, workers = int(n), int(per), int(workers)
    counters = json.loads((work / name / "counters.json").read_text())
    start, end = map(float, (work / name / "wall").read_text().split())
    out = json.loads((work / name / "restore.json").read_text())
    servers = out["servers"] if "servers" in out else [out]
    restored = sum(1 for s in servers for v in s["volumes"] if v["restored"])
    volumes = n * per
    single = create + per_gib * gib
    bound = single * math.ceil(volumes / workers)
    rows.append((name, n, volumes, workers, counters, end - start, single, bound, restored, out["status"]))
for name, n, volumes, workers, counters, wall, single, bound, restored, status in rows:
    print(f"{name}: {n} server(s), {volumes} volumes of the same size, backup_workers = {workers}: {status}, "
          f"{restored} restored")
    for kind, count in sorted(counters["requests"].items(), key=lambda kv: -kv[1]):
        print(f"  {kind:<58} {count:>6}")
    print(f"  {'requests':<58} {counters['total']:>6}")
    print(f"  {'requests per volume':<58} {counters['total'] / volumes:>6.1f}")
    print(f"  {'slowest single volume (create + restore), s':<58} {single:>6.1f}")
    print(f"  {'bound: that x ceil(volumes / workers), s':<58} {bound:>6.1f}")
    print(f"  {'wall time of staffeln restore, s':<58} {wall:>6.1f}")
    print(f"  {'wall / bound':<58} {wall / bound:>6.2f}")
PY
echo "volumes of $gib GiB, restored at $seconds_per_gib s per GiB after a $create_seconds s create, $latency_ms ms per request;" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg) (2 cores)"
