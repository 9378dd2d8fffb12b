#!/usr/bin/env bash
# The end-to-end test cloud: real OpenStack zed services from Debian 12 packages, on 127.0.0.1 only.
# Usage: cloud.sh start|stop|status STATE_DIR
#   start   writes every config into STATE_DIR, starts MariaDB, RabbitMQ, Keystone, Placement, Nova
#           (fake.FakeDriver compute), Cinder (NFS driver over a bind mount, POSIX backups) and a
#           network stub, bootstraps identities, catalog and a flavor, and returns once READY.
#           Writes STATE_DIR/openrc-admin, openrc-demo, openrc-alt and clouds.yaml (0600).
#   stop    ends exactly the process groups start recorded in STATE_DIR/pids, and the bind mounts.
#   status  lists the recorded services and whether each still runs; non-zero if one is down.
# Needs the packages of install.sh, and root (mariadbd/rabbit run as root, the bind mount).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3   # Debian's interpreter: the OpenStack modules live in its dist-packages
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

port_keystone=5000 port_nova=8774 port_cinder=8776 port_placement=8778 port_net=9696
port_amqp=5672 port_epmd=4369 port_dist=25672
region=RegionOne
host_name=staffeln-e2e

declare -A setup_pids=()

die() { echo "cloud.sh: $*" >&2; exit 1; }

usage() { die "usage: cloud.sh start|stop|status STATE_DIR"; }

# --- processes -------------------------------------------------------------------------------

# Field 22 of /proc/PID/stat (start time in ticks), so a recycled PID is never mistaken for ours.
start_ticks() {
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) }
  set -- $stat
  echo "${20}"
}

# Starts NAME as the leader of a new session (so its workers and helpers share its process group),
# output to logs/NAME.log, and records "PID STARTTICKS" in pids/NAME.
launch() {
  local name=$1; shift
  setsid "$@" >>"$S/logs/$name.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid $(start_ticks "$pid" || echo 0)" >"$S/pids/$name"
}

# Members of process group PGID, as PIDs.
group_members() { pgrep -g "$1" || true; }

# PID and all its descendants, as PIDs (children first).
tree_members() {
  local child
  for child in $(pgrep -P "$1" || true); do tree_members "$child"; done
  [[ -e /proc/$1 ]] && echo "$1"
  return 0
}

# True while NAME's recorded leader (the same process, by start time) runs.
alive() {
  local pid ticks kind
  read -r pid ticks kind <"$S/pids/$1" || return 1
  [[ -e /proc/$pid ]] && [[ "$(start_ticks "$pid" || true)" == "$ticks" ]]
}

tail_log() {
  local name=$1
  echo "----- last lines of $S/logs/$name.log -----" >&2
  tail -n 40 "$S/logs/$name.log" >&2 2>/dev/null || true
  echo "-----" >&2
}

# fail NAME MESSAGE: reports, shows NAME's log, ends any schema migration still running, exits 1.
fail() {
  local name=$1 p; shift
  echo "cloud.sh: $*" >&2
  tail_log "$name"
  for p in "${setup_pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  exit 1
}

# wait_until NAME SECONDS COMMAND...: polls COMMAND every 0.5 s; fails (with NAME's log) on timeout
# or as soon as NAME's process has died.
wait_until() {
  local name=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if [[ -e "$S/pids/$name" ]] && ! alive "$name"; then fail "$name" "$name died while starting"; fi
    ((SECONDS < deadline)) || fail "$name" "$name not ready after ${secs}s"
    sleep 0.5
  done
}

tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

http_up() { curl -s -o /dev/null --max-time 5 "$1"; }

check_ports_free() {
  local p
  for p in $port_keystone $port_nova $port_cinder $port_placement $port_net $port_amqp $port_epmd $port_dist; do
    if tcp_open "$p"; then die "port $p on 127.0.0.1 is already in use (another cloud running? try cloud.sh stop)"; fi
  done
}

# --- configuration ---------------------------------------------------------------------------

secret() { head -c 18 /dev/urandom | base64 | tr -d '/+=' ; }

load_secrets() {
  if [[ ! -s "$S/secrets" ]]; then
    (umask 077; printf 'db=%s\nadmin=%s\ndemo=%s\nalt=%s\nservice=%s\n' \
      "$(secret)" "$(secret)" "$(secret)" "$(secret)" "$(secret)" >"$S/secrets")
  fi
  local k v
  while IFS='=' read -r k v; do printf -v "pw_$k" '%s' "$v"; done <"$S/secrets"
}

db_url() { echo "mysql+pymysql://openstack:${pw_db}@localhost/$1?unix_socket=$S/run/mysqld.sock&charset=utf8"; }

# keystone_auth SECTION USER: a keystoneauth password section for service user USER.
keystone_auth() {
  cat <<EOF
[$1]
auth_type = password
auth_url = http://127.0.0.1:$port_keystone/v3
www_authenticate_uri = http://127.0.0.1:$port_keystone/v3
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $pw_service
region_name = $region
interface = public
EOF
}

write_configs() {
  local e=$S/etc transport="rabbit://guest:guest@127.0.0.1:$port_amqp/"
  mkdir -p "$e"/{keystone,placement,nova,cinder,rabbitmq}
  (umask 077
  cat >"$e/keystone/keystone.conf" <<EOF
[DEFAULT]
debug = false
[database]
connection = $(db_url keystone)
[token]
provider = fernet
[fernet_tokens]
key_repository = $S/keystone/fernet-keys
[credential]
key_repository = $S/keystone/credential-keys
[identity]
# bcrypt's minimum: every password login verifies a hash, and tests log in often.
password_hash_rounds = 4
EOF

  cat >"$e/placement/placement.conf" <<EOF
[placement_database]
connection = $(db_url placement)
[api]
auth_strategy = keystone
$(keystone_auth keystone_authtoken placement)
EOF

  cat >"$e/nova/nova.conf" <<EOF
[DEFAULT]
host = $host_name
my_ip = 127.0.0.1
state_path = $S/nova
instances_path = $S/nova/instances
transport_url = $transport
compute_driver = fake.FakeDriver
enabled_apis = osapi_compute
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = $port_nova
osapi_compute_workers = 1
graceful_shutdown_timeout = 2
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = $e/nova/api-paste.ini
[api_database]
connection = $(db_url nova_api)
[database]
connection = $(db_url nova)
[conductor]
workers = 1
[scheduler]
workers = 1
[oslo_concurrency]
lock_path = $S/nova/lock
[oslo_messaging_notifications]
driver = noop
[vnc]
enabled = false
[glance]
# No image service: nova-compute formats an image URL even for volume-backed servers.
endpoint_override = http://127.0.0.1:9292
[privsep_osbrick]
helper_command = privsep-helper --config-file $e/nova/nova.conf
[nova_sys_admin]
helper_command = privsep-helper --config-file $e/nova/nova.conf
$(keystone_auth keystone_authtoken nova)
$(keystone_auth service_user nova)
send_service_user_token = true
$(keystone_auth placement nova)
$(keystone_auth cinder nova)
os_region_name = $region
$(keystone_auth neutron nova)
EOF

  cat >"$e/cinder/cinder.conf" <<EOF
[DEFAULT]
host = $host_name
my_ip = 127.0.0.1
state_path = $S/cinder
transport_url = $transport
auth_strategy = keystone
api_paste_config = $e/cinder/api-paste.ini
osapi_volume_listen = 127.0.0.1
osapi_volume_listen_port = $port_cinder
osapi_volume_workers = 1
graceful_shutdown_timeout = 2
enabled_backends = nfs
backup_driver = cinder.backup.drivers.posix.PosixBackupDriver
backup_posix_path = $S/cinder/backups
# Which list filters the API accepts from 3.33 on; without the file every filter is a 400.
resource_query_filters_file = $e/cinder/resource_filters.json
[database]
connection = $(db_url cinder)
[oslo_concurrency]
lock_path = $S/cinder/lock
[oslo_messaging_notifications]
driver = noop
[oslo_policy]
# Tests may edit this file: oslo.policy re-reads it when its modification time changes.
policy_file = $e/cinder/policy.yaml
# privsep-helper run directly: we are root, and the stock rootwrap filter wants configs in /etc.
# One thread per privsep daemon: once, two backups starting together hung for 2 min in os-brick's
# get_system_uuid (dmidecode forked from the daemon's thread pool); serialising its calls costs little.
[privsep_osbrick]
helper_command = privsep-helper --config-file $e/cinder/cinder.conf
thread_pool_size = 1
[cinder_sys_admin]
helper_command = privsep-helper --config-file $e/cinder/cinder.conf
thread_pool_size = 1
[nfs]
volume_driver = staffeln_e2e_nfs.OfflineSnapshotNfsDriver
volume_backend_name = nfs
nfs_shares_config = $e/cinder/nfs_shares
nfs_mount_point_base = $S/cinder/mnt
nfs_snapshot_support = true
nfs_sparsed_volumes = true
nas_secure_file_operations = false
nas_secure_file_permissions = false
$(keystone_auth keystone_authtoken cinder)
$(keystone_auth service_user cinder)
send_service_user_token = true
$(keystone_auth nova cinder)
EOF
  )
  [[ -e "$e/cinder/policy.yaml" ]] || printf '# Cinder policy overrides for the e2e tests (defaults are in code).\n{}\n' >"$e/cinder/policy.yaml"
  echo "127.0.0.1:$S/cinder/export" >"$e/cinder/nfs_shares"
  sed "s#@STATE@#$S#g" "$here/etc/nova-api-paste.ini" >"$e/nova/api-paste.ini"
  sed "s#@STATE@#$S#g" "$here/etc/cinder-api-paste.ini" >"$e/cinder/api-paste.ini"
  cp "$here/etc/cinder-resource_filters.json" "$e/cinder/resource_filters.json"

  cat >"$e/rabbitmq/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$port_amqp
loopback_users.guest = true
distribution.listener.interface = 127.0.0.1
distribution.listener.port_range.min = $port_dist
distribution.listener.port_range.max = $port_dist
EOF
  echo '[].' >"$e/rabbitmq/enabled_plugins"
  : >"$e/rabbitmq/rabbitmq-env.conf"
}

# --- services ----------------------------------------------------------------------------------

# pymain MODULE ARGS...: runs MODULE.main() with Debian's python3, as /usr/bin/<program> would (the
# service packages themselves are not installed: they bring system units and configs in /etc).
pymain() {
  local mod=$1; shift
  "$PY" -c "import sys; from $mod import main; sys.exit(main())" "$@"
}

# launch_py NAME MODULE ARGS...: starts MODULE.main() as service NAME (see launch).
launch_py() {
  local name=$1 mod=$2; shift 2
  launch "$name" env PYTHONPATH="$here" "$PY" -c "import sys; sys.argv[0] = '$name'; from $mod import main; sys.exit(main())" "$@"
}

start_mariadb() {
  if [[ ! -d "$S/mysql/mysql" ]]; then
    mariadb-install-db --no-defaults --datadir="$S/mysql" --user=root \
      --auth-root-authentication-method=normal --skip-test-db >"$S/logs/mariadb-install.log" 2>&1 \
      || fail mariadb-install "mariadb-install-db failed"
  fi
  launch mariadb mariadbd --no-defaults --datadir="$S/mysql" --socket="$S/run/mysqld.sock" \
    --pid-file="$S/run/mysqld.pid" --skip-networking --user=root --skip-log-bin \
    --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
    --innodb-flush-method=nosync \
    --max-connections=500 --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci
}

# sql STATEMENTS: run as MariaDB's root, read from stdin so no password shows in the process list.
sql() { mariadb --no-defaults -S "$S/run/mysqld.sock" -uroot <<<"$1"; }

create_databases() {
  local d grants=""
  for d in keystone placement nova_api nova nova_cell0 cinder; do
    grants+="CREATE DATABASE IF NOT EXISTS $d; GRANT ALL ON $d.* TO 'openstack'@'localhost';"
  done
  sql "CREATE USER IF NOT EXISTS 'openstack'@'localhost' IDENTIFIED BY '$pw_db'; $grants FLUSH PRIVILEGES;"
}

start_rabbitmq() {
  launch epmd epmd -address 127.0.0.1 -port "$port_epmd"
  wait_until epmd 10 tcp_open "$port_epmd"
  mkdir -p "$S/rabbit/home"
  launch rabbitmq env HOME="$S/rabbit/home" RUNNING_UNDER_SYSTEMD=true \
    RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$port_amqp \
    RABBITMQ_DIST_PORT=$port_dist ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT=$port_epmd \
    RABBITMQ_CONF_ENV_FILE="$S/etc/rabbitmq/rabbitmq-env.conf" \
    RABBITMQ_CONFIG_FILE="$S/etc/rabbitmq/rabbitmq.conf" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$S/etc/rabbitmq/enabled_plugins" \
    RABBITMQ_MNESIA_BASE="$S/rabbit/mnesia" RABBITMQ_LOG_BASE="$S/logs/rabbit" \
    RABBITMQ_PID_FILE="$S/run/rabbit.pid" \
    /usr/lib/rabbitmq/bin/rabbitmq-server
}

keystone_setup() {
  local conf=(--config-file "$S/etc/keystone/keystone.conf")
  keystone-manage "${conf[@]}" db_sync
  mkdir -p "$S/keystone/fernet-keys" "$S/keystone/credential-keys"
  keystone-manage "${conf[@]}" fernet_setup --keystone-user root --keystone-group root
  keystone-manage "${conf[@]}" credential_setup --keystone-user root --keystone-group root
  OS_BOOTSTRAP_PASSWORD=$pw_admin keystone-manage "${conf[@]}" bootstrap \
    --bootstrap-admin-url "http://127.0.0.1:$port_keystone/v3" \
    --bootstrap-internal-url "http://127.0.0.1:$port_keystone/v3" \
    --bootstrap-public-url "http://127.0.0.1:$port_keystone/v3" \
    --bootstrap-region-id "$region"
}

placement_setup() { pymain placement.cmd.manage --config-file "$S/etc/placement/placement.conf" db sync; }

nova_setup() {
  local conf=(--config-file "$S/etc/nova/nova.conf")
  pymain nova.cmd.manage "${conf[@]}" api_db sync
  pymain nova.cmd.manage "${conf[@]}" cell_v2 map_cell0 --database_connection "$(db_url nova_cell0)"
  local cells
  cells=$(pymain nova.cmd.manage "${conf[@]}" cell_v2 list_cells)
  [[ "$cells" == *" cell1 "* ]] || pymain nova.cmd.manage "${conf[@]}" cell_v2 create_cell --name cell1
  pymain nova.cmd.manage "${conf[@]}" db sync
}

cinder_setup() { pymain cinder.cmd.manage --config-file "$S/etc/cinder/cinder.conf" db sync; }

# begin_setup NAME: runs NAME_setup (a schema migration) in the background into logs/setup-NAME.log,
# recorded in pids/setup-NAME as a process tree (it shares cloud.sh's process group) until it ends.
begin_setup() {
  local name=$1
  (t=$SECONDS; "${name}_setup"; echo "cloud.sh: ${name} set-up took $((SECONDS - t))s") >"$S/logs/setup-$name.log" 2>&1 &
  setup_pids[$name]=$!
  echo "$! $(start_ticks $! || echo 0) tree" >"$S/pids/setup-$name"
}

# finish_setup NAME: waits for NAME's set-up; fails with its log if it failed.
finish_setup() {
  wait "${setup_pids[$1]}" || fail "setup-$1" "database set-up of $1 failed"
  rm -f "$S/pids/setup-$1"
  echo "cloud.sh: $1 schema ready after $((SECONDS - t0))s" >&2
}

uwsgi_app() {
  local name=$1 port=$2 script=$3; shift 3
  # Connection: close: keystoneauth reuses connections, and uwsgi's http-socket resets a POST on one.
  launch "$name" env "$@" uwsgi --plugins python3 --master --processes 2 --threads 1 --lazy-apps \
    --enable-threads --die-on-term --buffer-size 65535 --http-socket "127.0.0.1:$port" \
    --add-header "Connection: close" --wsgi-file "$script" --need-app
}

bind_mount_share() {
  local share mnt
  share=$(cat "$S/etc/cinder/nfs_shares")
  # os-brick mounts a share at BASE/md5(share) unless that path is already in /proc/mounts.
  mnt="$S/cinder/mnt/$(printf '%s' "$share" | md5sum | cut -d' ' -f1)"
  mkdir -p "$S/cinder/export" "$mnt"
  grep -q " $mnt " /proc/mounts || mount --bind "$S/cinder/export" "$mnt"
}

start_nova() {
  local conf=(--config-file "$S/etc/nova/nova.conf")
  launch_py nova-api nova.cmd.api "${conf[@]}"
  launch_py nova-conductor nova.cmd.conductor "${conf[@]}"
  launch_py nova-scheduler nova.cmd.scheduler "${conf[@]}"
  launch_py nova-compute nova.cmd.compute "${conf[@]}"
}

start_cinder() {
  local conf=(--config-file "$S/etc/cinder/cinder.conf")
  launch_py cinder-api cinder.cmd.api "${conf[@]}"
  launch_py cinder-scheduler cinder.cmd.scheduler "${conf[@]}"
  bind_mount_share
  launch_py cinder-volume cinder.cmd.volume "${conf[@]}"
  launch_py cinder-backup cinder.cmd.backup "${conf[@]}"
}

write_client_files() {
  local who pw_var pw
  (umask 077
  for who in admin demo alt; do
    pw_var="pw_$who"; pw=${!pw_var}
    cat >"$S/openrc-$who" <<EOF
export OS_AUTH_URL=http://127.0.0.1:$port_keystone/v3
export OS_IDENTITY_API_VERSION=3
export OS_USERNAME=$who
export OS_PASSWORD=$pw
export OS_PROJECT_NAME=$who
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=$region
export OS_INTERFACE=public
EOF
  done
  {
    echo "clouds:"
    for who in admin demo alt; do
      pw_var="pw_$who"
      cat <<EOF
  e2e-$who:
    auth:
      auth_url: http://127.0.0.1:$port_keystone/v3
      username: $who
      password: ${!pw_var}
      project_name: $who
      user_domain_name: Default
      project_domain_name: Default
    region_name: $region
    interface: public
    identity_api_version: 3
EOF
    done
  } >"$S/clouds.yaml")
}

# --- commands ----------------------------------------------------------------------------------

cmd_start() {
  (($(id -u) == 0)) || die "start needs root (mariadbd and rabbitmq run as root; the share is bind-mounted)"
  t0=$SECONDS
  local name
  for name in "$S"/pids/*; do
    [[ -e "$name" ]] || continue
    alive "$(basename "$name")" && die "services recorded in $S/pids still run: run cloud.sh stop $S first"
  done
  check_ports_free
  mkdir -p "$S"/{logs,pids,run,etc,nova/instances,nova/lock,cinder/lock,cinder/backups,cinder/mnt}
  chmod 700 "$S"
  rm -f "$S"/pids/*
  load_secrets
  write_configs

  start_mariadb
  start_rabbitmq
  launch netstub "$PY" "$here/netstub.py" "$port_net"
  wait_until mariadb 60 test -S "$S/run/mysqld.sock"
  wait_until mariadb 30 sql "SELECT 1"
  create_databases
  # The schema migrations are the long pole (nova's most of all): run them side by side, and start
  # each service as soon as what it needs is there.
  begin_setup nova; begin_setup cinder; begin_setup placement; begin_setup keystone
  finish_setup keystone
  uwsgi_app keystone $port_keystone /usr/bin/keystone-wsgi-public OS_KEYSTONE_CONFIG_DIR="$S/etc/keystone"
  wait_until keystone 60 http_up "http://127.0.0.1:$port_keystone/v3"
  "$PY" "$here/bootstrap.py" identities "$S" >>"$S/logs/bootstrap.log" 2>&1 || fail bootstrap "creating identities and catalog failed"
  wait_until rabbitmq 90 tcp_open "$port_amqp"
  finish_setup placement
  uwsgi_app placement $port_placement /usr/bin/placement-api OS_PLACEMENT_CONFIG_DIR="$S/etc/placement"
  finish_setup cinder
  start_cinder
  finish_setup nova
  wait_until netstub 10 tcp_open "$port_net"
  start_nova
  wait_until placement 90 http_up "http://127.0.0.1:$port_placement/"
  wait_until nova-api 90 http_up "http://127.0.0.1:$port_nova/"
  wait_until cinder-api 90 http_up "http://127.0.0.1:$port_cinder/"
  "$PY" "$here/bootstrap.py" ready "$S" >>"$S/logs/bootstrap.log" 2>&1 || {
    tail_log cinder-volume; tail_log nova-compute; fail bootstrap "the cloud did not become ready"; }
  write_client_files
  echo "cloud.sh: READY after $((SECONDS - t0))s (state in $S, logs in $S/logs)" >&2
}

cmd_stop() {
  [[ -d "$S/pids" ]] || { echo "cloud.sh: nothing recorded in $S/pids" >&2; return 0; }
  local f name pid ticks groups=() deadline
  for f in "$S"/pids/*; do
    [[ -e "$f" ]] || continue
    name=$(basename "$f")
    read -r pid ticks kind <"$f" || continue
    # The leader may be gone while its workers live on; a live leader must be the one we started.
    if [[ -e /proc/$pid ]] && [[ "$(start_ticks "$pid" || true)" != "$ticks" ]]; then continue; fi
    if [[ "$kind" == tree ]]; then
      # An unfinished schema migration of a start that was interrupted.
      kill -TERM $(tree_members "$pid") 2>/dev/null || true
      continue
    fi
    [[ -n "$(group_members "$pid")" ]] && { kill -TERM -- "-$pid" 2>/dev/null || true; groups+=("$pid:$name"); }
  done
  deadline=$((SECONDS + 20))
  local g left
  while ((SECONDS < deadline)); do
    left=0
    for g in "${groups[@]}"; do [[ -n "$(group_members "${g%%:*}")" ]] && left=1; done
    ((left)) || break
    sleep 0.5
  done
  for g in "${groups[@]}"; do
    if [[ -n "$(group_members "${g%%:*}")" ]]; then
      echo "cloud.sh: ${g#*:} ignored TERM for 20s; killing its group" >&2
      kill -KILL -- "-${g%%:*}" 2>/dev/null || true
    fi
  done
  local mnt
  while read -r mnt; do umount "$mnt" || umount -l "$mnt"; done < <(awk -v p="$S/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r)
  rm -f "$S"/pids/*
  echo "cloud.sh: stopped ${#groups[@]} service groups" >&2
}

cmd_status() {
  local f rc=0
  for f in "$S"/pids/*; do
    [[ -e "$f" ]] || { echo "no services recorded in $S/pids"; return 1; }
    if alive "$(basename "$f")"; then printf '%-18s running (pid %s)\n' "$(basename "$f")" "$(cut -d' ' -f1 "$f")"
    else printf '%-18s DOWN\n' "$(basename "$f")"; rc=1; fi
  done
  return $rc
}

(($# == 2)) || usage
[[ -n "$2" ]] || usage
mkdir -p "$2"
S=$(cd "$2" && pwd)
((${#S} <= 80)) || die "STATE_DIR path too long for MariaDB's unix socket: $S"
case "$1" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) usage ;;
esac
