#!/usr/bin/env bash
# docs/upgrade-from-upstream.md followed step by step on a fresh Debian 12 machine: a container made
# from Debian's archive (mmdebstrap, variant apt: no staffeln dependency preinstalled), standing in
# for a host that runs upstream Staffeln, and the simulated cloud on the host's loopback holding
# upstream's backups as upstream makes them (named <server>_<volume id>_<unix time>, untagged).
# In the container, first what the host already has (upstream's MariaDB database at its head
# revision with its backup_data rows, upstream's sample staffeln.conf with a MySQL connection and
# the cloud's openrc), then the guide's steps, each printed with the command it runs: install the
# .deb with apt, db-manage upgrade, import-upstream --dry-run, import-upstream, a second import,
# conductor --once, the API's answer for an adopted backup, the MySQL URL removed.
# Not part of CI (a few minutes, and it downloads the packages): run it by hand after changing the
# guide, the package or the import. Needs root, podman, mmdebstrap and the archive.
# Usage: tests/deploy/migration_walkthrough.sh SOURCE_DIR DEB SIMCLOUD_BINARY [WORK_DIR]
set -euo pipefail
src=$(cd "$1" && pwd)
deb=$(realpath "$2")
simcloud=$(realpath "$3")
work=${4:-$(mktemp -d /tmp/staffeln-walkthrough.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)

for tool in podman mmdebstrap; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install podman mmdebstrap runc)" >&2; exit 1; }
done
fail() { echo "FAIL: $*" >&2; exit 1; }
start=$SECONDS

# The fresh machine: Debian 12 as the archive has it today, plus curl to ask the API.
if [[ ! -s "$work/rootfs.tar" ]]; then
  mmdebstrap --variant=apt --include=ca-certificates,curl bookworm "$work/rootfs.tar" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main"
fi
podman=(podman --root "$work/storage/root" --runroot "$work/storage/run" --storage-driver "${STAFFELN_IMAGE_DRIVER:-overlay}")
if command -v runc >/dev/null; then podman+=(--runtime runc); fi
"${podman[@]}" image exists localhost/fresh-debian12 || "${podman[@]}" import "$work/rootfs.tar" localhost/fresh-debian12 >/dev/null

# The cloud: demo.json's servers, with upstream's backups of them. Their ids are fixed so that the
# database rows below can name them; their times are relative to now, as a running upstream leaves them.
now=$(date +%s)
/usr/bin/python3 - "$src/tests/fixtures/simcloud/demo.json" "$work/cloud.json" "$now" <<'PY'
import json, sys, time
scenario = json.load(open(sys.argv[1]))
now = int(sys.argv[3])
def made(backup_id, volume, volume_id, server, age_hours, incremental):
    at = now - age_hours * 3600
    return {"id": backup_id, "volume": volume, "user": "demo", "incremental": incremental,
            "name": f"{server}_{volume_id}_{at}", "status": "available",
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))}
scenario["backups"] += [
    made("00000000-0000-4000-8000-0000000000f1", "web-1-data", "8b55d7d0-b30f-4916-a30f-694b5aaad9e6", "web-1", 48, False),
    made("00000000-0000-4000-8000-0000000000a1", "web-1-data", "8b55d7d0-b30f-4916-a30f-694b5aaad9e6", "web-1", 24, True),
    made("00000000-0000-4000-8000-0000000000f2", "db-1-root", "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", "db-1", 30, False),
]
# Upstream's sample staffeln.conf names its own key: the servers carry that one, as on its cloud.
for server in scenario["servers"]:
    server["metadata"] = {("__automated_backup" if k == "__staffeln_backup" else k): v
                          for k, v in server.get("metadata", {}).items()}
json.dump(scenario, open(sys.argv[2], "w"), indent=1)
PY
mkdir -p "$work/in"
cp "$deb" "$work/in/staffeln.deb"
cp "$src/tests/fixtures/upstream_schema.sql" "$src/../shared/upstream/staffeln.conf" "$work/in/"
sim_pid=""
cleanup() { if [[ -n "$sim_pid" ]]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT
"$simcloud" --scenario "$work/cloud.json" --port 0 --openrc "$work/in/openrc" >"$work/simcloud.url" 2>"$work/simcloud.log" &
sim_pid=$!
for _ in $(seq 100); do [[ -s "$work/simcloud.url" ]] && break; sleep 0.1; done
[[ -s "$work/simcloud.url" ]] || fail "staffeln-simcloud did not start: $(cat "$work/simcloud.log")"
sql_time() { date -u -d "@$1" '+%Y-%m-%d %H:%M:%S'; }
cat >"$work/in/upstream_rows.sql" <<SQL
INSERT INTO backup_data (created_at, updated_at, backup_id, project_id, volume_id, instance_id, backup_completed, incremental) VALUES
 ('$(sql_time $((now - 48 * 3600 + 600)))', NULL, '00000000-0000-4000-8000-0000000000f1', '36c9253a0e304fb4ab70dcd8b616c0f9', '8b55d7d0-b30f-4916-a30f-694b5aaad9e6', '3f44cd31-d8f6-485d-8081-7407c39f6037', 1, 0),
 ('$(sql_time $((now - 24 * 3600 + 600)))', NULL, '00000000-0000-4000-8000-0000000000a1', '36c9253a0e304fb4ab70dcd8b616c0f9', '8b55d7d0-b30f-4916-a30f-694b5aaad9e6', '3f44cd31-d8f6-485d-8081-7407c39f6037', 1, 1),
 ('$(sql_time $((now - 30 * 3600 + 600)))', NULL, '00000000-0000-4000-8000-0000000000f2', '36c9253a0e304fb4ab70dcd8b616c0f9', 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f', '6a1c2e3f-4b5d-4c7e-8f9a-0b1c2d3e4f50', 1, 0),
 ('$(sql_time $((now - 72 * 3600)))', NULL, '00000000-0000-4000-8000-00000000900e', '36c9253a0e304fb4ab70dcd8b616c0f9', 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f', '6a1c2e3f-4b5d-4c7e-8f9a-0b1c2d3e4f50', 1, 0);
SQL

cat >"$work/in/operator.sh" <<'OPERATOR'
set -euo pipefail
step() { printf '\n=== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
export DEBIAN_FRONTEND=noninteractive

step "the host as upstream left it: MariaDB with upstream's database, upstream's staffeln.conf, the openrc"
apt-get update -qq
apt-get install -y -qq mariadb-server >/dev/null
mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
mariadbd --user=mysql --skip-networking=0 --bind-address=127.0.0.1 --port=3306 >/var/log/mariadbd.log 2>&1 &
for _ in $(seq 100); do mariadb -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done
mariadb -e "CREATE DATABASE staffeln; CREATE USER 'staffeln'@'localhost' IDENTIFIED BY 'upstream-db-secret';
            GRANT ALL ON staffeln.* TO 'staffeln'@'localhost';"
mariadb staffeln < /in/upstream_schema.sql
mariadb staffeln < /in/upstream_rows.sql
mkdir -p /etc/staffeln
sed 's|^connection = .*|connection = "mysql+pymysql://staffeln:upstream-db-secret@localhost:3306/staffeln"|' \
  /in/staffeln.conf > /etc/staffeln/staffeln.conf
cp /in/openrc /etc/staffeln/openrc
grep -n '^connection\|^backup_metadata_key' /etc/staffeln/staffeln.conf
mariadb -N staffeln -e 'SELECT COUNT(*), (SELECT version_num FROM alembic_version) FROM backup_data'

step "1. install staffeln beside upstream (the .deb; its postinst runs db-manage upgrade)"
run apt-get install -y -q -o Dpkg::Options::=--force-confold /in/staffeln.deb
run ls -l /etc/staffeln/staffeln.conf
run ls -l /var/lib/staffeln
run staffeln --config-file /etc/staffeln/staffeln.conf db-manage upgrade
run staffeln --config-file /etc/staffeln/staffeln.conf db-manage version

step "2. upstream's conductors stopped (none runs on this host)"

step "3. import-upstream --dry-run"
set -a; . /etc/staffeln/openrc; set +a
before=$(mariadb -N staffeln -e 'CHECKSUM TABLE backup_data, queue_data, alembic_version')
run runuser -u staffeln -- staffeln --config-file /etc/staffeln/staffeln.conf db-manage import-upstream --dry-run

step "4. import-upstream, then again (idempotent)"
run runuser -u staffeln -- staffeln --config-file /etc/staffeln/staffeln.conf db-manage import-upstream
run runuser -u staffeln -- staffeln --config-file /etc/staffeln/staffeln.conf db-manage import-upstream
after=$(mariadb -N staffeln -e 'CHECKSUM TABLE backup_data, queue_data, alembic_version')
[ "$before" = "$after" ] && echo "upstream's database unchanged (CHECKSUM TABLE)" || { echo "upstream's database CHANGED"; exit 1; }

step "5. start the conductor (one cycle here: no systemd in this container) and the API"
run runuser -u staffeln -- staffeln-conductor --config-file /etc/staffeln/staffeln.conf --once
runuser -u staffeln -- staffeln-api --config-file /etc/staffeln/staffeln.conf >/tmp/api.log 2>&1 &
for _ in $(seq 100); do curl -sf http://127.0.0.1:8808/v1/health >/dev/null && break; sleep 0.1; done
for id in 00000000-0000-4000-8000-0000000000f1 00000000-0000-4000-8000-0000000000a1 4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f; do
  printf '$ curl http://127.0.0.1:8808/v1/backup?backup_id=%s -> ' "$id"
  curl -s -o /dev/stdout -w ' (%{http_code})\n' "http://127.0.0.1:8808/v1/backup?backup_id=$id"
done

run runuser -u staffeln -- staffeln --config-file /etc/staffeln/staffeln.conf restore list --server web-1

step "6. the import completed: remove the MySQL URL, the conductor runs on its own store"
sed -i 's|^connection = .*|connection = sqlite:////var/lib/staffeln/staffeln.db|' /etc/staffeln/staffeln.conf
run runuser -u staffeln -- staffeln-conductor --config-file /etc/staffeln/staffeln.conf --once
OPERATOR

url=$(cat "$work/simcloud.url")
echo "== simulated cloud at $url; fresh Debian 12 container from $work/rootfs.tar"
"${podman[@]}" run --rm --network host --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 \
  -v "$work/in:/in:ro" localhost/fresh-debian12 bash /in/operator.sh 2>&1 | tee "$work/transcript.txt"
status=${PIPESTATUS[0]}
[[ $status -eq 0 ]] || fail "the walkthrough stopped (exit $status); transcript: $work/transcript.txt"
# What the guide promises at each step, read off the transcript.
expect() { grep -qF -- "$1" "$work/transcript.txt" || fail "the transcript ($work/transcript.txt) lacks: $1"; }
expect "Using current old file as you requested."
expect "dry run, nothing changed: would be 3 tagged, 0 already tagged (0 recorded now), 1 gone from Cinder, 0 skipped"
expect "3 tagged, 0 already tagged (0 recorded now), 1 gone from Cinder, 0 skipped"
expect "0 tagged, 3 already tagged (0 recorded now), 1 gone from Cinder, 0 skipped"
expect "upstream's database unchanged (CHECKSUM TABLE)"
expect "(incremental 1 of 4 on backup 00000000-0000-4000-8000-0000000000f2)"
expect "(incremental 2 of 4 on backup 00000000-0000-4000-8000-0000000000a1)"
expect "backup cycle: 4 started, 4 succeeded, 0 failed, 0 cancelled, 0 skipped, 0 adopted"
expect "backup_id=00000000-0000-4000-8000-0000000000f1 -> False (200)"
expect "backup_id=00000000-0000-4000-8000-0000000000a1 -> False (200)"
expect "backup_id=4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f -> True (200)"
expect "backup cycle: 0 started, 0 succeeded, 0 failed, 0 cancelled, 4 skipped, 0 adopted"
echo "== walkthrough done in $((SECONDS - start)) s; transcript: $work/transcript.txt"
