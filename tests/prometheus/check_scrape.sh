#!/bin/bash
# CTest prometheus_scrape: a real Prometheus (Debian's prometheus package) on loopback scrapes a
# running `staffeln api` and `staffeln conductor` (with [conductor] metrics_listen) against
# staffeln-simcloud; after the conductor's first backup cycle, PromQL queries through Prometheus'
# HTTP API must give what the simulated cloud holds, and `promtool check metrics` must pass on
# both endpoints. Exits 77 (skipped) only when prometheus or promtool is not installed.
# Usage: check_scrape.sh STAFFELN STAFFELN-SIMCLOUD SOURCE-DIR
set -euo pipefail
staffeln=$1
simcloud=$2
src=$3
for tool in prometheus promtool; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (apt-get install prometheus): skipped"; exit 77; }
done

work=$(mktemp -d /tmp/staffeln-prometheus-test.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAILED: $*" >&2
  for log in "$work"/*.log; do echo "== $log" >&2; tail -n 30 "$log" >&2; done
  exit 1
}
free_port() { /usr/bin/python3 "$(dirname "$0")/../support/free_port.py"; }
# Waits up to $1 tenths of a second for the command after it to succeed.
wait_for() {
  local tries=$1
  shift
  for _ in $(seq "$tries"); do "$@" && return 0; sleep 0.1; done
  return 1
}

"$simcloud" --scenario "$src/tests/fixtures/simcloud/demo.json" --port 0 --backup-create-seconds 0.2 \
  --openrc "$work/openrc" >"$work/simcloud.url" 2>"$work/simcloud.log" &
pids+=($!)
wait_for 100 test -s "$work/simcloud.url" || fail "staffeln-simcloud did not start"
sim_url=$(head -n1 "$work/simcloud.url")
# shellcheck disable=SC1091
source "$work/openrc"

api_port=$(free_port)
metrics_port=$(free_port)
prom_port=$(free_port)
cat >"$work/staffeln.conf" <<CONF
[conductor]
backup_metadata_key = __staffeln_backup
retention_metadata_key = __staffeln_retention
backup_poll_interval = 1
metrics_listen = 127.0.0.1:$metrics_port

[api]
host = 127.0.0.1
port = $api_port

[database]
connection = sqlite:///$work/staffeln.db
CONF
"$staffeln" --config-file "$work/staffeln.conf" db-manage upgrade >"$work/db-manage.log" 2>&1 ||
  fail "db-manage upgrade failed"
"$staffeln" --config-file "$work/staffeln.conf" conductor >"$work/conductor.log" 2>&1 &
pids+=($!)
"$staffeln" --config-file "$work/staffeln.conf" api >"$work/api.log" 2>&1 &
pids+=($!)
wait_for 300 grep -q "backup cycle finished" "$work/conductor.log" || fail "the conductor's first backup cycle did not finish"
wait_for 100 curl -sf "http://127.0.0.1:$api_port/v1/health" -o /dev/null || fail "the API did not start"

# One answer of each kind, for staffeln_api_answers_total and the latency histogram.
automated=$(python3 - "$work/staffeln.db" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT backup_id FROM backups LIMIT 1").fetchone()[0])
PY
)
[[ $(curl -sf "http://127.0.0.1:$api_port/v1/backup?backup_id=$automated") == False ]] || fail "the API did not protect $automated"
[[ $(curl -sf "http://127.0.0.1:$api_port/v1/backup?backup_id=not-a-backup-of-ours") == True ]] || fail "the API protected an unknown id"

for endpoint in "127.0.0.1:$api_port" "127.0.0.1:$metrics_port"; do
  curl -sf "http://$endpoint/metrics" -o "$work/page.txt" || fail "GET http://$endpoint/metrics failed"
  promtool check metrics <"$work/page.txt" >"$work/promtool.log" 2>&1 ||
    fail "promtool check metrics on http://$endpoint/metrics: $(cat "$work/promtool.log")"
done

cat >"$work/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: staffeln-api
    static_configs: [{targets: ["127.0.0.1:$api_port"]}]
  - job_name: staffeln-conductor
    static_configs: [{targets: ["127.0.0.1:$metrics_port"]}]
CONF
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)

# The value of a PromQL query with one result, or nothing while there is none.
query() {
  curl -sf "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
result = json.load(sys.stdin)["data"]["result"]
print(result[0]["value"][1] if len(result) == 1 else "")'
}
has_value() { [[ -n $(query "$1" 2>/dev/null) ]]; }
wait_for 300 has_value 'count(up{job="staffeln-conductor"} == 1) + count(up{job="staffeln-api"} == 1) == 2' ||
  fail "Prometheus did not scrape both endpoints"
wait_for 100 has_value 'sum(staffeln_api_answers_total{job="staffeln-api"})' || fail "no API answers scraped"

made=$(curl -sf "$sim_url/_sim/backups" | python3 -c '
import json, sys
print(sum(1 for b in json.load(sys.stdin)["backups"] if "staffeln:task" in (b.get("metadata") or {})))')
[[ $made -eq 4 ]] || fail "the simulated cloud holds $made backups of staffeln's, demo.json's tagged servers have 4 volumes"

expect() {  # PromQL, expected value
  local got
  got=$(query "$1")
  [[ "$got" == "$2" ]] || fail "$1 is '$got', expected '$2'"
  echo "ok: $1 = $2"
}
expect 'sum(staffeln_backups_created_total{job="staffeln-conductor"})' "$made"
expect 'sum(staffeln_backups_succeeded_total{job="staffeln-conductor"})' "$made"
expect 'count(staffeln_volume_last_backup_timestamp_seconds{job="staffeln-conductor"})' "$made"
expect 'count(staffeln_volume_last_backup_timestamp_seconds{job="staffeln-api"})' "$made"
# Both endpoints read the same store: the same series, value for value.
expect 'count(staffeln_volume_last_backup_timestamp_seconds{job="staffeln-api"} == ignoring(job, instance) staffeln_volume_last_backup_timestamp_seconds{job="staffeln-conductor"})' "$made"
expect 'count(time() - staffeln_volume_last_backup_timestamp_seconds{job="staffeln-conductor"} < 600)' "$made"
expect 'staffeln_role_held{job="staffeln-conductor",role="puller"}' 1
expect 'staffeln_cycles_total{job="staffeln-conductor",kind="backup",outcome="success"} >= bool 1' 1
expect 'staffeln_store_up{job="staffeln-api"}' 1
expect 'sum(staffeln_tasks_in_flight{job="staffeln-conductor"}) or vector(0)' 0
# Every protected volume has its backup now: none is reported without one.
expect 'count(staffeln_volume_without_backup_since_timestamp_seconds) or vector(0)' 0
expect 'sum(staffeln_cloud_requests_total{job="staffeln-conductor",service="cinder",method="POST",status_class="2xx"}) >= bool 4' 1
expect 'staffeln_api_answers_total{job="staffeln-api",answer="False",reason="automated"}' 1
expect 'staffeln_api_answers_total{job="staffeln-api",answer="True",reason="not_automated"}' 1
expect 'staffeln_api_answer_duration_seconds_count{job="staffeln-api"}' 2

# Every expression of the Grafana dashboard evaluates on this Prometheus, and the panels that
# describe the backups just made have data.
python3 - "$src/packaging/grafana/staffeln.json" "$prom_port" <<'PY' || fail "the Grafana dashboard's queries"
import json, sys, urllib.parse, urllib.request
dashboard = json.load(open(sys.argv[1]))
must_have_data = {"Volumes with a backup", "Coverage", "Oldest newest backup, by project", "Role holders",
                  "Cycle duration", "API answer latency"}
for panel in dashboard["panels"]:
    for target in panel.get("targets", []):
        expr = target["expr"].replace("$__rate_interval", "1m").replace("$project", ".*")
        query = urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[2]}/api/v1/query?{query}", timeout=10) as answer:
            body = json.load(answer)
        if body["status"] != "success":
            sys.exit(f"panel {panel['title']!r}: {expr}: {body}")
        if panel["title"] in must_have_data and target["refId"] == "A" and not body["data"]["result"]:
            sys.exit(f"panel {panel['title']!r}: no data from {expr}")
        print(f"ok: panel {panel['title']!r} {target['refId']}: {len(body['data']['result'])} series")
PY
echo "== prometheus scrape test passed in $SECONDS s"
