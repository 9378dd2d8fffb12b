#!/usr/bin/env bash
# Benchmarks `staffeln api` with wrk on loopback against a store of 1,000,000 automated backup
# records, for ids present (answer False) and absent (answer True), with 1 and 64 connections,
# 10 s each; then nginx answering a fixed "True" the same way, as the ceiling. Prints a table.
# Usage: bench/bench_api.sh [build dir] (default: build). Needs wrk and nginx (scripts/install-deps --tests).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
staffeln=$(realpath "$build/staffeln")
records=${RECORDS:-1000000}
duration=${DURATION:-10s}

work=$(mktemp -d /tmp/staffeln-bench-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 tests/support/free_port.py; }
wait_port() { for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

api_port=$(free_port)
cat >"$work/staffeln.conf" <<CONF
[DEFAULT]
log_file = $work/api.log
[database]
connection = sqlite:///$work/staffeln.db
[api]
host = 127.0.0.1
port = $api_port
CONF
"$staffeln" --config-file "$work/staffeln.conf" db-manage upgrade >/dev/null
echo "filling the store with $records backup records..." >&2
/usr/bin/python3 bench/make_store.py "$work/staffeln.db" "$records" "$work"
echo "store: $(du -h "$work/staffeln.db" | cut -f1)" >&2

"$staffeln" --config-file "$work/staffeln.conf" api &
api_pid=$!
pids+=("$api_pid")
wait_port "$api_port"

nginx_port=$(free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
daemon off;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log $work/nginx/access.log;
  client_body_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$nginx_port;
    location /v1/backup { default_type text/plain; return 200 "True"; }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
nginx_pid=$!
pids+=("$nginx_pid")
wait_port "$nginx_port"

# CPU time (user + system, clock ticks) used so far by a process and its children's processes.
cpu_ticks() {
  local total=0 pid
  for pid in "$1" $(ps --ppid "$1" -o pid= 2>/dev/null); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# Prints "requests/s p50_ms p99_ms cpu_us_per_request" from one wrk run against server pid.
measure() {
  local port=$1 conns=$2 script=$3 pid=$4 threads=1 before after
  ((conns > 1)) && threads=2
  before=$(cpu_ticks "$pid")
  wrk -t"$threads" -c"$conns" -d"$duration" --latency -s "$script" "http://127.0.0.1:$port" >"$work/wrk.out"
  after=$(cpu_ticks "$pid")
  awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /requests in/ { total = $1 }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    END { printf "%d %.3f %.3f %.1f\n", rps, p50, p99, total ? ticks / hz * 1e6 / total : 0 }' "$work/wrk.out"
}

declare -A rps
# Warm-up, not reported: every worker thread opens its store connection, the page cache fills.
wrk -t2 -c64 -d2s -s "$work/present.lua" "http://127.0.0.1:$api_port" >/dev/null
wrk -t2 -c64 -d2s -s "$work/present.lua" "http://127.0.0.1:$nginx_port" >/dev/null

row='%-9s %-8s %5s %10s %9s %9s %12s\n'
printf "$row" server ids conns "req/s" "p50 ms" "p99 ms" "CPU us/req"
for conns in 1 64; do
  for ids in present absent; do
    read -r r p50 p99 cpu < <(measure "$api_port" "$conns" "$work/$ids.lua" "$api_pid")
    rps[staffeln-$ids-$conns]=$r
    printf "$row" staffeln "$ids" "$conns" "$r" "$p50" "$p99" "$cpu"
  done
  read -r r p50 p99 cpu < <(measure "$nginx_port" "$conns" "$work/present.lua" "$nginx_pid")
  rps[nginx-$conns]=$r
  printf "$row" nginx "-" "$conns" "$r" "$p50" "$p99" "$cpu"
done

peak_kib=$(awk '/VmHWM/ {print $2}' "/proc/$api_pid/status")
for conns in 1 64; do
  for ids in present absent; do
    awk -v s="${rps[staffeln-$ids-$conns]}" -v n="${rps[nginx-$conns]}" -v c="$conns" -v i="$ids" \
      'BEGIN { printf "staffeln/nginx, %s ids, %d connection(s): %.0f%%\n", i, c, 100 * s / n }'
  done
done
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores: above 2 means the figures are shared)"
echo "staffeln api peak RSS: $((peak_kib / 1024)) MiB ($peak_kib KiB); answers logged: $(wc -l <"$work/api.log")"
grep -E "WARNING|ERROR" "$work/api.log" | head -5 || true
