#!/usr/bin/env bash
# Benchmarks one `staffeln conductor --once` cycle (backups, retention, reports) against
# staffeln-simcloud with 1,000 and 10,000 tagged servers of 2 volumes each in 100 projects and
# 5 ms latency on every request. Prints, per size, the requests by kind, the lower bound, wall
# time, peak RSS, requests/s, the lag after Cinder's last backup, and upstream's modelled count.
# Usage: bench/bench_conductor.sh [build dir] (default: build).
# SIZES, WORKERS (backup_workers), LATENCY_MS, CREATE_SECONDS (backup_create_seconds),
# BACKUPS_PER_VOLUME (existing backups), SIM_THREADS change the set-up. MODE=snapshot runs the
# cycle with [conductor] backup_mode = snapshot and adds the spread of each server's snapshot
# times to the table.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
staffeln=$(realpath "$build/staffeln")
simcloud=$(realpath "$build/staffeln-simcloud")
sizes=${SIZES:-1000 10000}
workers=${WORKERS:-16}
latency_ms=${LATENCY_MS:-5}
create_seconds=${CREATE_SECONDS:-5}
backups_per_volume=${BACKUPS_PER_VOLUME:-1}
sim_threads=${SIM_THREADS:-64}
mode=${MODE:-volume}
[[ "$mode" == volume || "$mode" == snapshot ]] || { echo "MODE must be volume or snapshot, not '$mode'" >&2; exit 2; }
projects=100

work=$(mktemp -d /tmp/staffeln-bench-conductor-XXXXXX)
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

run_size() {
  local servers=$1 dir="$work/$1"
  mkdir -p "$dir"
  cat >"$dir/scenario.json" <<JSON
{"settings": {"backup_create_seconds": $create_seconds, "backup_delete_seconds": 1, "token_lifetime_seconds": 7200,
              "snapshot_create_seconds": 1, "snapshot_delete_seconds": 600},
 "generate": {"projects": $projects, "servers_per_project": $((servers / projects)), "volumes_per_server": 2,
              "backups_per_volume": $backups_per_volume, "full_every": 7, "backup_interval_hours": 24}}
JSON
  echo "size $servers: starting staffeln-simcloud..." >&2
  "$simcloud" --scenario "$dir/scenario.json" --port 0 --threads "$sim_threads" --openrc "$dir/openrc" \
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
retention_metadata_key = __staffeln_retention
backup_workers = $workers
rotation_workers = $workers
backup_cycle_timeout = 10min
backup_mode = $mode
[database]
connection = sqlite:///$dir/staffeln.db
CONF
  "$staffeln" --config-file "$dir/staffeln.conf" db-manage upgrade >/dev/null

  sim GET state >"$dir/state-before.json"
  sim POST faults "{\"latency_ms\": $latency_ms}" >/dev/null
  sim DELETE counters >/dev/null
  echo "size $servers: running staffeln conductor --once..." >&2
  (
    # shellcheck disable=SC1091
    source "$dir/openrc"
    /usr/bin/python3 bench/conductor_cycle.py run "$dir/run.json" \
        "$staffeln" --config-file "$dir/staffeln.conf" conductor --once >"$dir/conductor.out" 2>&1
  ) || true
  sim GET counters >"$dir/counters.json"
  sim DELETE faults >/dev/null
  sim GET "backups?limit=1" >"$dir/newest.json"
  sim GET state >"$dir/state-after.json"
  # Deleted snapshots stay `deleting` for snapshot_delete_seconds: their creation times are still here.
  sim GET snapshots >"$dir/snapshots.json"
  stop_simcloud
  grep -E "^(backup cycle|retention):" "$dir/conductor.out" | sed "s/^/size $servers: /" >&2 || true
}

for size in $sizes; do run_size "$size"; done
/usr/bin/python3 bench/conductor_cycle.py table "$work" "$projects" "$create_seconds" "$mode" $sizes
echo "backup_mode = $mode, backup_workers = $workers, $latency_ms ms per request, backups finish $create_seconds s after their create," \
     "$backups_per_volume existing backup(s) per volume; load average $(cut -d' ' -f1-3 /proc/loadavg) (2 cores)"
